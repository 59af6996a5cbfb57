"""The fast path, the sjoin+groupby baseline and the dask path give identical figures on the demo data."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pandas.testing import assert_frame_equal

from wijkatlas.bench import baseline_path, fast_path, run_bench
from wijkatlas.bench_build import BAG_STAGE, identical_figures, run_build_bench
from wijkatlas.columnar import iter_point_batches
from wijkatlas.compute import open_engine
from wijkatlas.config import ComputeSettings, load_config
from wijkatlas.errors import CRSError, SourceError, WijkatlasError
from wijkatlas.geo.pipeline import build_layers
from wijkatlas.indicators.bulk import buurt_totals, layer_terms, term_label
from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.indicators.engine import compute_indicators
from wijkatlas.indicators.partitioned import PartitionedAddUp
from wijkatlas.indicators.terms import Datapakhuis, evaluate
from wijkatlas.settings import DEMO_CONFIG, RD_CRS
from wijkatlas.store import write_store
from wijkatlas.synthetic.national import generate_national


@pytest.fixture(scope="module")
def config():
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def local_layers(config):
    return build_layers(config)


@pytest.fixture(scope="module")
def local_figures(config, local_layers):
    store = Datapakhuis(local_layers, config.peiljaar)
    return compute_indicators(store, load_catalog(config.catalog))


@pytest.fixture(scope="module")
def demo_parquet(local_layers, tmp_path_factory):
    """The demo buurten and BAG verblijfsobjecten as the national generator writes them (GeoParquet)."""
    folder = tmp_path_factory.mktemp("demo-parquet")
    buurten = local_layers["buurten"][["buurtcode", "wijkcode", "gemeentecode", "geometry"]]
    buurten.to_parquet(folder / "buurten.parquet", geometry_encoding="geoarrow")
    bag = local_layers["bag_verblijfsobjecten"]
    objects = bag[["identificatie", "oppervlakte", "status", "gebruiksdoel", "bouwjaar", "geometry"]].astype(
        {"status": "category", "gebruiksdoel": "category"})
    objects.to_parquet(folder / "verblijfsobjecten.parquet", geometry_encoding="geoarrow", row_group_size=500)
    return folder / "buurten.parquet", folder / "verblijfsobjecten.parquet"


def test_fast_path_baseline_and_pipeline_give_the_same_bag_figures(demo_parquet, config, local_layers):
    fast, baseline = fast_path(*demo_parquet), baseline_path(*demo_parquet)
    catalog = load_catalog(config.catalog)
    terms = layer_terms(catalog, "bag_verblijfsobjecten")
    assert len(terms) >= 5
    store = Datapakhuis(local_layers, config.peiljaar)
    for level in ("buurt", "wijk", "gemeente"):
        assert_frame_equal(fast.figures[level], baseline.figures[level], check_names=False)
        pipeline = pd.DataFrame({term_label(term): _at_level(evaluate(store, catalog, term), level) for term in terms})
        assert_frame_equal(fast.figures[level], pipeline.loc[fast.figures[level].index], check_names=False)
    assert (fast.figures["buurt"].sum() > 0).all()
    assert {stage.name for stage in fast.stages} == {"lezen", "toewijzen", "aggregeren"}
    assert sum(stage.records for stage in fast.stages if stage.name == "lezen") == len(
        local_layers["bag_verblijfsobjecten"])


def _at_level(figures: pd.DataFrame, level: str) -> pd.Series:
    return figures[figures["niveau"] == level].set_index("gebiedscode")["waarde"]


def test_dask_engine_gives_identical_records_and_figures(config, local_layers, local_figures):
    with open_engine(ComputeSettings("dask", partitions=3, workers=2)) as engine:
        layers = build_layers(config, assign=engine.assign)
        store = Datapakhuis(layers, config.peiljaar, add_up=engine.add_up)
        figures = compute_indicators(store, load_catalog(config.catalog))
    for name in ("bag_verblijfsobjecten", "sportvoorzieningen", "kavels", "meldingen"):
        assert_frame_equal(layers[name], local_layers[name], check_like=False)
    assert_frame_equal(layers["reconciliatie"], local_layers["reconciliatie"])
    assert_frame_equal(figures, local_figures)
    assert local_figures["teller"].notna().sum() > 1000


def test_partitioned_add_up_equals_one_pass_and_never_splits_a_buurt(config, local_layers):
    catalog = load_catalog(config.catalog)
    records = local_layers["bag_verblijfsobjecten"].dropna(subset=["buurtcode"])
    codes = np.sort(local_layers["buurten"]["buurtcode"].to_numpy())
    slot = np.searchsorted(codes, records["buurtcode"].to_numpy())
    columns = [(term, measure) for term in layer_terms(catalog, "bag_verblijfsobjecten")
               for measure in ("value", "count", "missing")]
    expected = buurt_totals(records, slot, columns, catalog, len(codes))
    for partitions in (1, 4, 50):
        assert np.array_equal(PartitionedAddUp(partitions)(records, slot, columns, catalog, len(codes)), expected)
    assert expected[:, 0].sum() > 0


def test_batches_stream_coordinates_and_columns(demo_parquet, local_layers):
    batches = list(iter_point_batches(demo_parquet[1], ["oppervlakte"], crs=RD_CRS, batch_rows=700))
    bag = local_layers["bag_verblijfsobjecten"]
    assert len(batches) > 3 and [len(batch.x) for batch in batches[:-1]] == [700] * (len(batches) - 1)
    assert np.array_equal(np.concatenate([batch.x for batch in batches]), bag.geometry.x.to_numpy())
    assert list(batches[0].attributes.columns) == ["oppervlakte"]


def test_batches_refuse_other_crs_wkb_and_missing_columns(tmp_path):
    points = gpd.GeoDataFrame({"a": [1, 2]}, geometry=shapely.points([(0, 0), (1, 1)]), crs="EPSG:4326")
    points.to_parquet(tmp_path / "wgs84.parquet", geometry_encoding="geoarrow")
    points.to_crs(RD_CRS).to_parquet(tmp_path / "wkb.parquet")
    with pytest.raises(CRSError, match="wgs84.parquet.*EPSG:4326"):
        next(iter_point_batches(tmp_path / "wgs84.parquet", ["a"], crs=RD_CRS))
    with pytest.raises(SourceError, match="wkb.parquet.*geoarrow"):
        next(iter_point_batches(tmp_path / "wkb.parquet", ["a"], crs=RD_CRS))
    points.set_crs(RD_CRS, allow_override=True).to_parquet(tmp_path / "rd.parquet", geometry_encoding="geoarrow")
    with pytest.raises(SourceError, match="veld 'b'"):
        next(iter_point_batches(tmp_path / "rd.parquet", ["b"], crs=RD_CRS))


def test_national_generator_is_seeded_scaled_and_consistent(tmp_path):
    data = generate_national(tmp_path, 0.002, seed=5)
    again = generate_national(tmp_path / "again", 0.002, seed=5)
    buurten, objects = gpd.read_parquet(data.buurten), gpd.read_parquet(data.verblijfsobjecten)
    assert len(buurten) == data.counts["buurten"] == 29 and len(objects) == data.counts["verblijfsobjecten"] == 20_000
    assert buurten["buurtcode"].is_unique and buurten["buurtcode"].str.fullmatch(r"BU\d{8}").all()
    assert (buurten["buurtcode"].str[2:8] == buurten["wijkcode"].str[2:]).all()
    assert (buurten["wijkcode"].str[2:6] == buurten["gemeentecode"].str[2:]).all()
    assert_frame_equal(objects, gpd.read_parquet(again.verblijfsobjecten))
    outside = ~objects.geometry.intersects(buurten.union_all())
    assert outside.sum() == 100  # half a percent


def test_bench_reports_both_paths_with_the_ratio(tmp_path):
    report = run_bench(0.001, tmp_path, progress=lambda message: None)
    lines = report.splitlines()
    assert lines[0].startswith("Wijkatlas bench, schaal 0.001: 10.000 verblijfsobjecten in 14 buurten")
    assert sum(line.startswith(("snel ", "basis ")) for line in lines) == 8
    assert "versnelling toewijzen + aggregeren" in report and "identiek" in report


def test_build_bench_times_every_stage_of_a_real_build_beside_the_geopandas_way(tmp_path):
    report = run_build_bench(0.005, tmp_path, progress=lambda message: None)
    lines = report.splitlines()
    assert lines[0].startswith("Wijkatlas bench --build, schaal 0.005: 2 gemeenten, 20 wijken")
    stages = [line[:52].strip() for line in lines[2:-5]]
    assert stages[:4] == ["Gebiedsindeling laden", "CBS kerncijfers laden", "Gebiedsindeling controleren", BAG_STAGE]
    assert {"Geheimhouding", "Exports schrijven (naast het datapakhuis)", "API-gegevens schrijven",
            "Kaarten en profielen schrijven"} <= set(stages)
    bag = next(line for line in lines if line.startswith(BAG_STAGE))
    assert len(bag.split()) == len(BAG_STAGE.split()) + 6  # time and peak of the build, then of the baseline
    assert "toegewezen door beide" in lines[-4]
    assert lines[-1].startswith("doel (< 10 min, < 8,00 GiB, kaart < 3 s, gemeentekaart < 1 MB)")
    assert re.fullmatch(r"kaart van alle gebieden \(gebiedsprofiel\.html, \d+,\d MB\): getekend in Chromium na \d+,\d s",
                        lines[-3]), lines[-3]
    assert re.fullmatch(r"grootste kaart van één gemeente \(gebiedsprofiel-GM\d{4}\.html\): 0,\d\d MB", lines[-2]), lines[-2]
    built = tmp_path / "uitvoer-schaal-0.005"
    gemeenten = pyogrio.read_dataframe(built / "datapakhuis.gpkg", layer="indicatoren_gemeente_openbaar")
    assert len(gemeenten) == 2 and (built / "viewers" / "index.html").is_file()


@pytest.mark.slow
def test_build_bench_on_dask_checks_every_figure_against_the_local_build(tmp_path):
    report = run_build_bench(0.005, tmp_path, dask=True, progress=lambda message: None)
    last = report.splitlines()[-1]
    assert re.fullmatch(r"dask-motor \(lokaal cluster, 2 werkers\): hele bouw \d+,\d s, piek \d+,\d\d GiB; identiek aan "
                        r"de lokale bouw: [\d.]+ cijfers, [\d.]+ verblijfsobjecten in dezelfde buurt", last), last
    local = pyogrio.read_dataframe(tmp_path / "uitvoer-schaal-0.005" / "datapakhuis.gpkg",
                                   layer="indicatoren_lang_intern", read_geometry=False)
    assert f"{len(local):,} cijfers".replace(",", ".") in last


def test_a_figure_that_differs_between_engines_is_named(tmp_path):
    figures = pd.DataFrame({"indicator": ["inwoners", "inwoners"], "gebiedscode": ["BU00010000", "BU00010001"],
                            "waarde": [120.0, 80.0]})
    records = pd.DataFrame({"buurtcode": ["BU00010000", None]})
    stores = []
    for name, changed in (("lokaal", figures), ("dask", figures.assign(waarde=[120.0, 81.0]))):
        stores.append(write_store({"indicatoren_lang_intern": changed, "bag_verblijfsobjecten": records},
                                  tmp_path / name / "datapakhuis.gpkg"))
    assert identical_figures(stores[0], stores[0]) == (2, 1)
    with pytest.raises(WijkatlasError, match="wijkt af van de lokale in indicatoren_lang_intern"):
        identical_figures(*stores)

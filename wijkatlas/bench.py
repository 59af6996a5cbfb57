"""``wijkatlas bench``: assignment and aggregation at national size, fast path against a plain baseline.

Both paths run in their own process on the same synthetic GeoParquet data, so
each reports its own peak memory:

* **snel** (the pipeline's path): the GeoParquet streamed in batches of one
  million (:func:`wijkatlas.columnar.iter_point_batches`, coordinates straight from
  the geoarrow columns, only the columns the catalog uses), buurten found with
  :class:`wijkatlas.geo.assign.BuurtGrid`, and every BAG term of the catalog added up per
  buurt in one pass per batch (:func:`wijkatlas.indicators.bulk.buurt_totals`), rolled up
  to wijk and gemeente at the end; memory stays bounded by the batch size;
* **basis** (what one would write first): ``geopandas.read_parquet``,
  ``geopandas.sjoin`` (lowest buurtcode on a boundary, as the pipeline does),
  and per indicator term a pandas filter and a ``groupby`` per level.

The run checks that both give identical figures and prints wall time, records
per second and peak memory (PSS, sampled) per stage, and the speed-up.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wijkatlas.errors import WijkatlasError
from wijkatlas.geo.bag import is_woning
from wijkatlas.stages import Stage, StageMeter, count_text, gib_text

LEVEL_COLUMNS = {"buurt": "buurtcode", "wijk": "wijkcode", "gemeente": "gemeentecode"}
LEVELS = tuple(LEVEL_COLUMNS)
#: The BAG columns the catalog's terms select and sum on.
ATTRIBUTE_COLUMNS = ["oppervlakte", "status", "gebruiksdoel", "bouwjaar"]


@dataclass
class PathResult:
    """The stages of one path (fast or baseline) and the figures it produced."""
    stages: list[Stage]
    figures: dict[str, pd.DataFrame]


def fast_path(buurten_path: Path, objects_path: Path) -> PathResult:
    """Stream the verblijfsobjecten in batches: read columns, locate on the buurt raster, add up term totals."""
    import geopandas as gpd

    from wijkatlas.columnar import iter_point_batches
    from wijkatlas.geo.assign import BuurtGrid
    from wijkatlas.indicators.bulk import buurt_totals, layer_terms, term_label
    from wijkatlas.indicators.catalog import DEFAULT_CATALOG, load_catalog

    catalog = load_catalog(DEFAULT_CATALOG)
    terms = layer_terms(catalog, "bag_verblijfsobjecten")
    columns = [(term, "value") for term in terms]
    meter = StageMeter()
    buurten = gpd.read_parquet(buurten_path).sort_values("buurtcode", ignore_index=True)
    grid = meter.measure("toewijzen", 0, lambda: BuurtGrid(buurten.geometry.to_numpy()))
    totals = np.zeros((len(buurten), len(terms)))
    batches = iter_point_batches(objects_path, ATTRIBUTE_COLUMNS, crs=buurten.crs)
    while (batch := meter.measure("lezen", 0, lambda: next(batches, None))) is not None:
        meter.stages["lezen"].records += len(batch.x)
        index = meter.measure("toewijzen", len(batch.x), lambda b=batch: grid.locate(b.x, b.y))
        totals += meter.measure("aggregeren", len(batch.x), lambda b=batch, i=index: buurt_totals(
            _with_is_woning(b.attributes), i, columns, catalog, len(buurten)))
    labels = [term_label(term) for term in terms]
    figures = meter.measure("aggregeren", 0, lambda: by_level(totals, labels, buurten))
    return PathResult(list(meter.stages.values()), figures)


def by_level(totals: np.ndarray, labels: list[str], buurten: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per level a frame of term totals, one column per label, indexed by area code (see ``bulk.roll_up``)."""
    from wijkatlas.indicators.bulk import roll_up

    return {level: pd.DataFrame(values, index=pd.Index(codes, name=f"{level}code"), columns=labels)
            for level, (codes, values) in roll_up(totals, buurten).items()}


def baseline_path(buurten_path: Path, objects_path: Path) -> PathResult:
    """The straightforward geopandas way: read everything, sjoin, then filter and group per term."""
    import geopandas as gpd

    from wijkatlas.frames import list_pattern
    from wijkatlas.indicators.bulk import layer_terms, term_label
    from wijkatlas.indicators.catalog import DEFAULT_CATALOG, load_catalog

    catalog = load_catalog(DEFAULT_CATALOG)
    terms = layer_terms(catalog, "bag_verblijfsobjecten")
    meter = StageMeter()
    buurten = gpd.read_parquet(buurten_path)
    objects = meter.measure("lezen", 0, lambda: gpd.read_parquet(objects_path))
    meter.stages["lezen"].records = len(objects)

    def assign():
        joined = gpd.sjoin(objects, buurten[["buurtcode", "wijkcode", "gemeentecode", "geometry"]],
                           how="left", predicate="intersects")
        joined = joined.sort_values("buurtcode").loc[lambda f: ~f.index.duplicated(keep="first")].sort_index()
        return _with_is_woning(joined.drop(columns=["geometry", "index_right"]))

    assigned = meter.measure("toewijzen", len(objects), assign)

    def aggregate():
        inside = assigned[assigned["buurtcode"].notna()]
        per_level: dict[str, dict] = {level: {} for level in LEVELS}
        for term in terms:
            selected = inside
            for column, values in catalog.sets[term.name].where + term.where:
                selected = selected[selected[column].isin(values)]
            for column, values in term.where_contains:
                selected = selected[selected[column].astype("string").str.contains(list_pattern(values))]
            for column, (low, high) in term.where_range:
                selected = selected[selected[column].between(low, high).fillna(False)]
            for level, column in LEVEL_COLUMNS.items():
                grouped = (selected.groupby(column).size() if term.field is None
                           else selected.groupby(column)[term.field].sum())
                codes = pd.Index(np.unique(buurten[column]), name=column)
                per_level[level][term_label(term)] = grouped.reindex(codes, fill_value=0).astype(float)
        return {level: pd.DataFrame(columns) for level, columns in per_level.items()}

    figures = meter.measure("aggregeren", len(objects), aggregate)
    return PathResult(list(meter.stages.values()), figures)


def _with_is_woning(records: pd.DataFrame) -> pd.DataFrame:
    """The datapakhuis column the woning set selects on, derived as geo.bag does."""
    return records.assign(is_woning=is_woning(records["gebruiksdoel"]).to_numpy())


def run_bench(scale: float, data_dir: Path, *, seed: int = 2024, progress: Callable[[str], None] = print) -> str:
    """Generate (or reuse) the data, run both paths in fresh processes, compare figures; returns the report."""
    from wijkatlas.synthetic.national import generate_national

    started = time.perf_counter()
    data = generate_national(data_dir, scale, seed)
    progress(f"gegevens schaal {scale:g}: {data.counts} ({time.perf_counter() - started:.0f} s, in {data_dir})")
    results = {}
    for name, path in (("snel", fast_path), ("basis", baseline_path)):
        progress(f"… pad '{name}'")
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            results[name] = pool.submit(path, data.buurten, data.verblijfsobjecten).result()
    for level in LEVELS:
        fast, base = results["snel"].figures[level], results["basis"].figures[level]
        if not fast.index.equals(base.index) or not np.array_equal(fast.to_numpy(), base[fast.columns].to_numpy()):
            raise WijkatlasError(f"snel en basis geven verschillende cijfers op niveau {level}")
    return report(scale, data.counts, results)


def report(scale: float, counts: dict[str, int], results: dict[str, PathResult]) -> str:
    """The benchmark's figures per stage, both paths side by side."""
    counted = {name: count_text(number) for name, number in counts.items()}
    lines = [f"Wijkatlas bench, schaal {scale:g}: {counted['verblijfsobjecten']} verblijfsobjecten in "
             f"{counted['buurten']} buurten, {counted['wijken']} wijken, {counted['gemeenten']} gemeenten",
             f"{'pad':<7}{'stap':<13}{'tijd (s)':>9}{'records/s':>13}{'piekgeheugen':>16}"]
    totals = {}
    for name, result in results.items():
        for stage in result.stages:
            rate = count_text(round(stage.records / stage.seconds)) if stage.seconds else "-"
            lines.append(f"{name:<7}{stage.name:<13}{stage.seconds:>9.2f}{rate:>13}{gib_text(stage.peak_bytes):>16}")
        core = [stage for stage in result.stages if stage.name in ("toewijzen", "aggregeren")]
        totals[name] = sum(stage.seconds for stage in core)
        peak = max(stage.peak_bytes for stage in result.stages)
        rate = count_text(round(counts["verblijfsobjecten"] / totals[name]))
        lines.append(f"{name:<7}{'toew.+aggr.':<13}{totals[name]:>9.2f}{rate:>13}{gib_text(peak):>16}")
    per_stage = {name: {stage.name: stage.seconds for stage in result.stages} for name, result in results.items()}
    ratios = ", ".join(f"{stage} {per_stage['basis'][stage] / per_stage['snel'][stage]:.1f}x"
                       for stage in ("lezen", "toewijzen", "aggregeren"))
    lines.append(f"versnelling toewijzen + aggregeren: {totals['basis'] / totals['snel']:.1f}x (zelfde run; {ratios})")
    lines.append("cijfers van beide paden identiek op buurt, wijk en gemeente")
    return "\n".join(lines)

"""National-size synthetic Netherlands for the benchmarks.

:func:`generate_netherlands` writes every source of a build in the formats CBS, the
BAG and municipalities deliver (for ``wijkatlas bench --build``): at scale 1, 362
seeded gemeenten of 40 buurten and about 27 500 verblijfsobjecten each.

:func:`generate_national` writes the columnar data of the assignment benchmark
(``wijkatlas bench``): buurten and BAG verblijfsobjecten as GeoParquet. Scale 1 is
the size of the country: 345 gemeenten, 3 300 wijken, 14 500 buurten and 10 million
verblijfsobjecten; a scale of 0.01 makes one hundredth of each.
Buurten are a Voronoi tessellation of the RD extent of the Netherlands, grouped
into wijken and gemeenten by their nearest wijk and gemeente seed, with CBS-style
codes. Verblijfsobjecten carry the BAG columns the indicators use, with a
density that differs per buurt, and half a percent lies outside every buurt.
The output is GeoParquet (geoarrow point encoding), so that the benchmark can
read coordinates as columns.
"""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.settings import CBS_DATA_PROPERTIES, RD_CRS
from wijkatlas.synthetic.bag import STATUS_MIX
from wijkatlas.synthetic.region import GemeenteSpec, build_config, generate_gemeente, write_sources

NATIONAL = {"gemeenten": 345, "wijken": 3_300, "buurten": 14_500, "verblijfsobjecten": 10_000_000}
#: The RD extent the tessellation covers (m).
EXTENT = (13_000.0, 306_000.0, 278_000.0, 620_000.0)
GEBRUIKSDOEL_MIX = {"woonfunctie": 0.835, "winkelfunctie": 0.04, "kantoorfunctie": 0.035, "industriefunctie": 0.03,
                    "bijeenkomstfunctie": 0.02, "gezondheidszorgfunctie": 0.01, "onderwijsfunctie": 0.005,
                    "overige gebruiksfunctie": 0.025}
OUTSIDE_SHARE = 0.005
#: gemeenten of the synthetic Netherlands at scale 1: 362 × 40 buurten ≈ 14 500 buurten
NETHERLANDS_GEMEENTEN = 362
#: woningen asked per gemeente: about 27 500 verblijfsobjecten each, 10 million in all
WONINGEN_PER_GEMEENTE = 25_000
MELDINGEN_PER_GEMEENTE = 1_500
#: distance between town centres (m); a town reaches about 6 km from its centre
TOWN_SPACING_M = 14_000.0
NAME_STARTS = ["Ooster", "Wester", "Noorder", "Zuider", "Hoog", "Laag", "Nieuw", "Oud", "Groot", "Klein",
               "Beek", "Veen", "Zand", "Berg", "Dijk", "Brug", "Kerk", "Molen", "Wolde", "Linde"]
NAME_ENDS = ["dam", "wijk", "horst", "veen", "dorp", "hoven", "broek", "loo", "rade", "zijl",
             "meer", "hout", "sloot", "burg", "kamp", "stede", "lo", "haar", "weerd", "mond"]


@dataclass(frozen=True)
class SourceSet:
    """A generated data set in source formats: its build configuration and what it holds."""
    config: Path
    counts: dict[str, int]


def generate_netherlands(target: Path, scale: float, seed: int = 2024, *, workers: int = 2) -> SourceSet:
    """Write (or reuse) a synthetic Netherlands in source formats and its configuration ``nederland.toml``.

    ``round(362 × scale)`` gemeenten (at least two) on a grid of towns 14 km apart, each
    generated from its own seed in one of ``workers`` processes and written as soon as it is made.
    """
    folder = target / f"bronnen-schaal-{scale:g}-zaad-{seed}"
    counts_file = folder / "aantallen.json"
    if counts_file.is_file():
        return SourceSet(folder / "nederland.toml", json.loads(counts_file.read_text(encoding="utf-8")))
    folder.mkdir(parents=True, exist_ok=True)
    count = max(2, round(NETHERLANDS_GEMEENTEN * scale))
    columns = int(np.ceil(np.sqrt(count)))
    specs = [GemeenteSpec(f"GM{n + 1:04d}", _gemeentenaam(n),
                          (EXTENT[0] + TOWN_SPACING_M * (0.5 + n % columns), EXTENT[1] + TOWN_SPACING_M * (0.5 + n // columns)),
                          postcode_base=1000 + 10 * n, seed=(seed, n), woningen=WONINGEN_PER_GEMEENTE,
                          meldingen=MELDINGEN_PER_GEMEENTE, round_counts=True, properties=CBS_DATA_PROPERTIES)
             for n in range(count)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        counts = write_sources(folder, pool.map(generate_gemeente, specs))
    config = folder / "nederland.toml"
    config.write_text(build_config("Build configuration of the synthetic Netherlands: every gemeente.",
                                   'naam = "Nederland (synthetisch)"\nalle = true'), encoding="utf-8")
    counts_file.write_text(json.dumps(counts), encoding="utf-8")  # last: a half-written set is made again
    return SourceSet(config, counts)


def _gemeentenaam(number: int) -> str:
    """A Dutch-sounding name, different for each of the first 400 numbers."""
    return NAME_STARTS[number % len(NAME_STARTS)] + NAME_ENDS[(number // len(NAME_STARTS)) % len(NAME_ENDS)]


@dataclass(frozen=True)
class NationalData:
    """Paths and counts of a generated national data set."""
    buurten: Path
    verblijfsobjecten: Path
    counts: dict[str, int]


def generate_national(target: Path, scale: float, seed: int = 2024) -> NationalData:
    """Write (or reuse, when present for this scale and seed) the national data set under ``target``."""
    folder = target / f"schaal-{scale:g}-zaad-{seed}"
    buurten_path, objects_path = folder / "buurten.parquet", folder / "verblijfsobjecten.parquet"
    counts = {name: max(1, round(n * scale)) for name, n in NATIONAL.items()}
    counts["wijken"] = max(counts["wijken"], counts["gemeenten"])
    counts["buurten"] = max(counts["buurten"], counts["wijken"])
    if not (buurten_path.exists() and objects_path.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(seed)
        buurten = national_buurten(rng, counts)
        buurten.to_parquet(buurten_path, geometry_encoding="geoarrow")
        national_verblijfsobjecten(rng, buurten, counts["verblijfsobjecten"]).to_parquet(
            objects_path, geometry_encoding="geoarrow", row_group_size=1_000_000)
    return NationalData(buurten_path, objects_path, counts)


def national_buurten(rng: np.random.Generator, counts: dict[str, int]) -> gpd.GeoDataFrame:
    """Voronoi buurten with wijk- and gemeentecodes; seeds cluster as towns do."""
    frame = shapely.box(*EXTENT)
    towns = rng.uniform(EXTENT[:2], EXTENT[2:], (counts["gemeenten"], 2))
    spread = rng.uniform(1_500, 9_000, counts["gemeenten"])
    home = rng.integers(0, counts["gemeenten"], counts["buurten"])
    seeds = np.clip(towns[home] + rng.normal(0, 1, (counts["buurten"], 2)) * spread[home, None],
                    EXTENT[:2], np.array(EXTENT[2:]) - 1)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame)
    polygons = shapely.intersection(shapely.get_parts(cells), frame)
    centres = shapely.centroid(polygons)
    wijk_seeds = shapely.points(seeds[rng.choice(len(seeds), counts["wijken"], replace=False)])
    wijk = shapely.STRtree(wijk_seeds).query_nearest(centres, all_matches=False)[1]
    gemeente = shapely.STRtree(shapely.points(towns)).query_nearest(wijk_seeds[wijk], all_matches=False)[1]
    table = pd.DataFrame({"gemeente": gemeente, "wijk": wijk})
    table["gemeentecode"] = [f"GM{g + 1:04d}" for g in table["gemeente"]]
    # wijk and buurt numbers restart per gemeente and per wijk, as CBS codes do (capped at 99)
    wijk_number = table.drop_duplicates("wijk").assign(n=lambda t: t.groupby("gemeente").cumcount() % 100)
    table["wijknummer"] = table["wijk"].map(wijk_number.set_index("wijk")["n"])
    table["buurtnummer"] = table.groupby("wijk").cumcount() % 100
    table["wijkcode"] = "WK" + table["gemeentecode"].str[2:] + table["wijknummer"].map("{:02d}".format)
    table["buurtcode"] = "BU" + table["wijkcode"].str[2:] + table["buurtnummer"].map("{:02d}".format)
    buurten = gpd.GeoDataFrame(table[["buurtcode", "wijkcode", "gemeentecode"]], geometry=polygons, crs=RD_CRS)
    return buurten.drop_duplicates("buurtcode").sort_values("buurtcode").reset_index(drop=True)


def national_verblijfsobjecten(rng: np.random.Generator, buurten: gpd.GeoDataFrame, count: int) -> gpd.GeoDataFrame:
    """BAG verblijfsobjecten: per buurt a random density; uniform within the buurt's bounding box, kept if inside."""
    weights = rng.lognormal(0, 1.0, len(buurten))
    bounds = shapely.bounds(buurten.geometry.to_numpy())
    inside_count = count - int(count * OUTSIDE_SHARE)
    x, y = np.empty(0), np.empty(0)
    tree = shapely.STRtree(buurten.geometry.to_numpy())
    while len(x) < inside_count:
        need = int((inside_count - len(x)) * 1.4) + 1000
        chosen = rng.choice(len(buurten), need, p=weights / weights.sum())
        cx = rng.uniform(bounds[chosen, 0], bounds[chosen, 2])
        cy = rng.uniform(bounds[chosen, 1], bounds[chosen, 3])
        hit = np.zeros(need, dtype=bool)
        record, polygon = tree.query(shapely.points(cx, cy), predicate="within")
        hit[record[polygon == chosen[record]]] = True
        x, y = np.concatenate([x, cx[hit]]), np.concatenate([y, cy[hit]])
    x, y = x[:inside_count], y[:inside_count]
    outside = count - inside_count
    x = np.concatenate([x, rng.uniform(EXTENT[2] + 1_000, EXTENT[2] + 50_000, outside)])
    y = np.concatenate([y, rng.uniform(EXTENT[1], EXTENT[3], outside)])
    doelen = rng.choice(list(GEBRUIKSDOEL_MIX), count, p=list(GEBRUIKSDOEL_MIX.values()))
    woning = doelen == "woonfunctie"
    oppervlakte = np.where(woning, rng.lognormal(np.log(95), 0.35, count),
                           rng.lognormal(np.log(220), 0.9, count)).round().astype(np.int64).clip(10, 50_000)
    bouwjaar = rng.choice(np.arange(1850, 2025), count, p=_bouwjaar_weights())
    status = rng.choice(list(STATUS_MIX), count, p=np.array(list(STATUS_MIX.values())) / sum(STATUS_MIX.values()))
    return gpd.GeoDataFrame({
        "identificatie": pd.array(np.char.add("0", (100_000_000_000_000 + np.arange(count)).astype(str)), dtype="string"),
        "oppervlakte": oppervlakte,
        "status": pd.Categorical(status),
        "gebruiksdoel": pd.Categorical(doelen),
        "bouwjaar": bouwjaar,
    }, geometry=gpd.points_from_xy(x, y), crs=RD_CRS)


def _bouwjaar_weights() -> np.ndarray:
    years = np.arange(1850, 2025)
    weights = np.where(years < 1945, 0.4, np.where(years < 1975, 1.6, np.where(years < 2000, 1.3, 0.9)))
    return weights / weights.sum()

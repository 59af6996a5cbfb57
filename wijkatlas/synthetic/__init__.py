"""Seeded synthetic municipalities in the schemas of CBS, PDOK BAG and municipal exports.

:func:`generate_demo` writes the embedded demo municipality to ``data/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.settings import KERNCIJFERS_TABLES
from wijkatlas.synthetic.bag import generate_verblijfsobjecten
from wijkatlas.synthetic.kerncijfers import generate_kerncijfers, load_properties, stem
from wijkatlas.synthetic.raster import write_groen_raster
from wijkatlas.synthetic.registrations import generate_kavels, generate_meldingen, generate_sportaanbieders
from wijkatlas.synthetic.town import Town, generate_town

DEMO_SEED = 20241
DEMO_GEMEENTE = ("GM9901", "Havenstede")
#: the peiljaren of the demo's kerncijfers
DEMO_PEILJAREN = (2022, 2023, 2024)
DEMO_CENTRE = (233_000.0, 503_000.0)
#: kerncijfers columns the CBS wijk- en buurtkaart carries (2022 onwards, camelCase)
KAART_FIELDS = {
    "aantalInwoners": "AantalInwoners",
    "aantalHuishoudens": "HuishoudensTotaal",
    "woningvoorraad": "Woningvoorraad",
    "gemiddeldeWoningwaarde": "GemiddeldeWOZWaardeVanWoningen",
    "percentageKoopwoningen": "Koopwoningen",
    "gemiddeldInkomenPerInwoner": "GemiddeldInkomenPerInwoner",
    "bevolkingsdichtheidInwonersPerKm2": "Bevolkingsdichtheid",
}


def generate_demo(data_dir: Path, *, seed: int = DEMO_SEED, round_counts: bool = True) -> dict[str, Path]:
    """Write the demo municipality's source files below ``data_dir``; returns what was written.

    Another ``seed`` gives another town (its own wijken, buurten and figures);
    ``round_counts=False`` gives person and household counts that are not multiples of 5.
    """
    rng = np.random.default_rng(seed)
    gemeentecode, gemeentenaam = DEMO_GEMEENTE
    town = generate_town(rng, gemeentecode=gemeentecode, gemeentenaam=gemeentenaam, centre=DEMO_CENTRE)
    vbo = generate_verblijfsobjecten(rng, town, target_woningen=17_500)
    properties = load_properties(data_dir / "reference" / "cbs_85984NED_DataProperties.json")
    written: dict[str, Path] = {}

    kerncijfers = {}
    for peiljaar in DEMO_PEILJAREN:
        table_id = KERNCIJFERS_TABLES[peiljaar]
        table = generate_kerncijfers(rng, town, vbo, peiljaar=peiljaar, properties_2024=properties,
                                     round_counts=round_counts)
        kerncijfers[peiljaar] = table
        path = data_dir / "cbs" / f"kerncijfers_{table_id}.csv"
        write_csv(integral_table(table), path)
        written[f"kerncijfers_{peiljaar}"] = path

    path = data_dir / "cbs" / "wijkbuurtkaart_2024.gpkg"
    write_wijkbuurtkaart([town], kerncijfers[2024], path)
    written["wijkbuurtkaart"] = path

    path = data_dir / "bag" / "verblijfsobjecten.gpkg"
    write_layer(vbo.drop(columns="buurtcode"), path, "verblijfsobject")
    written["bag"] = path

    defects = []
    sport, found = generate_sportaanbieders(rng, vbo)
    defects += found
    path = data_dir / "registraties" / "sportaanbieders.csv"
    write_csv(sport, path, sep=";", encoding="cp1252")
    written["sportaanbieders"] = path

    kavel_geometry, kavel_admin, found = generate_kavels(rng, town)
    defects += found
    path = data_dir / "registraties" / "kavels.gpkg"
    write_layer(kavel_geometry, path, "kavels")
    written["kavels_geometrie"] = path
    path = data_dir / "registraties" / "kavels.xlsx"
    write_sheet(kavel_admin, path, "Kavels")
    written["kavels_administratie"] = path

    meldingen, found = generate_meldingen(rng, vbo)
    defects += found
    path = data_dir / "registraties" / "meldingen.geojson"
    write_geojson(meldingen, path)
    written["meldingen"] = path

    path = data_dir / "raster" / "groen_10m.tif"
    write_groen_raster(rng, town, vbo, path)
    written["groen"] = path

    path = data_dir / "defects.json"
    path.write_text(json.dumps(defects, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    written["defects"] = path
    return written


def integral_table(table: pd.DataFrame) -> pd.DataFrame:
    """Integer columns as integers (with missing values), as cbsodata delivers them."""
    table = table.copy()
    for column in table.columns:
        values = table[column]
        if values.dtype.kind == "f" and (values.dropna() % 1 == 0).all():
            table[column] = values.astype("Int64")
    return table


def write_csv(table: pd.DataFrame, path: Path, **options) -> None:
    """``table`` as a CSV file (CRLF with ``;``, as Excel writes it), its folder made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, lineterminator="\r\n" if options.get("sep") == ";" else "\n", **options)


def write_layer(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """``frame`` as the only layer of a new GeoPackage."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def write_sheet(table: pd.DataFrame, path: Path, sheet: str) -> None:
    """``table`` as the one sheet of a new workbook, dates as Dutch Excel shows them."""
    with pd.ExcelWriter(path, engine="openpyxl", date_format="DD-MM-YYYY", datetime_format="DD-MM-YYYY") as xlsx:
        table.to_excel(xlsx, sheet_name=sheet, index=False)


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """``frame`` as a new GeoJSON file in lon/lat to 7 decimals, as web portals export it."""
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=7)


def write_wijkbuurtkaart(towns: list[Town], kerncijfers_2024: pd.DataFrame, path: Path) -> None:
    """The CBS wijk- en buurtkaart layout of ``towns``: land and water parts per area, sentinels for secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    figures = kerncijfers_2024.set_index(kerncijfers_2024["Codering_3"].str.strip())
    by_stem = {stem(c): c for c in figures.columns}
    attributes = pd.DataFrame(
        {field: figures[by_stem[s]] for field, s in KAART_FIELDS.items()}, index=figures.index
    ).astype(float).fillna(-99997)

    def each(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=towns[0].buurten.crs)

    buurten = each([t.buurten.assign(gemeentecode=t.gemeentecode, gemeentenaam=t.gemeentenaam) for t in towns])
    wijken = each([t.wijken.assign(gemeentecode=t.gemeentecode, gemeentenaam=t.gemeentenaam) for t in towns])
    gemeenten = gpd.GeoDataFrame(
        {"gemeentecode": [t.gemeentecode for t in towns], "gemeentenaam": [t.gemeentenaam for t in towns]},
        geometry=[t.gemeente for t in towns], crs=towns[0].buurten.crs,
    )
    water = shapely.union_all([t.water for t in towns])
    layers = {
        "gemeenten": (gemeenten, "gemeentecode", ["gemeentecode", "gemeentenaam"]),
        "wijken": (wijken, "wijkcode", ["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam"]),
        "buurten": (buurten, "buurtcode", ["buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam"]),
    }
    for layer, (frame, code, columns) in layers.items():
        land = frame[columns].assign(water="NEE", geometry=shapely.difference(frame.geometry.to_numpy(), water))
        wet = frame[columns].assign(water="JA", geometry=shapely.intersection(frame.geometry.to_numpy(), water))
        wet = wet[~shapely.is_empty(wet["geometry"].to_numpy())]
        parts = pd.concat([land, wet], ignore_index=True).sort_values([code, "water"], ignore_index=True)
        parts = parts.join(attributes, on=code)
        parts.loc[parts["water"] == "JA", list(KAART_FIELDS)] = -99997
        parts = gpd.GeoDataFrame(parts, geometry="geometry", crs=frame.crs)
        parts.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", promote_to_multi=True)

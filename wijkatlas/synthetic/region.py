"""A seeded regio of several gemeenten in the layouts a shared organisation receives them.

CBS delivers one wijk- en buurtkaart and one kerncijfers table per peiljaar for the whole
country (the Nederland row included); the BAG comes as one extract; the shared
organisation keeps one registration per kind for all its gemeenten.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from wijkatlas.settings import KERNCIJFERS_TABLES
from wijkatlas.synthetic import (
    DEMO_PEILJAREN,
    integral_table,
    write_csv,
    write_geojson,
    write_layer,
    write_sheet,
    write_wijkbuurtkaart,
)
from wijkatlas.synthetic.bag import generate_verblijfsobjecten
from wijkatlas.synthetic.kerncijfers import generate_kerncijfers, load_properties
from wijkatlas.synthetic.registrations import generate_kavels, generate_meldingen, generate_sportaanbieders
from wijkatlas.synthetic.town import generate_town

#: Hillegom, Lisse and Teylingen: three gemeenten, one organisation (HLTsamen)
REGIO_GEMEENTEN = (("GM0534", "Hillegom"), ("GM0553", "Lisse"), ("GM1525", "Teylingen"))
REGIO_NAAM = "Hillegom, Lisse en Teylingen"
#: town centres 14 km apart, so the towns' outlines never overlap
REGIO_CENTRES = ((95_000.0, 482_000.0), (95_000.0, 468_000.0), (109_000.0, 475_000.0))


def generate_region(data_dir: Path, *, seed: int = 534, round_counts: bool = False) -> Path:
    """Write a regio's source files and its build configuration ``regio.toml`` below ``data_dir``."""
    rng = np.random.default_rng(seed)
    towns = [generate_town(rng, gemeentecode=code, gemeentenaam=naam, centre=centre, radius_m=4200.0)
             for (code, naam), centre in zip(REGIO_GEMEENTEN, REGIO_CENTRES, strict=True)]
    vbos = [generate_verblijfsobjecten(rng, town, target_woningen=6_000) for town in towns]
    properties = load_properties(data_dir / "reference" / "cbs_85984NED_DataProperties.json")
    for peiljaar in DEMO_PEILJAREN:
        tables = [generate_kerncijfers(rng, town, vbo, peiljaar=peiljaar, properties_2024=properties,
                                       round_counts=round_counts) for town, vbo in zip(towns, vbos, strict=True)]
        table = pd.concat([_nederland(tables[0]), *tables], ignore_index=True)
        table["ID"] = range(len(table))
        write_csv(integral_table(table), data_dir / "cbs" / f"kerncijfers_{KERNCIJFERS_TABLES[peiljaar]}.csv")
        if peiljaar == max(DEMO_PEILJAREN):
            write_wijkbuurtkaart(towns, table, data_dir / "cbs" / "wijkbuurtkaart_2024.gpkg")
    vbo = gpd.GeoDataFrame(pd.concat(vbos, ignore_index=True), crs=vbos[0].crs)
    write_layer(vbo.drop(columns="buurtcode"), data_dir / "bag" / "verblijfsobjecten.gpkg", "verblijfsobject")

    sport = pd.concat([_numbered(generate_sportaanbieders(rng, town_vbo)[0], "Nummer", town.gemeentecode)
                       for town, town_vbo in zip(towns, vbos, strict=True)], ignore_index=True)
    write_csv(sport, data_dir / "registraties" / "sportaanbieders.csv", sep=";", encoding="cp1252")
    geometries, admins = [], []
    for town in towns:
        geometry, admin, _ = generate_kavels(rng, town)
        geometries.append(_numbered(geometry, "kavelnummer", town.gemeentecode))
        admins.append(_numbered(admin, "Kavelnummer", town.gemeentecode))
    write_layer(gpd.GeoDataFrame(pd.concat(geometries, ignore_index=True), crs=geometries[0].crs),
                data_dir / "registraties" / "kavels.gpkg", "kavels")
    write_sheet(pd.concat(admins, ignore_index=True), data_dir / "registraties" / "kavels.xlsx", "Kavels")
    meldingen = pd.concat([_numbered(generate_meldingen(rng, town_vbo, n=1500)[0], "id", town.gemeentecode)
                           for town, town_vbo in zip(towns, vbos, strict=True)], ignore_index=True)
    write_geojson(gpd.GeoDataFrame(meldingen), data_dir / "registraties" / "meldingen.geojson")
    config = data_dir / "regio.toml"
    config.write_text(_config(), encoding="utf-8")
    return config


def _nederland(gemeente_table: pd.DataFrame) -> pd.DataFrame:
    """The table's first row as CBS's whole-country row (``NL01``), which a build of gemeenten leaves out."""
    row = gemeente_table.iloc[[0]].copy()
    row["WijkenEnBuurten"] = "Nederland"
    row[[c for c in row.columns if c.startswith("Codering")]] = f"{'NL01':<10}"
    row[[c for c in row.columns if c.startswith("SoortRegio")]] = f"{'Land':<10}"
    row[[c for c in row.columns if c.startswith("Gemeentenaam")]] = f"{'Nederland':<40}"
    return row


def _numbered(frame: pd.DataFrame, column: str, gemeentecode: str) -> pd.DataFrame:
    """The records' numbers prefixed with the gemeente's number: one registration holds all three gemeenten."""
    return frame.assign(**{column: gemeentecode[2:] + "-" + frame[column].astype(str)})


def _config() -> str:
    codes = ", ".join(f'"{code}"' for code, _ in REGIO_GEMEENTEN)
    kerncijfers = "".join(f'\n[[kerncijfers]]\nfile = "cbs/kerncijfers_{KERNCIJFERS_TABLES[year]}.csv"\n'
                          f"peiljaar = {year}\n" for year in DEMO_PEILJAREN)
    return f'''# Build configuration of a regio of three gemeenten with one shared organisation.

[gebied]
naam = "{REGIO_NAAM}"
code = "RG01"
gemeenten = [{codes}]

[gebieden]
file = "cbs/wijkbuurtkaart_2024.gpkg"
{kerncijfers}
[bag]
file = "bag/verblijfsobjecten.gpkg"
layer = "verblijfsobject"

[registraties.sportvoorzieningen]
file = "registraties/sportaanbieders.csv"
sep = ";"
encoding = "cp1252"
decimal = ","
id = "Nummer"
x = "X"
y = "Y"
postcode = "Postcode"
huisnummer = "Huisnummer"
category = "Sport"

[registraties.kavels]
file = "registraties/kavels.xlsx"
layer = "Kavels"
id = "Kavelnummer"
category = "Status"
categories = ["beschikbaar", "in optie", "verkocht"]
date = "Datum status"
geometry = {{ file = "registraties/kavels.gpkg", layer = "kavels", key = "kavelnummer" }}

[registraties.meldingen]
file = "registraties/meldingen.geojson"
id = "id"
category = "hoofdcategorie"
date = "datum_melding"
'''

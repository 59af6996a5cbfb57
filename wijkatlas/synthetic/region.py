"""Seeded data sets of several gemeenten in the layouts a shared organisation or a province receives them.

CBS delivers one wijk- en buurtkaart and one kerncijfers table per peiljaar for the whole
country (the Nederland row included); the BAG comes as one extract; the shared
organisation keeps one registration per kind for all its gemeenten.
:func:`generate_gemeente` makes one gemeente's part of every source and
:func:`write_sources` writes any number of them, one gemeente at a time, so that a
national data set never has to fit in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
from wijkatlas.synthetic.town import Town, generate_town

#: Hillegom, Lisse and Teylingen: three gemeenten, one organisation (HLTsamen), with their own PC4 ranges
REGIO_GEMEENTEN = (("GM0534", "Hillegom", 2180), ("GM0553", "Lisse", 2160), ("GM1525", "Teylingen", 2170))
REGIO_NAAM = "Hillegom, Lisse en Teylingen"
#: town centres 14 km apart, so the towns' outlines never overlap
REGIO_CENTRES = ((95_000.0, 482_000.0), (95_000.0, 468_000.0), (109_000.0, 475_000.0))
#: the regio's BAG layer name, as in PDOK's BAG GeoPackage
BAG_LAYER = "verblijfsobject"


@dataclass(frozen=True)
class GemeenteSources:
    """One gemeente's part of every source: boundaries, BAG, kerncijfers per peiljaar and registrations."""

    town: Town
    verblijfsobjecten: gpd.GeoDataFrame
    kerncijfers: dict[int, pd.DataFrame]
    sport: pd.DataFrame
    kavel_geometry: gpd.GeoDataFrame
    kavel_admin: pd.DataFrame
    meldingen: gpd.GeoDataFrame


@dataclass(frozen=True)
class GemeenteSpec:
    """What to generate for one gemeente; ``seed`` makes it reproducible on its own (in any process)."""

    code: str
    naam: str
    centre: tuple[float, float]
    postcode_base: int
    seed: tuple[int, ...]
    woningen: int
    meldingen: int
    round_counts: bool
    properties: Path


def generate_gemeente(spec: GemeenteSpec) -> GemeenteSources:
    """Boundaries, verblijfsobjecten, three peiljaren of kerncijfers and the registrations of one gemeente.

    Record numbers of the registrations are prefixed with the gemeente's number: one
    registration file holds every gemeente of the data set.
    """
    rng = np.random.default_rng(spec.seed)
    town = generate_town(rng, gemeentecode=spec.code, gemeentenaam=spec.naam, centre=spec.centre,
                         postcode_base=spec.postcode_base)
    vbo = generate_verblijfsobjecten(rng, town, target_woningen=spec.woningen)
    properties = load_properties(spec.properties)
    kerncijfers = {peiljaar: generate_kerncijfers(rng, town, vbo, peiljaar=peiljaar, properties_2024=properties,
                                                  round_counts=spec.round_counts) for peiljaar in DEMO_PEILJAREN}
    kavel_geometry, kavel_admin, _ = generate_kavels(rng, town)
    return GemeenteSources(
        town, vbo, kerncijfers,
        sport=_numbered(generate_sportaanbieders(rng, vbo)[0], "Nummer", spec.code),
        kavel_geometry=_numbered(kavel_geometry, "kavelnummer", spec.code),
        kavel_admin=_numbered(kavel_admin, "Kavelnummer", spec.code),
        meldingen=_numbered(generate_meldingen(rng, vbo, n=spec.meldingen)[0], "id", spec.code),
    )


def write_sources(data_dir: Path, gemeenten: Iterable[GemeenteSources]) -> dict[str, int]:
    """Write the sources of ``gemeenten`` as CBS, the BAG and a shared organisation deliver them; returns counts.

    The BAG is appended one gemeente at a time; only boundaries, kerncijfers and registrations are kept.
    """
    bag = data_dir / "bag" / "verblijfsobjecten.gpkg"
    towns: list[Town] = []
    kerncijfers: dict[int, list[pd.DataFrame]] = {peiljaar: [] for peiljaar in DEMO_PEILJAREN}
    kept: dict[str, list[pd.DataFrame]] = {"sport": [], "kavel_geometry": [], "kavel_admin": [], "meldingen": []}
    verblijfsobjecten = 0
    for gemeente in gemeenten:
        objects = gemeente.verblijfsobjecten.drop(columns="buurtcode")
        if towns:
            objects.to_file(bag, layer=BAG_LAYER, driver="GPKG", engine="pyogrio", append=True)
        else:
            write_layer(objects, bag, BAG_LAYER)
        verblijfsobjecten += len(objects)
        towns.append(gemeente.town)
        for peiljaar, table in gemeente.kerncijfers.items():
            kerncijfers[peiljaar].append(table)
        for name, frames in kept.items():
            frames.append(getattr(gemeente, name))
    for peiljaar, tables in kerncijfers.items():
        table = pd.concat([_nederland(tables[0]), *tables], ignore_index=True)
        table["ID"] = range(len(table))
        write_csv(integral_table(table), data_dir / "cbs" / f"kerncijfers_{KERNCIJFERS_TABLES[peiljaar]}.csv")
        if peiljaar == max(DEMO_PEILJAREN):
            write_wijkbuurtkaart(towns, table, data_dir / "cbs" / "wijkbuurtkaart_2024.gpkg")
    crs = towns[0].buurten.crs
    write_csv(pd.concat(kept["sport"], ignore_index=True), data_dir / "registraties" / "sportaanbieders.csv",
              sep=";", encoding="cp1252")
    write_layer(gpd.GeoDataFrame(pd.concat(kept["kavel_geometry"], ignore_index=True), crs=crs),
                data_dir / "registraties" / "kavels.gpkg", "kavels")
    write_sheet(pd.concat(kept["kavel_admin"], ignore_index=True), data_dir / "registraties" / "kavels.xlsx", "Kavels")
    meldingen = gpd.GeoDataFrame(pd.concat(kept["meldingen"], ignore_index=True))
    write_geojson(meldingen, data_dir / "registraties" / "meldingen.geojson")
    return {"gemeenten": len(towns), "wijken": sum(len(t.wijken) for t in towns),
            "buurten": sum(len(t.buurten) for t in towns), "verblijfsobjecten": verblijfsobjecten,
            "meldingen": len(meldingen)}


def generate_region(data_dir: Path, *, seed: int = 534, round_counts: bool = False) -> Path:
    """Write a regio's source files and its build configuration ``regio.toml`` below ``data_dir``."""
    specs = [GemeenteSpec(code, naam, centre, postcode, (seed, number), woningen=6_000, meldingen=1_500,
                          round_counts=round_counts, properties=data_dir / "reference" / "cbs_85984NED_DataProperties.json")
             for number, ((code, naam, postcode), centre) in enumerate(zip(REGIO_GEMEENTEN, REGIO_CENTRES, strict=True))]
    write_sources(data_dir, map(generate_gemeente, specs))
    codes = ", ".join(f'"{code}"' for code, _, _ in REGIO_GEMEENTEN)
    config = data_dir / "regio.toml"
    config.write_text(build_config("Build configuration of a regio of three gemeenten with one shared organisation.",
                                   f'naam = "{REGIO_NAAM}"\ncode = "RG01"\ngemeenten = [{codes}]'), encoding="utf-8")
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
    """The records' numbers prefixed with the gemeente's number: one registration holds every gemeente."""
    return frame.assign(**{column: gemeentecode[2:] + "-" + frame[column].astype(str)})


def build_config(title: str, gebied: str) -> str:
    """The build configuration of a data set written by :func:`write_sources`; ``gebied``: its [gebied] keys."""
    kerncijfers = "".join(f'\n[[kerncijfers]]\nfile = "cbs/kerncijfers_{KERNCIJFERS_TABLES[year]}.csv"\n'
                          f"peiljaar = {year}\n" for year in DEMO_PEILJAREN)
    return f'''# {title}

[gebied]
{gebied}

[gebieden]
file = "cbs/wijkbuurtkaart_2024.gpkg"
{kerncijfers}
[bag]
file = "bag/verblijfsobjecten.gpkg"
layer = "{BAG_LAYER}"

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

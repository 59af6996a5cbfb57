"""A hand-made datapakhuis whose indicator values can be worked out on paper.

Two wijken of two 100 m buurten (the grid of tests/conftest.py), gemeente GM0001.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from wijkatlas.indicators.terms import Datapakhuis

CODES = {"BU00010000": "WK000100", "BU00010001": "WK000100", "BU00010100": "WK000101", "BU00010101": "WK000101"}
IN_USE = "Verblijfsobject in gebruik"


def points(rows: list[tuple], columns: list[str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["x", "y", "buurtcode", *columns])
    frame["wijkcode"] = frame["buurtcode"].map(CODES)
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]),
                            crs="EPSG:28992")


def kerncijfers() -> pd.DataFrame:
    rows = []
    figures = {  # code: (inwoners 2023, inwoners 2024, 0-15 jaar 2024, WOZ 2024, woningvoorraad 2024)
        "BU00010000": (90, 100, 10, 200, 40), "BU00010001": (300, 300, 90, 300, 120),
        "BU00010100": (40, 40, 4, None, 15), "BU00010101": (60, 60, 6, 250, 25),
        "WK000100": (390, 400, 100, 275, 160), "WK000101": (100, 100, 10, 240, 40), "GM0001": (490, 500, 110, 268, 200),
    }
    for code, (inw_2023, inw, young, woz, stock) in figures.items():
        niveau = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}[code[:2]]
        for variable, value, year in (("AantalInwoners", inw_2023, 2023), ("AantalInwoners", inw, 2024),
                                      ("k_0Tot15Jaar", young, 2024), ("GemiddeldeWOZWaardeVanWoningen", woz, 2024),
                                      ("Woningvoorraad", stock, 2024)):
            rows.append({"gebiedscode": code, "soort_regio": niveau, "gebiedsnaam": code, "peiljaar": year,
                         "variabele": variable, "waarde": float("nan") if value is None else float(value),
                         "status": "geheim" if value is None else None})
    return pd.DataFrame(rows)


@pytest.fixture
def small_store(grid_buurten) -> Datapakhuis:
    buurten = grid_buurten.assign(buurtnaam=lambda f: f["buurtcode"], wijknaam=lambda f: f["wijkcode"],
                                  gemeentecode="GM0001", gemeentenaam="Proefdorp", oppervlakte_land_ha=1.0)
    wijken = gpd.GeoDataFrame(
        {"wijkcode": ["WK000100", "WK000101"], "wijknaam": ["Zuid", "Noord"], "gemeentecode": "GM0001",
         "gemeentenaam": "Proefdorp", "oppervlakte_land_ha": 2.0},
        geometry=[shapely.box(0, 0, 200, 100), shapely.box(0, 100, 200, 200)], crs="EPSG:28992")
    gemeente = gpd.GeoDataFrame({"gemeentecode": ["GM0001"], "gemeentenaam": ["Proefdorp"], "oppervlakte_land_ha": 4.0},
                                geometry=[shapely.box(0, 0, 200, 200)], crs="EPSG:28992")
    bag = points([
        (10, 10, "BU00010000", "woonfunctie", True, IN_USE, 50, 1930),
        (90, 90, "BU00010000", "woonfunctie", True, IN_USE, 150, 1990),
        (50, 10, "BU00010000", "winkelfunctie", False, IN_USE, 400, 1990),
        (150, 50, "BU00010001", "winkelfunctie,woonfunctie", True, IN_USE, 100, 2010),
        (50, 150, "BU00010100", "woonfunctie", True, IN_USE, 60, 1950),
        (20, 120, "BU00010100", "woonfunctie", True, IN_USE, 70, 1950),
        (80, 180, "BU00010100", "woonfunctie", True, IN_USE, 80, 1950),
        (150, 150, "BU00010101", "woonfunctie", True, "Verblijfsobject ingetrokken", 200, 2020),
    ], ["gebruiksdoel", "is_woning", "status", "oppervlakte", "bouwjaar"])
    meldingen = points([
        (20, 20, "BU00010000", "Afval", "2024-03-01"), (30, 20, "BU00010000", "Afval", "2024-05-01"),
        (40, 20, "BU00010000", "Schoon", "2024-07-01"), (20, 30, "BU00010000", "Afval", "2023-07-01"),
        (150, 20, "BU00010001", "Afval", "2024-02-01"), (150, 150, "BU00010101", "Schoon", "2024-02-01"),
        (160, 150, "BU00010101", "Schoon", "2024-03-01"),
    ], ["categorie", "datum"]).assign(datum=lambda f: pd.to_datetime(f["datum"]))
    sport = points([(50, 50, "BU00010000", "voetbal")], ["categorie"])
    raster = pd.DataFrame({"buurtcode": list(CODES), "som": [50.0, 150.0, 100.0, 300.0],
                           "aantal_cellen": [10, 10, 20, 20], "aantal_cellen_nodata": 0,
                           "gemiddelde": [5.0, 15.0, 5.0, 15.0]})
    reconciliation = pd.DataFrame({
        "bron": ["kerncijfers", "bag_verblijfsobjecten", "meldingen", "sportvoorzieningen"],
        "gelezen": [14, 8, 9, 1], "toegewezen": [14, 8, 7, 1], "buiten": [0, 0, 1, 0], "afgekeurd": [0, 0, 1, 0]})
    sources = pd.DataFrame({"bron": ["bag_verblijfsobjecten", "meldingen", "sportvoorzieningen"], "bestand": "x",
                            "sha256": "0", "gewijzigd": pd.Timestamp("2024-12-01")})
    layers = {"buurten": buurten, "wijken": wijken, "gemeente": gemeente, "kerncijfers": kerncijfers(),
              "bag_verblijfsobjecten": bag, "meldingen": meldingen, "sportvoorzieningen": sport,
              "raster_groen": raster, "reconciliatie": reconciliation, "bronnen": sources}
    return Datapakhuis(layers, 2024)

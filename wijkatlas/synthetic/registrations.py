"""Municipal registrations as municipalities hand them over, defects included.

* sportaanbieders: a CSV exported from Dutch Excel (``;``, decimal commas,
  cp1252), RD x/y for most rows and only postcode + huisnummer for some;
* kavels: an Excel sheet with the administration and a GeoPackage with the
  kavel polygons, joined on kavelnummer (as in Hengelo);
* meldingen openbare ruimte: GeoJSON in WGS84 as a meldingen system exports it.

Each generator returns its data and the list of defects it planted, as
``{"bron", "id", "uitkomst"}`` with ``uitkomst`` a rejection reason code or
``"buiten"`` for a record outside the municipality.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.settings import RD_CRS, WGS84_CRS
from wijkatlas.synthetic.town import Town

SPORTEN = [
    "voetbal", "hockey", "tennis", "zwemmen", "fitness", "korfbal", "gymnastiek",
    "atletiek", "judo", "paardensport", "handbal", "volleybal", "padel", "golf",
]
MELDING_CATEGORIEEN = [
    "Afval", "Openbaar groen en water", "Wegen, verkeer, straatmeubilair", "Straatverlichting",
    "Overlast in de openbare ruimte", "Schoon", "Overlast van dieren", "Overig",
]
KAVEL_STATUS = ["beschikbaar", "in optie", "verkocht"]

Defect = dict[str, str]


def generate_sportaanbieders(
    rng: np.random.Generator, vbo: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[Defect]]:
    """Sport providers per accommodation, as the municipality's Excel sheet holds them."""
    sport_sites = vbo[vbo["gebruiksdoel"].isin(["sportfunctie", "bijeenkomstfunctie"])]
    sites = sport_sites.sample(n=46, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    rows = []
    number = 1
    accommodations = ["Sportpark", "Sporthal", "Gymzaal", "Zwembad", "Tennispark", "Manege", "Sportcentrum"]
    for i, site in sites.iterrows():
        kind = accommodations[i % len(accommodations)]
        name = f"{kind} {site['openbare_ruimte'].removesuffix('straat').removesuffix('laan')}"
        n_providers = int(rng.integers(1, 4)) if kind in ("Sportpark", "Sportcentrum") else 1
        for _ in range(n_providers):
            sport = str(rng.choice(SPORTEN))
            rows.append(
                {
                    "Nummer": f"SP{number:04d}",
                    "Aanbieder": _club_name(rng, sport),
                    "Accommodatie": name,
                    "Sport": sport,
                    "Adres": f"{site['openbare_ruimte']} {site['huisnummer']}",
                    "Postcode": f"{site['postcode'][:4]} {site['postcode'][4:]}",
                    "Huisnummer": site["huisnummer"],
                    "Plaats": site["woonplaats"],
                    "X": site.geometry.x + rng.normal(0, 3),
                    "Y": site.geometry.y + rng.normal(0, 3),
                    "Aantal leden": int(rng.integers(25, 900)),
                    "Laatst gewijzigd": (dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 330)))).strftime("%d-%m-%Y"),
                }
            )
            number += 1
    table = pd.DataFrame(rows)
    # Some rows were entered with an address only.
    address_only = rng.choice(len(table), size=9, replace=False)
    table.loc[address_only, ["X", "Y"]] = np.nan

    defects: list[Defect] = []

    def add(row: dict, uitkomst: str) -> None:
        nonlocal table
        table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
        defects.append({"bron": "sportvoorzieningen", "id": row["Nummer"], "uitkomst": uitkomst})

    template = table.iloc[0].to_dict()
    n = len(table)
    add({**template, "Nummer": f"SP{n + 1:04d}", "X": np.nan, "Y": np.nan, "Postcode": "8199 ZZ",
         "Huisnummer": 7, "Aanbieder": "Jeu de boulesclub 't Zwarte Schaap"}, "adres_onbekend")
    add({**template, "Nummer": f"SP{n + 2:04d}", "X": template["Y"], "Y": template["X"],
         "Aanbieder": "Schaakclub De Zet"}, "xy_verwisseld")
    add({**template, "Nummer": f"SP{n + 3:04d}", "X": template["X"] + 14_000, "Y": template["Y"] + 3_000,
         "Aanbieder": "Roeivereniging De Overkant", "Sport": "volleybal"}, "buiten")
    add({**template, "Nummer": f"SP{n + 4:04d}", "Sport": "sjoelen", "Aanbieder": "Sjoelclub Oké"},
        "categorie_onbekend")
    add({**template, "Nummer": f"SP{n + 5:04d}", "X": np.nan, "Y": np.nan, "Postcode": None,
         "Huisnummer": None, "Aanbieder": "Wandelclub Zónder Adres"}, "geen_locatie")
    add({**template, "Nummer": f"SP{n + 6:04d}", "X": "onbekend", "Aanbieder": "Dartclub Bull's Eye"},
        "coordinaat_ongeldig")
    add({**table.iloc[14].to_dict(), "Aanbieder": "Tennisvereniging Smash (dubbel ingevoerd)"}, "dubbel_id")
    for column in ("X", "Y"):
        table[column] = [(f"{v:.2f}".replace(".", ",") if v == v else "") if isinstance(v, float) else v
                         for v in table[column]]
    return table, defects


def _club_name(rng: np.random.Generator, sport: str) -> str:
    prefix = {"voetbal": "v.v.", "hockey": "MHC", "tennis": "LTV", "korfbal": "KV", "zwemmen": "Zwemvereniging",
              "atletiek": "AV", "handbal": "HV", "volleybal": "VV", "judo": "Judoclub", "golf": "Golfclub"}
    names = ["De Vaart", "Havenstede", "Oosterveen", "Sparta", "Olympia", "Hércules", "De Zwaluwen", "Föhn",
             "Achilles", "Vitesse '22", "De Meeuwen", "Rap", "Victoria", "Kwiek", "Het Anker"]
    return f"{prefix.get(sport, sport.capitalize())} {rng.choice(names)}"


def generate_kavels(
    rng: np.random.Generator, town: Town
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[Defect]]:
    """Kavel polygons and their administration for bedrijventerrein and woningbouw."""
    bedrijven = town.buurten[town.buurten["character"] == "bedrijventerrein"]
    woningbouw = town.buurten[town.buurten["character"] == "nieuwbouw"]
    parcels = []
    for prefix, areas, size, n_wanted, terrein in (
        ("BT", bedrijven, (70.0, 110.0), 56, "Bedrijvenpark De Vaart"),
        ("WB", woningbouw, (16.0, 32.0), 84, None),
    ):
        region = shapely.difference(shapely.union_all(areas.geometry.to_numpy()), town.water)
        polygons = _parcel_grid(rng, region, size)
        chosen = rng.choice(len(polygons), size=min(n_wanted, len(polygons)), replace=False)
        for k, index in enumerate(sorted(chosen), start=1):
            geom = polygons[index]
            where = areas[areas.intersects(geom.centroid)]
            parcels.append(
                {
                    "kavelnummer": f"{prefix}-{k:03d}",
                    "type": "bedrijventerrein" if prefix == "BT" else "woningbouw",
                    "terrein": terrein or f"{where['buurtnaam'].iloc[0]} fase 2" if len(where) else "Onbekend",
                    "geometry": geom,
                }
            )
    kavels = gpd.GeoDataFrame(parcels, crs=RD_CRS)
    status = rng.choice(KAVEL_STATUS, size=len(kavels), p=[0.45, 0.15, 0.40])
    area = np.round(kavels.area).astype(int)
    price_m2 = np.where(kavels["type"] == "bedrijventerrein", rng.integers(110, 175, len(kavels)),
                        rng.integers(390, 560, len(kavels)))
    status_date = [dt.datetime(2022, 1, 3) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1090, len(kavels))]
    admin = pd.DataFrame(
        {
            "Kavelnummer": kavels["kavelnummer"],
            "Terrein": kavels["terrein"],
            "Type": kavels["type"],
            "Status": status,
            "Oppervlakte (m²)": area,
            "Prijs per m² (€)": price_m2,
            "Koopsom (€)": np.where(status == "verkocht", area * price_m2, np.nan),
            "Datum status": status_date,
        }
    )
    defects: list[Defect] = []
    geometry_only = kavels.iloc[[0]].assign(kavelnummer="BT-900")
    geometry_only["geometry"] = geometry_only.translate(0, -130)
    defects.append({"bron": "kavels", "id": "BT-900", "uitkomst": "niet_in_administratie"})
    extra = [
        {**admin.iloc[1].to_dict(), "Kavelnummer": "WB-900"},
        {**admin.iloc[2].to_dict(), "Status": "gereserveerd"},
        {**admin.iloc[3].to_dict(), "Datum status": "n.t.b."},
        {**admin.iloc[4].to_dict(), "Status": "verkocht"},
    ]
    defects += [
        {"bron": "kavels", "id": "WB-900", "uitkomst": "geen_geometrie"},
        {"bron": "kavels", "id": admin.iloc[4]["Kavelnummer"], "uitkomst": "dubbel_id"},
    ]
    admin = admin.drop(index=[2, 3])
    admin = pd.concat([admin, pd.DataFrame(extra)], ignore_index=True)
    defects += [
        {"bron": "kavels", "id": extra[1]["Kavelnummer"], "uitkomst": "categorie_onbekend"},
        {"bron": "kavels", "id": extra[2]["Kavelnummer"], "uitkomst": "datum_ongeldig"},
    ]
    geometry = pd.concat([kavels[["kavelnummer", "geometry"]], geometry_only[["kavelnummer", "geometry"]]])
    return gpd.GeoDataFrame(geometry, crs=RD_CRS).reset_index(drop=True), admin, defects


def _parcel_grid(rng: np.random.Generator, region: shapely.Geometry, size: tuple[float, float]) -> np.ndarray:
    """Rectangular parcels along a rotated grid, kept where they lie wholly inside ``region``."""
    if region.is_empty:  # a town without this kind of land
        return np.array([], dtype=object)
    width, depth = size
    xmin, ymin, xmax, ymax = region.bounds
    widths = width * rng.uniform(0.6, 1.6, size=int((xmax - xmin) / (0.6 * width)) + 1)
    xs = xmin + np.concatenate([[0.0], np.cumsum(widths[:-1] + 8)])
    xs = xs[xs < xmax]
    column_width = widths[: len(xs)]
    ys = np.arange(ymin, ymax, depth + 12)
    gx, gy = np.meshgrid(xs, ys)
    gw = np.broadcast_to(column_width, gx.shape)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + gw.ravel(), gy.ravel() + depth)
    inside = shapely.contains(region, boxes)
    return boxes[inside]


def generate_meldingen(
    rng: np.random.Generator, vbo: gpd.GeoDataFrame, *, n: int = 5000
) -> tuple[gpd.GeoDataFrame, list[Defect]]:
    """Meldingen openbare ruimte near addresses, busier in the centre, 2022-2024."""
    weights = np.where(vbo["buurtcode"].str[6:8] == "00", 4.0, 1.0)
    picks = rng.choice(len(vbo), size=n, p=weights / weights.sum())
    xy = shapely.get_coordinates(vbo.geometry.to_numpy()[picks]) + rng.uniform(-12, 12, size=(n, 2))
    start = dt.datetime(2022, 1, 1)
    moments = [start + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 3 * 365 * 24 * 60, n)]
    category_p = np.array([22, 18, 16, 8, 12, 14, 4, 6], dtype=float)
    meldingen = gpd.GeoDataFrame(
        {
            "id": [f"M{m.year}-{i:06d}" for i, m in enumerate(moments, start=1)],
            "hoofdcategorie": rng.choice(MELDING_CATEGORIEEN, size=n, p=category_p / category_p.sum()),
            "datum_melding": [m.strftime("%Y-%m-%dT%H:%M:%S") for m in moments],
            "status": rng.choice(["afgehandeld", "in behandeling", "gemeld"], size=n, p=[0.86, 0.09, 0.05]),
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=RD_CRS,
    ).to_crs(WGS84_CRS)

    defects: list[Defect] = []

    def mark(index: int, uitkomst: str) -> None:
        defects.append({"bron": "meldingen", "id": meldingen.at[index, "id"], "uitkomst": uitkomst})

    for index in (101, 102, 103):
        meldingen.loc[index, "geometry"] = None
        mark(index, "geen_locatie")
    for index in (201, 202):
        point = meldingen.at[index, "geometry"]
        meldingen.loc[index, "geometry"] = shapely.Point(point.y, point.x)
        mark(index, "xy_verwisseld")
    for index in range(301, 316):
        point = meldingen.at[index, "geometry"]
        meldingen.loc[index, "geometry"] = shapely.Point(point.x + rng.uniform(0.12, 0.25), point.y - 0.08)
        mark(index, "buiten")
    for index, value in ((401, "2023-02-30"), (402, "onbekend")):
        meldingen.loc[index, "datum_melding"] = value
        mark(index, "datum_ongeldig")
    meldingen.loc[403, "datum_melding"] = None
    mark(403, "datum_ontbreekt")
    for index, value in ((501, "Vuurwerk"), (502, "Graffiti"), (503, "Vuurwerk"), (504, "Parkeren")):
        meldingen.loc[index, "hoofdcategorie"] = value
        mark(index, "categorie_onbekend")
    duplicates = meldingen.iloc[[601, 602]].copy()
    meldingen = pd.concat([meldingen, duplicates], ignore_index=True)
    defects += [{"bron": "meldingen", "id": i, "uitkomst": "dubbel_id"} for i in duplicates["id"]]
    return gpd.GeoDataFrame(meldingen, crs=WGS84_CRS), defects

"""BAG verblijfsobjecten for a synthetic town, in the schema of PDOK's BAG GeoPackage.

Buildings stand along a warped street grid per buurt; apartment buildings hold
several verblijfsobjecten at one spot. The mix of gebruiksdoelen, sizes and
bouwjaren follows the buurt's character.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.settings import RD_CRS
from wijkatlas.synthetic.town import CHARACTERS, Town

NIET_WONING_MIX = {
    "centrum": {"winkelfunctie": 40, "kantoorfunctie": 20, "bijeenkomstfunctie": 18, "logiesfunctie": 5,
                "gezondheidszorgfunctie": 7, "onderwijsfunctie": 3, "overige gebruiksfunctie": 6, "celfunctie": 1},
    "wonen": {"winkelfunctie": 16, "kantoorfunctie": 14, "bijeenkomstfunctie": 15, "gezondheidszorgfunctie": 15,
              "onderwijsfunctie": 14, "sportfunctie": 11, "overige gebruiksfunctie": 15},
    "bedrijventerrein": {"industriefunctie": 55, "kantoorfunctie": 20, "winkelfunctie": 8,
                         "overige gebruiksfunctie": 12, "sportfunctie": 5},
    "buitengebied": {"overige gebruiksfunctie": 50, "industriefunctie": 20, "logiesfunctie": 10,
                     "bijeenkomstfunctie": 12, "sportfunctie": 8},
}
STATUS_MIX = {
    "Verblijfsobject in gebruik": 0.962,
    "Verblijfsobject in gebruik (niet ingemeten)": 0.02,
    "Verblijfsobject buiten gebruik": 0.006,
    "Verbouwing verblijfsobject": 0.008,
    "Verblijfsobject ingetrokken": 0.004,
}
STRAAT_STAMMEN = [
    "Linden", "Beuken", "Eiken", "Essen", "Iepen", "Wilgen", "Populieren", "Kastanje", "Berken", "Elzen",
    "Meidoorn", "Vlier", "Hazelaar", "Lijsterbes", "Jasmijn", "Seringen", "Rozen", "Tulpen", "Narcissen", "Krokus",
    "Merel", "Lijster", "Spreeuw", "Zwaluw", "Kievit", "Reiger", "Ooievaar", "Valk", "Buizerd", "Fazant",
    "Rembrandt", "Vermeer", "Mondriaan", "Van Gogh", "Steen", "Hals", "Ruisdael", "Breitner", "Israëls", "Mesdag",
    "Sweelinck", "Mahler", "Mozart", "Bach", "Haydn", "Chopin", "Grieg", "Ravel", "Schubert", "Verdi",
    "Molen", "Kerk", "Haven", "Dijk", "Sluis", "Kade", "Vaart", "Polder", "Weide", "Akker",
    "Brink", "Esch", "Hof", "Veld", "Bos", "Heide", "Kamp", "Zand", "Klei", "Veen",
    "Smids", "Bakkers", "Kuipers", "Wevers", "Schippers", "Touwslagers", "Lakenkopers", "Brouwers", "Ververs", "Zeilmakers",
]
STRAAT_SUFFIXEN = ["straat", "laan", "weg", "hof", "singel", "plein", "kade", "pad", "dreef", "erf"]


def _street_lines(rng: np.random.Generator, polygon: shapely.Geometry, spacing: float) -> np.ndarray:
    """Streets of one buurt: a rotated, gently warped grid clipped to the buurt."""
    c = shapely.centroid(polygon)
    half = 0.5 * np.hypot(*np.subtract(polygon.bounds[2:], polygon.bounds[:2])) + spacing
    offsets = np.arange(-half, half, spacing) + rng.uniform(0, spacing)
    lines = []
    for along in (0.0, np.pi / 2):
        for o in offsets:
            lines.append([(o, -half), (o, half)] if along == 0 else [(-half, o), (half, o)])
    grid = shapely.linestrings(lines)
    grid = shapely.segmentize(grid, 25.0)
    angle = rng.uniform(0, np.pi)
    amplitude, wavelength = rng.uniform(0.1, 0.35) * spacing, rng.uniform(250, 600)

    def warp(xy: np.ndarray) -> np.ndarray:
        x = xy[:, 0] + amplitude * np.sin(xy[:, 1] / wavelength)
        y = xy[:, 1] + amplitude * np.sin(xy[:, 0] / wavelength)
        return np.column_stack(
            [c.x + x * np.cos(angle) - y * np.sin(angle), c.y + x * np.sin(angle) + y * np.cos(angle)]
        )

    grid = shapely.transform(grid, warp)
    clipped = shapely.intersection(grid, polygon)
    parts = shapely.get_parts(clipped[~shapely.is_empty(clipped)])
    parts = parts[shapely.get_type_id(parts) == 1]
    return parts[shapely.length(parts) > 40]


def _building_sites(
    rng: np.random.Generator, streets: np.ndarray, land: shapely.Geometry, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` building points beside the streets: (xy, street index, position along street)."""
    lengths = shapely.length(streets)
    interior = shapely.buffer(land, -15.0)  # buildings stand clear of the buurt's edge
    xy_found, street_found, along_found = [], [], []
    count = 0
    while count < n:
        m = 2 * (n - count) + 20
        street = rng.choice(len(streets), size=m, p=lengths / lengths.sum())
        along = rng.uniform(0, lengths[street])
        here = shapely.get_coordinates(shapely.line_interpolate_point(streets[street], along))
        ahead = shapely.get_coordinates(shapely.line_interpolate_point(streets[street], along + 1.0))
        direction = ahead - here
        norm = np.hypot(direction[:, 0], direction[:, 1])
        norm[norm == 0] = 1.0
        normal = np.column_stack([-direction[:, 1], direction[:, 0]]) / norm[:, None]
        side = rng.choice([-1.0, 1.0], size=m)
        xy = here + normal * (side * rng.uniform(9, 18, size=m))[:, None]
        inside = shapely.contains_xy(interior, xy[:, 0], xy[:, 1])
        xy_found.append(xy[inside])
        street_found.append(street[inside])
        along_found.append((along * side)[inside])
        count += int(inside.sum())
    return (
        np.concatenate(xy_found)[:n],
        np.concatenate(street_found)[:n],
        np.concatenate(along_found)[:n],
    )


def generate_verblijfsobjecten(rng: np.random.Generator, town: Town, *, target_woningen: int) -> gpd.GeoDataFrame:
    """Generate BAG verblijfsobjecten for ``town``.

    Returns
    -------
    geopandas.GeoDataFrame
        The PDOK BAG GeoPackage columns (``identificatie``, ``oppervlakte``,
        ``status``, ``gebruiksdoel``, ``openbare_ruimte``, ``huisnummer``,
        ``huisletter``, ``toevoeging``, ``postcode``, ``woonplaats``,
        ``bouwjaar``) plus a generator-only ``buurtcode``; points in EPSG:28992.
    """
    land = shapely.difference(town.buurten.geometry.to_numpy(), town.water)
    land_ha = shapely.area(land) / 10_000
    density = np.array([CHARACTERS[c].woningen_per_ha for c in town.buurten["character"]])
    fixed = town.buurten["character"].isin(["bedrijventerrein", "buitengebied"]).to_numpy()
    woningen = density * land_ha
    woningen[fixed] = np.where(
        town.buurten["character"].to_numpy()[fixed] == "bedrijventerrein",
        np.resize([3, 8, 14, 26], fixed.sum()),
        woningen[fixed],
    )
    scale = (target_woningen - woningen[fixed].sum()) / woningen[~fixed].sum()
    woningen[~fixed] *= scale
    woningen = np.maximum(np.round(woningen), 1).astype(int)

    frames = []
    street_counter = 0
    for i, buurt in enumerate(town.buurten.itertuples()):
        character = CHARACTERS[buurt.character]
        n_woningen = int(woningen[i])
        n_niet = int(round(n_woningen * character.niet_woning_share / (1 - character.niet_woning_share)))
        if buurt.character == "bedrijventerrein":
            n_niet = int(rng.integers(90, 160))
        units = _units_per_building(rng, n_woningen, character.units_per_building)
        n_buildings = len(units) + n_niet
        streets = _street_lines(rng, land[i], character.street_spacing_m)
        xy, street, along = _building_sites(rng, streets, land[i], n_buildings)
        frame = _describe_buildings(rng, buurt, units, n_niet, xy, street + street_counter, along)
        street_counter += len(streets)
        frames.append(frame)

    vbo = pd.concat(frames, ignore_index=True)
    vbo = _address(vbo, town)
    gm = town.gemeentecode[2:]
    vbo.insert(0, "identificatie", [f"{gm}01{n:010d}" for n in rng.permutation(len(vbo)) + 100_001])
    vbo = vbo.sort_values("identificatie", ignore_index=True)
    columns = [
        "identificatie", "oppervlakte", "status", "gebruiksdoel", "openbare_ruimte", "huisnummer",
        "huisletter", "toevoeging", "postcode", "woonplaats", "bouwjaar", "buurtcode",
    ]
    return gpd.GeoDataFrame(vbo[columns], geometry=gpd.points_from_xy(vbo["x"], vbo["y"]), crs=RD_CRS)


def _units_per_building(rng: np.random.Generator, n_woningen: int, mean_units: float) -> np.ndarray:
    """Split ``n_woningen`` over buildings; apartment blocks hold several."""
    if mean_units <= 1.05:
        return np.ones(n_woningen, dtype=int)
    sizes = 1 + rng.poisson(mean_units - 1, size=n_woningen)
    cumulative = np.cumsum(sizes)
    sizes = sizes[: np.searchsorted(cumulative, n_woningen) + 1]
    sizes[-1] -= sizes.sum() - n_woningen
    return sizes[sizes > 0]


def _describe_buildings(
    rng: np.random.Generator,
    buurt,
    units: np.ndarray,
    n_niet: int,
    xy: np.ndarray,
    street: np.ndarray,
    along: np.ndarray,
) -> pd.DataFrame:
    """One row per verblijfsobject of one buurt: use, size, age and location."""
    character = CHARACTERS[buurt.character]
    kind = buurt.character if buurt.character in NIET_WONING_MIX else "wonen"
    mix = NIET_WONING_MIX[kind]
    n_buildings = len(units) + n_niet
    building_units = np.concatenate([units, np.ones(n_niet, dtype=int)])
    is_woning_building = np.arange(n_buildings) < len(units)

    lo, hi = character.bouwjaar
    bouwjaar = rng.integers(lo, hi + 1, size=n_buildings)
    if buurt.character == "centrum":
        recent = rng.random(n_buildings) < 0.35
        bouwjaar[recent] = rng.integers(1950, 2021, size=recent.sum())

    index = np.repeat(np.arange(n_buildings), building_units)
    n = len(index)
    woning = is_woning_building[index]
    gebruiksdoel = np.full(n, "woonfunctie", dtype=object)
    gebruiksdoel[~woning] = rng.choice(list(mix), size=(~woning).sum(), p=np.array(list(mix.values())) / sum(mix.values()))
    if buurt.character == "centrum":
        shop_homes = woning & (rng.random(n) < 0.08)
        gebruiksdoel[shop_homes] = "winkelfunctie,woonfunctie"

    apartment = building_units[index] > 1
    mean_area = np.where(apartment, 72.0, 118.0 if buurt.character != "buitengebied" else 165.0)
    if buurt.character in ("vinex", "nieuwbouw"):
        mean_area = np.where(apartment, 82.0, 132.0)
    oppervlakte = np.where(woning, rng.lognormal(np.log(mean_area), 0.25), rng.lognormal(np.log(260), 0.8))
    if buurt.character == "bedrijventerrein":
        oppervlakte[~woning] = rng.lognormal(np.log(1400), 0.7, size=(~woning).sum())

    statuses = list(STATUS_MIX)
    status = rng.choice(statuses, size=n, p=np.array(list(STATUS_MIX.values())) / sum(STATUS_MIX.values()))
    built_last_year = bouwjaar[index] >= 2024
    status[built_last_year & (rng.random(n) < 0.6)] = "Verblijfsobject gevormd"

    unit_number = np.concatenate([np.arange(k) for k in building_units])
    jitter = rng.normal(0, 1.5, size=(n, 2))
    return pd.DataFrame(
        {
            "x": xy[index, 0] + jitter[:, 0] * apartment,
            "y": xy[index, 1] + jitter[:, 1] * apartment,
            "street": street[index],
            "along": along[index],
            "unit": unit_number,
            "apartment": apartment,
            "gebruiksdoel": gebruiksdoel,
            "oppervlakte": np.round(oppervlakte).astype(int),
            "status": status,
            "bouwjaar": bouwjaar[index],
            "buurtcode": buurt.buurtcode,
            "wijkcode": buurt.wijkcode,
            "character": buurt.character,
        }
    )


def _address(vbo: pd.DataFrame, town: Town) -> pd.DataFrame:
    """Street names, house numbers and PC6 postcodes, numbered along each street."""
    names = [stam + suffix for suffix in STRAAT_SUFFIXEN for stam in STRAAT_STAMMEN]
    vbo = vbo.sort_values(["street", "along", "unit"], ignore_index=True)
    vbo["openbare_ruimte"] = [names[s % len(names)] for s in vbo["street"]]
    building = vbo.groupby(["street", "along"], sort=False).ngroup()
    even = vbo["along"] < 0
    rank = building.groupby([vbo["street"], even]).rank(method="dense").astype(int)
    vbo["huisnummer"] = np.where(even, 2 * rank, 2 * rank - 1)
    vbo["huisletter"] = None
    vbo["toevoeging"] = np.where(vbo["apartment"], (vbo["unit"] + 1).astype(str), None)
    wijk_number = vbo["wijkcode"].str[-2:].astype(int)
    pc4 = town.postcode_base + wijk_number
    block = vbo.groupby(["street"], sort=False).ngroup() * 1000 + vbo["huisnummer"] // 16
    letters = block.groupby(pc4).rank(method="dense").astype(int) - 1
    alphabet = "ABCDEGHJKLMNPRSTVWXZ"
    vbo["postcode"] = pc4.astype(str) + [alphabet[(k // 20) % 20] + alphabet[k % 20] for k in letters]
    vbo["woonplaats"] = np.where(vbo["character"] == "buitengebied", "Oosterveen", town.gemeentenaam)
    return vbo

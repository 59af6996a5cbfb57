"""Boundaries of a synthetic Dutch town: gemeente, wijken, buurten and water.

The town has a historic centre, rings of residential wijken that get younger
towards the edge, a bedrijventerrein, a buitengebied and a river that runs
through it. Every buurt carries a *character* (:data:`CHARACTERS`) that drives
its buildings, population and registrations in the other generator modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.settings import RD_CRS


@dataclass(frozen=True)
class Character:
    """How a kind of buurt looks: density, age, mix and population."""

    woningen_per_ha: float
    bouwjaar: tuple[int, int]
    units_per_building: float
    niet_woning_share: float
    huishoudensgrootte: float
    street_spacing_m: float
    koop_share: float
    woz_k_eur: float
    #: shares of 0-15, 15-25, 25-45, 45-65, 65+ year olds
    age_shares: tuple[float, float, float, float, float]


CHARACTERS: dict[str, Character] = {
    "centrum": Character(38, (1650, 1990), 2.5, 0.30, 1.55, 55, 0.42, 285, (0.08, 0.16, 0.34, 0.22, 0.20)),
    "vooroorlogs": Character(30, (1905, 1940), 1.4, 0.06, 1.95, 70, 0.55, 305, (0.14, 0.10, 0.32, 0.26, 0.18)),
    "naoorlogs": Character(28, (1950, 1972), 4.0, 0.04, 1.90, 85, 0.32, 215, (0.15, 0.12, 0.28, 0.23, 0.22)),
    "bloemkool": Character(22, (1975, 1994), 1.2, 0.03, 2.35, 80, 0.62, 290, (0.17, 0.12, 0.22, 0.29, 0.20)),
    "vinex": Character(24, (1996, 2014), 1.3, 0.03, 2.65, 75, 0.74, 375, (0.23, 0.10, 0.31, 0.26, 0.10)),
    "nieuwbouw": Character(26, (2019, 2024), 1.6, 0.02, 2.45, 70, 0.66, 420, (0.22, 0.09, 0.42, 0.19, 0.08)),
    "bedrijventerrein": Character(0.05, (1968, 2012), 1.0, 0.93, 2.20, 140, 0.50, 330, (0.12, 0.12, 0.30, 0.32, 0.14)),
    "buitengebied": Character(0.35, (1880, 2010), 1.0, 0.22, 2.55, 260, 0.80, 520, (0.17, 0.12, 0.20, 0.31, 0.20)),
}

WIJKNAMEN = [
    "Centrum", "Oude Haven", "Molenkwartier", "Vaartzicht", "Esdoornwijk",
    "De Kolk", "Oostpolder", "Westerbroek", "Bedrijvenpark De Vaart", "Buitengebied",
]
BUURTNAMEN = {
    "centrum": ["Binnenstad", "Kerkbuurt", "Havenkwartier", "Marktplein"],
    "wonen": [
        "Stationsbuurt", "Molenhoek", "Vaartkant", "Lindenhof", "Esdoornlaan", "Kastanjeplein",
        "De Kolk-Noord", "De Kolk-Zuid", "Polderzicht", "Slotenbuurt", "Westerhof", "Broekland",
        "Bloemenbuurt", "Vogelbuurt", "Schildersbuurt", "Componistenbuurt", "Rietland", "Zonnehoek",
        "Waterrijk", "Weidebuurt", "De Akkers", "Hofstede", "Brinkbuurt", "Meidoornhof",
        "Leeuwerik", "Boterbloem", "Nieuwe Weide", "Bosrand",
    ],
    "bedrijventerrein": ["Kanaalzone", "Dokweg", "Industrieweg", "De Vaart-Noord"],
    "buitengebied": ["Oosterveen", "Westerveld", "Zandhorst", "Essenburg"],
}
#: Buurt characters of the residential wijken, from the one nearest the centre outwards.
AGE_LADDER = [
    ["vooroorlogs", "vooroorlogs", "naoorlogs", "vooroorlogs"],
    ["naoorlogs", "naoorlogs", "vooroorlogs", "naoorlogs"],
    ["naoorlogs", "bloemkool", "naoorlogs", "bloemkool"],
    ["bloemkool", "bloemkool", "bloemkool", "naoorlogs"],
    ["bloemkool", "vinex", "bloemkool", "vinex"],
    ["vinex", "vinex", "vinex", "bloemkool"],
    ["vinex", "nieuwbouw", "vinex", "nieuwbouw"],
]


@dataclass(frozen=True)
class Town:
    """The generated boundaries, land and water split as in the CBS wijk- en buurtkaart."""

    gemeentecode: str
    gemeentenaam: str
    water: shapely.Geometry
    #: buurtcode, buurtnaam, wijkcode, wijknaam, character, geometry (land + water)
    buurten: gpd.GeoDataFrame
    #: wijkcode, wijknaam, geometry (land + water)
    wijken: gpd.GeoDataFrame
    gemeente: shapely.Geometry
    #: the PC4 of wijk 00; wijk n has PC4 ``postcode_base + n`` (unique across the towns of one data set)
    postcode_base: int = 8101


def _blob(rng: np.random.Generator, centre: tuple[float, float], radius: float, wobble: float) -> shapely.Polygon:
    """An irregular closed outline around ``centre`` (a smooth random radius)."""
    theta = np.linspace(0, 2 * np.pi, 241)[:-1]
    r = np.ones_like(theta)
    for k in range(2, 7):
        r += rng.uniform(0.3, 1.0) * wobble / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    x = centre[0] + radius * r * np.cos(theta)
    y = centre[1] + radius * r * np.sin(theta)
    return shapely.Polygon(np.column_stack([x, y]))


def _relaxed_voronoi(
    rng: np.random.Generator, region: shapely.Geometry, n: int, *, iterations: int = 3
) -> list[shapely.Geometry]:
    """Split ``region`` into ``n`` compact cells that cover it (Voronoi with Lloyd relaxation).

    A cell's next seed is its centroid, or a point on it where the centroid falls outside ``region``
    (a cell curving round a ring of buitengebied): a seed outside would lose its cell and leave
    part of the region without a buurt.
    """
    seeds = _random_points_in(rng, region, n)
    for _ in range(iterations + 1):
        cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=region)
        parts = shapely.intersection(np.asarray(shapely.get_parts(cells)), region)
        # voronoi_polygons does not keep the seed order: put cells back in seed order.
        order = shapely.STRtree(parts).query(shapely.points(seeds), predicate="intersects")
        first = pd.Series(order[1]).groupby(order[0]).first()
        parts = parts[first.sort_index().to_numpy()]
        centroids = shapely.centroid(parts)
        outside = ~shapely.contains_xy(region, shapely.get_x(centroids), shapely.get_y(centroids))
        seeds = shapely.get_coordinates(np.where(outside, shapely.point_on_surface(parts), centroids))
    return [shapely.make_valid(p) for p in parts]


def _random_points_in(rng: np.random.Generator, region: shapely.Geometry, n: int) -> np.ndarray:
    """``n`` uniformly random coordinates inside ``region``."""
    xmin, ymin, xmax, ymax = region.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * n, 2))
        inside = xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]
        found.append(inside)
        count += len(inside)
    return np.concatenate(found)[:n]


def _river(rng: np.random.Generator, outline: shapely.Polygon) -> shapely.Geometry:
    """A meandering river crossing the town west to east, plus a harbour basin."""
    xmin, ymin, xmax, ymax = outline.bounds
    cy = (ymin + ymax) / 2 + rng.uniform(-300, 300)
    x = np.linspace(xmin - 500, xmax + 500, 200)
    y = cy + 260 * np.sin((x - xmin) / 900 + rng.uniform(0, 6)) + 120 * np.sin((x - xmin) / 330)
    widths = 55 + 10 * np.sin(x / 700)
    river = shapely.LineString(np.column_stack([x, y])).buffer(float(widths.mean()), quad_segs=4)
    centre = outline.centroid
    harbour = shapely.box(centre.x - 180, cy - 160, centre.x + 260, cy + 20).buffer(25)
    return shapely.intersection(shapely.union(river, harbour), outline)


def generate_town(
    rng: np.random.Generator,
    *,
    gemeentecode: str,
    gemeentenaam: str,
    centre: tuple[float, float],
    radius_m: float = 4200.0,
    postcode_base: int = 8101,
) -> Town:
    """Generate the boundaries of one town.

    Returns
    -------
    Town
        Ten wijken (a centre, seven residential wijken, a bedrijventerrein and a
        buitengebied) with 44 buurten, in EPSG:28992.
    """
    outline = _blob(rng, centre, radius_m, wobble=0.45)
    core = shapely.intersection(_blob(rng, centre, radius_m * 0.58, wobble=0.25), outline)
    water = _river(rng, outline)

    centrum = shapely.intersection(_blob(rng, centre, radius_m * 0.16, wobble=0.2), core)
    ring = shapely.difference(core, centrum)
    ring_wijken = _relaxed_voronoi(rng, ring, 8)
    # The ring cell furthest from the river (and not the centre) becomes the bedrijventerrein.
    distances = [shapely.distance(shapely.centroid(w), water) for w in ring_wijken]
    bedrijven_index = int(np.argmax(distances))
    wijk_geoms = [centrum]
    wijk_kinds = ["centrum"]
    for i, geom in enumerate(ring_wijken):
        wijk_geoms.append(geom)
        wijk_kinds.append("bedrijventerrein" if i == bedrijven_index else "wonen")
    wijk_geoms.append(shapely.difference(outline, core))
    wijk_kinds.append("buitengebied")
    # Bedrijventerrein second to last, buitengebied last, as municipalities often number them.
    order = [0] + [i for i, k in enumerate(wijk_kinds) if k == "wonen"]
    order += [wijk_kinds.index("bedrijventerrein"), len(wijk_kinds) - 1]

    gm = gemeentecode[2:]
    wonen = [i for i, k in enumerate(wijk_kinds) if k == "wonen"]
    distance_rank = {i: r for r, i in enumerate(sorted(wonen, key=lambda i: shapely.distance(wijk_geoms[i], centrum)
                                                          + shapely.centroid(wijk_geoms[i]).distance(shapely.Point(centre))))}
    names = {kind: iter(pool) for kind, pool in BUURTNAMEN.items()}
    buurt_rows = []
    wijk_rows = []
    for wijk_number, index in enumerate(order):
        kind = wijk_kinds[index]
        wijk_geom = wijk_geoms[index]
        wijkcode = f"WK{gm}{wijk_number:02d}"
        wijknaam = WIJKNAMEN[wijk_number]
        wijk_rows.append({"wijkcode": wijkcode, "wijknaam": wijknaam, "geometry": wijk_geom})
        buurt_geoms = _relaxed_voronoi(rng, wijk_geom, 4, iterations=2)
        if kind == "wonen":
            characters = AGE_LADDER[distance_rank[index]]
        else:
            characters = ["centrum", "centrum", "vooroorlogs", "centrum"] if kind == "centrum" else [kind] * 4
        for buurt_number, (geom, character) in enumerate(zip(buurt_geoms, characters, strict=False)):
            buurt_rows.append(
                {
                    "buurtcode": f"BU{gm}{wijk_number:02d}{buurt_number:02d}",
                    "buurtnaam": next(names[kind]),
                    "wijkcode": wijkcode,
                    "wijknaam": wijknaam,
                    "character": character,
                    "geometry": geom,
                }
            )
    buurten = gpd.GeoDataFrame(buurt_rows, crs=RD_CRS)
    wijken = gpd.GeoDataFrame(wijk_rows, crs=RD_CRS)
    return Town(gemeentecode, gemeentenaam, water, buurten, wijken, outline, postcode_base)


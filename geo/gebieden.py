"""CBS wijk- en buurtgrenzen: from the CBS wijk- en buurtkaart GeoPackage or from PDOK.

Both sources end in :func:`validate_gebieden`, which returns one row per area
(land and water parts merged) in EPSG:28992.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo._online import fetch_features, open_features
from wijkatlas.errors import SourceError, ValidationError
from wijkatlas.settings import PDOK_WIJKENBUURTEN_URL, RD_CRS

LAYERS = ("gemeenten", "wijken", "buurten")
#: release before 2022 (snake_case) -> current (camelCase) field names
OLD_FIELD_NAMES = {
    "gm_code": "gemeentecode", "gm_naam": "gemeentenaam", "wk_code": "wijkcode", "wk_naam": "wijknaam",
    "bu_code": "buurtcode", "bu_naam": "buurtnaam",
}
CODE_PATTERNS = {"gemeentecode": r"GM\d{4}", "wijkcode": r"WK\d{6}", "buurtcode": r"BU\d{8}"}
IDENTITY = {
    "gemeenten": ["gemeentecode", "gemeentenaam"],
    "wijken": ["wijkcode", "wijknaam", "gemeentecode"],
    "buurten": ["buurtcode", "buurtnaam", "wijkcode", "gemeentecode"],
}


@dataclass(frozen=True)
class Gebieden:
    """The area hierarchy of one municipality, in EPSG:28992.

    ``gemeente``: gemeentecode, gemeentenaam, oppervlakte_land_ha, oppervlakte_water_ha, geometry.
    ``wijken``: the same plus wijkcode, wijknaam. ``buurten``: the same plus buurtcode, buurtnaam.
    Geometry is the whole area (land and water); each code appears once.
    """

    gemeente: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame


def load_gebieden(source: Path, *, gemeentecode: str) -> Gebieden:
    """Read the areas of ``gemeentecode`` from a CBS wijk- en buurtkaart GeoPackage.

    Parameters
    ----------
    source
        GeoPackage with layers ``gemeenten``, ``wijken``, ``buurten`` (2022 onwards
        camelCase fields, earlier releases snake_case).
    gemeentecode
        ``GMxxxx``; other municipalities in the file are ignored.

    Raises
    ------
    SourceError
        When the file or a layer is missing. ValidationError when codes, hierarchy or geometry are wrong.
    """
    if not source.is_file():
        raise SourceError("bestand niet gevonden", source=source)
    present = set(pyogrio.list_layers(source)[:, 0])
    missing = [layer for layer in LAYERS if layer not in present]
    if missing:
        raise SourceError(f"lagen {missing} ontbreken; aanwezig: {sorted(present)}", source=source)
    layers = {}
    for layer in LAYERS:
        frame = pyogrio.read_dataframe(source, layer=layer)
        code_field = "gemeentecode" if "gemeentecode" in frame.columns else "gm_code"
        layers[layer] = frame[frame[code_field] == gemeentecode] if code_field in frame.columns else frame
    return validate_gebieden(layers, source=str(source), gemeentecode=gemeentecode)


def fetch_gebieden(gemeentecode: str, *, jaar: int, url: str | None = None) -> Gebieden:
    """Download the areas of ``gemeentecode`` from PDOK's CBS wijken en buurten OGC API."""
    url = url or PDOK_WIJKENBUURTEN_URL.format(jaar=jaar)
    api = open_features(url)
    layers = {layer: fetch_features(api, layer, gemeentecode=gemeentecode) for layer in LAYERS}
    return validate_gebieden(layers, source=url, gemeentecode=gemeentecode)


def validate_gebieden(layers: dict[str, gpd.GeoDataFrame], *, source: str, gemeentecode: str) -> Gebieden:
    """Check codes, hierarchy, CRS and geometry; merge land and water parts per code.

    Every problem is collected and raised at once as a :class:`ValidationError`.
    """
    problems: list[str] = []
    merged = {}
    for layer in LAYERS:
        frame = layers[layer].rename(columns=OLD_FIELD_NAMES)
        if frame.crs is None:
            problems.append(f"laag '{layer}' heeft geen coördinatenstelsel")
            continue
        frame = frame.to_crs(RD_CRS)
        missing = [f for f in IDENTITY[layer] if f not in frame.columns]
        if missing:
            problems.append(f"laag '{layer}' mist velden {missing}")
            continue
        if frame.empty:
            problems.append(f"laag '{layer}' bevat niets voor {gemeentecode}")
            continue
        for field in IDENTITY[layer]:
            if field in CODE_PATTERNS:
                bad = ~frame[field].astype("string").str.fullmatch(CODE_PATTERNS[field]).fillna(False)
                for row in frame.index[bad][:5]:
                    problems.append(f"laag '{layer}', feature {row}: {field} '{frame.at[row, field]}' is geen geldige code")
        empty = frame.geometry.isna() | frame.geometry.is_empty
        for row in frame.index[empty][:5]:
            problems.append(f"laag '{layer}', feature {row}: geen geometrie")
        merged[layer] = _merge_parts(frame[~empty], code=IDENTITY[layer][0], columns=IDENTITY[layer])
    if not problems:
        problems += _hierarchy_problems(merged, gemeentecode)
    if problems:
        raise ValidationError(problems, source=source)

    gemeente = merged["gemeenten"]
    wijken = merged["wijken"].merge(gemeente[["gemeentecode", "gemeentenaam"]], on="gemeentecode")
    names = wijken[["wijkcode", "wijknaam", "gemeentenaam"]]
    buurten = merged["buurten"].merge(names, on="wijkcode")
    order = ["buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam"]
    buurten = buurten[order + ["oppervlakte_land_ha", "oppervlakte_water_ha", "geometry"]]
    wijken = wijken[order[2:] + ["oppervlakte_land_ha", "oppervlakte_water_ha", "geometry"]]
    return Gebieden(
        gemeente=gemeente.reset_index(drop=True),
        wijken=wijken.sort_values("wijkcode", ignore_index=True),
        buurten=buurten.sort_values("buurtcode", ignore_index=True),
    )


def _merge_parts(frame: gpd.GeoDataFrame, *, code: str, columns: list[str]) -> gpd.GeoDataFrame:
    """One row per code: the union of its land and water parts, with both areas in ha."""
    geometry = shapely.make_valid(frame.geometry.to_numpy())
    frame = frame.set_geometry(geometry)
    is_water = frame["water"].eq("JA") if "water" in frame.columns else pd.Series(False, index=frame.index)
    area_ha = frame.geometry.area / 10_000
    land = area_ha.where(~is_water, 0.0).groupby(frame[code]).sum()
    water = area_ha.where(is_water, 0.0).groupby(frame[code]).sum()
    dissolved = frame[columns + ["geometry"]].dissolve(by=code, aggfunc="first").reset_index()
    dissolved["oppervlakte_land_ha"] = dissolved[code].map(land).round(2)
    dissolved["oppervlakte_water_ha"] = dissolved[code].map(water).round(2)
    return dissolved[columns + ["oppervlakte_land_ha", "oppervlakte_water_ha", "geometry"]]


def _hierarchy_problems(merged: dict[str, gpd.GeoDataFrame], gemeentecode: str) -> list[str]:
    """Every buurt lies in a known wijk, every wijk in the gemeente, and codes nest."""
    problems = []
    wijkcodes = set(merged["wijken"]["wijkcode"])
    for row in merged["buurten"].itertuples():
        if row.wijkcode not in wijkcodes:
            problems.append(f"buurt {row.buurtcode}: wijk {row.wijkcode} komt niet voor in laag 'wijken'")
        elif row.buurtcode[2:8] != row.wijkcode[2:]:
            problems.append(f"buurt {row.buurtcode}: code past niet bij wijk {row.wijkcode}")
    for row in merged["wijken"].itertuples():
        if row.gemeentecode != gemeentecode or row.wijkcode[2:6] != gemeentecode[2:]:
            problems.append(f"wijk {row.wijkcode}: hoort niet bij gemeente {gemeentecode}")
    return problems

"""CBS wijk- en buurtgrenzen, in every layout a gemeente downloads them, or from PDOK.

Read are the CBS wijk- en buurtkaart GeoPackage (layers ``gemeenten``, ``wijken``,
``buurten``; camelCase from 2022, snake_case before), PDOK's *CBS
gebiedsindelingen* (``statcode``, ``statnaam``; GeoPackage or GeoJSON), a file per
level, buurten only, and any polygon file with configured code and name columns.
Levels that are not given are dissolved from the codes of the level below
(``WK`` + ``buurtcode[2:8]``, ``GM`` + ``code[2:6]``). Every source ends in
:func:`validate_gebieden`, which returns one row per area (land and water parts
merged) in EPSG:28992.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.errors import SourceError, ValidationError
from wijkatlas.geo._crs import with_checked_crs
from wijkatlas.geo._online import fetch_features, open_features
from wijkatlas.geo._shapes import valid_polygons
from wijkatlas.geo._tables import list_layers, read_features
from wijkatlas.settings import PDOK_WIJKENBUURTEN_URL, RD_CRS
from wijkatlas.vocabulary import BOUNDARY_LEVEL_NAMES, Gebied

LEVELS = BOUNDARY_LEVEL_NAMES
#: the gemeenten to read: one code, several, or ``None`` for every gemeente in the files
Gemeenten = str | Collection[str] | None
LEVEL_OF_PREFIX = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}
CODE_PATTERNS = {"buurt": r"BU\d{8}", "wijk": r"WK\d{6}", "gemeente": r"GM\d{4}"}
#: wijk- en buurtkaart layer -> level
KAART_LAYERS = {"buurten": "buurt", "wijken": "wijk", "gemeenten": "gemeente"}
#: code column -> name column, most specific first; the first present is the area's own code
CODE_COLUMNS = {
    "buurtcode": "buurtnaam", "bu_code": "bu_naam", "wijkcode": "wijknaam", "wk_code": "wk_naam",
    "gemeentecode": "gemeentenaam", "gm_code": "gm_naam", "statcode": "statnaam",
}
PARENT_COLUMNS = {"wijk": ("wijkcode", "wk_code"), "gemeente": ("gemeentecode", "gm_code")}
POLYGON_TYPES = {"Polygon", "MultiPolygon", "Polygon Z", "MultiPolygon Z", "Unknown"}
#: columns of the three levels, in order
COLUMNS = {
    "buurt": ["buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam"],
    "wijk": ["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam"],
    "gemeente": ["gemeentecode", "gemeentenaam"],
}
AREA_COLUMNS = ["oppervlakte_land_ha", "oppervlakte_water_ha", "geometry"]
#: differences in the consistency report below this many hectares are rounding of generalised lines
TOLERANCE_HA = 0.5


@dataclass(frozen=True)
class BoundaryFile:
    """One boundary file and how to read it; every field but ``file`` is optional."""

    file: Path
    #: the layer of a GeoPackage; by default recognised by name (``buurten``, ``buurt_gegeneraliseerd``, …)
    layer: str | None = None
    #: the CRS of the coordinates, where the file states none or the wrong one
    crs: str | None = None
    #: the column holding the CBS code (``BU…``, ``WK…``, ``GM…``) and the name
    code: str | None = None
    naam: str | None = None


@dataclass(frozen=True)
class Gebieden:
    """The area hierarchy of one or more municipalities, in EPSG:28992.

    ``gemeente`` (a row per gemeente): gemeentecode, gemeentenaam, oppervlakte_land_ha, oppervlakte_water_ha, geometry.
    ``wijken``: the same plus wijkcode, wijknaam. ``buurten``: the same plus buurtcode, buurtnaam.
    Geometry is the whole area (land and water); each code appears once. ``afgeleid`` names the
    levels dissolved from the level below (their names are empty until :meth:`with_names`).
    """

    gemeente: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    afgeleid: tuple[str, ...] = ()

    def with_names(self, names: Mapping[str, str]) -> Gebieden:
        """The areas with every empty name filled from ``names`` (code -> name), else with the code."""
        frames = {}
        for level, frame in (("gemeente", self.gemeente), ("wijk", self.wijken), ("buurt", self.buurten)):
            code, naam = COLUMNS[level][:2]
            frame = frame.copy()
            frame[naam] = frame[naam].fillna(frame[code].map(names)).fillna(frame[code])
            frames[level] = frame[[code, naam, *AREA_COLUMNS]]
        return replace(_assemble(frames), afgeleid=self.afgeleid)


def load_gebieden(source: Path | BoundaryFile | Sequence[BoundaryFile], *, gemeenten: Gemeenten) -> Gebieden:
    """Read the areas of ``gemeenten`` from one boundary file or one per level.

    Parameters
    ----------
    source
        A file in any layout the module reads, or a :class:`BoundaryFile` per file
        (layer, CRS and code and name columns where they cannot be recognised).
    gemeenten
        ``GMxxxx``, several such codes, or ``None`` for every gemeente in the files;
        other municipalities in the files are ignored.

    Raises
    ------
    SourceError
        When a file or layer is missing or unreadable, or no code column is found.
    CRSError
        When the coordinates cannot be in the CRS they are read in.
    ValidationError
        When codes, hierarchy or geometry are wrong (every problem at once).
    """
    files = [BoundaryFile(source)] if isinstance(source, Path) else [source] if isinstance(
        source, BoundaryFile) else list(source)
    layers = [(boundary, layer) for boundary in files for layer in _layers(boundary)]
    frames = {f"{boundary.file.name}:{layer}": _read(boundary, layer) for boundary, layer in layers}
    columns = {f"{boundary.file.name}:{layer}": (boundary.code, boundary.naam) for boundary, layer in layers}
    return validate_gebieden(frames, source=", ".join(str(f.file) for f in files), gemeenten=gemeenten,
                             columns=columns)


def fetch_gebieden(gemeentecode: str, *, jaar: int, url: str | None = None) -> Gebieden:
    """Download the areas of ``gemeentecode`` from PDOK's CBS wijken en buurten OGC API."""
    url = url or PDOK_WIJKENBUURTEN_URL.format(jaar=jaar)
    api = open_features(url)
    layers = {layer: fetch_features(api, layer, gemeentecode=gemeentecode) for layer in KAART_LAYERS}
    return validate_gebieden(layers, source=url, gemeenten=gemeentecode)


def validate_gebieden(frames: Mapping[str, gpd.GeoDataFrame], *, source: str, gemeenten: Gemeenten,
                      columns: Mapping[str, tuple[str | None, str | None]] | None = None) -> Gebieden:
    """Check codes, hierarchy, CRS and geometry of boundary frames; merge land and water parts per code.

    ``frames`` may hold any mix of levels: each row's level follows from its code
    (``BU``, ``WK``, ``GM``). ``columns`` names the code and name column per frame
    where they are not recognised. Every problem is raised at once as a :class:`ValidationError`.
    """
    problems: list[str] = []
    wanted = wanted_gemeenten(gemeenten)
    parts: dict[str, list[gpd.GeoDataFrame]] = {level: [] for level in LEVELS}
    for name, frame in frames.items():
        code, naam = (columns or {}).get(name, (None, None))
        for level, rows in _area_rows(frame, name=name, wanted=wanted, code=code, naam=naam,
                                      source=source, problems=problems).items():
            parts[level].append(rows)
    if not parts["buurt"] and not problems:
        problems.append(f"geen buurten van {describe_gemeenten(wanted)} gevonden in {sorted(frames)}; Wijkatlas vraagt "
                        "minstens de buurtgrenzen")
    if problems:
        raise ValidationError(problems, source=source)

    merged = {level: _merge_parts(pd.concat(rows, ignore_index=True)) for level, rows in parts.items() if rows}
    derived = tuple(level for level in ("wijk", "gemeente") if level not in merged)
    for level, below in (("wijk", "buurt"), ("gemeente", "wijk")):
        if level not in merged:
            merged[level] = _dissolve(merged[below], level)
    problems += _hierarchy_problems(merged, wanted)
    if problems:
        raise ValidationError(problems, source=source)
    frames_by_level = {level: frame.rename(columns={"code": COLUMNS[level][0], "naam": COLUMNS[level][1]})[
        [*COLUMNS[level][:2], *AREA_COLUMNS]] for level, frame in merged.items()}
    return replace(_assemble(frames_by_level), afgeleid=derived)


def regio_layer(gemeente: gpd.GeoDataFrame, gebied: Gebied) -> gpd.GeoDataFrame:
    """The regio of a build of several gemeenten: their union, with the sum of their land and water areas."""
    summed = gemeente[["oppervlakte_land_ha", "oppervlakte_water_ha"]].sum().round(2)
    return gpd.GeoDataFrame({
        "regiocode": [gebied.code], "regionaam": [gebied.naam],
        "oppervlakte_land_ha": [summed["oppervlakte_land_ha"]], "oppervlakte_water_ha": [summed["oppervlakte_water_ha"]],
        **({"oppervlakte_bron": ["som van de gemeenten"]} if "oppervlakte_bron" in gemeente else {}),
    }, geometry=[shapely.union_all(gemeente.geometry.to_numpy())], crs=gemeente.crs)


def boundary_report(gebieden: Gebieden) -> pd.DataFrame:
    """Whether buurten, wijken and gemeente fit together, in hectares.

    Returns
    -------
    pandas.DataFrame
        One row per given (not dissolved) parent area: niveau, gebiedscode,
        ``buiten_ha`` (area of its children outside it), ``niet_gedekt_ha`` (its
        area not covered by its children) and ``past`` (both below
        :data:`TOLERANCE_HA`: ``"ja"`` or ``"nee"``).
    """
    parts = []
    pairs = (("wijk", gebieden.wijken, "wijkcode", gebieden.buurten),
             ("gemeente", gebieden.gemeente, "gemeentecode", gebieden.wijken))
    for level, parents, code, children in pairs:
        if level in gebieden.afgeleid:
            continue
        unions = children.dissolve(by=code).geometry.reindex(parents[code]).to_numpy()
        unions[shapely.is_missing(unions)] = shapely.Polygon()  # a parent without children
        own = parents.geometry.to_numpy()
        # one overlay per parent: what lies outside the other is an area minus the part they share
        shared = shapely.area(shapely.intersection(unions, own))
        parts.append(pd.DataFrame({
            "niveau": level, "gebiedscode": parents[code].to_numpy(),
            "buiten_ha": _hectares(shapely.area(unions) - shared),
            "niet_gedekt_ha": _hectares(shapely.area(own) - shared),
        }))
    report = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["niveau", "gebiedscode", "buiten_ha", "niet_gedekt_ha"])
    fits = (report["buiten_ha"] < TOLERANCE_HA) & (report["niet_gedekt_ha"] < TOLERANCE_HA)
    report["past"] = fits.map({True: "ja", False: "nee"})
    return report


def _hectares(square_metres: np.ndarray) -> np.ndarray:
    """Square metres as hectares to two decimals; the rounding noise of an overlay (-1e-9) is 0."""
    return np.round(np.clip(square_metres, 0.0, None) / 10_000, 2) + 0.0


def _layers(boundary: BoundaryFile) -> list[str]:
    """The layers of ``boundary`` that hold areas: the configured one, or those recognised by name."""
    if not boundary.file.is_file():
        raise SourceError("bestand niet gevonden", source=boundary.file)
    present = list_layers(boundary.file)
    if boundary.layer is not None:
        if boundary.layer not in present:
            raise SourceError(f"laag '{boundary.layer}' bestaat niet; aanwezig: {sorted(present)}",
                              source=boundary.file)
        return [boundary.layer]
    polygons = [name for name, kind in present.items() if kind in POLYGON_TYPES]
    kaart = [name for name in KAART_LAYERS if name in polygons]
    if kaart:
        return kaart
    per_level = {}
    for level in LEVELS:
        found = sorted(name for name in polygons if re.match(rf"{level}(_|$)", name.lower()))
        if len(found) > 1:
            raise SourceError(f"meerdere lagen voor {level}en: {found}; kies er een met layer = \"…\"",
                              source=boundary.file)
        per_level.update({level: found[0]} if found else {})
    if per_level:
        return list(per_level.values())
    if len(polygons) == 1:
        return polygons
    raise SourceError(f"niet te herkennen welke laag de gebieden bevat; lagen: {sorted(present)}; "
                      "geef layer = \"…\" op", source=boundary.file)


def _read(boundary: BoundaryFile, layer: str) -> gpd.GeoDataFrame:
    """One layer in EPSG:28992, its CRS checked against its coordinates."""
    frame = read_features(boundary.file, layer, numbered=False)
    frame = with_checked_crs(frame, crs=boundary.crs, source=boundary.file, setting="[gebieden]")
    return frame.to_crs(RD_CRS)


def wanted_gemeenten(gemeenten: Gemeenten) -> frozenset[str] | None:
    """The gemeentecodes asked for as a set, or ``None`` for every gemeente."""
    return None if gemeenten is None else frozenset([gemeenten] if isinstance(gemeenten, str) else gemeenten)


def describe_gemeenten(wanted: frozenset[str] | None) -> str:
    """"gemeente GM0534 (codes …)", or the list of gemeenten, or "een gemeente" for all, for messages."""
    if wanted is None:
        return "een gemeente (codes BUxxxxxxxx)"
    if len(wanted) == 1:
        code = next(iter(wanted))
        return f"gemeente {code} (codes GM{code[2:]}, WK{code[2:]}…, BU{code[2:]}…)"
    return f"de gemeenten {', '.join(sorted(wanted))}"


def _area_rows(frame: gpd.GeoDataFrame, *, name: str, wanted: frozenset[str] | None, code: str | None,
               naam: str | None, source: str, problems: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """The frame's areas of the ``wanted`` gemeenten (all: None) per level: code, naam, parent, is_water, geometry."""
    if frame.crs is None:
        problems.append(f"laag '{name}' heeft geen coördinatenstelsel")
        return {}
    frame = frame.to_crs(RD_CRS)
    code = code or next((c for c in CODE_COLUMNS if c in frame.columns), None)
    if code is None or code not in frame.columns:
        raise SourceError(f"laag '{name}': geen kolom met de CBS-code; verwacht een van {list(CODE_COLUMNS)} "
                          f"of geef code = \"kolom\" (en naam = \"kolom\") bij [gebieden]; kolommen: "
                          f"{[c for c in frame.columns if c != 'geometry']}", source=source)
    naam = naam or CODE_COLUMNS.get(code)
    codes = frame[code].astype("string").str.strip()
    gemeente_column = next((c for c in PARENT_COLUMNS["gemeente"] if c in frame.columns and c != code), None)
    owner = (frame[gemeente_column].astype("string").str.strip() if gemeente_column else "GM" + codes.str[2:6])
    own = (owner.notna() if wanted is None else owner.isin(wanted)).fillna(False).astype(bool)
    if frame.empty or not own.any():
        present = sorted(set(owner.dropna()))
        problems.append(f"laag '{name}' bevat niets voor {describe_gemeenten(wanted)}; wel voor: "
                        f"{', '.join(present[:5]) + (' …' if len(present) > 5 else '') if present else 'geen enkele'}")
        return {}
    levels = codes.str[:2].map(LEVEL_OF_PREFIX)
    result = {}
    for level in LEVELS:
        pattern = CODE_PATTERNS[level]
        rows = own & (levels == level).fillna(False)
        if level == "buurt" and code in ("buurtcode", "bu_code"):
            rows = own  # a buurten layer: every row is a buurt, however malformed its code
        if not rows.any():
            continue
        part = gpd.GeoDataFrame({
            "code": codes[rows], "naam": frame.loc[rows, naam].astype("string") if naam in frame else pd.NA,
            "is_water": frame.loc[rows, "water"].eq("JA") if "water" in frame.columns else False,
        }, geometry=frame.geometry[rows], crs=RD_CRS)
        for row in part.index[~part["code"].str.fullmatch(pattern).fillna(False)][:5]:
            problems.append(f"laag '{name}', feature {row}: {code} '{part.at[row, 'code']}' is geen geldige code")
        for row in part.index[part.geometry.isna() | part.geometry.is_empty][:5]:
            problems.append(f"laag '{name}', feature {row}: geen geometrie")
        parent_column = next((c for c in PARENT_COLUMNS["wijk"] if c in frame.columns and c != code), None)
        if level == "buurt" and parent_column:
            part["wijk_opgegeven"] = frame.loc[rows, parent_column].astype("string").str.strip()
        result[level] = part[part.geometry.notna() & ~part.geometry.is_empty]
    return result


def _merge_parts(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per code: the union of its land and water parts, with both areas in ha."""
    frame = frame.set_geometry(valid_polygons(frame.geometry.to_numpy()))
    area_ha = frame.geometry.area / 10_000
    land = area_ha.where(~frame["is_water"], 0.0).groupby(frame["code"]).sum()
    water = area_ha.where(frame["is_water"], 0.0).groupby(frame["code"]).sum()
    extra = ["wijk_opgegeven"] if "wijk_opgegeven" in frame.columns else []
    dissolved = frame[["code", "naam", *extra, "geometry"]].dissolve(by="code", aggfunc="first").reset_index()
    dissolved["oppervlakte_land_ha"] = dissolved["code"].map(land).round(2)
    dissolved["oppervlakte_water_ha"] = dissolved["code"].map(water).round(2)
    return dissolved


def _dissolve(below: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Areas of ``level`` as the union of the areas below them, grouped by the code's digits."""
    digits = 6 if level == "wijk" else 4
    prefix = "WK" if level == "wijk" else "GM"
    grouped = below.assign(code=prefix + below["code"].str[2:2 + digits])
    dissolved = grouped[["code", "geometry"]].dissolve(by="code").reset_index()
    sums = grouped.groupby("code")[["oppervlakte_land_ha", "oppervlakte_water_ha"]].sum().round(2)
    return dissolved.join(sums, on="code").assign(naam=pd.NA)


def _hierarchy_problems(merged: dict[str, gpd.GeoDataFrame], wanted: frozenset[str] | None) -> list[str]:
    """Every buurt lies in a known wijk, every wijk in a wanted gemeente, every wanted gemeente is there, and
    codes nest."""
    problems = []
    wijkcodes = set(merged["wijk"]["code"])
    for row in merged["buurt"].itertuples():
        wijkcode = getattr(row, "wijk_opgegeven", None)
        wijkcode = wijkcode if isinstance(wijkcode, str) else "WK" + row.code[2:8]
        if wijkcode not in wijkcodes:
            problems.append(f"buurt {row.code}: wijk {wijkcode} komt niet voor in laag 'wijken'")
        elif row.code[2:8] != wijkcode[2:]:
            problems.append(f"buurt {row.code}: code past niet bij wijk {wijkcode}")
    gemeentecodes = set(merged["gemeente"]["code"])
    for row in merged["wijk"].itertuples():
        if "GM" + row.code[2:6] not in gemeentecodes:
            problems.append(f"wijk {row.code}: hoort niet bij {describe_gemeenten(wanted)}")
    for code in sorted((wanted or set()) - gemeentecodes):
        problems.append(f"gemeente {code} ontbreekt in laag 'gemeenten'")
    return problems


def _assemble(frames: dict[str, gpd.GeoDataFrame]) -> Gebieden:
    """Buurten and wijken with their parents' codes and names, from one frame per level."""
    frames = {level: frame.astype({column: "str" for column in COLUMNS[level][:2]}) for level, frame in frames.items()}
    gemeente, wijken, buurten = frames["gemeente"], frames["wijk"], frames["buurt"]
    wijken = wijken.assign(gemeentecode="GM" + wijken["wijkcode"].str[2:6]).merge(
        gemeente[["gemeentecode", "gemeentenaam"]], on="gemeentecode", how="left")
    buurten = buurten.assign(wijkcode="WK" + buurten["buurtcode"].str[2:8]).merge(
        wijken[["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam"]], on="wijkcode", how="left")
    return Gebieden(
        gemeente=gemeente[COLUMNS["gemeente"] + AREA_COLUMNS].reset_index(drop=True),
        wijken=wijken[COLUMNS["wijk"] + AREA_COLUMNS].sort_values("wijkcode", ignore_index=True),
        buurten=buurten[COLUMNS["buurt"] + AREA_COLUMNS].sort_values("buurtcode", ignore_index=True),
    )

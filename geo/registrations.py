"""Municipal registrations (sport facilities, kavels, meldingen, ...) from CSV, XLSX, GeoJSON or GeoPackage.

A :class:`RegistrationSpec` says which columns hold the id, the location
(geometry, x/y, lon/lat or postcode + huisnummer), the category and the date.
Each record is checked in a fixed order (id, duplicate, category, date,
location); the first failing check is its rejection reason.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import shapely
from openpyxl.utils.exceptions import InvalidFileException

from wijkatlas.errors import ConfigError, SourceError
from wijkatlas.geo._crs import with_checked_crs
from wijkatlas.geo._records import Loaded, combine, no_rejections, rejections
from wijkatlas.geo._shapes import valid_polygons
from wijkatlas.geo._tables import parse_dates, parse_numbers, read_features, read_text_table, snake_name, without_empty_rows
from wijkatlas.geo.geocode import geocode_addresses
from wijkatlas.settings import LONLAT_BOUNDS, RD_BOUNDS, RD_CRS, WGS84_CRS

TABLE_FORMATS = {".csv", ".txt", ".xlsx", ".xlsm"}
GEO_FORMATS = {".geojson", ".json", ".gpkg", ".shp", ".fgb"}
#: how far down an Excel sheet the header (the row holding the id column) is looked for, below title rows
HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True)
class GeometryJoin:
    """A separate geometry file joined to the registration on a key (kavel polygons + an Excel sheet)."""

    file: Path
    key: str
    layer: str | None = None


@dataclass(frozen=True)
class RegistrationSpec:
    """Where a registration's fields are; column names as they appear in the file."""

    name: str
    file: Path
    id: str
    layer: str | None = None
    sep: str | None = None
    encoding: str | None = None
    decimal: str = "."
    x: str | None = None
    y: str | None = None
    lon: str | None = None
    lat: str | None = None
    xy_crs: str = RD_CRS
    postcode: str | None = None
    huisnummer: str | None = None
    huisletter: str | None = None
    category: str | None = None
    categories: tuple[str, ...] = ()
    date: str | None = None
    date_format: str | None = None
    attributes: tuple[str, ...] | None = None
    geometry: GeometryJoin | None = None
    title: str = ""
    used_columns: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        used = [self.id, self.x, self.y, self.lon, self.lat, self.postcode, self.huisnummer, self.huisletter,
                self.category, self.date]
        object.__setattr__(self, "used_columns", tuple(c for c in used if c))


def load_registration(spec: RegistrationSpec, *, verblijfsobjecten: gpd.GeoDataFrame | None = None) -> Loaded:
    """Read, check and locate one registration.

    Parameters
    ----------
    spec
        Which file and columns; see :class:`RegistrationSpec`.
    verblijfsobjecten
        The loaded BAG, needed when ``spec`` locates records by postcode + huisnummer.

    Returns
    -------
    Loaded
        ``records``: bron_id (str), categorie (str, when configured), datum
        (datetime, when configured), locatiebron (geometrie/xy/lonlat/adres),
        the other columns with snake_case names, bron_rij; geometry in EPSG:28992.

    Raises
    ------
    SourceError
        When the file is missing or unreadable, or a configured column is absent.
    """
    raw = _read(spec)
    table, geometry, rows = raw.table, raw.geometry, raw.rows
    warnings = list(raw.warnings)
    verdict = _Verdict(spec.name, rows, table[spec.id].astype("string").str.strip(), spec.file)
    ids = verdict.ids

    verdict.reject(ids.isna() | (ids == ""), spec.id, ids, "geen_id")
    verdict.reject(ids.duplicated(keep="first") & ids.notna(), spec.id, ids, "dubbel_id")
    attributes = _attribute_names(spec, table, warnings)
    for column in [*spec.used_columns, *attributes]:
        text = table[column].astype("string")
        control = text.str.contains(CONTROL_CHARACTERS, regex=True).fillna(False)
        verdict.reject(control, column, text.str.replace(CONTROL_CHARACTERS, _visible, regex=True), "teken_ongeldig")

    records = pd.DataFrame({"bron_id": ids}, index=table.index)
    if spec.category:
        given = table[spec.category].astype("string").str.strip()
        canonical = {c.casefold(): c for c in spec.categories}
        records["categorie"] = given.str.casefold().map(canonical)
        if spec.categories:
            verdict.reject(records["categorie"].isna(), spec.category, given, "categorie_onbekend")
        else:
            records["categorie"] = given
    if spec.date:
        dates, unparseable = parse_dates(table[spec.date], date_format=spec.date_format)
        raw_dates = table[spec.date].astype("string")
        verdict.reject(dates.isna() & ~unparseable, spec.date, raw_dates, "datum_ontbreekt")
        verdict.reject(unparseable, spec.date, raw_dates, "datum_ongeldig")
        records["datum"] = dates

    if geometry is not None:
        geometry = _repaired(geometry, verdict, spec.geometry.key if spec.geometry else "geometry", warnings)
    points, how = _locate(spec, table, geometry, verdict, verblijfsobjecten)
    records["locatiebron"] = how
    for column, name in attributes.items():
        records[name] = _typed(table[column], spec.decimal)
    records["bron_rij"] = rows.astype("Int64")

    frame = gpd.GeoDataFrame(records, geometry=points, crs=RD_CRS)
    kept = frame[verdict.accepted.to_numpy()].reset_index(drop=True)
    return Loaded(records=kept, rejected=combine([verdict.rejected(), raw.join_rejected]),
                  read=len(table) + len(raw.join_rejected), warnings=tuple(warnings))


#: columns every registration layer has; a source column of the same name is kept as ``bron_<name>``
OWN_COLUMNS = {"bron_id", "categorie", "datum", "locatiebron", "bron_rij", "buurtcode", "wijkcode", "geometry",
               "peiljaar"}
#: characters a GeoPackage text cannot hold (NUL ends it) or that no registration means to contain
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _visible(match: re.Match) -> str:
    return f"\\x{ord(match.group(0)):02x}"


def _attribute_names(spec: RegistrationSpec, table: pd.DataFrame, warnings: list[str]) -> dict[str, str]:
    """Source column -> its column in the layer: snake_case, never one of the project's own columns."""
    names: dict[str, str] = {}
    for column in _attribute_columns(spec, table):
        name = snake_name(str(column)) or "kolom"
        if name in OWN_COLUMNS:
            warnings.append(f"kolom '{column}' heet als een eigen kolom van Wijkatlas en is bewaard als 'bron_{name}'")
            name = f"bron_{name}"
        base, number = name, 2
        while name in names.values():
            name, number = f"{base}_{number}", number + 1
        if name != base:
            warnings.append(f"kolom '{column}' geeft dezelfde naam als een andere kolom en is bewaard als '{name}'")
        names[column] = name
    return names


def _repaired(geometry: gpd.GeoSeries, verdict: _Verdict, field: str, warnings: list[str]) -> gpd.GeoSeries:
    """Invalid geometry made valid (and counted); what is empty after repair is rejected."""
    present = geometry.notna() & ~geometry.is_empty
    invalid = present & ~geometry.is_valid
    if not invalid.any():
        return geometry
    repaired = geometry.copy()
    repaired[invalid] = valid_polygons(geometry[invalid].to_numpy())
    lost = invalid & (repaired.isna() | repaired.is_empty)
    verdict.reject(lost, field, geometry.to_wkt().str.slice(0, 80), "geometrie_ongeldig")
    fixed = invalid & ~lost
    if fixed.any():
        shown = ", ".join(verdict.ids[fixed].head(5).astype(str))
        warnings.append(f"{int(fixed.sum())} ongeldige geometrie(ën) hersteld met make_valid (bv. id {shown})")
    return repaired


@dataclass(frozen=True)
class _Raw:
    """A registration as read: its table, geometry (geo formats and joins), the row numbers a
    user sees, the rejections of a joined geometry file and what was noticed."""

    table: pd.DataFrame
    geometry: gpd.GeoSeries | None
    rows: pd.Series
    join_rejected: pd.DataFrame
    warnings: tuple[str, ...] = ()


class _Verdict:
    """The first rejection reason per record, with the field and value that caused it."""

    def __init__(self, source: str, rows: pd.Series, ids: pd.Series, file: Path) -> None:
        self.source = source
        self.file = file
        self.rows = rows
        self.ids = ids
        self.reason = pd.Series(pd.NA, index=rows.index, dtype="string")
        self.field = pd.Series(pd.NA, index=rows.index, dtype="string")
        self.value = pd.Series(pd.NA, index=rows.index, dtype="string")

    def reject(self, mask: pd.Series, field: str, values: pd.Series, reason: str) -> None:
        new = mask.fillna(False).astype(bool) & self.reason.isna()
        self.reason[new] = reason
        self.field[new] = field
        self.value[new] = values[new].astype("string")

    @property
    def accepted(self) -> pd.Series:
        return self.reason.isna()

    def rejected(self) -> pd.DataFrame:
        parts = []
        for reason, group in self.reason.dropna().groupby(self.reason.dropna()):
            index = group.index
            part = rejections(self.source, self.rows[index], self.ids[index], "", self.value[index], reason,
                              file=self.file)
            part["veld"] = self.field[index].to_numpy()
            parts.append(part)
        return combine(parts)


def _read_csv(spec: RegistrationSpec) -> _Read:
    found = read_text_table(spec.file, sep=spec.sep, encoding=spec.encoding)
    return _Read(found.table, None, found.rows, found.warnings)


def _read_excel(spec: RegistrationSpec) -> _Read:
    """A sheet with merged cells filled and the header found below any title rows."""
    try:
        workbook = openpyxl.load_workbook(spec.file, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise SourceError(f"niet te openen als Excel-werkmap ({type(error).__name__}): is het beveiligd met een "
                          "wachtwoord of geen echt .xlsx-bestand? Sla het op als gewone .xlsx zonder wachtwoord",
                          source=spec.file) from None
    if spec.layer is not None and spec.layer not in workbook.sheetnames:
        raise SourceError(f"werkblad '{spec.layer}' bestaat niet; werkbladen: {workbook.sheetnames}",
                          source=spec.file)
    sheet = workbook[spec.layer] if spec.layer is not None else workbook.worksheets[0]
    warnings = []
    merged = list(sheet.merged_cells.ranges)
    for cells in merged:
        value = sheet.cell(cells.min_row, cells.min_col).value
        sheet.unmerge_cells(str(cells))
        for row in range(cells.min_row, cells.max_row + 1):
            for column in range(cells.min_col, cells.max_col + 1):
                sheet.cell(row, column).value = value
    if merged:
        warnings.append(f"{len(merged)} samengevoegde cel(len) in werkblad '{sheet.title}': de waarde staat nu in "
                        "elke cel van het samengevoegde bereik")
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    if not any(any(v is not None for v in row) for row in values):
        raise SourceError(f"werkblad '{sheet.title}' is leeg", source=spec.file)
    header_row = next((i for i, row in enumerate(values[:HEADER_SEARCH_ROWS])
                       if spec.id in [str(v).strip() for v in row if v is not None]), None)
    if header_row is None:
        first = [v for v in values[0] if v is not None]
        raise SourceError(f"kolom '{spec.id}' (id) niet gevonden in de eerste {HEADER_SEARCH_ROWS} rijen van "
                          f"werkblad '{sheet.title}'; rij 1 bevat {first}", source=spec.file, field=spec.id)
    if header_row:
        warnings.append(f"kopregel gevonden in rij {header_row + 1} van werkblad '{sheet.title}'; "
                        f"de rij(en) erboven zijn overgeslagen")
    names = [str(v).strip() if v is not None else f"kolom_{i + 1}" for i, v in enumerate(values[header_row])]
    table = pd.DataFrame(values[header_row + 1:], columns=names, dtype=object)
    rows = pd.Series(table.index + header_row + 2, index=table.index)
    table, rows = without_empty_rows(table, rows, warnings)
    return _Read(table, None, rows, tuple(warnings))


def _read_gis(spec: RegistrationSpec) -> _Read:
    numbered = spec.file.suffix.lower() == ".gpkg"  # a GeoPackage numbers its features from 1 itself
    frame = read_features(spec.file, spec.layer, numbered=numbered)
    frame = with_checked_crs(frame, crs=None, source=spec.file, setting=f"[registraties.{spec.name}] (in het bestand)")
    rows = pd.Series(frame.index if numbered else frame.index + 1)
    frame = frame.reset_index(drop=True)
    rows.index = frame.index
    return _Read(pd.DataFrame(frame.drop(columns="geometry")), frame.geometry, rows)


#: file suffix -> reader returning the table, its geometry (GIS formats) and each record's row as the user sees it
READERS = {
    **dict.fromkeys(TABLE_FORMATS - {".xlsx", ".xlsm"}, _read_csv),
    **dict.fromkeys({".xlsx", ".xlsm"}, _read_excel),
    **dict.fromkeys(GEO_FORMATS, _read_gis),
}


@dataclass(frozen=True)
class _Read:
    table: pd.DataFrame
    geometry: gpd.GeoSeries | None
    rows: pd.Series
    warnings: tuple[str, ...] = ()


def _read(spec: RegistrationSpec) -> _Raw:
    """Read the file with the reader of its format, and the geometry file it joins to."""
    path = spec.file
    if not path.is_file():
        raise SourceError("bestand niet gevonden", source=path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise SourceError(f"bestandsformaat '{path.suffix.lower()}' onbekend; gebruik een van {sorted(READERS)}",
                          source=path)
    read = reader(spec)
    table, geometry = read.table, read.geometry
    _check_columns(spec, table)
    join_rejected = no_rejections()
    if spec.geometry is not None:
        geometry, join_rejected = _joined_geometry(spec, table)
    return _Raw(table, geometry, read.rows, join_rejected, read.warnings)


def _joined_geometry(spec: RegistrationSpec, table: pd.DataFrame) -> tuple[gpd.GeoSeries, pd.DataFrame]:
    """Geometry from ``spec.geometry``'s file for each record, matched on the key; the rejections of that file.

    A polygon that no record claims is rejected as ``niet_in_administratie``, a second polygon with a key
    already used as ``geometrie_dubbel``, both with the feature's row in the geometry file.
    """
    join = spec.geometry
    assert join is not None, "called only for a registration with a geometry join"
    if not join.file.is_file():
        raise SourceError("geometriebestand niet gevonden", source=join.file)
    shapes = read_features(join.file, join.layer, numbered=True)
    if join.key not in shapes.columns:
        raise SourceError(f"sleutelveld '{join.key}' ontbreekt; aanwezig: {list(shapes.columns)}", source=join.file)
    shapes = with_checked_crs(shapes, crs=None, source=join.file,
                              setting=f"het geometriebestand van [registraties.{spec.name}]").to_crs(RD_CRS)
    keys = shapes[join.key].astype("string").str.strip()
    repeated = keys.duplicated(keep="first") & keys.notna()
    by_key = pd.Series(shapes.geometry.to_numpy(), index=keys.to_numpy())[~repeated.to_numpy()]
    wanted = table[spec.id].astype("string").str.strip()
    geometry = gpd.GeoSeries(wanted.map(by_key).to_numpy(), index=table.index, crs=RD_CRS)
    unclaimed = ~keys.isin(set(wanted.dropna())) & ~repeated
    rows = pd.Series(shapes.index, index=shapes.index)
    rejected = combine([
        rejections(spec.name, rows[unclaimed], keys[unclaimed], join.key, keys[unclaimed], "niet_in_administratie",
                   file=join.file),
        rejections(spec.name, rows[repeated], keys[repeated], join.key, keys[repeated], "geometrie_dubbel",
                   file=join.file),
    ])
    return geometry, rejected


def _check_columns(spec: RegistrationSpec, table: pd.DataFrame) -> None:
    missing = [c for c in spec.used_columns + tuple(spec.attributes or ()) if c not in table.columns]
    if missing:
        garbled = any(re.search(r"Ã.|â€|\ufffd", str(column)) for column in table.columns)
        hint = "; de kolomnamen lijken verminkt: klopt 'encoding' (utf-8 of cp1252)?" if garbled else ""
        raise SourceError(
            f"kolom(men) {missing} uit de configuratie ontbreken; aanwezig: {list(table.columns)}{hint}",
            source=spec.file, field=missing[0],
        )


def _locate(
    spec: RegistrationSpec,
    table: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
    verdict: _Verdict,
    verblijfsobjecten: gpd.GeoDataFrame | None,
) -> tuple[gpd.GeoSeries, pd.Series]:
    """Each record's location in RD and how it was found; rejects what cannot be located."""
    points = gpd.GeoSeries([None] * len(table), index=table.index, crs=RD_CRS)
    how = pd.Series(pd.NA, index=table.index, dtype="string")

    if geometry is not None:
        has = geometry.notna() & ~geometry.is_empty
        if spec.geometry is not None:
            verdict.reject(~has, spec.geometry.key, verdict.ids, "geen_geometrie")
        geographic = geometry.crs is not None and geometry.crs.is_geographic
        anchor = shapely.get_coordinates(geometry[has].representative_point())
        x = pd.Series(np.nan, index=table.index)
        y = pd.Series(np.nan, index=table.index)
        x[has], y[has] = anchor[:, 0], anchor[:, 1]
        ok = _check_bounds(x, y, LONLAT_BOUNDS if geographic else RD_BOUNDS, verdict, "geometry")
        points[ok] = geometry[ok].to_crs(RD_CRS)
        how[ok] = "geometrie"
    if spec.x and spec.y:
        ok = _from_coordinates(spec, table, spec.x, spec.y, spec.xy_crs, verdict, points)
        how[ok] = "xy"
    if spec.lon and spec.lat:
        ok = _from_coordinates(spec, table, spec.lon, spec.lat, WGS84_CRS, verdict, points)
        how[ok] = "lonlat"
    if spec.postcode and spec.huisnummer:
        if verblijfsobjecten is None:
            raise ConfigError(f"bron '{spec.name}' zoekt adressen op, maar er is geen BAG geladen")
        todo = points.isna() & verdict.accepted
        postcode = table[spec.postcode].astype("string")
        huisnummer = table[spec.huisnummer].astype("string")
        letter = table[spec.huisletter] if spec.huisletter else None
        found = geocode_addresses(postcode[todo], huisnummer[todo], verblijfsobjecten,
                                  huisletter=letter[todo] if letter is not None else None)
        given = postcode.notna() & huisnummer.notna() & todo
        verdict.reject(given & found.reindex(table.index).isna(), spec.postcode,
                       postcode.str.cat(huisnummer, sep=" "), "adres_onbekend")
        ok = todo & found.reindex(table.index).notna()
        points[ok] = found[ok[todo].to_numpy()]
        how[ok] = "adres"
    verdict.reject(points.isna(), spec.id, pd.Series("", index=table.index), "geen_locatie")
    return points, how


def _from_coordinates(
    spec: RegistrationSpec, table: pd.DataFrame, x_column: str, y_column: str, crs: str,
    verdict: _Verdict, points: gpd.GeoSeries,
) -> pd.Series:
    """Points from two coordinate columns, for records not located yet; returns which were located."""
    x, bad_x = parse_numbers(table[x_column], decimal=spec.decimal)
    y, bad_y = parse_numbers(table[y_column], decimal=spec.decimal)
    todo = points.isna()
    verdict.reject(todo & bad_x, x_column, table[x_column].astype("string"), "coordinaat_ongeldig")
    verdict.reject(todo & bad_y, y_column, table[y_column].astype("string"), "coordinaat_ongeldig")
    geographic = gpd.GeoSeries([], crs=crs).crs.is_geographic
    typed = table[x_column].astype("string").str.cat(table[y_column].astype("string"), sep=" ")
    ok = _check_bounds(x.where(todo), y.where(todo), LONLAT_BOUNDS if geographic else RD_BOUNDS, verdict, x_column,
                       typed=typed)
    located = gpd.GeoSeries(gpd.points_from_xy(x[ok], y[ok]), index=x[ok].index, crs=crs).to_crs(RD_CRS)
    points[ok] = located
    return ok


def _check_bounds(
    x: pd.Series, y: pd.Series, bounds: tuple[float, float, float, float], verdict: _Verdict, field: str, *,
    typed: pd.Series | None = None,
) -> pd.Series:
    """Which coordinates are plausible; rejects swapped and out-of-range ones, showing them as typed."""
    xmin, ymin, xmax, ymax = bounds
    inside = x.between(xmin, xmax) & y.between(ymin, ymax)
    swapped = ~inside & y.between(xmin, xmax) & x.between(ymin, ymax)
    present = x.notna() & y.notna()
    text = typed if typed is not None else x.round(6).astype("string").str.cat(y.round(6).astype("string"), sep=" ")
    verdict.reject(present & swapped, field, text, "xy_verwisseld")
    verdict.reject(present & ~inside & ~swapped, field, text, "coordinaat_buiten_bereik")
    return present & inside & verdict.accepted


def _attribute_columns(spec: RegistrationSpec, table: pd.DataFrame) -> list[str]:
    if spec.attributes is not None:
        return list(spec.attributes)
    return [c for c in table.columns if c not in spec.used_columns]


def _typed(values: pd.Series, decimal: str) -> pd.Series:
    """Numbers stay or become numbers when every value parses; everything else is text.

    A column with a leading zero anywhere (``0612345678``, a postcode ``0123``) is text: as a number
    the zero would be lost.
    """
    text = values.astype("string").str.strip()
    if text.str.fullmatch(r"0\d+").fillna(False).any():
        return text
    numbers, unparseable = parse_numbers(values.astype("string") if values.dtype == object else values,
                                         decimal=decimal)
    if not unparseable.any() and numbers.notna().any():
        return numbers.astype("Int64") if (numbers.dropna() % 1 == 0).all() else numbers
    if values.map(lambda v: hasattr(v, "year")).all():
        return pd.to_datetime(values)
    return values.astype("string")

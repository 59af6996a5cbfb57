"""Municipal registrations (sport facilities, kavels, meldingen, ...) from CSV, XLSX, GeoJSON or GeoPackage.

A :class:`RegistrationSpec` says which columns hold the id, the location
(geometry, x/y, lon/lat or postcode + huisnummer), the category and the date.
Each record is checked in a fixed order (id, duplicate, category, date,
location); the first failing check is its rejection reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from wijkatlas.errors import ConfigError, CRSError, SourceError
from wijkatlas.geo._records import Loaded, combine, rejections
from wijkatlas.geo._tables import parse_dates, parse_numbers, read_csv_text, snake_name
from wijkatlas.geo.geocode import geocode_addresses
from wijkatlas.settings import LONLAT_BOUNDS, RD_BOUNDS, RD_CRS, WGS84_CRS

TABLE_FORMATS = {".csv", ".txt", ".xlsx", ".xlsm"}
GEO_FORMATS = {".geojson", ".json", ".gpkg", ".shp", ".fgb"}


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
    _check_columns(spec, table)
    verdict = _Verdict(spec.name, rows, table[spec.id].astype("string").str.strip())
    ids = verdict.ids

    verdict.reject(ids.isna() | (ids == ""), spec.id, ids, "geen_id")
    verdict.reject(ids.duplicated(keep="first") & ids.notna(), spec.id, ids, "dubbel_id")

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

    points, how = _locate(spec, table, geometry, verdict, verblijfsobjecten)
    records["locatiebron"] = how
    for column in _attribute_columns(spec, table):
        records[snake_name(column)] = _typed(table[column], spec.decimal)
    records["bron_rij"] = rows.astype("Int64")

    frame = gpd.GeoDataFrame(records, geometry=points, crs=RD_CRS)
    kept = frame[verdict.accepted.to_numpy()].reset_index(drop=True)
    orphans = rejections(spec.name, raw.orphans["rij"], raw.orphans["id"], spec.geometry.key if spec.geometry else "",
                         raw.orphans["id"], "niet_in_administratie")
    return Loaded(records=kept, rejected=combine([verdict.rejected(), orphans]), read=len(table) + len(orphans))


@dataclass(frozen=True)
class _Raw:
    """A registration as read: its table, geometry (geo formats and joins), the row numbers a
    user sees, and geometries of a join file that no record claims (``rij``, ``id``)."""

    table: pd.DataFrame
    geometry: gpd.GeoSeries | None
    rows: pd.Series
    orphans: pd.DataFrame


class _Verdict:
    """The first rejection reason per record, with the field and value that caused it."""

    def __init__(self, source: str, rows: pd.Series, ids: pd.Series) -> None:
        self.source = source
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
            part = rejections(self.source, self.rows[index], self.ids[index], "", self.value[index], reason)
            part["veld"] = self.field[index].to_numpy()
            parts.append(part)
        return combine(parts)


def _read_csv(spec: RegistrationSpec) -> tuple[pd.DataFrame, gpd.GeoSeries | None, pd.Series]:
    table = read_csv_text(spec.file, sep=spec.sep, encoding=spec.encoding)
    return table, None, pd.Series(table.index + 2, index=table.index)


def _read_excel(spec: RegistrationSpec) -> tuple[pd.DataFrame, gpd.GeoSeries | None, pd.Series]:
    try:
        table = pd.read_excel(spec.file, sheet_name=spec.layer or 0, dtype=object)
    except ValueError as error:
        raise SourceError(f"werkblad niet gevonden: {error}", source=spec.file) from error
    return table, None, pd.Series(table.index + 2, index=table.index)


def _read_gis(spec: RegistrationSpec) -> tuple[pd.DataFrame, gpd.GeoSeries | None, pd.Series]:
    numbered = spec.file.suffix.lower() == ".gpkg"  # a GeoPackage numbers its features from 1 itself
    frame = pyogrio.read_dataframe(spec.file, layer=spec.layer, fid_as_index=numbered)
    if frame.crs is None:
        raise CRSError("geen coördinatenstelsel; geef het op in het bestand", source=spec.file)
    rows = pd.Series(frame.index if numbered else frame.index + 1)
    frame = frame.reset_index(drop=True)
    rows.index = frame.index
    return pd.DataFrame(frame.drop(columns="geometry")), frame.geometry, rows


#: file suffix -> reader returning the table, its geometry (GIS formats) and each record's row as the user sees it
READERS = {
    **dict.fromkeys(TABLE_FORMATS - {".xlsx", ".xlsm"}, _read_csv),
    **dict.fromkeys({".xlsx", ".xlsm"}, _read_excel),
    **dict.fromkeys(GEO_FORMATS, _read_gis),
}


def _read(spec: RegistrationSpec) -> _Raw:
    """Read the file with the reader of its format, and the geometry file it joins to."""
    path = spec.file
    if not path.is_file():
        raise SourceError("bestand niet gevonden", source=path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise SourceError(f"bestandsformaat '{path.suffix.lower()}' onbekend; gebruik een van {sorted(READERS)}",
                          source=path)
    table, geometry, rows = reader(spec)
    orphans = pd.DataFrame({"rij": pd.Series(dtype="Int64"), "id": pd.Series(dtype="string")})
    if spec.geometry is not None:
        geometry, orphans = _joined_geometry(spec, table)
    return _Raw(table, geometry, rows, orphans)


def _joined_geometry(spec: RegistrationSpec, table: pd.DataFrame) -> tuple[gpd.GeoSeries, pd.DataFrame]:
    """Geometry from ``spec.geometry``'s file for each record, matched on the key, and the unclaimed rest."""
    join = spec.geometry
    assert join is not None, "called only for a registration with a geometry join"
    if not join.file.is_file():
        raise SourceError("geometriebestand niet gevonden", source=join.file)
    shapes = pyogrio.read_dataframe(join.file, layer=join.layer, fid_as_index=True)
    if join.key not in shapes.columns:
        raise SourceError(f"sleutelveld '{join.key}' ontbreekt; aanwezig: {list(shapes.columns)}", source=join.file)
    if shapes.crs is None:
        raise CRSError("geen coördinatenstelsel", source=join.file)
    shapes = shapes.to_crs(RD_CRS)
    keys = shapes[join.key].astype("string").str.strip()
    by_key = pd.Series(shapes.geometry.to_numpy(), index=keys.to_numpy())
    by_key = by_key[~by_key.index.duplicated()]
    wanted = table[spec.id].astype("string").str.strip()
    geometry = gpd.GeoSeries(wanted.map(by_key).to_numpy(), index=table.index, crs=RD_CRS)
    unclaimed = ~keys.isin(set(wanted.dropna()))
    orphans = pd.DataFrame({"rij": shapes.index[unclaimed], "id": keys[unclaimed].to_numpy()})
    return geometry, orphans


def _check_columns(spec: RegistrationSpec, table: pd.DataFrame) -> None:
    missing = [c for c in spec.used_columns + tuple(spec.attributes or ()) if c not in table.columns]
    if missing:
        raise SourceError(
            f"kolom(men) {missing} uit de configuratie ontbreken; aanwezig: {list(table.columns)}",
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
    ok = _check_bounds(x.where(todo), y.where(todo), LONLAT_BOUNDS if geographic else RD_BOUNDS, verdict, x_column)
    located = gpd.GeoSeries(gpd.points_from_xy(x[ok], y[ok]), index=x[ok].index, crs=crs).to_crs(RD_CRS)
    points[ok] = located
    return ok


def _check_bounds(
    x: pd.Series, y: pd.Series, bounds: tuple[float, float, float, float], verdict: _Verdict, field: str
) -> pd.Series:
    """Which coordinates are plausible; rejects swapped and out-of-range ones."""
    xmin, ymin, xmax, ymax = bounds
    inside = x.between(xmin, xmax) & y.between(ymin, ymax)
    swapped = ~inside & y.between(xmin, xmax) & x.between(ymin, ymax)
    present = x.notna() & y.notna()
    text = x.round(6).astype("string").str.cat(y.round(6).astype("string"), sep=" ")
    verdict.reject(present & swapped, field, text, "xy_verwisseld")
    verdict.reject(present & ~inside & ~swapped, field, text, "coordinaat_buiten_bereik")
    return present & inside & verdict.accepted


def _attribute_columns(spec: RegistrationSpec, table: pd.DataFrame) -> list[str]:
    if spec.attributes is not None:
        return list(spec.attributes)
    return [c for c in table.columns if c not in spec.used_columns]


def _typed(values: pd.Series, decimal: str) -> pd.Series:
    """Numbers stay or become numbers when every value parses; everything else is text."""
    numbers, unparseable = parse_numbers(values.astype("string") if values.dtype == object else values,
                                         decimal=decimal)
    if not unparseable.any() and numbers.notna().any():
        return numbers.astype("Int64") if (numbers.dropna() % 1 == 0).all() else numbers
    if values.map(lambda v: hasattr(v, "year")).all():
        return pd.to_datetime(values)
    return values.astype("string")

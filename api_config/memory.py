"""A pygeoapi feature provider that serves a published GeoPackage layer from memory.

pygeoapi's OGR provider opens the GeoPackage, runs an SQL query, reprojects and
converts every feature on every request. The published collections are small
(a gemeente's areas and registrations; 14 500 buurten for the whole country) and
change only with a build, so this provider reads a layer once per process and
keeps, per layer:

* every feature's properties as JSON-ready values, and an index from id to row;
* every geometry as GeoJSON per output CRS, reprojected once, when first asked
  (axis order as the CRS defines it: latitude first for EPSG:4326 and 4258);
* a spatial index (STR tree) in the storage CRS for ``bbox``.

A request then only selects rows (property filters, ``datetime`` on the time
field, ``bbox``) and slices them; nothing is read, parsed or reprojected again.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pygeoapi.provider.base import BaseProvider, ProviderItemNotFoundError
from pyproj import CRS, Transformer

from wijkatlas.api_config.pygeoapi_config import CRS84

#: layers read so far in this process: (path, layer, modification time) -> table
_TABLES: dict[tuple[str, str, float], _Table] = {}
_LOCK = threading.Lock()


@dataclass
class _Table:
    """One layer in memory: properties, ids, geometries in storage CRS, and GeoJSON per output CRS."""

    frame: pd.DataFrame
    properties: list[dict]
    row_of: dict[str, int]
    geometry: np.ndarray | None
    storage_crs: CRS | None
    tree: shapely.STRtree | None
    fields: dict[str, dict]
    by_crs: dict[str, list[dict | None]] = field(default_factory=dict)

    def geojson(self, crs_uri: str | None) -> list[dict | None]:
        """Every geometry as a GeoJSON dict in ``crs_uri`` (``None``: storage CRS), computed once."""
        key = crs_uri or ""
        with _LOCK:
            if key not in self.by_crs:
                self.by_crs[key] = self._project(crs_uri)
            return self.by_crs[key]

    def _project(self, crs_uri: str | None) -> list[dict | None]:
        assert self.geometry is not None and self.storage_crs is not None
        geometry = self.geometry
        if crs_uri is not None:
            geometry = _to_crs(geometry, self.storage_crs, CRS.from_user_input(crs_uri))
        return [None if g is None else json.loads(shapely.to_geojson(g)) for g in geometry]


def _to_crs(geometry: np.ndarray, source: CRS, target: CRS) -> np.ndarray:
    """Reproject, keeping the axis order the target CRS defines (latitude first for EPSG:4326)."""
    transformer = Transformer.from_crs(source, target, always_xy=False)
    source_first = source.axis_info[0].direction in {"north", "south"}

    def transform(xy: np.ndarray) -> np.ndarray:
        x, y = (xy[:, 1], xy[:, 0]) if source_first else (xy[:, 0], xy[:, 1])
        a, b = transformer.transform(x, y)
        return np.column_stack([a, b])

    return shapely.transform(geometry, transform)


def _load(path: str, layer: str, id_field: str) -> _Table:
    info = pyogrio.read_info(path, layer=layer)
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=info["geometry_type"] is not None)
    fields = {}
    for name, dtype in zip(info["fields"], info["dtypes"], strict=True):
        if dtype.startswith("datetime"):
            fields[name] = {"type": "string", "format": "date-time"}
        elif dtype.startswith(("int", "uint")):
            fields[name] = {"type": "integer"}
        elif dtype.startswith("float"):
            fields[name] = {"type": "number"}
        elif dtype == "bool":
            fields[name] = {"type": "boolean"}
        else:
            fields[name] = {"type": "string"}
    values = frame[list(info["fields"])].copy()
    for name in values.columns:
        if pd.api.types.is_datetime64_any_dtype(values[name]):
            values[name] = values[name].map(lambda moment: moment.isoformat() if pd.notna(moment) else None)
    records = values.astype(object).where(values.notna(), None).to_dict("records")
    geometry = frame.geometry.to_numpy() if "geometry" in frame else None
    storage = CRS.from_user_input(frame.crs) if geometry is not None and frame.crs is not None else None
    row_of = {str(value): row for row, value in enumerate(values[id_field])}
    return _Table(values, records, row_of, geometry, storage,
                  shapely.STRtree(geometry) if geometry is not None else None, fields)


def table(path: str, layer: str, id_field: str) -> _Table:
    """The layer in memory, read once per process (again only when the file changes), with its GeoJSON in CRS84."""
    key = (path, layer, Path(path).stat().st_mtime)
    with _LOCK:
        loaded = _TABLES.get(key)
    if loaded is None:
        loaded = _load(path, layer, id_field)
        if loaded.geometry is not None:
            loaded.geojson(CRS84)  # what is served without crs=, ready before a server forks its workers
        with _LOCK:
            loaded = _TABLES.setdefault(key, loaded)
    return loaded


class MemoryProvider(BaseProvider):
    """Features of one GeoPackage layer, from memory (see the module docstring)."""

    def __init__(self, provider_def: dict) -> None:
        super().__init__(provider_def)
        self.table = table(str(provider_def["data"]["source"]), provider_def["layer"], self.id_field)
        self.get_fields()  # pygeoapi's ``fields`` reads what this fills

    def get_fields(self) -> dict:
        """Field name -> JSON Schema type (and format for dates), as the layer declares them."""
        self._fields = dict(self.table.fields)
        return self._fields

    def query(self, offset=0, limit=10, resulttype="results", bbox=(), datetime_=None, properties=(),
              sortby=(), select_properties=(), skip_geometry=False, crs_transform_spec=None, **kwargs) -> dict:
        """The features that match, one page of them (``resulttype=hits``: only how many)."""
        rows = self._select(bbox, datetime_, properties)
        if resulttype == "hits":
            return {"type": "FeatureCollection", "features": [], "numberMatched": len(rows)}
        page = rows[offset:offset + limit]
        features = [self._feature(row, crs_transform_spec, skip_geometry, select_properties) for row in page]
        return {"type": "FeatureCollection", "features": features, "numberMatched": len(rows),
                "numberReturned": len(features)}

    def get(self, identifier, crs_transform_spec=None, **kwargs) -> dict:
        """One feature by its id."""
        row = self.table.row_of.get(str(identifier))
        if row is None:
            raise ProviderItemNotFoundError(f"{identifier} bestaat niet")
        return self._feature(row, crs_transform_spec, False, ())

    def _select(self, bbox, datetime_, properties) -> np.ndarray:
        frame = self.table.frame
        keep = np.ones(len(frame), dtype=bool)
        for name, value in properties:
            column = frame[name]
            if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
                number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]  # not a number: nothing matches
                keep &= (column == number).to_numpy()
            else:
                keep &= (column.astype("string") == str(value)).fillna(False).to_numpy(bool)
        if datetime_ and self.time_field:
            keep &= _in_time(frame[self.time_field], datetime_)
        if bbox and self.table.tree is not None:
            inside = np.zeros(len(frame), dtype=bool)
            box = getattr(bbox, "footprint", None)  # the exact box, from wijkatlas.api_config.bbox
            box = shapely.box(*[float(b) for b in bbox]) if box is None else box
            inside[self.table.tree.query(box, predicate="intersects")] = True
            keep &= inside
        return np.flatnonzero(keep)

    def _feature(self, row: int, crs_transform_spec, skip_geometry: bool, select_properties) -> dict:
        properties = self.table.properties[row]
        if select_properties:
            properties = {k: v for k, v in properties.items() if k in select_properties or k == self.id_field}
        geometry = None
        if not skip_geometry and self.table.geometry is not None:
            target = crs_transform_spec.target_crs_uri if crs_transform_spec is not None else None
            geometry = self.table.geojson(target)[row]
        return {"type": "Feature", "id": properties.get(self.id_field, row), "geometry": geometry,
                "properties": dict(properties)}


def interval(datetime_: str) -> tuple[str | None, str | None]:
    """The start and end of an RFC 3339 instant or interval; ``None`` for an open end (``..`` or empty)."""
    start, _, end = datetime_.partition("/") if "/" in datetime_ else (datetime_, "", datetime_)
    return (None if start in ("", "..") else start), (None if end in ("", "..") else end)


def _in_time(values: pd.Series, datetime_: str) -> np.ndarray:
    """Which rows lie in an RFC 3339 instant or interval: whole years (``peiljaar``) as numbers,
    dates and times by the day, the last day included."""
    start, end = interval(datetime_)
    keep = values.notna().to_numpy().copy()
    if pd.api.types.is_integer_dtype(values):
        if start:
            keep &= (values >= int(start[:4])).to_numpy()
        if end:
            keep &= (values <= int(end[:4])).to_numpy()
        return keep
    days = pd.to_datetime(values, utc=True).dt.tz_localize(None).dt.normalize()
    if start:
        keep &= (days >= pd.Timestamp(date.fromisoformat(start[:10]))).to_numpy()
    if end:
        keep &= (days < pd.Timestamp(date.fromisoformat(end[:10]) + timedelta(days=1))).to_numpy()
    return keep

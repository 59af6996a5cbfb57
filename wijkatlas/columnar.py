"""Streaming point records from GeoParquet in batches: coordinates as arrays, attributes as a frame.

Sources larger than memory are read a batch (a row group or less) at a time,
and only the columns asked for. Points must be geoarrow-encoded (the encoding
``GeoDataFrame.to_parquet(geometry_encoding="geoarrow")`` and GDAL write), so
coordinates come straight from the Arrow buffers without building geometries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyproj import CRS

from wijkatlas.errors import CRSError, SourceError

BATCH_ROWS = 1_000_000


@dataclass(frozen=True)
class PointBatch:
    """One batch of point records: coordinates and the attribute columns asked for."""
    x: np.ndarray
    y: np.ndarray
    attributes: pd.DataFrame


def iter_point_batches(path: Path, columns: list[str], *, crs: CRS | str, batch_rows: int = BATCH_ROWS
                       ) -> Iterator[PointBatch]:
    """Batches of ``columns`` and point coordinates from a GeoParquet file in ``crs``.

    Raises
    ------
    SourceError
        When a column is missing, the geometry is not geoarrow points or a record has none.
    CRSError
        When the file's CRS is not ``crs``.
    """
    source = pq.ParquetFile(path)
    geo = json.loads((source.schema_arrow.metadata or {}).get(b"geo", b"{}"))
    name = geo.get("primary_column", "geometry")
    meta = geo.get("columns", {}).get(name)
    if meta is None or meta.get("encoding") != "point":
        raise SourceError("geen GeoParquet-puntgeometrie in geoarrow-codering "
                          "(schrijf met geometry_encoding='geoarrow')", source=path, field=name)
    file_crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else CRS.from_epsg(4326)  # the spec's default
    expected = CRS.from_user_input(crs)
    if not file_crs.equals(expected):
        raise CRSError(f"CRS {file_crs.to_string()}, verwacht {expected.to_string()}", source=path, field=name)
    missing = [column for column in columns if column not in source.schema_arrow.names]
    if missing:
        raise SourceError(f"kolom(men) {missing} ontbreken", source=path, field=missing[0])
    first_row = 1
    for batch in source.iter_batches(batch_size=batch_rows, columns=[name, *columns]):
        points = batch.column(name)
        if points.null_count:
            empty = int(np.flatnonzero(points.is_null().to_numpy(zero_copy_only=False))[0])
            raise SourceError(f"record zonder geometrie (en {points.null_count - 1} meer in deze batch)",
                              source=path, row=first_row + empty, field=name)
        first_row += len(batch)
        x = points.field("x").to_numpy(zero_copy_only=False)
        y = points.field("y").to_numpy(zero_copy_only=False)
        yield PointBatch(x, y, pa.Table.from_batches([batch]).drop([name]).to_pandas())

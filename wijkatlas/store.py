"""Writing the datapakhuis GeoPackage atomically."""

from __future__ import annotations

import errno
import itertools
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from wijkatlas.errors import WijkatlasError
from wijkatlas.vocabulary import LEVELS

#: Debian's GDAL 3.6 (used by pygeoapi's OGR provider) reads GeoPackage 1.2 reliably.
GPKG_VERSION = "1.2"
#: a point layer of more rows goes to GDAL in batches of this many, each made into Arrow only when GDAL asks for
#: it: the country's 10 M BAG points whole in Arrow (and as WKB objects) took 1.5 GiB beside the records
BATCH_ROWS = 500_000


def write_store(layers: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write every layer to one GeoPackage at ``path``, replacing any previous store only on success.

    Frames without geometry become attribute tables.
    """
    with store_writer(path) as write:
        write(layers)
    return path


@contextmanager
def store_writer(path: Path) -> Iterator[Callable[[dict[str, pd.DataFrame]], None]]:
    """A function that adds layers to a new GeoPackage, group by group; at the end of the block it replaces
    ``path`` (in one rename: a failed run leaves the previous store intact).

    A build writes the sources' records as soon as the figures are computed and lets go of them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".gpkg", dir=path.parent)
    os.close(handle)
    os.unlink(temporary)

    def write(layers: dict[str, pd.DataFrame]) -> None:
        for name, frame in layers.items():
            options = {"VERSION": GPKG_VERSION} if not Path(temporary).exists() else {}
            if len(frame) > BATCH_ROWS and _points_only(frame):
                _write_batches(frame, temporary, name, options)
            else:
                pyogrio.write_dataframe(frame, temporary, layer=name, driver="GPKG", use_arrow=True, **options)

    try:
        yield write
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise WijkatlasError(f"{path.parent}: schijf vol; maak ruimte of kies een andere --out. "
                                 "De vorige uitvoer is niet veranderd") from None
        raise


def _points_only(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` holds points (or none) and columns Arrow takes as they are (no Python objects)."""
    return (isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None
            and not any(frame[column].dtype == object for column in frame.columns if column != frame.geometry.name)
            and bool((shapely.get_type_id(frame.geometry.to_numpy()) <= 0).all()))


def _write_batches(frame: gpd.GeoDataFrame, path: str, layer: str, options: dict[str, str]) -> None:
    """One point layer streamed to GDAL in batches of :data:`BATCH_ROWS` (categories written as their texts)."""
    geometry = frame.geometry.name

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, len(frame), BATCH_ROWS):
            table = pa.Table.from_pandas(pd.DataFrame(frame.iloc[start:start + BATCH_ROWS].drop(columns=geometry)),
                                         preserve_index=False)
            # categories as their texts (also when there are none), decoded by Arrow (pandas' astype made 10 M Python
            # strings: 14 s)
            table = pa.table([pc.cast(column, pa.large_string()) if pa.types.is_dictionary(column.type) else column
                              for column in table.columns], names=table.column_names)
            yield from table.append_column(geometry, pa.array(shapely.to_wkb(
                frame.geometry.array[start:start + BATCH_ROWS]), type=pa.binary())).to_batches()

    stream = batches()
    first = next(stream)
    pyogrio.write_arrow(pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], stream)), path,
                        layer=layer, driver="GPKG", geometry_name=geometry, geometry_type="Point",
                        crs=frame.crs.to_string(), **options)


#: A cell starting with one of these is taken as a formula by Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: a negative number written as text ("-0,50") is a number, not a formula
NUMBER = re.compile(r"[-+]?\d+([.,]\d+)?")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for a spreadsheet: every text cell a spreadsheet would run as a formula gets a leading apostrophe.

    ``=HYPERLINK(…)`` in a buurt name or ``=cmd|…`` in a rejected value is then shown as the text it is.
    """
    def safe(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
            return "'" + value
        return value

    text = [c for c in frame.columns if c != "geometry" and (frame[c].dtype == object or
                                                             pd.api.types.is_string_dtype(frame[c]))]
    return frame.assign(**{column: frame[column].map(safe) for column in text}) if text else frame


def layer_names(path: Path) -> set[str]:
    """The layers a written store (or any GeoPackage Wijkatlas wrote) holds."""
    return {str(name) for name in pyogrio.list_layers(path)[:, 0]}


def read_layer(path: Path, layer: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One layer of a written store (a GeoDataFrame when it has geometry), or only its attribute ``columns``.

    Read through Arrow: the long table of the country's figures in 1.1 s instead of 13.4 s.
    """
    if columns is not None:
        return pyogrio.read_dataframe(path, layer=layer, columns=columns, read_geometry=False, use_arrow=True)
    return pyogrio.read_dataframe(path, layer=layer, use_arrow=True)


def read_areas(path: Path) -> dict[str, pd.DataFrame]:
    """The area layers of a built datapakhuis (buurten, wijken, gemeente, and regio when it has one), by layer."""
    present = layer_names(path)
    return {level.layer: read_layer(path, level.layer) for level in LEVELS.values() if level.layer in present}

"""Writing the datapakhuis GeoPackage atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pyogrio

#: Debian's GDAL 3.6 (used by pygeoapi's OGR provider) reads GeoPackage 1.2 reliably.
GPKG_VERSION = "1.2"


def write_store(layers: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write every layer to one GeoPackage at ``path``, replacing any previous store only on success.

    The layers are written to a temporary file beside ``path`` which then
    replaces it in one rename, so a failed run leaves the previous store intact.
    Frames without geometry become attribute tables.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".gpkg", dir=path.parent)
    os.close(handle)
    os.unlink(temporary)
    try:
        for name, frame in layers.items():
            options = {"VERSION": GPKG_VERSION} if not Path(temporary).exists() else {}
            pyogrio.write_dataframe(frame, temporary, layer=name, driver="GPKG", **options)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_layer(path: Path, layer: str) -> pd.DataFrame:
    """One layer of a written store (a GeoDataFrame when it has geometry)."""
    return pyogrio.read_dataframe(path, layer=layer)

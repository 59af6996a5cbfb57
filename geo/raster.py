"""Zonal statistics of a raster per area, with rasterio."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.errors import RasterioError
from rasterio.features import rasterize

from wijkatlas.errors import CRSError, SourceError


def zonal_statistics(source: Path, areas: gpd.GeoDataFrame, *, code: str, band: int = 1) -> pd.DataFrame:
    """Sum, cell count and mean of the raster's valid cells per area.

    A cell belongs to the area that contains its centre, so each cell counts
    once; sums and counts can be added up to wijk and gemeente.

    Returns
    -------
    pandas.DataFrame
        ``code``, som, aantal_cellen, aantal_cellen_nodata, gemiddelde (NaN where an area has no valid cell).

    Raises
    ------
    CRSError
        When the raster has no CRS or a geographic one (cells would not have equal area).
    """
    if not source.is_file():
        raise SourceError("bestand niet gevonden", source=source)
    try:
        with rasterio.open(source) as raster:
            if raster.crs is None or raster.crs.is_geographic:
                raise CRSError(
                    f"raster heeft {'geen' if raster.crs is None else 'een geografisch'} coördinatenstelsel; "
                    "zet om naar EPSG:28992, bv. met 'gdalwarp -t_srs EPSG:28992'",
                    source=source,
                )
            polygons = areas.to_crs(raster.crs)
            labels = rasterize(
                ((geom, i + 1) for i, geom in enumerate(polygons.geometry)),
                out_shape=(raster.height, raster.width), transform=raster.transform, fill=0, dtype="int32",
            )
            values = raster.read(band, masked=True)
    except RasterioError as error:
        raise SourceError(f"niet te lezen als raster (GeoTIFF afgebroken of beschadigd?): {error}",
                          source=source) from None
    valid = ~np.ma.getmaskarray(values)
    n = len(areas) + 1
    sums = np.bincount(labels[valid], weights=values.data[valid].astype("float64"), minlength=n)[1:]
    counts = np.bincount(labels[valid], minlength=n)[1:]
    nodata = np.bincount(labels[~valid], minlength=n)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / counts, np.nan)
    return pd.DataFrame(
        {code: areas[code].to_numpy(), "som": sums, "aantal_cellen": counts, "aantal_cellen_nodata": nodata,
         "gemiddelde": mean}
    )

"""Coordinate reference systems at the edge: read what a file says, and check it against its numbers.

A GeoJSON without a ``crs`` member is lon/lat by definition, yet Dutch exports
often hold RD coordinates in it; a GeoPackage may carry no CRS at all. Taking
RD numbers as degrees projects every vertex to infinity, so the coordinates are
checked against the CRS they are read in before anything is reprojected.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj

from wijkatlas.errors import CRSError
from wijkatlas.settings import LONLAT_BOUNDS, RD_BOUNDS, RD_CRS, WGS84_CRS


def guess_crs(bounds: np.ndarray | tuple[float, float, float, float]) -> str | None:
    """``EPSG:28992`` for numbers that can only be RD, ``EPSG:4326`` for Dutch lon/lat, else ``None``."""
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    if not np.isfinite([xmin, ymin, xmax, ymax]).all():
        return None
    if LONLAT_BOUNDS[0] <= xmin and xmax <= LONLAT_BOUNDS[2] and LONLAT_BOUNDS[1] <= ymin and ymax <= LONLAT_BOUNDS[3]:
        return WGS84_CRS
    if RD_BOUNDS[0] <= xmin and xmax <= RD_BOUNDS[2] and RD_BOUNDS[1] <= ymin and ymax <= RD_BOUNDS[3]:
        return RD_CRS
    return None


def with_checked_crs(frame: gpd.GeoDataFrame, *, crs: str | None, source: str | Path, setting: str) -> gpd.GeoDataFrame:
    """``frame`` in the CRS it is stated in (``crs`` overrides the file), checked against its coordinates.

    Parameters
    ----------
    crs
        The CRS the user configured for this file, or ``None`` to use the file's own.
    setting
        Where the user sets ``crs`` (e.g. ``[gebieden]``), named in the fix.

    Raises
    ------
    CRSError
        When there is no CRS, the configured one is unknown, or the numbers cannot be in the CRS:
        RD metres read as degrees, or degrees read as RD metres.
    """
    if crs is not None:
        try:
            pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError:
            raise CRSError(f"crs '{crs}' is onbekend; gebruik bv. \"EPSG:28992\" (RD New) of \"EPSG:4326\" "
                           f"(lengte/breedte) bij {setting}", source=source) from None
        frame = frame.set_crs(crs, allow_override=True)
    bounds = frame.total_bounds
    looks_like = guess_crs(bounds)
    example = f"bv. ({bounds[0]:.6g}, {bounds[1]:.6g})"
    if frame.crs is None:
        hint = f"de coördinaten lijken {looks_like}: " if looks_like else ""
        raise CRSError(f"geen coördinatenstelsel; {hint}zet crs = \"{looks_like or RD_CRS}\" bij {setting}",
                       source=source)
    if frame.crs.is_geographic and looks_like == RD_CRS:
        raise CRSError(
            f"coördinaten {example} zijn RD-meters, maar worden als lengte- en breedtegraden gelezen "
            f"({frame.crs.to_string()}; een GeoJSON zonder 'crs' is altijd lengte/breedte): zet "
            f"crs = \"{RD_CRS}\" bij {setting}", source=source)
    if frame.crs.is_geographic and (np.abs(bounds[[0, 2]]) > 180).any() | (np.abs(bounds[[1, 3]]) > 90).any():
        raise CRSError(f"coördinaten {example} zijn geen lengte- en breedtegraden ({frame.crs.to_string()}); "
                       f"zet het juiste stelsel als crs bij {setting}", source=source)
    if frame.crs.is_projected and looks_like == WGS84_CRS:
        raise CRSError(
            f"coördinaten {example} zijn lengte- en breedtegraden, maar het bestand zegt {frame.crs.to_string()}: "
            f"zet crs = \"{WGS84_CRS}\" bij {setting}", source=source)
    return frame

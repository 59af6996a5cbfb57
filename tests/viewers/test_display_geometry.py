"""Geometry as the maps show it: simplified, in lon/lat, rounded, and valid whatever projection did to it."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from wijkatlas.settings import RD_CRS
from wijkatlas.viewers.data import DISPLAY_TOLERANCE_M, display_geometry

FIXTURE = Path(__file__).parent.parent / "fixtures" / "geometrie" / "buurt_zelfdoorsnijding_na_projectie.wkt"


def test_a_buurt_that_crosses_itself_once_projected_is_repaired_and_keeps_its_area():
    buurt = gpd.GeoDataFrame({"buurtcode": ["BU00950900"]}, geometry=[shapely.from_wkt(FIXTURE.read_text())],
                             crs=RD_CRS)
    projected = buurt.simplify(DISPLAY_TOLERANCE_M, preserve_topology=True).to_crs("EPSG:4326")
    assert buurt.is_valid.all() and not projected.is_valid.any()  # the case itself: broken by projection

    shown = display_geometry(buurt)

    assert shown.is_valid.all() and shown.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    back = shown.to_crs(RD_CRS).area.iloc[0]
    assert abs(back - buurt.area.iloc[0]) / buurt.area.iloc[0] < 0.001
    assert shown.crs.to_epsg() == 4326

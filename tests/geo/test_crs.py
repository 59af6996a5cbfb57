"""Coordinates checked against the CRS they are read in."""

import geopandas as gpd
import pytest
import shapely

from wijkatlas.errors import CRSError
from wijkatlas.geo._crs import guess_crs, with_checked_crs

RD_SQUARE = shapely.box(97_000, 478_000, 97_600, 478_500)
LONLAT_SQUARE = shapely.box(4.58, 52.29, 4.59, 52.30)


def frame(shape, crs):
    return gpd.GeoDataFrame(geometry=[shape], crs=crs)


def test_rd_numbers_read_as_degrees_are_refused_with_the_fix():
    with pytest.raises(CRSError, match=r"zijn RD-meters, maar worden als lengte- en breedtegraden gelezen.*"
                                       r'zet crs = "EPSG:28992" bij \[gebieden\]'):
        with_checked_crs(frame(RD_SQUARE, "EPSG:4326"), crs=None, source="b.geojson", setting="[gebieden]")


def test_degrees_labelled_rd_are_refused_with_the_fix():
    with pytest.raises(CRSError, match=r'zijn lengte- en breedtegraden, maar het bestand zegt EPSG:28992: zet crs = "EPSG:4326"'):
        with_checked_crs(frame(LONLAT_SQUARE, "EPSG:28992"), crs=None, source="b.gpkg", setting="[gebieden]")


def test_a_configured_crs_overrides_the_file_and_an_unknown_one_is_named():
    checked = with_checked_crs(frame(RD_SQUARE, "EPSG:4326"), crs="EPSG:28992", source="b", setting="[gebieden]")
    assert checked.crs == "EPSG:28992"
    with pytest.raises(CRSError, match=r"crs 'RD' is onbekend"):
        with_checked_crs(frame(RD_SQUARE, None), crs="RD", source="b", setting="[gebieden]")


def test_a_file_without_crs_gets_a_guess_in_the_message():
    with pytest.raises(CRSError, match=r'geen coördinatenstelsel; de coördinaten lijken EPSG:28992: zet crs = "EPSG:28992"'):
        with_checked_crs(frame(RD_SQUARE, None), crs=None, source="b.gpkg", setting="[gebieden]")
    assert guess_crs(LONLAT_SQUARE.bounds) == "EPSG:4326" and guess_crs((0, 0, 10, 10)) is None

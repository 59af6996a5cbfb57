"""Shared fixtures: a hand-drawn 2 x 2 grid of buurten and the demo build."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

@pytest.fixture
def grid_buurten() -> gpd.GeoDataFrame:
    """Four 100 m squares, codes in reading order from the top left, two per wijk.

    ::

        BU00010100 | BU00010101      (wijk WK000101, y 100..200)
        -----------+-----------
        BU00010000 | BU00010001      (wijk WK000100, y 0..100)
    """
    return gpd.GeoDataFrame(
        {
            "buurtcode": ["BU00010000", "BU00010001", "BU00010100", "BU00010101"],
            "wijkcode": ["WK000100", "WK000100", "WK000101", "WK000101"],
        },
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100),
                  shapely.box(0, 100, 100, 200), shapely.box(100, 100, 200, 200)],
        crs="EPSG:28992",
    )


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory) -> Path:
    """The output folder of `wijkatlas demo`, built once per test session."""
    from wijkatlas.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    return out

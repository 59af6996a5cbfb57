import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from wijkatlas.errors import CRSError
from wijkatlas.geo import assign
from wijkatlas.geo.assign import assign_to_buurt


@pytest.fixture(autouse=True, params=["raster", "strtree"])
def point_lookup(request, monkeypatch):
    """Every rule holds for both ways a point finds its buurt: the raster (many points) and the STRtree (few)."""
    monkeypatch.setattr(assign, "RASTER_FROM_POINTS", 0 if request.param == "raster" else 10**12)


def points(*coordinates: tuple[float, float], crs: str = "EPSG:28992") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": range(len(coordinates))},
                            geometry=[shapely.Point(c) for c in coordinates], crs=crs)


def test_points_inside_go_to_their_buurt_and_wijk(grid_buurten):
    assigned = assign_to_buurt(points((50, 50), (150, 50), (50, 150), (150, 150)), grid_buurten)
    assert assigned["buurtcode"].tolist() == ["BU00010000", "BU00010001", "BU00010100", "BU00010101"]
    assert assigned["wijkcode"].tolist() == ["WK000100", "WK000100", "WK000101", "WK000101"]


def test_boundary_points_go_to_exactly_one_buurt_the_lowest_code(grid_buurten):
    # shared edge between 0000 and 0001; the corner all four share; an edge on the outer boundary
    assigned = assign_to_buurt(points((100, 50), (100, 100), (150, 100), (0, 50)), grid_buurten)
    assert assigned["buurtcode"].tolist() == ["BU00010000", "BU00010000", "BU00010001", "BU00010000"]
    assert len(assigned) == 4


def test_boundary_rule_does_not_depend_on_the_order_of_the_buurten(grid_buurten):
    shuffled = grid_buurten.iloc[[3, 1, 2, 0]]
    assigned = assign_to_buurt(points((100, 100), (100, 150)), shuffled)
    assert assigned["buurtcode"].tolist() == ["BU00010000", "BU00010100"]


def test_points_outside_every_buurt_have_no_codes(grid_buurten):
    assigned = assign_to_buurt(points((250, 50), (-1, -1)), grid_buurten)
    assert assigned["buurtcode"].isna().all() and assigned["wijkcode"].isna().all()


def test_polygons_go_to_the_buurt_with_the_largest_overlap(grid_buurten):
    kavels = gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[shapely.box(60, 10, 130, 40), shapely.box(90, 90, 200, 180)], crs="EPSG:28992"
    )
    assigned = assign_to_buurt(kavels, grid_buurten)
    assert assigned["buurtcode"].tolist() == ["BU00010000", "BU00010101"]


def test_input_is_not_mutated(grid_buurten):
    records = points((50, 50))
    before = records.copy()
    assign_to_buurt(records, grid_buurten)
    assert_geodataframe_equal(records, before)


def test_crs_mismatch_names_both_and_the_fix(grid_buurten):
    with pytest.raises(CRSError, match=r"records in EPSG:4326 maar buurten in EPSG:28992; zet eerst om"):
        assign_to_buurt(points((5.0, 52.0), crs="EPSG:4326"), grid_buurten)


def test_refuses_to_overwrite_existing_codes(grid_buurten):
    records = points((50, 50)).assign(buurtcode="BU99999999")
    with pytest.raises(ValueError, match=r"already have column\(s\) \['buurtcode'\]"):
        assign_to_buurt(records, grid_buurten)


def test_records_without_geometry_stay_unassigned(grid_buurten):
    records = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[shapely.Point(50, 50), None], crs="EPSG:28992")
    assigned = assign_to_buurt(records, grid_buurten)
    assert assigned["buurtcode"].tolist()[0] == "BU00010000"
    assert pd.isna(assigned["buurtcode"].iloc[1])


@pytest.mark.parametrize("cell_m", [5.0, 25.0, 100.0])
def test_the_raster_lookup_agrees_with_the_exact_test_everywhere(cell_m):
    """Random points, points on boundaries and vertices, and points on cell edges, over a Voronoi tessellation."""
    import numpy as np

    from wijkatlas.geo.assign import BuurtGrid

    rng = np.random.default_rng(7)
    frame = shapely.box(0, 0, 3000, 2000)
    seeds = shapely.multipoints(rng.uniform((0, 0), (3000, 2000), (300, 2)))
    polygons = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame)
    grid = BuurtGrid(polygons, cell_m)
    boundaries = shapely.boundary(polygons)
    on_boundary = shapely.line_interpolate_point(boundaries, rng.uniform(0, 1, len(boundaries)), normalized=True)
    vertices = shapely.get_coordinates(polygons)
    edge_x = grid.xmin + grid.cell * rng.integers(0, grid.shape[1], 2000)
    candidates = np.vstack([
        rng.uniform((-100, -100), (3100, 2100), (20000, 2)),
        shapely.get_coordinates(on_boundary), vertices,
        np.column_stack([edge_x, rng.uniform(0, 2000, 2000)]),
    ])
    x, y = candidates[:, 0], candidates[:, 1]
    assert (grid.locate(x, y) == grid.exact(shapely.points(x, y))).all()
    assert (grid.locate(x, y) >= 0).sum() > 20000

"""Assigning records to their buurt and wijk: a raster lookup for points, a spatial index for the rest."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import rasterio.transform
import shapely

from wijkatlas.errors import CRSError

AREA_COLUMNS = ["buurtcode", "wijkcode"]
#: Raster cells per buurt, on average over the extent: the finer the raster, the fewer points lie in
#: cells a boundary touches (and need the exact test), the longer it takes to draw. 10 000 gives 24 m
#: cells for the 14 500 buurten of the Netherlands, where one point in ten needs the exact test.
CELLS_PER_BUURT = 10_000
MIN_CELL_M = 1.0
#: Upper bound on the raster size (int32 cells), which keeps it under about 1 GB.
MAX_CELLS = 200_000_000
#: Points from which the raster pays: below, testing every point with the STRtree is faster than drawing it (the
#: country's buurten: 550 000 points 1.6 s tested, 4.5 s with the raster; 10 M points 8 s with the raster)
RASTER_FROM_POINTS = 2_000_000
#: Raster value of a cell outside every buurt, and of a cell a boundary touches (resolved exactly).
OUTSIDE, MIXED = -1, -2


class BuurtGrid:
    """Point-in-buurt lookup: a raster of buurt indices plus an exact test near boundaries.

    A cell that no boundary touches lies wholly inside one buurt (or outside all),
    so a point in it gets that buurt from an array lookup. Cells a boundary
    touches, and their neighbours (for points exactly on a cell edge), are marked
    mixed; their points are tested exactly against the polygons with the STRtree,
    with the same rule as everywhere: on a shared boundary the lowest buurtcode.
    ``polygons`` must be sorted by buurtcode. The cell size gives about
    ``CELLS_PER_BUURT`` cells per buurt unless ``cell_m`` is given.
    """

    def __init__(self, polygons: np.ndarray, cell_m: float | None = None) -> None:
        self.polygons = polygons
        self.tree = shapely.STRtree(polygons)
        xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
        if cell_m is None:
            cell_m = max(MIN_CELL_M, float(np.sqrt((xmax - xmin) * (ymax - ymin) / len(polygons) / CELLS_PER_BUURT)))
        self.cell = max(cell_m, float(np.sqrt((xmax - xmin) * (ymax - ymin) / MAX_CELLS)))
        self.xmin, self.ymax = xmin - self.cell, ymax + self.cell  # one cell of margin: the edge is mixed
        self.shape = (int(np.ceil((self.ymax - ymin) / self.cell)) + 2, int(np.ceil((xmax - self.xmin) / self.cell)) + 2)
        transform = rasterio.transform.from_origin(self.xmin, self.ymax, self.cell, self.cell)
        self.cells = rasterio.features.rasterize(
            ((polygon, index) for index, polygon in enumerate(polygons)), out_shape=self.shape,
            transform=transform, fill=OUTSIDE, dtype="int32")
        touched = rasterio.features.rasterize(
            ((boundary, 1) for boundary in shapely.boundary(polygons)), out_shape=self.shape,
            transform=transform, fill=0, dtype="uint8", all_touched=True).astype(bool)
        near = touched.copy()
        near[1:, :] |= touched[:-1, :]
        near[:-1, :] |= touched[1:, :]
        near[:, 1:] |= touched[:, :-1]
        near[:, :-1] |= touched[:, 1:]
        self.cells[near] = MIXED

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index into ``polygons`` of the buurt holding each point, or -1 outside every buurt."""
        column = np.floor((x - self.xmin) / self.cell).astype(np.int64)
        row = np.floor((self.ymax - y) / self.cell).astype(np.int64)
        inside = (row >= 0) & (row < self.shape[0]) & (column >= 0) & (column < self.shape[1])
        found = np.full(len(x), OUTSIDE, dtype=np.int64)
        found[inside] = self.cells[row[inside], column[inside]]
        exact = np.flatnonzero(found == MIXED)
        found[exact] = self.exact(shapely.points(x[exact], y[exact]))
        return found

    def exact(self, points: np.ndarray) -> np.ndarray:
        """Index of the lowest-coded buurt each point intersects, or -1."""
        return lowest_buurt(self.tree, points)


def lowest_buurt(tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """Index into ``tree``'s polygons (sorted by buurtcode) of the lowest-coded buurt each point intersects, or -1."""
    found = np.full(len(points), OUTSIDE, dtype=np.int64)
    record, buurt = tree.query(points, predicate="intersects")
    # Polygons are sorted by code: after sorting the pairs, a record's first hit is its lowest buurtcode.
    order = np.lexsort((buurt, record))
    record, buurt = record[order], buurt[order]
    hit_records, first = np.unique(record, return_index=True)
    found[hit_records] = buurt[first]
    return found


def assign_to_buurt(records: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``records`` with ``buurtcode`` and ``wijkcode``; both missing for records outside every buurt.

    A point on a shared boundary goes to the buurt with the lowest code, so
    every point lands in exactly one buurt, the same one on every run. A
    polygon goes to the buurt holding the largest part of its area.

    Parameters
    ----------
    records
        Points or polygons in the CRS of ``buurten``.
    buurten
        ``buurtcode``, ``wijkcode`` and polygons, e.g. :attr:`wijkatlas.geo.gebieden.Gebieden.buurten`.

    Raises
    ------
    CRSError
        When the two CRSs differ.
    ValueError
        When ``records`` already has a buurtcode or wijkcode column.
    """
    if records.crs != buurten.crs:
        raise CRSError(
            f"records in {records.crs} maar buurten in {buurten.crs}; zet eerst om met .to_crs({buurten.crs})",
            source="toewijzing",
        )
    clash = [c for c in AREA_COLUMNS if c in records.columns]
    if clash:
        raise ValueError(f"records already have column(s) {clash}; drop them before assigning")
    order = np.argsort(buurten["buurtcode"].to_numpy(), kind="stable")
    areas = buurten.iloc[order].reset_index(drop=True)
    geoms = records.geometry.to_numpy()
    chosen = np.full(len(records), -1)

    polygons = areas.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    point_index = np.flatnonzero(is_point)
    if len(point_index) and len(point_index) >= RASTER_FROM_POINTS:
        grid = BuurtGrid(polygons)
        chosen[point_index] = grid.locate(shapely.get_x(geoms[point_index]), shapely.get_y(geoms[point_index]))
    elif len(point_index):
        chosen[point_index] = lowest_buurt(shapely.STRtree(polygons), geoms[point_index])
    shaped = np.flatnonzero(~is_point & ~shapely.is_missing(geoms))
    if len(shaped):
        pairs = shapely.STRtree(polygons).query(geoms[shaped], predicate="intersects")
        # the overlap decides only between several buurten: most kavels lie in one (intersections took 20 s for
        # the country's 50 000)
        shared = np.bincount(pairs[0], minlength=len(shaped))[pairs[0]] > 1
        overlap = np.zeros(pairs.shape[1])
        overlap[shared] = shapely.area(shapely.intersection(geoms[shaped][pairs[0][shared]], polygons[pairs[1][shared]]))
        best = pd.DataFrame({"record": pairs[0], "buurt": pairs[1], "overlap": overlap})
        best = best.sort_values(["record", "overlap", "buurt"], ascending=[True, False, True])
        best = best.drop_duplicates("record")
        chosen[shaped[best["record"].to_numpy()]] = best["buurt"].to_numpy()

    assigned = records.copy(deep=False)  # copy-on-write: the records' columns are shared, not copied
    for column in AREA_COLUMNS:  # -1 (outside every buurt) takes a missing code
        codes = areas[column].astype("string").array
        assigned[column] = pd.Series(codes.take(chosen, allow_fill=True), index=records.index)
    return assigned

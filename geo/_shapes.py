"""Repairing areas: ``make_valid`` keeps a polygon's area, and only that is kept."""

from __future__ import annotations

import numpy as np
import shapely

GEOMETRY_COLLECTION = 7


def valid_polygons(shapes: np.ndarray) -> np.ndarray:
    """``shapes`` made valid; where that gives a collection (a spike or a self-touch adds lines or points), its
    polygon parts only. A collection without polygons is kept as made valid (its record is not an area)."""
    valid = shapely.make_valid(shapes)
    for position in np.flatnonzero(shapely.get_type_id(valid) == GEOMETRY_COLLECTION):
        polygons = [part for part in shapely.get_parts(valid[position])
                    if part.geom_type in ("Polygon", "MultiPolygon")]
        valid[position] = shapely.union_all(polygons) if polygons else valid[position]
    return valid

"""The ``bbox`` of a request in the collection's storage CRS: the whole box, computed cheaply.

pygeoapi (0.21) transforms only the two corners of a ``bbox`` to the storage CRS,
building a new pyproj transformer for every request (about 40 ms). Between
CRS84 and RD New, which are turned about 2° against each other, two corners are
not the box: features near the other corners are missed. :func:`transform_bbox`
replaces it: transformers are made once per pair of CRSs, the box's edges are
densified and transformed, and the answer is the envelope — what SQL providers
filter on — carrying the exact footprint, which the memory provider filters on.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pygeoapi.util import get_crs_from_uri
from pyproj import Transformer

#: points per edge of the box when it is transformed
EDGE_POINTS = 32


class StorageBox(list):
    """A bbox in the storage CRS (minx, miny, maxx, maxy: the envelope) with its exact ``footprint``."""

    footprint: shapely.Geometry


@lru_cache(maxsize=64)
def _transformer(from_crs: str, to_crs: str) -> Transformer:
    return Transformer.from_crs(get_crs_from_uri(from_crs), get_crs_from_uri(to_crs))


def transform_bbox(bbox: list, from_crs: str, to_crs: str) -> list:
    """``bbox`` (4 numbers in ``from_crs``, its axis order; the request guard passes a 3D bbox as its 2D
    footprint) as a :class:`StorageBox` in ``to_crs`` (pygeoapi's signature)."""
    corners = [float(b) for b in bbox]
    box = shapely.box(*corners)
    if from_crs != to_crs:
        edge = max(corners[2] - corners[0], corners[3] - corners[1]) / EDGE_POINTS
        ring = shapely.get_coordinates(shapely.segmentize(box, edge) if edge > 0 else box)
        x, y = _transformer(from_crs, to_crs).transform(ring[:, 0], ring[:, 1])
        box = shapely.polygons(np.column_stack([x, y])) if edge > 0 else shapely.box(x[0], y[0], x[2], y[2])
    answer = StorageBox(shapely.bounds(box).tolist())
    answer.footprint = box
    return answer


def install() -> None:
    """Make pygeoapi's items handler use :func:`transform_bbox`."""
    import pygeoapi.api.itemtypes

    pygeoapi.api.itemtypes.transform_bbox = transform_bbox

"""Assigning records to their buurt and wijk with a spatial index."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.errors import CRSError

AREA_COLUMNS = ["buurtcode", "wijkcode"]


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
        ``buurtcode``, ``wijkcode`` and polygons, e.g. :attr:`geo.gebieden.Gebieden.buurten`.

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

    is_point = shapely.get_type_id(geoms) == 0
    tree = shapely.STRtree(areas.geometry.to_numpy())
    if is_point.any():
        point_index = np.flatnonzero(is_point)
        record, buurt = tree.query(geoms[point_index], predicate="intersects")
        # Buurten are sorted by code: after sorting the pairs, a record's first hit is its lowest buurtcode.
        order = np.lexsort((buurt, record))
        record, buurt = record[order], buurt[order]
        hit_records, first = np.unique(record, return_index=True)
        chosen[point_index[hit_records]] = buurt[first]
    shaped = np.flatnonzero(~is_point & ~shapely.is_missing(geoms))
    if len(shaped):
        pairs = tree.query(geoms[shaped], predicate="intersects")
        overlap = shapely.area(shapely.intersection(geoms[shaped][pairs[0]], areas.geometry.to_numpy()[pairs[1]]))
        best = pd.DataFrame({"record": pairs[0], "buurt": pairs[1], "overlap": overlap})
        best = best.sort_values(["record", "overlap", "buurt"], ascending=[True, False, True])
        best = best.drop_duplicates("record")
        chosen[shaped[best["record"].to_numpy()]] = best["buurt"].to_numpy()

    assigned = records.copy()
    found = chosen >= 0
    for column in AREA_COLUMNS:
        values = pd.Series(pd.NA, index=records.index, dtype="string")
        values[found] = areas[column].to_numpy()[chosen[found]]
        assigned[column] = values
    return assigned

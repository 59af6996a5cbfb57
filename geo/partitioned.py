"""Assigning records to buurt and wijk on a dask cluster, partitioned by spatial key.

The records are ordered along a Hilbert curve and cut into partitions of
neighbouring records, and each partition is assigned by
:func:`wijkatlas.geo.assign.assign_to_buurt` on the cluster, so the outcome is the same
record for record as on one machine.
"""

from __future__ import annotations

import warnings

import dask
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.geo.assign import assign_to_buurt

POSITION = "_positie"


def assign_partitioned(records: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, *, partitions: int
                       ) -> gpd.GeoDataFrame:
    """:func:`wijkatlas.geo.assign.assign_to_buurt` over ``partitions`` spatial partitions, on the current dask scheduler.

    The records are in memory after validation, so they are ordered along a
    Hilbert curve here (``GeoSeries.hilbert_distance``) and cut into contiguous
    partitions, which is what ``spatial_shuffle`` does without its two extra
    passes over the cluster. Records without geometry get no buurt and skip
    the cluster. The result has the records' own index and order.
    """
    if POSITION in records.columns:
        raise ValueError(f"records already have a column '{POSITION}'")
    located = ~(shapely.is_missing(records.geometry.to_numpy()) | records.geometry.is_empty.to_numpy())
    numbered = records.assign(**{POSITION: np.arange(len(records))})
    meta = assign_to_buurt(numbered.iloc[:0], buurten)
    parts = [assign_to_buurt(numbered[~located], buurten)]
    if located.any():
        on_curve = numbered[located]
        on_curve = on_curve.iloc[np.argsort(on_curve.geometry.hilbert_distance().to_numpy(), kind="stable")]
        # keep the records' own dtypes (dask would turn text columns into pyarrow strings)
        with warnings.catch_warnings(), dask.config.set({"dataframe.convert-string": False}):
            # the records travel with the task graph once
            warnings.filterwarnings("ignore", message="Sending large graph")
            spread = dask_geopandas.from_geopandas(on_curve, npartitions=min(partitions, len(on_curve)), sort=False)
            parts.append(spread.map_partitions(assign_to_buurt, buurten, meta=meta).compute())
    assigned = pd.concat(parts).sort_values(POSITION)
    assigned.index = records.index
    return assigned.drop(columns=POSITION)

"""Assigning records to buurt and wijk on a dask cluster, partitioned by spatial key.

The records are sorted along a Hilbert curve into partitions of neighbouring
records (``dask_geopandas.GeoDataFrame.spatial_shuffle``), and each partition
is assigned by :func:`geo.assign.assign_to_buurt`, so the outcome is the same
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

from geo.assign import assign_to_buurt

POSITION = "_positie"


def assign_partitioned(records: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, *, partitions: int
                       ) -> gpd.GeoDataFrame:
    """:func:`geo.assign.assign_to_buurt` over ``partitions`` spatial partitions, on the current dask scheduler.

    Records without geometry skip the shuffle (they get no buurt either way).
    The result has the records' own index and order.
    """
    if POSITION in records.columns:
        raise ValueError(f"records already have a column '{POSITION}'")
    located = ~(shapely.is_missing(records.geometry.to_numpy()) | records.geometry.is_empty.to_numpy())
    numbered = records.assign(**{POSITION: np.arange(len(records))})
    meta = assign_to_buurt(numbered.iloc[:0], buurten)
    parts = [assign_to_buurt(numbered[~located], buurten)]
    if located.any():
        # keep the records' own dtypes (dask would turn text columns into pyarrow strings)
        with warnings.catch_warnings(), dask.config.set({"dataframe.convert-string": False}):
            # the records are in memory after validation, so they travel with the task graph once
            warnings.filterwarnings("ignore", message="Sending large graph")
            spread = dask_geopandas.from_geopandas(numbered[located], npartitions=partitions)
            shuffled = spread.spatial_shuffle(by="hilbert", npartitions=min(partitions, int(located.sum())),
                                              shuffle_method="tasks")
            parts.append(shuffled.map_partitions(assign_to_buurt, buurten, meta=meta).compute())
    assigned = pd.concat(parts).sort_values(POSITION)
    assigned.index = records.index
    return assigned.drop(columns=POSITION)

"""The compute engine of a build: assignment and aggregation in this process, or partitioned on dask.

``[rekenen] motor = "dask"`` in the build configuration runs
:func:`wijkatlas.geo.partitioned.assign_partitioned` and
:class:`wijkatlas.indicators.partitioned.PartitionedAddUp` on a dask cluster: a running
scheduler (``scheduler = "tcp://host:8786"``) or a local cluster of ``werkers``
processes. Both engines give the same figures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import geopandas as gpd

from wijkatlas.config import ComputeSettings
from wijkatlas.geo.assign import assign_to_buurt
from wijkatlas.indicators.bulk import AddUp, buurt_totals


@dataclass(frozen=True)
class Engine:
    """How assignment and aggregation run: in this process or partitioned on dask."""
    assign: Callable[[gpd.GeoDataFrame, gpd.GeoDataFrame], gpd.GeoDataFrame]
    add_up: AddUp


@contextmanager
def open_engine(settings: ComputeSettings) -> Iterator[Engine]:
    """The engine the settings ask for; a dask client (and local cluster) lives as long as the block."""
    if settings.engine == "lokaal":
        yield Engine(assign_to_buurt, buurt_totals)
        return
    import dask
    from distributed import Client, LocalCluster

    from wijkatlas.geo.partitioned import assign_partitioned
    from wijkatlas.indicators.partitioned import PartitionedAddUp

    # scheduler and worker chatter off; task errors still raise here
    logging.getLogger("distributed").setLevel(logging.ERROR)
    dask.config.set({"logging.distributed": "error"})
    engine = Engine(partial(assign_partitioned, partitions=settings.partitions),
                    PartitionedAddUp(settings.partitions))
    if settings.scheduler:
        with Client(settings.scheduler):
            yield engine
        return
    with LocalCluster(n_workers=settings.workers, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1", silence_logs=logging.WARNING) as cluster, Client(cluster):
        yield engine

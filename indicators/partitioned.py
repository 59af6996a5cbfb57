"""Adding up set terms on a dask cluster: per partition of neighbouring buurten, then summed.

The records are split into partitions by buurt (the spatial key: a buurt's
records are never split), each partition is added up with
:func:`wijkatlas.indicators.bulk.buurt_totals`, and the partial totals are summed. Counts
and sums of whole numbers are exact, so the figures equal the single-machine ones.
"""

from __future__ import annotations

import warnings

import dask
import numpy as np
import pandas as pd

from wijkatlas.indicators.bulk import buurt_totals
from wijkatlas.indicators.catalog import Catalog, Term


class PartitionedAddUp:
    """A drop-in for :func:`wijkatlas.indicators.bulk.buurt_totals` that runs on the current dask scheduler."""

    def __init__(self, partitions: int) -> None:
        self.partitions = partitions

    def __call__(self, records: pd.DataFrame, slot: np.ndarray, columns: list[tuple[Term, str]], catalog: Catalog,
                 slot_count: int) -> np.ndarray:
        """Totals per slot, each partition of buurten added up on a dask worker."""
        order = np.argsort(slot, kind="stable")
        # cut only where the slot changes, so that no slot (buurt in a peiljaar) spans two partitions
        cuts = np.searchsorted(slot[order], slot[order][np.linspace(0, len(slot), self.partitions + 1,
                                                                      dtype=int)[1:-1]])
        pieces = np.split(order, np.unique(cuts))
        partials = [dask.delayed(buurt_totals)(records.iloc[piece], slot[piece], columns, catalog, slot_count)
                    for piece in pieces if len(piece)]
        if not partials:
            return np.zeros((slot_count, len(columns)))
        with warnings.catch_warnings():
            # the records are in memory already, so they travel with the task graph once
            warnings.filterwarnings("ignore", message="Sending large graph")
            return dask.delayed(sum)(partials).compute()

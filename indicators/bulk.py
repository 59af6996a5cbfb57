"""All record-set terms of one layer added up per buurt (and peiljaar) in one pass.

Each distinct condition of the catalog (``status`` in a list, ``gebruiksdoel``
containing a value, ``bouwjaar`` in a range) is evaluated once on the whole
layer, on category codes where the column is categorical; every term is then one
``np.bincount`` over the records' slot, and wijk and gemeente totals are sums of
buurt totals. The indicator engine (:mod:`wijkatlas.indicators.terms`) and ``wijkatlas
bench`` both use it; the bench measures it against a pandas ``groupby`` per term.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from wijkatlas.frames import list_holds, on_categories
from wijkatlas.indicators.catalog import Catalog, RecordSet, Term

#: ``buurt_totals`` or a function with its signature and result (e.g. partitioned over a dask cluster).
AddUp = Callable[[pd.DataFrame, np.ndarray, list, Catalog, int], np.ndarray]


def layer_terms(catalog: Catalog, layer: str) -> list[Term]:
    """Every distinct record-set term over ``layer`` used by an indicator or a basis figure, in catalog order."""
    terms: dict[Term, None] = {}
    candidates = [term for indicator in catalog.indicators.values() for term in indicator.terms.values()]
    candidates += list(catalog.basis.values())
    for term in candidates:
        if term.kind == "set" and catalog.sets[term.name].layer == layer:
            terms[term] = None
    return list(terms)


def term_label(term: Term) -> str:
    """A readable, unique column name for a term."""
    parts = [term.name] + ([f"som:{term.field}"] if term.field else [])
    parts += [f"{column}={'|'.join(map(str, values))}" for column, values in term.where]
    parts += [f"{column}~{'|'.join(values)}" for column, values in term.where_contains]
    parts += [f"{column}:{low:g}-{high:g}" for column, (low, high) in term.where_range]
    return " ".join(parts)


class ConditionCache:
    """Boolean masks of conditions on a frame, each computed once."""

    def __init__(self, records: pd.DataFrame) -> None:
        self.records = records
        self.masks: dict[tuple, np.ndarray] = {}

    def isin(self, column: str, values: tuple) -> np.ndarray:
        """Records whose ``column`` equals one of ``values``."""
        return self._cached(("in", column, values), lambda s: on_categories(s, lambda c: c.isin(values)))

    def contains(self, column: str, values: tuple) -> np.ndarray:
        """Records whose comma-separated ``column`` holds one of ``values`` (BAG gebruiksdoel)."""
        return self._cached(("contains", column, values), lambda s: list_holds(s, values))

    def between(self, column: str, low: float, high: float) -> np.ndarray:
        """Records whose ``column`` lies between ``low`` and ``high``, both included."""
        return self._cached(("range", column, low, high),
                            lambda s: s.astype(float).between(low, high).fillna(False).to_numpy(bool))

    def _cached(self, key: tuple, compute) -> np.ndarray:
        if key not in self.masks:
            self.masks[key] = compute(self.records[key[1]])
        return self.masks[key]


def condition_columns(record_set: RecordSet, term: Term) -> list[str]:
    """The columns a set term selects on."""
    conditions = record_set.where + term.where + term.where_contains + term.where_range
    return list(dict.fromkeys(column for column, _ in conditions))


def term_mask(conditions: ConditionCache, catalog: Catalog, term: Term) -> np.ndarray:
    """Which records a set term counts: the set's and the term's conditions together."""
    mask = np.ones(len(conditions.records), dtype=bool)
    for column, values in catalog.sets[term.name].where + term.where:
        mask &= conditions.isin(column, values)
    for column, values in term.where_contains:
        mask &= conditions.contains(column, values)
    for column, (low, high) in term.where_range:
        mask &= conditions.between(column, low, high)
    return mask


#: What a term adds up per record: its value (1, or the field), whether the field is filled, or missing.
MEASURES = ("value", "count", "missing")


def buurt_totals(records: pd.DataFrame, slot: np.ndarray, columns: list[tuple[Term, str]], catalog: Catalog,
                 slot_count: int) -> np.ndarray:
    """Totals per slot of each (term, measure), shape (slot_count, len(columns)).

    A slot is a buurt row, or a buurt row within a peiljaar (``year * buurten +
    buurt``); -1 for records outside every buurt. Totals of batches or
    partitions add up to the totals of their union.
    """
    inside = slot >= 0
    conditions = ConditionCache(records)
    totals = np.zeros((slot_count, len(columns)))
    for position, (term, measure) in enumerate(columns):
        mask = term_mask(conditions, catalog, term) & inside
        totals[:, position] = np.bincount(slot[mask], weights=_weights(records, term, measure, mask),
                                          minlength=slot_count)
    return totals


def _weights(records: pd.DataFrame, term: Term, measure: str, mask: np.ndarray) -> np.ndarray | None:
    """Per selected record what it adds: None (1 each), the field's value, or 1/0 for filled or missing."""
    if term.field is None:
        return None if measure != "missing" else np.zeros(int(mask.sum()))
    values = records[term.field]
    if measure == "value":
        return np.nan_to_num(values.to_numpy(dtype=float, na_value=np.nan)[mask])
    filled = values.notna().to_numpy(bool)[mask]
    return (filled if measure == "count" else ~filled).astype(float)


def roll_up(per_buurt: np.ndarray, buurten: pd.DataFrame, *,
            regiocode: str | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per level (buurt, wijk, gemeente, and regio when given) the area codes and their totals; each level above
    the buurt sums its buurten.

    ``buurten`` (``buurtcode``, ``wijkcode``, ``gemeentecode``) in the row order of
    ``per_buurt``; higher areas come in sorted code order.
    """
    levels = {"buurt": (buurten["buurtcode"].to_numpy(), per_buurt)}
    for level in ("wijk", "gemeente"):
        codes, group = np.unique(buurten[f"{level}code"].to_numpy(), return_inverse=True)
        summed = np.zeros((len(codes), per_buurt.shape[1]))
        np.add.at(summed, group, per_buurt)
        levels[level] = (codes, summed)
    if regiocode is not None:
        levels["regio"] = (np.array([regiocode]), per_buurt.sum(axis=0, keepdims=True))
    return levels

"""All record-set terms of one layer aggregated per buurt, wijk and gemeente in one pass.

Each distinct condition of the catalog (``status`` in a list, ``gebruiksdoel``
containing a value, ``bouwjaar`` in a range) is evaluated once on the whole
layer, on category codes where the column is categorical; every term is then one
``np.bincount`` over the records' buurt index, and wijk and gemeente totals are
sums of buurt totals. This is the fast path that ``wijkatlas bench`` measures
against a straightforward pandas ``groupby`` per indicator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalog import Catalog, Term, list_pattern


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
        return self._cached(("in", column, values), lambda s: self._on_categories(s, lambda c: c.isin(values)))

    def contains(self, column: str, values: tuple) -> np.ndarray:
        return self._cached(("contains", column, values), lambda s: self._on_categories(
            s, lambda c: c.astype("string").str.contains(list_pattern(values)).fillna(False)))

    def between(self, column: str, low: float, high: float) -> np.ndarray:
        return self._cached(("range", column, low, high),
                            lambda s: s.astype(float).between(low, high).fillna(False).to_numpy(bool))

    def _cached(self, key: tuple, compute) -> np.ndarray:
        if key not in self.masks:
            self.masks[key] = compute(self.records[key[1]])
        return self.masks[key]

    @staticmethod
    def _on_categories(series: pd.Series, test) -> np.ndarray:
        """``test`` applied to the distinct values only when the column is categorical (then mapped by code)."""
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = pd.Series(series.cat.categories)
            per_category = np.append(test(categories).to_numpy(bool), False)  # code -1 (missing) -> False
            return per_category[series.cat.codes.to_numpy()]
        return test(series).to_numpy(bool)


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


def buurt_totals(records: pd.DataFrame, buurt_index: np.ndarray, terms: list[Term], catalog: Catalog,
                 buurt_count: int) -> np.ndarray:
    """Term totals per buurt, shape (buurt_count, len(terms)); sums of batches give the totals of their union.

    ``buurt_index`` is each record's buurt row (-1 outside every buurt).
    """
    inside = buurt_index >= 0
    conditions = ConditionCache(records)
    totals = np.zeros((buurt_count, len(terms)))
    for column, term in enumerate(terms):
        mask = term_mask(conditions, catalog, term) & inside
        weights = None if term.field is None else np.nan_to_num(records[term.field].to_numpy(dtype=float)[mask])
        totals[:, column] = np.bincount(buurt_index[mask], weights=weights, minlength=buurt_count)
    return totals


def by_level(totals: np.ndarray, terms: list[Term], buurten: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per level (buurt, wijk, gemeente) a frame of term totals, one column per term, indexed by area code.

    ``buurten`` (``buurtcode``, ``wijkcode``, ``gemeentecode``) in the row order of ``totals``.
    """
    by_buurt = pd.DataFrame(totals, index=pd.Index(buurten["buurtcode"].to_numpy(), name="buurtcode"),
                            columns=[term_label(term) for term in terms])
    return {
        "buurt": by_buurt,
        "wijk": _roll_up(by_buurt, buurten["wijkcode"].to_numpy(), "wijkcode"),
        "gemeente": _roll_up(by_buurt, buurten["gemeentecode"].to_numpy(), "gemeentecode"),
    }


def _roll_up(by_buurt: pd.DataFrame, codes: np.ndarray, name: str) -> pd.DataFrame:
    """Sum buurt totals per higher area (codes sorted for a stable order)."""
    unique, group = np.unique(codes, return_inverse=True)
    summed = np.zeros((len(unique), by_buurt.shape[1]))
    np.add.at(summed, group, by_buurt.to_numpy())
    return pd.DataFrame(summed, index=pd.Index(unique, name=name), columns=by_buurt.columns)

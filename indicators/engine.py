"""Computing every catalog indicator at buurt, wijk, gemeente and (in a build of several gemeenten) regio level.

Each indicator becomes numerator (``teller``), denominator (``noemer``) and
value (``waarde``) per peiljaar and area. Wijk and gemeente figures come from
their own records, never from averaging buurt values; a regio's from its
gemeenten's numerators and denominators (a median from the regio's own records).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wijkatlas.indicators.availability import Availability, availability, basis_available, indicator_terms
from wijkatlas.indicators.catalog import Catalog, Indicator, Term
from wijkatlas.indicators.formulas import formula, value_from
from wijkatlas.indicators.terms import (
    KEYS,
    TIMELESS,
    Datapakhuis,
    aggregate,
    evaluate,
    grid,
    nearest_distances,
    per_level,
    select,
    set_years,
)

RESULT_COLUMNS = ["indicator", *KEYS, "teller", "noemer", "waarde", "records", "ontbrekend", "aantal"]


def compute_indicators(store: Datapakhuis, catalog: Catalog, available: Availability | None = None) -> pd.DataFrame:
    """All indicators the sources allow (see :mod:`wijkatlas.indicators.availability`), unprotected (*intern*), in long form.

    Returns
    -------
    pandas.DataFrame
        indicator, peiljaar, niveau, gebiedscode, teller, noemer, waarde, and for
        data quality: records (records used in the area; NaN for CBS figures)
        and ontbrekend (records used that lack the field, or 1 where CBS
        published no value).
    """
    available = available or availability(store, catalog)
    computed: dict[str, pd.DataFrame] = {}
    for indicator in catalog.ordered():
        if not available.available(indicator.id):
            continue
        figures = _figures(store, catalog, indicator, computed)
        if store.regiocode is not None and any(term.kind == "cbs" for term in indicator_terms(indicator, catalog)):
            figures = _regio_from_gemeenten(figures, indicator, store.regiocode)
        figures = figures[figures["niveau"].isin(available.levels[indicator.id])]
        if indicator.peiljaren is not None:
            figures = figures[figures["peiljaar"].isin(indicator.peiljaren)]
        computed[indicator.id] = figures.assign(indicator=indicator.id)
    if not computed:
        return pd.DataFrame({column: pd.Series(dtype=float if column in ("teller", "noemer", "waarde", "records",
                                                                           "ontbrekend", "aantal") else object)
                             for column in RESULT_COLUMNS}).astype({"peiljaar": int})
    result = pd.concat(computed.values(), ignore_index=True).reindex(columns=RESULT_COLUMNS)
    result[["records", "ontbrekend", "aantal"]] = result[["records", "ontbrekend", "aantal"]].astype(float)
    return result[RESULT_COLUMNS].sort_values(["indicator", "peiljaar", "niveau", "gebiedscode"], ignore_index=True)


def _regio_from_gemeenten(figures: pd.DataFrame, indicator: Indicator, regiocode: str) -> pd.DataFrame:
    """The regio's figures of an indicator with CBS terms, as its gemeenten's numerators over their denominators:
    CBS gives figures per gemeente, none for a regio of one's own choosing. Empty where a gemeente lacks the
    figure (a sum of some gemeenten is no regio figure), and for a CBS figure that is neither a count nor weighted.
    Other terms have their regio figure from the regio's own records."""
    gemeenten = figures[figures["niveau"] == "gemeente"]
    numbers = [c for c in ("teller", "noemer", "records", "ontbrekend", "aantal") if c in figures.columns]
    grouped = gemeenten.groupby("peiljaar")
    regio = grouped[numbers].sum(min_count=1).reset_index()
    weighted = indicator.weighted
    sides = ["teller", "noemer"] if weighted or formula(indicator.kind).scale is not None else ["teller"]
    complete = grouped[sides].count().min(axis=1) == gemeenten["gebiedscode"].nunique()
    if weighted:
        with np.errstate(divide="ignore", invalid="ignore"):
            regio["waarde"] = regio["teller"] / regio["noemer"].where(regio["noemer"] != 0)
    else:
        regio["waarde"] = value_from(indicator.kind, regio["teller"], regio["noemer"], indicator.factor)
    summable = weighted or formula(indicator.kind).scale is not None or formula(indicator.kind).total \
        or indicator.additive
    known = regio["peiljaar"].map(complete).fillna(False).astype(bool) & summable
    regio = regio.assign(niveau="regio", gebiedscode=regiocode,
                         **{column: regio[column].where(known) for column in ("teller", "noemer", "waarde")})
    return pd.concat([figures[figures["niveau"] != "regio"], regio], ignore_index=True)


def basis_figures(store: Datapakhuis, catalog: Catalog, years: list[int]) -> pd.DataFrame:
    """The catalog's basis figures (inwoners, woningen, ...) per peiljaar and area, for disclosure rules.

    A basis figure missing for a peiljaar (the BAG is a snapshot) takes the value of the year before,
    or else of the first year after.
    """
    frame = store.areas[["niveau", "gebiedscode"]].merge(pd.DataFrame({"peiljaar": years}), how="cross")[KEYS]
    for name, term in catalog.basis.items():
        if not basis_available(store, catalog, term):
            frame[name] = float("nan")  # unknown: every rule that needs it suppresses
            continue
        values = evaluate(store, catalog, term)
        if (values["peiljaar"] == TIMELESS).all():
            frame = frame.merge(values.drop(columns="peiljaar").rename(columns={"waarde": name}),
                                on=["niveau", "gebiedscode"], how="left")
            continue
        wide = values.pivot_table(index=["niveau", "gebiedscode"], columns="peiljaar", values="waarde", dropna=False)
        wide = wide.reindex(columns=sorted(set(wide.columns) | set(years)))
        filled = wide.T.ffill().bfill().T  # a missing year takes the previous year's value, else the next's
        long = filled[years].stack(future_stack=True).rename(name).reset_index()
        frame = frame.merge(long, on=KEYS, how="left")
    if store.regiocode is not None:  # counts: a regio's is its gemeenten's sum (CBS gives no regio row)
        per_gemeente = frame[frame["niveau"] == "gemeente"].groupby("peiljaar")[list(catalog.basis)].sum(min_count=1)
        regio = frame["niveau"] == "regio"
        for name in catalog.basis:
            frame.loc[regio, name] = frame.loc[regio, name].fillna(frame.loc[regio, "peiljaar"].map(per_gemeente[name]))
    return frame


def _figures(store: Datapakhuis, catalog: Catalog, indicator: Indicator, computed: dict) -> pd.DataFrame:
    """teller, noemer, waarde, records, ontbrekend of one indicator, as its formula kind computes them."""
    return FIGURES[formula(indicator.kind).figures](store, catalog, indicator, computed)


def _term_figures(store: Datapakhuis, catalog: Catalog, indicator: Indicator, computed: dict) -> pd.DataFrame:
    """Numerator over denominator, each evaluated from the indicator's terms."""
    terms = indicator.terms
    numerator = evaluate(store, catalog, terms.get("numerator") or terms["value"], computed=computed)
    denominator = DENOMINATORS[formula(indicator.kind).denominator](store, catalog, indicator, numerator, computed)
    figures = _join(numerator, denominator)
    if indicator.weighted:
        figures["waarde"] = figures["teller"]
        figures["teller"] = figures["teller"] * figures["noemer"]
    else:
        figures["waarde"] = value_from(indicator.kind, figures["teller"], figures["noemer"], indicator.factor)
    numerator = terms.get("numerator")
    if numerator is not None and numerator.kind == "set":  # how many records make up the numerator
        counted = evaluate(store, catalog, numerator, measure="count" if numerator.field else "value")
        figures = figures.merge(counted.rename(columns={"waarde": "aantal"}), on=KEYS, how="left")
    return figures.merge(_record_counts(store, catalog, indicator), on=KEYS, how="left")


def _slot_denominator(store, catalog, indicator, numerator, computed) -> pd.DataFrame:
    term = indicator.terms.get("denominator") or indicator.terms.get("weight")
    if term is None:
        return numerator.assign(waarde=np.nan)
    return evaluate(store, catalog, term, computed=computed)


def _count_denominator(store, catalog, indicator, numerator, computed) -> pd.DataFrame:
    return evaluate(store, catalog, indicator.terms["numerator"], measure="count", computed=computed)


def _inwoners_denominator(store, catalog, indicator, numerator, computed) -> pd.DataFrame:
    if "denominator" in indicator.terms:
        return _slot_denominator(store, catalog, indicator, numerator, computed)
    return evaluate(store, catalog, catalog.basis["inwoners"])


#: how a formula kind finds its denominator (:attr:`Formula.denominator`)
DENOMINATORS = {
    "slot": _slot_denominator,
    "count": _count_denominator,
    "inwoners": _inwoners_denominator,
    "none": lambda store, catalog, indicator, numerator, computed: numerator.assign(waarde=np.nan),
}


def _join(numerator: pd.DataFrame, denominator: pd.DataFrame) -> pd.DataFrame:
    """Numerator and denominator side by side; a timeless side is joined to every peiljaar of the other."""
    numerator = numerator.rename(columns={"waarde": "teller"})
    denominator = denominator.rename(columns={"waarde": "noemer"})
    if (denominator["peiljaar"] == TIMELESS).all():
        return numerator.merge(denominator.drop(columns="peiljaar"), on=["niveau", "gebiedscode"], how="left")
    if (numerator["peiljaar"] == TIMELESS).all():
        return denominator.merge(numerator.drop(columns="peiljaar"), on=["niveau", "gebiedscode"], how="left")
    return numerator.merge(denominator, on=KEYS, how="inner")


def _record_counts(store: Datapakhuis, catalog: Catalog, indicator: Indicator) -> pd.DataFrame:
    """Records used per area and how many lack the field the indicator reads (data quality)."""
    term = indicator.terms.get("numerator") or indicator.terms.get("value")
    if term is None or term.kind != "set":
        main = indicator.terms.get("value") or indicator.terms.get("numerator")
        if main is not None and main.kind == "cbs":
            values = evaluate(store, catalog, main)
            return values.assign(records=np.nan, ontbrekend=values["waarde"].isna().astype(float))[
                KEYS + ["records", "ontbrekend"]]
        return pd.DataFrame({"peiljaar": pd.Series(dtype=int), "niveau": pd.Series(dtype=str),
                             "gebiedscode": pd.Series(dtype=str), "records": pd.Series(dtype=float),
                             "ontbrekend": pd.Series(dtype=float)})
    whole_set = Term("set", term.name)  # before the term's own filters
    used = evaluate(store, catalog, whole_set).rename(columns={"waarde": "records"})
    missing = evaluate(store, catalog, Term("set", term.name, field=term.field), measure="missing")
    return used.merge(missing.rename(columns={"waarde": "ontbrekend"}), on=KEYS)


def _proximity(store: Datapakhuis, catalog: Catalog, indicator: Indicator, computed: dict) -> pd.DataFrame:
    """Mean distance to, or share within a radius of, the nearest target, over the origins of each area."""
    origins = select(store, catalog, indicator.terms["origins"])
    targets = select(store, catalog, indicator.terms["targets"])
    distances = pd.Series(nearest_distances(origins, targets), index=origins.index)
    years = [store.snapshot_year]
    if "radius_m" in formula(indicator.kind).options:  # coverage: the share within the radius
        measured = (distances <= indicator.radius_m).astype(float)
    else:
        measured = distances.where(np.isfinite(distances), np.nan).fillna(0.0)
    figures = aggregate(store, origins, pd.DataFrame({"teller": measured, "noemer": 1.0}), years)  # in one pass
    figures["waarde"] = value_from(indicator.kind, figures["teller"], figures["noemer"], indicator.factor)
    return figures.assign(records=figures["noemer"], ontbrekend=0.0)


def _median(store: Datapakhuis, catalog: Catalog, indicator: Indicator, computed: dict) -> pd.DataFrame:
    """The median of a field per area, from the area's own records (a median does not add up)."""
    term = indicator.terms["numerator"]
    records = select(store, catalog, term)
    years = set_years(store, catalog, term.name)
    medians = per_level(store, records, records[term.field].astype(float), "median")
    counts = _record_counts(store, catalog, indicator)
    figures = grid(store, years).merge(medians, on=KEYS, how="left").merge(counts, on=KEYS, how="left")
    return figures.assign(teller=figures["waarde"] * indicator.factor, noemer=np.nan,
                          waarde=figures["waarde"] * indicator.factor)


#: how a formula kind computes its figures (:attr:`Formula.figures`)
FIGURES = {"terms": _term_figures, "proximity": _proximity, "median": _median}

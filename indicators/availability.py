"""Which indicators a build can compute from the sources it has.

Only boundaries are required: kerncijfers, BAG, rasters and registrations are
optional. An indicator whose source is absent, empty or has no record in the
gemeente is *niet beschikbaar* — it is never computed as 0. CBS figures are
computed only at the levels the kerncijfers have rows for (wijk rows without
buurt rows is normal), and a CBS variable absent in one peiljaar makes its
indicators niet beschikbaar for that year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from wijkatlas.indicators.catalog import LEVELS, Catalog, Indicator, Term
from wijkatlas.indicators.formulas import formula
from wijkatlas.indicators.terms import Datapakhuis

NOT_AVAILABLE = "niet beschikbaar"


@dataclass(frozen=True)
class Availability:
    """What can be computed: per indicator why not, its levels, and the peiljaren it lacks."""

    #: indicator -> why it cannot be computed at all (Dutch, for the summary and the definitions)
    reasons: dict[str, str] = field(default_factory=dict)
    #: indicator -> the levels it is computed at
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: indicator -> {peiljaar: why that year is missing}
    missing_years: dict[str, dict[int, str]] = field(default_factory=dict)

    def available(self, indicator_id: str) -> bool:
        """Whether the indicator can be computed at all."""
        return indicator_id not in self.reasons

    def note(self, indicator_id: str) -> str:
        """The indicator's availability in one Dutch line (empty when it is complete)."""
        if indicator_id in self.reasons:
            return f"{NOT_AVAILABLE} — {self.reasons[indicator_id]}"
        years = self.missing_years.get(indicator_id, {})
        return "; ".join(f"{NOT_AVAILABLE} voor {year} — {reason}" for year, reason in sorted(years.items()))


def availability(store: Datapakhuis, catalog: Catalog) -> Availability:
    """Check every indicator's terms against the layers and kerncijfers of ``store``."""
    kerncijfers = store.layers.get("kerncijfers")
    cbs_years = sorted(kerncijfers["peiljaar"].dropna().unique().astype(int).tolist()) if kerncijfers is not None \
        and len(kerncijfers) else []
    found = (kerncijfers.groupby("variabele")["peiljaar"].agg(lambda y: set(y.astype(int)))
             if cbs_years else pd.Series(dtype=object))
    cbs_levels = tuple(level for level in LEVELS if cbs_years and (kerncijfers["soort_regio"] == level).any())
    if "gemeente" in cbs_levels:
        cbs_levels += ("regio",)  # from its gemeenten's figures
    result = Availability()

    def term_problem(term: Term) -> str | None:
        if term.kind == "indicator":
            visit(catalog.indicators[term.name])
            return result.reasons.get(term.name)
        return _source_problem(store, catalog, term)

    def visit(indicator: Indicator) -> None:
        if indicator.id in result.levels or indicator.id in result.reasons:
            return
        terms = list(indicator_terms(indicator, catalog))
        problems = list(dict.fromkeys(p for p in map(term_problem, terms) if p))
        if problems:
            result.reasons[indicator.id] = "; ".join(problems)
            return
        levels = tuple(level for level in indicator.levels if level in store.levels)
        if any(t.kind == "cbs" for t in terms):
            levels = tuple(level for level in levels if level in cbs_levels)
        for term in (t for t in terms if t.kind == "indicator"):
            levels = tuple(level for level in levels if level in result.levels[term.name])
            result.missing_years.setdefault(indicator.id, {}).update(result.missing_years.get(term.name, {}))
        if not levels:
            result.reasons[indicator.id] = f"kerncijfers hebben geen rijen op niveau {', '.join(indicator.levels)}"
            return
        result.levels[indicator.id] = levels
        for term in (t for t in terms if t.kind == "cbs"):
            for year in sorted(set(cbs_years) - found[term.name]):
                result.missing_years.setdefault(indicator.id, {})[year] = \
                    f"CBS-variabele {term.name} ontbreekt in de kerncijfers van {year}"
        if not result.missing_years.get(indicator.id):
            result.missing_years.pop(indicator.id, None)

    for indicator in catalog.indicators.values():
        visit(indicator)
    return result


def basis_available(store: Datapakhuis, catalog: Catalog, term: Term) -> bool:
    """Whether a basis figure's source is present (an absent one leaves the figure empty: suppressed)."""
    return _source_problem(store, catalog, term) is None


def _source_problem(store: Datapakhuis, catalog: Catalog, term: Term) -> str | None:
    """Why the source of a term (not another indicator) is missing from the build, or ``None``."""
    if term.kind in ("set", "located"):
        return _layer_problem(store, catalog.sets[term.name].layer)
    if term.kind == "cbs":
        kerncijfers = store.layers.get("kerncijfers")
        if kerncijfers is None or kerncijfers.empty:
            return "bron kerncijfers ontbreekt"
        if not (kerncijfers["variabele"] == term.name).any():
            return f"CBS-variabele {term.name} ontbreekt in de kerncijfers"
        return None
    if term.kind == "raster":
        return None if f"raster_{term.name}" in store.layers else f"raster '{term.name}' ontbreekt"
    return None


def indicator_terms(indicator: Indicator, catalog: Catalog) -> list[Term]:
    """The indicator's own terms, and the inwoners a ``per_1000`` without denominator divides by."""
    terms = list(indicator.terms.values())
    if formula(indicator.kind).denominator == "inwoners" and "denominator" not in indicator.terms:
        terms.append(catalog.basis["inwoners"])
    return terms


def _layer_problem(store: Datapakhuis, layer: str) -> str | None:
    """Why a layer of records cannot be used: absent, empty, or without a record in the gemeente."""
    if layer not in store.layers:
        return f"bron '{layer}' ontbreekt"
    reconciliation = store.layers.get("reconciliatie")
    counts = reconciliation.set_index("bron").loc[layer] if reconciliation is not None and layer in set(
        reconciliation["bron"]) else None
    if counts is not None and counts["gelezen"] == 0:
        return f"bron '{layer}' is leeg"
    if counts is not None and counts["toegewezen"] == 0:
        return (f"bron '{layer}' heeft geen records in de gemeente ({counts['gelezen']} gelezen, "
                f"{counts['buiten']} buiten, {counts['afgekeurd']} afgekeurd)")
    if counts is None and store.layers[layer]["buurtcode"].notna().sum() == 0:
        return f"bron '{layer}' heeft geen records in de gemeente"
    return None

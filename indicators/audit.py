"""The attacker's audit: how narrowly each hidden count can be pinned down from what is public.

Everything the public product shows of an indicator is a statement about a
count per area and peiljaar (its numerator): a published count itself, exactly
or rounded; a published rate or share times its published denominator; the
hierarchy (a wijk's count is the sum of its buurten's, the gemeente's of its
wijken'); categories (the meldingen of one category are at most all meldingen,
and disjoint categories add up to at most the total); and what a status says
(a hidden count is a whole number of at least 0). Over all of these, for every
hidden count, integer programming (SciPy's HiGHS) finds the smallest and the
largest value it can take. A hidden count is safe when that interval holds at
least :data:`PROTECTION` + 1 whole numbers — so neither a small count nor any
other is pinned or narrowed to a handful of values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from wijkatlas.indicators.catalog import Catalog, Indicator, Term
from wijkatlas.indicators.formulas import formula, is_total
from wijkatlas.vocabulary import is_suppressed

#: a hidden count must stay compatible with at least this many values besides its lowest (0..5: six values)
PROTECTION = 5
#: counts a rounded figure may stand for: v - 2 .. v + 2 when rounded half up to multiples of 5
ROUNDING_SLACK = 2.5
#: stands for "no upper bound" in the integer programs
UNBOUNDED = 1e9

KEYS = ["indicator", "peiljaar", "niveau", "gebiedscode"]


@dataclass(frozen=True)
class Family:
    """Indicators whose numerators count the same records: one whole set and its disjoint categories."""

    whole: str | None
    categories: tuple[str, ...]
    #: whether a parent's count is the sum of its children's (own records: yes; CBS's rounded counts: no)
    adds_up: bool = True


def count_indicators(catalog: Catalog) -> dict[str, Term]:
    """Indicators whose figure is a count or a rate of a count of records, with that count's term."""
    found = {}
    for indicator in catalog.indicators.values():
        term = indicator.terms.get("numerator") or indicator.terms.get("value")
        if term is None or term.field is not None:
            continue
        if term.kind == "set" or (term.kind == "cbs" and is_total(indicator.kind, additive=indicator.additive)):
            found[indicator.id] = term
    return found


def audit(public: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame, *,
          protection: int = PROTECTION) -> pd.DataFrame:
    """Bounds of every hidden count the public figures imply.

    Parameters
    ----------
    public
        The openbaar figures in long form (``indicatoren_lang_openbaar``: indicator,
        peiljaar, niveau, gebiedscode, waarde, status) — everything any public file shows.
    areas
        niveau, gebiedscode, wijkcode of every area.

    Returns
    -------
    pandas.DataFrame
        One row per hidden count: indicator, peiljaar, niveau, gebiedscode, laag and hoog
        (the smallest and largest value consistent with everything public; ``inf``
        when unbounded), veilig (at least ``protection`` + 1 whole numbers apart).
    """
    denominators = _published_denominators(public, catalog)
    parent_of = parent_cells(areas)
    results = [_audit_family(rows, catalog, parent_of, family, denominators, year, protection)
               for year, family, rows in _groups(public, catalog)]
    columns = [*KEYS, "laag", "hoog", "veilig"]
    return pd.concat(results, ignore_index=True)[columns] if results else pd.DataFrame(columns=columns)


def protect_by_audit(public: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame, *, seed: int,
                     protection: int = PROTECTION) -> list:
    """Hide more published counts until the audit finds every hidden count safe.

    For every count that is not safe, one published cell that shares an equation with it
    is hidden (see :func:`_cover`): the one with the smallest figure, weighted by a random
    factor from ``seed`` (derived from data an outsider does not have) so that the choice
    cannot be predicted from what is published. Then the audit runs again.

    Returns
    -------
    list
        The index labels of ``public`` to hide in addition.
    """
    denominators = _published_denominators(public, catalog)
    parent_of = parent_cells(areas)
    rng = np.random.default_rng(seed)
    extra = []
    for year, family, rows in _groups(public, catalog):
        rows = rows.copy()
        while True:
            found = _audit_family(rows, catalog, parent_of, family, denominators, year, protection)
            unsafe = found[~found["veilig"]]
            choices = {_cover(rows, cell, parent_of, rng) for _, cell in unsafe.iterrows()} - {None}
            if not choices:  # all safe, or nothing left that could protect them
                break
            for choice in sorted(choices):
                rows.loc[choice, ["status", "waarde"]] = ["geheim", np.nan]
                extra.append(choice)
    return extra


def _groups(public: pd.DataFrame, catalog: Catalog) -> Iterator[tuple[int, Family, pd.DataFrame]]:
    """(peiljaar, family, its rows) for every family of count indicators with a hidden count that year."""
    terms = count_indicators(catalog)
    families = _families(catalog, terms)
    for year, figures in public[public["indicator"].isin(terms)].groupby("peiljaar"):
        for family in families:
            members = [i for i in (family.whole, *family.categories) if i is not None]
            rows = figures[figures["indicator"].isin(members)]
            if len(rows) and is_suppressed(rows["status"]).any():
                yield int(year), family, rows


def _cover(rows: pd.DataFrame, cell: pd.Series, parent_of: dict[str, str], rng: np.random.Generator):
    """A published cell of the same indicator that shares an equation with ``cell``, nearest first.

    A published child (the cell is the sum of its children); else a published sibling under
    the same parent; when every sibling is hidden, the parent itself or, when that is hidden
    too, a sibling of the parent, and so on up.
    """
    key: str | None = f"{cell['niveau']}:{cell['gebiedscode']}"
    same = rows[(rows["indicator"] == cell["indicator"]) & ~is_suppressed(rows["status"]) & rows["waarde"].notna()]
    keys = same["niveau"] + ":" + same["gebiedscode"]
    children = same[keys.map(parent_of).eq(key)]
    if len(children):
        cost = children["waarde"].abs().to_numpy() * (1 + rng.random(len(children)))
        return children.index[int(np.argmin(cost))]
    while key is not None:
        parent = parent_of.get(key)
        candidates = same[keys.map(parent_of).eq(parent) & (keys != key)] if parent is not None else same.iloc[:0]
        if candidates.empty and parent is not None:
            candidates = same[keys == parent]
        if len(candidates):
            cost = candidates["waarde"].abs().to_numpy() * (1 + rng.random(len(candidates)))
            return candidates.index[int(np.argmin(cost))]
        key = parent
    return None


def _families(catalog: Catalog, terms: dict[str, Term]) -> list[Family]:
    """Count indicators grouped by the set they count: the whole set and its categories on one field."""
    by_set: dict[str, list[str]] = {}
    for indicator_id, term in terms.items():
        by_set.setdefault(f"{term.kind}:{term.name}", []).append(indicator_id)
    families = []
    for members in by_set.values():
        whole = [i for i in members if not terms[i].where]
        parts = [i for i in members if terms[i].where and len(terms[i].where) == 1]
        fields = {terms[i].where[0][0] for i in parts}
        adds_up = terms[members[0]].kind == "set"
        if whole and len(fields) == 1 and len({terms[i].where[0][1] for i in parts}) == len(parts):
            families.append(Family(whole[0], tuple(parts), adds_up))
        else:  # no declared category structure: each on its own
            families += [Family(i, (), adds_up) for i in members]
    return families


def _published_denominators(public: pd.DataFrame, catalog: Catalog) -> dict[tuple, tuple[float, float]]:
    """(term, peiljaar, niveau, gebiedscode) -> interval of the value a published count indicator shows."""
    found = {}
    for indicator_id, term in count_indicators(catalog).items():
        rows = public[(public["indicator"] == indicator_id) & ~is_suppressed(public["status"]) & public["waarde"].notna()]
        rounded = rows["status"].astype("string").str.startswith("afgerond").fillna(False)
        factor = catalog.indicators[indicator_id].factor
        for row, is_rounded in zip(rows.itertuples(), rounded, strict=True):
            value = row.waarde / factor
            slack = ROUNDING_SLACK if is_rounded else 0.0
            found[(term, row.peiljaar, row.niveau, row.gebiedscode)] = (value - slack, value + slack)
    return found


def status_interval(status: str, indicator: Indicator) -> tuple[float, float]:
    """The counts a hidden cell's status allows: a status that says "small" says 1 .. min_count - 1."""
    rule = indicator.disclosure
    if str(status) == "geheim_klein_aantal" and rule.min_count:
        return 1.0, float(rule.min_count - 1)
    if str(status) == "geheim_klein_aantal" and rule.secret_range:
        return float(rule.secret_range[0]), float(rule.secret_range[1])
    return 0.0, UNBOUNDED


def identity_leaks(public: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Hidden ratios whose numerator and denominator are both published for the same area and peiljaar.

    A hidden density is published inhabitants over the published area; a hidden rate per 1 000 of a
    published count of 0 is 0. Each row names the published count whose hiding closes the leak: the
    numerator when it counts records, else the denominator unless that is the number of inhabitants.

    Returns
    -------
    pandas.DataFrame
        The hidden ratio's indicator, peiljaar, niveau, gebiedscode, and ``verberg`` (the count to hide).
    """
    counts = {term: indicator_id for indicator_id, term in count_indicators(catalog).items()
              if formula(catalog.indicators[indicator_id].kind).scale is None}
    published = public[~is_suppressed(public["status"]) & public["waarde"].notna()]
    shown = set(zip(published["indicator"], published["peiljaar"], published["gebiedscode"], strict=True))
    hidden = public[is_suppressed(public["status"])]
    leaks = []
    for indicator in catalog.indicators.values():
        if formula(indicator.kind).scale is None or indicator.kind not in ("share", "ratio", "per_1000"):
            continue
        numerator = indicator.terms.get("numerator")
        denominator = indicator.terms.get("denominator") or catalog.basis["inwoners"]
        sides: list[tuple[str, str | None]] = []
        for term in (numerator, denominator):
            if term is not None and term.kind == "area":
                sides.append(("area", None))
            else:
                sides.append(("count", counts.get(term)))
        if any(kind == "count" and found is None for kind, found in sides):
            continue  # a side that is not published as a figure of its own
        for row in hidden[hidden["indicator"] == indicator.id].itertuples():
            open_sides = [found for kind, found in sides
                          if kind == "area" or (found, row.peiljaar, row.gebiedscode) in shown]
            if len(open_sides) < 2:
                continue
            records = [f for kind, f in sides if kind == "count" and f and count_indicators(catalog)[f].kind == "set"]
            others = [f for kind, f in sides if kind == "count" and counts.get(catalog.basis["inwoners"]) != f]
            cover = (records or others or [f for kind, f in sides if kind == "count"])[0]
            leaks.append({"indicator": indicator.id, "peiljaar": row.peiljaar, "niveau": row.niveau,
                          "gebiedscode": row.gebiedscode, "verberg": cover})
    return pd.DataFrame(leaks, columns=[*KEYS, "verberg"])


def rounding_leaks(public: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Published ratios that rounded counts cannot have produced: computed from exact counts, they give them back.

    For an indicator whose rule rounds its numerator to a step, the published value times the
    published denominator must be a multiple of that step.
    """
    denominators = _published_denominators(public, catalog)
    leaks = []
    for indicator in catalog.indicators.values():
        step = indicator.disclosure.round_teller
        if not step or formula(indicator.kind).scale is None:
            continue
        denominator = indicator.terms.get("denominator") or (
            catalog.basis["inwoners"] if formula(indicator.kind).denominator == "inwoners" else None)
        rows = public[(public["indicator"] == indicator.id) & public["waarde"].notna()]
        for row in rows.itertuples():
            known = denominators.get((denominator, row.peiljaar, row.niveau, row.gebiedscode))
            if known is None or known[1] - known[0] > 0:  # denominator itself rounded: nothing exact to undo
                published = (known[0] + known[1]) / 2 if known else None
            else:
                published = known[0]
            if not published:
                continue
            numerator = row.waarde * published / (formula(indicator.kind).scale * indicator.factor)
            if abs(numerator / step - round(numerator / step)) > 1e-6:
                leaks.append({"indicator": indicator.id, "peiljaar": row.peiljaar, "niveau": row.niveau,
                              "gebiedscode": row.gebiedscode, "teller": numerator})
    return pd.DataFrame(leaks, columns=[*KEYS, "teller"])


def _count_interval(indicator: Indicator, row: pd.Series, denominators: dict, catalog: Catalog
                    ) -> tuple[float, float] | None:
    """What a published figure says about its count: an interval, or ``None`` when it says nothing usable."""
    value = row["waarde"]
    scale = formula(indicator.kind).scale
    rounded_status = str(row["status"]) if isinstance(row["status"], str) else ""
    if scale is None:  # the figure is the count itself
        count = value / indicator.factor
        slack = ROUNDING_SLACK if rounded_status.startswith("afgerond:") else 0.0
        return count - slack, count + slack
    denominator = indicator.terms.get("denominator") or (
        catalog.basis["inwoners"] if formula(indicator.kind).denominator == "inwoners" else None)
    if denominator is None:
        return None
    known = denominators.get((denominator, row["peiljaar"], row["niveau"], row["gebiedscode"]))
    if known is None:
        return None
    step = scale * indicator.factor
    if rounded_status.startswith("afgerond_aantallen"):  # computed from the published (rounded) denominator
        numerator = value * (known[0] + known[1]) / 2 / step
        slack = ROUNDING_SLACK if indicator.disclosure.round_teller else 0.0
        return numerator - slack, numerator + slack
    return value * known[0] / step, value * known[1] / step


def _audit_family(rows: pd.DataFrame, catalog: Catalog, parent_of: dict[str, str], family: Family,
                  denominators: dict, year: int, protection: int) -> pd.DataFrame:
    """One integer program per family and peiljaar: a variable per (indicator, area) count."""
    rows = rows.reset_index(drop=True)
    cells = {(r.indicator, r.niveau, r.gebiedscode): i for i, r in enumerate(rows.itertuples())}
    lower = np.zeros(len(rows))
    upper = np.full(len(rows), UNBOUNDED)
    hidden = is_suppressed(rows["status"]).to_numpy()
    for i, row in rows.iterrows():
        if hidden[i]:  # what a status says of the count (one status for every hidden count says nothing)
            lower[i], upper[i] = status_interval(row["status"], catalog.indicators[row["indicator"]])
            continue
        if pd.isna(row["waarde"]):
            continue
        interval = _count_interval(catalog.indicators[row["indicator"]], row, denominators, catalog)
        if interval is not None:
            lower[i] = max(0.0, np.ceil(interval[0] - 1e-6))
            upper[i] = np.floor(interval[1] + 1e-6)
    matrix, low, high = [], [], []

    def relation(coefficients: dict[int, float], lo: float, hi: float) -> None:
        line = np.zeros(len(rows))
        for position, coefficient in coefficients.items():
            line[position] += coefficient
        matrix.append(line)
        low.append(lo)
        high.append(hi)

    for (indicator, niveau, code), position in cells.items() if family.adds_up else ():
        children = [cells[(indicator, n, c)] for (i, n, c) in cells if i == indicator
                    and parent_of.get(f"{n}:{c}") == f"{niveau}:{code}"]
        if children:
            relation({position: 1.0, **{child: -1.0 for child in children}}, 0.0, 0.0)
    if family.whole is not None and family.categories:
        for (indicator, niveau, code), position in cells.items():
            if indicator != family.whole:
                continue
            parts = {cells[(c, niveau, code)]: -1.0 for c in family.categories if (c, niveau, code) in cells}
            relation({position: 1.0, **parts}, 0.0, np.inf)  # disjoint categories add up to at most the total
    constraints = [LinearConstraint(np.array(matrix), low, high)] if matrix else []
    bounds = Bounds(lower, upper)
    integrality = np.ones(len(rows))
    found = []
    for i in np.flatnonzero(hidden):
        objective = np.zeros(len(rows))
        objective[i] = 1.0
        smallest = milp(objective, constraints=constraints, bounds=bounds, integrality=integrality)
        largest = milp(-objective, constraints=constraints, bounds=bounds, integrality=integrality)
        lo = smallest.x[i] if smallest.success else 0.0
        hi = largest.x[i] if largest.success else np.inf
        hi = np.inf if hi >= UNBOUNDED - 1 else hi
        found.append({**rows.loc[i, KEYS].to_dict(), "laag": round(lo), "hoog": hi,
                      "veilig": bool(hi - lo >= protection)})
    return pd.DataFrame(found).assign(peiljaar=year)


def parent_cells(areas: pd.DataFrame) -> dict[str, str]:
    """Cell key (``niveau:code``) -> its parent's cell key, from niveau, gebiedscode and wijkcode of every area."""
    gemeente = "gemeente:" + areas.loc[areas["niveau"] == "gemeente", "gebiedscode"].iloc[0]
    parents = {}
    for row in areas.itertuples():
        if row.niveau == "buurt":
            parents[f"buurt:{row.gebiedscode}"] = f"wijk:{row.wijkcode}"
        elif row.niveau == "wijk":
            parents[f"wijk:{row.gebiedscode}"] = gemeente
    return parents

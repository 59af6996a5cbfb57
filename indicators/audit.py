"""The attacker's audit: how narrowly each hidden count can be pinned down from what is public.

Everything the public product shows of a count indicator is a statement about
one underlying count per record set (its term), peiljaar and area: a published
count itself, exactly or rounded; a published rate or share times its published
denominator; the hierarchy (a wijk's count is the sum of its buurten's, the
gemeente's of its wijken'); categories (disjoint categories of one set add up
to at most the whole set); and what a status says (a hidden count is a whole
number of at least 0). Two indicators on the same term (``sportvoorzieningen``
and ``sportvoorzieningen_per_1000``) show the same count, so they are one
variable of the model.

A hidden count is safe when, over all of these with integrality, its feasible
interval holds at least its rule's ``protection`` + 1 whole numbers (5 unless
the rule says otherwise). Counts published exactly are constants, so the model
falls apart into small independent components (per gemeente, set and peiljaar,
and usually far smaller), and :meth:`CountModel.bounds` decides in three steps:
propagation of the relations (outer bounds: too narrow is unsafe), programs over
all components at once (SciPy's HiGHS; values a count can take: far enough
apart is safe; one program serves every component, as the sum of independent
counts is smallest when each is), and exact bounds one count per component per
round for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from wijkatlas.forked import forked_map
from wijkatlas.indicators.catalog import Catalog, Indicator, Term, denominator_term
from wijkatlas.indicators.formulas import formula, is_total
from wijkatlas.vocabulary import is_suppressed

#: counts a rounded figure may stand for: v - 2 .. v + 2 when rounded half up to multiples of 5
ROUNDING_SLACK = 2.5
#: stands for "no upper bound" in the integer programs
UNBOUNDED = 1e9
#: a largest value this far above the smallest is reported as unbounded
FAR = 1e6

KEYS = ["indicator", "peiljaar", "niveau", "gebiedscode"]
AUDIT_COLUMNS = [*KEYS, "laag", "hoog", "veilig", "tegenstrijdig"]


@dataclass(frozen=True)
class Family:
    """Count terms of one record set: the whole set and its disjoint categories."""

    whole: Term | None
    categories: tuple[Term, ...]
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


def audit(public: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame, *, exact: bool = False,
          workers: int = 1) -> pd.DataFrame:
    """Bounds of every hidden count the public figures imply.

    Parameters
    ----------
    public
        The openbaar figures in long form (``indicatoren_lang_openbaar``: indicator,
        peiljaar, niveau, gebiedscode, waarde, status) — everything any public file shows.
    areas
        niveau, gebiedscode, wijkcode of every area.
    exact
        Exact bounds for every hidden count; otherwise only for the unsafe ones (see
        :meth:`CountModel.bounds`) — which counts are safe is exact either way.
    workers
        Processes to share the gemeenten between (see :func:`per_gemeente`).

    Returns
    -------
    pandas.DataFrame
        One row per hidden count: indicator, peiljaar, niveau, gebiedscode, laag and hoog
        (the smallest and largest value consistent with everything public; ``inf``
        when unbounded), veilig (at least the rule's protection + 1 whole numbers apart)
        and tegenstrijdig (the public figures contradict the model: nothing could be bounded).
    """
    def audit_part(inside: set[str] | None) -> pd.DataFrame:
        part = (public, areas) if inside is None else (public[public["gebiedscode"].isin(inside)],
                                                       areas[areas["gebiedscode"].isin(inside)])
        model = CountModel(part[0], catalog, part[1])
        return model.report(model.bounds(model.hidden_components(), exact=exact))

    return pd.concat(per_gemeente(audit_part, areas, workers), ignore_index=True)


def protect_by_audit(public: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame, *, seed: int,
                     suspects: pd.Index | None = None) -> list:
    """Hide more published counts until the audit finds every hidden count safe.

    For every count that is not safe, published counts that share a relation with it are
    hidden (see :meth:`CountModel.cover`), chosen with a random factor from ``seed`` (derived
    from data an outsider does not have) so that the choice cannot be predicted from what is
    published. Hiding a figure only widens what can be inferred, so a
    count once proven safe stays safe: after a round of covers only the counts that were not
    safe and the new ones are audited again. ``suspects`` (labels of ``public``) limits the
    first audit in the same way when the rest is known to be safe already.

    Returns
    -------
    list
        The index labels of ``public`` to hide in addition.
    """
    model = CountModel(public, catalog, areas)
    if suspects is None:
        bounds = model.bounds(model.hidden_components())
    else:
        suspect = model.rows["var"].to_numpy()[np.isin(model.labels, suspects)]
        bounds = model.bounds(np.unique(model.component[suspect]), only=suspect)
    extra: list = []
    while True:
        unsafe = bounds.index[(bounds["hoog"] - bounds["laag"]) < model.protection[bounds.index]]
        choices = sorted({c for v in unsafe for c in model.cover(int(v), seed)})
        if not choices:  # all safe, or nothing left that could protect them
            return extra
        extra += model.hide(choices)
        # hiding only widens what is possible: a count proven safe stays safe; check the others and the new ones
        again = np.union1d(unsafe.to_numpy(), choices)
        bounds = pd.concat([bounds.drop(index=again, errors="ignore"),
                            model.bounds(np.unique(model.component[again]), only=again)])


class CountModel:
    """What the public figures say about every count: bounds per count and linear relations between them.

    A variable is one count: (term, peiljaar, niveau, gebiedscode). Relations are rows of a
    sparse matrix with lower and upper limits; variables published exactly are constants.
    """

    def __init__(self, public: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame) -> None:
        terms = count_indicators(catalog)
        rows = public[public["indicator"].isin(list(terms))]
        self.labels = rows.index.to_numpy()
        rows = rows.reset_index(drop=True)
        self.rows = rows[KEYS].copy()
        term_of = pd.Series({i: repr(t) for i, t in terms.items()})
        self.rows["term"] = rows["indicator"].map(term_of)
        self.rows["var"] = self.rows.groupby(["term", "peiljaar", "niveau", "gebiedscode"], sort=False).ngroup()
        self.row_hidden = is_suppressed(rows["status"]).to_numpy().copy()
        self.row_shown = ~self.row_hidden & rows["waarde"].notna().to_numpy()
        count = self.rows["var"].max() + 1 if len(rows) else 0
        variables = self.rows.drop_duplicates("var").set_index("var").sort_index()
        self.variables = variables[["term", "peiljaar", "niveau", "gebiedscode"]]
        #: a number per count from its key alone, to seed its random choices
        self.key_hash = (pd.util.hash_pandas_object(self.variables, index=False).to_numpy() % 2**32).astype(np.int64)
        low, high = _row_bounds(rows, catalog, terms)
        var = self.rows["var"].to_numpy()
        self.lower = np.zeros(count)
        self.upper = np.full(count, UNBOUNDED)
        np.maximum.at(self.lower, var, low)
        np.minimum.at(self.upper, var, high)
        self.upper = np.maximum(self.upper, self.lower)  # rounding in the figures themselves: take the nearest
        self.hidden = np.zeros(count, bool)
        self.hidden[var[self.row_hidden]] = True
        rule = {i: catalog.indicators[i].disclosure.protection for i in terms}
        #: the protection each figure's rule asks; a count's is the largest of its hidden figures'
        self.row_protection = rows["indicator"].map(rule).to_numpy(int)
        self.protection = np.zeros(count, int)
        np.maximum.at(self.protection, var, self.row_protection * self.row_hidden)
        self.matrix, self.low, self.high = _relations(self.variables, {repr(t): t for t in terms.values()},
                                                      parent_cells(areas))
        self.by_column = self.matrix.tocsc()
        #: how many published figures show each count
        self.shown = np.bincount(var[self.row_shown], minlength=count)
        #: bounds every whole-number solution keeps to, from the last propagation (see :meth:`bounds`)
        self.outer_low = self.lower.copy()
        self.outer_high = np.where(self.upper >= UNBOUNDED, np.inf, self.upper)
        self._connect()

    # -- structure ---------------------------------------------------------------------------------------------

    def _connect(self) -> None:
        """Components of the counts that are not known exactly, linked by the relations they share."""
        free = self.hidden | (self.lower < self.upper)
        incidence = (self.matrix[:, free] != 0).astype(float)
        graph = sparse.bmat([[None, incidence.T], [incidence, None]], format="csr")
        _, labels = connected_components(graph, directed=False) if graph.shape[0] else (0, np.zeros(0, int))
        self.component = np.full(len(free), -1)
        self.component[free] = labels[: int(free.sum())]

    def hidden_components(self) -> np.ndarray:
        """The components that hold a hidden count."""
        return np.unique(self.component[self.hidden])

    def hide(self, variables: list[int]) -> list:
        """Hide every published figure of ``variables``; returns the labels of the public rows hidden."""
        rows = np.flatnonzero(np.isin(self.rows["var"].to_numpy(), variables) & self.row_shown)
        self.row_shown[rows] = False
        self.row_hidden[rows] = True
        self.shown[variables] = 0
        self.hidden[variables] = True
        self.lower[variables] = self.outer_low[variables] = 0.0
        self.upper[variables] = UNBOUNDED
        self.outer_high[variables] = np.inf
        np.maximum.at(self.protection, self.rows["var"].to_numpy()[rows], self.row_protection[rows])
        self._connect()
        return self.labels[rows].tolist()

    def cover(self, variable: int, seed: int) -> list[int]:
        """Published counts whose hiding widens ``variable``'s interval (none when nothing can).

        Its own published figures first (a rate shown beside its hidden count). Else, for each
        relation that pins it (too narrow on its own, by the others' outer bounds), a published
        member at least as large as the protection asks — the smallest such, weighted by a random
        factor so the choice cannot be predicted — or, when none is that large, the largest.
        When no single relation pins it, one such member of any of its relations; when every
        member is hidden, the search goes on from those members. The factor comes from ``seed``
        (derived from data an outsider does not have) and the keys of the counts involved, so
        it does not depend on what else is protected in the same run.
        """
        if self.shown[variable]:
            return [variable]
        need = self.protection[variable]
        relations = self._relations_of([variable])
        binding = relations[self._implied_widths(relations, variable) < need]
        chosen = [c for relation in binding
                  if (c := self._pick(self._members_of(np.array([relation])), variable, seed, {variable})) is not None]
        if chosen:
            return sorted(set(chosen))
        reached, visited = [variable], {variable}
        while reached:
            members = self._members_of(relations)
            if (found := self._pick(members, variable, seed, visited)) is not None:
                return [found]
            reached = sorted(set(members[self.hidden[members]].tolist()) - visited)
            visited |= set(reached)
            relations = self._relations_of(reached)
        return []

    def _pick(self, members: np.ndarray, variable: int, seed: int, visited: set[int]) -> int | None:
        """Of the published ``members``, the one to hide for ``variable`` (see :meth:`cover`)."""
        candidates = np.array([m for m in members.tolist() if self.shown[m] and m not in visited], dtype=int)
        if not len(candidates):
            return None
        # a count that would be the only unknown in another of its relations is pinned there in turn
        settled = np.array([self._alone_somewhere(c, variable) for c in candidates.tolist()])
        if not settled.all():
            candidates = candidates[~settled]
        values = self.lower[candidates]
        need = self.protection[variable]
        if (values >= need).any():
            candidates, values = candidates[values >= need], values[values >= need]
            return int(candidates[np.argmin(values * (1 + self._uniform(seed, variable, candidates)))])
        return int(candidates[np.argmax(values + self._uniform(seed, variable, candidates))])

    def _alone_somewhere(self, candidate: int, variable: int) -> bool:
        """Whether hiding ``candidate`` would leave it the only unknown in a relation that ``variable`` is not in."""
        pointer, index = self.matrix.indptr, self.matrix.indices
        for relation in self.by_column.indices[self.by_column.indptr[candidate]:self.by_column.indptr[candidate + 1]]:
            members = index[pointer[relation]:pointer[relation + 1]]
            if variable in members:
                continue
            if not any(m != candidate and (self.hidden[m] or self.lower[m] < self.upper[m]) for m in members):
                return True
        return False

    def _uniform(self, seed: int, variable: int, candidates: np.ndarray) -> np.ndarray:
        """A number in [0, 1) per candidate, fixed by ``seed`` and the keys of ``variable`` and the candidate
        (splitmix64 of the three), so the choice for one count does not depend on anything else."""
        with np.errstate(over="ignore"):
            mixed = (np.uint64(seed % 2**64) ^ (np.uint64(self.key_hash[variable]) * np.uint64(0x9E3779B97F4A7C15))
                     ^ self.key_hash[candidates].astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9))
            mixed = (mixed ^ (mixed >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            mixed = (mixed ^ (mixed >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            mixed ^= mixed >> np.uint64(31)
        return (mixed >> np.uint64(11)).astype(float) / 2.0**53

    def _relations_of(self, variables: list[int]) -> np.ndarray:
        pointer, index = self.by_column.indptr, self.by_column.indices
        return np.unique(np.concatenate([index[pointer[v]:pointer[v + 1]] for v in variables]))

    def _members_of(self, relations: np.ndarray) -> np.ndarray:
        pointer, index = self.matrix.indptr, self.matrix.indices
        return np.unique(np.concatenate([index[pointer[r]:pointer[r + 1]] for r in relations]))

    def _implied_widths(self, relations: np.ndarray, variable: int) -> np.ndarray:
        """How wide each relation on its own lets ``variable`` be, given the other members' outer bounds."""
        pointer, index, data = self.matrix.indptr, self.matrix.indices, self.matrix.data
        widths = []
        for relation in relations.tolist():  # a few relations of a few members each: plain loops are fastest
            smallest = largest = 0.0
            own = 1.0
            for k in range(pointer[relation], pointer[relation + 1]):
                member, coefficient = index[k], data[k]
                if member == variable:
                    own = coefficient
                    continue
                ends = (coefficient * self.outer_low[member], coefficient * self.outer_high[member])
                smallest += min(ends)
                largest += max(ends)
            ends = ((self.low[relation] - largest) / own, (self.high[relation] - smallest) / own)
            widths.append(min(max(ends), self.upper[variable]) - max(min(ends), self.lower[variable]))
        return np.array(widths)

    # -- solving -----------------------------------------------------------------------------------------------

    def bounds(self, components: np.ndarray, *, exact: bool = False, only: np.ndarray | None = None) -> pd.DataFrame:
        """laag, hoog and tegenstrijdig of every hidden count in ``components``, indexed by variable.

        Three steps, each cheaper than the next. Propagating the relations gives every count
        outer bounds: one whose outer bounds lie too close is proven unsafe. Programs over all
        components at once (every count as small as possible, then the unproven ones as large as
        possible, with random weights) give values each count can take: one that takes values far enough apart is
        proven safe. Each remaining count gets its exact smallest and largest value, one count
        per component per round. With ``exact``, every count gets its exact bounds; otherwise an
        unsafe count's laag and hoog are its outer bounds and a safe count's two values it can
        take — which counts are safe is exact either way. ``only`` limits the counts bounded.
        """
        targets = np.flatnonzero(self.hidden & np.isin(self.component, components))
        if only is not None:
            targets = np.intersect1d(targets, only)
        if not len(targets):
            return pd.DataFrame({"laag": [], "hoog": [], "tegenstrijdig": []}, index=pd.Index([], dtype=int))
        protection = self.protection[targets]
        problem = _Problem(self, np.isin(self.component, components))
        outer_low, outer_high = problem.propagate()
        self.outer_low[problem.columns], self.outer_high[problem.columns] = outer_low, outer_high
        at = np.searchsorted(problem.columns, targets)
        outer_low, outer_high = outer_low[at], outer_high[at]
        contradictory = outer_low > outer_high
        unsafe = (not exact) & (outer_high - outer_low < protection) & ~contradictory
        seen = _Seen(targets)
        screened = targets[~unsafe & ~contradictory]
        if len(screened):
            problem = _Problem(self, np.isin(self.component, self.component[screened]))
            low_point = problem.optimise(screened, np.ones(len(screened)))
            if low_point is None and len(components) > 1:  # contradictory figures somewhere: one at a time
                return pd.concat([self.bounds(np.array([c]), exact=exact, only=only) for c in components])
            contradictory |= np.isin(targets, screened) & (low_point is None)
            seen.add(problem, low_point)
            weights = np.random.default_rng(len(targets))  # they only change how fast, not what is found
            while low_point is not None and not exact:  # push every unproven count up at once, while that proves some
                open_ = screened[seen.high_of(screened) - seen.low_of(screened) < self.protection[screened]]
                if not len(open_):
                    break
                problem = _Problem(self, np.isin(self.component, self.component[open_]))
                # random weights: of counts that share a sum, a different one goes up each time
                seen.add(problem, problem.optimise(open_, -0.5 - weights.random(len(open_)),
                                                   cap=seen.low_of(open_) + self.protection[open_]))
                if (seen.high_of(open_) - seen.low_of(open_) >= self.protection[open_]).sum() == 0:
                    break
        undecided = ~unsafe & ~contradictory & (exact | (seen.high - seen.low < protection))
        pending = targets[undecided]
        while len(pending):
            order = np.argsort(self.component[pending], kind="stable")
            first = np.unique(self.component[pending[order]], return_index=True)[1]
            chosen = pending[order][first]  # one count per component
            problem = _Problem(self, np.isin(self.component, self.component[chosen]))
            seen.add(problem, problem.optimise(chosen, np.ones(len(chosen))))
            cap = seen.low_of(chosen) + (FAR if exact else self.protection[chosen])
            seen.add(problem, problem.optimise(chosen, -np.ones(len(chosen)), cap=cap))
            proven = seen.high_of(pending) - seen.low_of(pending) >= self.protection[pending]
            done = np.isin(pending, chosen) | (proven & (not exact))
            pending = pending[~done]
        low = np.where(unsafe, outer_low, seen.low)
        high = np.where(unsafe, outer_high, seen.high)
        low = np.where(contradictory, 0.0, low)
        high = np.where(contradictory | (high >= low + FAR), np.inf, high)
        return pd.DataFrame({"laag": low, "hoog": high, "tegenstrijdig": contradictory}, index=targets)

    def report(self, bounds: pd.DataFrame) -> pd.DataFrame:
        """One row per hidden figure (indicator, peiljaar, niveau, gebiedscode) with its count's bounds."""
        hidden_rows = self.rows[self.row_hidden]
        found = hidden_rows.join(bounds, on="var", how="inner")
        rule = found["var"].map(pd.Series(self.protection))
        found["veilig"] = ((found["hoog"] - found["laag"]) >= rule).astype(bool)
        found["laag"] = found["laag"].astype(int)
        return found[AUDIT_COLUMNS].reset_index(drop=True)


class _Seen:
    """The smallest and largest value each target count took in the solutions found so far."""

    def __init__(self, targets: np.ndarray) -> None:
        self.targets = targets
        self.low = np.full(len(targets), np.inf)
        self.high = np.full(len(targets), -np.inf)

    def add(self, problem: _Problem, solution: np.ndarray | None) -> None:
        """Take in a solution over ``problem``'s columns."""
        if solution is None:
            return
        at = np.searchsorted(self.targets, problem.columns)
        inside = (at < len(self.targets)) & (self.targets[np.minimum(at, len(self.targets) - 1)] == problem.columns)
        values = np.round(solution[inside])
        self.low[at[inside]] = np.minimum(self.low[at[inside]], values)
        self.high[at[inside]] = np.maximum(self.high[at[inside]], values)

    def low_of(self, variables: np.ndarray) -> np.ndarray:
        """The smallest value seen of each of ``variables``."""
        return self.low[np.searchsorted(self.targets, variables)]

    def high_of(self, variables: np.ndarray) -> np.ndarray:
        """The largest value seen of each of ``variables``."""
        return self.high[np.searchsorted(self.targets, variables)]


class _Problem:
    """The integer program over some components: free counts as variables, constants moved to the limits."""

    def __init__(self, model: CountModel, in_scope: np.ndarray) -> None:
        self.columns = np.flatnonzero(in_scope)
        matrix = model.by_column[:, self.columns].tocsr()
        touched = np.flatnonzero(np.diff(matrix.indptr) > 0)
        constants = np.where(in_scope, 0.0, model.lower)
        offset = model.matrix[touched] @ constants
        self.matrix = matrix[touched]
        self.low = model.low[touched] - offset
        self.high = model.high[touched] - offset
        self.lower = model.lower[self.columns]
        self.upper = model.upper[self.columns]

    def propagate(self, rounds: int = 100) -> tuple[np.ndarray, np.ndarray]:
        """Outer bounds of every column: what each relation implies for one count given the others' bounds,
        repeated until nothing tightens (every whole-number solution lies within them)."""
        matrix = self.matrix.tocoo()
        row, column, coefficient = matrix.row, matrix.col, matrix.data
        low = self.lower.copy()
        high = np.where(self.upper >= UNBOUNDED, np.inf, self.upper)
        for _ in range(rounds):
            with np.errstate(invalid="ignore"):
                largest = np.where(coefficient > 0, coefficient * high[column], coefficient * low[column])
                smallest = np.where(coefficient > 0, coefficient * low[column], coefficient * high[column])
                # what the other members of each relation can add at most and at least
                others_largest = _sum_without(row, largest, len(self.low))
                others_smallest = _sum_without(row, smallest, len(self.low))
                part_low = self.low[row] - others_largest  # bounds on coefficient * x
                part_high = self.high[row] - others_smallest
                new_low = np.where(coefficient > 0, part_low, part_high) / coefficient
                new_high = np.where(coefficient > 0, part_high, part_low) / coefficient
            tighter_low = np.full(len(low), -np.inf)
            np.maximum.at(tighter_low, column, np.nan_to_num(new_low, nan=-np.inf, posinf=np.inf, neginf=-np.inf))
            tighter_high = np.full(len(high), np.inf)
            np.minimum.at(tighter_high, column, np.nan_to_num(new_high, nan=np.inf, posinf=np.inf, neginf=-np.inf))
            next_low = np.maximum(low, np.ceil(tighter_low - 1e-6))
            next_high = np.minimum(high, np.floor(tighter_high + 1e-6))
            if np.array_equal(next_low, low) and np.array_equal(next_high, high):
                break
            low, high = next_low, next_high
        return low, high

    def optimise(self, targets: np.ndarray, sense: np.ndarray, cap: np.ndarray | None = None) -> np.ndarray | None:
        """A solution (over ``columns``) that minimises ``sense`` (+1: smallest, -1: largest) times ``targets``;
        ``None`` when the limits contradict each other. ``cap`` bounds each target that is maximised."""
        at = np.searchsorted(self.columns, targets)
        objective = np.zeros(len(self.lower))
        objective[at] = sense
        upper = self.upper.copy()
        if cap is not None:
            upper[at] = np.where(sense < 0, np.minimum(upper[at], cap), upper[at])
        constraints = [LinearConstraint(self.matrix, self.low, self.high)] if self.matrix.shape[0] else []
        # the relaxation first: its optimal vertex is usually whole (the hierarchy is a network), and then it will do
        for integrality in (np.zeros(len(self.lower)), np.ones(len(self.lower))):
            result = milp(objective, constraints=constraints, bounds=Bounds(self.lower, upper),
                          integrality=integrality, options={"mip_rel_gap": 0.0})
            if not result.success:
                return None
            if np.abs(result.x - np.round(result.x)).max(initial=0.0) < 1e-9:
                return np.round(result.x)
        return result.x


def _sum_without(row: np.ndarray, values: np.ndarray, rows: int) -> np.ndarray:
    """For each entry, the sum of the other entries of its row (infinite when another entry is)."""
    infinite = np.isinf(values)
    up, down = infinite & (values > 0), infinite & (values < 0)
    finite_sum = np.bincount(row, np.where(infinite, 0.0, values), minlength=rows)
    positive = np.bincount(row, up, minlength=rows)[row] - up
    negative = np.bincount(row, down, minlength=rows)[row] - down
    total = finite_sum[row] - np.where(infinite, 0.0, values)
    with np.errstate(invalid="ignore"):
        return total + np.where(positive > 0, np.inf, 0.0) - np.where(negative > 0, np.inf, 0.0)


def _row_bounds(rows: pd.DataFrame, catalog: Catalog, terms: dict[str, Term]) -> tuple[np.ndarray, np.ndarray]:
    """What each public row says of its count: whole-number lower and upper bounds."""
    low = np.zeros(len(rows))
    high = np.full(len(rows), UNBOUNDED)
    status = rows["status"].astype("string").fillna("").to_numpy(str)
    value = rows["waarde"].to_numpy(float)
    hidden = is_suppressed(rows["status"]).to_numpy()
    direct = {t: i for i, t in terms.items() if formula(catalog.indicators[i].kind).scale is None}
    counts = pd.DataFrame(index=pd.MultiIndex.from_frame(rows[KEYS]))
    counts["low"], counts["high"] = np.nan, np.nan
    ordered = sorted(rows.groupby("indicator").indices.items(),
                     key=lambda item: formula(catalog.indicators[item[0]].kind).scale is not None)
    for indicator_id, at in ordered:  # the counts themselves first: ratios need their denominators
        indicator = catalog.indicators[indicator_id]
        shown = at[~hidden[at] & ~np.isnan(value[at])]
        lo, hi = _published_interval(indicator, rows.iloc[shown], value[shown], status[shown], counts, catalog, direct)
        counts.iloc[shown, 0], counts.iloc[shown, 1] = lo, hi
        low[shown] = np.maximum(0.0, np.ceil(lo - 1e-6))
        high[shown] = np.where(np.isnan(hi), UNBOUNDED, np.floor(hi + 1e-6))
        low[shown] = np.where(np.isnan(lo), 0.0, low[shown])
        secret = at[hidden[at]]
        low[secret], high[secret] = status_interval_array(status[secret], indicator)
    return low, high


def _published_interval(indicator: Indicator, rows: pd.DataFrame, value: np.ndarray, status: np.ndarray,
                        counts: pd.DataFrame, catalog: Catalog, direct: dict[Term, str]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The counts a published figure may stand for (``nan`` where it says nothing usable)."""
    scale = formula(indicator.kind).scale
    if scale is None:  # the figure is the count itself
        count = value / indicator.factor
        rounded = np.where(np.char.startswith(status, "afgerond:"), ROUNDING_SLACK, 0.0)
        return count - rounded, count + rounded
    source = direct.get(denominator_term(indicator, catalog.basis))
    if source is None:
        return np.full(len(value), np.nan), np.full(len(value), np.nan)
    keys = pd.MultiIndex.from_arrays([np.full(len(rows), source), rows["peiljaar"], rows["niveau"],
                                      rows["gebiedscode"]])
    known = counts.reindex(keys)
    known_low, known_high = known["low"].to_numpy(), known["high"].to_numpy()
    step = scale * indicator.factor
    from_rounded = np.char.startswith(status, "afgerond_aantallen")  # computed from the published denominator
    slack = ROUNDING_SLACK if indicator.disclosure.round_teller else 0.0
    middle = value * (known_low + known_high) / 2 / step
    low = np.where(from_rounded, middle - slack, value * known_low / step)
    high = np.where(from_rounded, middle + slack, value * known_high / step)
    return low, high


def status_interval_array(status: np.ndarray, indicator: Indicator) -> tuple[np.ndarray, np.ndarray]:
    """The counts hidden cells' statuses allow: a status that says "small" says 1 .. min_count - 1."""
    rule = indicator.disclosure
    small = status == "geheim_klein_aantal"
    low, high = 0.0, UNBOUNDED  # a rule without small counts: the status says nothing
    if rule.min_count:
        low, high = 1.0, float(rule.min_count - 1)
    elif rule.secret_range:
        low, high = float(rule.secret_range[0]), float(rule.secret_range[1])
    return np.where(small, low, 0.0), np.where(small, high, UNBOUNDED)


def _relations(variables: pd.DataFrame, term: dict[str, Term], parent_of: dict[str, str]
               ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Hierarchy equations (parent = sum of children) and category inequalities (whole ≥ sum of parts)."""
    cell = variables["niveau"] + ":" + variables["gebiedscode"]
    position = pd.Series(np.arange(len(variables)),
                         index=pd.MultiIndex.from_arrays([variables["term"], variables["peiljaar"], cell]))
    families = _families(list(term.values()))
    adds_up = {repr(t) for f in families if f.adds_up for t in (f.whole, *f.categories) if t is not None}
    entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    limits_low, limits_high = [], []

    parent = cell.map(parent_of)
    children = np.flatnonzero(variables["term"].isin(adds_up).to_numpy() & parent.notna().to_numpy())
    keys = pd.MultiIndex.from_arrays([variables["term"].iloc[children], variables["peiljaar"].iloc[children],
                                      parent.iloc[children]])
    parent_position = position.reindex(keys).to_numpy()
    children, parent_position = children[~np.isnan(parent_position)], parent_position[~np.isnan(parent_position)]
    parents = np.unique(parent_position.astype(int))
    entries += [(np.arange(len(parents)), parents, np.ones(len(parents))),
                (np.searchsorted(parents, parent_position), children, -np.ones(len(children)))]
    limits_low.append(np.zeros(len(parents)))
    limits_high.append(np.zeros(len(parents)))
    offset = len(parents)

    for family in families:
        if family.whole is None or not family.categories:
            continue
        where = variables["term"] == repr(family.whole)
        wholes = pd.Series(np.flatnonzero(where.to_numpy()),
                           index=pd.MultiIndex.from_arrays([variables["peiljaar"][where], cell[where]]))
        parts = np.flatnonzero(variables["term"].isin([repr(c) for c in family.categories]).to_numpy())
        whole_of = wholes.reindex(pd.MultiIndex.from_arrays([variables["peiljaar"].iloc[parts],
                                                             cell.iloc[parts]])).to_numpy()
        parts, whole_of = parts[~np.isnan(whole_of)], whole_of[~np.isnan(whole_of)].astype(int)
        totals = np.unique(whole_of)
        entries += [(offset + np.arange(len(totals)), totals, np.ones(len(totals))),
                    (offset + np.searchsorted(totals, whole_of), parts, -np.ones(len(parts)))]
        limits_low.append(np.zeros(len(totals)))
        limits_high.append(np.full(len(totals), np.inf))
        offset += len(totals)
    rows, columns, values = (np.concatenate(part) for part in zip(*entries, strict=True))
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(offset, len(variables)))
    return matrix, np.concatenate(limits_low), np.concatenate(limits_high)


def _families(terms: list[Term]) -> list[Family]:
    """Count terms grouped by the set they count: the whole set and its disjoint categories on one field."""
    by_set: dict[tuple[str, str], list[Term]] = {}
    for term in dict.fromkeys(terms):
        by_set.setdefault((term.kind, term.name), []).append(term)
    families = []
    for (kind, _), members in by_set.items():
        whole = next((t for t in members if not (t.where or t.where_contains or t.where_range)), None)
        parts = tuple(t for t in members if t is not whole)
        if whole is not None and parts and _disjoint(parts):
            families.append(Family(whole, parts, kind == "set"))
        else:  # no declared category structure: each on its own
            families += [Family(t, (), kind == "set") for t in members]
    return families


def _disjoint(parts: tuple[Term, ...]) -> bool:
    """Whether the terms select disjoint records: one condition each, on one field, without overlap."""
    if any(len(t.where) + len(t.where_range) != 1 or t.where_contains for t in parts):
        return False
    fields = {(t.where or t.where_range)[0][0] for t in parts}
    if len(fields) != 1:
        return False
    values = [v for t in parts for v in (t.where[0][1] if t.where else ())]
    ranges = sorted(t.where_range[0][1] for t in parts if t.where_range)
    overlapping = any(a[1] >= b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    return len(values) == len(set(values)) and not overlapping and not (values and ranges)


def identity_leaks(public: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Ratios, numerators or denominators that are hidden while the other two are published.

    A hidden density is published inhabitants over the published area; a hidden rate per 1 000 of a
    published count of 0 is 0; a hidden count is a published rate times its published denominator.
    Each row names the published figure whose hiding closes the leak (``verberg``): for a hidden
    ratio, its numerator when that counts records, else the denominator unless that is the number of
    inhabitants; for a hidden numerator or denominator, the ratio.

    Returns
    -------
    pandas.DataFrame
        The hidden figure's indicator, peiljaar, niveau, gebiedscode, and ``verberg`` (the indicator to hide).
    """
    counts = {term: indicator_id for indicator_id, term in count_indicators(catalog).items()
              if formula(catalog.indicators[indicator_id].kind).scale is None}
    hidden = is_suppressed(public["status"])
    state = pd.Series(np.where(hidden, "verborgen", np.where(public["waarde"].notna(), "open", "")),
                      index=pd.MultiIndex.from_frame(public[["indicator", "peiljaar", "gebiedscode"]]))
    inwoners = counts.get(catalog.basis["inwoners"])
    leaks = []
    for indicator in catalog.indicators.values():
        if formula(indicator.kind).scale is None or indicator.kind not in ("share", "ratio", "per_1000"):
            continue
        sides = [None if t is not None and t.kind == "area" else counts.get(t, "") for t in (
            indicator.terms.get("numerator"), denominator_term(indicator, catalog.basis))]
        if "" in sides:
            continue  # a side that is not published as a figure of its own
        records = [s for s in sides if s and count_indicators(catalog)[s].kind == "set"]
        cover = (records or [s for s in sides if s and s != inwoners] or [s for s in sides if s])[0]
        rows = public.loc[public["indicator"] == indicator.id, ["peiljaar", "niveau", "gebiedscode"]]
        figures = [indicator.id, *(s for s in sides if s)]
        states = np.stack([state.reindex(pd.MultiIndex.from_arrays(
            [np.full(len(rows), f), rows["peiljaar"], rows["gebiedscode"]])).to_numpy() for f in figures])
        closed, open_ = states == "verborgen", states == "open"
        leak = (closed.sum(axis=0) == 1) & (open_.sum(axis=0) == len(figures) - 1)
        which = np.array(figures)[closed.argmax(axis=0)][leak]
        leaks.append(rows[leak].assign(indicator=which, verberg=np.where(which == indicator.id, cover, indicator.id)))
    columns = [*KEYS, "verberg"]
    return pd.concat(leaks, ignore_index=True)[columns] if leaks else pd.DataFrame(columns=columns)


def rounding_leaks(public: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Published ratios that rounded counts cannot have produced: computed from exact counts, they give them back.

    For an indicator whose rule rounds its numerator to a step, the published value times the
    published denominator must be a multiple of that step.
    """
    terms = count_indicators(catalog)
    direct = {t: i for i, t in terms.items() if formula(catalog.indicators[i].kind).scale is None}
    counts = pd.DataFrame(index=pd.MultiIndex.from_frame(public[KEYS]))
    shown = public["waarde"].notna() & ~is_suppressed(public["status"])
    rounded = public["status"].astype("string").str.startswith("afgerond").fillna(False).to_numpy(bool)
    slack = np.where(rounded, ROUNDING_SLACK, 0.0)
    counts["low"] = np.where(shown, public["waarde"] - slack, np.nan)
    counts["high"] = np.where(shown, public["waarde"] + slack, np.nan)
    leaks = []
    for indicator in catalog.indicators.values():
        step = indicator.disclosure.round_teller
        if not step or formula(indicator.kind).scale is None:
            continue
        denominator = denominator_term(indicator, catalog.basis)
        rows = public[(public["indicator"] == indicator.id) & public["waarde"].notna()]
        if denominator not in direct or rows.empty:
            continue
        keys = pd.MultiIndex.from_arrays([np.full(len(rows), direct[denominator]), rows["peiljaar"],
                                          rows["niveau"], rows["gebiedscode"]])
        known = counts.reindex(keys)
        published = ((known["low"] + known["high"]) / 2).to_numpy()
        numerator = rows["waarde"].to_numpy() * published / (formula(indicator.kind).scale * indicator.factor)
        off = ~np.isnan(numerator) & (published != 0) & (np.abs(numerator / step - np.round(numerator / step)) > 1e-6)
        leaks += [{"indicator": indicator.id, "peiljaar": r.peiljaar, "niveau": r.niveau,
                   "gebiedscode": r.gebiedscode, "teller": n}
                  for r, n in zip(rows[off].itertuples(), numerator[off], strict=True)]
    return pd.DataFrame(leaks, columns=[*KEYS, "teller"])


def per_gemeente(work: Callable[[set[str] | None], pd.DataFrame], areas: pd.DataFrame,
                 workers: int) -> list[pd.DataFrame]:
    """``work`` on the areas of parts of the gemeenten, one part per worker process; ``[work(None)]`` (all
    areas, this process) for one worker or one gemeente. The processes are forked: they share, never pickle."""
    gemeente = gemeente_of(areas)
    codes = sorted(set(gemeente))
    if workers <= 1 or len(codes) <= 1:
        return [work(None)]
    return forked_map(work, [set(gemeente.index[gemeente.isin(codes[i::workers])]) for i in range(workers)])


def gemeente_of(areas: pd.DataFrame) -> pd.Series:
    """The gemeentecode of every area, indexed by gebiedscode."""
    parent_of = parent_cells(areas)
    cells = areas["niveau"] + ":" + areas["gebiedscode"]
    return pd.Series([top_cell(cell, parent_of).split(":", 1)[1] for cell in cells],
                     index=areas["gebiedscode"].to_numpy())


def top_cell(cell: str, parent_of: dict[str, str]) -> str:
    """The gemeente cell above ``cell`` (or the cell itself)."""
    while cell in parent_of:
        cell = parent_of[cell]
    return cell


def parent_cells(areas: pd.DataFrame) -> dict[str, str]:
    """Cell key (``niveau:code``) -> its parent's cell key, from niveau, gebiedscode and wijkcode of every area.

    A wijk's gemeente is the one its code names (``WK053401`` lies in ``GM0534``), or the only one.
    """
    gemeenten = set(areas.loc[areas["niveau"] == "gemeente", "gebiedscode"])
    only = next(iter(gemeenten)) if len(gemeenten) == 1 else None
    parents = {}
    for row in areas.itertuples():
        if row.niveau == "buurt":
            parents[f"buurt:{row.gebiedscode}"] = f"wijk:{row.wijkcode}"
        elif row.niveau == "wijk":
            named = f"GM{row.gebiedscode[2:6]}"
            gemeente = named if named in gemeenten else only
            if gemeente is not None:
                parents[f"wijk:{row.gebiedscode}"] = f"gemeente:{gemeente}"
    return parents

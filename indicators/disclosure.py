"""Statistical disclosure control: what may be published (*openbaar*).

Primary control applies each indicator's rule (rounding, minimum basis figures,
secret value ranges, small counts). Secondary control then hides more: sums and
weighted figures so that no hidden one follows exactly from the hierarchy
(null-space test); a figure whose two partners in a ratio are published; and
counts until the attacker's audit (:mod:`wijkatlas.indicators.audit`) finds
every hidden count safe. It runs per gemeente, optionally over worker processes;
a regio's figures then follow from its gemeenten's public ones (:func:`_protect_regio`).
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
import pandas as pd

from wijkatlas.indicators.audit import (
    count_indicators,
    gemeente_of,
    identity_leaks,
    parent_cells,
    per_gemeente,
    protect_by_audit,
)
from wijkatlas.indicators.catalog import Catalog, Indicator
from wijkatlas.indicators.formulas import formula, is_total, value_from
from wijkatlas.vocabulary import is_suppressed

#: status code -> Dutch explanation (the legend of the public product)
STATUS = {
    "ontbreekt": "geen gegevens",
    "afgerond": "afgerond op een veelvoud van {stap}",
    "afgerond_aantallen": "berekend uit aantallen afgerond op een veelvoud van {stap}",
    "afgerond_som": "som van de afgeronde cijfers van de gemeenten",
    "geheim_minimum": "geheim — te weinig {basis} (minder dan {minimum})",
    "geheim": "geheim — te kleine aantallen, of anders af te leiden uit andere cijfers",
}
#: levels whose small counts are secret (a gemeente's are not)
SMALL_COUNT_LEVELS = ("buurt", "wijk")
ROUNDED_LEVELS = ("buurt", "wijk", "gemeente", "regio")  # higher too: an exact total beside rounded parts would tell
#: the public status of every hidden count (small, or hidden to protect another)
HIDDEN = "geheim"
KEYS = ["indicator", "peiljaar", "niveau", "gebiedscode"]
#: statuses of figures that are published (changed by rounding, but not hidden)
PUBLISHED_STATUSES = ("afgerond",)


def status_text(code: str) -> str:
    """The Dutch explanation of a status code such as ``geheim_minimum:inwoners:10``."""
    kind, *details = code.split(":")
    if kind == "geheim_minimum":
        return STATUS[kind].format(basis=details[0], minimum=details[1])
    if kind == "afgerond_som":
        return STATUS[kind]
    if kind.startswith("afgerond"):
        return STATUS[kind].format(stap=details[0] if details else 5)
    return STATUS.get(kind, kind)


def protect(figures: pd.DataFrame, basis: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame, *,
            workers: int = 1) -> pd.DataFrame:
    """The public figures: ``waarde`` null where suppressed, ``status`` says why.

    Parameters
    ----------
    figures
        Output of :func:`wijkatlas.indicators.engine.compute_indicators`.
    basis
        Output of :func:`wijkatlas.indicators.engine.basis_figures` for the same peiljaren.
    areas
        niveau, gebiedscode, wijkcode of every area (the hierarchy).
    workers
        Processes to share the gemeenten between. Every random choice is seeded per cell
        from the figures, so the result is the same for any number of workers.

    Returns
    -------
    pandas.DataFrame
        indicator, peiljaar, niveau, gebiedscode, waarde, status (null where the figure is published as is).
    """
    seed = int(hashlib.sha256(figures["teller"].fillna(0).to_numpy().tobytes()).hexdigest()[:12], 16)
    in_regio = figures["niveau"] == "regio"
    local, local_basis, local_areas = figures[~in_regio], basis[basis["niveau"] != "regio"], areas[
        areas["niveau"] != "regio"]

    def protect_part(inside: set[str] | None) -> pd.DataFrame:
        part = local if inside is None else local[local["gebiedscode"].isin(inside)]
        found = _protect(part, local_basis if inside is None else local_basis[local_basis["gebiedscode"].isin(inside)],
                         catalog, local_areas if inside is None else local_areas[local_areas["gebiedscode"].isin(inside)],
                         seed)
        return found[["waarde", "status"]].set_axis(part.index)  # only what changed travels back

    found = pd.concat(per_gemeente(protect_part, local_areas, workers))
    public = figures[KEYS].assign(waarde=found["waarde"], status=found["status"])
    if in_regio.any():
        public.loc[in_regio] = _protect_regio(figures[in_regio], basis, public[~in_regio],
                                              local[local["niveau"] == "gemeente"], catalog, seed)
    return public.reset_index(drop=True)


def _protect_regio(regio: pd.DataFrame, basis: pd.DataFrame, below: pd.DataFrame, gemeente_figures: pd.DataFrame,
                   catalog: Catalog, seed: int) -> pd.DataFrame:
    """The regio's public figures, which add nothing to what its gemeenten's public figures tell.

    A regio figure is hidden when the figure of any of its gemeenten is (else the published others would
    give it away); a count or sum is the sum of its gemeenten's published values, and a ratio of rounded counts
    the ratio of the sums of its gemeenten's rounded counts (so neither tells anything new about their exact
    values); other figures pass the primary rules; and a hidden one whose partners in a ratio are published
    hides a partner, as within a gemeente.
    """
    area = regio[["niveau", "gebiedscode"]].drop_duplicates().assign(wijkcode=pd.NA)
    public = _protect(regio, basis[basis["niveau"] == "regio"], catalog, area, seed).set_axis(regio.index)
    gemeenten = below[below["niveau"] == "gemeente"]
    unpublished = gemeenten["waarde"].isna() | is_suppressed(gemeenten["status"])
    keys = ["indicator", "peiljaar"]
    hidden_below = pd.MultiIndex.from_frame(gemeenten.loc[unpublished.to_numpy(), keys])
    cells = pd.MultiIndex.from_frame(public[keys])
    open_cells = public["waarde"].notna() & ~is_suppressed(public["status"])
    public.loc[cells.isin(hidden_below) & open_cells, ["waarde", "status"]] = [np.nan, HIDDEN]
    totals = [i.id for i in catalog.indicators.values() if is_total(i.kind, additive=i.additive)]
    published = gemeenten[~unpublished.to_numpy() & gemeenten["indicator"].isin(totals)]
    summed = published.groupby(keys)["waarde"].sum()
    rounded_any = published.assign(afgerond=published["status"].astype("string").str.startswith("afgerond").fillna(
        False)).groupby(keys)["afgerond"].any()
    add_up = public["indicator"].isin(totals) & public["waarde"].notna()
    public.loc[add_up, "waarde"] = cells[add_up.to_numpy()].map(summed).to_numpy()
    public.loc[add_up & cells.map(rounded_any).fillna(False).to_numpy().astype(bool), "status"] = \
        "afgerond_som"
    _ratios_of_rounded_sums(public, gemeente_figures, catalog)
    while True:
        leaks = identity_leaks(public, catalog)
        opened = public.index[pd.MultiIndex.from_frame(public[["indicator", "peiljaar", "gebiedscode"]]).isin(
            pd.MultiIndex.from_frame(leaks[["verberg", "peiljaar", "gebiedscode"]])) & ~is_suppressed(public["status"])]
        if opened.empty:
            return public
        public.loc[opened, ["waarde", "status"]] = [np.nan, HIDDEN]


def _protect(figures: pd.DataFrame, basis: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame,
             seed: int) -> pd.DataFrame:
    """Primary rules, secondary suppression, identities and protection by audit, for all of ``areas``."""
    frame = figures.merge(basis, on=["peiljaar", "niveau", "gebiedscode"], how="left")
    status = pd.Series(pd.NA, index=frame.index, dtype="object")
    status[frame["waarde"].isna()] = "ontbreekt"
    value = frame["waarde"].copy()
    for indicator in catalog.indicators.values():
        rows = frame["indicator"] == indicator.id
        _primary(frame, rows, indicator, status, value)
    # Missing cells are unknown to a reader too, and must stay so: CBS may have kept them secret.
    unpublished = status.notna() & ~status.astype("string").str.startswith(PUBLISHED_STATUSES).fillna(False)
    extra = _secondary(frame, unpublished.astype(bool), catalog, areas, seed)
    status[extra] = "geheim_secundair"
    value[is_suppressed(status).to_numpy()] = np.nan
    # One status for every hidden count: which were small and which were hidden to protect them stays unknown.
    status = status.where(~status.isin(["geheim_klein_aantal", "geheim_secundair"]), HIDDEN)
    public = frame[KEYS].assign(waarde=value, status=status.astype("string"))
    first = True
    while True:  # hiding a figure for one relation may open another: until both checks find nothing
        leaks = identity_leaks(public, catalog)  # a hidden figure whose two partners in a ratio are published
        cells = pd.MultiIndex.from_frame(leaks[["verberg", "peiljaar", "gebiedscode"]])
        opened = public.index[pd.MultiIndex.from_frame(public[["indicator", "peiljaar", "gebiedscode"]]).isin(cells)
                              & ~is_suppressed(public["status"])]
        public.loc[opened, ["waarde", "status"]] = [np.nan, HIDDEN]
        if not first and opened.empty:
            return public
        # hiding only widens what an attacker can infer: after the first audit, only what was hidden since
        more = protect_by_audit(public, catalog, areas, seed=seed, suspects=None if first else opened)
        public.loc[more, ["waarde", "status"]] = [np.nan, HIDDEN]
        if not more:
            return public
        first = False


def _ratios_of_rounded_sums(public: pd.DataFrame, gemeente_figures: pd.DataFrame, catalog: Catalog) -> None:
    """In place: each regio ratio published from rounded counts, as the ratio of its gemeenten's rounded counts
    added up (an exact regio count rounded would narrow its gemeenten's exact counts)."""
    rounded_rows = public["status"].astype("string").str.startswith("afgerond_aantallen").fillna(False)
    for indicator in catalog.indicators.values():
        rule = indicator.disclosure
        rows = rounded_rows & (public["indicator"] == indicator.id)
        if not rows.any():
            continue
        own = gemeente_figures[gemeente_figures["indicator"] == indicator.id]
        teller = rounded(own["teller"], rule.round_teller) if rule.round_teller else own["teller"]
        noemer = rounded(own["noemer"], rule.round_noemer) if rule.round_noemer else own["noemer"]
        years = public.loc[rows, "peiljaar"]
        public.loc[rows, "waarde"] = value_from(indicator.kind, years.map(teller.groupby(own["peiljaar"]).sum()),
                                                years.map(noemer.groupby(own["peiljaar"]).sum()), indicator.factor)


def _primary(frame: pd.DataFrame, rows: pd.Series, indicator: Indicator, status: pd.Series,
             value: pd.Series) -> None:
    """Apply the indicator's rule to its rows, in place: first what hides a figure, then what rounds the rest."""
    rule = indicator.disclosure
    open_rows = rows & status.isna()
    for basis, minimum in rule.minimum.items():
        below = open_rows & ~(frame[basis] >= minimum) & status.isna()
        status[below] = f"geheim_minimum:{basis}:{minimum:g}"
    if rule.secret_range is not None:
        low, high = rule.secret_range
        counts = frame["teller"].where(frame["teller"].notna(), frame["waarde"])
        small = rows & status.isna() & frame["niveau"].isin(SMALL_COUNT_LEVELS) & counts.between(low, high)
        status[small] = "geheim_klein_aantal"
    if rule.min_count is not None:
        small = rows & status.isna() & (frame["teller"] > 0) & (frame["teller"] < rule.min_count)
        status[small] = "geheim_klein_aantal"
    if rule.min_records is not None:
        few = rows & status.isna() & (frame["aantal"] > 0) & (frame["aantal"] < rule.min_records)
        status[few] = "geheim_klein_aantal"
    open_rows = rows & status.isna()
    if rule.round_to:  # every rounded figure says so: an empty status must not certify an exact count
        target = open_rows & frame["niveau"].isin(ROUNDED_LEVELS)
        value[target] = rounded(frame.loc[target, "waarde"], rule.round_to)
        status[target] = f"afgerond:{rule.round_to}"
    if (rule.round_teller or rule.round_noemer) and formula(indicator.kind).scale is not None:
        # the ratio of published (rounded) counts, not of exact ones
        target = open_rows & frame["niveau"].isin(ROUNDED_LEVELS) & frame["noemer"].notna()
        teller = frame.loc[target, "teller"]
        noemer = frame.loc[target, "noemer"]
        teller = rounded(teller, rule.round_teller) if rule.round_teller else teller
        noemer = rounded(noemer, rule.round_noemer) if rule.round_noemer else noemer
        value[target] = value_from(indicator.kind, teller, noemer, indicator.factor)
        status[target] = f"afgerond_aantallen:{rule.round_teller or rule.round_noemer}"


def rounded(values: pd.Series, step: int) -> pd.Series:
    """``values`` rounded to a multiple of ``step``, half up (deterministic, so rebuilds agree)."""
    return step * np.floor(values / step + 0.5)


def _secondary(frame: pd.DataFrame, suppressed: pd.Series, catalog: Catalog, areas: pd.DataFrame,
               seed: int) -> pd.Series:
    """Cells to suppress in addition, per additive indicator that is not a count, gemeente and peiljaar.

    Counts are protected by the attacker's audit (:func:`wijkatlas.indicators.audit.protect_by_audit`);
    sums of a field and weighted figures add up too, and no hidden one may be recoverable exactly.
    """
    extra = pd.Series(False, index=frame.index)
    counts = count_indicators(catalog)
    additive = {i.id for i in catalog.indicators.values() if (i.additive or "weight" in i.terms) and i.id not in counts}
    parent_of = parent_cells(areas)
    candidates = frame[frame["indicator"].isin(additive)]
    candidates = candidates.assign(gemeente=candidates["gebiedscode"].map(gemeente_of(areas)))
    groups = ["indicator", "peiljaar", "gemeente"]
    with_hidden = candidates.loc[suppressed[candidates.index].to_numpy(), groups].drop_duplicates()
    candidates = candidates[pd.MultiIndex.from_frame(candidates[groups]).isin(pd.MultiIndex.from_frame(with_hidden))]
    cells = (candidates["niveau"] + ":" + candidates["gebiedscode"]).to_numpy()
    hidden = suppressed[candidates.index].to_numpy()
    size = candidates["teller"].abs().fillna(0).to_numpy()
    more = []
    for key, at in candidates.groupby(groups, sort=False).indices.items():
        rng = np.random.default_rng([seed, zlib.crc32("|".join(map(str, key)).encode())])
        cost = size[at] * (1 + rng.random(len(at)))
        more.append(at[secondary_suppression(cells[at], parent_of, cost, hidden[at])])
    extra[candidates.index[np.concatenate(more)] if more else []] = True
    return extra


def constraint_matrix(cells: np.ndarray, parent_of: dict[str, str]) -> np.ndarray:
    """One row per parent: +1 for the parent, -1 for each child (parent = sum of children)."""
    position = {cell: i for i, cell in enumerate(cells)}
    parents = sorted({parent_of[c] for c in cells if c in parent_of and parent_of[c] in position})
    matrix = np.zeros((len(parents), len(cells)))
    for row, parent in enumerate(parents):
        matrix[row, position[parent]] = 1.0
    row_of = {parent: row for row, parent in enumerate(parents)}
    for cell in cells:
        above = parent_of.get(cell)
        if above is not None and above in row_of:
            matrix[row_of[above], position[cell]] = -1.0
    return matrix


def recoverable(matrix: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Which hidden cells are determined by the published ones through the constraints.

    The hidden values solve ``A_h x_h = b``; a cell is determined exactly when
    every solution agrees on it, i.e. the null space of ``A_h`` is zero there.
    """
    columns = matrix[:, hidden]
    columns = columns[np.abs(columns).sum(axis=1) > 0]
    result = np.zeros(len(hidden), dtype=bool)
    if columns.shape[0] == 0:
        return result
    _, singular, vh = np.linalg.svd(columns)
    rank = int((singular > 1e-9).sum())
    null_space = vh[rank:].T
    determined = np.linalg.norm(null_space, axis=1) < 1e-9 if null_space.size else np.ones(columns.shape[1], bool)
    result[np.flatnonzero(hidden)[determined]] = True
    return result


def secondary_suppression(
    cells: np.ndarray, parent_of: dict[str, str], cost: np.ndarray, hidden: np.ndarray
) -> np.ndarray:
    """Cells to hide in addition to ``hidden`` so that no hidden cell is recoverable.

    Repeatedly takes a recoverable hidden cell and, in the nearest equation
    that still has a published member (its own, or one reached through hidden
    cells when all of its own are hidden), hides the published child of the
    lowest ``cost``, or the parent when no child is left.
    """
    matrix = constraint_matrix(cells, parent_of)
    hidden = hidden.copy()
    start = hidden.copy()
    while True:
        exposed = recoverable(matrix, hidden)
        if not exposed.any():
            return hidden & ~start
        row = _nearest_open_equation(matrix, hidden, int(np.flatnonzero(exposed)[0]))
        members = np.flatnonzero(matrix[row] != 0)
        children = [m for m in members if matrix[row, m] < 0 and not hidden[m]]
        parent = [m for m in members if matrix[row, m] > 0 and not hidden[m]]
        choice = min(children or parent, key=lambda m: (cost[m], cells[m]))
        hidden[choice] = True


def _nearest_open_equation(matrix: np.ndarray, hidden: np.ndarray, cell: int) -> int:
    """The equation closest to ``cell`` (moving through hidden cells) that has a published member;
    among equally close ones, the one with the fewest hidden cells."""
    seen_cells, seen_rows = {cell}, set[int]()
    frontier = [cell]
    while frontier:
        rows = sorted({int(r) for c in frontier for r in np.flatnonzero(matrix[:, c] != 0)} - seen_rows)
        open_rows = [r for r in rows if ((matrix[r] != 0) & ~hidden).any()]
        if open_rows:
            return min(open_rows, key=lambda r: (((matrix[r] != 0) & hidden).sum(), r))
        seen_rows.update(rows)
        frontier = sorted({int(m) for r in rows for m in np.flatnonzero(matrix[r] != 0)} - seen_cells)
        seen_cells.update(frontier)
    raise ValueError("a recoverable cell must be connected to a published one")

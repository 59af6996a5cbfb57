"""``wijkatlas bench-openbaar``: disclosure control and its audit at national size, beside a plain audit.

The figures are the demo municipality's own, computed from ``data/`` as a build
computes them, repeated under new gemeente codes until there are as many buurten
as asked: every catalog indicator, three peiljaren, the demo's hierarchy and its
share of small counts in every gemeente. Stages, timed in this process:

* **beveiligen**: :func:`wijkatlas.indicators.disclosure.protect` — primary rules,
  secondary suppression, identities, and protection until the audit finds every
  hidden count safe;
* **controle**: :func:`wijkatlas.indicators.audit.audit` on the result, as
  ``check-openbaar`` runs it.

Both share the gemeenten between ``workers`` processes (the result does not depend on how many).

Baseline, in the same run: the plain audit (two integer programs per hidden count,
each over its own component, exact bounds) beside the batched audit with exact
bounds on the first gemeenten; both must give the same bounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from wijkatlas.errors import WijkatlasError
from wijkatlas.indicators.audit import FAR, CountModel, _Problem, audit
from wijkatlas.indicators.catalog import Catalog, load_catalog
from wijkatlas.indicators.disclosure import protect
from wijkatlas.vocabulary import is_suppressed

#: gemeenten on which the plain audit runs beside the batched one
BASELINE_GEMEENTEN = 3


def demo_figures(catalog: Catalog) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """figures, basis figures and areas of the demo municipality, as a build computes them."""
    from wijkatlas import settings
    from wijkatlas.config import load_config
    from wijkatlas.geo.pipeline import build_layers
    from wijkatlas.indicators.availability import availability
    from wijkatlas.indicators.engine import basis_figures, compute_indicators
    from wijkatlas.indicators.terms import Datapakhuis

    config = load_config(settings.DEMO_DATA_DIR / "demo.toml")
    store = Datapakhuis(build_layers(config), config.peiljaar)
    figures = compute_indicators(store, catalog, availability(store, catalog))
    years = sorted(figures["peiljaar"].unique().tolist())
    return figures, basis_figures(store, catalog, years), store.areas


def repeated(frames: tuple[pd.DataFrame, ...], copies: int) -> tuple[pd.DataFrame, ...]:
    """Each frame repeated ``copies`` times, copy k under gemeente number k (``GM0001``, ``WK000101``, ...)."""
    found = []
    for frame in frames:
        parts = []
        for k in range(1, copies + 1):
            part = frame.copy()
            for column in ("gebiedscode", "wijkcode"):
                if column in part:
                    codes = part[column].astype("string")
                    part[column] = codes.str[:2] + f"{k:04d}" + codes.str[6:]
            parts.append(part)
        found.append(pd.concat(parts, ignore_index=True))
    return tuple(found)


def plain_audit(public: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame) -> pd.DataFrame:
    """Exact bounds the straightforward way: a smallest and a largest program per hidden count."""
    model = CountModel(public, catalog, areas)
    bounds = {}
    for variable in np.flatnonzero(model.hidden):
        problem = _Problem(model, model.component == model.component[variable])
        target = np.array([variable])
        low = problem.optimise(target, np.ones(1))
        if low is None:
            continue
        smallest = np.round(low[np.searchsorted(problem.columns, variable)])
        high = problem.optimise(target, -np.ones(1), cap=np.array([smallest + FAR]))
        largest = np.round(high[np.searchsorted(problem.columns, variable)]) if high is not None else np.inf
        bounds[variable] = (smallest, np.inf if largest >= smallest + FAR else largest)
    frame = pd.DataFrame.from_dict(bounds, orient="index", columns=["laag", "hoog"]).assign(tegenstrijdig=False)
    return model.report(frame)


def run_disclosure_bench(buurten: int, *, workers: int = 2, progress: Callable[[str], None] = print) -> str:
    """Protect and audit national-size figures; the plain audit beside the batched one; returns the report."""
    catalog = load_catalog()
    started = time.perf_counter()
    figures, basis, areas = demo_figures(catalog)
    per_gemeente = int((areas["niveau"] == "buurt").sum())
    copies = max(1, round(buurten / per_gemeente))
    figures, basis, areas = repeated((figures, basis, areas), copies)
    counts = areas["niveau"].value_counts()
    progress(f"cijfers: {copies} gemeenten, {counts['buurt']} buurten, {len(figures)} cijfers "
             f"({time.perf_counter() - started:.0f} s)")
    timings = {}
    started = time.perf_counter()
    public = protect(figures, basis, catalog, areas, workers=workers)
    timings["beveiligen"] = time.perf_counter() - started
    progress(f"… beveiligd in {timings['beveiligen']:.1f} s")
    started = time.perf_counter()
    found = audit(public, catalog, areas, workers=workers)
    timings["controle"] = time.perf_counter() - started
    hidden = int(is_suppressed(public["status"]).sum())

    first = [f"GM{k:04d}" for k in range(1, min(copies, BASELINE_GEMEENTEN) + 1)]
    sample_areas = areas[areas["gebiedscode"].str[2:6].isin([code[2:] for code in first])]
    sample = public[public["gebiedscode"].isin(sample_areas["gebiedscode"])]
    started = time.perf_counter()
    batched = audit(sample, catalog, sample_areas, exact=True)
    timings["batched"] = time.perf_counter() - started
    started = time.perf_counter()
    plain = plain_audit(sample, catalog, sample_areas)
    timings["plain"] = time.perf_counter() - started
    columns = ["indicator", "peiljaar", "niveau", "gebiedscode", "laag", "hoog"]
    if not batched[columns].sort_values(columns[:4], ignore_index=True).equals(
            plain[columns].sort_values(columns[:4], ignore_index=True)):
        raise WijkatlasError("de gebundelde en de losse controle geven verschillende grenzen")
    total = timings["beveiligen"] + timings["controle"]
    return "\n".join([
        f"Wijkatlas bench-openbaar: {copies} gemeenten, {counts['buurt']} buurten, {counts['wijk']} wijken, "
        f"{figures['indicator'].nunique()} indicatoren, {figures['peiljaar'].nunique()} peiljaren "
        f"({len(figures)} cijfers), {workers} processen",
        f"{'stap':<34}{'tijd (s)':>9}",
        f"{'beveiligen (regels + aanvullend)':<34}{timings['beveiligen']:>9.1f}",
        f"{'controle (aanvaller, alle cellen)':<34}{timings['controle']:>9.1f}",
        f"{'samen':<34}{total:>9.1f}",
        f"geheim: {hidden} cijfers; gecontroleerde aantallen: {len(found)}, waarvan veilig: {int(found['veilig'].sum())}",
        f"exacte grenzen op {len(first)} gemeenten ({len(batched)} cellen): gebundeld {timings['batched']:.1f} s, "
        f"los {timings['plain']:.1f} s ({timings['plain'] / timings['batched']:.1f}x), grenzen identiek",
    ])


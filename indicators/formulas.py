"""Formula kinds: the ways an indicator is computed from its terms, by name.

Every kind turns evaluated terms into a numerator (``teller``) and a
denominator (``noemer``) per peiljaar and area, and a value from those two, so a
wijk's figure is always its own numerator over its own denominator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Formula:
    """A formula kind: its term slots and options, how numerator and denominator are found, and the value.

    ``figures`` names how :mod:`wijkatlas.indicators.engine` computes it
    (``terms``: numerator over ``denominator``; ``proximity``: nearest-target
    distances; ``median``: per area from its own records).
    """

    slots: frozenset[str]
    optional: frozenset[str] = frozenset()
    #: value = scale * numerator / denominator (``None``: the value is the numerator itself)
    scale: float | None = 1.0
    #: whether the numerator adds up from buurt to wijk to gemeente
    additive: bool = True
    description: str = ""
    #: catalog keys an indicator of this kind must give
    options: frozenset[str] = frozenset()
    figures: str = "terms"
    #: where the denominator comes from: ``slot`` (the denominator or weight term), ``count`` (records with a
    #: value of the numerator's field), ``inwoners`` (the slot, else the basis figure inwoners) or ``none``
    denominator: str = "none"
    #: whether a figure is a part of the gemeente total (no index against the gemeente): always, or only when
    #: the indicator is declared ``additive`` (a CBS count)
    total: bool = False
    total_if_additive: bool = False


FORMULAS: dict[str, Formula] = {
    "count": Formula(frozenset({"numerator"}), scale=None, description="aantal records", total=True),
    "sum": Formula(frozenset({"numerator"}), scale=None, description="som van een veld", total=True),
    "share": Formula(frozenset({"numerator", "denominator"}), scale=100.0, description="teller als % van noemer",
                     denominator="slot"),
    "ratio": Formula(frozenset({"numerator", "denominator"}), description="teller gedeeld door noemer",
                     denominator="slot"),
    "per_1000": Formula(frozenset({"numerator"}), optional=frozenset({"denominator"}), scale=1000.0,
                        description="teller per 1 000 inwoners", denominator="inwoners"),
    "mean": Formula(frozenset({"numerator"}), description="gemiddelde van een veld", denominator="count"),
    "median": Formula(frozenset({"numerator"}), scale=None, additive=False, description="mediaan van een veld",
                      figures="median"),
    "distance": Formula(frozenset({"origins", "targets"}), description="gemiddelde afstand tot dichtstbijzijnde",
                        figures="proximity"),
    "coverage": Formula(frozenset({"origins", "targets"}), scale=100.0, description="% binnen een straal",
                        options=frozenset({"radius_m"}), figures="proximity"),
    "raster_mean": Formula(frozenset({"numerator"}), description="gemiddelde van rastercellen", denominator="count"),
    "cbs": Formula(frozenset({"value"}), optional=frozenset({"weight"}), scale=None,
                   description="waarde zoals CBS die publiceert", denominator="slot", total_if_additive=True),
}


def is_total(kind: str, *, additive: bool) -> bool:
    """Whether figures of ``kind`` are parts of the gemeente total, which get no index against it."""
    found = formula(kind)
    return found.total or (found.total_if_additive and additive)


def formula(kind: str) -> Formula:
    """The formula of ``kind``; the error lists the kinds there are."""
    try:
        return FORMULAS[kind]
    except KeyError:
        raise KeyError(f"kind '{kind}' is unknown; expected one of {sorted(FORMULAS)}") from None


def value_from(kind: str, numerator: pd.Series, denominator: pd.Series, factor: float) -> pd.Series:
    """The indicator value from numerator and denominator (NaN where the denominator is 0 or missing)."""
    scale = formula(kind).scale
    if scale is None:
        return numerator * factor
    with np.errstate(divide="ignore", invalid="ignore"):
        values = scale * factor * numerator / denominator.where(denominator != 0)
    return values.astype(float)

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
    """A formula kind: which term slots it takes and how the value follows from numerator and denominator."""

    slots: frozenset[str]
    optional: frozenset[str] = frozenset()
    #: value = scale * numerator / denominator (``None``: the value is the numerator itself)
    scale: float | None = 1.0
    #: whether the numerator adds up from buurt to wijk to gemeente
    additive: bool = True
    description: str = ""


FORMULAS: dict[str, Formula] = {
    "count": Formula(frozenset({"numerator"}), scale=None, description="aantal records"),
    "sum": Formula(frozenset({"numerator"}), scale=None, description="som van een veld"),
    "share": Formula(frozenset({"numerator", "denominator"}), scale=100.0, description="teller als % van noemer"),
    "ratio": Formula(frozenset({"numerator", "denominator"}), description="teller gedeeld door noemer"),
    "per_1000": Formula(frozenset({"numerator"}), optional=frozenset({"denominator"}), scale=1000.0,
                        description="teller per 1 000 inwoners"),
    "mean": Formula(frozenset({"numerator"}), description="gemiddelde van een veld"),
    "median": Formula(frozenset({"numerator"}), scale=None, additive=False, description="mediaan van een veld"),
    "distance": Formula(frozenset({"origins", "targets"}), description="gemiddelde afstand tot dichtstbijzijnde"),
    "coverage": Formula(frozenset({"origins", "targets"}), scale=100.0, description="% binnen een straal"),
    "raster_mean": Formula(frozenset({"numerator"}), description="gemiddelde van rastercellen"),
    "cbs": Formula(frozenset({"value"}), optional=frozenset({"weight"}), scale=None,
                   description="waarde zoals CBS die publiceert"),
}


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

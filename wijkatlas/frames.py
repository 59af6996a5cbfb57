"""Tests on record columns that geo and the indicators share: evaluated once per distinct value when categorical."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd


def on_categories(series: pd.Series, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``test`` of every value of ``series`` as a boolean array; on a categorical column applied to its distinct values
    only and mapped by code (a missing value: False)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        per_category = np.append(test(pd.Series(series.cat.categories)).to_numpy(bool), False)  # code -1 -> False
        return per_category[series.cat.codes.to_numpy()]
    return test(series).to_numpy(bool)


def list_pattern(values: tuple) -> str:
    """Regular expression for a comma-separated list (BAG gebruiksdoel) holding any of ``values``."""
    return r"(?:^|,)(?:" + "|".join(re.escape(str(value)) for value in values) + r")(?:,|$)"


def list_holds(series: pd.Series, values: tuple) -> np.ndarray:
    """Whether each comma-separated text of ``series`` holds one of ``values`` (False where missing)."""
    pattern = list_pattern(values)
    return on_categories(series, lambda texts: texts.astype("string").str.contains(pattern).fillna(False))

"""Comparison with the gemeente and the regio (index, rank, z-score) and changes over time."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the comparison columns a build of several gemeenten adds: the regio's value, the index against it and the
#: rank among every area of the level in the regio
REGIO_COLUMNS = ["regiowaarde", "index_regio", "rang_regio"]


def compare(figures: pd.DataFrame, areas: pd.DataFrame, *, totals: set[str]) -> pd.DataFrame:
    """Add the gemeente's value, index (gemeente = 100), rank and z-score, and changes over time.

    ``figures`` has indicator, peiljaar, niveau, gebiedscode, waarde; ``areas``
    has niveau, gebiedscode and gemeentecode (see :attr:`wijkatlas.indicators.terms.Datapakhuis.areas`).
    An area is compared with its own gemeente; rank 1 is the highest value
    among the areas of the same level in that gemeente, and the z-score is taken
    over the level. When ``areas`` holds a regio, its value, the index against it
    and the rank among every area of the level in the regio come with it
    (:data:`REGIO_COLUMNS`), and gemeenten are ranked among each other. ``totals`` are the
    indicators that count or sum (a part of the gemeente total): they get no index.
    """
    frame = figures.copy()
    gemeente_of = areas.set_index(["niveau", "gebiedscode"])["gemeentecode"]
    frame["_gemeente"] = gemeente_of.reindex(pd.MultiIndex.from_frame(frame[["niveau", "gebiedscode"]])).to_numpy()
    frame["gemeentewaarde"] = _value_of(frame, frame["_gemeente"], "gemeente")
    frame["index"] = _index(frame, "gemeentewaarde", totals)
    group = frame.groupby(["indicator", "peiljaar", "niveau", "_gemeente"], dropna=False)["waarde"]
    frame["rang"] = group.rank(ascending=False, method="min").astype("Int64")
    level = frame.groupby(["indicator", "peiljaar", "niveau"])["waarde"]
    spread = level.transform("std", ddof=0)
    frame["z_score"] = (frame["waarde"] - level.transform("mean")) / spread.where(spread > 0)
    gemeenten = frame["niveau"] == "gemeente"
    frame.loc[gemeenten, "rang"] = pd.NA
    regio = areas.loc[areas["niveau"] == "regio", "gebiedscode"]
    if len(regio):  # in a regio, gemeenten are compared with each other
        frame["regiowaarde"] = _value_of(frame, pd.Series(regio.iloc[0], index=frame.index), "regio")
        frame["index_regio"] = _index(frame, "regiowaarde", totals)
        frame["rang_regio"] = level.rank(ascending=False, method="min").astype("Int64")
        frame.loc[frame["niveau"] == "regio", ["index_regio", "rang_regio", "z_score"]] = pd.NA
    else:  # one gemeente has nothing to be compared with
        frame.loc[gemeenten, "z_score"] = pd.NA

    frame = frame.drop(columns="_gemeente").sort_values(["indicator", "niveau", "gebiedscode", "peiljaar"])
    series = frame.groupby(["indicator", "niveau", "gebiedscode"])["waarde"]
    frame["verandering_vorig_jaar"] = series.diff()
    # from the first peiljaar itself: when that figure is hidden, there is no change to publish
    frame["verandering_eerste_jaar"] = frame["waarde"] - series.transform("first", skipna=False)
    first_year = frame.groupby(["indicator", "niveau", "gebiedscode"])["peiljaar"].transform("min")
    frame.loc[frame["peiljaar"] == first_year, "verandering_eerste_jaar"] = np.nan
    return frame.sort_index()


def _value_of(frame: pd.DataFrame, codes: pd.Series, niveau: str) -> np.ndarray:
    """Per row the value of the same indicator and peiljaar in the area ``codes`` names at ``niveau``."""
    values = frame[frame["niveau"] == niveau].set_index(["indicator", "peiljaar", "gebiedscode"])["waarde"]
    keys = pd.MultiIndex.from_arrays([frame["indicator"], frame["peiljaar"], codes])
    return values.reindex(keys).to_numpy(dtype=float, na_value=np.nan)  # keys.map: a Python lookup per row


def _index(frame: pd.DataFrame, reference: str, totals: set[str]) -> pd.Series:
    """100 × value / the reference value; none for counts and sums (a part of a total)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        index = 100 * frame["waarde"] / frame[reference].where(frame[reference] != 0)
    return index.where(~frame["indicator"].isin(totals))

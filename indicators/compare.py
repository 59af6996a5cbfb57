"""Comparison with the gemeente (index, rank, z-score) and changes over time."""

from __future__ import annotations

import numpy as np
import pandas as pd


def compare(figures: pd.DataFrame, gemeentecode: str, *, totals: set[str]) -> pd.DataFrame:
    """Add gemeente value, index (gemeente = 100), rank and z-score within the level, and changes over time.

    ``figures`` has indicator, peiljaar, niveau, gebiedscode, waarde; rank 1 is
    the highest value among the areas of the same level. ``totals`` are the
    indicators that count or sum (a part of the gemeente total): they get no index.
    """
    frame = figures.copy()
    gemeente = frame[frame["gebiedscode"] == gemeentecode].set_index(["indicator", "peiljaar"])["waarde"]
    frame["gemeentewaarde"] = pd.MultiIndex.from_frame(frame[["indicator", "peiljaar"]]).map(gemeente).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["index"] = (100 * frame["waarde"] / frame["gemeentewaarde"].where(frame["gemeentewaarde"] != 0))
    frame.loc[frame["indicator"].isin(totals), "index"] = np.nan
    group = frame.groupby(["indicator", "peiljaar", "niveau"])["waarde"]
    frame["rang"] = group.rank(ascending=False, method="min").astype("Int64")
    spread = group.transform(lambda v: v.std(ddof=0))
    frame["z_score"] = (frame["waarde"] - group.transform("mean")) / spread.where(spread > 0)
    frame.loc[frame["niveau"] == "gemeente", ["rang", "z_score"]] = pd.NA

    frame = frame.sort_values(["indicator", "niveau", "gebiedscode", "peiljaar"])
    series = frame.groupby(["indicator", "niveau", "gebiedscode"])["waarde"]
    frame["verandering_vorig_jaar"] = series.diff()
    # from the first peiljaar itself: when that figure is hidden, there is no change to publish
    frame["verandering_eerste_jaar"] = frame["waarde"] - series.transform(lambda values: values.iloc[0])
    first_year = frame.groupby(["indicator", "niveau", "gebiedscode"])["peiljaar"].transform("min")
    frame.loc[frame["peiljaar"] == first_year, "verandering_eerste_jaar"] = np.nan
    return frame.sort_index()

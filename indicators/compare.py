"""Comparison with the gemeente, time series and signalering of unfavourable deviations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wijkatlas.indicators.catalog import Catalog
from wijkatlas.vocabulary import latest_peiljaar

#: A wijk is signalled on a theme when it deviates unfavourably by at least
#: SIGNAL_Z standard deviations on at least SIGNAL_MIN indicators of that theme.
SIGNAL_Z = 1.0
SIGNAL_MIN = 2
SIGNAL_RULE = (f"wijk wijkt op minstens {SIGNAL_MIN} indicatoren van het thema ongunstig af, "
               f"elk met minstens {SIGNAL_Z:g} standaardafwijking van het gemiddelde van de wijken")


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


def signalering(compared: pd.DataFrame, catalog: Catalog, areas: pd.DataFrame) -> pd.DataFrame:
    """Wijken that deviate unfavourably on several indicators of a theme, in the latest peiljaar of each indicator.

    Only indicators with a direction (``higher_is_better``) count. Returns
    wijkcode, wijknaam, thema, aantal_ongunstig, aantal_indicatoren, indicatoren, regel.
    """
    direction = {i.id: i.higher_is_better for i in catalog.indicators.values() if i.higher_is_better is not None}
    wijken = compared[(compared["niveau"] == "wijk") & compared["indicator"].isin(direction)]
    wijken = latest_peiljaar(wijken)
    sign = wijken["indicator"].map({i: 1.0 if up else -1.0 for i, up in direction.items()}).astype(float)
    unfavourable = (wijken["z_score"].astype(float) * sign) <= -SIGNAL_Z
    theme = wijken["indicator"].map(lambda i: catalog.indicators[i].theme)
    title = wijken["indicator"].map(lambda i: catalog.indicators[i].title)
    table = pd.DataFrame({"wijkcode": wijken["gebiedscode"], "thema": theme, "ongunstig": unfavourable.fillna(False),
                          "titel": title})
    counted = table.groupby(["wijkcode", "thema"]).agg(
        aantal_ongunstig=("ongunstig", "sum"), aantal_indicatoren=("ongunstig", "size"),
        indicatoren=("titel", lambda t: "; ".join(t[table.loc[t.index, "ongunstig"]])),
    ).reset_index()
    flagged = counted[counted["aantal_ongunstig"] >= SIGNAL_MIN]
    names = areas[areas["niveau"] == "wijk"].set_index("gebiedscode")["gebiedsnaam"]
    return flagged.assign(wijknaam=flagged["wijkcode"].map(names), regel=SIGNAL_RULE)[
        ["wijkcode", "wijknaam", "thema", "aantal_ongunstig", "aantal_indicatoren", "indicatoren", "regel"]
    ].reset_index(drop=True)

"""Signalering (early warning): areas that deviate, worsen or miss their target, each with its rule in plain Dutch.

Three rules, all computed from one variant's figures (the openbaar signals only
from published figures, so they reveal nothing hidden), for wijken and buurten
with at least ``min_inhabitants`` inhabitants — the rates of a bedrijventerrein
with a hundred inhabitants say little about its residents:

* ``afwijking``: on at least ``min_indicators`` directed indicators of one theme
  the area is at least ``z`` standard deviations worse than the mean of the
  areas of its level (areas under the minimum left out of mean and spread);
* ``trend``: an indicator worsened ``trend_years`` years in a row, by at least
  ``trend_min_change_pct`` % of its first value over those years;
* ``streefwaarde``: the latest value is on the wrong side of the indicator's
  kadernota target (also at gemeente level).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wijkatlas.indicators.catalog import Catalog, SignalRules
from wijkatlas.indicators.profile import format_number
from wijkatlas.vocabulary import LEVELS, latest_peiljaar

SIGNAL_COLUMNS = ["niveau", "gebiedscode", "gebiedsnaam", "soort", "thema", "peiljaar", "indicatoren", "toelichting",
                  "regel"]
#: the levels deviation and trend are judged on (targets also hold for the gemeente)
AREA_LEVELS = ("wijk", "buurt")


def rule_texts(rules: SignalRules, *, with_minimum: bool = True) -> dict[str, str]:
    """Every rule in a sentence a council member can check, by kind of signal.

    ``with_minimum`` is false when the build has no population figures: then every area counts, and the rule says so.
    """
    minimum = f"met minstens {rules.min_inhabitants} inwoners" if with_minimum else "(zonder minimum aantal inwoners)"
    z = f"{rules.z:g}".replace(".", ",")
    change = f"{rules.trend_min_change_pct:g}".replace(".", ",")
    return {
        "afwijking": (f"Een wijk of buurt {minimum} krijgt een signaal als hij op minstens {rules.min_indicators} "
                      f"indicatoren van één thema ongunstig afwijkt: elk minstens {z} standaardafwijking slechter "
                      f"dan het gemiddelde van de wijken (of buurten) {minimum}."),
        "trend": (f"Een wijk of buurt {minimum} krijgt een signaal als een indicator {rules.trend_years} jaar "
                  f"achter elkaar ongunstig veranderde, samen met minstens {change}% van de eerste waarde."),
        "streefwaarde": (f"Een gebied {minimum} krijgt een signaal als de laatste waarde aan de verkeerde kant "
                         "van de streefwaarde uit de kadernota ligt."),
    }


def population(figures: pd.DataFrame, rules: SignalRules) -> pd.DataFrame:
    """The known population figures (latest peiljaar) that decide which areas may be signalled; empty when the build
    has none, and then no minimum applies."""
    return latest_peiljaar(figures[(figures["indicator"] == rules.population) & figures["waarde"].notna()])


def signals(compared: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Every signal of ``compared`` (the long figures with gebiedsnaam), one row each: see :data:`SIGNAL_COLUMNS`."""
    rules = catalog.signals
    inhabitants = population(compared, rules).set_index(["niveau", "gebiedscode"])["waarde"]
    texts = rule_texts(rules, with_minimum=not inhabitants.empty)
    eligible = compared[compared["waarde"].notna()]
    if not inhabitants.empty:
        keys = pd.MultiIndex.from_frame(eligible[["niveau", "gebiedscode"]])
        eligible = eligible[inhabitants.reindex(keys).to_numpy(dtype=float, na_value=np.nan) >= rules.min_inhabitants]
    found = [_deviations(eligible, catalog, texts["afwijking"]), _trends(eligible, catalog, texts["trend"]),
             _targets(compared, eligible, catalog, texts["streefwaarde"])]
    table = pd.concat([f for f in found if len(f)], ignore_index=True) if any(len(f) for f in found) else None
    if table is None:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "peiljaar" else "object") for c in SIGNAL_COLUMNS})
    order = {level: i for i, level in enumerate(LEVELS)}
    table = table.sort_values(["niveau", "gebiedscode", "soort", "thema"], key=lambda c: c.map(order)
                              if c.name == "niveau" else c)
    return table[SIGNAL_COLUMNS].reset_index(drop=True)


def _directions(catalog: Catalog) -> pd.Series:
    """+1 for indicators where higher is better, −1 where lower is better; undirected ones left out."""
    return pd.Series({i.id: 1.0 if i.higher_is_better else -1.0 for i in catalog.indicators.values()
                      if i.higher_is_better is not None}, dtype=float)


def _deviations(eligible: pd.DataFrame, catalog: Catalog, rule: str) -> pd.DataFrame:
    direction = _directions(catalog)
    latest = latest_peiljaar(eligible[eligible["niveau"].isin(AREA_LEVELS) & eligible["indicator"].isin(direction.index)])
    if latest.empty:
        return pd.DataFrame()
    group = latest.groupby(["indicator", "niveau"])["waarde"]
    spread = group.transform("std", ddof=0)
    z = (latest["waarde"] - group.transform("mean")) / spread.where(spread > 0)
    latest = latest.assign(ongunstig=(z * latest["indicator"].map(direction)) <= -catalog.signals.z,
                           thema=latest["indicator"].map(lambda i: catalog.indicators[i].theme),
                           titel=latest["indicator"].map(lambda i: catalog.indicators[i].title))
    keys = ["niveau", "gebiedscode", "thema"]
    per_theme = latest.groupby(keys, sort=True).agg(gebiedsnaam=("gebiedsnaam", "first"), aantal=("waarde", "size"))
    worse = latest[latest["ongunstig"]].groupby(keys, sort=True).agg(
        peiljaar=("peiljaar", "max"), indicatoren=("titel", "; ".join), ongunstig=("titel", "size"))
    found = worse[worse["ongunstig"] >= catalog.signals.min_indicators].join(per_theme).reset_index()
    return pd.DataFrame({
        "niveau": found["niveau"], "gebiedscode": found["gebiedscode"], "gebiedsnaam": found["gebiedsnaam"],
        "soort": "afwijking", "thema": found["thema"], "peiljaar": found["peiljaar"].astype(int),
        "indicatoren": found["indicatoren"],
        "toelichting": [f"{n} van {total} indicatoren van het thema ongunstig"
                        for n, total in zip(found["ongunstig"], found["aantal"], strict=True)],
        "regel": rule})


def _trends(eligible: pd.DataFrame, catalog: Catalog, rule: str) -> pd.DataFrame:
    """Areas whose figure worsened every year of the last ``trend_years`` by at least the minimum change."""
    direction = _directions(catalog)
    years = catalog.signals.trend_years
    keys = ["indicator", "niveau", "gebiedscode"]
    chosen = eligible[eligible["niveau"].isin(AREA_LEVELS) & eligible["indicator"].isin(direction.index)]
    if chosen.empty:
        return pd.DataFrame()
    recent = chosen.sort_values(keys + ["peiljaar"]).groupby(keys, sort=False).tail(years + 1)
    series = recent.groupby(keys, sort=False)
    later = series.cumcount() > 0  # every row but a series' first: its change from the year before
    step = series["waarde"].diff() * recent["indicator"].map(direction).astype(float)
    broken = later & ((series["peiljaar"].diff() != 1) | ~(step < 0))  # a gap, or a year that did not worsen
    summary = pd.DataFrame({"lengte": series.size(),
                            "gebroken": broken.groupby([recent[key] for key in keys], sort=False).any(),
                            "eerste": series["waarde"].first(),
                            "laatste": series["waarde"].last(), "van": series["peiljaar"].first(),
                            "tot": series["peiljaar"].last(), "gebiedsnaam": series["gebiedsnaam"].last()})
    with np.errstate(divide="ignore", invalid="ignore"):
        change = 100 * (summary["laatste"] - summary["eerste"]).abs() / summary["eerste"].abs()
    found = summary[(summary["lengte"] == years + 1) & ~summary["gebroken"] & (summary["eerste"] != 0)
                    & (change >= catalog.signals.trend_min_change_pct)]
    rows = []
    for trend in found.reset_index().itertuples():
        definition = catalog.indicators[trend.indicator]
        rows.append({"niveau": trend.niveau, "gebiedscode": trend.gebiedscode, "gebiedsnaam": trend.gebiedsnaam,
                     "soort": "trend", "thema": definition.theme, "peiljaar": int(trend.tot),
                     "indicatoren": definition.title,
                     "toelichting": f"van {format_number(trend.eerste, definition.unit)} ({trend.van}) "
                                    f"naar {format_number(trend.laatste, definition.unit)} ({trend.tot}) "
                                    f"{definition.unit}",
                     "regel": rule})
    return pd.DataFrame(rows)


def target_table(compared: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Per targeted indicator and area: its kadernota target, the latest figure and whether it meets the target."""
    rows = []
    for indicator in catalog.indicators.values():
        target = indicator.target
        if target is None:
            continue
        latest = latest_peiljaar(compared[compared["indicator"] == indicator.id])
        for row in latest.itertuples():
            known = pd.notna(row.waarde)
            rows.append({"indicator": indicator.id, "niveau": row.niveau, "gebiedscode": row.gebiedscode,
                         "peiljaar": int(row.peiljaar), "waarde": row.waarde,
                         "streefwaarde": target.value_for(row.gebiedscode), "streefjaar": target.year,
                         "richting": target.direction, "omschrijving": target.describe(row.gebiedscode),
                         "gehaald": (not target.missed(row.waarde, row.gebiedscode)) if known else None})
    table = pd.DataFrame(rows, columns=["indicator", "niveau", "gebiedscode", "peiljaar", "waarde", "streefwaarde",
                                        "streefjaar", "richting", "omschrijving", "gehaald"])
    return table.astype({"gehaald": "boolean"})  # unknown where the figure is hidden


def _targets(compared: pd.DataFrame, eligible: pd.DataFrame, catalog: Catalog, rule: str) -> pd.DataFrame:
    """The latest figures that miss their target, in areas that may be signalled."""
    table = target_table(compared, catalog)
    missed = table[table["gehaald"].eq(False).fillna(False)]
    names = eligible.drop_duplicates(["niveau", "gebiedscode"]).set_index(["niveau", "gebiedscode"])["gebiedsnaam"]
    missed = missed[pd.MultiIndex.from_frame(missed[["niveau", "gebiedscode"]]).isin(names.index)]
    rows = []
    for row in missed.itertuples():
        definition = catalog.indicators[row.indicator]
        rows.append({"niveau": row.niveau, "gebiedscode": row.gebiedscode,
                     "gebiedsnaam": names[(row.niveau, row.gebiedscode)], "soort": "streefwaarde",
                     "thema": definition.theme, "peiljaar": row.peiljaar, "indicatoren": definition.title,
                     "toelichting": f"{format_number(row.waarde, definition.unit)} {definition.unit}; streefwaarde "
                                    f"{row.omschrijving}",
                     "regel": rule})
    return pd.DataFrame(rows)

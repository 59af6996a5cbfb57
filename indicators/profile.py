"""A wijk's profile as text: its indicators beside the gemeente, by theme."""

from __future__ import annotations

import pandas as pd

from wijkatlas.errors import WijkatlasError
from wijkatlas.vocabulary import is_suppressed, latest_peiljaar

LEVEL_OF_PREFIX = {"WK": "wijk", "BU": "buurt"}


def format_number(value: float, unit: str) -> str:
    """A figure the Dutch way: decimal comma, thin-space thousands, one decimal for non-counts."""
    if value != value if isinstance(value, float) else pd.isna(value):  # a float's NaN test without pandas: 10x faster
        return "–"
    decimals = 0 if unit in ("aantal", "m") or abs(value) >= 1000 else 1
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def area_profile(long: pd.DataFrame, definitions: pd.DataFrame, code: str, *, intern: bool = False) -> str:
    """The profile of a wijk or buurt from the stored long indicator table, latest peiljaar per indicator.

    ``intern`` marks the profile as holding figures without disclosure control, at its top and bottom.

    Raises
    ------
    WijkatlasError
        When the code is not a wijk or buurt of the datapakhuis.
    """
    niveau = LEVEL_OF_PREFIX.get(code[:2], "wijk")
    rows = long[(long["niveau"] == niveau) & (long["gebiedscode"] == code)]
    if rows.empty:
        known = sorted(long.loc[long["niveau"] == niveau, "gebiedscode"].unique())
        raise WijkatlasError(f"{niveau} '{code}' niet gevonden; bekende {niveau}en: {', '.join(known) or 'geen'}")
    wijkcode = code
    latest = latest_peiljaar(rows)
    order = {indicator: position for position, indicator in enumerate(definitions["indicator"])}
    latest = latest.merge(definitions, on="indicator")
    latest = latest.sort_values("indicator", key=lambda ids: ids.map(order), kind="stable")
    warning = ["INTERN — cijfers zonder geheimhouding; niet publiceren of doorsturen", ""] if intern else []
    lines = [*warning, f"{niveau.capitalize()}profiel {latest['gebiedsnaam'].iloc[0]} ({wijkcode})", ""]
    header = f"  {'indicator':<52}{niveau:>12}{'gemeente':>12}{'index':>7}{'rang':>6}{'sinds vorig jaar':>18}"
    for theme, group in latest.groupby("thema", sort=False):
        lines += [theme.upper(), header]
        for row, suppressed in zip(group.itertuples(), is_suppressed(group["status"]), strict=True):
            if suppressed:
                value = row.status_toelichting
                lines.append(f"  {row.titel + ' (' + row.eenheid + ')':<52}  {value}")
                continue
            index = "" if pd.isna(row.index) else f"{row.index:.0f}"
            rank = "" if pd.isna(row.rang) else str(int(row.rang))
            change = "" if pd.isna(row.verandering_vorig_jaar) else format_number(row.verandering_vorig_jaar, row.eenheid)
            lines.append(
                f"  {row.titel + ' (' + row.eenheid + ')':<52}{format_number(row.waarde, row.eenheid):>12}"
                f"{format_number(row.gemeentewaarde, row.eenheid):>12}{index:>7}{rank:>6}{change:>18}"
            )
        lines.append("")
    attributions = sorted({a for text in latest["bronvermelding"] for a in text.split("; ")})
    lines.append(f"Index: gemeente = 100. Rang: 1 = hoogste waarde van de {niveau}en. " + "; ".join(attributions))
    return "\n".join(lines + warning[:1])

"""A wijk's profile as text: its indicators beside the gemeente, by theme."""

from __future__ import annotations

import pandas as pd

from wijkatlas.errors import WijkatlasError


def format_number(value: float, unit: str) -> str:
    """A figure the Dutch way: decimal comma, thin-space thousands, one decimal for non-counts."""
    if pd.isna(value):
        return "–"
    decimals = 0 if unit in ("aantal", "m") or abs(value) >= 1000 else 1
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def wijk_profile(long: pd.DataFrame, definitions: pd.DataFrame, wijkcode: str) -> str:
    """The profile of ``wijkcode`` from the stored long indicator table, latest peiljaar per indicator.

    Raises
    ------
    WijkatlasError
        When the code is not a wijk of the datapakhuis.
    """
    rows = long[(long["niveau"] == "wijk") & (long["gebiedscode"] == wijkcode)]
    if rows.empty:
        known = sorted(long.loc[long["niveau"] == "wijk", "gebiedscode"].unique())
        raise WijkatlasError(f"wijk '{wijkcode}' niet gevonden; bekende wijken: {', '.join(known)}")
    latest = rows[rows["peiljaar"] == rows.groupby("indicator")["peiljaar"].transform("max")]
    order = {indicator: position for position, indicator in enumerate(definitions["indicator"])}
    latest = latest.merge(definitions, on="indicator")
    latest = latest.sort_values("indicator", key=lambda ids: ids.map(order), kind="stable")
    lines = [f"Wijkprofiel {latest['gebiedsnaam'].iloc[0]} ({wijkcode})", ""]
    header = f"  {'indicator':<52}{'wijk':>12}{'gemeente':>12}{'index':>7}{'rang':>6}{'sinds vorig jaar':>18}"
    for theme, group in latest.groupby("thema", sort=False):
        lines += [theme.upper(), header]
        for row in group.itertuples():
            if pd.notna(row.status) and str(row.status).startswith("geheim"):
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
    lines.append("Index: gemeente = 100. Rang: 1 = hoogste waarde van de wijken. " + "; ".join(attributions))
    return "\n".join(lines)

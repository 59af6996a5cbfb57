"""Per-wijk profile pages (HTML): the wijk's indicators beside the gemeente, their time series, definitions and quality."""

from __future__ import annotations

import html
from pathlib import Path

import jinja2
import pandas as pd

from wijkatlas.indicators.disclosure import status_text
from wijkatlas.indicators.profile import format_number
from wijkatlas.viewers.data import Atlas
from wijkatlas.vocabulary import is_suppressed, latest_peiljaar

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                               autoescape=True)
LINE_COLOURS = {"wijk": "#0072B2", "gemeente": "#E69F00"}
SPARK_WIDTH, SPARK_HEIGHT = 120, 32


def sparkline(years: list[int], wijk: list[float | None], gemeente: list[float | None]) -> str:
    """A small SVG of the wijk's and the gemeente's values over the peiljaren (gaps where missing).

    The gemeente is left out when its values are of another order than the wijk's (counts, areas).
    """
    def known(series: list[float | None]) -> list[float]:
        return [v for v in series if v is not None and pd.notna(v)]

    if len(years) < 2 or not known(wijk):
        return ""
    if known(gemeente) and max(map(abs, known(gemeente))) > 3 * max(map(abs, known(wijk))):
        gemeente = [None] * len(years)
    values = known(wijk) + known(gemeente)
    low, high = min(values), max(values)
    span = (high - low) or 1.0

    def line(series: list[float | None], colour: str, style: str) -> str:
        points = " ".join(
            f"{3 + i * (SPARK_WIDTH - 6) / (len(years) - 1):.1f},{SPARK_HEIGHT - 3 - (v - low) / span * (SPARK_HEIGHT - 6):.1f}"
            for i, v in enumerate(series) if v is not None and pd.notna(v))
        return f'<polyline fill="none" stroke="{colour}" {style} points="{points}"/>' if points else ""

    label = html.escape(", ".join(f"{y}: {'–' if v is None or pd.isna(v) else round(v, 1)}" for y, v in zip(years, wijk, strict=False)))
    return (f'<svg class="wa-spark" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" role="img"><title>{label}</title>'
            + line(gemeente, LINE_COLOURS["gemeente"], 'stroke-width="2" stroke-dasharray="4 2"')
            + line(wijk, LINE_COLOURS["wijk"], 'stroke-width="2.5"') + "</svg>")


def wijk_pages(atlas: Atlas, *, gemeentenaam: str) -> dict[str, str]:
    """The HTML profile page of every wijk, by wijkcode."""
    long = atlas.long()
    definitions = atlas.definitions()
    quality = atlas.quality()
    years = sorted(long["peiljaar"].unique().tolist())
    gemeente = long[long["niveau"] == "gemeente"].pivot_table(index="indicator", columns="peiljaar", values="waarde")
    wijken = long[long["niveau"] == "wijk"]
    scope = "openbare cijfers" if atlas.public else "INTERN: niet publiceren"
    attributions = "; ".join(sorted({a for text in definitions["bronvermelding"] for a in text.split("; ")}))
    pages = {}
    for code, rows in wijken.groupby("gebiedscode"):
        series = rows.pivot_table(index="indicator", columns="peiljaar", values="waarde", dropna=False)
        latest = latest_peiljaar(rows).set_index("indicator")
        latest["geheim"] = is_suppressed(latest["status"])
        marks = quality[(quality["niveau"] == "wijk") & (quality["gebiedscode"] == code)].set_index(
            ["indicator", "peiljaar"])
        themes: dict[str, list[dict]] = {}
        for indicator, definition in definitions.iterrows():
            if indicator not in latest.index:
                continue
            row = latest.loc[indicator]
            unit = definition["eenheid"]
            secret = bool(row["geheim"])
            wijk_series = [None if secret else series.loc[indicator].get(y) for y in years]
            gemeente_series = [gemeente.loc[indicator].get(y) if indicator in gemeente.index else None for y in years]
            mark = marks.loc[(indicator, row["peiljaar"])] if (indicator, row["peiljaar"]) in marks.index else None
            themes.setdefault(definition["thema"], []).append({
                "id": indicator, "titel": definition["titel"], "eenheid": unit, "peiljaar": int(row["peiljaar"]),
                "geheim": status_text(row["status"]) if secret else "",
                "waarde": format_number(row["waarde"], unit),
                "gemeente": format_number(row["gemeentewaarde"], unit),
                "index": "" if secret or pd.isna(row["index"]) else f"{row['index']:.0f}",
                "sparkline": sparkline(years, wijk_series, gemeente_series),
                "omschrijving": definition["omschrijving"], "bronvermelding": definition["bronvermelding"],
                "eigenaar": definition["eigenaar"], "geheimhouding_regel": definition["geheimhouding_regel"],
                "kwaliteit": quality_text(mark),
            })
        pages[code] = TEMPLATES.get_template("wijkprofiel.html").render(
            naam=rows["gebiedsnaam"].iloc[0], code=code, gemeentenaam=gemeentenaam, scope=scope,
            themes=list(themes.items()), attributions=attributions, colours=LINE_COLOURS)
    return pages


def quality_text(mark: pd.Series | None) -> str:
    """Data quality of one figure in a sentence: records used and missing, and its source's state."""
    if mark is None:
        return "onbekend"
    parts = []
    if pd.notna(mark.get("records_gebruikt")):  # not in the openbaar variant
        parts.append(f"{int(mark['records_gebruikt'])} records gebruikt")
    if pd.notna(mark["aandeel_ontbrekend"]):
        parts.append(f"{mark['aandeel_ontbrekend']:.0f}% ontbrekend")  # stored as a percentage (0–100)
    parts.append(f"bron: {int(mark['bron_gelezen'])} gelezen, {int(mark['bron_afgekeurd'])} afgekeurd")
    if pd.notna(mark["bron_leeftijd_dagen"]):
        parts.append(f"bron {int(mark['bron_leeftijd_dagen'])} dagen oud op de peildatum")
    return "; ".join(parts)

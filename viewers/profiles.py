"""Area profiles (HTML, and PDF for print): a wijk's or buurt's indicators beside the gemeente, over time.

Each profile shows the area's signals with their rules, its similar areas, every
indicator with gemeente value, index, target and reference value, a time-series
chart with axes, definition, owners, feedback address and data quality, the
sources' quality, and the gebiedsregisseur's own text (Markdown, raw HTML off).
The PDF is the same page laid out for A4, printed by Chromium.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from markdown_it import MarkdownIt

from wijkatlas.indicators.disclosure import status_text
from wijkatlas.indicators.profile import LEVEL_OF_PREFIX, format_number
from wijkatlas.viewers.data import Atlas, records_of, rows_of
from wijkatlas.viewers.pdf import print_pdfs
from wijkatlas.viewers.templating import TEMPLATES, sources_table
from wijkatlas.vocabulary import is_suppressed

LINE_COLOURS = {"gebied": "#0072B2", "gemeente": "#B35806", "streefwaarde": "#D55E00"}
CHART_WIDTH, CHART_HEIGHT = 250, 110
MARGIN = {"left": 46, "right": 8, "top": 14, "bottom": 20}
LEVEL_TITLES = {"wijk": "Wijkprofiel", "buurt": "Buurtprofiel"}
#: Markdown as CommonMark without raw HTML: a text can format and link, never script
MARKDOWN = MarkdownIt("commonmark", {"html": False})


def profile_page_name(code: str, suffix: str = "html") -> str:
    """The file name of an area's profile page (or its PDF)."""
    return f"profiel-{code}.{suffix}"


def chart(years: list[int], area: list[float | None], gemeente: list[float | None], unit: str, *,
          target: float | None = None) -> str:
    """An SVG line chart of an area's values over the peiljaren with a value axis, year labels and each value written.

    The gemeente is drawn dashed when its values are of the same order as the
    area's (not for counts and areas); a target is a dotted horizontal line.
    """
    area_known, gemeente_known = _known(area), _known(gemeente)
    if not area_known:
        return ""
    if gemeente_known and max(map(abs, gemeente_known)) > 3 * max(max(map(abs, area_known)), 1e-9):
        gemeente, gemeente_known = [None] * len(years), []
    values = area_known + gemeente_known + ([target] if target is not None else [])
    low, high = min(0.0, min(values)), max(values)
    high = high if high > low else low + 1.0
    left, top = MARGIN["left"], MARGIN["top"]
    width, height = CHART_WIDTH - left - MARGIN["right"], CHART_HEIGHT - top - MARGIN["bottom"]

    def x(i: int) -> float:
        inset = 16  # room for the first and last value's label
        return left + (width / 2 if len(years) == 1 else inset + i * (width - 2 * inset) / (len(years) - 1))

    def y(v: float) -> float:
        return top + height - (v - low) / (high - low) * height

    parts = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="#777"/>',
             f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="#777"/>']
    for tick in (low, (low + high) / 2, high):
        parts.append(f'<line x1="{left - 3}" y1="{y(tick):.1f}" x2="{left + width}" y2="{y(tick):.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{left - 5}" y="{y(tick) + 3:.1f}" text-anchor="end">{format_number(tick, unit)}</text>')
    for i, year in enumerate(years):
        parts.append(f'<text x="{x(i):.1f}" y="{CHART_HEIGHT - 5}" text-anchor="middle">{year}</text>')
    if target is not None:
        parts.append(f'<line class="wa-target" x1="{left}" y1="{y(target):.1f}" x2="{left + width}" y2="{y(target):.1f}" '
                     f'stroke="{LINE_COLOURS["streefwaarde"]}" stroke-width="1.5" stroke-dasharray="2 3"/>')
    for series, colour, style in ((gemeente, LINE_COLOURS["gemeente"], 'stroke-dasharray="5 3" stroke-width="2"'),
                                  (area, LINE_COLOURS["gebied"], 'stroke-width="2.5"')):
        points = [(x(i), y(v)) for i, v in enumerate(series) if v is not None and v == v]
        if len(points) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" {style} points="'
                         + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + '"/>')
        if series is area:
            parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>'
                      f'<text class="wa-value" x="{px:.1f}" y="{py - 6:.1f}" text-anchor="middle">'
                      f'{format_number(v, unit)}</text>'
                      for (px, py), v in zip(points, area_known, strict=True)]
    label = html.escape("; ".join(f"{year}: {format_number(v, unit) if v is not None else '–'}"
                                  for year, v in zip(years, area, strict=True)) + f" ({unit})")
    return (f'<svg class="wa-chart" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} '
            f'{CHART_HEIGHT}" role="img" aria-label="{label}"><title>{label}</title>{"".join(parts)}</svg>')


def _known(series: list[float | None]) -> list[float]:
    """The values of ``series`` that are there (None and NaN are not)."""
    return [v for v in series if v is not None and v == v]


@dataclass(frozen=True)
class Profiles:
    """Everything the profile pages of one variant share, read once."""

    atlas: Atlas

    def pages(self, *, printing: bool = False, with_pdf: bool = False,
              part: tuple[int, int] = (0, 1)) -> Iterator[tuple[str, str]]:
        """The profile page of every wijk and buurt (code, page) in the order of :meth:`codes`; ``printing`` lays
        them out for the PDF, ``with_pdf`` links the PDF beside the page; ``part`` (i, n) gives every n-th page from
        the i-th (one process's share, which reads only its own areas' figures)."""
        atlas = self.atlas
        mine = set(self.codes()[part[0]::part[1]])
        long = atlas.long()
        definitions = atlas.definitions()
        indicators = list(definitions.reset_index().to_dict("records"))
        years = sorted(long["peiljaar"].unique().tolist())
        methods = atlas.methods()
        gemeentenamen, regio = atlas.gemeentenamen(), atlas.regio()
        context = {
            "regionaam": regio[1] if regio else "", "editie": atlas.edition().strftime("%d-%m-%Y"),
            "scope": "openbare cijfers" if atlas.public else "INTERN: niet publiceren",
            "intern": not atlas.public, "printing": printing, "colours": LINE_COLOURS,
            "regels": [(kind, text) for kind, text in methods.items() if kind != "vergelijkbaar"],
            "methode_vergelijkbaar": methods.get("vergelijkbaar", ""),
            "bronnen": sources_table(atlas.sources()),
            "attributions": "; ".join(sorted({a for text in definitions["bronvermelding"] for a in text.split("; ")})),
        }
        shown = long[long["gebiedscode"].isin(mine)]
        shown = shown.assign(geheim=is_suppressed(shown["status"]))
        targets = _by_area(_of(atlas.targets(), mine), by_year=False)
        signals, similar = _by_code(_of(atlas.signals(), mine)), _by_code(_of(atlas.similar(), mine))
        gemeente_series = {code: _values(rows) for code, rows in long[long["niveau"] == "gemeente"].groupby("gebiedscode")}
        names = dict(rows_of(long.drop_duplicates("gebiedscode", keep="last"), ["gebiedscode", "gebiedsnaam"]))
        buurten_of: dict[str, list[tuple[str, str]]] = {}
        buurten = long[long["niveau"] == "buurt"].drop_duplicates("gebiedscode")
        for buurt, naam in rows_of(buurten, ["gebiedscode", "gebiedsnaam"]):
            buurten_of.setdefault("WK" + buurt[2:8], []).append((buurt, naam))
        texts = atlas.texts()
        ordered = shown.sort_values(["niveau", "gebiedscode", "peiljaar"], kind="stable")
        series: dict[tuple[str, str], dict[tuple[str, int], float]] = {}
        for niveau, code, indicator, year, value in rows_of(ordered, ["niveau", "gebiedscode", "indicator", "peiljaar",
                                                                      "waarde"]):
            series.setdefault((niveau, code), {})[(indicator, year)] = value
        latest_rows = ordered.drop_duplicates(["niveau", "gebiedscode", "indicator"], keep="last")
        latest: dict[tuple[str, str], dict[str, dict]] = {}
        for row in records_of(latest_rows):
            latest.setdefault((row["niveau"], row["gebiedscode"]), {})[row["indicator"]] = row
        # the quality of the figures a page shows: each indicator's latest peiljaar of the area
        quality = _by_area(atlas.quality().merge(latest_rows[["niveau", "gebiedscode", "indicator", "peiljaar"]]),
                           by_year=True)
        for (niveau, code), area_latest in latest.items():
            gemeentecode, wijkcode = f"GM{code[2:6]}", "WK" + code[2:8]
            themes = self._themes(area_latest, series[(niveau, code)], indicators, quality.get((niveau, code), {}),
                                  targets.get((niveau, code), {}), gemeente_series.get(gemeentecode, {}), years)
            yield code, TEMPLATES.get_template("profiel.html").render(
                **context, titel=LEVEL_TITLES[niveau], niveau=niveau, naam=names[code], code=code,
                gemeentenaam=gemeentenamen.get(gemeentecode, gemeentecode),
                wijk=(wijkcode, names[wijkcode]) if niveau == "buurt" and wijkcode in names else None,
                buurten=buurten_of.get(code, []) if niveau == "wijk" else [], themes=themes,
                signalen=signals.get(code, []), vergelijkbaar=similar.get(code, []),
                toelichting=MARKDOWN.render(texts[code])
                if code in texts else "", pdf=profile_page_name(code, "pdf") if with_pdf else "")

    def codes(self) -> list[str]:
        """The wijken and buurten that get a profile, in the order of :meth:`pages`."""
        long = self.atlas.long()
        shown = long[long["niveau"].isin(LEVEL_TITLES)].drop_duplicates(["niveau", "gebiedscode"])
        return shown.sort_values(["niveau", "gebiedscode"])["gebiedscode"].tolist()

    def write(self, folder: Path, with_pdf: bool, part: tuple[int, int] = (0, 1)) -> None:
        """The profile pages of ``part`` into ``folder`` (see :meth:`pages`)."""
        for code, text in self.pages(with_pdf=with_pdf, part=part):
            (folder / profile_page_name(code)).write_text(text, encoding="utf-8")

    def write_pdfs(self, folder: Path) -> list[Path]:
        """Every profile as an A4 PDF in ``folder`` (edition date, sources, definitions and quality on it)."""
        scope = "openbare cijfers" if self.atlas.public else "INTERN — niet publiceren"
        edition = self.atlas.edition().strftime("%d-%m-%Y")
        gemeentenamen = self.atlas.gemeentenamen()
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            printable = {}
            for code, page in self.pages(printing=True):
                path = Path(scratch) / profile_page_name(code)
                path.write_text(page, encoding="utf-8")
                printable[path] = f"{LEVEL_TITLES[LEVEL_OF_PREFIX[code[:2]]]} {code} · gemeente " \
                                  f"{gemeentenamen.get(f'GM{code[2:6]}', '')} · " \
                                  f"editie {edition} · {scope}"
            return [pdf.replace(folder / pdf.name) for pdf in print_pdfs(printable)]

    def _themes(self, latest: dict[str, dict], series: dict[tuple[str, int], float], indicators: list[dict],
                quality: dict, targets: dict, gemeente: dict[tuple[str, int], float],
                years: list[int]) -> list[tuple[str, list[dict]]]:
        """The area's indicators per theme (``latest``: each indicator's latest row, ``series``: every value), each
        with its figures, chart, definition and quality."""
        themes: dict[str, list[dict]] = {}
        for definition in indicators:
            indicator = definition["indicator"]
            if indicator not in latest:
                continue
            row = latest[indicator]
            unit, secret = definition["eenheid"], bool(row["geheim"])
            target = targets.get(indicator)
            area_series = [None if secret else series.get((indicator, y)) for y in years]
            gemeente_series = [gemeente.get((indicator, y)) for y in years]
            themes.setdefault(definition["thema"], []).append({
                "id": indicator, "titel": definition["titel"], "eenheid": unit, "peiljaar": int(row["peiljaar"]),
                "geheim": status_text(row["status"]) if secret else "",
                "waarde": format_number(row["waarde"], unit),
                "gemeente": format_number(row["gemeentewaarde"], unit),
                "index": "" if secret or pd.isna(row["index"]) else f"{row['index']:.0f}",
                "regio": format_number(row["regiowaarde"], unit) if "regiowaarde" in row else "",
                "index_regio": "" if secret or pd.isna(row.get("index_regio")) else f"{row['index_regio']:.0f}",
                "streefwaarde": "" if target is None else target["omschrijving"],
                "gehaald": None if target is None or pd.isna(target["gehaald"]) else bool(target["gehaald"]),
                "referentie": definition.get("referentiewaarde", ""),
                "grafiek": chart(years, area_series, gemeente_series, unit,
                                 target=None if target is None else float(target["streefwaarde"])),
                "omschrijving": definition["omschrijving"], "bronvermelding": definition["bronvermelding"],
                "eigenaar": definition["eigenaar"], "broneigenaren": definition.get("broneigenaren", ""),
                "terugmelden": definition.get("terugmelden", ""),
                "geheimhouding_regel": definition["geheimhouding_regel"],
                "kwaliteit": quality_text(quality.get((indicator, row["peiljaar"]))),
            })
        return list(themes.items())


def _of(table: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """The rows of ``table`` about the areas ``codes``."""
    return table[table["gebiedscode"].isin(codes)]


def _values(rows: pd.DataFrame) -> dict[tuple[str, int], float]:
    """(indicator, peiljaar) -> waarde of one area's figures."""
    return {(indicator, year): value for indicator, year, value in rows_of(rows, ["indicator", "peiljaar", "waarde"])}


def _by_area(table: pd.DataFrame, *, by_year: bool) -> dict[tuple[str, str], dict]:
    """(niveau, gebiedscode) -> {indicator, or (indicator, peiljaar) ``by_year``: its row as a dict}."""
    found: dict[tuple[str, str], dict] = {}
    for row in records_of(table):
        key = (row["indicator"], row["peiljaar"]) if by_year else row["indicator"]
        found.setdefault((row["niveau"], row["gebiedscode"]), {})[key] = row
    return found


def _by_code(table: pd.DataFrame) -> dict[str, list[dict]]:
    """gebiedscode -> its rows as dicts, in table order."""
    found: dict[str, list[dict]] = {}
    for row in records_of(table):
        found.setdefault(row["gebiedscode"], []).append(row)
    return found


def quality_text(mark: dict | None) -> str:
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

"""Gebiedsprofiel: a choropleth of any indicator of the catalog per wijk or buurt, in any peiljaar.

The area outlines are embedded once; every indicator's value per area and
peiljaar, the reason a hidden one is hidden, the class bounds of every
classification method (mapclassify, over all peiljaren so that colours compare
across years), the signals with their rules and each area's similar areas are
one JSON block beside them (``<script class="wa-area-data">``). ``areas.js``
restyles the areas in the browser from selectors for indicator, peiljaar,
classes, comparison group (gemeente or similar areas), signals and area, so one
page holds the whole catalog and stays small.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import folium
import mapclassify
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement, Template

from wijkatlas.indicators.disclosure import status_text
from wijkatlas.viewers.data import Atlas, bounds
from wijkatlas.viewers.style import (
    CLASS_COLOURS,
    MISSING,
    MISSING_LABEL,
    SUPPRESSED,
    SUPPRESSED_LABEL,
    Frame,
    QualityPanel,
    base_map,
)
from wijkatlas.vocabulary import LEVELS as VOCABULARY_LEVELS
from wijkatlas.vocabulary import is_suppressed

#: Classification methods offered, by their Dutch legend name.
SCHEMES = {"kwantielen": "Quantiles", "natuurlijke grenzen": "FisherJenks", "gelijke intervallen": "EqualInterval"}
DEFAULT_SCHEME = "kwantielen"
CLASSES = 5
#: natural breaks of more values are found on this many of their quantiles (the same breaks every build)
NATURAL_BREAKS_SAMPLE = 2_000
#: the levels a map shows, as its layer control names them
LEVELS = {level: VOCABULARY_LEVELS[level].title for level in ("wijk", "buurt")}
#: Outline of an area with a signal (Okabe-Ito vermillion), and of the areas it is compared with.
SIGNAL_OUTLINE = {"color": "#D55E00", "weight": 4, "dashArray": ""}
SIMILAR_OUTLINE = {"color": "#000000", "weight": 3, "dashArray": "6 4"}
#: The script that draws and restyles the areas; inlined so the page works from a folder.
AREAS_JS = Path(__file__).with_name("static") / "areas.js"
#: The class of the JSON block with the areas' figures, which ``check-openbaar`` reads.
DATA_CLASS = "wa-area-data"


def classify(values: pd.Series, scheme: str, k: int = CLASSES) -> list[float]:
    """Upper bounds of the classes of the non-missing ``values`` (fewer classes when there are fewer values)."""
    present = values.dropna().to_numpy(dtype=float)
    distinct = np.unique(present)
    if len(distinct) == 0:
        return []
    k = max(1, min(k, len(distinct)))
    if k < 3:
        return [float(b) for b in distinct[-k:]]
    if SCHEMES[scheme] == "FisherJenks" and len(present) > NATURAL_BREAKS_SAMPLE:
        # the exact method grows with the square of the values (the country's buurten); evenly spaced
        # quantiles keep the distribution, its minimum and maximum, and give reproducible classes
        present = np.quantile(present, np.linspace(0, 1, NATURAL_BREAKS_SAMPLE))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Not enough unique values")  # ties: fewer classes
        classes = mapclassify.classify(present, SCHEMES[scheme], k=k)
    return [float(b) for b in classes.bins]


def palette(count: int) -> list[str]:
    """``count`` colours from light to dark (a ColorBrewer sequential scheme)."""
    return CLASS_COLOURS[count] if count >= 3 else CLASS_COLOURS[3][:count]


def area_data(atlas: Atlas, indicators: list[str] | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Per level the areas' outlines (code and name), and the page's data block for all or ``indicators``."""
    definitions = atlas.definitions()
    if indicators is not None:
        definitions = definitions.loc[indicators]
    frames = {level: atlas.areas(level) for level in LEVELS}
    long = atlas.long()
    long = long[long["indicator"].isin(definitions.index)].assign(
        waarde=lambda f: f["waarde"].round(2), geheim=lambda f: is_suppressed(f["status"]))
    codes = {level: frames[level][VOCABULARY_LEVELS[level].code].tolist() for level in LEVELS}
    long["positie"] = -1  # an area's place in its level's codes (-1: a gemeente or the regio)
    for level, level_codes in codes.items():
        at_level = (long["niveau"] == level).to_numpy()
        long.loc[at_level, "positie"] = pd.Index(level_codes).get_indexer(long.loc[at_level, "gebiedscode"])
    reasons = long.loc[long["geheim"], "status"].map(status_text)
    texts = sorted(reasons.unique())
    long["reden"] = reasons.map({reason: i for i, reason in enumerate(texts)})
    indexed = set(long.loc[long["index"].notna(), "indicator"])  # counts and sums have no index
    by_indicator = dict(tuple(long.groupby("indicator")))
    values: dict[str, dict] = {}
    hidden: dict[str, dict] = {}
    meta = []
    for indicator, definition in definitions.iterrows():  # in catalog order
        if indicator not in by_indicator:
            continue
        rows = by_indicator[indicator]
        values[indicator], hidden[indicator] = _cells(rows, {level: len(c) for level, c in codes.items()})
        meta.append({
            "id": indicator, "title": definition["titel"], "unit": definition["eenheid"], "theme": definition["thema"],
            "indexed": indicator in indexed, "years": sorted(int(y) for y in rows["peiljaar"].unique()),
            "classes": {scheme: {level: _classes(rows[rows["niveau"] == level]["waarde"], scheme)
                                 for level in LEVELS} for scheme in SCHEMES},
        })
    data = {
        "latest": int(long["peiljaar"].max()) if len(long) else None,
        "regio": dict(zip(("code", "name"), regio, strict=True)) if (regio := atlas.regio()) else None,
        "gemeenten": atlas.gemeentenamen(),
        "levels": {level: {"codes": codes[level], "names": frames[level][VOCABULARY_LEVELS[level].naam].tolist()}
                   for level in LEVELS},
        "indicators": meta, "values": values, "hidden": hidden, "reasons": texts,
        "rules": {kind: text for kind, text in atlas.methods().items() if kind != "vergelijkbaar"},
        **_signals(atlas), "similar": _similar(atlas),
    }
    outlines = {level: frame[[VOCABULARY_LEVELS[level].code, "geometry"]].rename(
        columns={VOCABULARY_LEVELS[level].code: "code"}) for level, frame in frames.items()}
    return outlines, data


def _cells(rows: pd.DataFrame, sizes: dict[str, int]) -> tuple[dict, dict]:
    """An indicator's published values per level and peiljaar (one per area, in the level's order of ``sizes``
    areas; the gemeenten's and the regio's by code, for comparison), and the hidden areas' positions per reason
    (its index in the page's reasons: a country's hidden figures share a handful)."""
    values: dict[str, dict] = {}
    hidden: dict[str, dict] = {}
    for (level, year), cells in rows.groupby(["niveau", "peiljaar"]):
        published = cells["waarde"].where(~cells["geheim"])
        if level not in sizes:
            values.setdefault(level, {})[str(year)] = {code: None if pd.isna(v) else float(v)
                                                       for code, v in zip(cells["gebiedscode"], published, strict=True)}
            continue
        shown = np.full(sizes[level], np.nan)
        placed = (cells["positie"] >= 0).to_numpy()
        shown[cells["positie"].to_numpy()[placed]] = published.to_numpy(dtype=float)[placed]
        values.setdefault(level, {})[str(year)] = [None if v != v else v for v in shown.tolist()]
        secret = cells[cells["geheim"].to_numpy() & placed]
        if len(secret):
            hidden.setdefault(level, {})[str(year)] = {
                str(int(reason)): sorted(positions.tolist())
                for reason, positions in secret.groupby("reden")["positie"]}
    return values, hidden


def _classes(values: pd.Series, scheme: str) -> dict:
    bins = classify(values, scheme)
    return {"bins": bins, "colours": palette(len(bins))}


def _signals(atlas: Atlas) -> dict:
    """Every wijk's and buurt's signals, and the peiljaar they are of."""
    signals = atlas.signals()
    by_area: dict[str, dict[str, list]] = {level: {} for level in LEVELS}
    for row in signals[signals["niveau"].isin(LEVELS)].itertuples():
        by_area[row.niveau].setdefault(row.gebiedscode, []).append(
            {"soort": row.soort, "thema": row.thema, "toelichting": row.toelichting})
    years = signals["peiljaar"].dropna()
    return {"signals": by_area, "signal_year": int(years.max()) if len(years) else None}


def _similar(atlas: Atlas) -> dict[str, dict[str, list[str]]]:
    """Each wijk's and buurt's similar areas, nearest first."""
    similar = atlas.similar().sort_values("rang")
    by_area: dict[str, dict[str, list[str]]] = {level: {} for level in LEVELS}
    for (level, code), rows in similar[similar["niveau"].isin(LEVELS)].groupby(["niveau", "gebiedscode"]):
        by_area[level][code] = rows["vergelijkbaar_code"].tolist()
    return by_area


def gebiedsprofiel(atlas: Atlas, *, peiljaar: str, gebiedsnaam: str, online_basemap: bool = False) -> folium.Map:
    """The choropleth page: wijken and buurten as alternative layers, one indicator and peiljaar at a time."""
    outlines, data = area_data(atlas)
    title = f"Gebiedsprofiel {gebiedsnaam}"
    viewer = base_map(bounds(outlines["buurt"]), title=title, online_basemap=online_basemap)
    add_area_layers(viewer, outlines, data, profile_links=True)
    folium.LayerControl(collapsed=False, position="topright").add_to(viewer)
    Frame(title, source_line(atlas, "CBS, gemeente"), peiljaar).add_to(viewer)
    QualityPanel(atlas.sources()).add_to(viewer)
    return viewer


def source_line(atlas: Atlas, sources: str) -> str:
    """The source line of a map, marked INTERN where the figures are not protected."""
    return f"Bron: {sources}" + (" · openbare cijfers" if atlas.public else " · INTERN, niet publiceren")


def add_area_layers(viewer: folium.Map, outlines: dict[str, pd.DataFrame], data: dict, *,
                    profile_links: bool) -> None:
    """Wijken and buurten as alternative base layers, styled by the indicator and peiljaar chosen in a selector."""
    layers: dict[str, folium.GeoJson] = {}
    for level, label in LEVELS.items():
        group = folium.FeatureGroup(name=label, overlay=False, show=level == "wijk")
        layers[level] = folium.GeoJson(json.loads(outlines[level].to_json(drop_id=True)), name=label,
                                       style_function=lambda _: MISSING)
        layers[level].add_to(group)
        group.add_to(viewer)
    page = viewer.get_root()
    assert isinstance(page, Figure)  # base_map puts every map on a page
    page.header.add_child(Element(f"<script>{AREAS_JS.read_text(encoding='utf-8')}</script>"), name="wa_areas_js")
    page.html.add_child(Element(
        f'<script type="application/json" class="{DATA_CLASS}">'
        + json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).replace("</", "<\\/") + "</script>"),
        name="wa_area_data")
    IndicatorSelector(layers, profile_links=profile_links).add_to(viewer)


class IndicatorSelector(MacroElement):
    """The selectors that restyle the area layers, their tooltips, popups and the legend (``areas.js``)."""

    _template = Template("""
{% macro script(this, kwargs) %}
wijkatlasAreas({{ this._parent.get_name() }},
  { {% for level, layer in this.layers.items() %}"{{ level }}": {{ layer.get_name() }},{% endfor %} },
  JSON.parse(document.querySelector(".{{ this.data_class }}").textContent), {{ this.options|tojson }});
{% endmacro %}
""")

    def __init__(self, layers: dict[str, folium.GeoJson], *, profile_links: bool) -> None:
        super().__init__()
        self._name = "IndicatorSelector"
        self.layers, self.data_class = layers, DATA_CLASS
        self.options = {
            "profileLinks": profile_links, "secret": SUPPRESSED, "missing": MISSING, "secretLabel": SUPPRESSED_LABEL,
            "missingLabel": MISSING_LABEL, "labels": LEVELS, "scheme": DEFAULT_SCHEME, "schemes": list(SCHEMES),
            "signalOutline": SIGNAL_OUTLINE, "similarOutline": SIMILAR_OUTLINE,
        }


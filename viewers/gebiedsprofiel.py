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
from collections.abc import Iterator
from pathlib import Path

import folium
import mapclassify
import numpy as np
import pandas as pd
from branca.element import Figure, MacroElement, Template

from wijkatlas.indicators.disclosure import status_text
from wijkatlas.viewers.data import Atlas, bounds, rows_of
from wijkatlas.viewers.style import (
    CLASS_COLOURS,
    MISSING,
    MISSING_LABEL,
    SUPPRESSED,
    SUPPRESSED_LABEL,
    Frame,
    Markup,
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
    """Per level the areas' outlines (code and name), and the page's data block for all or ``indicators`` (made once
    per atlas: the maps of a site share it; a page must not change it)."""
    return atlas.derived(("area_data", None if indicators is None else tuple(indicators)),
                         lambda: _area_data(atlas, indicators))


def _area_data(atlas: Atlas, indicators: list[str] | None) -> tuple[dict[str, pd.DataFrame], dict]:
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
    statuses = long.loc[long["geheim"], "status"]
    reasons = statuses.map({status: status_text(status) for status in statuses.unique()})
    texts = sorted(reasons.unique())
    long["reden"] = reasons.map({reason: i for i, reason in enumerate(texts)})
    indexed = set(long.loc[long["index"].notna(), "indicator"].unique())  # counts and sums have no index
    by_indicator = dict(tuple(long.groupby("indicator")))
    values: dict[str, dict] = {}
    hidden: dict[str, dict] = {}
    meta = []
    for indicator, definition in definitions.iterrows():  # in catalog order
        if indicator not in by_indicator:
            continue
        rows = by_indicator[indicator]
        values[indicator], hidden[indicator] = _cells(rows, {level: len(c) for level, c in codes.items()})
        per_level = {level: rows.loc[rows["niveau"] == level, "waarde"] for level in LEVELS}
        meta.append({
            "id": indicator, "title": definition["titel"], "unit": definition["eenheid"], "theme": definition["thema"],
            "indexed": indicator in indexed, "years": sorted(int(y) for y in rows["peiljaar"].unique()),
            "classes": {scheme: {level: _classes(per_level[level], scheme) for level in LEVELS} for scheme in SCHEMES},
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
    for level, code, soort, thema, toelichting in rows_of(signals[signals["niveau"].isin(LEVELS)], [
            "niveau", "gebiedscode", "soort", "thema", "toelichting"]):
        by_area[level].setdefault(code, []).append({"soort": soort, "thema": thema, "toelichting": toelichting})
    years = signals["peiljaar"].dropna()
    return {"signals": by_area, "signal_year": int(years.max()) if len(years) else None}


def _similar(atlas: Atlas) -> dict[str, dict[str, list[str]]]:
    """Each wijk's and buurt's similar areas, nearest first."""
    similar = atlas.similar().sort_values(["niveau", "gebiedscode", "rang"], kind="stable")
    by_area: dict[str, dict[str, list[str]]] = {level: {} for level in LEVELS}
    for level, code, peer in rows_of(similar, ["niveau", "gebiedscode", "vergelijkbaar_code"]):
        if level in by_area:
            by_area[level].setdefault(code, []).append(peer)
    return by_area


def gebiedsprofiel(atlas: Atlas, *, peiljaar: str, gebiedsnaam: str, online_basemap: bool = False) -> folium.Map:
    """The choropleth page: wijken and buurten as alternative layers, one indicator and peiljaar at a time."""
    outlines, data = area_data(atlas)
    return _profile_map(atlas, outlines, data, title=f"Gebiedsprofiel {gebiedsnaam}", peiljaar=peiljaar,
                        online_basemap=online_basemap)


def gemeente_profielen(atlas: Atlas, *, peiljaar: str, online_basemap: bool = False
                       ) -> Iterator[tuple[str, str, folium.Map]]:
    """In a build of several gemeenten, each gemeente's own gebiedsprofiel (code, name, page), as light as a build of
    that gemeente alone: its wijken and buurten, the regio's classes so a colour means the same on every gemeente's
    map, and of the similar areas elsewhere their published figures only."""
    outlines, data = area_data(atlas)
    for code, naam in atlas.gemeentenamen().items():
        own_outlines, own_data = gemeente_area_data(outlines, data, code)
        yield code, naam, _profile_map(atlas, own_outlines, own_data, title=f"Gebiedsprofiel {naam}",
                                       peiljaar=peiljaar, online_basemap=online_basemap)


def gemeente_page_name(gemeentecode: str) -> str:
    """The file of a gemeente's own gebiedsprofiel in the site of a build of several gemeenten."""
    return f"gebiedsprofiel-{gemeentecode}.html"


def gemeente_area_data(outlines: dict[str, pd.DataFrame], data: dict, gemeentecode: str
                       ) -> tuple[dict[str, pd.DataFrame], dict]:
    """The part of :func:`area_data` of one gemeente: its areas first, then the similar areas of its areas that lie
    elsewhere (figures and names, no outline: the comparison with similar areas stays what it is in the regio)."""
    number = gemeentecode[2:]
    keep: dict[str, list[int]] = {}
    for level in LEVELS:
        codes = data["levels"][level]["codes"]
        own = [i for i, code in enumerate(codes) if code[2:6] == number]
        own_codes = {codes[i] for i in own}
        peers = {peer for i in own for peer in data["similar"][level].get(codes[i], [])} - own_codes
        position = {code: i for i, code in enumerate(codes)}
        keep[level] = own + sorted(position[peer] for peer in peers)
    moved = {level: {old: new for new, old in enumerate(positions)} for level, positions in keep.items()}
    values: dict[str, dict] = {}
    hidden: dict[str, dict] = {}
    for indicator, levels in data["values"].items():
        values[indicator] = {level: {year: [cells[i] for i in keep[level]] if level in keep else
                                     {code: v for code, v in cells.items() if code == gemeentecode or level == "regio"}
                                     for year, cells in years.items()} for level, years in levels.items()}
        hidden[indicator] = {level: {year: shown for year, by_reason in years.items()
                                     if (shown := _moved(by_reason, moved[level]))}
                             for level, years in data["hidden"][indicator].items()}
    kept_codes = {level: [data["levels"][level]["codes"][i] for i in positions] for level, positions in keep.items()}
    numbers = {area[2:6] for codes in kept_codes.values() for area in codes}
    part = {
        **data,
        "gemeenten": {code: naam for code, naam in data["gemeenten"].items() if code[2:] in numbers},
        "levels": {level: {"codes": kept_codes[level], "names": [data["levels"][level]["names"][i] for i in keep[level]]}
                   for level in LEVELS},
        "values": values, "hidden": hidden,
        "signals": {level: {code: s for code, s in by_area.items() if code[2:6] == number}
                    for level, by_area in data["signals"].items()},
        "similar": {level: {code: s for code, s in by_area.items() if code[2:6] == number}
                    for level, by_area in data["similar"].items()},
    }
    own_outlines = {level: frame[frame["code"].str[2:6] == number] for level, frame in outlines.items()}
    return own_outlines, part


def _moved(by_reason: dict[str, list[int]], moved: dict[int, int]) -> dict[str, list[int]]:
    """Hidden positions per reason of the areas a page keeps, at their place on that page."""
    kept = {reason: [moved[i] for i in positions if i in moved] for reason, positions in by_reason.items()}
    return {reason: positions for reason, positions in kept.items() if positions}


def _profile_map(atlas: Atlas, outlines: dict[str, pd.DataFrame], data: dict, *, title: str, peiljaar: str,
                 online_basemap: bool) -> folium.Map:
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
    page.header.add_child(Markup(f"<script>{AREAS_JS.read_text(encoding='utf-8')}</script>"), name="wa_areas_js")
    page.html.add_child(Markup(
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


"""Gebiedsprofiel: a choropleth of any indicator of the catalog per wijk or buurt.

The areas are embedded once with every indicator's value and status, and the
class bounds of every classification method per indicator and level (from
mapclassify); selectors restyle the areas in the browser, so one page holds the
whole catalog and stays small. The legend names the method.
"""

from __future__ import annotations

import json
import warnings

import folium
import mapclassify
import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from wijkatlas.indicators.disclosure import status_text
from wijkatlas.viewers.data import Atlas, bounds
from wijkatlas.viewers.style import CLASS_COLOURS, MISSING, MISSING_LABEL, SUPPRESSED, SUPPRESSED_LABEL, Frame, base_map
from wijkatlas.vocabulary import LEVELS as VOCABULARY_LEVELS
from wijkatlas.vocabulary import is_suppressed

#: Classification methods offered, by their Dutch legend name.
SCHEMES = {"kwantielen": "Quantiles", "natuurlijke grenzen": "FisherJenks", "gelijke intervallen": "EqualInterval"}
DEFAULT_SCHEME = "kwantielen"
CLASSES = 5
#: the levels a map shows, as its layer control names them
LEVELS = {level: VOCABULARY_LEVELS[level].title for level in ("wijk", "buurt")}
#: Marker of a suppressed, a missing and a published figure.
SECRET, NONE, PRESENT = -1, -2, 0


def classify(values: pd.Series, scheme: str, k: int = CLASSES) -> list[float]:
    """Upper bounds of the classes of the non-missing ``values`` (fewer classes when there are fewer values)."""
    present = values.dropna().to_numpy(dtype=float)
    distinct = np.unique(present)
    if len(distinct) == 0:
        return []
    k = max(1, min(k, len(distinct)))
    if k < 3:
        return [float(b) for b in distinct[-k:]]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        warnings.filterwarnings("ignore", message="Not enough unique values")  # ties: fewer classes
        classes = mapclassify.classify(present, SCHEMES[scheme], k=k)
    return [float(b) for b in classes.bins]


def palette(count: int) -> list[str]:
    """``count`` colours from light to dark (a ColorBrewer sequential scheme)."""
    return CLASS_COLOURS[count] if count >= 3 else CLASS_COLOURS[3][:count]


def indicator_table(atlas: Atlas, indicators: list[str] | None = None) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Per level the areas, and per indicator (all, or ``indicators``) its metadata for the selector and legend."""
    definitions = atlas.definitions()
    if indicators is not None:
        definitions = definitions.loc[indicators]
    gemeente = atlas.gemeente()
    frames = {level: atlas.areas(level) for level in LEVELS}
    long = atlas.long()
    indexed = set(long.loc[long["index"].notna(), "indicator"])  # counts and sums have no index
    meta = []
    for indicator, definition in definitions.iterrows():
        if indicator not in frames["buurt"] and indicator not in frames["wijk"]:
            continue
        classes = {scheme: {level: classify(frame[indicator], scheme) for level, frame in frames.items()
                            if indicator in frame} for scheme in SCHEMES}
        meta.append({
            "id": indicator, "title": definition["titel"], "unit": definition["eenheid"],
            "theme": definition["thema"],
            "gemeente": None if pd.isna(gemeente.get(indicator)) else round(float(gemeente[indicator]), 2),
            "indexed": indicator in indexed,
            "classes": {scheme: {level: {"bins": bins, "colours": palette(len(bins))}
                                 for level, bins in by_level.items()} for scheme, by_level in classes.items()},
        })
    return frames, meta


def feature_properties(frame: pd.DataFrame, level: str, meta: list[dict]) -> pd.DataFrame:
    """Name, code and per indicator ``<id>`` (value), ``<id>__k`` (secret, missing or present) and ``<id>__s`` (status label)."""
    out = {"code": frame[f"{level}code"], "naam": frame[f"{level}naam"]}
    for entry in meta:
        indicator = entry["id"]
        if indicator not in frame:
            continue
        values = frame[indicator]
        status = frame.get(f"{indicator}__status", pd.Series(None, index=frame.index, dtype=object))
        out[indicator] = values.round(2).astype(object).where(values.notna(), None)
        out[f"{indicator}__k"] = [SECRET if secret else (NONE if pd.isna(v) else PRESENT)
                                  for v, secret in zip(values, is_suppressed(status), strict=True)]
        out[f"{indicator}__s"] = [status_text(s) if secret else None  # a rounded figure is shown as a figure
                                  for s, secret in zip(status, is_suppressed(status), strict=True)]
    return pd.DataFrame(out, index=frame.index)


def gebiedsprofiel(atlas: Atlas, *, peiljaar: str, gemeentenaam: str, online_basemap: bool = False) -> folium.Map:
    """The choropleth page: wijken and buurten as alternative layers, one indicator at a time."""
    frames, meta = indicator_table(atlas)
    viewer = base_map(bounds(frames["buurt"]), online_basemap=online_basemap)
    add_area_layers(viewer, frames, meta, profile_links=True)
    folium.LayerControl(collapsed=False, position="topright").add_to(viewer)
    Frame(f"Gebiedsprofiel {gemeentenaam}", source_line(atlas, "CBS, gemeente"), peiljaar).add_to(viewer)
    return viewer


def source_line(atlas: Atlas, sources: str) -> str:
    """The source line of a map, marked INTERN where the figures are not protected."""
    return f"Bron: {sources}" + (" · openbare cijfers" if atlas.public else " · INTERN, niet publiceren")


def add_area_layers(viewer: folium.Map, frames: dict[str, pd.DataFrame], meta: list[dict], *,
                    profile_links: bool) -> None:
    """Wijken and buurten as alternative base layers, styled by the indicator chosen in a selector."""
    layers: dict[str, folium.GeoJson] = {}
    for level, label in LEVELS.items():
        frame = frames[level]
        properties = feature_properties(frame, level, meta)
        data = json.loads(frame[["geometry"]].join(properties).to_json(drop_id=True))
        group = folium.FeatureGroup(name=label, overlay=False, show=level == "wijk")
        layers[level] = folium.GeoJson(data, name=label, style_function=lambda _: MISSING)
        layers[level].add_to(group)
        group.add_to(viewer)
    IndicatorSelector(layers, meta, profile_links=profile_links).add_to(viewer)


class IndicatorSelector(MacroElement):
    """A selector of indicators that restyles the area layers, their tooltips and the legend."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var layers = { {% for level, layer in this.layers.items() %}"{{ level }}": {{ layer.get_name() }},{% endfor %} };
  var meta = {{ this.meta|tojson }};
  var secret = {{ this.secret|tojson }}, missing = {{ this.missing|tojson }};
  var links = {{ this.profile_links|tojson }};
  var byId = {}; meta.forEach(function (m) { byId[m.id] = m; });
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]; });
  }
  if (!meta.length) {  // no indicator was computed: the areas with their names only
    Object.keys(layers).forEach(function (lv) {
      layers[lv].eachLayer(function (f) {
        var p = f.feature.properties;
        f.bindTooltip("<b>" + esc(p.naam) + "</b> (" + esc(p.code) + ")<br><i>geen indicatoren berekend</i>", {sticky: true});
      });
    });
    return;
  }
  function fmt(v) { return v === null || v === undefined ? "–" : Number(v).toLocaleString("nl-NL", {maximumFractionDigits: 1}); }
  function style(m, level, p) {
    var k = p[m.id + "__k"], c = m.classes[scheme][level];
    if (k === -1) return Object.assign({weight: 1.5, opacity: 1}, secret);
    if (k === -2 || k === undefined || !c) return Object.assign({weight: 1, opacity: 1}, missing);
    var i = 0; while (i < c.bins.length - 1 && p[m.id] > c.bins[i]) i++;
    return {fillColor: c.colours[i], fillOpacity: 0.8, color: "#333", weight: 1, opacity: 1, dashArray: ""};
  }
  function tooltip(m, p) {
    var t = "<b>" + esc(p.naam) + "</b> (" + esc(p.code) + ")<br>" + esc(m.title) + ": ";
    if (p[m.id + "__s"]) { t += "<i>" + p[m.id + "__s"] + "</i>"; }
    else if (p[m.id] === null || p[m.id] === undefined) { t += "<i>geen gegevens</i>"; }
    else {
      t += "<b>" + fmt(p[m.id]) + "</b> " + esc(m.unit);
      if (m.gemeente !== null) {
        t += "<br>gemeente: " + fmt(m.gemeente) + " " + esc(m.unit);
        if (m.gemeente && m.indexed) t += "<br>index (gemeente = 100): " + fmt(100 * p[m.id] / m.gemeente);
      }
    }
    return t;
  }
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "wa-legend wa-indicator-legend"); return this._div; };
  legend.addTo(map);
  function showLegend(m, level) {
    var c = m.classes[scheme][level] || {bins: [], colours: []}, lower = null, rows = "";
    c.bins.forEach(function (b, i) {
      rows += '<div class="wa-legend-row"><span style="display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle;background:' +
        c.colours[i] + ';border:1px solid #333"></span>' + (lower === null ? "t/m " : fmt(lower) + " – ") + fmt(b) + "</div>";
      lower = b;
    });
    rows += '<div class="wa-legend-row"><span style="display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle;background:' +
      secret.fillColor + ';border:1px dashed ' + secret.color + '"></span>{{ this.secret_label }}</div>';
    rows += '<div class="wa-legend-row"><span style="display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle;background:' +
      missing.fillColor + ';border:1px solid ' + missing.color + '"></span>{{ this.missing_label }}</div>';
    legend._div.innerHTML = '<div style="background:#fff;padding:6px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.5 sans-serif">' +
      '<div class="wa-legend-title" style="font-weight:bold">' + m.title + " (" + m.unit + ")</div>" +
      '<div class="wa-legend-scheme" style="color:#555">klassen: ' + scheme + "</div>" + rows + "</div>";
  }
  var current = meta[0].id, level = "wijk", scheme = {{ this.scheme|tojson }};
  function apply() {
    var m = byId[current];
    map.closePopup();  // an open popup would go on showing the previous indicator
    Object.keys(layers).forEach(function (lv) {
      layers[lv].eachLayer(function (f) {
        var p = f.feature.properties;
        f.setStyle(style(m, lv, p));
        f.unbindTooltip(); f.bindTooltip(tooltip(m, p), {sticky: true});
        f.unbindPopup();
        var popup = tooltip(m, p);
        if (lv === "wijk" && links) popup += '<br><a class="wa-profile-link" href="profiel-' + p.code + '.html">wijkprofiel</a>';
        f.bindPopup(popup);
      });
    });
    showLegend(m, level);
  }
  map.on("baselayerchange", function (e) { level = e.name === "{{ this.labels.buurt }}" ? "buurt" : "wijk"; showLegend(byId[current], level); });
  var control = L.control({position: "topright"});
  control.onAdd = function () {
    var div = L.DomUtil.create("div", "wa-selector");
    div.style.cssText = "background:#fff;padding:6px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px sans-serif";
    var themes = {}, html = '<label>Indicator<br><select id="wa-indicator" style="max-width:260px">';
    meta.forEach(function (m) { (themes[m.theme] = themes[m.theme] || []).push(m); });
    Object.keys(themes).forEach(function (t) {
      html += '<optgroup label="' + t + '">';
      themes[t].forEach(function (m) { html += '<option value="' + m.id + '">' + m.title + "</option>"; });
      html += "</optgroup>";
    });
    html += '</select></label><br><label>Klassen<br><select id="wa-scheme">';
    {{ this.schemes|tojson }}.forEach(function (s) { html += '<option' + (s === scheme ? " selected" : "") + ">" + s + "</option>"; });
    div.innerHTML = html + "</select></label>";
    L.DomEvent.disableClickPropagation(div);
    div.querySelector("#wa-indicator").addEventListener("change", function (e) { current = e.target.value; apply(); });
    div.querySelector("#wa-scheme").addEventListener("change", function (e) { scheme = e.target.value; apply(); });
    return div;
  };
  control.addTo(map);
  apply();
})();
{% endmacro %}
""")

    def __init__(self, layers: dict[str, folium.GeoJson], meta: list[dict], *, profile_links: bool) -> None:
        super().__init__()
        self._name = "IndicatorSelector"
        self.layers, self.meta, self.profile_links = layers, meta, profile_links
        self.secret, self.missing = SUPPRESSED, MISSING
        self.secret_label, self.missing_label = SUPPRESSED_LABEL, MISSING_LABEL
        self.labels = LEVELS
        self.scheme, self.schemes = DEFAULT_SCHEME, list(SCHEMES)

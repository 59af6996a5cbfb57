"""Colours, the map frame (title, source line, peiljaar) and legends shared by the viewers.

The colour schemes can be told apart by colour-blind readers: ColorBrewer's
YlGnBu for classes (sequential, colour-blind safe) and the Okabe-Ito palette
for categories. Suppressed figures are drawn grey and hatched-looking (dashed
outline), missing figures light grey: neither can be mistaken for a class.
"""

from __future__ import annotations

import html
from pathlib import Path

import folium
import pandas as pd
from branca.element import Element, Figure, MacroElement, Template

from wijkatlas.viewers.templating import sources_table

#: ColorBrewer YlGnBu, 3 to 7 classes.
CLASS_COLOURS = {
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
    7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
}
#: Okabe-Ito: distinguishable with every common colour-vision deficiency.
CATEGORY_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SUPPRESSED = {"fillColor": "#8c8c8c", "color": "#444444", "dashArray": "4 3", "fillOpacity": 0.55}
MISSING = {"fillColor": "#eeeeee", "color": "#999999", "dashArray": "", "fillOpacity": 0.6}
SUPPRESSED_LABEL = "geheim — te weinig inwoners of te kleine aantallen"
MISSING_LABEL = "geen gegevens"
#: Shapes of category marks after the colours: eight colours x three shapes tell 24 categories apart.
SHAPES = ("cirkel", "vierkant", "ruit")
#: Centre of a map before it fits its data (the Netherlands).
NL_CENTRE = (52.2, 5.3)
MAX_ZOOM = 19

#: The scripts every map page shares (escaping, Dutch numbers, phone or not); inlined so pages work from a folder.
COMMON_JS = Path(__file__).with_name("static") / "common.js"
#: The page's layout: the boxes on the map, and on a phone (≤ 600 px) the title as a full-width bar above the
#: controls, the controls' boxes scrolling within the screen.
PAGE_CSS = """<style>
 .leaflet-popup-content details summary { cursor: pointer; color: #0b4f8a; }
 .wa-box { background: #fff; padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
   font: 13px/1.45 sans-serif; color: #1a1a1a; }
 .wa-box summary { cursor: pointer; font-weight: bold; color: #0b4f8a; }
 .wa-box a { color: #0b4f8a; } .wa-box select, .wa-box input { font-size: 13px; } .wa-box .num { text-align: right; }
 .wa-sportpanel, .wa-kavelpanel { max-width: 340px; font-size: 12px; }
 .wa-box :focus-visible, .leaflet-container :focus-visible { outline: 3px solid #0b4f8a; outline-offset: 1px; }
 .wa-frame { position: absolute; top: 10px; left: 55px; z-index: 1000; max-width: 45%; font-size: 14px; }
 .wa-frame .wa-title { font-weight: bold; font-size: 16px; margin: 0; }
 .wa-frame .wa-source { font-size: 12px; color: #333; }
 .wa-quality { max-width: 560px; max-height: 45vh; overflow: auto; font-size: 12px; }
 .wa-quality table { border-collapse: collapse; } .wa-quality th, .wa-quality td { text-align: left; padding: 2px 4px;
   border-bottom: 1px solid #e3e3e3; vertical-align: top; } .wa-quality .num { text-align: right; }
 @media (max-width: 600px) {
   .wa-frame { left: 50px; right: 10px; max-width: none; font-size: 12px; }
   .wa-frame .wa-title { font-size: 14px; }
   .wa-box { max-width: calc(100vw - 40px); max-height: 55vh; overflow: auto; }
   .wa-selector select { max-width: 200px; }
   .wa-quality { max-width: calc(100vw - 40px); }
 }
</style>"""

_FRAME = Template("""
{% macro html(this, kwargs) %}
<header class="wa-frame wa-box">
 <h1 class="wa-title">{{ this.title }}</h1>
 <div class="wa-source">{{ this.source }} · peiljaar <span class="wa-peiljaar">{{ this.peiljaar }}</span> ·
  <a href="index.html">overzicht</a></div>
</header>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {  // on a phone the title is a full-width bar: the controls on the right start below it
  function place() {
    var frame = document.querySelector(".wa-frame"), right = document.querySelector(".leaflet-top.leaflet-right");
    if (!frame || !right) return;
    right.style.top = wa.phone() ? (frame.offsetTop + frame.offsetHeight) + "px" : "";
  }
  place(); window.addEventListener("resize", place);
})();
{% endmacro %}
""")


class Markup(Element):
    """Markup put in the page as it is: not read as a template, so a name holding ``{{`` stays text (and a
    country's data block is not compiled by Jinja)."""

    _template = Template("{{ this.markup }}")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.markup = markup


class Frame(MacroElement):
    """Title, source line and peiljaar in the top left corner of a map (a full-width bar on a phone)."""

    def __init__(self, title: str, source: str, peiljaar: str) -> None:
        super().__init__()
        self._template = _FRAME
        self.title, self.source, self.peiljaar = html.escape(title), html.escape(source), html.escape(peiljaar)


class DutchPage(Figure):
    """A standalone page in Dutch (``lang="nl"``), titled, so screen readers read it right."""

    _template = Template(
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        "{% if this.title %}<title>{{ this.title }}</title>{% endif %}\n"
        "{{ this.header.render(**kwargs) }}\n</head>\n<body>\n{{ this.html.render(**kwargs) }}\n</body>\n"
        "<script>\n{{ this.script.render(**kwargs) }}\n</script>\n</html>\n")


def base_map(bounds: list[list[float]], *, title: str, online_basemap: bool) -> folium.Map:
    """A map titled ``title`` fitted to ``bounds`` ([[south, west], [north, east]]); PDOK's BRT basemap only when
    online."""
    # maxZoom as a map option: without a tile layer Leaflet has none, and marker clusters need one.
    viewer = folium.Map(location=NL_CENTRE, zoom_start=8, tiles=None, control_scale=True, maxZoom=MAX_ZOOM,
                        font_size="13px")
    page = DutchPage(title=html.escape(title))
    page.add_child(viewer)
    page.header.add_child(Markup(PAGE_CSS), name="wa_page_css")
    page.header.add_child(Markup(f"<script>{COMMON_JS.read_text(encoding='utf-8')}</script>"), name="wa_common_js")
    if online_basemap:
        folium.TileLayer(
            tiles="https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
            attr="Kaartgegevens &copy; Kadaster (BRT Achtergrondkaart)", name="Achtergrondkaart (PDOK)",
            max_zoom=MAX_ZOOM,
        ).add_to(viewer)
    fit = folium.map.FitBounds(bounds)
    fit.options["animate"] = False  # settled at 'load': no zoom animation from the start view
    fit.add_to(viewer)
    return viewer


def mark_style(colour: str, shape: str, size: int) -> str:
    """The CSS of a category mark's box of ``size`` px: a circle, square or diamond."""
    corners = {"cirkel": f"border-radius:{size // 2}px;", "vierkant": "border-radius:2px;",
               "ruit": "transform:rotate(45deg);"}
    return (f"display:inline-block;width:{size}px;height:{size}px;background:{colour};border:2px solid #fff;"
            f"box-shadow:0 0 2px #000;{corners[shape]}")


def legend_html(title: str, entries: list[tuple[str, dict]]) -> str:
    """A legend box: one swatch per (label, style) entry."""
    def swatch(style: dict) -> str:
        return (f'<span style="display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle;'
                f'background:{style["fillColor"]};border:1px {"dashed" if style.get("dashArray") else "solid"} '
                f'{style.get("color", "#555")}"></span>')

    rows = "".join(f'<div class="wa-legend-row">{swatch(style)}{html.escape(label)}</div>' for label, style in entries)
    return (f'<details class="wa-legend wa-box" style="font-size:12px" open>'
            f'<summary>{html.escape(title)}</summary>{rows}</details>')


class Legend(MacroElement):
    """A static legend in a corner of the map."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create('div'); div.innerHTML = {{ this.content|tojson }};
  if (wa.phone()) div.firstChild.open = false;  // folded on a phone
  L.DomEvent.disableClickPropagation(div);
  return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, title: str, entries: list[tuple[str, dict]], position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.content = legend_html(title, entries)
        self.position = position


class QualityPanel(MacroElement):
    """"Bronnen en kwaliteit": per source of the map its owner, date, records read and usable, and what was
    rejected and why (records that are not on the map are counted here), folded open on request."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var panel = L.control({position: "bottomleft"});
  panel.onAdd = function () {
    var div = L.DomUtil.create("details", "wa-quality wa-box");
    div.innerHTML = {{ this.content|tojson }};
    L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  panel.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, sources: pd.DataFrame, note: str = "") -> None:
        super().__init__()
        self._name = "QualityPanel"
        self.content = ("<summary>Bronnen en kwaliteit</summary>" + (f"<p>{html.escape(note)}</p>" if note else "")
                        + str(sources_table(sources)))


def sources_of(sources: pd.DataFrame, layers: tuple[str, ...] | None) -> pd.DataFrame:
    """The sources that feed any of ``layers`` (all sources for ``None``)."""
    if layers is None:
        return sources
    fed = sources["lagen"].fillna("").str.split(", ").map(lambda names: bool(set(names) & set(layers)))
    return sources[fed]

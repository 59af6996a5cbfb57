"""Colours, the map frame (title, source line, peiljaar) and legends shared by the viewers.

The colour schemes can be told apart by colour-blind readers: ColorBrewer's
YlGnBu for classes (sequential, colour-blind safe) and the Okabe-Ito palette
for categories. Suppressed figures are drawn grey and hatched-looking (dashed
outline), missing figures light grey: neither can be mistaken for a class.
"""

from __future__ import annotations

import html

import folium
from branca.element import MacroElement, Template

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
#: Centre of a map before it fits its data (the Netherlands).
NL_CENTRE = (52.2, 5.3)
MAX_ZOOM = 19

_FRAME = Template("""
{% macro html(this, kwargs) %}
<div class="wa-frame" style="position:absolute;top:10px;left:55px;z-index:1000;background:#fff;
 padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:14px/1.3 sans-serif;max-width:60%">
 <div class="wa-title" style="font-weight:bold;font-size:16px">{{ this.title }}</div>
 <div class="wa-source" style="font-size:12px;color:#333">{{ this.source }} · peiljaar {{ this.peiljaar }}</div>
</div>
{% endmacro %}
""")


class Frame(MacroElement):
    """Title, source line and peiljaar in the top left corner of a map."""

    def __init__(self, title: str, source: str, peiljaar: str) -> None:
        super().__init__()
        self._template = _FRAME
        self.title, self.source, self.peiljaar = html.escape(title), html.escape(source), html.escape(peiljaar)


def base_map(bounds: list[list[float]], *, online_basemap: bool) -> folium.Map:
    """A map fitted to ``bounds`` ([[south, west], [north, east]]); PDOK's BRT basemap only when online."""
    # maxZoom as a map option: without a tile layer Leaflet has none, and marker clusters need one.
    viewer = folium.Map(location=NL_CENTRE, zoom_start=8, tiles=None, control_scale=True, maxZoom=MAX_ZOOM)
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


def legend_html(title: str, entries: list[tuple[str, dict]]) -> str:
    """A legend box: one swatch per (label, style) entry."""
    rows = "".join(
        f'<div class="wa-legend-row"><span style="display:inline-block;width:14px;height:14px;margin-right:6px;'
        f'vertical-align:middle;background:{style["fillColor"]};border:1px {"dashed" if style.get("dashArray") else "solid"} '
        f'{style.get("color", "#555")}"></span>{html.escape(label)}</div>'
        for label, style in entries
    )
    return (f'<div class="wa-legend" style="background:#fff;padding:6px 8px;border-radius:4px;'
            f'box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.5 sans-serif">'
            f'<div style="font-weight:bold">{html.escape(title)}</div>{rows}</div>')


class Legend(MacroElement):
    """A static legend in a corner of the map."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create('div'); div.innerHTML = {{ this.content|tojson }}; return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, title: str, entries: list[tuple[str, dict]], position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.content = legend_html(title, entries)
        self.position = position

"""Kavels viewer: sales status of kavels on bedrijventerreinen and for woningbouw at a glance."""

from __future__ import annotations

import json

import folium
import pandas as pd
from branca.element import MacroElement, Template

from wijkatlas.publication import public_records
from wijkatlas.viewers.data import Atlas, bounds
from wijkatlas.viewers.gebiedsprofiel import source_line
from wijkatlas.viewers.style import Frame, Legend, base_map

#: Okabe-Ito colours per status.
STATUS_COLOURS = {"beschikbaar": "#009E73", "in optie": "#E69F00", "verkocht": "#0072B2"}


def kavel_properties(kavels: pd.DataFrame, *, public: bool) -> pd.DataFrame:
    """What a tooltip shows: in the public viewer only what the publication policy lets through."""
    shown = public_records("kavels", kavels) if public else kavels
    columns = {
        "kavel": shown["bron_id"], "terrein": shown.get("terrein"), "type": shown.get("type"),
        "status": shown["categorie"], "oppervlakte_m2": shown.get("oppervlakte_m2"),
        "prijs_per_m2": shown.get("prijs_per_m2_eur"),
        "datum": pd.to_datetime(shown["datum"]).dt.strftime("%d-%m-%Y") if "datum" in shown else None,
        "koopsom": shown.get("koopsom_eur"),
    }
    return pd.DataFrame(columns, index=kavels.index).astype(object).where(lambda f: f.notna(), None)


def kavels_viewer(atlas: Atlas, *, peiljaar: str, gemeentenaam: str, online_basemap: bool = False) -> folium.Map:
    """The kavels map: status per kavel, a terrain filter and a summary of what is shown."""
    kavels = atlas.registration("kavels")
    viewer = base_map(bounds(kavels), online_basemap=online_basemap)
    properties = kavel_properties(kavels, public=atlas.public)
    for level, label, weight in (("wijk", "Wijkgrenzen", 2.0), ("buurt", "Buurtgrenzen", 0.8)):
        outlines = json.loads(atlas.areas(level)[["geometry"]].to_json(drop_id=True))
        group = folium.FeatureGroup(name=label, show=level == "wijk")
        folium.GeoJson(outlines, name=label, interactive=False,
                       style_function=lambda _, w=weight: {"fill": False, "color": "#555", "weight": w,
                                                           "dashArray": "4 3"}).add_to(group)
        group.add_to(viewer)
    groups: dict[str, folium.GeoJson] = {}
    for status, colour in STATUS_COLOURS.items():
        chosen = kavels["categorie"] == status
        data = json.loads(kavels.loc[chosen, ["geometry"]].join(properties[chosen]).to_json(drop_id=True))
        group = folium.FeatureGroup(name=f"{status} ({chosen.sum()})")
        groups[status] = folium.GeoJson(  # type: ignore[assignment]  # add_to returns the layer itself
            data, name=status,
            style_function=lambda _, c=colour: {"fillColor": c, "color": "#222", "weight": 1, "fillOpacity": 0.75},
            highlight_function=lambda _: {"weight": 3},
        ).add_to(group)
        group.add_to(viewer)
    folium.LayerControl(collapsed=False, position="topright").add_to(viewer)
    Legend("Status kavel", [(status, {"fillColor": colour, "color": "#222"})
                            for status, colour in STATUS_COLOURS.items()]).add_to(viewer)
    terrains = sorted(kavels["terrein"].dropna().unique()) if "terrein" in kavels else []
    KavelPanel(groups, terrains, public=atlas.public).add_to(viewer)
    Frame(f"Kavels {gemeentenaam}: verkoopstatus", source_line(atlas, "kaveladministratie gemeente"),
          peiljaar).add_to(viewer)
    return viewer


class KavelPanel(MacroElement):
    """Terrain filter, tooltips, and a summary of hectares and counts per status of what is shown."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var groups = { {% for status, layer in this.groups.items() %}{{ status|tojson }}: {{ layer.get_name() }},{% endfor %} };
  var terrains = {{ this.terrains|tojson }};
  var showPrice = {{ (not this.public)|tojson }};
  function nl(v, d) { return v === null ? "–" : Number(v).toLocaleString("nl-NL", {maximumFractionDigits: d || 0}); }
  function tip(p) {
    var t = "<b>Kavel " + p.kavel + "</b> — " + p.status + "<br>" + p.terrein + " (" + p.type + ")<br>" +
      nl(p.oppervlakte_m2) + " m² (" + nl(p.oppervlakte_m2 / 10000, 2) + " ha)<br>vraagprijs € " + nl(p.prijs_per_m2) +
      " per m²<br>status sinds " + p.datum;
    if (showPrice && p.koopsom !== null && p.koopsom !== undefined) t += "<br>koopsom € " + nl(p.koopsom);
    return t;
  }
  var panel = L.control({position: "bottomleft"});
  panel.onAdd = function () {
    var div = L.DomUtil.create("div", "wa-kavelpanel");
    div.style.cssText = "background:#fff;padding:6px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.5 sans-serif";
    var options = '<option value="">alle terreinen</option>';
    terrains.forEach(function (t) { options += '<option>' + t + '</option>'; });
    div.innerHTML = '<label>Terrein <select id="wa-terrein">' + options + '</select></label><div id="wa-summary"></div>';
    L.DomEvent.disableClickPropagation(div);
    div.querySelector("select").addEventListener("change", function (e) { apply(e.target.value); });
    return div;
  };
  panel.addTo(map);
  function apply(terrain) {
    var rows = "<table style='margin-top:4px'><tr><th style='text-align:left'>status</th><th>kavels</th><th>ha</th></tr>", total = 0, totalHa = 0;
    Object.keys(groups).forEach(function (status) {
      var count = 0, area = 0;
      groups[status].eachLayer(function (f) {
        var p = f.feature.properties, shown = !terrain || p.terrein === terrain;
        f.setStyle({opacity: shown ? 1 : 0, fillOpacity: shown ? 0.75 : 0});
        f.unbindTooltip(); f.unbindPopup();
        if (shown) { f.bindTooltip(tip(p), {sticky: true}); f.bindPopup(tip(p)); count += 1; area += p.oppervlakte_m2; }
      });
      total += count; totalHa += area / 10000;
      rows += "<tr class='wa-status-row'><td>" + status + "</td><td style='text-align:right'>" + count +
        "</td><td style='text-align:right'>" + nl(area / 10000, 2) + "</td></tr>";
    });
    rows += "<tr><td><b>totaal</b></td><td style='text-align:right'><b>" + total + "</b></td><td style='text-align:right'><b>" +
      nl(totalHa, 2) + "</b></td></tr></table>";
    document.getElementById("wa-summary").innerHTML = rows;
  }
  apply("");
})();
{% endmacro %}
""")

    def __init__(self, groups: dict[str, folium.GeoJson], terrains: list[str], *, public: bool) -> None:
        super().__init__()
        self._name = "KavelPanel"
        self.groups, self.terrains, self.public = groups, terrains, public

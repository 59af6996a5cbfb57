"""Kavels viewer: sales status of kavels on bedrijventerreinen and for woningbouw at a glance.

A panel filters by terrain and sums kavels and hectares per status, charts the
sales per year (the date a kavel's status became *verkocht*), and counts the
kavels of the administration that are not on the map (rejected, or outside the
gemeente); the quality panel gives the reasons.
"""

from __future__ import annotations

import json

import folium
import pandas as pd
from branca.element import MacroElement, Template

from wijkatlas.publication import public_records
from wijkatlas.viewers.data import Atlas, bounds
from wijkatlas.viewers.gebiedsprofiel import source_line
from wijkatlas.viewers.style import Frame, Legend, QualityPanel, base_map, sources_of

#: Okabe-Ito colours per status.
STATUS_COLOURS = {"beschikbaar": "#009E73", "in optie": "#E69F00", "verkocht": "#0072B2"}
SOLD = "verkocht"
LAYER = "kavels"


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


def kavels_viewer(atlas: Atlas, *, peiljaar: str, gebiedsnaam: str, online_basemap: bool = False) -> folium.Map:
    """The kavels map: status per kavel, a terrain filter and a summary of what is shown."""
    kavels = atlas.registration(LAYER)
    title = f"Kavels {gebiedsnaam}: verkoopstatus"
    viewer = base_map(bounds(kavels), title=title, online_basemap=online_basemap)
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
    sources = sources_of(atlas.sources(), (LAYER,))
    KavelPanel(groups, terrains, public=atlas.public, missing=not_on_map(sources)).add_to(viewer)
    QualityPanel(sources).add_to(viewer)
    Frame(title, source_line(atlas, "kaveladministratie gemeente"), peiljaar).add_to(viewer)
    return viewer


def not_on_map(sources: pd.DataFrame) -> dict[str, int]:
    """Records of the kavel administration that the map cannot show: rejected, and outside the gemeente."""
    return {"afgekeurd": int(sources["afgekeurd"].fillna(0).sum()), "buiten": int(sources["buiten"].fillna(0).sum())}


class KavelPanel(MacroElement):
    """Terrain filter, tooltips, a summary of hectares and counts per status of what is shown, the sales per year
    and the kavels not on the map."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var groups = { {% for status, layer in this.groups.items() %}{{ status|tojson }}: {{ layer.get_name() }},{% endfor %} };
  var terrains = {{ this.terrains|tojson }};
  var showPrice = {{ (not this.public)|tojson }}, missing = {{ this.missing|tojson }}, sold = {{ this.sold|tojson }};
  var esc = wa.esc, nl = wa.nl;
  function tip(p) {
    var t = "<b>Kavel " + esc(p.kavel) + "</b> — " + esc(p.status) + "<br>" + esc(p.terrein) + " (" + esc(p.type) + ")<br>" +
      nl(p.oppervlakte_m2) + " m² (" + nl(p.oppervlakte_m2 / 10000, 2) + " ha)<br>vraagprijs € " + nl(p.prijs_per_m2) +
      " per m²<br>status sinds " + esc(p.datum);
    if (showPrice && p.koopsom !== null && p.koopsom !== undefined) t += "<br>koopsom € " + nl(p.koopsom);
    return t;
  }
  var panel = L.control({position: "bottomleft"});
  panel.onAdd = function () {
    var div = L.DomUtil.create("details", "wa-kavelpanel wa-box");
    div.open = !wa.phone();
    var options = '<option value="">alle terreinen</option>';
    terrains.forEach(function (t) { options += '<option value="' + esc(t) + '">' + esc(t) + '</option>'; });
    div.innerHTML = '<summary>Kavels en verkoop</summary><label>Terrein <select id="wa-terrein">' +
      options + '</select></label><div id="wa-summary"></div><div id="wa-sales"></div>';
    L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
    div.querySelector("select").addEventListener("change", function (e) { apply(e.target.value); });
    return div;
  };
  panel.addTo(map);
  /* Kavels sold per year of their status date, as bars with the count written above each. */
  function salesChart(years) {
    var keys = Object.keys(years).sort(), width = 250, height = 90, top = 14, bottom = 18;
    if (!keys.length) return "<div>geen verkochte kavels</div>";
    var first = Number(keys[0]), last = Number(keys[keys.length - 1]), span = last - first + 1;
    var most = Math.max.apply(null, keys.map(function (k) { return years[k]; })), bar = Math.min(36, (width - 8) / span - 4);
    var svg = '<svg class="wa-sales-chart" width="' + width + '" height="' + height + '" role="img" aria-label="verkochte kavels per jaar: ' +
      keys.map(function (k) { return k + ": " + years[k]; }).join("; ") + '"><line x1="0" y1="' + (height - bottom) + '" x2="' + width +
      '" y2="' + (height - bottom) + '" stroke="#777"/>';
    for (var y = first; y <= last; y++) {
      var n = years[y] || 0, x = 4 + (y - first) * (width - 8) / span, h = (height - top - bottom) * n / most;
      svg += '<rect x="' + x.toFixed(1) + '" y="' + (height - bottom - h).toFixed(1) + '" width="' + bar.toFixed(1) + '" height="' + h.toFixed(1) +
        '" fill="{{ this.colour }}"/><text x="' + (x + bar / 2).toFixed(1) + '" y="' + (height - bottom - h - 3).toFixed(1) +
        '" text-anchor="middle" font-size="10">' + n + '</text><text x="' + (x + bar / 2).toFixed(1) + '" y="' + (height - 5) +
        '" text-anchor="middle" font-size="10">' + y + "</text>";
    }
    return "<div><b>Verkocht per jaar</b></div>" + svg + "</svg>";
  }
  function apply(terrain) {
    var rows = "<table style='margin-top:4px'><tr><th style='text-align:left'>status</th><th>kavels</th><th>ha</th></tr>", total = 0, totalHa = 0, sales = {};
    Object.keys(groups).forEach(function (status) {
      var count = 0, area = 0;
      groups[status].eachLayer(function (f) {
        var p = f.feature.properties, shown = !terrain || p.terrein === terrain;
        f.setStyle({opacity: shown ? 1 : 0, fillOpacity: shown ? 0.75 : 0});
        f.unbindTooltip(); f.unbindPopup();
        if (shown) { f.bindTooltip(tip(p), {sticky: true}); f.bindPopup(tip(p)); count += 1; area += p.oppervlakte_m2; }
        if (shown && status === sold && p.datum) { var y = p.datum.slice(-4); sales[y] = (sales[y] || 0) + 1; }
      });
      total += count; totalHa += area / 10000;
      rows += "<tr class='wa-status-row'><td>" + status + "</td><td style='text-align:right'>" + count +
        "</td><td style='text-align:right'>" + nl(area / 10000, 2) + "</td></tr>";
    });
    rows += "<tr><td><b>totaal</b></td><td style='text-align:right'><b>" + total + "</b></td><td style='text-align:right'><b>" +
      nl(totalHa, 2) + "</b></td></tr></table>";
    if (missing.afgekeurd || missing.buiten) {
      rows += "<div class='wa-not-shown'>niet op de kaart: " + missing.afgekeurd + " afgekeurd, " + missing.buiten +
        " buiten de gemeente (zie Bronnen en kwaliteit)</div>";
    }
    document.getElementById("wa-summary").innerHTML = rows;
    document.getElementById("wa-sales").innerHTML = salesChart(sales);
  }
  apply("");
})();
{% endmacro %}
""")

    def __init__(self, groups: dict[str, folium.GeoJson], terrains: list[str], *, public: bool,
                 missing: dict[str, int]) -> None:
        super().__init__()
        self._name = "KavelPanel"
        self.groups, self.terrains, self.public, self.missing = groups, terrains, public, missing
        self.sold, self.colour = SOLD, STATUS_COLOURS[SOLD]

"""Sport viewer (Sportakkoord): sportaanbieders by sport over CBS context and reach per area.

Each sport has its own mark (an Okabe-Ito colour and, past eight sports, a
square or diamond shape, with a two-letter label); a panel filters the
facilities by sport and sums providers and members per sport, per 1 000
inhabitants of the age group chosen (members are registered per provider, not by
age or address, so the ratio is for the whole gemeente).
"""

from __future__ import annotations

import html

import folium
import pandas as pd
from branca.element import MacroElement, Template
from folium.plugins import MarkerCluster

from wijkatlas.publication import public_records
from wijkatlas.viewers.data import Atlas, bounds
from wijkatlas.viewers.gebiedsprofiel import add_area_layers, area_data, source_line
from wijkatlas.viewers.style import (
    CATEGORY_COLOURS,
    SHAPES,
    Frame,
    QualityPanel,
    base_map,
    mark_style,
    sources_of,
)

#: The catalog marks the context and reach indicators offered under the facilities with ``viewers = ["sport"]``.
VIEWER = "sport"
#: The layers whose sources the quality panel lists.
SOURCE_LAYERS = ("sportvoorzieningen", "kerncijfers", "gebieden", "bag_verblijfsobjecten")
#: The age groups members can be set against: the catalog's share indicators of the gemeente.
AGE_GROUPS = ("aandeel_0_15", "aandeel_15_25", "aandeel_25_45", "aandeel_45_65", "aandeel_65_plus")
POPULATION = "inwoners"


def sport_marks(sports: list[str]) -> dict[str, tuple[str, str]]:
    """A colour and a shape per sport, different for every sport up to 24."""
    count = len(CATEGORY_COLOURS)
    return {sport: (CATEGORY_COLOURS[i % count], SHAPES[(i // count) % len(SHAPES)])
            for i, sport in enumerate(sorted(sports))}


def abbreviations(sports: list[str]) -> dict[str, str]:
    """A unique two-letter label per sport: its first two letters, else its first and a later letter."""
    labels: dict[str, str] = {}
    for sport in sorted(sports):
        candidates = [sport[:2]] + [sport[0] + letter for letter in sport[2:]] + [f"{sport[0]}{i}" for i in range(10)]
        labels[sport] = next(c.upper() for c in candidates if c.upper() not in labels.values())
    return labels


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (#rrggbb), by WCAG relative luminance."""
    channels = [int(background[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#fff"


def mark_html(colour: str, shape: str, label: str, css_class: str = "wa-sport") -> str:
    """A sport's mark with its short label: readable without telling colours apart, and no icon font needed."""
    counter = "transform:rotate(-45deg);" if shape == "ruit" else ""
    return (f'<div class="{css_class} wa-{shape}" style="{mark_style(colour, shape, 22)}">'
            f'<div style="{counter}color:{text_colour(colour)};font:bold 10px/22px sans-serif;text-align:center">'
            f"{html.escape(label)}</div></div>")


def facility_texts(facility: pd.Series) -> tuple[str, str]:
    """Tooltip and popup of one facility, escaped; a field the registration lacks or leaves empty is left out."""
    def text(column: str) -> str | None:
        value = facility.get(column)
        return None if value is None or pd.isna(value) or not str(value).strip() else html.escape(str(value))

    name = text("aanbieder") or text("naam") or text("bron_id")
    sport = text("categorie")
    lines = [f"<b>{name}</b>", f"sport: {sport}"]
    lines += [f"{label}: {value}" for label, value in (
        ("accommodatie", text("accommodatie")), ("adres", text("adres")), ("plaats", text("plaats")),
        ("leden", text("aantal_leden")), ("gegevens bijgewerkt", text("laatst_gewijzigd"))) if value]
    return f"{name} ({sport})", "<br>".join(lines)


def age_groups(atlas: Atlas) -> dict[str, float]:
    """Inhabitants of the gemeente in total and per age group (latest peiljaar), by their label."""
    definitions, gemeente = atlas.definitions(), atlas.whole()
    total = gemeente.get(POPULATION)
    if total is None or pd.isna(total):
        return {}
    groups = {"alle inwoners": float(total)}
    for indicator in AGE_GROUPS:
        share = gemeente.get(indicator)
        if share is not None and pd.notna(share):
            groups[definitions.loc[indicator, "titel"].removeprefix("Aandeel ")] = round(float(total) * share / 100)
    return groups


def members_per_sport(facilities: pd.DataFrame) -> list[dict]:
    """Per sport its providers and registered members (members unknown when no provider gave them)."""
    members = pd.to_numeric(facilities.get("aantal_leden", pd.Series(index=facilities.index, dtype=float)),
                            errors="coerce")
    table = facilities.assign(leden=members).groupby("categorie").agg(
        aanbieders=("categorie", "size"), leden=("leden", "sum"), met_leden=("leden", "count"))
    return [{"sport": sport, "aanbieders": int(row.aanbieders),
             "leden": int(row.leden) if row.met_leden else None, "met_leden": int(row.met_leden)}
            for sport, row in table.iterrows()]


def sport_viewer(atlas: Atlas, *, peiljaar: str, gebiedsnaam: str, online_basemap: bool = False) -> folium.Map:
    """The Sportakkoord map: facilities by sport over CBS context and reach per wijk or buurt."""
    facilities = atlas.registration("sportvoorzieningen")
    if atlas.public:
        facilities = public_records("sportvoorzieningen", facilities)
    if "categorie" not in facilities.columns:
        facilities = facilities.assign(categorie="sport")
    outlines, data = area_data(atlas, atlas.context_indicators(VIEWER))
    title = f"Sportvoorzieningen {gebiedsnaam} (Sportakkoord)"
    viewer = base_map(bounds(outlines["buurt"]), title=title, online_basemap=online_basemap)
    add_area_layers(viewer, outlines, data, profile_links=False)
    marks = sport_marks(facilities["categorie"].unique().tolist())
    labels = abbreviations(list(marks))
    cluster = MarkerCluster(name="Sportaanbieders", show=True, options={"maxClusterRadius": 40})
    cluster.add_to(viewer)
    Facilities(cluster, facilities, {sport: mark_html(*mark, labels[sport]) for sport, mark in marks.items()}
               ).add_to(viewer)
    folium.LayerControl(collapsed=False, position="topright").add_to(viewer)
    sports = [{**row, "mark": mark_html(*marks[row["sport"]], labels[row["sport"]], "wa-sport-mark")}
              for row in members_per_sport(facilities)]
    SportPanel(cluster, sports, age_groups(atlas)).add_to(viewer)
    QualityPanel(sources_of(atlas.sources(), SOURCE_LAYERS)).add_to(viewer)
    Frame(title, source_line(atlas, "registratie sportaanbieders, CBS"), peiljaar).add_to(viewer)
    return viewer


class Facilities(MacroElement):
    """The facilities as marks in ``cluster``, made in the browser from one list (a folium Marker per facility took
    90 s for the country's 22 000): position, sport, tooltip and popup of each."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var marks = {{ this.marks|tojson }}, rows = {{ this.rows|tojson }};
  {{ this.cluster.get_name() }}.addLayers(rows.map(function (r) {
    var icon = L.divIcon({html: marks[r[2]], iconSize: [22, 22], iconAnchor: [11, 11], className: "empty"});
    return L.marker([r[0], r[1]], {icon: icon, sport: r[2], title: r[3]}).bindTooltip(r[4]).bindPopup(r[5], {maxWidth: 300});
  }));
})();
{% endmacro %}
""")

    def __init__(self, cluster: MarkerCluster, facilities: pd.DataFrame, marks: dict[str, str]) -> None:
        super().__init__()
        self._name = "Facilities"
        self.cluster, self.marks, self.rows = cluster, marks, []
        for _, facility in facilities.iterrows():
            tooltip, popup = facility_texts(facility)
            self.rows.append([round(facility.geometry.y, 6), round(facility.geometry.x, 6), facility["categorie"],
                              html.unescape(tooltip), tooltip, popup])


class SportPanel(MacroElement):
    """The legend of the sports' marks, a filter by sport, and per sport its providers, members and members per
    1 000 of the chosen age group."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }}, cluster = {{ this.cluster.get_name() }};
  var sports = {{ this.sports|tojson }}, groups = {{ this.groups|tojson }};
  var markers = cluster.getLayers();
  var esc = wa.esc, nl = wa.nl;
  var panel = L.control({position: "bottomleft"});
  panel.onAdd = function () {
    var div = L.DomUtil.create("details", "wa-sportpanel wa-box");
    div.open = !wa.phone();
    var html = '<summary>Sporten: legenda, filter en leden</summary><label>Sport <select id="wa-sport"><option value="">alle sporten</option>';
    sports.forEach(function (s) { html += "<option>" + esc(s.sport) + "</option>"; });
    html += '</select></label><br><label>Leden per 1 000 van <select id="wa-group">';
    groups.forEach(function (g, i) { html += '<option value="' + i + '">' + esc(g[0]) + "</option>"; });
    div.innerHTML = html + '</select></label><div id="wa-members"></div>';
    L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
    div.querySelector("#wa-sport").addEventListener("change", function (e) { filter(e.target.value); table(); });
    div.querySelector("#wa-group").addEventListener("change", table);
    return div;
  };
  panel.addTo(map);
  function filter(sport) {
    cluster.clearLayers();
    cluster.addLayers(markers.filter(function (m) { return !sport || m.options.sport === sport; }));
  }
  function table() {
    var chosen = document.getElementById("wa-sport").value, group = document.getElementById("wa-group").value;
    var people = groups.length ? groups[Number(group)][1] : null;
    var rows = "<table><tr><th scope='col' colspan='2'>sport</th><th class='num'>aanbieders</th><th class='num'>leden</th><th class='num'>per 1 000</th></tr>";
    sports.forEach(function (s) {
      if (chosen && s.sport !== chosen) return;
      var rate = s.leden === null || !people ? null : 1000 * s.leden / people;
      rows += "<tr class='wa-sport-row'><td>" + s.mark + "</td><td>" + esc(s.sport) + "</td><td class='num'>" + s.aanbieders + "</td><td class='num'>" +
        nl(s.leden) + (s.met_leden < s.aanbieders && s.leden !== null ? "*" : "") + "</td><td class='num'>" + nl(rate, 1) + "</td></tr>";
    });
    document.getElementById("wa-members").innerHTML = rows + "</table><div style='color:#444'>leden zoals de aanbieders " +
      "ze opgeven, voor de hele gemeente (niet naar woonplaats of leeftijd geregistreerd); * niet elke aanbieder gaf leden op</div>";
  }
  table();
})();
{% endmacro %}
""")

    def __init__(self, cluster: MarkerCluster, sports: list[dict], groups: dict[str, float]) -> None:
        super().__init__()
        self._name = "SportPanel"
        self.cluster, self.sports, self.groups = cluster, sports, list(groups.items())

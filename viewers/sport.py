"""Sport viewer (Sportakkoord): sportaanbieders by sport, clustered, over CBS context and reach per area."""

from __future__ import annotations

import html

import folium
import pandas as pd
from folium.plugins import MarkerCluster

from wijkatlas.publication import public_records
from wijkatlas.viewers.data import Atlas, bounds
from wijkatlas.viewers.gebiedsprofiel import add_area_layers, indicator_table, source_line
from wijkatlas.viewers.style import CATEGORY_COLOURS, Frame, Legend, base_map

#: The catalog marks the context and reach indicators offered under the facilities with ``viewers = ["sport"]``.
VIEWER = "sport"


def sport_colours(sports: list[str]) -> dict[str, str]:
    """A colour per sport; past eight the colours repeat and the two-letter label tells sports apart."""
    return {sport: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, sport in enumerate(sorted(sports))}


def abbreviations(sports: list[str]) -> dict[str, str]:
    """A unique two-letter label per sport: its first two letters, else its first and a later letter."""
    labels: dict[str, str] = {}
    for sport in sorted(sports):
        candidates = [sport[:2]] + [sport[0] + letter for letter in sport[2:]] + [f"{sport[0]}{i}" for i in range(10)]
        labels[sport] = next(c.upper() for c in candidates if c.upper() not in labels.values())
    return labels


def dot_icon(colour: str, label: str) -> folium.DivIcon:
    """A coloured dot with a short label: readable without telling colours apart, and no icon font needed."""
    return folium.DivIcon(
        html=(f'<div class="wa-sport" style="width:22px;height:22px;border-radius:11px;background:{colour};'
              f'border:2px solid #fff;box-shadow:0 0 2px #000;color:#fff;font:bold 10px/22px sans-serif;'
              f'text-align:center">{html.escape(label)}</div>'),
        icon_size=(22, 22), icon_anchor=(11, 11))


def facility_texts(facility: pd.Series) -> tuple[str, str]:
    """Tooltip and popup of one facility, escaped; a field the registration lacks or leaves empty is left out."""
    def text(column: str) -> str | None:
        value = facility.get(column)
        return None if value is None or pd.isna(value) or not str(value).strip() else html.escape(str(value))

    name = text("aanbieder") or text("naam") or text("bron_id")
    sport = text("categorie")
    lines = [f"<b>{name}</b>", f"sport: {sport}"]
    lines += [f"{label}: {value}" for label, value in (("accommodatie", text("accommodatie")),
                                                      ("adres", text("adres")), ("plaats", text("plaats"))) if value]
    return f"{name} ({sport})", "<br>".join(lines)


def sport_viewer(atlas: Atlas, *, peiljaar: str, gemeentenaam: str, online_basemap: bool = False) -> folium.Map:
    """The Sportakkoord map: facilities by sport over CBS context and reach per wijk or buurt."""
    facilities = atlas.registration("sportvoorzieningen")
    if atlas.public:
        facilities = public_records("sportvoorzieningen", facilities)
    frames, meta = indicator_table(atlas, atlas.context_indicators(VIEWER))
    viewer = base_map(bounds(frames["buurt"]), online_basemap=online_basemap)
    add_area_layers(viewer, frames, meta, profile_links=False)
    if "categorie" not in facilities.columns:
        facilities = facilities.assign(categorie="sport")
    colours = sport_colours(facilities["categorie"].unique().tolist())
    labels = abbreviations(list(colours))
    cluster = MarkerCluster(name="Sportaanbieders", show=True, options={"maxClusterRadius": 40})
    for _, facility in facilities.iterrows():
        tooltip, popup = facility_texts(facility)
        folium.Marker([facility.geometry.y, facility.geometry.x], icon=dot_icon(colours[facility["categorie"]],
                                                                              labels[facility["categorie"]]),
                      tooltip=tooltip, popup=folium.Popup(popup, max_width=300)).add_to(cluster)
    cluster.add_to(viewer)
    folium.LayerControl(collapsed=False, position="topright").add_to(viewer)
    Legend("Sport", [(f"{sport} ({labels[sport]})", {"fillColor": colour, "color": "#fff"})
                     for sport, colour in colours.items()], position="bottomleft").add_to(viewer)
    Frame(f"Sportvoorzieningen {gemeentenaam} (Sportakkoord)",
          source_line(atlas, "registratie sportaanbieders, CBS"), peiljaar).add_to(viewer)
    return viewer

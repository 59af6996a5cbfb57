"""Writing the viewers, the wijk profiles and an index page to one folder that works offline."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import folium

from viewers.data import Atlas
from viewers.gebiedsprofiel import gebiedsprofiel
from viewers.kavels import kavels_viewer
from viewers.offline import save
from viewers.sport import sport_viewer
from viewers.wijkprofiel import TEMPLATES, wijk_pages



@dataclass(frozen=True)
class Viewer:
    """One map page and the datapakhuis layer it cannot do without."""

    page: str
    title: str
    about: str
    build: Callable[..., folium.Map]
    layer: str


VIEWERS = [
    Viewer("gebiedsprofiel.html", "Gebiedsprofiel", "elke indicator per wijk en buurt, vergeleken met de gemeente",
           gebiedsprofiel, "buurten"),
    Viewer("sport.html", "Sportvoorzieningen (Sportakkoord)", "sportaanbieders met inwoners en bereik per wijk",
           sport_viewer, "sportvoorzieningen"),
    Viewer("kavels.html", "Kavels", "verkoopstatus van kavels per terrein", kavels_viewer, "kavels"),
]


def write_site(store: Path, target: Path, *, public: bool, online_basemap: bool = False) -> list[Path]:
    """Write index, viewers and profile pages of the openbaar (``public``) or intern figures; returns the pages."""
    atlas = Atlas(store, "openbaar" if public else "intern")
    gemeente = atlas.gemeente()
    gemeentenaam = gemeente["gemeentenaam"]
    years = atlas.long()["peiljaar"].dropna()
    peiljaar = str(int(years.max())) if len(years) else "–"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    pages = []
    viewers = [viewer for viewer in VIEWERS if atlas.has(viewer.layer)]
    for viewer in viewers:
        page = viewer.build(atlas, peiljaar=peiljaar, gemeentenaam=gemeentenaam, online_basemap=online_basemap)
        pages.append(save(page, target / viewer.page))
    wijken = atlas.areas("wijk")[["wijkcode", "wijknaam"]].itertuples(index=False)
    for code, text in wijk_pages(atlas, gemeentenaam=gemeentenaam).items():
        path = target / f"profiel-{code}.html"
        path.write_text(text, encoding="utf-8")
        pages.append(path)
    index = target / "index.html"
    index.write_text(TEMPLATES.get_template("index.html").render(
        gemeentenaam=gemeentenaam, peiljaar=peiljaar,
        scope="openbare cijfers" if public else "INTERN: bevat cijfers zonder geheimhouding, niet publiceren",
        viewers=[(viewer.page, viewer.title, viewer.about) for viewer in viewers], wijken=list(wijken),
        attributions="Bronnen: CBS (CC BY 4.0), Kadaster (BAG), gemeente."), encoding="utf-8")
    return [index, *pages]

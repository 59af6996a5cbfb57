"""Writing the viewers, the wijk profiles and an index page to one folder that works offline."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import folium

from wijkatlas.errors import WijkatlasError
from wijkatlas.viewers.data import Atlas
from wijkatlas.viewers.gebiedsprofiel import gebiedsprofiel
from wijkatlas.viewers.kavels import kavels_viewer
from wijkatlas.viewers.offline import save
from wijkatlas.viewers.profiles import TEMPLATES, Profiles, profile_page_name
from wijkatlas.viewers.sport import sport_viewer

#: The file that marks a folder as a site Wijkatlas wrote (and may replace).
MARKER = ".wijkatlas-site"



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


def write_site(store: Path, target: Path, *, public: bool, online_basemap: bool = False,
               pdf: bool = True) -> list[Path]:
    """Write index, viewers and profile pages (and with ``pdf`` each profile as PDF) of the openbaar (``public``)
    or intern figures; returns the pages.

    The site is written beside ``target`` and then swapped in, so a reader sees
    the old site or the new one. A ``target`` that holds files Wijkatlas did not
    write is refused rather than deleted.

    Raises
    ------
    WijkatlasError
        When ``target`` is a non-empty folder without Wijkatlas's marker, or a file.
    """
    if target.is_file() or (target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file()):
        raise WijkatlasError(f"{target} bestaat al en is geen door Wijkatlas geschreven site; kies met --doel een "
                             "nieuwe of lege map (Wijkatlas verwijdert geen bestanden die het niet zelf schreef)")
    atlas = Atlas(store, "openbaar" if public else "intern")
    gemeente = atlas.gemeente()
    gemeentenaam = gemeente["gemeentenaam"]
    years = atlas.long()["peiljaar"].dropna()
    peiljaar = str(int(years.max())) if len(years) else "–"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-nieuw-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the site from a web server
    try:
        names = _write_pages(atlas, staging, public=public, online_basemap=online_basemap, peiljaar=peiljaar,
                             gemeentenaam=gemeentenaam, pdf=pdf)
        (staging / MARKER).write_text("Geschreven door 'wijkatlas viewers'; wordt bij de volgende keer vervangen.\n",
                                      encoding="utf-8")
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / name for name in names]


def _write_pages(atlas: Atlas, folder: Path, *, public: bool, online_basemap: bool, peiljaar: str,
                 gemeentenaam: str, pdf: bool) -> list[str]:
    """Every page into ``folder``; returns their names, the index first."""
    pages = []
    viewers = [viewer for viewer in VIEWERS if atlas.has(viewer.layer)]
    for viewer in viewers:
        page = viewer.build(atlas, peiljaar=peiljaar, gemeentenaam=gemeentenaam, online_basemap=online_basemap)
        pages.append(save(page, folder / viewer.page).name)
    wijken = atlas.areas("wijk")[["wijkcode", "wijknaam"]].itertuples(index=False)
    buurten = atlas.areas("buurt")[["buurtcode", "buurtnaam"]].itertuples(index=False)
    profiles = Profiles(atlas, gemeentenaam)
    for code, text in profiles.pages(with_pdf=pdf).items():
        path = folder / profile_page_name(code)
        path.write_text(text, encoding="utf-8")
        pages.append(path.name)
    if pdf:
        pages += [path.name for path in profiles.write_pdfs(folder)]
    (folder / "index.html").write_text(TEMPLATES.get_template("index.html").render(
        gemeentenaam=gemeentenaam, peiljaar=peiljaar,
        scope="openbare cijfers" if public else "INTERN: bevat cijfers zonder geheimhouding, niet publiceren",
        viewers=[(viewer.page, viewer.title, viewer.about) for viewer in viewers], wijken=list(wijken),
        buurten=list(buurten), pdf=pdf, editie=atlas.edition().strftime("%d-%m-%Y"),
        attributions="Bronnen: CBS (CC BY 4.0), Kadaster (BAG), gemeente."), encoding="utf-8")
    return ["index.html", *pages]


def _swap_in(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is, then remove the old site."""
    if not target.exists():
        staging.rename(target)
        return
    old = target.parent / f".{target.name}-oud-{uuid.uuid4().hex[:8]}"
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old)

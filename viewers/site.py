"""Writing the viewers, the profiles, downloads and an index page to one folder that works offline.

The public site is published in editions: each build's site is also kept in
``edities/<date>/``, and a new site carries every earlier edition over, so an
edition once published stays available and linked from the index.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import folium

from wijkatlas.errors import WijkatlasError
from wijkatlas.forked import Beside
from wijkatlas.viewers.data import Atlas
from wijkatlas.viewers.gebiedsprofiel import gebiedsprofiel, gemeente_page_name, gemeente_profielen
from wijkatlas.viewers.kavels import kavels_viewer
from wijkatlas.viewers.offline import save
from wijkatlas.viewers.profiles import Profiles, profile_page_name
from wijkatlas.viewers.sport import sport_viewer
from wijkatlas.viewers.templating import TEMPLATES
from wijkatlas.vocabulary import LEVELS

#: The file that marks a folder as a site Wijkatlas wrote (and may replace).
MARKER = ".wijkatlas-site"
#: The folder of the kept editions, and the file in each that names the build it shows.
EDITIONS = "edities"
EDITION_STAMP = ".editie"
DOWNLOADS = "downloads"


@dataclass(frozen=True)
class Addresses:
    """Where the site and the OGC API are published, for embed snippets and API links (unknown: ``None``)."""

    site: str | None = None
    api: str | None = None


@dataclass(frozen=True)
class Viewer:
    """One map page and the datapakhuis layer it cannot do without."""

    page: str
    title: str
    about: str
    build: Callable[..., folium.Map]
    layer: str


VIEWERS = [
    Viewer("gebiedsprofiel.html", "Gebiedsprofiel",
           "elke indicator per wijk en buurt en peiljaar, vergeleken met de gemeente of vergelijkbare gebieden, "
           "met signalering", gebiedsprofiel, "buurten"),
    Viewer("sport.html", "Sportvoorzieningen (Sportakkoord)", "sportaanbieders met inwoners en bereik per wijk",
           sport_viewer, "sportvoorzieningen"),
    Viewer("kavels.html", "Kavels", "verkoopstatus van kavels per terrein", kavels_viewer, "kavels"),
]


def write_site(store: Path, target: Path, *, public: bool, online_basemap: bool = False,
               pdf: bool = True, addresses: Addresses = Addresses()) -> list[Path]:
    """Write index, viewers, profile pages (and with ``pdf`` each profile as PDF) and downloads of the openbaar
    (``public``) or intern figures; returns the pages.

    The site is written beside ``target`` and then swapped in, so a reader sees
    the old site or the new one. A ``target`` that holds files Wijkatlas did not
    write is refused rather than deleted. A public site keeps every earlier
    edition of ``target`` and adds this one.

    Raises
    ------
    WijkatlasError
        When ``target`` is a non-empty folder without Wijkatlas's marker, or a file.
    """
    if target.is_file() or (target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file()):
        raise WijkatlasError(f"{target} bestaat al en is geen door Wijkatlas geschreven site; kies met --doel een "
                             "nieuwe of lege map (Wijkatlas verwijdert geen bestanden die het niet zelf schreef)")
    atlas = Atlas(store, "openbaar" if public else "intern")
    gebiedsnaam = atlas.gebiedsnaam()
    years = atlas.long()["peiljaar"].dropna()
    peiljaar = str(int(years.max())) if len(years) else "–"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-nieuw-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the site from a web server
    try:
        context = _Context(atlas, gebiedsnaam, peiljaar, pdf, addresses, store.parent)
        names = _write_pages(context, staging, online_basemap=online_basemap)
        if public:
            editions = _keep_editions(target / EDITIONS, staging / EDITIONS, atlas)
            _write_index(context, staging, editions=editions)
            _copy_edition(staging, staging / EDITIONS / editions[0][0], context)
        else:
            _write_index(context, staging, editions=[])
        (staging / MARKER).write_text("Geschreven door 'wijkatlas viewers'; wordt bij de volgende keer vervangen "
                                      f"(de map {EDITIONS} blijft en groeit).\n", encoding="utf-8")
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / name for name in names]


@dataclass(frozen=True)
class _Context:
    """What every page of one site shares."""

    atlas: Atlas
    #: the gemeente's name, or the regio's in a build of several gemeenten
    gebiedsnaam: str
    peiljaar: str
    pdf: bool
    addresses: Addresses
    out: Path

    @property
    def scope(self) -> str:
        """Whose figures the pages hold, as the pages say it."""
        return "openbare cijfers" if self.atlas.public else "INTERN: bevat cijfers zonder geheimhouding, niet publiceren"


def _write_pages(context: _Context, folder: Path, *, online_basemap: bool) -> list[str]:
    """Every map, profile and download into ``folder``; returns their names, the index first."""
    atlas, pages = context.atlas, []
    profiles = Profiles(atlas)
    # the profile pages in two halves on the other core and beside the maps (18 000 pages for the country)
    halves = [Beside(profiles.write, folder, context.pdf, (half, 2)) for half in range(2)]
    try:
        for viewer in _viewers(atlas):
            page = viewer.build(atlas, peiljaar=context.peiljaar, gebiedsnaam=context.gebiedsnaam,
                                online_basemap=online_basemap)
            pages.append(save(page, folder / viewer.page).name)
        if atlas.regio() and atlas.has("buurten"):
            pages += [save(page, folder / gemeente_page_name(code)).name for code, _, page in gemeente_profielen(
                atlas, peiljaar=context.peiljaar, online_basemap=online_basemap)]
        for half in halves:
            half.wait()
    finally:
        for half in halves:
            half.stop()
    pages += [profile_page_name(code) for code in profiles.codes()]
    if context.pdf:
        pages += [path.name for path in profiles.write_pdfs(folder)]
    pages += [f"{DOWNLOADS}/{path.name}" for path in _copy_downloads(context, folder / DOWNLOADS)]
    return ["index.html", *pages]


def _viewers(atlas: Atlas) -> list[Viewer]:
    return [viewer for viewer in VIEWERS if atlas.has(viewer.layer)]


def _copy_downloads(context: _Context, folder: Path) -> list[Path]:
    """The build's spreadsheets of this variant's figures (CSV and XLSX per level), as the build wrote them."""
    exports = context.out / "export" / ("" if context.atlas.public else "intern")
    found = sorted(exports.glob("indicatoren_*.csv")) + sorted(exports.glob("indicatoren_*.xlsx"))
    if found:
        folder.mkdir()
    return [Path(shutil.copy2(path, folder / path.name)) for path in found]


def _areas_per_gemeente(atlas: Atlas) -> list[tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]]:
    """Per gemeente its map, name and its wijken's and buurten's codes and names (a regio lists several gemeenten)."""
    areas = {level: atlas.areas(level)[[LEVELS[level].code, LEVELS[level].naam]] for level in ("wijk", "buurt")}
    by_gemeente = {level: dict(tuple(frame.groupby(frame[LEVELS[level].code].str[2:6]))) for level, frame in areas.items()}
    empty = {level: frame.iloc[:0] for level, frame in areas.items()}
    return [(gemeente_page_name(code), naam, *(list(by_gemeente[level].get(code[2:], empty[level]).itertuples(index=False))
                                               for level in areas))
            for code, naam in atlas.gemeentenamen().items()]


def _write_index(context: _Context, folder: Path, *, editions: list[tuple[str, str]], current: str = "") -> None:
    """The index: maps with embed snippets, profiles, downloads, API collections and (public) the editions."""
    atlas, addresses = context.atlas, context.addresses
    site = (addresses.site or "").rstrip("/")
    downloads = sorted(path.name for path in (folder / DOWNLOADS).glob("indicatoren_*")) \
        if (folder / DOWNLOADS).is_dir() else []
    (folder / "index.html").write_text(TEMPLATES.get_template("index.html").render(
        gebiedsnaam=context.gebiedsnaam, peiljaar=context.peiljaar, scope=context.scope, public=atlas.public,
        viewers=[(viewer.page, viewer.title, viewer.about, f"{site}/{viewer.page}" if site else viewer.page)
                 for viewer in _viewers(atlas)],
        site_known=bool(site), gemeenten=_areas_per_gemeente(atlas),
        pdf=context.pdf, editie=atlas.edition().strftime("%d-%m-%Y"), downloads=downloads,
        collections=_collections(context.out / "api", public=atlas.public), api=(addresses.api or "").rstrip("/"),
        editions=editions, current=current,
        attributions="Bronnen: CBS (CC BY 4.0), Kadaster (BAG), gemeente."), encoding="utf-8")


def _collections(api_dir: Path, *, public: bool) -> list[tuple[str, str]]:
    """The OGC API collections the build prepared for this variant: (id, title)."""
    listing = api_dir / "collections.json"
    if not listing.is_file():
        return []
    collections = json.loads(listing.read_text(encoding="utf-8"))["collections"]
    return [(c["id"], c["title"]) for c in collections if c["intern"] == (not public)]


def _keep_editions(kept: Path, folder: Path, atlas: Atlas) -> list[tuple[str, str]]:
    """Carry the editions of the published site over into ``folder`` and name this build's edition; returns
    (folder name, date shown) per edition, this one first, then newest first.

    An edition is named by its build date; a second build on one day gets ``-2``. Only the same build's edition
    is replaced (a site written again from one datapakhuis); nothing else is ever removed.
    """
    folder.mkdir()
    stamp = atlas.edition_stamp()
    names = []
    for edition in sorted(kept.iterdir()) if kept.is_dir() else []:
        if (edition / EDITION_STAMP).is_file() and (edition / EDITION_STAMP).read_text(encoding="utf-8") == stamp:
            continue
        shutil.copytree(edition, folder / edition.name, copy_function=_link_or_copy)
        names.append(edition.name)
    day = atlas.edition().isoformat()
    name = next(n for n in (day, *(f"{day}-{i}" for i in range(2, 1000))) if n not in names)
    shown = {n: _edition_date(n) for n in names}
    return [(name, atlas.edition().strftime("%d-%m-%Y")),
            *sorted(shown.items(), key=lambda item: item[0], reverse=True)]


def _edition_date(name: str) -> str:
    """An edition folder's name (2026-09-01, 2026-09-01-2) as the index shows it (01-09-2026, 01-09-2026 (2))."""
    day = name[:10]
    return f"{day[8:10]}-{day[5:7]}-{day[:4]}" + (f" ({name[11:]})" if len(name) > 10 else "")


def _copy_edition(site: Path, edition: Path, context: _Context) -> None:
    """This site as a kept edition: every page and download, with an index that points to the current site."""
    shutil.copytree(site, edition, ignore=shutil.ignore_patterns(EDITIONS, MARKER), copy_function=_link_or_copy)
    (edition / "index.html").unlink()
    _write_index(context, edition, editions=[], current="../../index.html")
    (edition / EDITION_STAMP).write_text(context.atlas.edition_stamp(), encoding="utf-8")


def _link_or_copy(source: str, target: str) -> str:
    """A hard link (an edition costs no space; pages are never changed in place), or a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def _swap_in(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is, then remove the old site."""
    if not target.exists():
        staging.rename(target)
        return
    old = target.parent / f".{target.name}-oud-{uuid.uuid4().hex[:8]}"
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old)

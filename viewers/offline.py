"""Folium maps that work from a folder without internet.

Folium references Leaflet and its plugins on CDNs. :func:`localise` points every
element of a map at the copies in ``vendor/`` (from the npm packages of
``package.json``) and drops libraries these viewers do not use
(Bootstrap, Font Awesome: no icon markers, no Bootstrap widgets). A library it
does not know is an error, so a new folium element cannot quietly add a CDN
link.
"""

from __future__ import annotations

from pathlib import Path

import folium
from branca.element import Element

from wijkatlas.web_assets import copy_vendor

VENDOR_DIR = "vendor"
#: Folium's library name -> path under vendor/, or None for a library these viewers do not need.
LIBRARIES = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
    "jquery": "jquery/jquery.min.js",  # folium.Popup builds its HTML with jQuery
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,
    "awesome_markers_css": None,
    "awesome_markers_font_css": None,
    "awesome_rotate_css": None,
}
PACKAGES = ("leaflet", "leaflet.markercluster", "jquery")


def localise(element: Element) -> None:
    """Point the JS/CSS of ``element`` and everything in it at ``vendor/``."""
    for attribute in ("default_js", "default_css"):
        links = getattr(element, attribute, None)
        if links:
            setattr(element, attribute, [(name, _local(name, url)) for name, url in links
                                         if LIBRARIES.get(name, "") is not None])
    for child in element._children.values():
        localise(child)


def _local(name: str, url: str) -> str:
    if name not in LIBRARIES:
        raise ValueError(f"unknown library {name!r} ({url}): add it to viewers.offline.LIBRARIES")
    return f"{VENDOR_DIR}/{LIBRARIES[name]}"


def save(viewer: folium.Map, path: Path) -> Path:
    """Write ``viewer`` as a standalone page beside ``vendor/`` (copied once per folder)."""
    localise(viewer)
    if not (path.parent / VENDOR_DIR / "leaflet").is_dir():
        copy_vendor(path.parent / VENDOR_DIR, PACKAGES)
    viewer.save(str(path))
    return path

"""JavaScript and CSS from npm packages (``package.json``), served or shipped locally instead of from CDNs.

``make`` installs the packages into ``node_modules``; pages reference them under
a ``vendor/`` folder so that they work without internet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from wijkatlas.errors import ConfigError
from wijkatlas.settings import REPO_ROOT

NODE_MODULES = REPO_ROOT / "node_modules"
#: Folders copied whole (CSS refers to images and fonts beside it), by their name under vendor/.
PACKAGE_FOLDERS = {
    "leaflet": "leaflet/dist",
    "leaflet.markercluster": "leaflet.markercluster/dist",
    "leaflet.awesome-markers": "leaflet.awesome-markers/dist",
    "bootstrap": "bootstrap/dist",
    "jquery": "jquery/dist",
    "fontawesome": "@fortawesome/fontawesome-free",
    "swagger-ui": "swagger-ui-dist",
}
#: Files not needed by any page: source maps, ES modules, other builds.
SKIPPED = ("*.map", "*.esm.*", "*.ts", "*.scss", "*.less", "package.json", "README*", "LICENSE*", "svgs", "sprites",
           "scss", "less", "js-packages", "metadata", "*.rtl.*", "*-es-bundle*", "absolute-path.js", "index.js")


def copy_vendor(target: Path, packages: tuple[str, ...] = tuple(PACKAGE_FOLDERS)) -> Path:
    """Copy ``packages`` to ``target`` (one folder each); returns ``target``."""
    for name in packages:
        source = NODE_MODULES / PACKAGE_FOLDERS[name]
        if not source.is_dir():
            raise ConfigError(f"{source} ontbreekt: installeer de webbibliotheken met `make` (npm ci)")
        destination = target / name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(source, destination, ignore=shutil.ignore_patterns(*SKIPPED))
    return target

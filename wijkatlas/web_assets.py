"""JavaScript and CSS from npm packages (``package.json``), served or shipped locally instead of from CDNs.

``make`` installs the packages into ``node_modules``; pages reference them under
a ``vendor/`` folder so that they work without internet.
"""

from __future__ import annotations

import json
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


def vendor_version(name: str) -> str:
    """The installed version of the npm package behind ``name`` (empty when it is not installed)."""
    folder = PACKAGE_FOLDERS[name]
    root = "/".join(folder.split("/")[:2]) if folder.startswith("@") else folder.split("/")[0]
    manifest = NODE_MODULES / root / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8")).get("version", "") if manifest.is_file() else ""


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

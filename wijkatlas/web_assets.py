"""JavaScript and CSS from npm packages (``package.json``), served or shipped locally instead of from CDNs.

``make`` installs the packages into ``node_modules`` and bundles the files the
pages need into the package (``python -m wijkatlas.web_assets node_modules``), so
that an installed wheel has them too; pages reference them under a ``vendor/``
folder so that they work without internet.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from wijkatlas.errors import ConfigError
from wijkatlas.settings import VENDOR_SOURCE

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


def bundle_vendor(node_modules: Path, target: Path = VENDOR_SOURCE) -> Path:
    """Copy every package of :data:`PACKAGE_FOLDERS` from ``node_modules`` into the package, with its version."""
    versions = {}
    for name, folder in PACKAGE_FOLDERS.items():
        source = node_modules / folder
        if not source.is_dir():
            raise ConfigError(f"{source} ontbreekt: installeer de webbibliotheken met `npm ci`")
        if (target / name).exists():
            shutil.rmtree(target / name)
        shutil.copytree(source, target / name, ignore=shutil.ignore_patterns(*SKIPPED))
        root = "/".join(folder.split("/")[:2]) if folder.startswith("@") else folder.split("/")[0]
        versions[name] = json.loads((node_modules / root / "package.json").read_text(encoding="utf-8"))["version"]
    (target / "versions.json").write_text(json.dumps(versions, indent=1), encoding="utf-8")
    return target


def vendor_version(name: str) -> str:
    """The bundled version of the npm package behind ``name`` (empty when it is not bundled)."""
    versions = VENDOR_SOURCE / "versions.json"
    return json.loads(versions.read_text(encoding="utf-8")).get(name, "") if versions.is_file() else ""


def copy_vendor(target: Path, packages: tuple[str, ...] = tuple(PACKAGE_FOLDERS)) -> Path:
    """Copy the bundled ``packages`` to ``target`` (one folder each); returns ``target``."""
    for name in packages:
        source = VENDOR_SOURCE / name
        if not source.is_dir():
            raise ConfigError(f"{source} ontbreekt: installeer de webbibliotheken met `make` (npm ci)")
        destination = target / name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(source, destination)
    return target


if __name__ == "__main__":  # `make`: python -m wijkatlas.web_assets node_modules
    print(f"webbibliotheken gebundeld in {bundle_vendor(Path(sys.argv[1]))}")

"""pygeoapi's HTML templates with their CDN links pointing at locally served copies.

pygeoapi's pages load Bootstrap, Leaflet and Swagger UI from CDNs and fall apart
without internet. The templates are copied with each CDN address replaced by the
same library from ``node_modules`` under the server's ``/static/vendor/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pygeoapi

from wijkatlas.web_assets import copy_vendor

VENDOR = "{{ config['server']['url'] }}/static/vendor"
#: CDN address (up to the file path inside the package) -> local folder.
CDN_REWRITES = {
    r"https://unpkg\.com/bootstrap@[\d.]+/dist/": f"{VENDOR}/bootstrap/",
    r"https://unpkg\.com/leaflet@[\d.]+/dist/": f"{VENDOR}/leaflet/",
    r"https://cdnjs\.cloudflare\.com/ajax/libs/leaflet/[\d.]+/": f"{VENDOR}/leaflet/",
    r"https://unpkg\.com/leaflet\.markercluster/dist/": f"{VENDOR}/leaflet.markercluster/",
    r"https://unpkg\.com/swagger-ui-dist/": f"{VENDOR}/swagger-ui/",
}
PACKAGES = ("bootstrap", "leaflet", "leaflet.markercluster", "swagger-ui")


def write_offline_templates(target: Path) -> Path:
    """Write ``templates/`` and ``static/`` (with ``static/vendor/``) under ``target``; returns ``target``."""
    package = Path(pygeoapi.__file__).parent
    for folder in ("templates", "static"):
        if (target / folder).exists():
            shutil.rmtree(target / folder)
        shutil.copytree(package / folder, target / folder)
    for template in (target / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        rewritten = rewrite_cdn_links(text)
        if rewritten != text:
            template.write_text(rewritten, encoding="utf-8")
    copy_vendor(target / "static" / "vendor", PACKAGES)
    return target


def rewrite_cdn_links(html: str) -> str:
    """``html`` with every known CDN address replaced by its local copy."""
    for pattern, local in CDN_REWRITES.items():
        html = re.sub(pattern, local, html)
    return html

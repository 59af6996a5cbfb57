"""pygeoapi's HTML templates with their CDN links pointing at locally served copies.

pygeoapi's pages load Bootstrap, Leaflet and Swagger UI from CDNs and fall apart
without internet. The templates are copied with each CDN address replaced by the
same library from ``node_modules`` under the server's ``/static/vendor/``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

import pygeoapi

from wijkatlas.web_assets import copy_vendor, vendor_version

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


def write_offline_templates(parent: Path) -> Path:
    """``templates/`` and ``static/`` (with ``static/vendor/``) in a folder under ``parent``; returns that folder.

    The folder is named after pygeoapi's version and the local libraries, written
    beside it and renamed into place, and never rewritten or deleted: a server that
    is running keeps the files it uses while another ``serve`` or ``publish`` prepares.
    """
    package = Path(pygeoapi.__file__).parent
    digest = hashlib.sha256(repr((pygeoapi.__version__, sorted(CDN_REWRITES.items()), PACKAGES,
                                  [vendor_version(name) for name in PACKAGES])).encode()).hexdigest()[:12]
    target = parent / f"pygeoapi-{pygeoapi.__version__}-{digest}"
    if target.is_dir():
        return target
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".html-", dir=parent))
    for folder in ("templates", "static"):
        shutil.copytree(package / folder, staging / folder)
    for template in (staging / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        rewritten = rewrite_cdn_links(text)
        if rewritten != text:
            template.write_text(rewritten, encoding="utf-8")
    copy_vendor(staging / "static" / "vendor", PACKAGES)
    try:
        staging.rename(target)
    except OSError:  # another process put the same folder in place first
        shutil.rmtree(staging)
    return target


def rewrite_cdn_links(html: str) -> str:
    """``html`` with every known CDN address replaced by its local copy."""
    for pattern, local in CDN_REWRITES.items():
        html = re.sub(pattern, local, html)
    return html

"""Shared fixtures: a hand-drawn 2 x 2 grid of buurten, the demo build, and headless Chromium.

Chromium is Debian's /usr/bin/chromium, driven by Playwright, with every request off the machine refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from helpers import REPO


@pytest.fixture
def grid_buurten() -> gpd.GeoDataFrame:
    """Four 100 m squares, codes in reading order from the top left, two per wijk.

    ::

        BU00010100 | BU00010101      (wijk WK000101, y 100..200)
        -----------+-----------
        BU00010000 | BU00010001      (wijk WK000100, y 0..100)
    """
    return gpd.GeoDataFrame(
        {
            "buurtcode": ["BU00010000", "BU00010001", "BU00010100", "BU00010101"],
            "wijkcode": ["WK000100", "WK000100", "WK000101", "WK000101"],
        },
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100),
                  shapely.box(0, 100, 100, 200), shapely.box(100, 100, 200, 200)],
        crs="EPSG:28992",
    )


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory) -> Path:
    """The output folder of `wijkatlas demo`, built once per test session."""
    from wijkatlas.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def public_site(demo_out) -> Path:
    """The demo's public site (`wijkatlas viewers --public`), in the demo's output folder."""
    from wijkatlas.viewers.site import write_site

    target = demo_out / "openbaar"
    write_site(demo_out / "datapakhuis.gpkg", target, public=True)
    return target


@pytest.fixture(scope="session")
def intern_site(demo_out) -> Path:
    """Written by the build itself (`wijkatlas demo`)."""
    return demo_out / "viewers"


CHROMIUM = "/usr/bin/chromium"
#: Screenshots of every viewer test, to look at after a run.
SCREENSHOTS = REPO / "out" / "test-screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


@dataclass
class Visit:
    """An opened page with what it tried to fetch from elsewhere and the script errors it raised."""

    page: object
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser) -> Iterator:
    """Open a local page with the network blocked: any request not for a file:// URL is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="nl-NL")
    visits = []

    def open_page(path: Path, *, width: int = 1200, height: int = 800) -> Visit:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        seen = Visit(page)

        def route(request_route):
            if request_route.request.url.startswith("file://"):
                request_route.continue_()
            else:
                seen.outside.append(request_route.request.url)
                request_route.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        visits.append(seen)
        return seen

    yield open_page
    context.close()
    for seen in visits:
        assert seen.outside == [], f"requests left the machine: {seen.outside}"
        assert seen.errors == [], f"script errors: {seen.errors}"

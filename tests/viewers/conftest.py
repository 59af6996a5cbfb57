"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) with every request off the machine refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import REPO

from viewers.site import write_site

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

    def open_page(path: Path) -> Visit:
        page = context.new_page()
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


@pytest.fixture(scope="session")
def public_site(demo_out) -> Path:
    target = demo_out / "openbaar"
    write_site(demo_out / "datapakhuis.gpkg", target, public=True)
    return target


@pytest.fixture(scope="session")
def intern_site(demo_out) -> Path:
    """Written by the build itself (`wijkatlas demo`)."""
    return demo_out / "viewers"

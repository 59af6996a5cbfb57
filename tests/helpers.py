"""Paths and helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
SMALL_CATALOG = TESTS / "indicators" / "small_catalog.toml"


def recorded(name: str) -> dict:
    """A recorded response body from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def settled_marker_count(page) -> int:
    """Facilities drawn (single dots plus cluster counts) once no zoom or cluster animation is running.

    During an animation the old and the new cluster icons are both in the page.
    """
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim')")
    counts = []
    while len(counts) < 2 or counts[-1] != counts[-2]:
        page.wait_for_timeout(250)
        clustered = sum(int(text) for text in page.locator(".marker-cluster").all_inner_texts())
        counts.append(page.locator(".wa-sport").count() + clustered)
        assert len(counts) < 40, f"marker count does not settle: {counts}"
    return counts[-1]


def uncovered(page, selector: str):
    """The first element of ``selector`` whose centre is not under a panel or another element (a click reaches it)."""
    index = page.evaluate("""s => [...document.querySelectorAll(s)].findIndex(e => {
        const r = e.getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return hit !== null && (hit === e || e.contains(hit));
    })""", selector)
    assert index >= 0, f"every {selector} is covered"
    return page.locator(selector).nth(index)

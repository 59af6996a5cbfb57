"""Every public page on a phone (390 px) and a desktop (1 400 px): nothing covers the controls, the page is Dutch,
controls have names and work by keyboard, and axe-core (WCAG 2 A/AA) finds no serious violation."""

from __future__ import annotations

import pytest

from helpers import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
MAPS = ("gebiedsprofiel", "sport", "kavels")
WIDTHS = (390, 1400)


def boxes_overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", MAPS)
def test_neither_title_nor_controls_cover_each_other(visit, public_site, name, width):
    page = visit(public_site / f"{name}.html", width=width, height=844)
    frame = page.page.locator(".wa-frame").bounding_box()
    controls = page.page.locator(".leaflet-control")
    assert controls.count() >= 4
    boxes = [controls.nth(i).bounding_box() for i in range(controls.count())]
    for i, box in enumerate(boxes):
        assert box is not None and not boxes_overlap(frame, box), f"{name} at {width}px: title covers control {i}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, f"{name} at {width}px: control {i} off screen"
        for j, other in enumerate(boxes[:i]):
            assert not boxes_overlap(box, other), f"{name} at {width}px: controls {j} and {i} overlap"
    page.screenshot(f"{name}-{width}px")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["index", "profiel-WK990101", "profiel-BU99010902", *MAPS])
def test_axe_finds_no_serious_violation(visit, public_site, name, width):
    page = visit(public_site / f"{name}.html", width=width, height=844)
    assert page.page.get_attribute("html", "lang") == "nl"
    assert page.page.title()
    page.page.add_script_tag(path=str(AXE))
    result = page.page.evaluate("""async () => {
        for (const details of document.querySelectorAll("details")) details.open = true;  // check what unfolds too
        const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
    }""")
    assert result == [], f"{name} at {width}px"


def test_the_gebiedsprofiel_works_by_keyboard(visit, public_site):
    page = visit(public_site / "gebiedsprofiel.html")
    labels = page.page.eval_on_selector_all("select, input", "es => es.map(e => e.labels.length ? e.labels[0].innerText : '')")
    assert all(label.strip() for label in labels), labels
    first = page.page.input_value("#wa-indicator")
    for _ in range(60):  # Tab through the page until the indicator selector has the focus
        page.page.keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.id") == "wa-indicator":
            break
    else:
        pytest.fail("the indicator selector cannot be reached with Tab")
    page.page.keyboard.press("ArrowDown")
    assert page.page.input_value("#wa-indicator") != first
    title = page.page.inner_text(".wa-legend-title")
    chosen = page.page.eval_on_selector("#wa-indicator", "s => s.options[s.selectedIndex].text")
    assert title.startswith(chosen)
    page.page.focus("#wa-area")
    page.page.keyboard.press("ArrowDown")
    assert page.page.locator(".leaflet-popup-content").count() == 1  # an area is reached without a mouse


def test_a_phone_starts_with_the_panels_folded(visit, public_site):
    page = visit(public_site / "gebiedsprofiel.html", width=390, height=844)
    assert not page.page.eval_on_selector(".wa-selector", "d => d.open")
    assert not page.page.eval_on_selector(".wa-legend", "d => d.open")
    page.page.click(".wa-selector summary")
    page.page.select_option("#wa-indicator", "aandeel_65_plus")
    page.page.click(".wa-legend summary")
    assert "65 jaar" in page.page.inner_text(".wa-legend")
    page.screenshot("gebiedsprofiel-390px-open")

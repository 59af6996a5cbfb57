"""Every viewer rendered in headless Chromium with no network: map, layers, legend, popups, screenshots."""

from __future__ import annotations

import re

import numpy as np
import pyogrio
import pytest

from wijkatlas.viewers.style import SUPPRESSED

from helpers import settled_marker_count, uncovered

FILL_SELECTOR = "path.leaflet-interactive"


def store_layer(demo_out, layer):
    return pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer=layer)


def fills(visit) -> list[str]:
    return visit.page.eval_on_selector_all(FILL_SELECTOR, "ps => ps.map(p => p.getAttribute('fill'))")


def test_gebiedsprofiel_draws_every_area_and_switches_level_and_indicator(visit, public_site, demo_out):
    page = visit(public_site / "gebiedsprofiel.html")
    assert page.page.locator(FILL_SELECTOR).count() == len(store_layer(demo_out, "wijken"))
    assert "Gebiedsprofiel Havenstede" in page.page.inner_text(".wa-frame")
    assert "peiljaar 2024" in page.page.inner_text(".wa-frame")
    legend = page.page.inner_text(".wa-legend")
    assert "Aantal inwoners" in legend and "kwantielen" in legend and "geheim" in legend
    page.page.get_by_role("radio", name="Buurten").check()
    assert page.page.locator(FILL_SELECTOR).count() == len(store_layer(demo_out, "buurten"))
    page.page.select_option("#wa-indicator", "wmo_clienten_per_1000")
    openbaar = store_layer(demo_out, "indicatoren_buurt_openbaar")
    secret = openbaar["wmo_clienten_per_1000__status"].str.startswith("geheim", na=False).sum()
    assert secret > 0
    assert fills(page).count(SUPPRESSED["fillColor"]) == secret
    assert "Wmo-cliënten" in page.page.inner_text(".wa-legend")
    page.screenshot("gebiedsprofiel-buurten-wmo")


def test_a_suppressed_area_says_why_when_clicked(visit, public_site, demo_out):
    page = visit(public_site / "gebiedsprofiel.html")
    page.page.get_by_role("radio", name="Buurten").check()
    page.page.select_option("#wa-indicator", "wmo_clienten_per_1000")
    index = fills(page).index(SUPPRESSED["fillColor"])
    page.page.locator(FILL_SELECTOR).nth(index).click()
    popup = page.page.inner_text(".leaflet-popup-content")
    assert "geheim" in popup and "Wmo-cliënten" in popup
    page.screenshot("gebiedsprofiel-geheim-popup")


def test_a_wijk_popup_compares_with_the_gemeente_and_links_its_profile(visit, public_site):
    page = visit(public_site / "gebiedsprofiel.html")
    page.page.locator(FILL_SELECTOR).first.click()
    popup = page.page.inner_text(".leaflet-popup-content")
    assert "Aantal inwoners" in popup and "gemeente:" in popup
    assert "index (gemeente" not in popup  # a count is part of the gemeente total: no index
    link = page.page.locator(".leaflet-popup-content a.wa-profile-link").get_attribute("href")
    assert re.fullmatch(r"profiel-WK\d{6}\.html", link) and (public_site / link).is_file()
    page.page.select_option("#wa-indicator", "aandeel_65_plus")
    page.page.wait_for_selector(".leaflet-popup-content", state="detached")  # the old indicator's popup closes
    page.page.locator(FILL_SELECTOR).first.click()
    popup = page.page.inner_text(".leaflet-popup-content")
    assert "65 jaar" in popup and "index (gemeente = 100)" in popup


def test_sport_viewer_shows_every_facility_clustered_and_its_popup(visit, public_site, demo_out):
    page = visit(public_site / "sport.html")
    facilities = len(store_layer(demo_out, "sportvoorzieningen"))
    assert settled_marker_count(page.page) == facilities
    marks = {row.split("\t")[1]: row.split("\t")[0].strip() for row in page.page.locator(".wa-sport-row").all_inner_texts()}
    assert marks["voetbal"] == "VO" and marks["volleybal"] == "VL"  # the panel is the legend of the marks
    uncovered(page.page, ".wa-sport").click()
    popup = page.page.inner_text(".leaflet-popup-content")
    assert "sport:" in popup and "accommodatie:" in popup
    page.page.get_by_role("checkbox", name="Sportaanbieders").uncheck()
    assert page.page.locator(".wa-sport").count() == 0
    page.page.select_option("#wa-indicator", "woningen_binnen_500m_sport")
    assert "500 m" in page.page.inner_text(".wa-indicator-legend")
    page.screenshot("sport")


def test_kavels_viewer_filters_per_terrain_and_sums_per_status(visit, public_site, demo_out):
    page = visit(public_site / "kavels.html")
    kavels = store_layer(demo_out, "kavels")
    assert page.page.locator(FILL_SELECTOR).count() == len(kavels)
    terrain = sorted(kavels["terrein"].unique())[0]
    page.page.select_option("#wa-terrein", terrain)
    rows = page.page.locator(".wa-status-row").all_inner_texts()
    on_terrain = kavels[kavels["terrein"] == terrain]
    for row in rows:
        status, count, hectares = row.split("\t")
        chosen = on_terrain[on_terrain["categorie"] == status]
        assert int(count) == len(chosen)
        assert float(hectares.replace(".", "").replace(",", ".")) == pytest.approx(
            chosen["oppervlakte_m2"].sum() / 10000, abs=0.006)
    visible = page.page.eval_on_selector_all(FILL_SELECTOR, "ps => ps.filter(p => p.getAttribute('fill-opacity') !== '0').length")
    assert visible == len(on_terrain)
    page.screenshot("kavels-terrein")
    page.page.select_option("#wa-terrein", "")
    page.page.get_by_role("checkbox", name=re.compile("^verkocht")).uncheck()
    assert page.page.locator(FILL_SELECTOR).count() == (kavels["categorie"] != "verkocht").sum()


def test_kavel_tooltip_shows_area_price_and_date(visit, public_site):
    page = visit(public_site / "kavels.html")
    page.page.locator(FILL_SELECTOR).first.click()
    popup = page.page.inner_text(".leaflet-popup-content")
    assert "m²" in popup and "ha)" in popup and "per m²" in popup and "status sinds" in popup
    assert "koopsom" not in popup


def test_profile_page_shows_wijk_beside_gemeente_with_time_series(visit, public_site):
    page = visit(public_site / "profiel-WK990108.html")
    rows = page.page.locator("tr.wa-indicator")
    assert rows.count() >= 40
    assert page.page.locator("svg.wa-chart").count() >= 20
    secret = page.page.locator("td.geheim")
    assert secret.count() > 0 and "geheim" in secret.first.inner_text()
    page.page.locator("details summary").first.click()
    assert "geheimhouding" in page.page.locator("details").first.inner_text()
    page.screenshot("profiel-WK990108")


def test_index_links_every_page(visit, public_site):
    page = visit(public_site / "index.html")
    links = page.page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
    assert {"gebiedsprofiel.html", "sport.html", "kavels.html"} <= set(links)
    assert all((public_site / link).is_file() for link in links)
    assert "openbare cijfers" in page.page.inner_text("body")


def test_pages_stay_small(public_site):
    for page in public_site.glob("*.html"):
        assert page.stat().st_size < 1_000_000, page


def area_colours(page) -> dict[str, str]:
    """Fill colour of every drawn area by its code."""
    pairs = page.page.evaluate("""() => {
        const found = [];
        for (const key of Object.keys(window)) {
            const layer = window[key];
            if (key.startsWith("geo_json_") && layer && layer.eachLayer && map_has(layer)) {
                layer.eachLayer(f => found.push([f.feature.properties.code, f.options.fillColor]));
            }
        }
        function map_has(layer) { return layer._map !== undefined && layer._map !== null; }
        return found;
    }""")
    return dict(pairs)


@pytest.mark.parametrize("scheme", ["kwantielen", "natuurlijke grenzen", "gelijke intervallen"])
def test_areas_get_the_colour_of_their_mapclassify_class(visit, public_site, demo_out, scheme):
    from wijkatlas.viewers.gebiedsprofiel import classify, palette

    page = visit(public_site / "gebiedsprofiel.html")
    page.page.select_option("#wa-indicator", "aandeel_65_plus")
    page.page.select_option("#wa-scheme", scheme)
    assert f"klassen: {scheme}" in page.page.inner_text(".wa-legend")
    wijken = store_layer(demo_out, "indicatoren_wijk_openbaar").set_index("wijkcode")["aandeel_65_plus"]
    every_year = store_layer(demo_out, "indicatoren_lang_openbaar").query(
        "indicator == 'aandeel_65_plus' and niveau == 'wijk'")["waarde"].round(2)
    bins = classify(every_year, scheme)  # classes over all peiljaren: colours compare across years
    colours = palette(len(bins))
    expected = {code: colours[min(int(np.searchsorted(bins, round(value, 2), side="left")), len(bins) - 1)]
                for code, value in wijken.items()}
    assert area_colours(page) == expected
    assert len(set(expected.values())) >= 3


def test_kavels_map_shows_wijk_outlines_under_the_kavels(visit, public_site, demo_out):
    page = visit(public_site / "kavels.html").page
    outlines = page.eval_on_selector_all(
        "path:not(.leaflet-interactive)", "ps => ps.filter(p => p.getAttribute('fill') === 'none').length")
    assert outlines == len(store_layer(demo_out, "wijken"))  # buurt outlines are a layer that starts off
    assert "Buurtgrenzen" in page.inner_text(".leaflet-control-layers")

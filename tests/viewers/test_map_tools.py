"""The maps' tools in headless Chromium: peiljaar, signals, similar areas as comparison group, area picker,
CSV of what is shown, quality panel, kavel sales per year and the sport panel."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pandas as pd
import pyogrio
import pytest

from wijkatlas.viewers.gebiedsprofiel import SIGNAL_OUTLINE, SIMILAR_OUTLINE, classify, palette
from wijkatlas.viewers.sport import sport_marks
from wijkatlas.viewers.style import SUPPRESSED

from helpers import settled_marker_count


def nl(value: float) -> str:
    """A number as the maps print it: Dutch separators, at most one decimal."""
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".").removesuffix(",0")


def store_layer(demo_out, layer):
    return pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer=layer)


def area_styles(page) -> dict[str, dict]:
    """Fill, outline colour and dash of every area on the map, by code."""
    return dict(page.page.evaluate("""() => {
        const found = [];
        for (const key of Object.keys(window)) {
            const layer = window[key];
            if (key.startsWith("geo_json_") && layer && layer.eachLayer && layer._map) {
                layer.eachLayer(f => found.push([f.feature.properties.code,
                    {fill: f.options.fillColor, color: f.options.color, dash: f.options.dashArray || ""}]));
            }
        }
        return found;
    }"""))


def published(demo_out, indicator, level):
    long = store_layer(demo_out, "indicatoren_lang_openbaar")
    return long[(long["indicator"] == indicator) & (long["niveau"] == level)]


def test_the_peiljaar_selector_shows_that_year_in_colours_frame_and_popup(visit, public_site, demo_out):
    page = visit(public_site / "gebiedsprofiel.html")
    page.page.select_option("#wa-indicator", "meldingen_per_1000")
    page.page.select_option("#wa-peiljaar", "2022")
    assert "peiljaar 2022" in page.page.inner_text(".wa-frame")
    assert "2022" in page.page.inner_text(".wa-legend-title")
    figures = published(demo_out, "meldingen_per_1000", "wijk")
    bins = classify(figures["waarde"].round(2), "kwantielen")
    colours = palette(len(bins))
    year = figures[figures["peiljaar"] == 2022].set_index("gebiedscode")["waarde"]
    expected = {code: SUPPRESSED["fillColor"] if pd.isna(value) else
                colours[min(int(np.searchsorted(bins, round(value, 2), side="left")), len(bins) - 1)]
                for code, value in year.items()}
    assert {code: style["fill"] for code, style in area_styles(page).items()} == expected
    page.page.select_option("#wa-area", year.index[0])
    popup = page.page.inner_text(".leaflet-popup-content")
    assert ", 2022:" in popup and "verloop: 2022:" in popup and "2024:" in popup
    page.screenshot("gebiedsprofiel-peiljaar-2022")


def test_an_indicator_of_one_peiljaar_offers_only_that_year(visit, public_site, demo_out):
    page = visit(public_site / "gebiedsprofiel.html")
    single = published(demo_out, "aandeel_groen", "wijk")["peiljaar"].unique()
    assert len(single) == 1
    page.page.select_option("#wa-indicator", "meldingen_per_1000")
    page.page.select_option("#wa-peiljaar", "2022")
    page.page.select_option("#wa-indicator", "aandeel_groen")
    assert page.page.eval_on_selector_all("#wa-peiljaar option", "os => os.map(o => o.value)") == [str(single[0])]
    assert f"peiljaar {single[0]}" in page.page.inner_text(".wa-frame")


@pytest.mark.parametrize("level", ["wijk", "buurt"])
def test_signals_outline_the_signalled_areas_and_their_popup_gives_the_rule(visit, public_site, demo_out, level):
    page = visit(public_site / "gebiedsprofiel.html")
    if level == "buurt":
        page.page.get_by_role("radio", name="Buurten").check()
    page.page.check("#wa-signals")
    signals = store_layer(demo_out, "signalering_openbaar")
    signalled = set(signals.loc[signals["niveau"] == level, "gebiedscode"])
    outlined = {code for code, style in area_styles(page).items() if style["color"] == SIGNAL_OUTLINE["color"]}
    assert outlined == signalled and signalled
    assert "signaal" in page.page.inner_text(".wa-legend")
    code = sorted(signalled)[0]
    page.page.select_option("#wa-area", code)
    popup = page.page.locator(".leaflet-popup-content")
    own = signals[signals["gebiedscode"] == code]
    assert popup.locator(".wa-signals li").count() == len(own)
    popup.locator(".wa-signals summary").first.click()
    rules = store_layer(demo_out, "methoden").set_index("onderdeel")["tekst"]
    assert rules[own.iloc[0]["soort"]][:60] in popup.inner_text()
    page.screenshot(f"gebiedsprofiel-signalering-{level}")
    page.page.uncheck("#wa-signals")
    assert not any(style["color"] == SIGNAL_OUTLINE["color"] for style in area_styles(page).values())


def test_similar_areas_are_the_comparison_group_on_request(visit, public_site, demo_out):
    page = visit(public_site / "gebiedsprofiel.html")
    page.page.get_by_role("radio", name="Buurten").check()
    page.page.select_option("#wa-indicator", "aandeel_65_plus")
    page.page.select_option("#wa-compare", "vergelijkbaar")
    similar = store_layer(demo_out, "vergelijkbare_gebieden_openbaar")
    code = similar.loc[similar["niveau"] == "buurt", "gebiedscode"].iloc[0]
    peers = similar[similar["gebiedscode"] == code]["vergelijkbaar_code"].tolist()
    page.page.select_option("#wa-area", code)
    figures = published(demo_out, "aandeel_65_plus", "buurt")
    latest = figures[figures["peiljaar"] == figures["peiljaar"].max()].set_index("gebiedscode")["waarde"].round(2)
    shown = latest.reindex(peers).dropna()
    popup = page.page.inner_text(".leaflet-popup-content")
    assert f"vergelijkbare gebieden ({len(shown)} van {len(peers)}): gemiddeld {nl(shown.mean())} %" in popup
    assert "index (vergelijkbare gebieden = 100)" in popup and "gemeente:" not in popup
    dashed = {c for c, style in area_styles(page).items() if style["dash"] == SIMILAR_OUTLINE["dashArray"]
              and style["color"] == SIMILAR_OUTLINE["color"]}
    assert dashed == set(peers)
    assert "buurtprofiel" in popup
    assert page.page.locator(".leaflet-popup-content a.wa-profile-link").get_attribute("href") == \
        f"profiel-{code}.html"
    page.screenshot("gebiedsprofiel-vergelijkbare-gebieden")


def test_the_csv_download_holds_what_the_map_shows(visit, public_site, demo_out):
    page = visit(public_site / "gebiedsprofiel.html")
    page.page.get_by_role("radio", name="Buurten").check()
    page.page.select_option("#wa-indicator", "wmo_clienten_per_1000")
    with page.page.expect_download() as download:
        page.page.click("#wa-download")
    assert download.value.suggested_filename.startswith("wmo_clienten_per_1000_buurt_")
    table = pd.read_csv(io.StringIO(download.value.path().read_text(encoding="utf-8-sig")), sep=";", decimal=",",
                        dtype={"gebiedscode": str})
    figures = published(demo_out, "wmo_clienten_per_1000", "buurt")
    latest = figures[figures["peiljaar"] == figures["peiljaar"].max()].set_index("gebiedscode")
    assert sorted(table["gebiedscode"]) == sorted(latest.index)
    merged = table.set_index("gebiedscode").join(latest[["waarde", "status"]], suffixes=("", "_store"))
    shown = merged["waarde"].notna()
    assert np.allclose(merged.loc[shown, "waarde"], merged.loc[shown, "waarde_store"].round(2))
    secret = merged["status"].str.startswith("geheim")
    assert secret.any() and merged.loc[secret, "toelichting"].str.startswith("geheim").all()
    assert merged.loc[secret, "waarde"].isna().all()


def test_every_map_has_a_quality_panel_and_the_kavels_map_counts_the_rejected(visit, public_site, demo_out):
    sources = store_layer(demo_out, "bron_kwaliteit").set_index("bron")
    for name in ("gebiedsprofiel", "sport", "kavels"):
        page = visit(public_site / f"{name}.html")
        page.page.click(".wa-quality summary")
        panel = page.page.inner_text(".wa-quality")
        assert "bronhouder" in panel and "afgekeurd" in panel
    kavels = sources.loc["kaveladministratie"]
    assert f"{int(kavels['afgekeurd'])}: " in panel and kavels["eigenaar"] in panel
    assert f"niet op de kaart: {int(kavels['afgekeurd'])} afgekeurd" in page.page.inner_text(".wa-kavelpanel")
    page.screenshot("kavels-kwaliteit")


def test_the_kavels_panel_charts_sales_per_year(visit, public_site, demo_out):
    page = visit(public_site / "kavels.html")
    kavels = store_layer(demo_out, "kavels")
    sold = pd.to_datetime(kavels.loc[kavels["categorie"] == "verkocht", "datum"]).dt.year.value_counts()
    label = page.page.get_attribute(".wa-sales-chart", "aria-label")
    assert label == "verkochte kavels per jaar: " + "; ".join(f"{year}: {count}" for year, count in sorted(sold.items()))
    terrain = sorted(kavels["terrein"].unique())[0]
    page.page.select_option("#wa-terrein", terrain)
    on_terrain = kavels[(kavels["terrein"] == terrain) & (kavels["categorie"] == "verkocht")]
    counts = pd.to_datetime(on_terrain["datum"]).dt.year.value_counts()
    assert page.page.get_attribute(".wa-sales-chart", "aria-label").endswith(
        "; ".join(f"{year}: {count}" for year, count in sorted(counts.items())))


def test_the_sport_panel_filters_by_sport_and_gives_members_per_1000(visit, public_site, demo_out):
    page = visit(public_site / "sport.html")
    facilities = store_layer(demo_out, "sportvoorzieningen")
    gemeente = store_layer(demo_out, "indicatoren_gemeente_openbaar").iloc[0]
    rows = {row.split("\t")[1]: row.split("\t")[1:] for row in page.page.locator(".wa-sport-row").all_inner_texts()}
    for sport, chosen in facilities.groupby("categorie"):
        members = int(chosen["aantal_leden"].sum())
        assert rows[sport][1] == str(len(chosen))
        assert rows[sport][2].replace(".", "") == str(members)
        assert rows[sport][3] == nl(1000 * members / gemeente["inwoners"])
    youth = round(gemeente["inwoners"] * gemeente["aandeel_0_15"] / 100)
    page.page.select_option("#wa-group", label="0 tot 15 jaar")
    voetbal = next(r.split("\t")[1:] for r in page.page.locator(".wa-sport-row").all_inner_texts() if "\tvoetbal\t" in r)
    members = facilities.loc[facilities["categorie"] == "voetbal", "aantal_leden"].sum()
    assert voetbal[3] == nl(1000 * members / youth)
    page.page.select_option("#wa-sport", "voetbal")
    assert settled_marker_count(page.page) == (facilities["categorie"] == "voetbal").sum()
    page.screenshot("sport-voetbal")


def test_fourteen_sports_get_fourteen_different_marks():
    sports = ["voetbal", "hockey", "tennis", "zwemmen", "fitness", "korfbal", "gymnastiek", "atletiek", "judo",
              "paardensport", "handbal", "volleybal", "padel", "golf"]
    marks = sport_marks(sports)
    assert len(set(marks.values())) == len(sports)
    assert Counter(shape for _, shape in marks.values()) == {"cirkel": 8, "vierkant": 6}

"""Area profiles: charts with axes, signals, targets, similar areas, own text, sources and the printed PDF."""

from __future__ import annotations

import re

import pandas as pd

from wijkatlas.viewers.profiles import chart, quality_text


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    return [[tuple(map(float, point.split(","))) for point in points.split()]
            for points in re.findall(r'points="([^"]*)"', svg)]


def test_chart_has_a_value_axis_year_labels_and_every_value_written():
    svg = chart([2022, 2023, 2024], [10.0, 15.0, 20.0], [15.0, 15.0, 15.0], "%", target=18.0)
    gemeente, area = polylines(svg)
    assert [y for _, y in area] == sorted((y for _, y in area), reverse=True)  # SVG y grows downwards
    assert gemeente[0][1] == gemeente[-1][1] == area[1][1]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert {"2022", "2023", "2024"} <= set(labels)             # x axis
    assert {"0,0", "10,0", "20,0"} <= set(labels)              # value axis from 0 to the highest value
    assert re.findall(r'class="wa-value"[^>]*>([^<]*)<', svg) == ["10,0", "15,0", "20,0"]
    assert 'class="wa-target"' in svg and 'aria-label="2022: 10,0; 2023: 15,0; 2024: 20,0 (%)"' in svg


def test_missing_years_leave_gaps_and_counts_drop_the_gemeente():
    svg = chart([2022, 2023, 2024], [110.0, None, 90.0], [36000.0, 36500.0, 37000.0], "aantal")
    (area,) = polylines(svg)
    assert len(area) == 2 and "2023: –" in svg
    assert chart([2022, 2023], [None, None], [1.0, 2.0], "%") == ""


def test_buurt_profile_shows_signals_targets_similar_areas_own_text_and_sources(visit, public_site):
    page = visit(public_site / "profiel-BU99010001.html")
    text = page.page.inner_text("body")
    assert "Buurtprofiel" in text and "editie" in text and "wijk Centrum" in text
    assert page.page.locator(".wa-signaal[data-soort='streefwaarde']").count() >= 1
    assert "minstens 500 inwoners" in page.page.inner_text("#signalering + *, section[aria-labelledby=signalering]")
    similar = page.page.locator(".wa-vergelijkbaar a")
    assert similar.count() == 5 and all(
        (public_site / similar.nth(i).get_attribute("href")).is_file() for i in range(5))
    assert page.page.locator("svg.wa-chart").count() >= 20
    assert "✗ niet gehaald" in page.page.locator("tr[data-indicator='aandeel_groen']").inner_text()
    sources = page.page.inner_text("table.wa-bronnen")
    assert "Gemeente, team Grondzaken" in sources and "grondzaken@havenstede.example" in sources
    page.page.locator("tr[data-indicator='meldingen_per_1000'] details summary").click()
    assert "eigenaar indicator: Gemeente, team Beheer openbare ruimte" in page.page.inner_text(
        "tr[data-indicator='meldingen_per_1000']")
    page.screenshot("profiel-BU99010001")


def test_own_text_is_markdown_without_raw_html(visit, public_site):
    page = visit(public_site / "profiel-WK990100.html")
    assert page.page.locator(".toelichting h2").inner_text().startswith("Centrum")
    assert page.page.locator(".toelichting strong").inner_text() == "meldingen"
    from wijkatlas.viewers.profiles import MARKDOWN
    assert "<script" not in MARKDOWN.render("<script>alert(1)</script> [x](javascript:alert(1))")
    assert 'href="javascript' not in MARKDOWN.render("[x](javascript:alert(1))")


def test_pdf_profiles_are_printed_with_edition_sources_and_page_numbers(public_site):
    import pypdfium2

    from helpers import REPO

    screenshots = REPO / "out" / "test-screenshots"

    for code in ("WK990100", "BU99010800"):
        document = pypdfium2.PdfDocument(public_site / f"profiel-{code}.pdf")
        text = "\n".join(page.get_textpage().get_text_bounded() for page in document)
        assert len(document) >= 3 and f"pagina 1 van {len(document)}" in text
        assert "editie" in text and "Bronnen en datakwaliteit" in text and "Hoe signalen ontstaan" in text
        assert "geheimhouding" in text and "Wijkprofiel" in text or "Buurtprofiel" in text
        screenshots.mkdir(parents=True, exist_ok=True)
        for number in (0, 1, len(document) - 1):
            image = document[number].render(scale=1.2).to_pil()
            assert image.size[0] > image.size[1]  # A4 landscape
            colours = image.convert("L").getextrema()
            assert colours[0] < 100 and colours[1] > 240  # (grey) text on paper, not a blank page
            image.save(screenshots / f"pdf-{code}-{number + 1}.png")
        document.close()


def test_the_share_of_missing_records_is_printed_as_the_percentage_it_is():
    mark = pd.Series({"records_gebruikt": 80, "aandeel_ontbrekend": 67.86, "bron_gelezen": 100, "bron_afgekeurd": 2,
                      "bron_leeftijd_dagen": 12})
    assert quality_text(mark) == ("80 records gebruikt; 68% ontbrekend; bron: 100 gelezen, 2 afgekeurd; "
                                  "bron 12 dagen oud op de peildatum")


def test_a_facility_without_address_has_no_none_in_its_popup_and_no_markup_from_data():
    from wijkatlas.viewers.sport import facility_texts

    tooltip, popup = facility_texts(pd.Series({"aanbieder": "TV <b>Oost</b>", "categorie": "tennis",
                                               "accommodatie": None, "adres": float("nan"), "plaats": ""}))
    assert "None" not in popup and "nan" not in popup and "adres" not in popup
    assert tooltip == "TV &lt;b&gt;Oost&lt;/b&gt; (tennis)" and "<b>TV &lt;b&gt;Oost&lt;/b&gt;</b>" in popup

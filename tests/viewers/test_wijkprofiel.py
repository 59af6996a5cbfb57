"""The time-series sparkline of the wijk profile pages."""

from __future__ import annotations

import re

import pandas as pd

from wijkatlas.viewers.wijkprofiel import SPARK_HEIGHT, quality_text, sparkline


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    return [[tuple(map(float, point.split(","))) for point in points.split()]
            for points in re.findall(r'points="([^"]*)"', svg)]


def test_rising_wijk_and_flat_gemeente_share_one_scale():
    gemeente, wijk = polylines(sparkline([2022, 2023, 2024], [10, 15, 20], [15, 15, 15]))
    assert [y for _, y in wijk] == sorted((y for _, y in wijk), reverse=True)  # SVG y grows downwards
    assert wijk[0][1] == SPARK_HEIGHT - 3 and wijk[-1][1] == 3
    assert gemeente[0][1] == gemeente[-1][1] == wijk[1][1]


def test_missing_years_leave_gaps_and_counts_drop_the_gemeente():
    (wijk,) = polylines(sparkline([2022, 2023, 2024], [110, None, 90], [36000, 36500, 37000]))
    assert len(wijk) == 2
    assert sparkline([2022, 2023], [None, None], [1, 2]) == ""
    assert sparkline([2024], [1], [1]) == ""


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

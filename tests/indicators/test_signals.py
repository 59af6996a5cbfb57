"""Signalering (deviation, trend, target), similar areas and a gemeente's own additions to the catalog."""

import pandas as pd
import pytest

from wijkatlas.indicators.catalog import CatalogError, load_catalog
from wijkatlas.indicators.signals import signals, target_table
from wijkatlas.indicators.similar import similar_areas

from helpers import SMALL_CATALOG

EXTRA = """
[indicator.overlast]
title = "Overlast per 1 000"
description = "d"
theme = "leefbaarheid"
unit = "per 1 000 inwoners"
kind = "per_1000"
numerator = { set = "meldingen" }
higher_is_better = false
disclosure = "klein"
sources = ["gemeente", "cbs"]

[signals]
population = "woningen"
min_inhabitants = 100
z = 1.0
min_indicators = 2
trend_years = 2
trend_min_change_pct = 20

[similar_areas]
features = ["jong", "dichtheid"]
k = 2
"""
COLUMNS = ["indicator", "peiljaar", "niveau", "gebiedscode", "gebiedsnaam", "waarde"]


@pytest.fixture
def catalog_path(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text(SMALL_CATALOG.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    return path


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def population(codes, size=1000, year=2024):
    return [("woningen", year, "wijk", code, code, float(size)) for code in codes]


def test_deviation_needs_two_unfavourable_indicators_of_one_theme_and_enough_inhabitants(catalog_path):
    catalog = load_catalog(catalog_path)
    codes = ["WK000101", "WK000102", "WK000103", "WK000104"]
    rows = population(codes) + population(["WK000199"], size=40)
    for indicator in ("meldingen", "overlast"):
        rows += [(indicator, 2024, "wijk", code, code, value) for code, value in zip(codes, (10.0, 11.0, 9.0, 30.0), strict=True)]
        rows += [(indicator, 2024, "wijk", "WK000199", "WK000199", 900.0)]  # tiny: neither signalled nor in the mean
    flagged = signals(frame(rows), catalog)
    deviations = flagged[flagged["soort"] == "afwijking"]
    assert deviations[["gebiedscode", "thema"]].values.tolist() == [["WK000104", "leefbaarheid"]]
    assert deviations["toelichting"].iloc[0] == "2 van 2 indicatoren van het thema ongunstig"
    assert "minstens 100 inwoners" in deviations["regel"].iloc[0]
    assert "minstens 2 indicatoren van één thema" in deviations["regel"].iloc[0]
    one = frame([r for r in rows if r[0] != "overlast"])
    assert signals(one, catalog).query("soort == 'afwijking'").empty


def test_trend_needs_consecutive_worsening_years_adding_up(catalog_path):
    catalog = load_catalog(catalog_path)
    rows = population(["WK000101", "WK000102", "WK000103"])
    series = {"WK000101": (10.0, 12.0, 13.0),   # worse twice, +30 %: signal
              "WK000102": (10.0, 10.5, 11.0),   # worse twice, +10 %: too little
              "WK000103": (10.0, 14.0, 12.0)}   # better in the last year
    for code, values in series.items():
        rows += [("meldingen", year, "wijk", code, code, v) for year, v in zip((2022, 2023, 2024), values, strict=True)]
    trends = signals(frame(rows), catalog).query("soort == 'trend'")
    assert trends["gebiedscode"].tolist() == ["WK000101"]
    assert trends["toelichting"].iloc[0] == "van 10,0 (2022) naar 13,0 (2024) per 1 000 inwoners"
    gap = frame([r for r in rows if not (r[3] == "WK000101" and r[1] == 2023)])
    assert signals(gap, catalog).query("soort == 'trend'").empty  # a hidden year breaks the series


def test_target_of_a_wijk_holds_for_its_buurten(catalog_path, tmp_path):
    local = tmp_path / "kadernota.toml"
    local.write_text('[indicator.meldingen]\nstreefwaarde = { value = 20, year = 2026, direction = "at_most", '
                     'source = "Kadernota", areas = { WK000101 = 50 } }\n', encoding="utf-8")
    catalog = load_catalog(catalog_path, local)
    rows = population(["WK000101", "WK000102"]) + [
        ("woningen", 2024, "buurt", code, code, 500.0) for code in ("BU00010101", "BU00010201")]
    rows += [("meldingen", 2024, "wijk", "WK000101", "WK000101", 40.0), ("meldingen", 2024, "wijk", "WK000102", "x", 40.0),
             ("meldingen", 2024, "buurt", "BU00010101", "b", 45.0), ("meldingen", 2024, "buurt", "BU00010201", "c", 45.0)]
    missed = signals(frame(rows), catalog).query("soort == 'streefwaarde'")
    assert sorted(missed["gebiedscode"]) == ["BU00010201", "WK000102"]
    assert "streefwaarde hoogstens 20 in 2026 (Kadernota)" in missed["toelichting"].iloc[0]
    table = target_table(frame(rows), catalog).set_index("gebiedscode")
    assert table.loc["BU00010101", "streefwaarde"] == 50 and bool(table.loc["BU00010101", "gehaald"])
    assert not table.loc["WK000102", "gehaald"]


def test_similar_areas_are_nearest_on_standardised_features_and_skip_incomplete_areas(catalog_path):
    catalog = load_catalog(catalog_path)
    values = {"WK000101": (10.0, 1000.0), "WK000102": (11.0, 1100.0), "WK000103": (30.0, 900.0),
              "WK000104": (31.0, 5000.0), "WK000105": (12.0, None)}
    rows = []
    for code, (young, density) in values.items():
        rows += [("jong", 2024, "wijk", code, f"naam {code}", young), ("dichtheid", 2024, "wijk", code, "", density)]
    similar = similar_areas(frame(rows), catalog)
    nearest = similar[similar["rang"] == 1].set_index("gebiedscode")["vergelijkbaar_code"].to_dict()
    # WK000103: 19 points of young share from WK000102 weigh as much as 1.9 standard deviations, 200 inhabitants
    # per km² only 0.11: nearer than WK000101 (20 points, 100 per km²)
    assert nearest == {"WK000101": "WK000102", "WK000102": "WK000101", "WK000103": "WK000102",
                       "WK000104": "WK000103"}
    assert "WK000105" not in set(similar["vergelijkbaar_code"]) | set(similar["gebiedscode"])
    assert (similar.groupby("gebiedscode").size() == 2).all()
    assert similar.loc[similar["vergelijkbaar_code"] == "WK000101", "vergelijkbaar_naam"].unique().tolist() == [
        "naam WK000101"]


def test_local_additions_may_only_set_targets_references_owners_and_feedback(catalog_path, tmp_path):
    local = tmp_path / "local.toml"
    local.write_text('[indicator.meldingen]\nowner = "Team Wijken"\nreferentiewaarde = { value = 12.5, label = "NL" }\n'
                     '[sources.gemeente]\nfeedback = "data@gemeente.example"\n', encoding="utf-8")
    catalog = load_catalog(catalog_path, local)
    assert catalog.indicators["meldingen"].owner == "Team Wijken"
    assert catalog.indicators["meldingen"].reference.value == 12.5
    assert catalog.sources["gemeente"].feedback == "data@gemeente.example"
    for text, message in (('[indicator.meldingen]\nkind = "count"\n', "onbekende sleutel 'indicator.meldingen.kind'"),
                          ('[indicator.bestaat_niet]\nowner = "x"\n', "indicator.bestaat_niet staat niet in de catalogus"),
                          ('[indicator.meldingen]\nstreefwaarde = { value = 1, year = 2026, direction = "lager" }\n',
                           "direction: 'lager' moet een van ['at_least', 'at_most'] zijn")):
        local.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogError, match=message.replace("[", r"\[").replace("]", r"\]")):
            load_catalog(catalog_path, local)

"""Indicator values checked against figures worked out by hand (see conftest.py)."""

import math

import pandas as pd
import pytest

from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.indicators.engine import basis_figures, compute_indicators

from helpers import SMALL_CATALOG as CATALOG


@pytest.fixture
def values(small_store) -> dict:
    figures = compute_indicators(small_store, load_catalog(CATALOG))
    return figures.set_index(["indicator", "peiljaar", "gebiedscode"])["waarde"].to_dict()


def test_counts_follow_the_set_filter_and_add_up(values):
    # BU00010101's only woning is ingetrokken, so it has none
    assert [values[("woningen", 2024, c)] for c in ("BU00010000", "BU00010001", "BU00010100", "BU00010101")] == \
        [2, 1, 3, 0]
    assert values[("woningen", 2024, "WK000100")] == 3 and values[("woningen", 2024, "GM0001")] == 6


def test_a_wijk_share_is_its_own_numerator_over_its_own_denominator(values):
    assert values[("oud", 2024, "BU00010000")] == 50.0
    assert values[("oud", 2024, "BU00010001")] == 0.0
    assert values[("oud", 2024, "WK000100")] == pytest.approx(100 / 3)   # not (50 + 0) / 2
    assert values[("oud", 2024, "GM0001")] == pytest.approx(100 / 6)
    assert math.isnan(values[("oud", 2024, "BU00010101")])               # 0 / 0 is no figure
    # CBS shares likewise: WK000100 has 100 of 400 young, while its buurten have 10% and 30%
    assert values[("jong", 2024, "WK000100")] == 25.0


def test_multi_valued_gebruiksdoel_counts_for_each_use(values):
    # BU00010000: 1 shop of 3 in use; BU00010001: its one object is shop and home
    assert values[("winkels", 2024, "BU00010000")] == pytest.approx(100 / 3)
    assert values[("winkels", 2024, "BU00010001")] == 100.0
    assert values[("winkels", 2024, "GM0001")] == pytest.approx(200 / 7)


def test_mean_and_median(values):
    assert values[("oppervlakte", 2024, "BU00010000")] == 100.0
    assert values[("oppervlakte", 2024, "WK000101")] == 70.0
    assert values[("oppervlakte", 2024, "GM0001")] == 85.0            # 510 / 6
    assert values[("mediaan", 2024, "WK000100")] == 100.0             # 50, 100, 150
    assert values[("mediaan", 2024, "GM0001")] == 75.0                # 50 60 70 | 80 100 150


def test_ratio_with_area_and_cbs_published_value(values):
    assert values[("dichtheid", 2024, "BU00010001")] == 30_000.0       # 300 inhabitants on 1 ha
    assert values[("dichtheid", 2023, "GM0001")] == 490 / 4 * 100
    assert values[("woz", 2024, "WK000100")] == 275.0                  # as CBS publishes it
    assert math.isnan(values[("woz", 2024, "BU00010100")])


def test_rate_per_1000_per_year_of_the_dated_records(values):
    assert values[("meldingen", 2024, "BU00010000")] == 30.0           # 3 meldingen, 100 inhabitants
    assert values[("meldingen", 2023, "BU00010000")] == pytest.approx(1000 / 90)
    assert values[("meldingen", 2024, "WK000100")] == 10.0             # 4 per 400
    assert values[("meldingen", 2024, "GM0001")] == 12.0               # 6 per 500
    assert values[("meldingen", 2024, "BU00010100")] == 0.0


def test_distance_and_coverage_to_the_nearest_facility(values):
    near = math.hypot(40, 40)
    assert values[("afstand", 2024, "BU00010000")] == pytest.approx(near)
    assert values[("afstand", 2024, "WK000100")] == pytest.approx((2 * near + 100) / 3)
    total = 2 * near + 100 + 100 + math.hypot(30, 70) + math.hypot(30, 130)
    assert values[("afstand", 2024, "GM0001")] == pytest.approx(total / 6)
    assert values[("binnen_80m", 2024, "BU00010100")] == pytest.approx(100 / 3)   # only (20, 120)
    assert values[("binnen_80m", 2024, "GM0001")] == 50.0


def test_raster_mean_weights_cells_not_buurten(values):
    assert values[("groen", 2024, "WK000101")] == pytest.approx(400 / 40)
    assert values[("groen", 2024, "GM0001")] == pytest.approx(600 / 60)


def test_time_series_cover_the_years_each_source_has(small_store):
    figures = compute_indicators(small_store, load_catalog(CATALOG))
    years = figures.groupby("indicator")["peiljaar"].unique().map(sorted).to_dict()
    assert years["meldingen"] == [2023, 2024] and years["dichtheid"] == [2023, 2024]
    assert years["woningen"] == [2024] and years["jong"] == [2024]


def test_data_quality_counts_records_and_missing_values(small_store):
    figures = compute_indicators(small_store, load_catalog(CATALOG)).set_index(["indicator", "gebiedscode"])
    assert figures.loc[("oppervlakte", "WK000101"), "records"] == 3
    assert figures.loc[("woz", "BU00010100"), "ontbrekend"] == 1       # CBS kept it secret
    assert pd.isna(figures.loc[("woz", "BU00010100"), "records"])


def test_basis_figures_fill_snapshot_sources_to_every_year(small_store):
    basis = basis_figures(small_store, load_catalog(CATALOG), [2023, 2024]).set_index(
        ["peiljaar", "gebiedscode"])
    assert basis.loc[(2023, "BU00010000"), "inwoners"] == 90
    assert basis.loc[(2023, "BU00010000"), "woningen"] == 2             # BAG is a 2024 snapshot

"""Seeded synthetic municipalities, built end to end and attacked through every public output.

Each seed is another town (its own wijken, buurten, registrations and figures), with
person and household counts that are not multiples of 5, so rounding cannot be
undone by luck. The attacker's check of every public file (tables, sheets, API data,
pages, kavel prices) must find nothing recoverable, and the audit's exact bounds must
hold the true counts (an unsound model would pass the first check alone).
"""

from __future__ import annotations

import shutil

import pytest

from wijkatlas import settings
from wijkatlas.cli import main
from wijkatlas.indicators.audit import audit, count_indicators
from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.indicators.terms import Datapakhuis
from wijkatlas.openbaar import check_public_outputs
from wijkatlas.store import read_areas, read_layer
from wijkatlas.synthetic import generate_demo
from wijkatlas.viewers.site import write_site

SEEDS = [11, 12, 13]
MORE_SEEDS = [14, 15, 16, 17, 18]


def build_seeded(tmp_path_factory, seed: int):
    data = tmp_path_factory.mktemp(f"gemeente-{seed}") / "data"
    shutil.copytree(settings.DEMO_DATA_DIR / "reference", data / "reference")
    shutil.copy(settings.DEMO_DATA_DIR / "demo.toml", data / "demo.toml")
    shutil.copy(settings.DEMO_DATA_DIR / "kadernota.toml", data / "kadernota.toml")  # names areas this one lacks
    shutil.copytree(settings.DEMO_DATA_DIR / "toelichting", data / "toelichting")
    generate_demo(data, seed=seed, round_counts=False)
    out = data.parent / "out"
    assert main(["build", str(data / "demo.toml"), "--out", str(out)]) == 0
    write_site(out / settings.STORE_NAME, out / "openbaar", public=True)
    return out


def assert_nothing_recoverable(out):
    catalog = load_catalog()
    store = out / settings.STORE_NAME
    intern = read_layer(store, "indicatoren_lang_intern")
    inwoners = intern[(intern["indicator"] == "inwoners") & (intern["niveau"] == "buurt")]["waarde"].dropna()
    assert (inwoners % 5 != 0).mean() > 0.5  # the fixture does what it says

    result = check_public_outputs(out, catalog)
    assert result.safe, (result.disclosed.head(10), result.leaks[:5])
    assert len(result.bounds) > 100

    public = read_layer(store, "indicatoren_lang_openbaar")
    areas = Datapakhuis(read_areas(store), 0).areas
    exact = audit(public, catalog, areas, exact=True)
    truth = exact.merge(intern[["indicator", "peiljaar", "niveau", "gebiedscode", "teller"]],
                        on=["indicator", "peiljaar", "niveau", "gebiedscode"])
    counts = truth[truth["indicator"].isin(count_indicators(catalog)) & truth["teller"].notna()]
    assert len(counts) == len(exact)
    outside = counts[(counts["teller"].round() < counts["laag"]) | (counts["teller"].round() > counts["hoog"])]
    assert outside.empty, outside.head()
    assert (exact["hoog"] - exact["laag"] >= 5).all()
    assert not exact["tegenstrijdig"].any()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seeded_municipality_publishes_nothing_recoverable(tmp_path_factory, seed):
    assert_nothing_recoverable(build_seeded(tmp_path_factory, seed))


@pytest.mark.slow
@pytest.mark.parametrize("seed", MORE_SEEDS)
def test_more_seeded_municipalities_publish_nothing_recoverable(tmp_path_factory, seed):
    assert_nothing_recoverable(build_seeded(tmp_path_factory, seed))

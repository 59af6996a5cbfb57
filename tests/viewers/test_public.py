"""The public site: no intern-only figure in any of its files."""

from __future__ import annotations

import re

import pandas as pd
import pyogrio
import pytest

from wijkatlas.indicators.profile import format_number
from wijkatlas.vocabulary import is_suppressed


def files_text(site) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in site.glob("*.html"))


def number_pattern(value: float) -> re.Pattern:
    """``value`` as the pages print it (rounded to 2 decimals in JSON), not part of a longer number."""
    text = re.escape(repr(round(float(value), 2)).removesuffix(".0"))
    return re.compile(rf"(?<![\d.]){text}(?![\d])")


def embedded_figures(visit, page) -> dict:
    """The data block of every area figure a rendered map holds."""
    return visit(page).page.evaluate("JSON.parse(document.querySelector('.wa-area-data').textContent)")


@pytest.mark.parametrize("page", ["gebiedsprofiel.html", "sport.html"])
def test_areas_carry_exactly_the_openbaar_figures_of_every_peiljaar(visit, public_site, demo_out, page):
    data = embedded_figures(visit, public_site / page)
    store = demo_out / "datapakhuis.gpkg"
    openbaar = pyogrio.read_dataframe(store, layer="indicatoren_lang_openbaar").set_index(
        ["indicator", "niveau", "peiljaar", "gebiedscode"]).sort_index()
    intern = pyogrio.read_dataframe(store, layer="indicatoren_lang_intern").set_index(
        ["indicator", "niveau", "peiljaar", "gebiedscode"]).sort_index()
    checked = suppressed = 0
    for indicator, levels in data["values"].items():
        for level in ("wijk", "buurt"):
            codes = data["levels"][level]["codes"]
            for year, values in levels.get(level, {}).items():
                reasons = {str(i): data["reasons"][int(r)] for r, positions in
                           data["hidden"].get(indicator, {}).get(level, {}).get(year, {}).items() for i in positions}
                for i, (code, shown) in enumerate(zip(codes, values, strict=True)):
                    row = openbaar.loc[(indicator, level, int(year), code)]
                    checked += 1
                    if is_suppressed(pd.Series([row["status"]])).iloc[0]:
                        assert shown is None and reasons[str(i)].startswith("geheim"), (indicator, code, year)
                        real = intern.loc[(indicator, level, int(year), code), "waarde"]
                        suppressed += real == real  # a real figure hidden
                    elif row["waarde"] == row["waarde"]:
                        assert shown == pytest.approx(row["waarde"], abs=0.005), (indicator, code, year)
                    else:
                        assert shown is None
    assert checked > 100 and suppressed > 5


def test_no_koopsom_appears_in_the_public_site(public_site, demo_out):
    kavels = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="kavels")
    sums = kavels["koopsom_eur"].dropna()
    assert len(sums) > 10
    text = files_text(public_site)
    for value in sums:
        assert not number_pattern(value).search(text), value
        assert format_number(value, "euro") not in text


def test_the_intern_site_does_show_them(intern_site, demo_out):
    kavels = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="kavels")
    text = files_text(intern_site)
    assert any(number_pattern(value).search(text) for value in kavels["koopsom_eur"].dropna())
    assert "INTERN" in text


def test_public_profile_rows_of_suppressed_figures_hold_no_value(public_site, demo_out):
    long = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="indicatoren_lang_intern")
    openbaar = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="indicatoren_lang_openbaar")
    latest = openbaar[(openbaar["niveau"] == "wijk") & is_suppressed(openbaar["status"])]
    latest = latest[latest["peiljaar"] == latest.groupby("indicator")["peiljaar"].transform("max")]
    assert len(latest)
    for row in latest.itertuples():
        page = (public_site / f"profiel-{row.gebiedscode}.html").read_text(encoding="utf-8")
        cells = re.search(rf'data-indicator="{row.indicator}">(.*?)</tr>', page, re.S).group(1)
        assert "geheim" in cells
        value = long[(long["indicator"] == row.indicator) & (long["gebiedscode"] == row.gebiedscode)
                     & (long["peiljaar"] == row.peiljaar) & (long["niveau"] == "wijk")]["waarde"].iloc[0]
        if value == value:
            assert f">{format_number(value, '')}<" not in cells


def test_viewers_refuse_a_folder_they_did_not_write_and_replace_their_own(demo_out, tmp_path, capsys):
    from wijkatlas.cli import main

    own = tmp_path / "mijn-map"
    own.mkdir()
    (own / "notities.txt").write_text("van de gebruiker", encoding="utf-8")
    assert main(["viewers", "--out", str(demo_out), "--public", "--doel", str(own)]) == 1
    assert "bestaat al en is geen door Wijkatlas geschreven site" in capsys.readouterr().err
    assert (own / "notities.txt").read_text(encoding="utf-8") == "van de gebruiker"
    site = tmp_path / "site"
    assert main(["viewers", "--out", str(demo_out), "--public", "--doel", str(site)]) == 0
    first = (site / "index.html").stat().st_ino
    assert main(["viewers", "--out", str(demo_out), "--public", "--doel", str(site)]) == 0
    assert (site / "index.html").stat().st_ino != first  # swapped in whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mijn-map", "site"]  # nothing left beside it
    assert oct((site).stat().st_mode & 0o777) == "0o755"


def test_the_public_kavels_map_shows_no_price_of_a_sold_kavel(visit, public_site):
    page = visit(public_site / "kavels.html").page
    kavels = page.evaluate("""() => {
        const found = [];
        for (const key of Object.keys(window)) {
            const layer = window[key];
            if (key.startsWith("geo_json_") && layer && layer.eachLayer) {
                layer.eachLayer(f => { if (f.feature.properties.kavel) found.push(f.feature.properties); });
            }
        }
        return found;
    }""")
    sold = [k for k in kavels if k["status"] == "verkocht"]
    assert sold and all(k["prijs_per_m2"] is None and k.get("koopsom") is None for k in sold)

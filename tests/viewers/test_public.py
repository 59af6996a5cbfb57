"""The public site: no intern-only figure in any of its files."""

from __future__ import annotations

import re

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


def embedded_areas(visit, page) -> dict[str, dict]:
    """The properties of every area feature a rendered page holds, by area code."""
    opened = visit(page)
    features = opened.page.evaluate("""() => {
        const found = [];
        for (const key of Object.keys(window)) {
            const layer = window[key];
            if (key.startsWith("geo_json_") && layer && layer.eachLayer) {
                layer.eachLayer(f => found.push(f.feature.properties));
            }
        }
        return found;
    }""")
    return {feature["code"]: feature for feature in features if "code" in feature}


@pytest.mark.parametrize("page", ["gebiedsprofiel.html", "sport.html"])
def test_areas_carry_exactly_the_openbaar_figures(visit, public_site, demo_out, page):
    areas = embedded_areas(visit, public_site / page)
    store = demo_out / "datapakhuis.gpkg"
    suppressed = 0
    for niveau, code in (("buurt", "buurtcode"), ("wijk", "wijkcode")):
        intern = pyogrio.read_dataframe(store, layer=f"indicatoren_{niveau}_intern").set_index(code)
        openbaar = pyogrio.read_dataframe(store, layer=f"indicatoren_{niveau}_openbaar").set_index(code)
        for area in openbaar.index:
            shown = areas[area]
            for indicator in [k for k in shown if f"{k}__k" in shown]:
                value = openbaar.at[area, indicator]
                status = openbaar.at[area, f"{indicator}__status"]
                if isinstance(status, str) and status.startswith("geheim"):
                    assert shown[indicator] is None and shown[f"{indicator}__k"] == -1
                    assert shown[f"{indicator}__s"].startswith("geheim")
                    suppressed += intern.at[area, indicator] == intern.at[area, indicator]  # a real figure hidden
                elif value == value:
                    assert shown[indicator] == pytest.approx(value, abs=0.005), (area, indicator)
                else:
                    assert shown[indicator] is None
    assert suppressed > 5


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

"""A build of three gemeenten (Hillegom, Lisse, Teylingen) from seeded data in the layouts a shared organisation
receives: CBS's national tables (with the Nederland row), one BAG extract, one registration per kind for all three.

End to end: store, regio figures, comparisons within the gemeente and the regio, disclosure control of the regio,
the API's regio collection, and the public site with regional comparison (maps in headless Chromium)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pyogrio
import pytest

from wijkatlas import settings
from wijkatlas.cli import main
from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.openbaar import check_public_outputs
from wijkatlas.synthetic.region import REGIO_GEMEENTEN, REGIO_NAAM, generate_region
from wijkatlas.viewers.gebiedsprofiel import DATA_CLASS
from wijkatlas.viewers.site import write_site
from wijkatlas.vocabulary import is_suppressed

NAMES = {code: naam for code, naam, _ in REGIO_GEMEENTEN}


@pytest.fixture(scope="module")
def regio_out(tmp_path_factory):
    data = tmp_path_factory.mktemp("regio") / "data"
    shutil.copytree(settings.DEMO_DATA_DIR / "reference", data / "reference")
    config = generate_region(data)
    out = data.parent / "out"
    assert main(["build", str(config), "--out", str(out)]) == 0
    write_site(out / settings.STORE_NAME, out / "openbaar", public=True, pdf=False)
    return out


def layer(out, name):
    return pyogrio.read_dataframe(out / settings.STORE_NAME, layer=name)


def test_store_holds_every_gemeente_and_the_regio_above_them(regio_out):
    gemeenten = layer(regio_out, "gemeente")
    assert dict(zip(gemeenten["gemeentecode"], gemeenten["gemeentenaam"], strict=True)) == NAMES
    regio = layer(regio_out, "regio")
    assert regio[["regiocode", "regionaam"]].values.tolist() == [["RG01", REGIO_NAAM]]
    assert regio.geometry.area.iloc[0] == pytest.approx(gemeenten.geometry.area.sum(), rel=1e-6)
    wijken = layer(regio_out, "wijken")
    assert set(wijken["wijkcode"].str[2:6]) == {code[2:] for code in NAMES}
    # CBS's Nederland row lies outside every build: counted, not rejected
    rejected = layer(regio_out, "afgekeurd")
    assert not rejected["id"].astype(str).str.startswith("NL").any()
    editie = layer(regio_out, "editie")
    assert editie[["gebiedscode", "gemeenten"]].values.tolist() == [["RG01", 3]]


def test_regio_figures_come_from_the_regio_and_its_gemeenten(regio_out):
    intern = layer(regio_out, "indicatoren_lang_intern")
    latest = intern[intern["peiljaar"] == 2024]
    for indicator in ("inwoners", "woningvoorraad", "meldingen_per_1000", "aandeel_65_plus", "gemiddeld_inkomen"):
        rows = latest[latest["indicator"] == indicator].set_index("niveau")
        gemeenten = rows.loc["gemeente"]
        assert len(gemeenten) == 3
        regio = rows.loc["regio"]
        assert regio["teller"] == pytest.approx(gemeenten["teller"].sum())
        if indicator != "inwoners" and indicator != "woningvoorraad":
            assert regio["noemer"] == pytest.approx(gemeenten["noemer"].sum())
            # a weighted mean or share of the regio: its numerators over its denominators (at the scale the
            # gemeenten's figures have), not a mean of their values
            scale = (gemeenten["waarde"] / (gemeenten["teller"] / gemeenten["noemer"])).iloc[0]
            assert regio["waarde"] == pytest.approx(scale * gemeenten["teller"].sum() / gemeenten["noemer"].sum())
            assert regio["waarde"] != pytest.approx(gemeenten["waarde"].mean())
            assert gemeenten["waarde"].min() <= regio["waarde"] <= gemeenten["waarde"].max()
    median = latest[(latest["indicator"] == "mediaan_oppervlakte_woning")].set_index("niveau")
    assert median.loc["gemeente", "waarde"].min() <= median.loc["regio", "waarde"] <= median.loc["gemeente", "waarde"].max()


def test_each_area_is_compared_with_its_own_gemeente_and_with_the_regio(regio_out):
    public = layer(regio_out, "indicatoren_lang_openbaar")
    shares = public[(public["indicator"] == "aandeel_65_plus") & (public["peiljaar"] == 2024)]
    by_code = shares.set_index("gebiedscode")["waarde"]
    wijken = shares[shares["niveau"] == "wijk"].dropna(subset=["waarde"])
    assert len(wijken) > 20
    own = wijken["gebiedscode"].map(lambda code: by_code[f"GM{code[2:6]}"])
    assert np.allclose(wijken["gemeentewaarde"], own)
    assert np.allclose(wijken["index"], 100 * wijken["waarde"] / own)
    regio = by_code["RG01"]
    assert np.allclose(wijken["regiowaarde"], regio)
    assert np.allclose(wijken["index_regio"], 100 * wijken["waarde"] / regio)
    # rank 1 within its own gemeente; the rank in the regio runs over all three gemeenten' wijken
    assert (wijken.groupby(wijken["gebiedscode"].str[2:6])["rang"].min() == 1).all()
    assert wijken["rang_regio"].max() > wijken["rang"].max()
    best = wijken.loc[wijken["waarde"].idxmax()]
    assert best["rang_regio"] == 1
    similar = layer(regio_out, "vergelijkbare_gebieden_openbaar")
    across = similar[similar["gebiedscode"].str[2:6] != similar["vergelijkbaar_code"].str[2:6]]
    assert len(across) > 0  # similar areas are found across gemeenten


def test_regio_figures_reveal_nothing_the_gemeenten_hide(regio_out):
    public = layer(regio_out, "indicatoren_lang_openbaar")
    gemeenten = public[public["niveau"] == "gemeente"]
    regio = public[public["niveau"] == "regio"].set_index(["indicator", "peiljaar"])
    unpublished = gemeenten[gemeenten["waarde"].isna() | is_suppressed(gemeenten["status"])]
    assert len(unpublished) > 0  # the fixture has hidden gemeente figures to protect
    for key in set(zip(unpublished["indicator"], unpublished["peiljaar"], strict=True)):
        assert pd.isna(regio.loc[key, "waarde"]), key
    # a count of the regio is the sum of its gemeenten's published counts: it tells nothing new
    inwoners = public[(public["indicator"] == "inwoners")].groupby(["peiljaar", "niveau"])["waarde"].sum()
    for year in (2022, 2023, 2024):
        assert inwoners[(year, "regio")] == inwoners[(year, "gemeente")]
    result = check_public_outputs(regio_out, load_catalog())
    assert result.safe, (result.disclosed.head(10), result.leaks[:5])


def test_api_publishes_the_regio_collection(regio_out):
    metadata = json.loads((regio_out / "api" / "collections.json").read_text(encoding="utf-8"))
    assert (metadata["gebiedscode"], metadata["gebiedsnaam"]) == ("RG01", REGIO_NAAM)
    assert "regio" in [c["id"] for c in metadata["collections"]]
    regio = pyogrio.read_dataframe(regio_out / "api" / "openbaar.gpkg", layer="regio")
    assert regio["regiocode"].tolist() == ["RG01"]
    assert len(pyogrio.read_dataframe(regio_out / "api" / "openbaar.gpkg", layer="gemeente")) == 3


def test_exports_have_a_regio_sheet(regio_out):
    regio = pd.read_csv(regio_out / "export" / "indicatoren_regio.csv", sep=";", dtype=str)
    assert regio["Gebiedscode"].tolist() == ["RG01"]
    public = layer(regio_out, "indicatoren_lang_openbaar")
    inwoners = public[(public["indicator"] == "inwoners") & (public["niveau"] == "regio")]
    assert regio.filter(like="Aantal inwoners").iloc[0, 0] == f"{inwoners['waarde'].iloc[-1]:.0f}"


def test_site_lists_profiles_per_gemeente_and_profiles_compare_with_the_regio(regio_out):
    site = regio_out / "openbaar"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f"<h1>Wijkatlas {REGIO_NAAM}</h1>" in index
    assert [name for name in re.findall(r"<h3>(.*?)</h3>", index)] == ["Gebiedsprofiel per gemeente",
                                                                      *list(NAMES.values()) * 2]
    public = layer(regio_out, "indicatoren_lang_openbaar")
    inwoners = public[(public["indicator"] == "inwoners") & (public["peiljaar"] == 2024)].set_index("gebiedscode")
    page = (site / "profiel-WK055302.html").read_text(encoding="utf-8")
    assert "gemeente Lisse · regio Hillegom, Lisse en Teylingen" in page
    assert ">regio</th>" in page and ">index regio</th>" in page
    cells = re.findall(r'<td class="num">([^<]*)</td>', page[page.index('data-indicator="inwoners"'):][:900])
    numbers = [re.sub(r"\D", "", cell) for cell in cells]
    assert numbers[:4] == [str(int(inwoners.loc[code, "waarde"])) if code else "" for code in (
        "WK055302", "GM0553", None, "RG01")]  # wijk, its gemeente Lisse, no index for a count, the regio
    block = re.search(rf'<script type="application/json" class="{DATA_CLASS}">(.*?)</script>',
                      (site / "gebiedsprofiel.html").read_text(encoding="utf-8"), re.DOTALL)
    data = json.loads(block.group(1))
    assert data["regio"] == {"code": "RG01", "name": REGIO_NAAM} and data["gemeenten"] == NAMES
    assert data["values"]["inwoners"]["gemeente"]["2024"] == {
        code: inwoners.loc[code, "waarde"] for code in NAMES}


def area_block(page):
    return json.loads(re.search(rf'<script type="application/json" class="{DATA_CLASS}">(.*?)</script>',
                                page.read_text(encoding="utf-8"), re.DOTALL).group(1))


def by_code(data):
    """Every published figure and hidden reason of a map's data block, by (indicator, level, year, area)."""
    cells = {}
    for indicator, levels in data["values"].items():
        for level, years in levels.items():
            for year, values in years.items():
                codes = list(values) if isinstance(values, dict) else data["levels"][level]["codes"]
                cells.update({(indicator, level, year, code): value for code, value in zip(
                    codes, values.values() if isinstance(values, dict) else values, strict=True)})
    for indicator, levels in data["hidden"].items():
        for level, years in levels.items():
            for year, by_reason in years.items():
                cells.update({(indicator, level, year, data["levels"][level]["codes"][i]): data["reasons"][int(r)]
                              for r, positions in by_reason.items() for i in positions})
    return cells


def test_each_gemeente_has_its_own_light_map_with_the_regio_figures(regio_out):
    site = regio_out / "openbaar"
    regio = area_block(site / "gebiedsprofiel.html")
    regio_cells = by_code(regio)
    index = (site / "index.html").read_text(encoding="utf-8")
    for code, naam in NAMES.items():
        page = site / f"gebiedsprofiel-{code}.html"
        assert f'<a href="{page.name}">{naam}</a>' in index
        assert page.stat().st_size < 1_000_000
        text = page.read_text(encoding="utf-8")
        drawn = set(re.findall(r'"properties": \{"code": "(\w+)"\}', text))
        own = {area for level in ("wijk", "buurt") for area in regio["levels"][level]["codes"] if area[2:6] == code[2:]}
        assert drawn == own  # every area of the gemeente, and only those, has an outline
        data = area_block(page)
        cells = by_code(data)
        assert cells and all(regio_cells[key] == value for key, value in cells.items())  # the regio's figures
        assert all(key[3] in own or key[1] in ("gemeente", "regio") or key[3] in {
            peer for level in ("wijk", "buurt") for area in own for peer in regio["similar"][level].get(area, [])}
            for key in cells)  # elsewhere: only the similar areas of its own areas
        assert {key for key in regio_cells if key[3] in own} <= set(cells)
        assert data["similar"] == {level: {area: peers for area, peers in regio["similar"][level].items() if area in own}
                                   for level in ("wijk", "buurt")}
        assert data["indicators"] == regio["indicators"]  # the regio's classes: a colour means the same everywhere


def test_a_gemeente_map_compares_with_similar_areas_in_other_gemeenten_as_the_regio_map_does(regio_out, visit):
    regio = area_block(regio_out / "openbaar" / "gebiedsprofiel.html")
    area, peers = next((area, peers) for area, peers in regio["similar"]["wijk"].items()
                       if area.startswith("WK0553") and any(peer[2:6] != "0553" for peer in peers))
    popups = []
    for name in ("gebiedsprofiel.html", "gebiedsprofiel-GM0553.html"):
        page = visit(regio_out / "openbaar" / name)
        page.page.select_option("#wa-indicator", "aandeel_65_plus")
        page.page.select_option("#wa-compare", "vergelijkbaar")
        page.page.select_option("#wa-area", area)
        popups.append(page.page.inner_text(".leaflet-popup-content"))
        choices = page.page.eval_on_selector_all("#wa-area option", "options => options.map(o => o.value)")
        if name != "gebiedsprofiel.html":
            assert {choice[2:6] for choice in choices if choice} == {"0553"}  # only the gemeente's own wijken
    assert "vergelijkbare gebieden (" in popups[0] and popups[0] == popups[1]


def test_map_compares_an_area_with_its_own_gemeente_and_the_regio(regio_out, visit):
    public = layer(regio_out, "indicatoren_lang_openbaar")
    shares = public[(public["indicator"] == "aandeel_65_plus") & (public["peiljaar"] == 2024)].set_index("gebiedscode")
    for compare, line in (("gemeente", f"gemeente Teylingen: {nl(shares.loc['GM1525', 'waarde'])} %"),
                          ("regio", f"regio {REGIO_NAAM}: {nl(shares.loc['RG01', 'waarde'])} %")):
        page = visit(regio_out / "openbaar" / "gebiedsprofiel.html")
        page.page.select_option("#wa-indicator", "aandeel_65_plus")
        page.page.select_option("#wa-compare", compare)
        page.page.select_option("#wa-area", "WK152503")
        popup = page.page.inner_text(".leaflet-popup-content")
        assert line in popup
        shown = shares["waarde"].round(2)  # the map's figures, from which it computes the index
        reference = shown["GM1525" if compare == "gemeente" else "RG01"]
        assert f"index ({compare} = 100): {nl(100 * shown['WK152503'] / reference)}" in popup


def nl(value: float) -> str:
    """A number as the maps print it: Dutch separators, at most one decimal."""
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".").removesuffix(",0")

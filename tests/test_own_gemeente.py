"""A gemeente's own partial files, end to end: init, build, serve and view.

The fixtures in ``tests/fixtures/gemeente`` are in the layouts a user downloads:
PDOK CBS gebiedsindelingen buurten as GeoJSON without ``crs`` member (RD
numbers), and cbsodata's record list for the gemeente and its wijken.
"""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import requests
import shapely

from wijkatlas.cli import main

from helpers import FIXTURES
from servers import wijkatlas_server

GEMEENTE = FIXTURES / "gemeente"
BAG_INDICATORS = {"woningvoorraad", "aandeel_bouwjaar_voor_1945", "gemiddelde_oppervlakte_woning",
                  "aandeel_woonfunctie"}
REGISTRATION_INDICATORS = {"sportvoorzieningen", "kavels_beschikbaar", "meldingen_per_1000"}


def copy_fixture(target):
    target.mkdir(parents=True, exist_ok=True)
    for path in GEMEENTE.iterdir():
        if path.suffix in (".json", ".geojson"):
            shutil.copy(path, target / path.name)
    return target


def cbs_records() -> pd.DataFrame:
    records = pd.DataFrame(json.loads((GEMEENTE / "kerncijfers_85984NED.json").read_text(encoding="utf-8")))
    return records.assign(code=records["Codering_3"].str.strip()).set_index("code")


def layer(out, name):
    return pyogrio.read_dataframe(out / "datapakhuis.gpkg", layer=name)


@pytest.fixture(scope="module")
def cbs_only(tmp_path_factory):
    """``init`` + ``build`` on a folder with only CBS boundaries and kerncijfers."""
    bronmap = copy_fixture(tmp_path_factory.mktemp("hillegom") / "bronnen")
    assert main(["init", str(bronmap), "--gemeente", "GM0534"]) == 0
    out = bronmap.parent / "out"
    assert main(["build", str(bronmap / "wijkatlas.toml"), "--out", str(out)]) == 0
    return out


def test_init_detects_rd_numbers_in_a_geojson_without_crs(tmp_path, capsys):
    bronmap = copy_fixture(tmp_path / "bronnen")
    assert main(["init", str(bronmap)]) == 0  # one gemeente in the files: no --gemeente needed
    config = (bronmap / "wijkatlas.toml").read_text(encoding="utf-8")
    assert 'crs = "EPSG:28992"  # de coördinaten zijn RD' in config
    assert 'code = "GM0534"' in config and 'naam = "Hillegom"' in config
    assert 'file = "kerncijfers_85984NED.json"\npeiljaar = 2024' in config
    assert "# [bag]" in config  # a commented template for what is missing
    assert main(["init", str(bronmap)]) == 1
    assert "wijkatlas.toml bestaat al; gebruik --overschrijf" in capsys.readouterr().err


def test_rd_numbers_read_as_lon_lat_are_one_clear_error(tmp_path, capsys):
    bronmap = copy_fixture(tmp_path / "bronnen")
    (bronmap / "c.toml").write_text('[gemeente]\ncode = "GM0534"\nnaam = "Hillegom"\n'
                                    '[gebieden]\nfile = "cbs_gebiedsindelingen_buurt_2024.geojson"\n')
    assert main(["build", str(bronmap / "c.toml"), "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert [line.startswith("fout: ") for line in error.splitlines()].count(True) == 1 and "Traceback" not in error
    assert ("cbs_gebiedsindelingen_buurt_2024.geojson: coördinaten bv. (97000, 478000) zijn RD-meters, maar "
            "worden als lengte- en breedtegraden gelezen") in error
    assert 'zet crs = "EPSG:28992" bij [gebieden]' in error


def test_wijk_inhabitants_equal_cbs_and_densities_follow_cbs_land_area(cbs_only):
    cbs = cbs_records()
    long = layer(cbs_only, "indicatoren_lang_openbaar").set_index(["indicator", "gebiedscode"])
    intern = layer(cbs_only, "indicatoren_lang_intern").set_index(["indicator", "gebiedscode"])
    for code in ("WK053400", "WK053401", "GM0534"):
        assert intern.loc[("inwoners", code), "waarde"] == cbs.loc[code, "AantalInwoners_5"]
        # public: rounded to 5 like its parts (CBS's wijk counts are multiples of 5 already)
        assert abs(long.loc[("inwoners", code), "waarde"] - cbs.loc[code, "AantalInwoners_5"]) <= 2
        density = intern.loc[("bevolkingsdichtheid", code), "waarde"]
        assert density == pytest.approx(cbs.loc[code, "Bevolkingsdichtheid_34"], rel=0.01)
    wijken = layer(cbs_only, "wijken").set_index("wijkcode")
    assert wijken.loc["WK053400", "oppervlakte_land_ha"] == 86  # CBS's land area, not the polygon's 90 ha
    assert wijken.loc["WK053400", "oppervlakte_bron"] == "CBS kerncijfers 2024"
    assert wijken.loc["WK053400", "wijknaam"] == "Wijk 00 Hillegom-Zuid"  # dissolved from buurtcodes, named by CBS


def test_cbs_figures_are_not_made_up_for_buurten_without_kerncijfers(cbs_only):
    long = layer(cbs_only, "indicatoren_lang_intern")
    assert set(long["niveau"]) == {"wijk", "gemeente"}
    buurten = layer(cbs_only, "indicatoren_buurt_openbaar")
    assert len(buurten) == 5 and "inwoners" not in buurten.columns


def test_nothing_is_published_as_zero_for_a_source_the_gemeente_lacks(cbs_only):
    absent = BAG_INDICATORS | REGISTRATION_INDICATORS
    for name in ("indicatoren_lang_openbaar", "indicatoren_lang_intern"):
        assert not absent & set(layer(cbs_only, name)["indicator"])
    for niveau in ("buurt", "wijk", "gemeente"):
        assert not absent & set(layer(cbs_only, f"indicatoren_{niveau}_openbaar").columns)
        assert not absent & set(pd.read_csv(cbs_only / "export" / f"indicatoren_{niveau}.csv", sep=";").columns)
    definitions = layer(cbs_only, "indicator_definities").set_index("indicator")
    assert definitions.loc["woningvoorraad", "beschikbaarheid"] == \
        "niet beschikbaar — bron 'bag_verblijfsobjecten' ontbreekt"
    assert definitions.loc["aandeel_koopwoningen", "beschikbaarheid"].startswith(
        "niet beschikbaar — CBS-variabele Koopwoningen ontbreekt in de kerncijfers")
    assert definitions.loc["inwoners", "beschikbaarheid"] == ""
    assert definitions.loc["inwoners", "niveaus"] == "wijk, gemeente"
    api = json.loads((cbs_only / "api" / "collections.json").read_text(encoding="utf-8"))
    assert {c["id"] for c in api["collections"]} == {"gemeente", "wijken", "buurten", "indicatordefinities",
                                                     "buurten_intern", "wijken_intern"}


def test_the_build_summary_names_what_is_not_available(tmp_path, capsys):
    bronmap = copy_fixture(tmp_path / "bronnen")
    main(["init", str(bronmap)])
    capsys.readouterr()
    assert main(["build", str(bronmap / "wijkatlas.toml"), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "Indicatoren: 9 van 48 berekend" in printed
    assert "niet beschikbaar — bron 'kavels' ontbreekt: kavels_beschikbaar, kavels_beschikbaar_ha" in printed
    assert "collectie kavels weggelaten: laag kavels ontbreekt" in printed


def test_cbs_only_build_is_served(cbs_only):
    with wijkatlas_server(cbs_only) as url:
        wijken = requests.get(f"{url}/collections/wijken/items?f=json", timeout=30).json()
        assert {f["id"]: f["properties"]["inwoners"] for f in wijken["features"]} == {
            "WK053400": 9315, "WK053401": 7940}
        assert requests.get(f"{url}/collections/kavels?f=json", timeout=30).status_code == 404


def test_cbs_only_build_is_viewed(cbs_only, visit):
    index = cbs_only / "viewers" / "index.html"
    links = {link.name for link in (cbs_only / "viewers").glob("*.html")}
    assert "gebiedsprofiel.html" in links and not {"sport.html", "kavels.html"} & links
    page = visit(cbs_only / "viewers" / "gebiedsprofiel.html").page
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator(".leaflet-interactive").count() >= 2
    assert "Aantal inwoners" in page.content()
    assert "sport.html" not in index.read_text(encoding="utf-8")


def write_bag(path, points: list[tuple[float, float]], *, gebruiksdoel="woonfunctie"):
    count = len(points)
    frame = gpd.GeoDataFrame({
        "identificatie": [f"0534010000{i:06d}" for i in range(count)], "oppervlakte": [95] * count,
        "status": ["Verblijfsobject in gebruik"] * count, "gebruiksdoel": [gebruiksdoel] * count,
        "openbare_ruimte": ["Hoofdstraat"] * count, "huisnummer": list(range(1, count + 1)),
        "huisletter": [None] * count, "toevoeging": [None] * count, "postcode": ["2181AA"] * count,
        "woonplaats": ["Hillegom"] * count, "bouwjaar": [1930 + i % 80 for i in range(count)],
    }, geometry=[shapely.Point(x, y) for x, y in points], crs="EPSG:28992")
    frame.to_file(path, layer="verblijfsobject", driver="GPKG", engine="pyogrio")
    return path


def boundaries_only_config(bronmap, extra: str) -> str:
    (bronmap / "kerncijfers_85984NED.json").unlink()
    return ('[gemeente]\ncode = "GM0534"\nnaam = "Hillegom"\n[gebieden]\n'
            'file = "cbs_gebiedsindelingen_buurt_2024.geojson"\ncrs = "EPSG:28992"\n' + extra)


def test_boundaries_and_bag_only(tmp_path):
    bronmap = copy_fixture(tmp_path / "bronnen")
    points = [(97_050 + 4 * i, 478_050 + 7 * (i % 40)) for i in range(120)]  # all in BU05340000
    write_bag(bronmap / "bag.gpkg", points)
    (bronmap / "c.toml").write_text(boundaries_only_config(bronmap, '[bag]\nfile = "bag.gpkg"\n'))
    out = tmp_path / "out"
    assert main(["build", str(bronmap / "c.toml"), "--out", str(out)]) == 0
    long = layer(out, "indicatoren_lang_intern").set_index(["indicator", "gebiedscode"])
    assert long.loc[("woningvoorraad", "BU05340000"), "waarde"] == 120
    assert long.loc[("woningvoorraad", "BU05340001"), "waarde"] == 0  # the BAG is there: 0 is a real figure
    assert "inwoners" not in set(long.index.get_level_values(0))
    definitions = layer(out, "indicator_definities").set_index("indicator")
    assert definitions.loc["inwoners", "beschikbaarheid"] == "niet beschikbaar — bron kerncijfers ontbreekt"
    with wijkatlas_server(out) as url:
        buurten = requests.get(f"{url}/collections/buurten/items?f=json", timeout=30).json()
        assert {f["id"] for f in buurten["features"]} == {"BU05340000", "BU05340001", "BU05340002", "BU05340100",
                                                           "BU05340101"}
        assert "woningvoorraad" in buurten["features"][0]["properties"]
    assert (out / "viewers" / "gebiedsprofiel.html").is_file()


def test_an_empty_bag_is_not_available_instead_of_zero(tmp_path):
    bronmap = copy_fixture(tmp_path / "bronnen")
    write_bag(bronmap / "bag.gpkg", [])
    (bronmap / "c.toml").write_text(boundaries_only_config(bronmap, '[bag]\nfile = "bag.gpkg"\n'))
    out = tmp_path / "out"
    assert main(["build", str(bronmap / "c.toml"), "--out", str(out)]) == 0
    assert "woningvoorraad" not in set(layer(out, "indicatoren_lang_intern")["indicator"])
    definitions = layer(out, "indicator_definities").set_index("indicator")
    assert definitions.loc["woningvoorraad", "beschikbaarheid"] == \
        "niet beschikbaar — bron 'bag_verblijfsobjecten' is leeg"


def test_boundaries_and_one_registration_only(tmp_path, visit):
    bronmap = copy_fixture(tmp_path / "bronnen")
    (bronmap / "sport.csv").write_text(
        "Nummer;Naam;Sport;X;Y\n1;VV Hillegom;voetbal;97100;478100\n2;HC Hillegom;hockey;97700;478600\n"
        "3;TV <b>Elsbroek</b>;tennis;97710;478110\n", encoding="utf-8")
    (bronmap / "c.toml").write_text(boundaries_only_config(bronmap, (
        '[registraties.sportvoorzieningen]\nfile = "sport.csv"\nid = "Nummer"\nx = "X"\ny = "Y"\n'
        'category = "Sport"\n')))
    out = tmp_path / "out"
    assert main(["build", str(bronmap / "c.toml"), "--out", str(out)]) == 0
    long = layer(out, "indicatoren_lang_intern").set_index(["indicator", "gebiedscode"])
    assert long.loc[("sportvoorzieningen", "GM0534"), "waarde"] == 3
    definitions = layer(out, "indicator_definities").set_index("indicator")
    assert definitions.loc["sportvoorzieningen_per_1000", "beschikbaarheid"] == \
        "niet beschikbaar — bron kerncijfers ontbreekt"
    with wijkatlas_server(out) as url:
        sport = requests.get(f"{url}/collections/sportvoorzieningen/items?f=json", timeout=30).json()
        assert len(sport["features"]) == 3
    seen = visit(out / "viewers" / "sport.html")
    seen.page.wait_for_selector(".wa-sport, .marker-cluster")
    assert "<b>Elsbroek</b>" not in seen.page.inner_html("body")  # data text is never HTML


def test_a_cbs_variable_missing_in_one_year_is_named_not_silently_dropped(tmp_path, capsys):
    bronmap = copy_fixture(tmp_path / "bronnen")
    records = json.loads((bronmap / "kerncijfers_85984NED.json").read_text(encoding="utf-8"))
    older = [{key: value for key, value in record.items() if key != "AantalInwoners_5"} for record in records]
    (bronmap / "kerncijfers_85618NED.json").write_text(json.dumps(older), encoding="utf-8")
    main(["init", str(bronmap)])
    assert "peiljaar = 2023" in (bronmap / "wijkatlas.toml").read_text(encoding="utf-8")
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["build", str(bronmap / "wijkatlas.toml"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert ("waarschuwing: inwoners: niet beschikbaar voor 2023 — CBS-variabele AantalInwoners ontbreekt in de "
            "kerncijfers van 2023") in printed
    long = layer(out, "indicatoren_lang_intern")
    assert set(long.loc[long["indicator"] == "inwoners", "peiljaar"]) == {2024}
    assert set(long.loc[long["indicator"] == "aandeel_0_15", "peiljaar"]) == {2024}  # its denominator is missing
    definitions = layer(out, "indicator_definities").set_index("indicator")
    assert "niet beschikbaar voor 2023" in definitions.loc["aandeel_65_plus", "beschikbaarheid"]


def test_the_boundary_report_names_a_buurt_sticking_out_of_its_wijk(tmp_path, capsys):
    bronmap = copy_fixture(tmp_path / "bronnen")
    buurten = gpd.read_file(bronmap / "cbs_gebiedsindelingen_buurt_2024.geojson").set_crs(28992, allow_override=True)
    wijken = buurten.assign(wijkcode="WK" + buurten["statcode"].str[2:8]).dissolve("wijkcode").reset_index()
    wijken = wijken[["wijkcode", "geometry"]].assign(wijknaam=["Zuid", "Noord"])
    buurten.loc[buurten["statcode"] == "BU05340002", "geometry"] = shapely.box(98_200, 478_000, 98_900, 478_500)
    buurten.to_file(bronmap / "buurten.gpkg", layer="buurt_gegeneraliseerd", engine="pyogrio")
    wijken.to_file(bronmap / "wijken.gpkg", layer="wijken", engine="pyogrio")
    (bronmap / "c.toml").write_text(
        '[gemeente]\ncode = "GM0534"\nnaam = "Hillegom"\n[gebieden.buurten]\nfile = "buurten.gpkg"\n'
        '[gebieden.wijken]\nfile = "wijken.gpkg"\ncode = "wijkcode"\nnaam = "wijknaam"\n')
    out = tmp_path / "out"
    assert main(["build", str(bronmap / "c.toml"), "--out", str(out)]) == 0
    assert "let op: wijk WK053400 past niet bij zijn onderdelen: 5 ha erbuiten, 0 ha niet gedekt" in \
        capsys.readouterr().err
    control = layer(out, "gebieden_controle").set_index("gebiedscode")
    assert control.loc["WK053400", "buiten_ha"] == 5 and control.loc["WK053400", "past"] == "nee"
    assert control.loc["WK053401", "past"] == "ja"

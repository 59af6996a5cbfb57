"""A build of a provincie: its gemeenten follow from CBS gebiedsindelingen's outline (PDOK's layer
``provincie_gegeneraliseerd``, ``statcode``/``statnaam``), the rest of the files lies outside the build."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pyogrio
import pytest
import shapely

from wijkatlas import settings
from wijkatlas.cli import main
from wijkatlas.synthetic.region import REGIO_GEMEENTEN, build_config, generate_region

#: Hillegom and Lisse in one provincie, Teylingen in the other
PV28 = ("GM0534", "GM0553")


@pytest.fixture(scope="module")
def regio_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("provincie") / "data"
    shutil.copytree(settings.DEMO_DATA_DIR / "reference", data / "reference")
    generate_region(data)
    gemeenten = pyogrio.read_dataframe(data / "cbs" / "wijkbuurtkaart_2024.gpkg", layer="gemeenten")
    provinces = []
    for code, naam, members in (("PV28", "Zuid-Holland", PV28), ("PV27", "Noord-Holland", ("GM1525",))):
        # generalised as PDOK's outline is: not along the gemeente boundaries
        outline = shapely.union_all(gemeenten[gemeenten["gemeentecode"].isin(members)].geometry.to_numpy())
        provinces.append({"statcode": code, "jrstatcode": f"2024{code}", "statnaam": naam, "rubriek": "provincie",
                          "geometry": outline.simplify(150)})
    gpd.GeoDataFrame(provinces, crs=gemeenten.crs).to_file(data / "cbsgebiedsindelingen2024.gpkg",
                                                         layer="provincie_gegeneraliseerd")
    return data


def write_config(data, keys):
    config = data / "provincie.toml"
    config.write_text(build_config("A provincie's build.", keys), encoding="utf-8")
    return config


def test_a_provincie_build_holds_the_gemeenten_inside_its_outline(regio_data, tmp_path):
    config = write_config(regio_data, 'naam = "Zuid-Holland"\nprovincie = "PV28"\n'
                                      'provinciegrenzen = "cbsgebiedsindelingen2024.gpkg"')
    out = tmp_path / "out"
    assert main(["build", str(config), "--out", str(out)]) == 0
    store = out / settings.STORE_NAME
    assert sorted(pyogrio.read_dataframe(store, layer="gemeente")["gemeentecode"]) == list(PV28)
    assert set(pyogrio.read_dataframe(store, layer="buurten")["buurtcode"].str[2:6]) == {c[2:] for c in PV28}
    assert pyogrio.read_dataframe(store, layer="regio")[["regiocode", "regionaam"]].values.tolist() == [
        ["PV28", "Zuid-Holland"]]
    rejected = pyogrio.read_dataframe(store, layer="afgekeurd", read_geometry=False)
    assert not (rejected["reden_code"] == "gebied_onbekend").any()  # Teylingen's CBS rows are not this build's
    reconciliation = pyogrio.read_dataframe(store, layer="reconciliatie", read_geometry=False).set_index("bron")
    bag = reconciliation.loc["bag_verblijfsobjecten"]
    assert bag["buiten"] > 0 and bag["gelezen"] == bag["toegewezen"] + bag["buiten"] + bag["afgekeurd"]
    sources = pyogrio.read_dataframe(store, layer="bronnen", read_geometry=False)
    assert "provinciegrenzen" in set(sources["bron"])


@pytest.mark.parametrize(("keys", "expected"), [
    ('provincie = "PV29"\nprovinciegrenzen = "cbsgebiedsindelingen2024.gpkg"',
     "provincie PV29 staat er niet in; wel: PV27 Noord-Holland, PV28 Zuid-Holland"),
    ('provincie = "PV28"\nprovinciegrenzen = "ontbreekt.gpkg"', "ontbreekt.gpkg: bestand niet gevonden"),
    ('provincie = "Zuid-Holland"\nprovinciegrenzen = "cbsgebiedsindelingen2024.gpkg"',
     "gebied.provincie is 'Zuid-Holland' maar moet de CBS-code van een provincie zijn"),
    ('provincie = "PV28"', "gebied.provincie vraagt ook provinciegrenzen"),
    ('provincie = "PV28"\nprovinciegrenzen = "cbsgebiedsindelingen2024.gpkg"\ngemeenten = ["GM0534", "GM0553"]',
     "[gebied] vraagt gemeenten, alle = true of provincie: één daarvan"),
])
def test_a_wrong_provincie_is_one_clear_line(regio_data, tmp_path, capsys, keys, expected):
    config = write_config(regio_data, f'naam = "Provincie"\n{keys}')
    assert main(["build", str(config), "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    (line,) = [line for line in error.splitlines() if line.startswith("fout:")]
    assert expected in line and "Traceback" not in error
    assert not (tmp_path / "out" / settings.STORE_NAME).exists()


def test_every_gemeente_of_the_region_is_in_one_provincie():
    assert {code for code, _, _ in REGIO_GEMEENTEN} == {*PV28, "GM1525"}

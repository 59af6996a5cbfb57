import geopandas as gpd
import pytest
import responses
import shapely

from wijkatlas.errors import CRSError, ValidationError
from wijkatlas.geo.bag import fetch_verblijfsobjecten, load_verblijfsobjecten
from wijkatlas.geo.geocode import geocode_addresses

from helpers import REPO, recorded

BAG_API = "https://api.pdok.nl/lv/bag/ogc/v1_0"
CSV_HEADER = "identificatie;gebruiksdoel;oppervlakte;status;postcode;huisnummer;huisletter;bouwjaar;x;y\n"


def test_demo_bag_schema():
    loaded = load_verblijfsobjecten(REPO / "data/bag/verblijfsobjecten.gpkg")
    records = loaded.records
    assert loaded.read == len(records) and len(loaded.rejected) == 0
    assert records.crs == "EPSG:28992" and (records.geom_type == "Point").all()
    assert records["identificatie"].str.fullmatch(r"\d{16}").all() and records["identificatie"].is_unique
    assert records["postcode"].str.fullmatch(r"\d{4}[A-Z]{2}").all()
    both = records["gebruiksdoel"] == "winkelfunctie,woonfunctie"
    assert both.any() and records.loc[both, "is_woning"].all()
    assert str(records["bouwjaar"].dtype) == "Int64"


def test_csv_extract_with_excel_damage(tmp_path):
    path = tmp_path / "bag.csv"
    path.write_text(CSV_HEADER +
                    "400010000012345;woonfunctie;84;Verblijfsobject in gebruik;1781 ab;12;;1931;112500,5;550500\n"
                    "0400010000012345;woonfunctie;90;Verblijfsobject in gebruik;1781AB;14;;1931;112510;550500\n"
                    "0400010000012399;Kantoorfunctie;300;Verblijfsobject in gebruik;1781AB;16;A;1990;;\n"
                    "12-345;woonfunctie;70;Verblijfsobject in gebruik;1781AB;18;;1990;112520;550500\n",
                    encoding="utf-8")
    path.write_text(path.read_text().replace("112500,5", "112500.5"))
    loaded = load_verblijfsobjecten(path)
    assert loaded.read == 4
    assert loaded.records["identificatie"].tolist() == ["0400010000012345"]  # Excel's lost leading zero restored
    assert loaded.records["postcode"].tolist() == ["1781AB"]
    reasons = dict(zip(loaded.rejected["rij"], loaded.rejected["reden_code"], strict=False))
    assert reasons == {3: "dubbel_id", 4: "geen_locatie", 5: "identificatie_ongeldig"}


def test_missing_fields_and_crs_are_refused(tmp_path):
    frame = gpd.GeoDataFrame({"identificatie": ["0400010000012345"]}, geometry=[shapely.Point(1, 1)], crs=28992)
    frame.to_file(tmp_path / "kaal.gpkg", layer="verblijfsobject", engine="pyogrio")
    with pytest.raises(ValidationError, match=r"kaal\.gpkg: .*veld 'gebruiksdoel' ontbreekt"):
        load_verblijfsobjecten(tmp_path / "kaal.gpkg")
    columns = {c: ["x"] for c in ("gebruiksdoel", "oppervlakte", "status", "postcode", "huisnummer")}
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"identificatie": ["0400010000012345"], **columns}, geometry=[shapely.Point(1, 1)]).to_file(
            tmp_path / "zonder_crs.gpkg", layer="verblijfsobject", engine="pyogrio")
    with pytest.raises(CRSError, match=r"geen coördinatenstelsel; verwacht EPSG:28992"):
        load_verblijfsobjecten(tmp_path / "zonder_crs.gpkg")


@responses.activate
def test_pdok_bag_with_its_own_field_names():
    responses.get(f"{BAG_API}/", json=recorded("pdok/bag_landing.json"))
    responses.get(f"{BAG_API}/collections/verblijfsobject/items", json=recorded("pdok/bag_verblijfsobject.json"),
                  match=[responses.matchers.query_param_matcher({"bbox": "112000,550000,114000,552000"},
                                                                strict_match=False)])
    loaded = fetch_verblijfsobjecten((112000, 550000, 114000, 552000))
    records = loaded.records
    assert len(records) == 3
    assert records["openbare_ruimte"].tolist() == ["Keizerstraat"] * 3
    assert records["is_woning"].tolist() == [True, True, False]
    assert records.geometry.iloc[0].equals(shapely.Point(112500.5, 550500.25))


def test_geocoding_matches_postcode_and_huisnummer_in_any_spelling():
    bag = load_verblijfsobjecten(REPO / "data/bag/verblijfsobjecten.gpkg").records
    target = bag[bag["toevoeging"].isna()].iloc[0]
    postcode = target["postcode"][:4] + " " + target["postcode"][4:].lower()
    import pandas as pd
    found = geocode_addresses(pd.Series([postcode, "9999ZZ"]), pd.Series([str(target["huisnummer"]), "1"]), bag)
    assert found.iloc[0].equals(target.geometry)
    assert found.iloc[1] is None or pd.isna(found.iloc[1])

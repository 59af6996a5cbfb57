import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from wijkatlas.errors import SourceError
from wijkatlas.geo._records import refuse_if_mostly_rejected
from wijkatlas.geo.registrations import GeometryJoin, RegistrationSpec, load_registration

SPORT_CSV = (
    "Nummer;Naam;Sport;X;Y;Postcode;Huisnummer\r\n"
    "1;Sportcafé Zeeën;voetbal;112500,5;550500,25;;\r\n"    # row 2: RD with decimal commas
    "2;Zwembad;Zwemmen;;;1781 ab;12\r\n"                      # row 3: address only, category in other case
    "3;Omgedraaid;tennis;550500;112500;;\r\n"                 # row 4: x and y swapped
    "4;Onbekend;sjoelen;112500;550500;;\r\n"                  # row 5: unknown category
    "1;Dubbel;voetbal;112500;550500;;\r\n"                    # row 6: duplicate id
    "6;Nergens;voetbal;;;;\r\n"                               # row 7: no location at all
    "7;Verzonnen adres;voetbal;;;9999ZZ;1\r\n"                # row 8: address not in the BAG
    "8;Tekst;voetbal;ergens;550500;;\r\n"                     # row 9: coordinate is no number
    "9;Parijs;voetbal;652000;6862000;;\r\n"                   # row 10: not in the Netherlands
    ";Zonder id;voetbal;112500;550500;;\r\n"                  # row 11: no id
)


@pytest.fixture
def bag() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"identificatie": ["0400010000012345"], "postcode": ["1781AB"], "huisnummer": pd.array([12], "Int64"),
         "huisletter": pd.array([pd.NA], "string"), "toevoeging": pd.array([pd.NA], "string")},
        geometry=[shapely.Point(112600, 550600)], crs="EPSG:28992")


def sport_spec(path, **changes) -> RegistrationSpec:
    options = dict(name="sport", file=path, id="Nummer", decimal=",", x="X", y="Y", postcode="Postcode",
                   huisnummer="Huisnummer", category="Sport", categories=("voetbal", "zwemmen", "tennis"))
    return RegistrationSpec(**(options | changes))


def test_dutch_excel_csv_every_record_is_kept_or_rejected_with_reason(tmp_path, bag):
    path = tmp_path / "sport.csv"
    path.write_bytes(SPORT_CSV.encode("cp1252"))
    loaded = load_registration(sport_spec(path), verblijfsobjecten=bag)
    assert loaded.read == 10
    assert len(loaded.records) + len(loaded.rejected) == loaded.read
    kept = loaded.records.set_index("bron_id")
    assert kept.loc["1", "geometry"].equals(shapely.Point(112500.5, 550500.25))
    assert kept.loc["1", "naam"] == "Sportcafé Zeeën" and kept.loc["1", "locatiebron"] == "xy"
    assert kept.loc["2", "geometry"].equals(shapely.Point(112600, 550600))
    assert kept.loc["2", "locatiebron"] == "adres" and kept.loc["2", "categorie"] == "zwemmen"
    reasons = loaded.rejected.set_index("rij")
    assert reasons["reden_code"].to_dict() == {
        4: "xy_verwisseld", 5: "categorie_onbekend", 6: "dubbel_id", 7: "geen_locatie", 8: "adres_onbekend",
        9: "coordinaat_ongeldig", 10: "coordinaat_buiten_bereik", 11: "geen_id",
    }
    assert reasons.loc[5, "veld"] == "Sport" and reasons.loc[5, "waarde"] == "sjoelen"
    assert reasons.loc[9, "veld"] == "X" and reasons.loc[9, "waarde"] == "ergens"
    assert set(reasons["bron"]) == {"sport"}


def test_a_configured_column_that_is_missing_is_named(tmp_path, bag):
    path = tmp_path / "sport.csv"
    path.write_bytes(SPORT_CSV.encode("cp1252"))
    with pytest.raises(SourceError, match=r"sport\.csv, veld 'Tak': kolom\(men\) \['Tak'\] uit de configuratie"):
        load_registration(sport_spec(path, category="Tak"), verblijfsobjecten=bag)


def test_wrong_decimal_setting_is_refused_as_a_whole(tmp_path, bag):
    path = tmp_path / "sport.csv"
    path.write_text("Nummer;X;Y\n1;112500,5;550500,2\n2;112600,5;550600,1\n3;112700,5;550700,9\n")
    spec = RegistrationSpec(name="sport", file=path, id="Nummer", x="X", y="Y")  # decimal left at "."
    loaded = load_registration(spec)
    assert len(loaded.rejected) == 3
    with pytest.raises(SourceError, match=r"3 van 3 records afgekeurd.*coördinaat is geen getal.*rij 2, veld 'X'"):
        refuse_if_mostly_rejected(loaded, source=str(path))


def test_excel_sheet_joined_to_kavel_polygons(tmp_path):
    admin = pd.DataFrame({
        "Kavelnummer": ["BT-001", "BT-002", "BT-003", "BT-004"],
        "Status": ["verkocht", "Beschikbaar", "gereserveerd", "in optie"],
        "Datum status": [dt.datetime(2024, 3, 1), "15-04-2024", dt.datetime(2024, 5, 1), "n.t.b."],
        "Prijs per m² (€)": [150, 140, 160, 155],
    })
    admin.to_excel(tmp_path / "kavels.xlsx", sheet_name="Kavels", index=False)
    shapes = gpd.GeoDataFrame({"kavelnummer": ["BT-001", "BT-003", "BT-004", "BT-900"]},
                              geometry=[shapely.box(112000, 550000, 112050, 550050)] * 4, crs="EPSG:28992")
    shapes.to_file(tmp_path / "kavels.gpkg", layer="kavels", engine="pyogrio")
    spec = RegistrationSpec(
        name="kavels", file=tmp_path / "kavels.xlsx", layer="Kavels", id="Kavelnummer", category="Status",
        categories=("beschikbaar", "in optie", "verkocht"), date="Datum status",
        geometry=GeometryJoin(tmp_path / "kavels.gpkg", "kavelnummer", "kavels"))
    loaded = load_registration(spec)
    assert loaded.read == 5  # four rows in the sheet and one polygon without a row
    assert loaded.records["bron_id"].tolist() == ["BT-001"]
    assert loaded.records["datum"].iloc[0] == pd.Timestamp("2024-03-01")
    assert loaded.records["prijs_per_m2_eur"].iloc[0] == 150
    assert dict(zip(loaded.rejected["id"], loaded.rejected["reden_code"], strict=False)) == {
        "BT-002": "geen_geometrie", "BT-003": "categorie_onbekend", "BT-004": "datum_ongeldig",
        "BT-900": "niet_in_administratie"}


def test_geojson_in_wgs84_is_reprojected_and_swapped_lat_lon_rejected(tmp_path):
    meldingen = gpd.GeoDataFrame(
        {"id": ["M1", "M2", "M3"], "datum": ["2024-01-05T10:00:00", "2024-01-06T11:00:00", "2024-01-07"]},
        geometry=[shapely.Point(4.76, 52.95), shapely.Point(52.95, 4.76), None], crs="EPSG:4326")
    meldingen.to_file(tmp_path / "meldingen.geojson", driver="GeoJSON", engine="pyogrio")
    loaded = load_registration(RegistrationSpec(name="meldingen", file=tmp_path / "meldingen.geojson", id="id",
                                                date="datum"))
    expected = gpd.GeoSeries([shapely.Point(4.76, 52.95)], crs="EPSG:4326").to_crs("EPSG:28992").iloc[0]
    assert loaded.records.crs == "EPSG:28992"
    assert loaded.records.geometry.iloc[0].equals_exact(expected, tolerance=0.01)
    assert dict(zip(loaded.rejected["rij"], loaded.rejected["reden_code"], strict=True)) == {
        2: "xy_verwisseld", 3: "geen_locatie"}


def test_dates_missing_or_unreadable_are_rejected_distinctly(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id,x,y,datum\na,112500,550500,05-03-2024\nb,112500,550500,\nc,112500,550500,31-02-2024\n")
    loaded = load_registration(RegistrationSpec(name="m", file=path, id="id", x="x", y="y", date="datum"))
    assert loaded.records["datum"].tolist() == [pd.Timestamp("2024-03-05")]
    assert loaded.rejected["reden_code"].tolist() == ["datum_ontbreekt", "datum_ongeldig"]


def test_unknown_file_format_is_refused(tmp_path):
    path = tmp_path / "data.ods"
    path.write_text("x")
    with pytest.raises(SourceError, match=r"bestandsformaat '\.ods' onbekend"):
        load_registration(RegistrationSpec(name="x", file=path, id="id"))

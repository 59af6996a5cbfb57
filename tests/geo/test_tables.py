import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from wijkatlas.errors import SourceError
from wijkatlas.geo._tables import (
    normalise_postcode,
    parse_dates,
    parse_numbers,
    read_csv_text,
    read_features,
    snake_name,
)


def test_decimal_comma_numbers_with_thousands_dots_and_unparseable_text():
    numbers, bad = parse_numbers(pd.Series(["115.234,5", "503335,27", "", None, "onbekend"]), decimal=",")
    assert numbers.iloc[:2].tolist() == [115234.5, 503335.27]
    assert numbers.iloc[2:].isna().all()
    assert bad.tolist() == [False, False, False, False, True]


def test_dates_in_iso_dutch_and_excel_forms():
    values = pd.Series(["2024-03-05", "05-03-2024", "5/3/2024", dt.datetime(2024, 3, 5), "2023-02-30", "n.t.b.", None],
                       dtype=object)
    dates, bad = parse_dates(values)
    assert (dates.iloc[:4] == pd.Timestamp("2024-03-05")).all()
    assert dates.iloc[4:].isna().all()
    assert bad.tolist() == [False, False, False, False, True, True, False]


def test_csv_separator_and_encoding_are_sniffed(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("Nummer;Naam;X\r\n1;Sportcafé Zeeën;115234,5\r\n".encode("cp1252"))
    table = read_csv_text(path)
    assert table.columns.tolist() == ["Nummer", "Naam", "X"]
    assert table.loc[0, "Naam"] == "Sportcafé Zeeën"
    assert table.loc[0, "X"] == "115234,5"


def test_csv_without_separator_in_header_is_refused(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("alleen_een_kolom\n1\n")
    with pytest.raises(SourceError, match=r"one\.csv: scheidingsteken niet te herkennen"):
        read_csv_text(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SourceError, match=r"weg\.csv: bestand niet gevonden"):
        read_csv_text(tmp_path / "weg.csv")


def test_names_and_postcodes_are_normalised():
    assert snake_name("Prijs per m² (€)") == "prijs_per_m2_eur"
    assert snake_name("Aantal leden") == "aantal_leden"
    assert normalise_postcode(pd.Series(["1781 ab", "1781AB", "0781AB", "abc", None])).tolist()[:2] == ["1781AB"] * 2
    assert normalise_postcode(pd.Series(["0781AB", "abc", None])).isna().all()


def test_a_layer_read_in_batches_is_the_layer_read_whole(tmp_path):
    frame = gpd.GeoDataFrame({
        "identificatie": [f"03630100000{n:05d}" for n in range(5)], "huisnummer": [1, 2, 3, None, 5],
        "status": ["in gebruik", None, "gesloopt", "in gebruik", "in gebruik"],
        "documentdatum": pd.to_datetime(["2024-01-02", None, "2023-05-06", "2022-07-08", "2021-09-10"]),
        # summer and winter time: offsets that differ, which read_dataframe gives as UTC
        "tijdstip": pd.to_datetime(["2024-01-02 10:00", "2024-07-02 10:00", None, "2022-07-08 08:30",
                                    "2021-12-10 23:59"]).tz_localize("Europe/Amsterdam"),
    }, geometry=[shapely.Point(n, n) if n != 2 else None for n in range(5)], crs="EPSG:28992")
    path = tmp_path / "bag.gpkg"
    frame.to_file(path, layer="verblijfsobject", engine="pyogrio")
    whole = read_features(path, "verblijfsobject", numbered=True)
    batched = read_features(path, "verblijfsobject", numbered=True, batch_rows=2)
    pd.testing.assert_frame_equal(batched, whole)
    assert batched.index.tolist() == [1, 2, 3, 4, 5] and batched.crs == "EPSG:28992" and batched.geometry.isna().sum() == 1
    assert batched["tijdstip"].iloc[1] == pd.Timestamp("2024-07-02 08:00", tz="UTC")
    assert batched["documentdatum"].dt.tz is None


def test_a_damaged_file_read_in_batches_is_one_clear_error(tmp_path):
    path = tmp_path / "bag.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + bytes(200))
    with pytest.raises(SourceError, match="niet te lezen als GIS-bestand"):
        read_features(path, None, numbered=True, batch_rows=2)

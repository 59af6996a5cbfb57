import pandas as pd
import pytest
import responses
from responses import matchers

from wijkatlas.errors import SourceError, ValidationError
from wijkatlas.geo.kerncijfers import column_stems, download_kerncijfers, load_kerncijfers, padded_codes, validate_kerncijfers

from helpers import FIXTURES, REPO, recorded

ODATA = "https://opendata.cbs.nl/ODataFeed/odata/85984NED"
HEADER = "ID,WijkenEnBuurten,Gemeentenaam_1,SoortRegio_2,Codering_3,AantalInwoners_4,Bevolkingsdichtheid_5\n"


def write_table(path, rows: list[str]):
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_stems_drop_suffixes_and_number_repeats():
    stems = column_stems(["AantalInwoners_5", "Nederland_17", "Nederland_20", "k_0Tot15Jaar_8"])
    assert stems == {"AantalInwoners_5": "AantalInwoners", "Nederland_17": "Nederland",
                     "Nederland_20": "Nederland__2", "k_0Tot15Jaar_8": "k_0Tot15Jaar"}


def test_tables_of_different_years_map_to_the_same_variables():
    old = load_kerncijfers(REPO / "data/cbs/kerncijfers_85318NED.csv", peiljaar=2022, gemeenten="GM9901")
    new = load_kerncijfers(REPO / "data/cbs/kerncijfers_85984NED.csv", peiljaar=2024, gemeenten="GM9901")
    header_2022 = (REPO / "data/cbs/kerncijfers_85318NED.csv").read_text().splitlines()[0]
    header_2024 = (REPO / "data/cbs/kerncijfers_85984NED.csv").read_text().splitlines()[0]
    assert "GemiddeldeWOZWaardeVanWoningen_36" in header_2022 and "GemiddeldeWOZWaardeVanWoningen_39" in header_2024
    for records in (old.records, new.records):
        woz = records[(records["variabele"] == "GemiddeldeWOZWaardeVanWoningen") & (records["gebiedscode"] == "GM9901")]
        assert len(woz) == 1 and woz["waarde"].iloc[0] > 100
    assert set(new.records["soort_regio"]) == {"gemeente", "wijk", "buurt"}
    assert new.read == 51


def test_cbs_missing_values_keep_their_meaning(tmp_path):
    path = write_table(tmp_path / "k.csv", [
        "0,Proefdorp,Proefdorp,Gemeente  ,GM0001    ,1200,350",
        "1,Wijk 00 Kern,Proefdorp,Wijk      ,WK000100  ,1200,.",
        "2,Dorp,Proefdorp,Buurt     ,BU00010000,-99997,",
        "3,Hoek,Proefdorp,Buurt     ,BU00010001,-99995,12",
    ])
    records = load_kerncijfers(path, peiljaar=2024, gemeenten="GM0001").records.set_index(["gebiedscode", "variabele"])
    assert records.loc[("GM0001", "AantalInwoners"), "waarde"] == 1200
    assert pd.isna(records.loc[("GM0001", "AantalInwoners"), "status"])
    expected = {("WK000100", "Bevolkingsdichtheid"): "geheim of onbekend", ("BU00010000", "AantalInwoners"): "geheim",
                ("BU00010000", "Bevolkingsdichtheid"): "ontbreekt", ("BU00010001", "AantalInwoners"): "ontbreekt"}
    for key, status in expected.items():
        assert pd.isna(records.loc[key, "waarde"]), key   # never the sentinel itself
        assert records.loc[key, "status"] == status


def test_rows_of_other_municipalities_are_read_but_not_returned(tmp_path):
    path = write_table(tmp_path / "k.csv", ["0,Proefdorp,Proefdorp,Gemeente,GM0001,1200,350",
                                            "1,Elders,Elders,Gemeente,GM0002,800,90"])
    loaded = load_kerncijfers(path, peiljaar=2024, gemeenten="GM0001")
    assert loaded.read == 2 and set(loaded.records["gebiedscode"]) == {"GM0001"}


def test_a_value_that_is_no_number_names_row_and_field(tmp_path):
    path = write_table(tmp_path / "k.csv", ["0,Proefdorp,Proefdorp,Gemeente,GM0001,1200,350",
                                            "1,Dorp,Proefdorp,Buurt,BU00010000,veel,350"])
    with pytest.raises(ValidationError, match=r"k\.csv: .*rij 3, veld 'AantalInwoners_4': 'veel' is geen getal"):
        load_kerncijfers(path, peiljaar=2024, gemeenten="GM0001")


def test_missing_code_column_and_wrong_gemeente_are_refused(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("ID,WijkenEnBuurten,AantalInwoners_4\n0,Proefdorp,1200\n")
    with pytest.raises(ValidationError, match=r"geen kolom met gebiedscodes: verwacht Codering_<n>"):
        load_kerncijfers(path, peiljaar=2024, gemeenten="GM0001")
    other = write_table(tmp_path / "k2.csv", ["0,Elders,Elders,Gemeente,GM0002,800,90"])
    with pytest.raises(SourceError, match=r"geen rijen van gemeente GM0001"):
        load_kerncijfers(other, peiljaar=2024, gemeenten="GM0001")


def test_demo_table_has_every_area_once_per_variable():
    loaded = load_kerncijfers(REPO / "data/cbs/kerncijfers_85984NED.csv", peiljaar=2024, gemeenten="GM9901")
    inwoners = loaded.records[loaded.records["variabele"] == "AantalInwoners"]
    assert len(inwoners) == 51 and inwoners["gebiedscode"].is_unique
    buurten = inwoners[inwoners["soort_regio"] == "buurt"]
    gemeente = inwoners[inwoners["soort_regio"] == "gemeente"]
    # buurt counts are rounded to 5, so they add up to the gemeente's within 2.5 per buurt
    assert abs(buurten["waarde"].sum() - gemeente["waarde"].iloc[0]) <= 2.5 * len(buurten)


@responses.activate
def test_cbsodata_download_asks_only_for_this_municipality():
    responses.get(f"{ODATA}/", json=recorded("cbs/85984NED_root.json"))
    for name in ("TableInfos", "DataProperties", "CategoryGroups", "WijkenEnBuurten"):
        responses.get(f"{ODATA}/{name}", json=recorded(f"cbs/85984NED_{name}.json"))
    wanted = ("startswith(WijkenEnBuurten,'GM0400') or startswith(WijkenEnBuurten,'WK0400') "
              "or startswith(WijkenEnBuurten,'BU0400')")
    responses.get(f"{ODATA}/TypedDataSet", json=recorded("cbs/85984NED_TypedDataSet.json"),
                  match=[matchers.query_param_matcher({"$format": "json", "$filter": wanted})])
    table = download_kerncijfers("85984NED", gemeentecode="GM0400")  # as `wijkatlas fetch` does
    loaded = validate_kerncijfers(table.astype("string"), source="CBS StatLine 85984NED", peiljaar=2024,
                                  gemeenten="GM0400")
    records = loaded.records.set_index(["gebiedscode", "variabele"])
    assert records.loc[("GM0400", "AantalInwoners"), "waarde"] == 56380
    assert records.loc[("BU04000001", "GemiddeldeWOZWaardeVanWoningen"), "status"] == "ontbreekt"
    assert records.loc[("BU04000000", "AantalInwoners"), "gebiedsnaam"] == "Centrum"  # dimension title
    assert loaded.read == 4


def test_region_codes_are_padded_as_cbs_pads_them():
    codes = pd.Series(["GM0534    ", "wk053400", "WK53401", "BU5340000", "GM12345", None])
    assert padded_codes(codes).tolist()[:5] == ["GM0534", "WK053400", "WK053401", "BU05340000", "GM12345"]
    assert pd.isna(padded_codes(codes).iloc[5])


CBSODATA_RECORDS = [  # as cbsodata.get_data returns them: keys as columns, titles for the region dimension
    {"ID": 0, "WijkenEnBuurten": "Proefdorp", "Gemeentenaam_1": "Proefdorp                               ",
     "SoortRegio_2": "Gemeente  ", "Codering_3": "GM0001    ", "AantalInwoners_5": 1200, "Bevolkingsdichtheid_34": 350,
     "OppervlakteLand_123": 343},
    {"ID": 1, "WijkenEnBuurten": "Wijk 00 Kern", "Gemeentenaam_1": "Proefdorp                               ",
     "SoortRegio_2": "Wijk      ", "Codering_3": "WK000100  ", "AantalInwoners_5": 1200, "Bevolkingsdichtheid_34": None,
     "OppervlakteLand_123": 343},
]


@pytest.mark.parametrize("layout", ["records", "odata"])
def test_cbsodata_json_record_list_and_odata_answer_are_read(tmp_path, layout):
    import json
    path = tmp_path / "kerncijfers_85984NED.json"
    document = CBSODATA_RECORDS if layout == "records" else {"odata.metadata": "…", "value": CBSODATA_RECORDS}
    path.write_text(json.dumps(document), encoding="utf-8")
    records = load_kerncijfers(path, peiljaar=2024, gemeenten="GM0001").records.set_index(
        ["gebiedscode", "variabele"])
    assert records.loc[("GM0001", "AantalInwoners"), "waarde"] == 1200
    assert records.loc[("WK000100", "OppervlakteLand"), "waarde"] == 343
    assert records.loc[("WK000100", "AantalInwoners"), "gebiedsnaam"] == "Wijk 00 Kern"
    assert records.loc[("WK000100", "Bevolkingsdichtheid"), "status"] == "ontbreekt"
    assert set(records["soort_regio"]) == {"gemeente", "wijk"}  # wijk rows without buurt rows are normal


def test_typed_dataset_with_codes_in_the_region_dimension_is_read():
    loaded = load_kerncijfers(FIXTURES / "cbs" / "85984NED_TypedDataSet.json", peiljaar=2024, gemeenten="GM0400")
    records = loaded.records.set_index(["gebiedscode", "variabele"])
    assert records.loc[("WK040000", "AantalInwoners"), "waarde"] == 2555
    assert records.loc[("BU04000000", "AantalInwoners"), "soort_regio"] == "buurt"


def test_statline_csv_export_with_titles_quotes_and_dots_is_read(tmp_path):
    path = tmp_path / "Kerncijfers_wijken_en_buurten_2024.csv"
    path.write_text(
        '"ID";"Wijken en buurten";"Regioaanduiding/Gemeentenaam (naam)";"Regioaanduiding/Soort regio (omschrijving)";'
        '"Regioaanduiding/Codering (code)";"Bevolking/Aantal inwoners (aantal)";'
        '"Bevolking/Bevolkingsdichtheid (aantal inwoners per km²)"\n'
        '"0";"Proefdorp";"Proefdorp";"Gemeente";"GM0001";"1200";"350"\n'
        '"1";"Wijk 00 Kern";"Proefdorp";"Wijk";"WK000100";"1200";"."\n', encoding="utf-8")
    records = load_kerncijfers(path, peiljaar=2024, gemeenten="GM0001").records.set_index(
        ["gebiedscode", "variabele"])
    assert records.loc[("WK000100", "AantalInwoners"), "waarde"] == 1200
    assert records.loc[("WK000100", "Bevolkingsdichtheid"), "status"] == "geheim of onbekend"


def test_kerncijfers_json_that_is_no_record_list_is_one_clear_error(tmp_path):
    path = tmp_path / "k.json"
    path.write_text('{"rows": 3}', encoding="utf-8")
    with pytest.raises(SourceError, match=r"k\.json: verwacht een lijst van records"):
        load_kerncijfers(path, peiljaar=2024, gemeenten="GM0001")

"""The indicator products of the demo build, as stored and exported."""

import re

import openpyxl
import pandas as pd
import pyogrio

from wijkatlas.cli import main
from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.indicators.export import dutch_number
from wijkatlas.store import read_layer


def test_every_indicator_has_values_at_three_levels_and_a_definition(demo_out):
    store = demo_out / "datapakhuis.gpkg"
    long = pyogrio.read_dataframe(store, layer="indicatoren_lang_intern")
    definitions = pyogrio.read_dataframe(store, layer="indicator_definities")
    catalog = load_catalog()
    assert set(definitions["indicator"]) == set(catalog.indicators) and len(catalog.indicators) >= 30
    levels = long.dropna(subset=["waarde"]).groupby("indicator")["niveau"].unique().map(set)
    assert all(levels[i] == {"buurt", "wijk", "gemeente"} for i in catalog.indicators)


def test_wide_layers_have_geometry_and_the_public_ones_no_numerators(demo_out):
    store = demo_out / "datapakhuis.gpkg"
    for niveau, rows in (("buurt", 40), ("wijk", 10), ("gemeente", 1)):
        public = pyogrio.read_dataframe(store, layer=f"indicatoren_{niveau}_openbaar")
        assert len(public) == rows and public.crs == "EPSG:28992" and public.geometry.notna().all()
        assert "inwoners__status" in public.columns
    long_public = pyogrio.read_dataframe(store, layer="indicatoren_lang_openbaar")
    assert not {"teller", "noemer"} & set(long_public.columns)
    assert {"teller", "noemer"} <= set(pyogrio.read_dataframe(store, layer="indicatoren_lang_intern").columns)


def test_public_counts_of_persons_are_rounded_to_five_below_the_gemeente(demo_out):
    long = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="indicatoren_lang_openbaar")
    people = long[(long["indicator"].isin(["inwoners", "huishoudens"])) & long["waarde"].notna()]
    assert (people.loc[people["niveau"] != "gemeente", "waarde"] % 5 == 0).all()


def test_quality_layer(demo_out):
    quality = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="indicator_kwaliteit")
    meldingen = quality[(quality["indicator"] == "meldingen_per_1000") & (quality["niveau"] == "gemeente")]
    assert (meldingen["bron_afgekeurd"] == 14).all() and (meldingen["bron_buiten"] == 15).all()
    yearly = meldingen.set_index("peiljaar")["records_gebruikt"]
    assert yearly.sum() == 4973  # every assigned melding counted in its own year


def test_excel_exports_have_definitions_and_quality(demo_out):
    for folder, counts in ((demo_out / "export", []), (demo_out / "export" / "intern", ["Records gebruikt"])):
        workbook = openpyxl.load_workbook(folder / "indicatoren_wijk.xlsx", read_only=True)
        assert workbook.sheetnames == ["Wijken", "Definities", "Datakwaliteit", *counts, "Bronnen", "Signalering"]
        header = next(workbook["Wijken"].iter_rows(max_row=1, values_only=True))
        assert header[:2] == ("Gebiedscode", "Gebiedsnaam") and "Aantal inwoners (aantal, 2024)" in header
        quality = pd.read_excel(folder / "indicatoren_wijk.xlsx", sheet_name="Datakwaliteit")
        figures = pd.read_excel(folder / "indicatoren_wijk.xlsx", sheet_name="Wijken")
        assert quality["Gebiedscode"].tolist() == figures["Gebiedscode"].tolist()  # laid out as the figures
        assert "Meldingen openbare ruimte per 1 000 inwoners (% ontbrekend, 2024)" in quality.columns
        sources = pd.read_excel(folder / "indicatoren_wijk.xlsx", sheet_name="Bronnen").set_index("Indicator")
        assert sources.loc["meldingen_per_1000", ["Bron: afgekeurd", "Bron: buiten de gemeente"]].tolist() == [14, 15]
    used = pd.read_excel(demo_out / "export" / "intern" / "indicatoren_gemeente.xlsx", sheet_name="Records gebruikt")
    assert used["Meldingen openbare ruimte per 1 000 inwoners (records, 2024)"].tolist() == [
        read_layer(demo_out / "datapakhuis.gpkg", "indicator_kwaliteit").query(
            "indicator == 'meldingen_per_1000' and niveau == 'gemeente' and peiljaar == 2024")["records_gebruikt"].item()]
    public = pd.read_csv(demo_out / "export" / "indicatoren_buurt.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(public) == 40 and (public == "geheim").any().any()
    intern = pd.read_csv(demo_out / "export" / "intern" / "indicatoren_buurt.csv", sep=";", decimal=",",
                         encoding="utf-8-sig")
    assert not (intern == "geheim").any().any()


def test_csv_exports_are_written_for_dutch_excel(demo_out):
    text = (demo_out / "export" / "intern" / "indicatoren_wijk.csv").read_text(encoding="utf-8-sig")
    rows = [line.split(";") for line in text.splitlines()]
    cells = [cell for row in rows[1:] for cell in row[2:] if cell]
    assert cells and all(re.fullmatch(r"-?\d+(,\d{1,2})?|geheim", cell) for cell in cells), cells[:20]
    assert any("," in cell for cell in cells)  # shares and densities keep their decimals, with a comma


def test_dutch_numbers_round_sensibly():
    assert [dutch_number(v) for v in (3010.0, 4670.287044220326, 4.2671, -0.5, "geheim", float("nan"))][:5] == [
        "3010", "4670,3", "4,27", "-0,50", "geheim"]


def test_cli_lists_catalog_and_prints_profiles(demo_out, capsys):
    assert main(["indicators"]) == 0
    assert "gemiddelde_woz" in capsys.readouterr().out
    assert main(["profile", "WK990100", "--out", str(demo_out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Wijkprofiel Centrum (WK990100)") and "Bron: CBS" in text and "LEEFBAARHEID" in text
    assert main(["profile", "WK990108", "--out", str(demo_out)]) == 0
    assert "geheim — te kleine aantallen" in capsys.readouterr().out
    assert main(["profile", "BU99010101", "--out", str(demo_out)]) == 0
    assert capsys.readouterr().out.startswith("Buurtprofiel ")
    assert main(["profile", "WK990100", "--intern", "--out", str(demo_out)]) == 0
    intern = capsys.readouterr().out.strip().splitlines()
    assert intern[0] == intern[-1] == "INTERN — cijfers zonder geheimhouding; niet publiceren of doorsturen"
    assert main(["profile", "WK000000", "--out", str(demo_out)]) == 1
    assert "wijk 'WK000000' niet gevonden" in capsys.readouterr().err

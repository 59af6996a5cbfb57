"""Realistic bad input, each made from the demo's own files: one clear `fout:` line or a build that
accounts for every record, never a traceback, and a failed run leaves the previous outputs untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from wijkatlas import outputs
from wijkatlas.cli import main
from wijkatlas.settings import DEMO_DATA_DIR

SPORT = "registraties/sportaanbieders.csv"
KAVELS = "registraties/kavels.xlsx"
MELDINGEN = "registraties/meldingen.geojson"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("fout: ")]


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of the demo's data folder to break."""
    target = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


@pytest.fixture
def previous(demo_out, tmp_path) -> Path:
    """The outputs of an earlier, good build, which a failed run must leave exactly as they are."""
    out = tmp_path / "out"
    shutil.copytree(demo_out, out, ignore=shutil.ignore_patterns("serve-*.log", "openbaar"))
    return out


@pytest.fixture
def build(capsys):
    def run(config: Path, out: Path) -> Run:
        code = main(["build", str(config), "--out", str(out)])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)
    return run


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def fails_cleanly(run: Run, *fragments: str) -> str:
    assert run.code == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert len(run.errors) == 1, run.errors
    for fragment in fragments:
        assert fragment in run.errors[0], run.errors[0]
    return run.errors[0]


def config_with(data: Path, extra: str = "", replace: tuple[str, str] | None = None) -> Path:
    text = (data / "demo.toml").read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    path = data / "demo.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def layer(out: Path, name: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(out / "datapakhuis.gpkg", layer=name)


# --- files that cannot be used: one line, previous outputs untouched -------------------------------------


def sport_lines(data: Path) -> list[str]:
    return (data / SPORT).read_text(encoding="cp1252").splitlines()


def write_sport(data: Path, lines: list[str], encoding: str = "cp1252") -> None:
    (data / SPORT).write_bytes(("\n".join(lines) + "\n").encode(encoding))


def test_an_unquoted_separator_inside_a_field_names_the_row(data, previous, build):
    lines = sport_lines(data)
    lines[12] = lines[12].replace("Sportpark", "Sportpark; hal 2", 1)
    write_sport(data, lines)
    before = fingerprint(previous)
    fails_cleanly(build(data / "demo.toml", previous), "sportaanbieders.csv, rij 13:",
                  "staat er een ';' in een tekstveld zonder aanhalingstekens?")
    assert fingerprint(previous) == before


def test_a_stray_cp1252_byte_in_a_utf8_file_is_refused_with_its_row(data, previous, build):
    text = ("\n".join(sport_lines(data)) + "\n").encode("utf-8")
    first = text.index("Israëls".encode(), text.index(b"\nSP0005"))
    text = text[:first] + "Israëls".encode("cp1252") + text[first + len("Israëls".encode()):]
    (data / SPORT).write_bytes(text)  # UTF-8, with one cell pasted from a cp1252 program
    config = config_with(data, replace=('encoding = "cp1252"\n', ""))
    before = fingerprint(previous)
    row = text[:first].count(b"\n") + 1
    fails_cleanly(build(config, previous), f"sportaanbieders.csv, rij {row}:", "byte 0xEB is geen utf-8-sig",
                  "sla het bestand opnieuw op als UTF-8")
    assert fingerprint(previous) == before


@pytest.mark.parametrize(("breakage", "fragments"), [
    ("password", ("kavels.xlsx", "beveiligd met een wachtwoord")),
    ("empty_sheet", ("kavels.xlsx", "werkblad 'Kavels' is leeg")),
    ("truncated_geojson", ("meldingen.geojson", "niet te lezen als GIS-bestand")),
    ("geometry_layer", ("kavels.gpkg", "laag 'percelen' bestaat niet; lagen: ['kavels']")),
    ("corrupt_raster", ("groen_10m.tif", "niet te lezen als raster")),
    ("corrupt_bag", ("verblijfsobjecten.gpkg", "niet te lezen als GIS-bestand")),
    ("rd_as_wgs84", ("kavels.gpkg", "zijn RD-meters, maar worden als lengte- en breedtegraden gelezen")),
])
def test_unusable_files_are_one_clear_line(data, previous, build, breakage, fragments):
    config = data / "demo.toml"
    if breakage == "password":  # an encrypted OOXML file is an OLE container, not a zip
        (data / KAVELS).write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4096)
    elif breakage == "empty_sheet":
        workbook = openpyxl.Workbook()
        workbook.active.title = "Kavels"
        workbook.save(data / KAVELS)
    elif breakage == "truncated_geojson":
        text = (data / MELDINGEN).read_text(encoding="utf-8")
        (data / MELDINGEN).write_text(text[: len(text) // 2], encoding="utf-8")
    elif breakage == "geometry_layer":
        config = config_with(data, replace=('layer = "kavels", key', 'layer = "percelen", key'))
    elif breakage == "corrupt_raster":
        raster = data / "raster" / "groen_10m.tif"
        raster.write_bytes(raster.read_bytes()[:600])
    elif breakage == "corrupt_bag":
        bag = data / "bag" / "verblijfsobjecten.gpkg"
        bag.write_bytes(b"SQLite format 3\0" + b"\x07" * 5000)
    elif breakage == "rd_as_wgs84":
        kavels = gpd.read_file(data / "registraties" / "kavels.gpkg").set_crs(4326, allow_override=True)
        kavels.to_file(data / "registraties" / "kavels.gpkg", layer="kavels", engine="pyogrio")
    before = fingerprint(previous)
    fails_cleanly(build(config, previous), *fragments)
    assert fingerprint(previous) == before


@pytest.mark.parametrize(("change", "fragment"), [
    (('encoding = "cp1252"', 'encoding = "ANSI"'), "encoding is 'ANSI', een onbekende tekstcodering; gebruik 'cp1252'"),
    (('y = "Y"\n', 'y = "Y"\nxy_crs = "RD"\n'), "xy_crs is 'RD', geen bekend coördinatenstelsel"),
    (('peiljaar = 2024', 'peiljaar = "2024a"'), "kerncijfers[2].peiljaar is '2024a' maar moet een jaartal zijn"),
    (('[raster.groen]\nfile = "raster/groen_10m.tif"\ntitle = "Aandeel groen"\nunit = "%"\n',
      '[raster]\ngroen = "raster/groen_10m.tif"\n'), "[raster] vraagt per bron een naam"),
    (('categories = ["beschikbaar", "in optie", "verkocht"]', 'categories = "beschikbaar"'),
     "registraties.kavels.categories moet een lijst van teksten zijn"),
])
def test_configuration_mistakes_are_one_clear_line(data, previous, build, change, fragment):
    config = config_with(data, replace=change)
    before = fingerprint(previous)
    fails_cleanly(build(config, previous), "demo.toml", fragment)
    assert fingerprint(previous) == before


def test_a_registration_table_without_a_name_is_explained(data, build, tmp_path):
    text = (data / "demo.toml").read_text(encoding="utf-8") + '\n[registraties]\nfile = "x.csv"\n'
    (data / "bad.toml").write_text(text.replace("[registraties.", "[oud."), encoding="utf-8")
    (data / "bad.toml").write_text(
        '[gemeente]\ncode = "GM9901"\nnaam = "H"\n[gebieden]\nfile = "cbs/wijkbuurtkaart_2024.gpkg"\n'
        '[registraties]\nfile = "registraties/sportaanbieders.csv"\n', encoding="utf-8")
    fails_cleanly(build(data / "bad.toml", tmp_path / "out"), "[registraties] vraagt per bron een naam",
                  "[registraties.sportvoorzieningen]")


def test_a_basis_figure_that_is_an_indicator_is_refused_by_catalog_validation(data, build, tmp_path):
    from helpers import REPO
    catalog = (REPO / "indicators" / "catalog.toml").read_text(encoding="utf-8").replace(
        'inwoners = { cbs = "AantalInwoners" }', 'inwoners = { indicator = "inwoners" }')
    (data / "catalog.toml").write_text(catalog, encoding="utf-8")
    config = config_with(data, replace=("[indicators]\n", '[indicators]\ncatalog = "catalog.toml"\n'))
    fails_cleanly(build(config, tmp_path / "out"), "basis.inwoners: een basisgegeven is een van")


@pytest.mark.parametrize("named", [True, False])  # GDAL's full disk names no file
def test_a_failure_after_writing_leaves_every_previous_output_as_it_was(data, previous, build, monkeypatch, named):
    import wijkatlas.build

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device", *([str(previous / "viewers")] if named else []))

    monkeypatch.setattr(wijkatlas.build, "write_site", broken)  # the last output a build writes
    before = fingerprint(previous)
    run = build(data / "demo.toml", previous)
    assert run.code == 1 and "Traceback" not in run.stderr
    where = f"{previous / 'viewers'}: " if named else ""
    assert run.errors == [f"fout: {where}No space left on device; de vorige uitvoer is niet veranderd"]
    assert fingerprint(previous) == before
    assert not list(previous.glob(".bouw-*"))


def test_a_kill_before_the_journal_leaves_the_old_outputs_and_a_kill_after_it_completes_the_new(tmp_path):
    out = tmp_path / "out"
    (out / "export").mkdir(parents=True)
    (out / "datapakhuis.gpkg").write_text("oud", encoding="utf-8")
    (out / "export" / "a.csv").write_text("oud", encoding="utf-8")
    (out / ".datapakhuis-x1.gpkg").write_text("half", encoding="utf-8")  # a store write killed halfway
    unfinished = out / ".bouw-unfinished"
    unfinished.mkdir()
    (unfinished / "datapakhuis.gpkg").write_text("half nieuw", encoding="utf-8")
    outputs.recover(out)
    assert (out / "datapakhuis.gpkg").read_text(encoding="utf-8") == "oud"
    assert sorted(p.name for p in out.iterdir()) == ["datapakhuis.gpkg", "export"]

    swapping = out / ".bouw-swapping"
    (swapping / "export").mkdir(parents=True)
    (swapping / "export" / "a.csv").write_text("nieuw", encoding="utf-8")
    (swapping / outputs.JOURNAL).write_text(json.dumps(["datapakhuis.gpkg", "export"]), encoding="utf-8")
    (out / "datapakhuis.gpkg").write_text("nieuw", encoding="utf-8")  # moved in before the kill
    outputs.recover(out)
    assert (out / "datapakhuis.gpkg").read_text(encoding="utf-8") == "nieuw"
    assert (out / "export" / "a.csv").read_text(encoding="utf-8") == "nieuw"
    assert sorted(p.name for p in out.iterdir()) == ["datapakhuis.gpkg", "export"]


# --- records that are odd but usable: every one accounted for, nothing silently changed --------------


def test_source_columns_named_like_validated_fields_change_nothing(data, demo_out, build, tmp_path):
    document = json.loads((data / MELDINGEN).read_text(encoding="utf-8"))
    for feature in document["features"]:
        feature["properties"] |= {"categorie": "Overig", "datum": "2021-01-01"}
    (data / MELDINGEN).write_text(json.dumps(document), encoding="utf-8")
    lines = sport_lines(data)
    lines[0] += ";Categorie;Buurtcode"
    lines[1:] = [line + ";jeugd;BU00000000" for line in lines[1:]]
    write_sport(data, lines)
    out = tmp_path / "out"
    run = build(data / "demo.toml", out)
    assert run.code == 0, run.stderr[-2000:]
    expected = layer(demo_out, "indicatoren_lang_intern").set_index(["indicator", "peiljaar", "gebiedscode"])
    got = layer(out, "indicatoren_lang_intern").set_index(["indicator", "peiljaar", "gebiedscode"])
    for indicator in ("meldingen_overlast_per_1000", "meldingen_afval_per_1000", "woningen_binnen_1km_voetbal"):
        pd.testing.assert_series_equal(got.loc[indicator, "waarde"], expected.loc[indicator, "waarde"])
    meldingen = layer(out, "meldingen")
    assert {"bron_categorie", "bron_datum"} <= set(meldingen.columns)
    assert (pd.to_datetime(meldingen["datum"]).dt.year >= 2022).all()  # not redated to 2021
    assert "kolom 'categorie' heet als een eigen kolom van Wijkatlas en is bewaard als 'bron_categorie'" in run.stdout
    sport = layer(out, "sportvoorzieningen")
    assert sport["buurtcode"].dropna().str.startswith("BU9901").all() and (sport["bron_buurtcode"] == "BU00000000").all()


def test_a_messy_csv_keeps_every_record_its_row_and_its_text(data, build, tmp_path):
    lines = sport_lines(data)
    header = lines[0].split(";")
    lines[0] = ";".join(header[:-1] + ["Telefoon", "Telefoon"])  # a repeated column name ...
    lines[1:] = [";".join(line.split(";")[:-1] + ["0612345678", "0201234567"]) for line in lines[1:]]
    nul = lines[5].split(";")
    nul[1] = "LTV\0Victoria"
    lines[5] = ";".join(nul)
    swapped = lines[30].split(";")
    swapped[8], swapped[9] = "503065,46", "232829,39"  # typed with decimal commas
    lines[30] = ";".join(swapped)
    lines.insert(20, "")  # a blank line ...
    lines.insert(40, ";;;;;;;;;;;")  # ... and an empty row
    lines.insert(0, "sep=;")  # as Excel writes it
    write_sport(data, lines)
    out = tmp_path / "out"
    run = build(data / "demo.toml", out)
    assert run.code == 0, run.stderr[-2000:]
    reconciliation = layer(out, "reconciliatie").set_index("bron").loc["sportvoorzieningen"]
    assert reconciliation["gelezen"] == 66 == reconciliation[["toegewezen", "buiten", "afgekeurd"]].sum()
    rejected = layer(out, "afgekeurd")
    sport = rejected[rejected["bron"] == "sportvoorzieningen"].set_index("id")
    file_rows = {line.split(";")[0]: number for number, line in enumerate(lines, start=1) if line.count(";") > 3}
    for record_id, row in sport["rij"].items():
        assert row == file_rows[record_id], record_id  # row numbers as Excel shows them, blank lines included
    nul_id = nul[0]
    assert sport.loc[nul_id, "reden_code"] == "teken_ongeldig" and sport.loc[nul_id, "waarde"] == "LTV\\x00Victoria"
    assert sport.loc[swapped[0], "waarde"] == "503065,46 232829,39"  # as typed, not as parsed
    assert sport.loc[swapped[0], "bestand"].endswith("sportaanbieders.csv")
    kept = layer(out, "sportvoorzieningen")
    assert (kept["telefoon"] == "0612345678").all() and (kept["telefoon_1"] == "0201234567").all()
    assert "kolom 'Telefoon' staat 2 keer in de kopregel" in run.stdout
    empty = [number for number, line in enumerate(lines, start=1) if not line.strip(";")]
    assert f"{len(empty)} lege rij(en) overgeslagen (rij {', '.join(map(str, empty))})" in run.stdout


def test_kavels_as_a_real_excel_and_gis_export_lose_nothing(data, build, tmp_path):
    workbook = openpyxl.load_workbook(data / KAVELS)
    sheet = workbook["Kavels"]
    sheet.insert_rows(1, amount=2)
    sheet.cell(1, 1).value = "Kaveladministratie, stand november 2024"  # a title above the header
    terrain = sheet.cell(4, 2).value
    sheet.cell(5, 2).value = None
    sheet.cell(6, 2).value = None
    sheet.merge_cells(start_row=4, start_column=2, end_row=6, end_column=2)  # one terrain for three kavels
    sheet.cell(7, 8).value = 45_567  # an Excel date serial: 2024-10-02
    sheet.cell(8, 8).value = "31/12/24"
    sheet.cell(9, 8).value = "31-12-2024 14:35:00"
    workbook.save(data / KAVELS)
    workbook = openpyxl.load_workbook(data / KAVELS)
    ids = [row[0] for row in workbook["Kavels"].iter_rows(min_row=4, values_only=True)]
    polygons = gpd.read_file(data / "registraties" / "kavels.gpkg")
    bowtie = shapely.Polygon([(0, 0), (40, 40), (40, 0), (0, 40)])
    first = polygons["kavelnummer"] == ids[0]
    x, y = polygons.loc[first].geometry.iloc[0].centroid.coords[0]
    polygons.loc[first, "geometry"] = shapely.affinity.translate(bowtie, x - 20, y - 20)  # self-intersecting
    extra = polygons[polygons["kavelnummer"] == ids[1]].copy()  # a second polygon for an existing kavel
    polygons = pd.concat([polygons, extra], ignore_index=True)
    polygons.to_file(data / "registraties" / "kavels.gpkg", layer="kavels", engine="pyogrio")
    out = tmp_path / "out"
    run = build(data / "demo.toml", out)
    assert run.code == 0, run.stderr[-2000:]
    kavels = layer(out, "kavels").set_index("bron_id")
    assert (kavels.loc[ids[:3], "terrein"] == terrain).all()
    assert kavels.loc[ids[0]].geometry.is_valid
    dates = pd.to_datetime(kavels.loc[ids[3:6], "datum"])
    assert [d.date().isoformat() for d in dates] == ["2024-10-02", "2024-12-31", "2024-12-31"]
    rejected = layer(out, "afgekeurd")
    doubled = rejected[rejected["reden_code"] == "geometrie_dubbel"]
    assert doubled["id"].tolist() == [ids[1]] and doubled["bestand"].iloc[0].endswith("kavels.gpkg")
    reconciliation = layer(out, "reconciliatie").set_index("bron").loc["kavels"]
    assert reconciliation["gelezen"] == reconciliation[["toegewezen", "buiten", "afgekeurd"]].sum()
    assert "1 ongeldige geometrie(ën) hersteld met make_valid" in run.stdout
    assert "samengevoegde cel(len)" in run.stdout and "kopregel gevonden in rij 3" in run.stdout


def test_formulas_in_data_stay_text_in_every_spreadsheet(data, build, tmp_path):
    kaart = data / "cbs" / "wijkbuurtkaart_2024.gpkg"
    buurten = gpd.read_file(kaart, layer="buurten")
    buurten.loc[buurten["buurtcode"] == "BU99010000", "buurtnaam"] = '=HYPERLINK("http://evil","Centrum")'
    buurten.to_file(kaart, layer="buurten", engine="pyogrio")
    lines = sport_lines(data)
    lines[1] = lines[1].replace(";hockey;", ";=cmd|' /C calc'!A0;", 1)
    write_sport(data, lines)
    out = tmp_path / "out"
    assert build(data / "demo.toml", out).code == 0
    assert "'=cmd|" in (out / "afgekeurd.csv").read_text(encoding="utf-8-sig")
    workbook = openpyxl.load_workbook(out / "export" / "indicatoren_buurt.xlsx")
    names = [row[1] for row in workbook["Buurten"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://evil\",\"Centrum\")" in names
    assert not [c for row in workbook["Buurten"].iter_rows() for c in row if c.data_type == "f"]


def test_a_buurt_missing_from_the_map_is_named(data, build, tmp_path):
    kaart = data / "cbs" / "wijkbuurtkaart_2024.gpkg"
    layers = {name: gpd.read_file(kaart, layer=name) for name in ("gemeenten", "wijken", "buurten")}
    layers["buurten"] = layers["buurten"][layers["buurten"]["buurtcode"] != "BU99010001"]
    kaart.unlink()
    for name, frame in layers.items():
        frame.to_file(kaart, layer=name, engine="pyogrio")
    out = tmp_path / "out"
    run = build(data / "demo.toml", out)
    assert run.code == 0
    assert "de kerncijfers noemen 1 gebied(en) die in de grenzen ontbreken (BU99010001)" in run.stdout
    rejected = layer(out, "afgekeurd")
    missing = rejected[(rejected["bron"] == "kerncijfers") & (rejected["id"] == "BU99010001")]
    assert len(missing) == 3 and missing["rij"].notna().all() and missing["bestand"].str.contains("kerncijfers").all()


def test_a_registration_mostly_outside_the_gemeente_is_flagged(data, build, tmp_path):
    lines = sport_lines(data)
    for number in range(1, 52):  # moved 30 km east
        fields = lines[number].split(";")
        if fields[8]:
            fields[8] = str(round(float(fields[8].replace(",", ".")) + 30_000, 2)).replace(".", ",")
        lines[number] = ";".join(fields)
    write_sport(data, lines)
    run = build(data / "demo.toml", tmp_path / "out")
    assert run.code == 0
    assert "records van 'sportvoorzieningen' liggen buiten de gemeente" in run.stdout
    warnings = layer(tmp_path / "out", "waarschuwingen")
    assert (warnings["bron"] == "sportvoorzieningen").any()


def test_bag_rejections_are_filed_under_the_source_the_reconciliation_names(demo_out):
    reconciliation = layer(demo_out, "reconciliatie")
    rejected = layer(demo_out, "afgekeurd")
    assert set(rejected["bron"]) <= set(reconciliation["bron"])
    assert rejected["bestand"].str.len().gt(0).all()


def test_a_wrong_encoding_is_named_when_the_columns_come_out_garbled(data, build, tmp_path):
    text = (data / SPORT).read_text(encoding="cp1252").replace("Aantal leden", "Aantal leden (≥ 18 jaar)")
    (data / SPORT).write_bytes(text.replace("Nummer", "Nümmer").encode("utf-8"))
    config = config_with(data, replace=('id = "Nummer"', 'id = "Nümmer"'))
    fails_cleanly(build(config, tmp_path / "out"), "sportaanbieders.csv", "de kolomnamen lijken verminkt: klopt 'encoding'")

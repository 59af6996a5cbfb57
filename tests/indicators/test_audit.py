"""The attacker's audit: hidden counts stay unpinned, and planted leaks of every kind are caught."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest

from wijkatlas.cli import main
from wijkatlas.indicators.audit import audit, protect_by_audit
from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.openbaar import check_public_outputs
from wijkatlas.store import read_layer, write_store

COUNT = "sportvoorzieningen"  # a count indicator: its figure is the count itself


def random_municipality(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas and one count per area (buurt counts 0..30, not multiples of 5; wijken and gemeente their sums)."""
    areas, public, _ = random_municipality_with_truth(rng)
    return areas, public


def random_municipality_with_truth(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """:func:`random_municipality`, and the true count of every area."""
    areas, counts = [], {}
    for w in range(int(rng.integers(2, 6))):
        wijk = f"WK0001{w:02d}"
        areas.append({"niveau": "wijk", "gebiedscode": wijk, "wijkcode": wijk})
        for b in range(int(rng.integers(2, 6))):
            buurt = f"BU0001{w:02d}{b:02d}"
            areas.append({"niveau": "buurt", "gebiedscode": buurt, "wijkcode": wijk})
            counts[buurt] = int(rng.choice([0, 1, 2, 3, 4, *range(6, 31)]))
        counts[wijk] = sum(v for k, v in counts.items() if k.startswith("BU" + wijk[2:]))
    areas.append({"niveau": "gemeente", "gebiedscode": "GM0001", "wijkcode": None})
    counts["GM0001"] = sum(v for k, v in counts.items() if k.startswith("WK"))
    areas_frame = pd.DataFrame(areas)
    public = areas_frame[["niveau", "gebiedscode"]].assign(
        indicator=COUNT, peiljaar=2024, waarde=areas_frame["gebiedscode"].map(counts).astype(float), status=None)
    truth = public.set_index("gebiedscode")["waarde"].copy()
    small = public["niveau"].ne("gemeente") & public["waarde"].between(1, 4)
    public.loc[small, ["waarde", "status"]] = [np.nan, "geheim"]
    return areas_frame, public, truth


@pytest.mark.parametrize("seed", range(25))
def test_after_protection_no_hidden_count_is_pinned_on_random_municipalities(seed):
    areas, public = random_municipality(np.random.default_rng(seed))
    catalog = load_catalog()
    before = audit(public, catalog, areas)
    more = protect_by_audit(public, catalog, areas, seed=seed)
    public.loc[more, ["waarde", "status"]] = [np.nan, "geheim"]
    after = audit(public, catalog, areas)
    assert after["veilig"].all(), after[~after["veilig"]]
    if len(before) and not before["veilig"].all():
        assert more  # protection had work to do, and did it


def test_a_lone_small_count_beside_published_siblings_is_pinned_by_the_hierarchy():
    areas = pd.DataFrame([{"niveau": "wijk", "gebiedscode": "WK000100", "wijkcode": "WK000100"},
                          {"niveau": "buurt", "gebiedscode": "BU00010000", "wijkcode": "WK000100"},
                          {"niveau": "buurt", "gebiedscode": "BU00010001", "wijkcode": "WK000100"},
                          {"niveau": "gemeente", "gebiedscode": "GM0001", "wijkcode": None}])
    public = pd.DataFrame({"indicator": COUNT, "peiljaar": 2024, "niveau": areas["niveau"],
                           "gebiedscode": areas["gebiedscode"], "waarde": [12.0, np.nan, 10.0, 12.0],
                           "status": [None, "geheim", None, None]})
    bounds = audit(public, load_catalog(), areas).set_index("gebiedscode")
    assert bounds.loc["BU00010000", ["laag", "hoog"]].tolist() == [2, 2] and not bounds.loc["BU00010000", "veilig"]


@pytest.fixture
def attacked(demo_out, public_site, tmp_path):
    """A copy of the demo's outputs, public site included, to plant leaks in."""
    out = tmp_path / "out"
    shutil.copytree(demo_out, out, ignore=shutil.ignore_patterns("serve-*.log"))
    return out


def test_the_demo_publishes_nothing_recoverable(demo_out, public_site, capsys):
    result = check_public_outputs(demo_out, load_catalog())
    assert len(result.bounds) > 250 and result.safe, (result.disclosed, result.leaks[:5])
    assert main(["check-openbaar", str(demo_out)]) == 0
    assert "0 terug te rekenen; 0 lek(ken) in bestanden" in capsys.readouterr().out


def hidden_cell(out, indicator_prefix="meldingen"):
    public = read_layer(out / "datapakhuis.gpkg", "indicatoren_lang_openbaar")
    hidden = public[(public["status"] == "geheim") & public["indicator"].str.startswith(indicator_prefix)]
    return public, hidden.iloc[0]


def replace_public(out, public):
    layers = {name: read_layer(out / "datapakhuis.gpkg", name)
              for name in (str(n) for n, _ in pyogrio.list_layers(out / "datapakhuis.gpkg"))}
    layers["indicatoren_lang_openbaar"] = public
    write_store(layers, out / "datapakhuis.gpkg")


def test_a_status_that_says_small_is_caught(attacked):
    public, cell = hidden_cell(attacked)
    public.loc[(public[["indicator", "peiljaar", "gebiedscode"]] == cell[["indicator", "peiljaar", "gebiedscode"]]
                ).all(axis=1), "status"] = "geheim_klein_aantal"
    replace_public(attacked, public)
    result = check_public_outputs(attacked, load_catalog())
    assert not result.safe and (result.disclosed["gebiedscode"] == cell["gebiedscode"]).any()


def test_publishing_a_protecting_cell_pins_the_cell_it_protected(attacked, demo_out):
    public, _ = hidden_cell(attacked)
    intern = read_layer(demo_out / "datapakhuis.gpkg", "indicatoren_lang_intern").set_index(
        ["indicator", "peiljaar", "niveau", "gebiedscode"])
    catalog = load_catalog()
    areas = read_layer(demo_out / "datapakhuis.gpkg", "buurten")[["buurtcode", "wijkcode"]]
    bounds = audit(public, catalog, pd.concat([
        pd.DataFrame({"niveau": "buurt", "gebiedscode": areas["buurtcode"], "wijkcode": areas["wijkcode"]}),
        pd.DataFrame({"niveau": "wijk", "gebiedscode": areas["wijkcode"].unique(), "wijkcode": areas["wijkcode"].unique()}),
        pd.DataFrame({"niveau": ["gemeente"], "gebiedscode": ["GM9901"], "wijkcode": [None]})]))
    registrations = bounds[(bounds["niveau"] == "buurt") & bounds["indicator"].str.startswith("meldingen")]
    for row in registrations.itertuples():  # publish every hidden buurt but one of a wijk (own records add up)
        family = public[(public["indicator"] == row.indicator) & (public["peiljaar"] == row.peiljaar)
                        & (public["status"] == "geheim") & (public["niveau"] == "buurt")]
        siblings = family[family["gebiedscode"].str[:8] == row.gebiedscode[:8]]
        if len(siblings) >= 2:
            break
    for sibling in siblings.iloc[1:].itertuples():
        key = (sibling.indicator, sibling.peiljaar, "buurt", sibling.gebiedscode)
        public.loc[sibling.Index, ["waarde", "status"]] = [intern.loc[key, "waarde"], None]
    replace_public(attacked, public)
    result = check_public_outputs(attacked, catalog)
    assert not result.safe and siblings.iloc[0]["gebiedscode"] in set(result.disclosed["gebiedscode"])


def test_a_share_computed_from_exact_counts_is_caught(attacked, demo_out):
    public, _ = hidden_cell(attacked)
    exact = read_layer(demo_out / "datapakhuis.gpkg", "indicatoren_lang_intern").set_index(
        ["indicator", "peiljaar", "niveau", "gebiedscode"])["waarde"]
    planted = (public["indicator"] == "aandeel_65_plus") & (public["niveau"] == "gemeente")
    public.loc[planted, "waarde"] = [exact[(i, p, n, g)] for i, p, n, g in zip(
        public.loc[planted, "indicator"], public.loc[planted, "peiljaar"], public.loc[planted, "niveau"],
        public.loc[planted, "gebiedscode"], strict=True)]  # the share of exact counts, beside rounded inwoners
    replace_public(attacked, public)
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any(leak.startswith("aandeel_65_plus") and "berekend uit exacte aantallen" in leak for leak in leaks)


def test_record_counts_in_the_public_quality_sheet_are_caught(attacked):
    workbook_path = attacked / "export" / "indicatoren_buurt.xlsx"
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook["Datakwaliteit"]
    sheet.cell(1, sheet.max_column + 1).value = "Records gebruikt"
    workbook.save(workbook_path)
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any("Datakwaliteit: kolom 'Records gebruikt'" in leak for leak in leaks)


def test_a_records_used_sheet_in_a_public_workbook_is_caught(attacked):
    workbook_path = attacked / "export" / "indicatoren_wijk.xlsx"
    workbook = openpyxl.load_workbook(workbook_path)
    workbook.create_sheet("Records gebruikt").append(["Gebiedscode", "Gebiedsnaam"])
    workbook.save(workbook_path)
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert "indicatoren_wijk.xlsx: werkblad 'Records gebruikt' geeft tellers van geheime cellen" in leaks


def test_a_hidden_figure_in_an_api_layer_or_a_public_page_is_caught(attacked):
    public, cell = hidden_cell(attacked, "meldingen_per_1000")
    api = attacked / "api" / "openbaar.gpkg"
    buurten = pyogrio.read_dataframe(api, layer="meldingen_buurt")
    row = (buurten["buurtcode"] == cell["gebiedscode"]) & (buurten["peiljaar"] == cell["peiljaar"])
    buurten.loc[row, cell["indicator"]] = 3.14
    pyogrio.write_dataframe(buurten, api, layer="meldingen_buurt")
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any(f"{cell['gebiedscode']} {cell['indicator']}" in leak for leak in leaks)

    # a map embeds every peiljaar: an earlier year's hidden figure planted in the page's data block
    wmo = public[(public["indicator"] == "wmo_clienten_per_1000") & (public["peiljaar"] == public["peiljaar"].min())
                 & (public["status"] == "geheim") & (public["niveau"] == "buurt")].iloc[0]
    page = attacked / "openbaar" / "gebiedsprofiel.html"
    text = page.read_text(encoding="utf-8")
    block = re.search(r'(<script type="application/json" class="wa-area-data">)(.*?)(</script>)', text, re.DOTALL)
    data = json.loads(block.group(2))
    year = str(int(wmo["peiljaar"]))
    values = data["values"]["wmo_clienten_per_1000"]["buurt"][year]
    position = data["levels"]["buurt"]["codes"].index(wmo["gebiedscode"])
    assert values[position] is None
    values[position] = 42.0
    page.write_text(text[:block.start(2)] + json.dumps(data) + text[block.end(2):], encoding="utf-8")
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any("gebiedsprofiel.html" in leak and f"{wmo['gebiedscode']} wmo_clienten_per_1000 {year}" in leak
               for leak in leaks)


def test_a_hidden_figure_in_a_downloaded_spreadsheet_is_caught(attacked):
    public, cell = hidden_cell(attacked, "wmo_clienten_per_1000")
    latest = public[public["indicator"] == cell["indicator"]]["peiljaar"].max()
    hidden = public[(public["indicator"] == cell["indicator"]) & (public["peiljaar"] == latest)
                    & (public["status"] == "geheim") & (public["niveau"] == "buurt")].iloc[0]
    path = attacked / "openbaar" / "downloads" / "indicatoren_buurt.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header) if h and str(h).startswith("Wmo-cliënten"))
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == hidden["gebiedscode"])
    assert row[column].value == "geheim"
    row[column].value = 42.0
    workbook.save(path)
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any("indicatoren_buurt.xlsx" in leak and hidden["gebiedscode"] in leak for leak in leaks)


def test_a_hidden_figure_in_a_profile_page_or_its_pdf_is_caught(attacked):
    from wijkatlas.viewers.pdf import print_pdfs

    public, _ = hidden_cell(attacked)
    latest = public.groupby("indicator")["peiljaar"].transform("max")
    cell = public[(public["peiljaar"] == latest) & public["status"].fillna("").str.startswith("geheim")
                  & (public["niveau"] == "buurt") & (public["indicator"] == "aandeel_65_plus")].iloc[0]
    page = attacked / "openbaar" / f"profiel-{cell['gebiedscode']}.html"
    text = page.read_text(encoding="utf-8")
    planted = re.sub(r'(data-indicator="aandeel_65_plus">\s*<td>.*?</td>\s*)<td class="num geheim">[^<]*</td>',
                     r'\g<1><td class="num">17,3</td>', text, count=1, flags=re.S)
    assert planted != text
    page.write_text(planted, encoding="utf-8")
    print_pdfs({page: "aanval"})  # the planted page printed over its PDF
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any(leak.startswith(f"{page.name}: {cell['gebiedscode']} aandeel_65_plus") for leak in leaks)
    assert any(leak.startswith(f"{page.stem}.pdf: {cell['gebiedscode']} aandeel_65_plus") for leak in leaks)


def test_the_price_of_a_sold_kavel_is_caught(attacked):
    api = attacked / "api" / "openbaar.gpkg"
    kavels = pyogrio.read_dataframe(api, layer="kavels")
    kavels.loc[kavels["status"] == "verkocht", "prijs_per_m2_eur"] = 150.0
    pyogrio.write_dataframe(kavels, api, layer="kavels")
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any("prijs per m² van verkochte kavels" in leak for leak in leaks)


def test_a_failed_check_is_one_fout_line_and_exit_1(attacked, capsys):
    public, cell = hidden_cell(attacked)
    public.loc[(public[["indicator", "peiljaar", "gebiedscode"]] == cell[["indicator", "peiljaar", "gebiedscode"]]
                ).all(axis=1), "status"] = "geheim_klein_aantal"
    replace_public(attacked, public)
    assert main(["check-openbaar", str(attacked)]) == 1
    captured = capsys.readouterr()
    assert "TERUG TE REKENEN" in captured.out
    assert captured.err.strip().startswith("fout: openbare uitvoer maakt geheime cijfers terug te rekenen")
    json.dumps(captured.out)  # printable


def test_a_hidden_ratio_is_not_left_computable_from_its_published_numerator_and_denominator(demo_out, attacked):
    public = read_layer(demo_out / "datapakhuis.gpkg", "indicatoren_lang_openbaar")
    from wijkatlas.indicators.audit import identity_leaks

    assert identity_leaks(public, load_catalog()).empty  # the build hid a count for each such ratio
    density = public[(public["indicator"] == "bevolkingsdichtheid") & (public["status"] != "ontbreekt")
                     & public["status"].astype("string").str.startswith("geheim").fillna(False)]
    assert len(density)  # the demo has buurten too small for a density ...
    inwoners = public.set_index(["indicator", "peiljaar", "gebiedscode"])["status"]
    for row in density.itertuples():  # ... and their inhabitants are hidden with it
        assert inwoners[("inwoners", row.peiljaar, row.gebiedscode)] == "geheim"
    # plant: publish those inhabitants again
    planted = public.copy()
    cells = planted["indicator"].eq("inwoners") & planted["gebiedscode"].isin(density["gebiedscode"])
    planted.loc[cells, ["waarde", "status"]] = [5.0, "afgerond:5"]
    replace_public(attacked, planted)
    leaks = check_public_outputs(attacked, load_catalog()).leaks
    assert any("bevolkingsdichtheid" in leak and "teller en noemer staan allebei open" in leak for leak in leaks)


def catalog_with_protection(tmp_path, width: int):
    """The shipped catalog with rule ``geen`` (that of the count in random_municipality) asking ``width``."""
    from wijkatlas.indicators.catalog import DEFAULT_CATALOG

    text = DEFAULT_CATALOG.read_text(encoding="utf-8").replace(
        "[disclosure.geen]\n", f"[disclosure.geen]\nprotection = {width}\n")
    path = tmp_path / "catalogus.toml"
    path.write_text(text, encoding="utf-8")
    return load_catalog(path)


def test_a_rule_with_a_wider_protection_keeps_every_hidden_count_that_wide(tmp_path):
    wide = catalog_with_protection(tmp_path, 10)
    hidden_wide = hidden_default = 0
    for seed in range(12):
        areas, public = random_municipality(np.random.default_rng(seed))
        default_public = public.copy()
        for catalog, frame in ((wide, public), (load_catalog(), default_public)):
            frame.loc[protect_by_audit(frame, catalog, areas, seed=seed), ["waarde", "status"]] = [np.nan, "geheim"]
        bounds = audit(public, wide, areas, exact=True)
        assert (bounds["hoog"] - bounds["laag"] >= 10).all(), bounds
        hidden_wide += int(public["status"].eq("geheim").sum())
        hidden_default += int(default_public["status"].eq("geheim").sum())
    assert hidden_wide > hidden_default  # the wider rule costs more hidden cells


@pytest.mark.parametrize("seed", range(10))
def test_batched_exact_bounds_equal_two_programs_per_hidden_count(seed):
    from wijkatlas.bench_openbaar import plain_audit

    areas, public = random_municipality(np.random.default_rng(100 + seed))
    catalog = load_catalog()
    public.loc[protect_by_audit(public, catalog, areas, seed=seed)[:2], ["waarde", "status"]] = [np.nan, "geheim"]
    columns = ["indicator", "peiljaar", "niveau", "gebiedscode", "laag", "hoog"]
    batched = audit(public, catalog, areas, exact=True)[columns].sort_values(columns[:4], ignore_index=True)
    plain = plain_audit(public, catalog, areas)[columns].sort_values(columns[:4], ignore_index=True)
    assert len(batched) == len(plain)
    if len(batched):
        pd.testing.assert_frame_equal(batched, plain, check_dtype=False)
    fast = audit(public, catalog, areas).sort_values(columns[:4], ignore_index=True)
    assert fast["veilig"].tolist() == audit(public, catalog, areas, exact=True).sort_values(
        columns[:4], ignore_index=True)["veilig"].tolist()  # which counts are safe is exact in both modes


def test_the_bounds_hold_the_true_counts_on_random_municipalities():
    checked = 0
    for seed in range(15):
        areas, public, truth = random_municipality_with_truth(np.random.default_rng(200 + seed))
        public.loc[protect_by_audit(public, load_catalog(), areas, seed=seed), ["waarde", "status"]] = [np.nan, "geheim"]
        bounds = audit(public, load_catalog(), areas, exact=True)
        true = bounds["gebiedscode"].map(truth).astype(float)
        assert ((bounds["laag"] <= true) & (true <= bounds["hoog"])).all(), bounds.assign(waar=true)
        assert bounds["veilig"].all()
        checked += len(bounds)
    assert checked > 20


def test_publishing_and_the_public_site_are_refused_while_something_is_recoverable(attacked, capsys):
    public, cell = hidden_cell(attacked)
    public.loc[(public[["indicator", "peiljaar", "gebiedscode"]] == cell[["indicator", "peiljaar", "gebiedscode"]]
                ).all(axis=1), "status"] = "geheim_klein_aantal"
    replace_public(attacked, public)
    before = {p: p.read_bytes() for p in (attacked / "openbaar").glob("*.html")}
    # the check comes before any connection: this database does not exist
    assert main(["publish", "--postgis", "host=127.0.0.1 port=1 dbname=bestaatniet", "--out", str(attacked)]) == 1
    assert "niet gepubliceerd" in capsys.readouterr().err
    assert main(["viewers", "--public", "--out", str(attacked)]) == 1
    assert "niet gepubliceerd" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (attacked / "openbaar").glob("*.html")} == before  # nothing rewritten

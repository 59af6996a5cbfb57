"""Excel and CSV exports of the indicators, for people who work in spreadsheets.

Headers are Dutch; a suppressed figure reads "geheim" and a missing one stays empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from wijkatlas.indicators.catalog import Catalog
from wijkatlas.store import spreadsheet_safe
from wijkatlas.vocabulary import LEVELS, is_suppressed, latest_peiljaar

SUPPRESSED = "geheim"
#: XlsxWriter writes every text as text: no formula from "=…", no link from "http…" (spreadsheet_safe guards the rest)
TEXT_AS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
#: per indicator: where its records come from and how that source fared (one row per indicator on Bronnen)
SOURCE_HEADERS = {
    "indicator": "Indicator", "peiljaar": "Peiljaar", "bronnen": "Bronnen", "bron_gelezen": "Bron: gelezen",
    "bron_afgekeurd": "Bron: afgekeurd", "bron_buiten": "Bron: buiten de gemeente",
    "bron_leeftijd_dagen": "Leeftijd bron (dagen)",
}
#: sheets of area x indicator, beside the figures: the share of incomplete records, and (intern) the records used
QUALITY_SHEETS = {"aandeel_ontbrekend": ("Datakwaliteit", "% ontbrekend"), "records_gebruikt": ("Records gebruikt",
                                                                                                  "records")}
DEFINITION_HEADERS = {
    "indicator": "Indicator", "titel": "Titel", "omschrijving": "Omschrijving", "thema": "Thema",
    "eenheid": "Eenheid", "soort": "Berekening", "hoger_is_beter": "Hoger is beter", "bronnen": "Bronnen",
    "eigenaar": "Eigenaar", "licentie": "Licentie", "bronvermelding": "Bronvermelding", "niveaus": "Niveaus",
    "peiljaren": "Peiljaren", "geheimhouding": "Geheimhouding", "geheimhouding_regel": "Regel",
    "beschikbaarheid": "Beschikbaarheid",
}


def spreadsheet(long: pd.DataFrame, catalog: Catalog, niveau: str) -> pd.DataFrame:
    """Areas as rows, indicators (latest peiljaar) as columns headed "Titel (eenheid, peiljaar)"."""
    rows = latest_peiljaar(long[long["niveau"] == niveau])
    shown = rows["waarde"].astype(object).where(~is_suppressed(rows["status"]), SUPPRESSED)
    return _areas_by_indicator(rows.assign(cel=shown), catalog, lambda indicator: catalog.indicators[indicator].unit)


def quality_sheet(quality: pd.DataFrame, long: pd.DataFrame, catalog: Catalog, measure: str) -> pd.DataFrame:
    """``measure`` of each figure on the level's sheet, laid out as that sheet: areas as rows, indicators as
    columns headed "Titel (% ontbrekend, peiljaar)" or "Titel (records, peiljaar)"."""
    names = long[["gebiedscode", "gebiedsnaam"]].drop_duplicates("gebiedscode")
    rows = quality.merge(names, on="gebiedscode", how="left").assign(cel=quality[measure].to_numpy())
    return _areas_by_indicator(rows, catalog, lambda indicator: QUALITY_SHEETS[measure][1])


def _areas_by_indicator(rows: pd.DataFrame, catalog: Catalog, unit: Callable[[str], str]) -> pd.DataFrame:
    """``cel`` of ``rows`` pivoted to areas x indicators in catalog order, headed "Titel (unit, peiljaar)"."""
    table = rows.pivot(index=["gebiedscode", "gebiedsnaam"], columns="indicator", values="cel")
    years = rows.groupby("indicator")["peiljaar"].max()
    order = [i for i in catalog.indicators if i in table.columns]
    headers = {i: f"{catalog.indicators[i].title} ({unit(i)}, {years[i]})" for i in order}
    table = table[order].rename(columns=headers).reset_index()
    return table.rename(columns={"gebiedscode": "Gebiedscode", "gebiedsnaam": "Gebiedsnaam"})


def source_sheet(quality: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: its sources and their records read, rejected and outside, and their age."""
    sources = quality.drop_duplicates("indicator")[[c for c in SOURCE_HEADERS if c in quality]]
    return sources.rename(columns=SOURCE_HEADERS)


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """``sheets`` (title -> table) as one XLSX, headed and typed as pandas' ``to_excel`` writes them, by XlsxWriter
    straight from each column (``to_excel`` serialises a style per cell: 13 µs a cell, 80 s for the country's
    sheets); an empty cell stays empty, texts stay texts."""
    with xlsxwriter.Workbook(path, TEXT_AS_TEXT) as workbook:
        moments = {datetime: workbook.add_format({"num_format": "YYYY-MM-DD HH:MM:SS"}),
                   date: workbook.add_format({"num_format": "YYYY-MM-DD"})}
        for title, table in sheets.items():
            sheet = workbook.add_worksheet(title)
            sheet.write_row(0, 0, [str(name) for name in table.columns])
            for column in range(table.shape[1]):
                for row, value in enumerate(table.iloc[:, column].tolist(), start=1):
                    if value is None or value is pd.NA or value is pd.NaT or value != value:  # empty, as NaN is
                        continue
                    if isinstance(value, float) and not math.isinf(value):
                        sheet.write_number(row, column, value)
                    elif isinstance(value, (bool, np.bool_)):
                        sheet.write_boolean(row, column, bool(value))
                    elif isinstance(value, (int, np.number)) and not isinstance(value, float):
                        sheet.write_number(row, column, value)
                    elif isinstance(value, date):
                        sheet.write_datetime(row, column, value, moments[datetime if isinstance(value, datetime)
                                                                         else date])
                    elif text := str(value):  # inf as pandas writes it too; an empty text is an empty cell
                        sheet.write_string(row, column, text)


def dutch_number(value: object) -> object:
    """A figure as Dutch Excel reads it: decimal comma, no thousands separator, rounded sensibly.

    Whole numbers keep no decimals; others keep one decimal from 100 up and two below (a share of 4,27 %
    stays readable, a density of 4 670,3 needs no more). Text ("geheim") and empty cells pass unchanged.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or pd.isna(value):
        return value
    if float(value).is_integer():
        return str(int(value))
    decimals = 1 if abs(value) >= 100 else 2
    return f"{value:.{decimals}f}".replace(".", ",")


def dutch_text(table: pd.DataFrame) -> pd.DataFrame:
    """Every cell of ``table`` as it should stand in a CSV for Dutch Excel."""
    return table.apply(lambda column: column.map(dutch_number))


def public_quality(quality: pd.DataFrame, long: pd.DataFrame) -> pd.DataFrame:
    """Data quality as it may be published: no record counts per area (they are numerators, hidden cells
    included), and the share of incomplete records in whole percents, only beside a published figure."""
    keys = ["indicator", "peiljaar", "niveau", "gebiedscode"]
    hidden = quality[keys].merge(long[keys + ["status"]], on=keys, how="left")["status"]
    published = ~is_suppressed(hidden).to_numpy()
    return quality.drop(columns=["records_gebruikt", "records_ontbrekend"]).assign(
        aandeel_ontbrekend=quality["aandeel_ontbrekend"].round(0).where(published))


def write_exports(products: dict[str, pd.DataFrame], catalog: Catalog, out_dir: Path,
                  variants: tuple[str, ...] = ("openbaar", "intern")) -> list[Path]:
    """``indicatoren_<niveau>.xlsx`` and ``.csv`` of the openbaar figures in ``out_dir``, of the intern ones in
    ``out_dir/intern`` (of ``variants``)."""
    written = []
    definitions = products["indicator_definities"].rename(columns=DEFINITION_HEADERS)
    for variant in variants:
        folder = out_dir if variant == "openbaar" else out_dir / variant
        folder.mkdir(parents=True, exist_ok=True)
        long = products[f"indicatoren_lang_{variant}"]
        for niveau in (name for name in LEVELS if f"indicatoren_{name}_{variant}" in products):  # the build's levels
            table = spreadsheet(long, catalog, niveau)
            # the quality of the figures on the level's sheet: each indicator's latest peiljaar (all years are in
            # the datapakhuis)
            quality = products["indicator_kwaliteit"]
            quality = latest_peiljaar(quality[quality["niveau"] == niveau])
            measures = ["aandeel_ontbrekend", "records_gebruikt"]
            if variant == "openbaar":
                quality, measures = public_quality(quality, long), ["aandeel_ontbrekend"]
            flagged = products[f"signalering_{variant}"]
            sheets = {LEVELS[niveau].title: table, "Definities": definitions,
                      **{QUALITY_SHEETS[m][0]: quality_sheet(quality, long, catalog, m) for m in measures},
                      "Bronnen": source_sheet(quality), "Signalering": flagged[flagged["niveau"] == niveau]}
            xlsx = folder / f"indicatoren_{niveau}.xlsx"
            write_workbook(xlsx, {title: spreadsheet_safe(sheet) for title, sheet in sheets.items()})
            csv = folder / f"indicatoren_{niveau}.csv"
            spreadsheet_safe(dutch_text(table)).to_csv(csv, sep=";", index=False, encoding="utf-8-sig")
            written += [xlsx, csv]
    return written

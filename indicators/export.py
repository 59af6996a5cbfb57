"""Excel and CSV exports of the indicators, for people who work in spreadsheets.

Headers are Dutch; a suppressed figure reads "geheim" and a missing one stays empty.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wijkatlas.indicators.catalog import Catalog
from wijkatlas.store import spreadsheet_safe
from wijkatlas.vocabulary import LEVELS, is_suppressed, latest_peiljaar

SUPPRESSED = "geheim"
QUALITY_HEADERS = {
    "indicator": "Indicator", "peiljaar": "Peiljaar", "gebiedscode": "Gebiedscode",
    "records_gebruikt": "Records gebruikt", "records_ontbrekend": "Records met ontbrekend veld",
    "aandeel_ontbrekend": "Aandeel ontbrekend (%)", "bronnen": "Bronnen", "bron_gelezen": "Bron: gelezen",
    "bron_afgekeurd": "Bron: afgekeurd", "bron_buiten": "Bron: buiten de gemeente",
    "bron_leeftijd_dagen": "Leeftijd bron (dagen)",
}
DEFINITION_HEADERS = {
    "indicator": "Indicator", "titel": "Titel", "omschrijving": "Omschrijving", "thema": "Thema",
    "eenheid": "Eenheid", "soort": "Berekening", "hoger_is_beter": "Hoger is beter", "bronnen": "Bronnen",
    "eigenaar": "Eigenaar", "licentie": "Licentie", "bronvermelding": "Bronvermelding", "niveaus": "Niveaus",
    "peiljaren": "Peiljaren", "geheimhouding": "Geheimhouding", "geheimhouding_regel": "Regel",
    "beschikbaarheid": "Beschikbaarheid",
}


def spreadsheet(long: pd.DataFrame, catalog: Catalog, niveau: str) -> pd.DataFrame:
    """Areas as rows, indicators (latest peiljaar) as columns headed "Titel (eenheid, peiljaar)"."""
    rows = long[long["niveau"] == niveau]
    latest = latest_peiljaar(rows)
    shown = latest["waarde"].astype(object).where(~is_suppressed(latest["status"]), SUPPRESSED)
    table = latest.assign(cel=shown).pivot(index=["gebiedscode", "gebiedsnaam"], columns="indicator", values="cel")
    years = latest.groupby("indicator")["peiljaar"].max()
    order = [i for i in catalog.indicators if i in table.columns]
    headers = {i: f"{catalog.indicators[i].title} ({catalog.indicators[i].unit}, {years[i]})" for i in order}
    table = table[order].rename(columns=headers).reset_index()
    return table.rename(columns={"gebiedscode": "Gebiedscode", "gebiedsnaam": "Gebiedsnaam"})


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


def write_exports(products: dict[str, pd.DataFrame], catalog: Catalog, out_dir: Path) -> list[Path]:
    """``indicatoren_<niveau>.xlsx`` and ``.csv`` (openbaar) in ``out_dir``, the intern ones in ``out_dir/intern``."""
    written = []
    definitions = products["indicator_definities"].rename(columns=DEFINITION_HEADERS)
    for variant, folder in (("openbaar", out_dir), ("intern", out_dir / "intern")):
        folder.mkdir(parents=True, exist_ok=True)
        long = products[f"indicatoren_lang_{variant}"]
        for niveau in (name for name in LEVELS if f"indicatoren_{name}_{variant}" in products):  # the build's levels
            table = spreadsheet(long, catalog, niveau)
            quality = products["indicator_kwaliteit"]
            # the quality of the figures on the level's sheet: each indicator's latest peiljaar (every year of
            # the country's buurten would not fit in a sheet; all years are in the datapakhuis)
            quality = latest_peiljaar(quality[quality["niveau"] == niveau])
            if variant == "openbaar":
                quality = public_quality(quality, long)
            quality = quality[[c for c in QUALITY_HEADERS if c in quality]].rename(columns=QUALITY_HEADERS)
            xlsx = folder / f"indicatoren_{niveau}.xlsx"
            with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
                spreadsheet_safe(table).to_excel(writer, sheet_name=LEVELS[niveau].title, index=False)
                spreadsheet_safe(definitions).to_excel(writer, sheet_name="Definities", index=False)
                spreadsheet_safe(quality).to_excel(writer, sheet_name="Datakwaliteit", index=False)
                flagged = products[f"signalering_{variant}"]
                spreadsheet_safe(flagged[flagged["niveau"] == niveau]).to_excel(
                    writer, sheet_name="Signalering", index=False)
            csv = folder / f"indicatoren_{niveau}.csv"
            spreadsheet_safe(dutch_text(table)).to_csv(csv, sep=";", index=False, encoding="utf-8-sig")
            written += [xlsx, csv]
    return written

"""CBS *Kerncijfers wijken en buurten*: from a downloaded table or online through cbsodata.

The column keys' numeric suffixes change from year to year (``AantalInwoners_5``
in one table may be ``AantalInwoners_4`` in another), so columns are mapped by
their stem. A stem that occurs more than once in a table (``Nederland`` under
two herkomst groups) gets ``__2``, ``__3`` in order of appearance.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from geo._online import call_cbs
from geo._records import Loaded, combine, rejections
from geo._tables import read_csv_text
from wijkatlas.errors import SourceError, ValidationError
from wijkatlas.settings import CBS_CATALOG_URL, CBS_MISSING_SYMBOLS, CBS_SENTINEL_MAX, CBS_SENTINEL_MEANING

REGION_STEMS = {"Gemeentenaam": "gemeentenaam", "SoortRegio": "soort_regio", "Codering": "gebiedscode"}
TEXT_STEMS = {"IndelingswijzigingGemeenteWijkBuurt", "MeestVoorkomendePostcode", "Dekkingspercentage"}
SOORT_REGIO = {"Gemeente": "gemeente", "Wijk": "wijk", "Buurt": "buurt"}
CODE_PATTERN = r"(GM\d{4}|WK\d{6}|BU\d{8})"
LONG_COLUMNS = ["gebiedscode", "soort_regio", "gebiedsnaam", "peiljaar", "variabele", "waarde", "status"]


def column_stems(columns: list[str]) -> dict[str, str]:
    """Map CBS column keys to year-independent names: ``k_0Tot15Jaar_8`` -> ``k_0Tot15Jaar``."""
    seen: dict[str, int] = {}
    mapping = {}
    for key in columns:
        stem = re.sub(r"_\d+$", "", key)
        seen[stem] = seen.get(stem, 0) + 1
        mapping[key] = stem if seen[stem] == 1 else f"{stem}__{seen[stem]}"
    return mapping


def load_kerncijfers(source: Path, *, peiljaar: int, gemeentecode: str) -> Loaded:
    """Read a kerncijfers table as ``cbsodata`` returns it, saved as CSV (``wijkatlas fetch`` writes these).

    A StatLine CSV export (``;``-separated, ``.`` for secret values) reads the same way.

    Returns
    -------
    Loaded
        ``records`` in long format: gebiedscode, soort_regio (gemeente/wijk/buurt),
        gebiedsnaam, peiljaar, variabele (column stem), waarde (float, NaN when
        missing), status (None, or why CBS did not publish the value). Rows of
        other municipalities count as read but are not returned.
    """
    table = read_csv_text(source)
    return validate_kerncijfers(table, source=str(source), peiljaar=peiljaar, gemeentecode=gemeentecode)


def download_kerncijfers(table_id: str, *, gemeentecode: str) -> pd.DataFrame:
    """One municipality's rows of a kerncijfers table from CBS StatLine, as cbsodata returns them."""
    import cbsodata  # on demand: importing it configures the root logger

    number = gemeentecode[2:]
    filters = " or ".join(f"startswith(WijkenEnBuurten,'{p}{number}')" for p in ("GM", "WK", "BU"))
    rows = call_cbs(CBS_CATALOG_URL, lambda: cbsodata.get_data(table_id, filters=filters))
    if not rows:
        raise SourceError(f"CBS gaf geen rijen voor {gemeentecode}", source=f"CBS StatLine {table_id}")
    return pd.DataFrame(rows)


def fetch_kerncijfers(table_id: str, *, peiljaar: int, gemeentecode: str) -> Loaded:
    """Download and validate one municipality's rows of a kerncijfers table."""
    table = download_kerncijfers(table_id, gemeentecode=gemeentecode).astype("string")
    return validate_kerncijfers(
        table, source=f"CBS StatLine {table_id}", peiljaar=peiljaar, gemeentecode=gemeentecode
    )


def validate_kerncijfers(table: pd.DataFrame, *, source: str, peiljaar: int, gemeentecode: str) -> Loaded:
    """Check the region columns and values, and reshape to long format.

    Raises
    ------
    ValidationError
        When region columns are missing, or a value is neither a number nor a CBS missing-value symbol.
    """
    stems = column_stems([c for c in table.columns if c not in ("ID", "WijkenEnBuurten")])
    by_stem = {stem: key for key, stem in stems.items()}
    missing = [s for s in REGION_STEMS if s not in by_stem]
    if missing or "WijkenEnBuurten" not in table.columns:
        raise ValidationError(
            [f"kolom {s}_<n> ontbreekt" for s in missing] + (["kolom WijkenEnBuurten ontbreekt"]
                                                            if "WijkenEnBuurten" not in table.columns else []),
            source=source,
        )
    rows = pd.Series(table.index + 2, index=table.index)
    regions = pd.DataFrame({name: table[by_stem[s]].astype("string").str.strip() for s, name in REGION_STEMS.items()})
    regions["gebiedsnaam"] = table["WijkenEnBuurten"].astype("string").str.strip()
    regions["soort_regio"] = regions["soort_regio"].map(SOORT_REGIO)

    bad_code = ~regions["gebiedscode"].str.fullmatch(CODE_PATTERN).fillna(False)
    rejected = [rejections(source, rows[bad_code], regions["gebiedscode"][bad_code], by_stem["Codering"],
                           regions["gebiedscode"][bad_code], "gebied_onbekend")]
    own = ~bad_code & (regions["gebiedscode"].str[2:6] == gemeentecode[2:])

    measures = [key for key, stem in stems.items()
                if stem not in REGION_STEMS and re.sub(r"__\d+$", "", stem) not in TEXT_STEMS]
    long = table.loc[own, measures].rename(columns=stems).melt(
        ignore_index=False, var_name="variabele", value_name="tekst"
    )
    text = long["tekst"].astype("string").str.strip()
    symbol = text.map(CBS_MISSING_SYMBOLS, na_action="ignore")
    numbers = pd.to_numeric(text.where(symbol.isna()), errors="coerce").astype(float)
    unparseable = (numbers.isna() & text.notna() & (text != "") & symbol.isna()).fillna(False)
    if unparseable.any():
        key_of = {v: k for k, v in stems.items()}
        problems = [f"rij {row + 2}, veld '{key_of[name]}': '{value}' is geen getal"
                    for row, name, value in zip(long.index[unparseable], long["variabele"][unparseable],
                                                text[unparseable])]
        raise ValidationError(problems, source=source)
    sentinel = (numbers <= CBS_SENTINEL_MAX).fillna(False)
    status = symbol.astype("object")
    status[sentinel] = numbers[sentinel].round().astype(int).map(CBS_SENTINEL_MEANING).fillna("ontbreekt")
    status[(text.isna() | (text == "")).fillna(True)] = "ontbreekt"
    long["waarde"] = numbers.where(~sentinel)
    long["status"] = status.astype("string")
    long = long.join(regions.loc[own, ["gebiedscode", "soort_regio", "gebiedsnaam"]])
    long["peiljaar"] = peiljaar
    records = long[LONG_COLUMNS].reset_index(drop=True)
    if not (regions.loc[own, "gebiedscode"] == gemeentecode).any():
        raise SourceError(f"geen rij voor gemeente {gemeentecode}; is dit de tabel van deze gemeente?", source=source)
    return Loaded(records=records, rejected=combine(rejected), read=len(table))


def wide_kerncijfers(long: pd.DataFrame) -> pd.DataFrame:
    """One row per area and peiljaar, one column per variable (for joins and exports)."""
    keys = ["gebiedscode", "peiljaar"]
    wide = long.pivot(index=keys, columns="variabele", values="waarde")
    names = long.drop_duplicates(keys).set_index(keys)[["soort_regio", "gebiedsnaam"]]
    return names.join(wide).reset_index().rename_axis(columns=None)

"""CBS *Kerncijfers wijken en buurten*: from a downloaded table or online through cbsodata.

The column keys' numeric suffixes change from year to year (``AantalInwoners_5``
in one table may be ``AantalInwoners_4`` in another), so columns are mapped by
their stem. A stem that occurs more than once in a table (``Nederland`` under
two herkomst groups) gets ``__2``, ``__3`` in order of appearance.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pandas as pd

from wijkatlas.errors import SourceError, ValidationError
from wijkatlas.geo._online import call_cbs
from wijkatlas.geo._records import Loaded, combine, rejections
from wijkatlas.geo._tables import read_csv_text
from wijkatlas.geo.gebieden import Gemeenten, describe_gemeenten, wanted_gemeenten
from wijkatlas.settings import (
    CBS_CATALOG_URL,
    CBS_DATA_PROPERTIES,
    CBS_MISSING_SYMBOLS,
    CBS_SENTINEL_MAX,
    CBS_SENTINEL_MEANING,
)

REGION_STEMS = {"Gemeentenaam", "SoortRegio", "Codering"}
TEXT_STEMS = {"IndelingswijzigingGemeenteWijkBuurt", "MeestVoorkomendePostcode", "Dekkingspercentage"}
CODE_PATTERN = r"(GM\d{4}|WK\d{6}|BU\d{8})"
LONG_COLUMNS = ["gebiedscode", "soort_regio", "gebiedsnaam", "peiljaar", "variabele", "waarde", "status", "bron_rij"]


def column_stems(columns: list[str]) -> dict[str, str]:
    """Map CBS column keys to year-independent names: ``k_0Tot15Jaar_8`` -> ``k_0Tot15Jaar``."""
    seen: dict[str, int] = {}
    mapping = {}
    for key in columns:
        stem = re.sub(r"_\d+$", "", key)
        seen[stem] = seen.get(stem, 0) + 1
        mapping[key] = stem if seen[stem] == 1 else f"{stem}__{seen[stem]}"
    return mapping


def padded_codes(codes: pd.Series) -> pd.Series:
    """Region codes as CBS writes them, without its trailing blanks: ``"GM400 "`` -> ``"GM0400"``.

    Digits lost to a spreadsheet (``WK40000``) are padded to four (gemeente), six (wijk) or eight (buurt).
    """
    text = codes.astype("string").str.strip().str.upper()
    parts = text.str.extract(r"^(GM|WK|BU)(\d+)$")
    width = parts[0].map({"GM": 4, "WK": 6, "BU": 8})
    fixable = parts[1].notna() & (parts[1].str.len() <= width)
    padded = parts[0] + pd.Series([d.zfill(int(w)) if ok else "" for d, w, ok in
                                   zip(parts[1].fillna(""), width.fillna(0), fixable, strict=False)], index=codes.index)
    return text.where(~fixable, padded)


def load_kerncijfers(source: Path, *, peiljaar: int, gemeenten: Gemeenten, sep: str | None = None,
                     encoding: str | None = None) -> Loaded:
    """Read a kerncijfers table in any layout CBS delivers it.

    Read are cbsodata's record list saved as JSON, the OData ``TypedDataSet``
    JSON (``{"value": [...]}``), the CSV that cbsodata and pandas write (``wijkatlas
    fetch`` writes these), and a StatLine CSV export (``;``, quoted, ``.`` for
    secret values, column titles instead of keys). Any subset of columns and of
    regions will do; only the region code (``Codering``) is required.

    Returns
    -------
    Loaded
        ``records`` in long format: gebiedscode, soort_regio (gemeente/wijk/buurt),
        gebiedsnaam, peiljaar, variabele (column stem), waarde (float, NaN when
        missing), status (None, or why CBS did not publish the value). Rows of
        municipalities other than ``gemeenten`` (one code, several, or ``None`` for
        every gemeente) count as read but are not returned; the country's and
        provinces' rows are never returned.
    """
    if source.suffix.lower() == ".json":
        table = _read_json(source)
    else:
        table = keys_from_titles(read_csv_text(source, sep=sep, encoding=encoding))
    return validate_kerncijfers(table, source=str(source), peiljaar=peiljaar, gemeenten=gemeenten)


def _read_json(source: Path) -> pd.DataFrame:
    """cbsodata's record list, or an OData answer whose ``value`` holds it, with every value as text."""
    if not source.is_file():
        raise SourceError("bestand niet gevonden", source=source)
    try:
        document = json.loads(source.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(f"geen geldige JSON: {error}", source=source) from None
    records = document.get("value") if isinstance(document, dict) else document
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SourceError("verwacht een lijst van records (cbsodata) of een OData-antwoord met 'value'",
                          source=source)
    if not records:
        raise SourceError("bevat geen records", source=source)
    return pd.DataFrame.from_records(records).astype("string")


def keys_from_titles(table: pd.DataFrame) -> pd.DataFrame:
    """A StatLine CSV export's column titles (``Bevolking/Aantal inwoners (aantal)``) as CBS keys.

    Titles are looked up in CBS's DataProperties of the kerncijfers (the keys'
    stems are the same in every year); a table that already has keys is returned as is.
    """
    if "WijkenEnBuurten" in table.columns or "Wijken en buurten" not in table.columns:
        return table
    keys = {_title(p["Title"]): p["Key"] for p in _data_properties() if p.get("Key")}
    return table.rename(columns=lambda column: keys.get(_title(column), column))


def _title(column: str) -> str:
    """``"Regioaanduiding/Codering (code)"`` -> ``"codering"``."""
    return re.sub(r"\s*\([^()]*\)$", "", column.split("/")[-1]).strip().lower()


@cache
def _data_properties() -> list[dict]:
    return json.loads(CBS_DATA_PROPERTIES.read_text(encoding="utf-8"))


def download_kerncijfers(table_id: str, *, gemeentecode: str) -> pd.DataFrame:
    """One municipality's rows of a kerncijfers table from CBS StatLine, as cbsodata returns them."""
    import cbsodata  # on demand: importing it configures the root logger

    number = gemeentecode[2:]
    filters = " or ".join(f"startswith(WijkenEnBuurten,'{p}{number}')" for p in ("GM", "WK", "BU"))
    rows = call_cbs(CBS_CATALOG_URL, lambda: cbsodata.get_data(table_id, filters=filters))
    if not rows:
        raise SourceError(f"CBS gaf geen rijen voor {gemeentecode}", source=f"CBS StatLine {table_id}")
    return pd.DataFrame(rows)


def validate_kerncijfers(table: pd.DataFrame, *, source: str, peiljaar: int, gemeenten: Gemeenten) -> Loaded:
    """Check the region columns and values, and reshape to long format.

    Raises
    ------
    ValidationError
        When region columns are missing, or a value is neither a number nor a CBS missing-value symbol.
    """
    stems = column_stems([c for c in table.columns if c not in ("ID", "WijkenEnBuurten")])
    by_stem = {stem: key for key, stem in stems.items()}
    names = (table["WijkenEnBuurten"].astype("string").str.strip() if "WijkenEnBuurten" in table.columns
             else pd.Series(pd.NA, index=table.index, dtype="string"))
    if "Codering" in by_stem:
        code_field, codes = by_stem["Codering"], table[by_stem["Codering"]]
    elif names.str.fullmatch(r"(GM|WK|BU)\d+").any():  # the OData TypedDataSet: codes, no names
        code_field, codes, names = "WijkenEnBuurten", names, pd.Series(pd.NA, index=table.index, dtype="string")
    else:
        raise ValidationError([f"geen kolom met gebiedscodes: verwacht Codering_<n> (of codes in WijkenEnBuurten); "
                               f"kolommen: {list(table.columns)[:8]}"], source=source)
    rows = pd.Series(table.index + 2, index=table.index)
    regions = pd.DataFrame({"gebiedscode": padded_codes(codes), "gebiedsnaam": names})
    regions["soort_regio"] = regions["gebiedscode"].str[:2].map({"GM": "gemeente", "WK": "wijk", "BU": "buurt"})
    regions["gebiedsnaam"] = regions["gebiedsnaam"].where(~regions["gebiedsnaam"].str.fullmatch(CODE_PATTERN).fillna(
        False))

    # the country, provinces and other regions CBS adds to a national table: outside every build, not wrong
    higher = regions["gebiedscode"].str.fullmatch(r"(?!GM|WK|BU)[A-Z]{2}\d{2,4}").fillna(False)
    bad_code = ~regions["gebiedscode"].str.fullmatch(CODE_PATTERN).fillna(False) & ~higher
    rejected = [rejections("kerncijfers", rows[bad_code], regions["gebiedscode"][bad_code], code_field,
                           codes.astype("string")[bad_code], "gebied_onbekend", file=source)]
    owner = "GM" + regions["gebiedscode"].str[2:6]
    wanted = wanted_gemeenten(gemeenten)
    own = ~bad_code & ~higher & (regions["soort_regio"].notna() if wanted is None else owner.isin(wanted)).fillna(False)

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
                                                text[unparseable], strict=False)]
        raise ValidationError(problems, source=source)
    sentinel = (numbers <= CBS_SENTINEL_MAX).fillna(False)
    status = symbol.astype("object")
    status[sentinel] = numbers[sentinel].round().astype(int).map(CBS_SENTINEL_MEANING).fillna("ontbreekt")
    status[(text.isna() | (text == "")).fillna(True)] = "ontbreekt"
    long["waarde"] = numbers.where(~sentinel)
    long["status"] = status.astype("string")
    long = long.join(regions.loc[own, ["gebiedscode", "soort_regio", "gebiedsnaam"]])
    long["peiljaar"] = peiljaar
    long["bron_rij"] = rows.loc[long.index].astype("Int64")
    records = long[LONG_COLUMNS].reset_index(drop=True)
    if not own.any():
        raise SourceError(f"geen rijen van {describe_gemeenten(wanted)}; is dit de tabel van deze gemeente(n)?",
                          source=source)
    return Loaded(records=records, rejected=combine(rejected), read=len(table))

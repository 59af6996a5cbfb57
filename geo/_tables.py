"""Reading tabular files the way Dutch Excel and GIS exports write them.

Private plumbing for the loaders: sniffing CSV dialects, parsing numbers with
decimal commas, parsing day-first dates, and making column names safe.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from wijkatlas.errors import SourceError

ENCODINGS = ("utf-8-sig", "cp1252")
SEPARATORS = ";,\t|"
#: Formats tried in order; ISO first, then the Dutch day-first forms.
DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d",
    "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y",
)


def read_csv_text(path: Path, *, sep: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV with every value as text (or missing), sniffing separator and encoding.

    Raises
    ------
    SourceError
        When the file is missing, cannot be decoded or has no header.
    """
    if not path.is_file():
        raise SourceError("bestand niet gevonden", source=path)
    raw = path.read_bytes()
    text = None
    for candidate in [encoding] if encoding else ENCODINGS:
        try:
            text = raw.decode(candidate)
            encoding = candidate
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise SourceError(f"tekstcodering onbekend; probeerde {', '.join(ENCODINGS)}", source=path)
    if not text.strip():
        raise SourceError("bestand is leeg", source=path)
    if sep is None:
        header = text.splitlines()[0]
        counts = {candidate: header.count(candidate) for candidate in SEPARATORS}
        sep = max(counts, key=lambda candidate: counts[candidate])
        if counts[sep] == 0:
            raise SourceError(
                f"scheidingsteken niet te herkennen in de kopregel; geef 'sep' op (een van {list(SEPARATORS)})",
                source=path,
            )
    return pd.read_csv(
        path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True
    )


def parse_numbers(values: pd.Series, *, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Parse text numbers; returns ``(numbers, unparseable)`` where empty values are NaN, not unparseable.

    With ``decimal=","`` a dot is taken as a thousands separator, as Dutch Excel writes it.
    """
    if values.dtype.kind in "if":
        return values.astype(float), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    unparseable = numbers.isna() & text.notna() & (text != "")
    return numbers, unparseable.fillna(False).astype(bool)


def parse_dates(values: pd.Series, *, date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse dates written as text, datetimes or Excel dates; returns ``(dates, unparseable)``."""
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    is_datetime = values.map(lambda v: isinstance(v, (pd.Timestamp,)) or hasattr(v, "year")).astype(bool)
    if is_datetime.any():
        parsed[is_datetime] = pd.to_datetime(values[is_datetime]).astype("datetime64[us]")
    text = values.where(~is_datetime).astype("string").str.strip()
    for fmt in [date_format] if date_format else DATE_FORMATS:
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[us]")
    unparseable = parsed.isna() & text.notna() & (text != "")
    return parsed, unparseable.fillna(False).astype(bool)


def snake_name(name: str) -> str:
    """A column name safe for GeoPackage, SQL and OGC API: ``"Prijs per m² (€)"`` -> ``prijs_per_m2_eur``."""
    name = name.replace("€", " eur ").replace("²", "2").replace("³", "3")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", ascii_name.lower()).strip("_")


def normalise_postcode(values: pd.Series) -> pd.Series:
    """``"1234 ab"`` -> ``"1234AB"``; anything that is not a Dutch postcode becomes missing."""
    text = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    return text.where(text.str.fullmatch(r"[1-9][0-9]{3}[A-Z]{2}").fillna(False))

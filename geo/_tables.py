"""Reading tabular files the way Dutch Excel and GIS exports write them.

Private plumbing for the loaders: sniffing CSV dialects, parsing numbers with
decimal commas, parsing day-first dates, and making column names safe.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.geopandas import _try_parse_datetime

from wijkatlas.errors import SourceError

ENCODINGS = ("utf-8-sig", "cp1252")
SEPARATORS = ";,\t|"

#: Formats tried in order; ISO first, then the Dutch day-first forms.
DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%d.%m.%Y", "%d-%m-%y", "%d/%m/%y",
)
#: Excel stores a date as days since 1899-12-30; a whole number in this range in a date column is one
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_SERIALS = (20_000, 80_000)  # 1954 .. 2119


@dataclass(frozen=True)
class TextTable:
    """A table read as text: its records, each record's row as a spreadsheet shows it, and what was noticed."""

    table: pd.DataFrame
    #: header = row 1; a title line such as Excel's ``sep=;`` and blank lines count, as in the spreadsheet
    rows: pd.Series
    warnings: tuple[str, ...] = ()


def read_csv_text(path: Path, *, sep: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV with every value as text (or missing), sniffing separator and encoding.

    Raises
    ------
    SourceError
        When the file is missing, cannot be decoded, has no header or a row that does not fit it.
    """
    return read_text_table(path, sep=sep, encoding=encoding).table


def read_text_table(path: Path, *, sep: str | None = None, encoding: str | None = None) -> TextTable:
    """Read a CSV as Dutch Excel and GIS exports write it: see :func:`read_csv_text`, with rows and warnings.

    Handled: UTF-8 (with or without BOM) or cp1252, and a file mixing the two is refused with the row of
    the first foreign byte; Excel's ``sep=;`` first line; blank and empty (``;;;;``) lines, which are
    skipped with a warning and keep the row numbers right; repeated column names (a warning); a row with
    more fields than the header (one ``fout:`` naming the row and the likely cause).
    """
    if not path.is_file():
        raise SourceError("bestand niet gevonden", source=path)
    raw = path.read_bytes()
    text, encoding = _decode(raw, encoding, path)
    warnings = []
    if encoding == "cp1252" and _utf8_characters(raw):
        garbled = re.search(r"[ÃÂâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ¡-¿]", text)
        if garbled:
            warnings.append(f"tekst als cp1252 gelezen bevat UTF-8-tekens (bv. '{garbled.group(0)}' in rij "
                            f"{text[:garbled.start()].count(chr(10)) + 1}); klopt encoding? Anders staan er "
                            "verminkte letters in de registratie")
    if not text.strip():
        raise SourceError("bestand is leeg", source=path)
    lines = text.splitlines()
    offset = 0
    declared = re.fullmatch(r"\s*sep=(.)\s*", lines[0])
    if declared:  # Excel writes "sep=;" above the header
        sep, offset = declared.group(1), 1
        text = text.split("\n", 1)[1] if "\n" in text else ""
    header = lines[offset] if len(lines) > offset else ""
    if sep is None:
        counts = {candidate: header.count(candidate) for candidate in SEPARATORS}
        sep = max(counts, key=lambda candidate: counts[candidate])
        if counts[sep] == 0:
            raise SourceError(
                f"scheidingsteken niet te herkennen in de kopregel; geef 'sep' op (een van {list(SEPARATORS)})",
                source=path,
            )
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                            skipinitialspace=True, skip_blank_lines=False)
    except pd.errors.ParserError as error:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if found is None:
            raise SourceError(f"niet te lezen als CSV: {error}", source=path) from None
        expected, line, seen = (int(g) for g in found.groups())
        raise SourceError(
            f"heeft {seen} velden waar de kopregel er {expected} heeft: staat er een '{sep}' in een tekstveld "
            "zonder aanhalingstekens? Zet zo'n veld tussen aanhalingstekens (\"…\"), of kies een ander "
            "scheidingsteken", source=path, row=line + offset) from None
    except pd.errors.EmptyDataError:
        raise SourceError("bestand heeft geen kopregel", source=path) from None
    rows = pd.Series(table.index + 2 + offset, index=table.index)
    names = next(csv.reader([header], delimiter=sep))
    for name in sorted({n for n in names if names.count(n) > 1}):
        warnings.append(f"kolom '{name}' staat {names.count(name)} keer in de kopregel; de eerste heet '{name}', "
                        f"de volgende '{name}.1' enzovoort")
    table, rows = without_empty_rows(table, rows, warnings)
    return TextTable(table, rows, tuple(warnings))


def without_empty_rows(table: pd.DataFrame, rows: pd.Series, warnings: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """``table`` and its row numbers without rows that hold nothing; a warning names the rows skipped."""
    empty = table.isna().all(axis=1)
    if empty.any():
        shown = ", ".join(str(r) for r in rows[empty].head(5))
        warnings.append(f"{int(empty.sum())} lege rij(en) overgeslagen (rij {shown}"
                        f"{', …' if empty.sum() > 5 else ''})")
    return table[~empty], rows[~empty]


def _utf8_characters(raw: bytes) -> int:
    """How many multi-byte UTF-8 characters ``raw`` holds (a cp1252 text hardly ever forms one)."""
    text = raw.decode("utf-8", errors="replace")
    return sum(1 for character in text if ord(character) > 127 and character != "\ufffd")


def _decode(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """The file's text and its encoding; a UTF-8 file with a stray cp1252 byte is refused, not garbled."""
    for candidate in [encoding] if encoding else ENCODINGS:
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError as error:
            if encoding or (candidate.startswith("utf-8") and _utf8_characters(raw)):
                row = raw[:error.start].count(b"\n") + 1
                raise SourceError(
                    f"byte 0x{raw[error.start]:02X} is geen {candidate}, terwijl {'de rest van ' if not encoding else ''}"
                    f"het bestand {candidate} is (bv. één cel uit een ander programma geplakt); sla het bestand "
                    f"opnieuw op als UTF-8, of geef de juiste encoding op", source=path, row=row) from None
        except LookupError:
            raise SourceError(f"tekstcodering '{candidate}' onbekend; gebruik bv. 'utf-8' of 'cp1252'",
                              source=path) from None
    raise SourceError(f"tekstcodering onbekend; probeerde {', '.join(ENCODINGS)}", source=path)


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
    serial = pd.to_numeric(text, errors="coerce")
    is_serial = (serial.between(*EXCEL_SERIALS) & (serial % 1 == 0)).fillna(False) & parsed.isna()
    if is_serial.any() and date_format is None:
        parsed[is_serial] = (EXCEL_EPOCH + pd.to_timedelta(serial[is_serial], unit="D")).astype("datetime64[us]")
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


def read_features(path: Path, layer: str | None, *, numbered: bool, batch_rows: int | None = None) -> gpd.GeoDataFrame:
    """A GIS layer, with a missing layer or an unreadable (truncated, corrupt) file as one clear error.

    With ``batch_rows`` it is read in batches of that many features, each converted on its own: the country's 10 M
    BAG verblijfsobjecten whole in Arrow and again in pandas took 7.1 GiB at their peak, in batches 5.3 GiB.
    """
    # only to check a named layer: listing the layers of a GeoJSON reads the whole file
    if layer is not None and layer not in (layers := list_layers(path)):
        raise SourceError(f"laag '{layer}' bestaat niet; lagen: {list(layers)}", source=path)
    try:
        with warnings.catch_warnings():  # GDAL's own complaints about a damaged file end in the error below
            warnings.simplefilter("ignore", RuntimeWarning)
            if batch_rows is not None and (batched := _read_batched(path, layer, numbered, batch_rows)) is not None:
                return batched
            return pyogrio.read_dataframe(path, layer=layer, fid_as_index=numbered, use_arrow=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as error:
        raise SourceError(f"niet te lezen als GIS-bestand (afgebroken of beschadigd?): {error}", source=path) from None


def _read_batched(path: Path, layer: str | None, numbered: bool, batch_rows: int) -> pd.DataFrame | None:
    """The layer read in batches of ``batch_rows`` features (``None`` for an empty layer): texts, numbers, date-times
    and geometry as :func:`pyogrio.read_dataframe` gives them."""
    frames: list[pd.DataFrame] = []
    with pyogrio.open_arrow(path, layer=layer, batch_size=batch_rows, return_fids=numbered, use_pyarrow=True,
                            datetime_as_string=True) as (meta, reader):
        for batch in reader:
            frame = batch.to_pandas()
            if numbered:
                frame = frame.set_index(meta["fid_column"]).rename_axis("fid")
            wkb = frame.pop(meta["geometry_name"] or "wkb_geometry") if meta["geometry_type"] else None
            frames.append(frame if wkb is None else
                          gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb.to_numpy()), crs=meta["crs"]))
    if not frames:
        return None
    whole = pd.concat(frames)
    for column, dtype in zip(meta["fields"], meta["dtypes"], strict=True):
        if dtype is not None and dtype.startswith("datetime") and dtype != "datetime64[D]":
            # read_dataframe's own rule, on the whole column: whether offsets are mixed (then UTC) depends on
            # every value, not on one batch's
            whole[column] = _try_parse_datetime(whole[column], False, True)
    return whole


def list_layers(path: Path) -> dict[str, str]:
    """Layer name -> geometry type of a GIS file; an unreadable file is one clear error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return {str(name): str(kind) for name, kind in pyogrio.list_layers(path)}
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise SourceError(f"niet te lezen als GIS-bestand (afgebroken of beschadigd?): {error}", source=path) from None

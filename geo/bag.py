"""BAG verblijfsobjecten: from a PDOK BAG GeoPackage or CSV extract, or online from PDOK.

All sources end in :func:`validate_verblijfsobjecten`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from wijkatlas.errors import CRSError, SourceError, ValidationError
from wijkatlas.frames import list_holds
from wijkatlas.geo._online import fetch_features, open_features
from wijkatlas.geo._records import Loaded, combine, rejections
from wijkatlas.geo._tables import list_layers, normalise_postcode, parse_numbers, read_csv_text, read_features
from wijkatlas.settings import PDOK_BAG_URL, RD_CRS

REQUIRED = ["identificatie", "gebruiksdoel", "oppervlakte", "status", "postcode", "huisnummer"]
OPTIONAL = ["huisletter", "toevoeging", "openbare_ruimte", "woonplaats", "bouwjaar"]
#: field names of other BAG extracts -> ours
ALIASES = {
    "openbare_ruimte_naam": "openbare_ruimte", "openbareruimte": "openbare_ruimte",
    "woonplaats_naam": "woonplaats", "woonplaatsnaam": "woonplaats",
    "huisnummertoevoeging": "toevoeging", "pand_bouwjaar": "bouwjaar", "oorspronkelijkbouwjaar": "bouwjaar",
}
#: a GeoPackage is read in batches of this many verblijfsobjecten (memory: see :func:`read_features`)
BATCH_ROWS = 1_000_000
#: the name its records, reconciliation and rejections go by (the store's layer)
SOURCE_NAME = "bag_verblijfsobjecten"


def load_verblijfsobjecten(source: Path, *, layer: str | None = None) -> Loaded:
    """Read BAG verblijfsobjecten from a GeoPackage (PDOK BAG layout) or a CSV with x/y columns in RD.

    Returns
    -------
    Loaded
        ``records``: identificatie (16-digit str), gebruiksdoel (may hold several,
        comma-separated), is_woning (bool), oppervlakte (Int64, m²), status,
        openbare_ruimte, huisnummer (Int64), huisletter, toevoeging, postcode
        (``1234AB``), woonplaats, bouwjaar (Int64), bron_rij; points in EPSG:28992.
        The texts that repeat (all but identificatie) are categorical.
    """
    if not source.is_file():
        raise SourceError("bestand niet gevonden", source=source)
    if source.suffix.lower() == ".csv":
        table = read_csv_text(source)
        missing_xy = [c for c in ("x", "y") if c not in table.columns]
        if missing_xy:
            raise SourceError(f"kolommen {missing_xy} (RD-coördinaten) ontbreken", source=source)
        x, bad_x = parse_numbers(table["x"])
        y, bad_y = parse_numbers(table["y"])
        geometry = gpd.points_from_xy(x, y)
        frame = gpd.GeoDataFrame(table.drop(columns=["x", "y"]), geometry=geometry, crs=RD_CRS)
        frame.loc[(bad_x | bad_y | x.isna() | y.isna()).to_numpy(), "geometry"] = None
        rows = pd.Series(frame.index + 2, index=frame.index)
    else:
        layers = list_layers(source)
        layer = layer or ("verblijfsobject" if "verblijfsobject" in layers else next(iter(layers)))
        frame = read_features(source, layer, numbered=True, batch_rows=BATCH_ROWS)
        rows = pd.Series(frame.index, index=frame.index)
        frame = frame.reset_index(drop=True)
        rows.index = frame.index
    return validate_verblijfsobjecten(frame, source=str(source), rows=rows)


def fetch_verblijfsobjecten(bbox: tuple[float, float, float, float], *, url: str = PDOK_BAG_URL) -> Loaded:
    """Download verblijfsobjecten inside ``bbox`` (RD) from PDOK's BAG OGC API."""
    frame = fetch_features(
        open_features(url), "verblijfsobject", bbox=[round(v) for v in bbox],
        **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/28992"},
    )
    return validate_verblijfsobjecten(frame, source=url, rows=pd.Series(frame.index + 1, index=frame.index))


def validate_verblijfsobjecten(frame: gpd.GeoDataFrame, *, source: str, rows: pd.Series) -> Loaded:
    """Check schema and CRS, normalise fields and reject unusable records (bad or duplicate id, no point).

    Raises
    ------
    ValidationError
        When required fields are missing. CRSError when the data has no coordinate reference system.
    """
    frame = frame.rename(columns=lambda c: ALIASES.get(c.lower(), c.lower()))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValidationError([f"veld '{c}' ontbreekt" for c in missing] +
                              [f"aanwezig: {sorted(c for c in frame.columns if c != 'geometry')}"], source=source)
    if frame.crs is None:
        raise CRSError("geen coördinatenstelsel; verwacht EPSG:28992 (RD New)", source=source)
    if not frame.crs.equals(RD_CRS):  # to_crs copies every column, even to the CRS it is in
        frame = frame.to_crs(RD_CRS)
    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = pd.NA

    ids, valid = _identificaties(frame["identificatie"])
    bad_id = ~valid
    duplicate = _repeated_ids(ids, valid)
    no_point = (frame.geometry.isna() | frame.geometry.is_empty) & ~bad_id & ~duplicate
    rejected = combine([
        rejections(SOURCE_NAME, rows[bad_id], ids[bad_id], "identificatie", frame["identificatie"][bad_id],
                   "identificatie_ongeldig", file=source),
        rejections(SOURCE_NAME, rows[duplicate], ids[duplicate], "identificatie", ids[duplicate], "dubbel_id",
                   file=source),
        rejections(SOURCE_NAME, rows[no_point], ids[no_point], "geometry", pd.Series("", index=rows[no_point].index),
                   "geen_locatie", file=source),
    ])
    keep = ~(bad_id | duplicate | no_point)

    gebruiksdoel = _repeated(frame["gebruiksdoel"],
                             lambda texts: texts.str.lower().str.replace(r"\s*,\s*", ",", regex=True))
    records = gpd.GeoDataFrame(
        {
            "identificatie": ids,
            "gebruiksdoel": gebruiksdoel,
            "is_woning": is_woning(gebruiksdoel),
            "oppervlakte": parse_numbers(frame["oppervlakte"])[0].round().astype("Int64"),
            "status": _repeated(frame["status"]),
            "openbare_ruimte": _repeated(frame["openbare_ruimte"]),
            "huisnummer": parse_numbers(frame["huisnummer"])[0].astype("Int64"),
            "huisletter": _repeated(frame["huisletter"], lambda texts: texts.str.strip().replace("", pd.NA)),
            "toevoeging": _repeated(frame["toevoeging"], lambda texts: texts.str.strip().replace("", pd.NA)),
            "postcode": _repeated(frame["postcode"], normalise_postcode),
            "woonplaats": _repeated(frame["woonplaats"]),
            "bouwjaar": parse_numbers(frame["bouwjaar"])[0].astype("Int64"),
            "bron_rij": rows.astype("Int64"),
        },
        geometry=frame.geometry,
        crs=RD_CRS,
        copy=False,  # the columns made above, not a second copy beside the file's
    )
    if not keep.all():  # PDOK's extract is clean: no copy of 10 M records then
        records = records[keep.to_numpy()]
    return Loaded(records=records.reset_index(drop=True), rejected=rejected, read=len(frame))


def _identificaties(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The identificaties as text (spaces and a spreadsheet's ``.0`` dropped, the leading zero Excel drops put back)
    and which are valid (16 digits); PDOK's own, all valid, without four more copies of 10 M texts on the way."""
    ids = raw.astype("string").str.strip()  # a text of its own: holding the file's column would hold its batch whole
    valid = ids.str.fullmatch(r"\d{16}").fillna(False)
    if valid.all():
        return ids, valid
    ids = ids.str.removesuffix(".0")
    ids = ids.where(~ids.str.fullmatch(r"\d{15}").fillna(False), "0" + ids)
    return ids, ids.str.fullmatch(r"\d{16}").fillna(False)


def _repeated_ids(ids: pd.Series, valid: pd.Series) -> pd.Series:
    """Valid identificaties seen in an earlier row, found as 16-digit numbers sorted once (10 M texts in a hash
    table took 1.4 GiB)."""
    positions = np.flatnonzero(valid.to_numpy())
    numbers = ids[valid].astype("int64").to_numpy()
    order = np.argsort(numbers, kind="stable")  # equal numbers keep their row order: the first stays
    repeated = np.zeros(len(ids), dtype=bool)
    repeated[positions[order[1:][numbers[order][1:] == numbers[order][:-1]]]] = True
    return pd.Series(repeated, index=ids.index)


def _repeated(texts: pd.Series, tidy: Callable[[pd.Series], pd.Series] | None = None) -> pd.Series:
    """A text column whose values repeat as sorted categories, ``tidy`` applied to each distinct value once: the
    country's 10 M statuses, streets and postcodes take a tenth of the memory, and are tidied in a second instead
    of a string operation per record (the gebruiksdoel's regular expression alone took 16 s)."""
    codes, distinct = pd.factorize(texts if pd.api.types.is_string_dtype(texts.dtype) else texts.astype("string"))
    tidied = pd.Series(distinct, dtype="string")
    if tidy is not None:
        tidied = tidy(tidied).astype("string")
    tidy_codes, categories = pd.factorize(tidied, sort=True)
    codes = np.where(codes >= 0, np.append(tidy_codes, -1)[codes], -1)
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=texts.index)


def is_woning(gebruiksdoel: pd.Series) -> pd.Series:
    """Whether a (comma-separated, lower-case) gebruiksdoel includes woonfunctie; False where it is missing."""
    return pd.Series(list_holds(gebruiksdoel, ("woonfunctie",)), index=gebruiksdoel.index)

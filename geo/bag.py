"""BAG verblijfsobjecten: from a PDOK BAG GeoPackage or CSV extract, or online from PDOK.

All sources end in :func:`validate_verblijfsobjecten`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from wijkatlas.errors import CRSError, SourceError, ValidationError
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
#: the name its records, reconciliation and rejections go by (the store's layer)
SOURCE_NAME = "bag_verblijfsobjecten"


def load_verblijfsobjecten(source: Path, *, layer: str | None = None) -> Loaded:
    """Read BAG verblijfsobjecten from a GeoPackage (PDOK BAG layout) or a CSV with x/y columns in RD.

    Returns
    -------
    Loaded
        ``records``: identificatie (16-digit str), gebruiksdoel (str, may hold several,
        comma-separated), is_woning (bool), oppervlakte (Int64, m²), status,
        openbare_ruimte, huisnummer (Int64), huisletter, toevoeging, postcode
        (``1234AB``), woonplaats, bouwjaar (Int64), bron_rij; points in EPSG:28992.
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
        frame = read_features(source, layer, numbered=True)
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
    frame = frame.to_crs(RD_CRS)
    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = pd.NA

    ids = frame["identificatie"].astype("string").str.strip().str.removesuffix(".0")
    ids = ids.where(~ids.str.fullmatch(r"\d{15}").fillna(False), "0" + ids)  # Excel drops the leading zero
    bad_id = ~ids.str.fullmatch(r"\d{16}").fillna(False)
    duplicate = ids.duplicated(keep="first") & ~bad_id
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

    gebruiksdoel = frame["gebruiksdoel"].astype("string").str.lower().str.replace(r"\s*,\s*", ",", regex=True)
    records = gpd.GeoDataFrame(
        {
            "identificatie": ids,
            "gebruiksdoel": gebruiksdoel,
            "is_woning": is_woning(gebruiksdoel),
            "oppervlakte": parse_numbers(frame["oppervlakte"])[0].round().astype("Int64"),
            "status": frame["status"].astype("string"),
            "openbare_ruimte": frame["openbare_ruimte"].astype("string"),
            "huisnummer": parse_numbers(frame["huisnummer"])[0].astype("Int64"),
            "huisletter": frame["huisletter"].astype("string").str.strip().replace("", pd.NA),
            "toevoeging": frame["toevoeging"].astype("string").str.strip().replace("", pd.NA),
            "postcode": normalise_postcode(frame["postcode"]),
            "woonplaats": frame["woonplaats"].astype("string"),
            "bouwjaar": parse_numbers(frame["bouwjaar"])[0].astype("Int64"),
            "bron_rij": rows.astype("Int64"),
        },
        geometry=frame.geometry,
        crs=RD_CRS,
    )
    if not keep.all():  # PDOK's extract is clean: no copy of 10 M records then
        records = records[keep.to_numpy()]
    return Loaded(records=records.reset_index(drop=True), rejected=rejected, read=len(frame))


def is_woning(gebruiksdoel: pd.Series) -> pd.Series:
    """Whether a (comma-separated, lower-case) gebruiksdoel includes woonfunctie; False where it is missing."""
    return gebruiksdoel.str.contains(r"(?:^|,)woonfunctie(?:,|$)", regex=True).fillna(False).astype(bool)

"""The data the OGC API serves: published layers cut from the datapakhuis, and their metadata.

The service never opens the datapakhuis itself. Public collections go to
``openbaar.gpkg`` and intern ones to ``intern.gpkg``, each holding only the
columns its collection publishes, so no query to a public collection can reach
an intern figure or an individual record. ``collections.json`` holds each
collection's resolved metadata (licence, extents, links) for
:mod:`wijkatlas.api_config.pygeoapi_config`.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from wijkatlas.api_config.collections import CollectionSpec
from wijkatlas.errors import ConfigError
from wijkatlas.indicators.catalog import Catalog
from wijkatlas.publication import RECORD_POLICIES, public_records
from wijkatlas.settings import WGS84_CRS
from wijkatlas.store import layer_names, read_layer, write_store
from wijkatlas.vocabulary import LEVELS, present_levels

PUBLIC_FILE = "openbaar.gpkg"
#: the time field of the indicator collections: whole years
YEAR_FIELD = "peiljaar"
INTERN_FILE = "intern.gpkg"
METADATA_FILE = "collections.json"
#: Where a licence named in the catalog is published.
LICENCE_URLS = {
    "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/deed.nl",
    "CC0 1.0": "https://creativecommons.org/publicdomain/zero/1.0/deed.nl",
}
#: The collection that holds the indicator definitions, linked from every indicator collection.
DEFINITIONS_COLLECTION = "indicatordefinities"


def write_api_data(store: Path, catalog: Catalog, specs: list[CollectionSpec], api_dir: Path) -> tuple[Path, list[str]]:
    """Write the published layers of ``store`` and their metadata to ``api_dir``.

    A collection whose layer the build did not write (its source was not given),
    or whose indicators were not computed, is left out; one of a level the build
    does not have (the regio of a build of one gemeente) without a note.

    Returns
    -------
    tuple
        The metadata file, and a Dutch line per collection left out.
    """
    present = layer_names(store)
    levels = present_levels(present)
    specs = [spec for spec in specs if not spec.level or spec.level in levels]
    frames, skipped = {}, []
    for spec in specs:
        frame = published_frame(store, spec) if spec.layer in present else None
        if frame is None:
            what = f"geen indicatoren {list(spec.indicators)}" if spec.layer in present else f"laag {spec.layer} ontbreekt"
            skipped.append(f"collectie {spec.id} weggelaten: {what} (bron niet opgegeven of niets berekend)")
        else:
            frames[spec.id] = frame
            if absent := [c for c in spec.columns or () if spec.rename.get(c, c) not in frame.columns]:
                skipped.append(f"collectie {spec.id}: kolom(men) {absent} ontbreken in de bron en worden niet gepubliceerd")
    specs = [spec for spec in specs if spec.id in frames]
    whole = LEVELS["regio" if "regio" in present else "gemeente"]
    area = read_layer(store, whole.layer)
    years = functools.cache(lambda intern: read_layer(
        store, "indicatoren_lang_" + ("intern" if intern else "openbaar"), columns=["peiljaar"])["peiljaar"])
    described = [_describe(spec, frames[spec.id], catalog, years, area) for spec in specs]
    for intern, name in ((False, PUBLIC_FILE), (True, INTERN_FILE)):
        chosen = {spec.id: frames[spec.id] for spec in specs if spec.intern == intern}
        if chosen:
            path = write_store(chosen, api_dir / name)
            index_id_fields(path, {spec.id: spec.id_field for spec in specs if spec.intern == intern})
    metadata = {
        "gebiedscode": area[whole.code].iloc[0],
        "gebiedsnaam": area[whole.naam].iloc[0],
        "collections": described,
    }
    target = api_dir / METADATA_FILE
    target.write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    return target, skipped


def published_frame(store: Path, spec: CollectionSpec) -> pd.DataFrame | None:
    """The rows and columns ``spec`` publishes from the datapakhuis at ``store`` (``None``: no indicators)."""
    if spec.indicators:
        frame = _time_series(store, spec)
        if frame is None:
            return None
    else:
        frame = read_layer(store, spec.layer)
        if not spec.intern and spec.layer in RECORD_POLICIES:
            frame = public_records(spec.layer, frame)  # the one publication policy, whatever the TOML lists
        if spec.columns is not None:  # a column the registration does not have is not published
            keep = [c for c in spec.columns if c in frame.columns]
            frame = frame[keep + (["geometry"] if isinstance(frame, gpd.GeoDataFrame) else [])]
        frame = frame.rename(columns=spec.rename)
    if spec.id_field not in frame.columns:
        raise ConfigError(f"collectie {spec.id}: id-veld {spec.id_field!r} ontbreekt")
    if frame[spec.id_field].duplicated().any():
        raise ConfigError(f"collectie {spec.id}: id-veld {spec.id_field!r} is niet uniek")
    return frame


def _time_series(store: Path, spec: CollectionSpec) -> gpd.GeoDataFrame | None:
    """One feature per area and peiljaar with the indicators ``spec`` names as columns (value and status)."""
    long = read_layer(store, spec.layer)
    names = long["indicator"].unique()
    chosen = long["indicator"].isin([name for name in names if any(fnmatch.fnmatch(name, p) for p in spec.indicators)])
    rows = long[chosen & (long["niveau"] == spec.level)]
    if rows.empty:
        return None
    level = LEVELS[spec.level]
    code = level.code
    wide = rows.pivot_table(index=["gebiedscode", "peiljaar"], columns="indicator", values="waarde",
                            aggfunc="first", dropna=False)
    status = rows.pivot_table(index=["gebiedscode", "peiljaar"], columns="indicator", values="status",
                              aggfunc="first", dropna=False).add_suffix("__status")
    table = wide.join(status).reset_index().rename(columns={"gebiedscode": code})
    table.columns.name = None
    table.insert(0, spec.id_field, table[code] + "-" + table["peiljaar"].astype(str))
    areas = read_layer(store, level.layer)[[code, level.naam, "geometry"]]
    return areas.merge(table, on=code, how="inner")[[spec.id_field, code, level.naam,
                                                      *table.columns.drop([spec.id_field, code]), "geometry"]]


def _describe(spec: CollectionSpec, frame: pd.DataFrame, catalog: Catalog, years: Callable[[bool], pd.Series],
              area: gpd.GeoDataFrame) -> dict:
    """The metadata of a collection; ``years`` gives the peiljaren of the intern (True) or openbaar figures."""
    source = catalog.sources.get(spec.source)
    if source is None:
        raise ConfigError(f"collectie {spec.id}: bron {spec.source!r} staat niet in de indicatorcatalogus")
    has_geometry = isinstance(frame, gpd.GeoDataFrame)
    time_field = YEAR_FIELD if spec.temporal == "peiljaren" else spec.temporal
    links = [{"type": "text/html", "rel": "license", "title": source.licence,
              "href": LICENCE_URLS.get(source.licence, source.url)}]
    if source.url:
        links.append({"type": "text/html", "rel": "describedby", "title": source.title, "href": source.url})
    if spec.id != DEFINITIONS_COLLECTION and (spec.columns is None or spec.indicators):
        links.append({"type": "text/html", "rel": "describedby", "title": "Definities van de indicatoren",
                      "href": f"collections/{DEFINITIONS_COLLECTION}/items?f=html&limit=1000"})
    return {
        "id": spec.id,
        "file": INTERN_FILE if spec.intern else PUBLIC_FILE,
        "layer": spec.id,
        "id_field": spec.id_field,
        "intern": spec.intern,
        "geometry": has_geometry,
        "title": spec.title,
        "description": f"{spec.description} {source.attribution}.",
        "keywords": list(spec.keywords),
        "licence": source.licence,
        "attribution": source.attribution,
        "owner": source.owner,
        "bbox": wgs84_extent(frame if has_geometry else area),
        "temporal": _temporal_extent(spec, frame, years),
        "time_field": time_field if time_field in frame.columns else None,
        "links": links,
        "fields": [column for column in frame.columns if column != "geometry"],
        "features": len(frame),
    }


def wgs84_extent(frame: gpd.GeoDataFrame) -> list[float]:
    """The bounding box in WGS 84, rounded outwards to 6 decimals so that every geometry lies inside
    (/req/core/fc-md-extent)."""
    bounds = frame.to_crs(WGS84_CRS).total_bounds
    return [math.floor(float(b) * 1e6) / 1e6 if i < 2 else math.ceil(float(b) * 1e6) / 1e6
            for i, b in enumerate(bounds)]


def _temporal_extent(spec: CollectionSpec, frame: pd.DataFrame,
                     years: Callable[[bool], pd.Series]) -> list[str] | None:
    """[begin, end] as ISO 8601, from the peiljaren of the figures or from a date column."""
    if not spec.temporal:
        return None
    if spec.temporal == "peiljaren":
        peiljaren = frame["peiljaar"] if "peiljaar" in frame else years(spec.intern)
        if peiljaren.dropna().empty:
            return None
        return [f"{int(peiljaren.min())}-01-01T00:00:00Z", f"{int(peiljaren.max())}-12-31T23:59:59Z"]
    dates = pd.to_datetime(frame[spec.temporal]).dropna()
    return [dates.min().strftime("%Y-%m-%dT00:00:00Z"), dates.max().strftime("%Y-%m-%dT23:59:59Z")]


def index_id_fields(path: Path, id_fields: dict[str, str]) -> None:
    """Index each layer's id field (a unique index: single items are looked up by it)."""
    with sqlite3.connect(path) as connection:
        for layer, column in id_fields.items():
            connection.execute(f'CREATE UNIQUE INDEX "{layer}_{column}_idx" ON "{layer}" ("{column}")')
    connection.close()

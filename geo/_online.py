"""Downloading from PDOK (OGC API Features via owslib) and CBS (cbsodata).

Private plumbing: paging, CRS negotiation and turning network failures into
:class:`~wijkatlas.errors.OfflineError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

import geopandas as gpd
import requests
from owslib.ogcapi.features import Features

from wijkatlas.errors import OfflineError, SourceError
from wijkatlas.settings import HTTP_TIMEOUT_S, PDOK_PAGE_SIZE, RD_CRS

RD_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
T = TypeVar("T")


@contextmanager
def network_errors(url: str) -> Iterator[None]:
    """Turn a failed connection into an :class:`OfflineError` that names the host."""
    host = urlsplit(url if "//" in url else f"https://{url}").netloc
    try:
        yield
    except (requests.ConnectionError, requests.Timeout) as error:
        raise OfflineError(
            f"{host} is niet bereikbaar ({type(error).__name__}). Downloaden vraagt internet; "
            "'wijkatlas demo' werkt zonder, op de ingebouwde gegevens"
        ) from error
    except requests.HTTPError as error:
        raise SourceError(f"de dienst gaf een fout: {error}", source=url) from error


def open_features(url: str) -> Features:
    """An OGC API Features client for ``url`` (reads the landing page once)."""
    with network_errors(url):
        return Features(url, timeout=HTTP_TIMEOUT_S)


def fetch_features(api: Features, collection: str, **filters: object) -> gpd.GeoDataFrame:
    """Every feature of an OGC API Features collection matching ``filters``, in EPSG:28992.

    Follows the ``next`` links page by page (PDOK pages with a cursor, others
    with an offset); both arrive as query parameters of the link.
    """
    with network_errors(api.url):
        query: dict[str, object] = {"limit": PDOK_PAGE_SIZE, "crs": RD_CRS_URI, "f": "json", **filters}
        features: list[dict] = []
        while True:
            try:
                page = api.collection_items(collection, **query)
            except RuntimeError as error:
                raise SourceError(f"collectie '{collection}' gaf een fout: {error}", source=api.url) from error
            features.extend(page.get("features", []))
            next_href = next((link["href"] for link in page.get("links", []) if link.get("rel") == "next"), None)
            if not next_href or not page.get("features"):
                break
            query = dict(parse_qsl(urlsplit(next_href).query))
    if not features:
        return gpd.GeoDataFrame(geometry=[], crs=RD_CRS)
    return gpd.GeoDataFrame.from_features(features, crs=RD_CRS)


def call_cbs(catalog_url: str, download: Callable[[], T]) -> T:
    """Run a cbsodata call with network failures reported as :class:`OfflineError`."""
    with network_errors(catalog_url):
        return download()

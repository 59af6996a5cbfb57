"""A WSGI layer in front of pygeoapi: read-only, and a 4xx for every request it cannot answer.

pygeoapi answers some malformed requests with a 500 or ignores what it does not
know. Before a request reaches it, this layer checks the method, the output
format, the CRS parameters, ``limit`` and ``offset``, ``bbox`` and the query
parameters of the items endpoints against what each collection publishes, and
answers a problem with an OGC API exception document.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from pygeoapi.util import get_crs_from_uri

from wijkatlas.api_config.pygeoapi_config import CRS84, MAX_ITEMS, OUTPUT_CRS

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
FORMATS = {"json", "html", "jsonld"}
#: What an items request may ask besides filters on the collection's own properties.
ITEMS_PARAMETERS = {"f", "lang", "limit", "offset", "bbox", "bbox-crs", "crs", "resulttype", "datetime", "sortby",
                    "properties", "skipGeometry"}
ITEM_PARAMETERS = {"f", "lang", "crs"}
SPATIAL_PARAMETERS = {"bbox", "bbox-crs", "crs"}
ITEMS_PATH = re.compile(r"^/collections/(?P<collection>[^/]+)/items(?:/(?P<item>[^/]+))?/?$")
RESULT_TYPES = {"results", "hits"}

StartResponse = Callable[..., object]


@dataclass(frozen=True)
class CollectionRules:
    """What an items request to one collection may ask: its properties, and what its provider can do."""

    fields: frozenset[str]
    sortable: bool
    time_filter: bool
    storage_crs: str | None  # None: a table without geometry


class RequestGuard:
    """Wraps the pygeoapi WSGI app with the rules of each collection it serves."""

    def __init__(self, app: Callable, collections: dict[str, CollectionRules]) -> None:
        self.app = app
        self.collections = collections

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """Answer a bad request with 400 or 405 before pygeoapi sees it; pass the rest on."""
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in READ_METHODS:
            return _refuse(start_response, 405, "InvalidOperation",
                           f"Deze dienst is alleen-lezen; {method} is niet toegestaan.",
                           (("Allow", ", ".join(sorted(READ_METHODS))),))
        try:
            parameters = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True, strict_parsing=False)
        except ValueError:
            return _refuse(start_response, 400, "InvalidParameterValue", "Onleesbare query.")
        problem = self.problem(environ.get("PATH_INFO", "/"), parameters)
        if problem:
            return _refuse(start_response, 400, "InvalidParameterValue", problem)
        return self.app(environ, start_response)

    def problem(self, path: str, parameters: list[tuple[str, str]]) -> str | None:
        """Why the request cannot be answered, or None."""
        names = [name for name, _ in parameters]
        if len(set(names)) != len(names):
            return "Elke parameter mag maar één keer voorkomen."
        values = dict(parameters)
        if "f" in values and values["f"] not in FORMATS:
            return f"Onbekend formaat f={values['f']!r}; kies uit {sorted(FORMATS)}."
        match = ITEMS_PATH.match(path)
        if match is None:
            return None
        collection = match["collection"]
        rules = self.collections.get(collection)
        if rules is None:
            return None  # pygeoapi answers 404
        allowed = ITEM_PARAMETERS if match["item"] is not None else ITEMS_PARAMETERS | rules.fields
        if rules.storage_crs is None:
            allowed = allowed - SPATIAL_PARAMETERS
        if unknown := sorted(set(values) - allowed):
            return f"Onbekende parameter(s) {unknown} voor collectie {collection}."
        if "sortby" in values and not rules.sortable:
            return f"Collectie {collection} kan niet gesorteerd worden (sortby); sorteer in de client."
        if "datetime" in values and not rules.time_filter:
            return (f"Collectie {collection} kan niet op tijd gefilterd worden (datetime); "
                    "filter op een eigenschap zoals peiljaar.")
        for crs_parameter in ("crs", "bbox-crs"):
            if crs_parameter in values and values[crs_parameter] not in OUTPUT_CRS:
                return f"{crs_parameter} wordt niet ondersteund; kies uit {OUTPUT_CRS}."
        return _items_problem(values)


def _items_problem(values: dict[str, str]) -> str | None:
    if "limit" in values:
        limit = _integer(values["limit"])
        if limit is None or not 1 <= limit <= MAX_ITEMS:
            return f"limit moet een geheel getal van 1 tot en met {MAX_ITEMS} zijn."
    if "offset" in values:
        offset = _integer(values["offset"])
        if offset is None or offset < 0:
            return "offset moet een geheel getal van 0 of meer zijn."
    if "resulttype" in values and values["resulttype"] not in RESULT_TYPES:
        return f"resulttype moet een van {sorted(RESULT_TYPES)} zijn."
    if "skipGeometry" in values and values["skipGeometry"].lower() not in {"true", "false"}:
        return "skipGeometry moet true of false zijn."
    if "bbox" in values:
        return _bbox_problem(values["bbox"], values.get("bbox-crs", CRS84))
    return None


def _bbox_problem(text: str, bbox_crs: str) -> str | None:
    """Four finite numbers, lower corner first; within longitude/latitude range in a geographic CRS."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        return "bbox moet 4 getallen zijn: minx,miny,maxx,maxy."
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        return "bbox moet 4 eindige getallen zijn: minx,miny,maxx,maxy."
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        return "bbox: de ondergrens ligt boven de bovengrens."
    crs = get_crs_from_uri(bbox_crs)
    if crs.is_geographic:
        latitude_first = crs.axis_info[0].direction in {"north", "south"}
        longitudes, latitudes = ((miny, maxy), (minx, maxx)) if latitude_first else ((minx, maxx), (miny, maxy))
        if not all(-180 <= x <= 180 for x in longitudes) or not all(-90 <= y <= 90 for y in latitudes):
            return "bbox: lengtegraad moet tussen -180 en 180 en breedtegraad tussen -90 en 90 liggen."
    return None


def _integer(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


def _refuse(start_response: StartResponse, status: int, code: str, description: str,
            headers: tuple[tuple[str, str], ...] = ()) -> list[bytes]:
    body = json.dumps({"code": code, "description": description}, ensure_ascii=False).encode("utf-8")
    reason = {400: "Bad Request", 405: "Method Not Allowed"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json; charset=utf-8"),
                                          ("Content-Length", str(len(body))), *headers])
    return [body]

"""A WSGI layer in front of pygeoapi: read-only, conformant answers, and a 4xx for every bad request.

pygeoapi answers some malformed requests with a 500 or ignores what it does not
know. Before a request reaches it, this layer checks the method, the output
format, the CRS parameters, ``limit`` and ``offset``, ``bbox``, ``datetime`` and
the query parameters (names, and values against each property's type) against
what each collection publishes, and answers a problem with an OGC API exception
document. It also makes the answers say what is true: features as
``application/geo+json``, only the conformance classes the service implements,
no version banner, and no endpoints the product does not offer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from pygeoapi.util import get_crs_from_uri

from wijkatlas.api_config.pygeoapi_config import CRS84, MAX_ITEMS, OUTPUT_CRS

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
#: endpoints pygeoapi would offer that this product does not (empty processes, jobs, STAC)
OFF_PATHS = re.compile(r"^/(processes|jobs|stac)(/|$)")
#: paths whose only parameters are the output format and language (/req/core/query-param-unknown)
PLAIN_PATHS = re.compile(r"^/(conformance|collections(/[^/]+)?)?/?$")
PLAIN_PARAMETERS = {"f", "lang"}
#: conformance classes pygeoapi declares that this read-only service does not implement
NOT_IMPLEMENTED = ("ogcapi-features-4/",)
FORMATS = {"json", "html", "jsonld"}
#: What an items request may ask besides filters on the collection's own properties.
ITEMS_PARAMETERS = {"f", "lang", "limit", "offset", "bbox", "bbox-crs", "crs", "resulttype", "datetime", "sortby",
                    "properties", "skipGeometry"}
ITEM_PARAMETERS = {"f", "lang", "crs"}
ITEMS_PATH = re.compile(r"^/collections/(?P<collection>[^/]+)/items(?:/(?P<item>[^/]+))?/?$")
RESULT_TYPES = {"results", "hits"}

StartResponse = Callable[..., object]


@dataclass(frozen=True)
class CollectionRules:
    """What an items request to one collection may ask: its properties (name -> type), and what its provider can do."""

    fields: Mapping[str, str]
    sortable: bool
    time_filter: bool
    storage_crs: str | None  # None: a table without geometry


class RequestGuard:
    """Wraps the pygeoapi WSGI app with the rules of each collection it serves."""

    def __init__(self, app: Callable, collections: dict[str, CollectionRules]) -> None:
        self.app = app
        self.collections = collections

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """Answer a bad request with 400, 404 or 405 before pygeoapi sees it; pass the rest on, rewritten."""
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in READ_METHODS:
            return _refuse(start_response, 405, "InvalidOperation",
                           f"Deze dienst is alleen-lezen; {method} is niet toegestaan.",
                           (("Allow", ", ".join(sorted(READ_METHODS))),))
        path = environ.get("PATH_INFO", "/")
        if OFF_PATHS.match(path):
            return _refuse(start_response, 404, "NotFound", f"{path} wordt door deze dienst niet aangeboden.")
        try:
            parameters = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True, strict_parsing=False)
        except ValueError:
            return _refuse(start_response, 400, "InvalidParameterValue", "Onleesbare query.")
        problem = self.problem(path, parameters)
        if problem:
            return _refuse(start_response, 400, "InvalidParameterValue", problem)
        match = ITEMS_PATH.match(path)
        rules = self.collections.get(match["collection"]) if match else None
        if rules is not None and rules.storage_crs is None and "bbox" in dict(parameters):
            return _empty_collection(start_response)  # no feature of a table has a geometry inside any bbox
        if rules is not None:
            environ = {**environ, "QUERY_STRING": urlencode(_rewritten(parameters, rules))}
        features = rules is not None and rules.storage_crs is not None
        return self._answer(environ, start_response, features=features, conformance=path.rstrip("/") == "/conformance")

    def _answer(self, environ: dict, start_response: StartResponse, *, features: bool,
                conformance: bool) -> Iterable[bytes]:
        """pygeoapi's answer without its version banner; features as GeoJSON; only implemented classes."""
        answered: dict = {}

        def keep(status: str, headers: list[tuple[str, str]], *rest: object) -> Callable:
            kept = [(k, v) for k, v in headers if k.lower() != "x-powered-by"]
            if features and status.startswith("200"):
                kept = [(k, "application/geo+json" if k.lower() == "content-type" and v.startswith("application/json")
                         else v) for k, v in kept]
            answered.update(status=status, headers=kept, rest=rest)
            return lambda data: None

        body = b"".join(self.app(environ, keep))
        headers = answered["headers"]
        if conformance and body and answered["status"].startswith("200") and _is_json(headers):
            document = json.loads(body)
            document["conformsTo"] = [c for c in document.get("conformsTo", [])
                                      if not any(part in c for part in NOT_IMPLEMENTED)]
            body = json.dumps(document, ensure_ascii=False).encode("utf-8")
            headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(answered["status"], headers, *answered["rest"])
        return [body]

    def problem(self, path: str, parameters: list[tuple[str, str]]) -> str | None:
        """Why the request cannot be answered, or None."""
        names = [name for name, _ in parameters]
        if len(set(names)) != len(names):
            return "Elke parameter mag maar één keer voorkomen."
        values = dict(parameters)
        if "f" in values and values["f"] not in FORMATS:
            return f"Onbekend formaat f={values['f']!r}; kies uit {sorted(FORMATS)}."
        if PLAIN_PATHS.match(path) and (unknown := sorted(set(values) - PLAIN_PARAMETERS)):
            return f"Onbekende parameter(s) {unknown}."
        match = ITEMS_PATH.match(path)
        if match is None:
            return None
        collection = match["collection"]
        rules = self.collections.get(collection)
        if rules is None:
            return None  # pygeoapi answers 404
        allowed = ITEM_PARAMETERS if match["item"] is not None else ITEMS_PARAMETERS | set(rules.fields)
        if unknown := sorted(set(values) - allowed):
            return f"Onbekende parameter(s) {unknown} voor collectie {collection}."
        if "sortby" in values and not rules.sortable:
            return f"Collectie {collection} kan niet gesorteerd worden (sortby); sorteer in de client."
        if "datetime" in values and (problem := _datetime_problem(values["datetime"])):
            return problem
        offered = OUTPUT_CRS if rules.storage_crs is not None else [CRS84]  # what the collection advertises
        for crs_parameter in ("crs", "bbox-crs"):
            if crs_parameter in values and values[crs_parameter] not in offered:
                return f"{crs_parameter} wordt niet ondersteund; kies uit {offered}."
        for name, kind in rules.fields.items():
            if name in values and not _fits(values[name], kind):
                return f"{name}={values[name]!r} is geen {TYPE_NAMES.get(kind, kind)}."
        return _items_problem(values)


def _rewritten(parameters: list[tuple[str, str]], rules: CollectionRules) -> list[tuple[str, str]]:
    """What pygeoapi is asked: a 3D bbox as its 2D footprint; datetime left out where features have no time."""
    found = []
    for name, value in parameters:
        if name == "bbox" and len(numbers := value.split(",")) == 6:
            value = ",".join(numbers[:2] + numbers[3:5])
        if name == "datetime" and not rules.time_filter:
            continue  # /req/core/fc-time-response: features without a temporal geometry are not filtered
        found.append((name, value))
    return found


def _empty_collection(start_response: StartResponse) -> list[bytes]:
    body = json.dumps({"type": "FeatureCollection", "features": [], "numberMatched": 0, "numberReturned": 0,
                       "links": []}).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/geo+json"), ("Content-Length", str(len(body)))])
    return [body]


def _is_json(headers: list[tuple[str, str]]) -> bool:
    return any(k.lower() == "content-type" and "json" in v for k, v in headers)


TYPE_NAMES = {"integer": "geheel getal", "number": "getal", "boolean": "true of false", "date": "datum (JJJJ-MM-DD)"}


def _fits(value: str, kind: str) -> bool:
    """Whether a filter value can be compared with a property of type ``kind`` (as the queryables give it)."""
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "number":
        try:
            return math.isfinite(float(value))
        except ValueError:
            return False
    if kind == "boolean":
        return value.lower() in {"true", "false", "0", "1"}
    if kind in {"date", "date-time"}:
        return _instant(value) is not None
    return True


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _datetime_problem(text: str) -> str | None:
    """An RFC 3339 instant or interval (``start/end``, either end open as ``..`` or empty)."""
    parts = text.split("/")
    if len(parts) > 2 or (len(parts) == 2 and all(p in {"", ".."} for p in parts)):
        return "datetime moet een moment of een interval begin/eind zijn (RFC 3339), bv. 2024-01-01/2024-12-31."
    for part in parts:
        if part not in {"", ".."} and _instant(part) is None:
            return f"datetime: {part!r} is geen datum of tijdstip (RFC 3339)."
    return None


def _items_problem(values: dict[str, str]) -> str | None:
    if "limit" in values:  # above the maximum pygeoapi returns the maximum (/req/core/fc-limit-response-1)
        limit = _integer(values["limit"])
        if limit is None or limit < 1:
            return f"limit moet een geheel getal van 1 of meer zijn (de dienst geeft er hooguit {MAX_ITEMS})."
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
        return "bbox moet 4 of 6 getallen zijn: minx,miny,maxx,maxy (of met minz en maxz)."
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        return "bbox moet 4 of 6 eindige getallen zijn: minx,miny,maxx,maxy (of met minz en maxz)."
    minx, miny, maxx, maxy = numbers if len(numbers) == 4 else numbers[:2] + numbers[3:5]
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
    reason = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json; charset=utf-8"),
                                          ("Content-Length", str(len(body))), *headers])
    return [body]

"""The request guard in front of pygeoapi: which requests it refuses, and how."""

from __future__ import annotations

import json

import pytest

from wijkatlas.api_config.guard import CollectionRules, RequestGuard
from wijkatlas.api_config.pygeoapi_config import CRS84, RD_NEW, WGS84

RULES = {
    "buurten": CollectionRules(fields={"buurtcode": "string", "inwoners": "integer"}, sortable=False,
                               time_filter=False, storage_crs=RD_NEW),
    "definities": CollectionRules(fields={"indicator": "string"}, sortable=False, time_filter=False,
                                  storage_crs=None),
    "kavels": CollectionRules(fields={"datum": "date", "oppervlakte_m2": "number"}, sortable=False,
                              time_filter=True, storage_crs=RD_NEW),
    "tabel_db": CollectionRules(fields={"id": "integer"}, sortable=True, time_filter=True, storage_crs=RD_NEW),
}


def call(method: str, path: str, query: str = "") -> tuple[str, dict | None]:
    """Send one request through the guard; returns its status and body (None when pygeoapi was reached)."""
    answers = {}

    def pygeoapi(environ, start_response):
        answers["reached"] = True
        answers["query"] = environ["QUERY_STRING"]
        start_response("200 OK", [])
        return [b""]

    def start_response(status, headers):
        answers["status"] = status

    body = RequestGuard(pygeoapi, RULES)({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query},
                                         start_response)
    return answers["status"], None if answers.get("reached") else json.loads(b"".join(body))


@pytest.mark.parametrize("query", [
    "", "limit=1000", "limit=5000", "offset=5&limit=1", "bbox=6.5,52.4,6.6,52.6", "bbox=6.5,52.4,0,6.6,52.6,10",
    "buurtcode=BU99010000&inwoners=5", "datetime=2024-01-01", "datetime=2022-01-01/..",
    f"bbox=232000,500000,234000,504000&bbox-crs={RD_NEW}&crs={RD_NEW}", f"bbox=52.4,6.5,52.6,6.6&bbox-crs={WGS84}",
    "resulttype=hits", "f=html", "skipGeometry=true", "properties=inwoners",
])
def test_valid_items_requests_reach_pygeoapi(query):
    assert call("GET", "/collections/buurten/items", query) == ("200 OK", None)


@pytest.mark.parametrize(("query", "complaint"), [
    ("limit=0", "limit"), ("limit=-3", "limit"), ("limit=ten", "limit"), ("inwoners=abc", "geheel getal"),
    ("datetime=2024", "datetime"), ("datetime=../..", "datetime"),
    ("offset=-1", "offset"), ("bbox=1,2,3", "bbox"), ("bbox=3,2,1,4", "ondergrens"),
    ("bbox=nan,1,2,3", "bbox"), ("bbox=-200,-100,200,100", "lengtegraad"),
    (f"bbox=100,6,101,7&bbox-crs={WGS84}", "breedtegraad"),  # EPSG:4326 is latitude first
    ("crs=EPSG:3857", "crs"),
    ("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857&bbox=1,1,2,2", "bbox-crs"),
    ("onbekend=1", "Onbekende parameter"), ("sortby=inwoners", "gesorteerd"),
    ("f=xml", "formaat"), ("limit=5&limit=6", "één keer"), ("resulttype=all", "resulttype"),
])
def test_bad_items_requests_are_refused_with_400(query, complaint):
    status, body = call("GET", "/collections/buurten/items", query)
    assert status == "400 Bad Request"
    assert body["code"] == "InvalidParameterValue" and complaint in body["description"]


def test_a_table_without_geometry_takes_the_crs_it_advertises_and_no_feature_lies_in_a_bbox():
    assert call("GET", "/collections/definities/items", "bbox=6,52,7,53") == (
        "200 OK", {"type": "FeatureCollection", "features": [], "numberMatched": 0, "numberReturned": 0, "links": []})
    assert call("GET", "/collections/definities/items", f"crs={CRS84}") == ("200 OK", None)
    assert call("GET", "/collections/definities/items", f"crs={RD_NEW}")[0] == "400 Bad Request"
    assert call("GET", "/collections/definities/items", "indicator=inwoners") == ("200 OK", None)


def test_sortby_and_datetime_pass_where_the_provider_supports_them():
    assert call("GET", "/collections/tabel_db/items", "sortby=-id&datetime=2024-01-01T00:00:00Z") == ("200 OK", None)
    assert call("GET", "/collections/kavels/items", "datetime=2024-01-01/..") == ("200 OK", None)
    assert call("GET", "/collections/kavels/items", "datum=31-12-2024")[0] == "400 Bad Request"


def test_single_items_take_only_format_and_crs():
    assert call("GET", "/collections/buurten/items/BU99010000", f"crs={RD_NEW}") == ("200 OK", None)
    assert call("GET", "/collections/buurten/items/BU99010000", "limit=5")[0] == "400 Bad Request"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_service_is_read_only(method):
    status, body = call(method, "/collections/buurten/items")
    assert status == "405 Method Not Allowed" and body["code"] == "InvalidOperation"


def test_other_paths_and_unknown_collections_are_left_to_pygeoapi():
    assert call("GET", "/collections/bestaat_niet/items", "x=1") == ("200 OK", None)
    assert call("GET", "/conformance", "f=json") == ("200 OK", None)
    assert call("GET", "/conformance", "f=pdf")[0] == "400 Bad Request"


@pytest.mark.parametrize("path", ["/", "/conformance", "/collections", "/collections/buurten"])
def test_req_core_query_param_unknown_on_every_resource(path):
    status, body = call("GET", path, "onbekend=1")
    assert status == "400 Bad Request" and "Onbekende parameter" in body["description"]


@pytest.mark.parametrize("path", ["/processes", "/jobs/x", "/stac"])
def test_endpoints_the_product_does_not_offer_are_404(path):
    assert call("GET", path)[0] == "404 Not Found"

"""OGC API Features Part 1 (17-069r4) and Part 2 (18-058) requirements, each test named by its requirement id.

The OGC CITE suite (Java) cannot run here; these tests make its checks against the served demo.
"""

from __future__ import annotations

import numpy as np
import pyogrio
import pytest
import requests
import shapely

from wijkatlas.api_config.pygeoapi_config import CRS84, MAX_ITEMS, RD_NEW, WGS84

SPATIAL = ["gemeente", "wijken", "buurten", "sportvoorzieningen", "kavels", "meldingen_buurt"]


def get(url: str, **params) -> requests.Response:
    return requests.get(url, params=params, timeout=30)


def test_req_core_conformance_declares_only_what_is_implemented(api_url):
    classes = get(f"{api_url}/conformance", f="json").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert not [c for c in classes if "ogcapi-features-4" in c]  # the service is read-only
    assert requests.post(f"{api_url}/collections/buurten/items", json={}, timeout=30).status_code == 405


@pytest.mark.parametrize("path", ["/", "/conformance", "/collections", "/collections/buurten"])
def test_req_core_query_param_unknown(api_url, path):
    answer = get(f"{api_url}{path}", f="json", onbekend="1")
    assert answer.status_code == 400 and "onbekend" in answer.json()["description"]


def test_req_core_fc_limit_response_1(api_url):
    answer = get(f"{api_url}/collections/meldingen_buurt/items", f="json", limit=MAX_ITEMS + 500)
    assert answer.status_code == 200 and 0 < len(answer.json()["features"]) <= MAX_ITEMS


def test_req_geojson_content(api_url):
    items = get(f"{api_url}/collections/buurten/items", f="json", limit=2)
    assert items.headers["Content-Type"].startswith("application/geo+json")
    item_id = items.json()["features"][0]["id"]
    item = get(f"{api_url}/collections/buurten/items/{item_id}", f="json")
    assert item.headers["Content-Type"].startswith("application/geo+json")
    assert "X-Powered-By" not in items.headers  # no version banner


def test_req_core_fc_bbox_definition_takes_six_numbers(api_url):
    flat = get(f"{api_url}/collections/buurten/items", f="json", bbox="6.5,52.45,6.56,52.52").json()
    tall = get(f"{api_url}/collections/buurten/items", f="json", bbox="6.5,52.45,-10,6.56,52.52,100").json()
    assert {f["id"] for f in tall["features"]} == {f["id"] for f in flat["features"]} != set()


@pytest.mark.parametrize("collection", ["buurten", "kavels"])
@pytest.mark.parametrize("bbox_crs", [CRS84, WGS84, RD_NEW])
def test_req_core_fc_bbox_response_selects_exactly_what_intersects_the_box(api_url, demo_out, collection, bbox_crs):
    """Every feature that intersects the box and no other, in the box's own CRS: also near the corners of a
    CRS84 box, which is turned against RD New (the storage CRS)."""
    published = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer=collection)
    id_field = {"buurten": "buurtcode", "kavels": "kavelnummer"}[collection]
    in_box_crs = published.to_crs("EPSG:28992" if bbox_crs == RD_NEW else "OGC:CRS84")
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = in_box_crs.total_bounds
    for _ in range(6):
        width = rng.uniform(0.1, 0.4) * (maxx - minx)
        x0, y0 = rng.uniform(minx, maxx - width), rng.uniform(miny, maxy - width)
        box = (x0, y0, x0 + width, y0 + width)
        expected = set(in_box_crs.loc[in_box_crs.intersects(shapely.box(*box)), id_field])
        numbers = (box[1], box[0], box[3], box[2]) if bbox_crs == WGS84 else box  # EPSG:4326: latitude first
        answer = get(f"{api_url}/collections/{collection}/items", f="json", limit=MAX_ITEMS, **{
            "bbox": ",".join(f"{n:.9f}" for n in numbers), "bbox-crs": bbox_crs}).json()
        assert {f["properties"][id_field] for f in answer["features"]} == expected, box


def test_req_core_fc_bbox_response_on_a_table_without_geometry(api_url):
    answer = get(f"{api_url}/collections/indicatordefinities/items", f="json", bbox="6,52,7,53")
    assert answer.status_code == 200 and answer.json()["features"] == []


def test_req_core_fc_time_response_filters_by_peiljaar_and_by_date(api_url, demo_out):
    every = get(f"{api_url}/collections/meldingen_buurt/items", f="json", limit=MAX_ITEMS).json()["features"]
    one_year = get(f"{api_url}/collections/meldingen_buurt/items", f="json", limit=MAX_ITEMS,
                   datetime="2023-01-01T00:00:00Z/2023-12-31T23:59:59Z").json()["features"]
    assert {f["properties"]["peiljaar"] for f in one_year} == {2023}
    assert len(one_year) == sum(f["properties"]["peiljaar"] == 2023 for f in every)
    kavels = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="kavels", read_geometry=False)
    recent = get(f"{api_url}/collections/kavels/items", f="json", limit=MAX_ITEMS, datetime="2024-01-01/..").json()
    dates = kavels["datum_status"].dropna().astype(str).str[:10]
    assert len(recent["features"]) == int((dates >= "2024-01-01").sum()) > 0


def test_req_core_fc_time_definition_without_a_time_field_is_not_a_filter(api_url):
    every = get(f"{api_url}/collections/buurten/items", f="json").json()["features"]
    answer = get(f"{api_url}/collections/buurten/items", f="json", datetime="2023-06-01")
    assert answer.status_code == 200 and len(answer.json()["features"]) == len(every)
    assert get(f"{api_url}/collections/buurten/items", f="json", datetime="juni").status_code == 400


@pytest.mark.parametrize("collection", [*SPATIAL, "indicatordefinities"])
def test_req_crs_fc_crs_valid_value_every_advertised_crs_is_accepted(api_url, collection):
    described = get(f"{api_url}/collections/{collection}", f="json").json()
    for crs in described["crs"]:
        answer = get(f"{api_url}/collections/{collection}/items", f="json", limit=1, crs=crs)
        assert answer.status_code == 200, (crs, answer.text[:200])
    assert described["storageCrs"] in described["crs"]


@pytest.mark.parametrize("collection", SPATIAL)
def test_req_core_fc_md_extent_holds_every_geometry(api_url, demo_out, collection):
    extent = get(f"{api_url}/collections/{collection}", f="json").json()["extent"]["spatial"]["bbox"][0]
    frame = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer=collection).to_crs(4326)
    minx, miny, maxx, maxy = frame.total_bounds
    assert extent[0] <= minx and extent[1] <= miny and extent[2] >= maxx and extent[3] >= maxy


def test_the_id_field_is_a_property_too_so_clients_can_show_and_filter_it(api_url):
    feature = get(f"{api_url}/collections/buurten/items", f="json", limit=1).json()["features"][0]
    assert feature["properties"]["buurtcode"] == feature["id"]
    found = get(f"{api_url}/collections/buurten/items", f="json", buurtcode=feature["id"]).json()["features"]
    assert [f["id"] for f in found] == [feature["id"]]


@pytest.mark.parametrize(("collection", "query"), [
    ("kavels", {"oppervlakte_m2": "abc"}), ("buurten", {"datetime": "2024"}), ("kavels", {"datum_status": "x"}),
])
def test_a_filter_value_of_the_wrong_type_is_400(api_url, collection, query):
    answer = get(f"{api_url}/collections/{collection}/items", f="json", **query)
    assert answer.status_code == 400, answer.text[:200]


@pytest.mark.parametrize("path", ["/processes", "/jobs", "/stac"])
def test_endpoints_the_product_does_not_offer_are_off(api_url, path):
    assert get(f"{api_url}{path}").status_code == 404


def test_rd_new_is_served_on_request(api_url):
    answer = get(f"{api_url}/collections/buurten/items", f="json", limit=1, crs=RD_NEW)
    assert answer.headers["Content-Crs"] == f"<{RD_NEW}>"
    x, y = answer.json()["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 0 < x < 300_000 and 300_000 < y < 650_000
    assert CRS84 in get(f"{api_url}/collections/buurten", f="json").json()["crs"]


def test_req_core_fc_time_response_an_instant_is_the_whole_day(api_url, demo_out):
    kavels = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="kavels", read_geometry=False)
    days = kavels["datum_status"].dropna().astype(str).str[:10]
    day = days.value_counts().index[0]
    found = get(f"{api_url}/collections/kavels/items", f="json", limit=MAX_ITEMS, datetime=day).json()["features"]
    assert len(found) == int((days == day).sum()) > 0
    until = get(f"{api_url}/collections/kavels/items", f="json", limit=MAX_ITEMS, datetime=f"../{day}").json()
    assert len(until["features"]) == int((days <= day).sum())


def test_head_answers_carry_the_length_of_the_get_answer(api_url):
    url = f"{api_url}/collections/buurten/items?f=json&limit=3"
    head = requests.head(url, timeout=30)
    got = requests.get(url, timeout=30)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(got.content)


@pytest.mark.parametrize(("crs", "latitude_first"), [(CRS84, False), ("http://www.opengis.net/def/crs/EPSG/0/4326", True),
                                                      ("http://www.opengis.net/def/crs/EPSG/0/4258", True)])
def test_req_crs_fc_crs_response_axis_order_as_the_crs_defines(api_url, crs, latitude_first):
    feature = get(f"{api_url}/collections/buurten/items", f="json", limit=1, crs=crs).json()["features"][0]
    first, second = feature["geometry"]["coordinates"][0][0][:2]
    latitude, longitude = (first, second) if latitude_first else (second, first)
    assert 50.5 < latitude < 54 and 3 < longitude < 7.5


def test_req_core_fc_filters_compare_values_as_data(api_url):
    """No SQL behind the filters: a quote is a character, a number matches however it is written."""
    assert get(f"{api_url}/collections/kavels/items", f="json", status="x' OR '1'='1").json()["features"] == []
    kavels = get(f"{api_url}/collections/kavels/items", f="json", limit=MAX_ITEMS).json()["features"]
    price = next(f["properties"]["prijs_per_m2_eur"] for f in kavels if f["properties"]["prijs_per_m2_eur"])
    found = get(f"{api_url}/collections/kavels/items", f="json", prijs_per_m2_eur=f"{price:.3f}").json()["features"]
    assert found and all(f["properties"]["prijs_per_m2_eur"] == price for f in found)

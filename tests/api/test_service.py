"""The OGC API on loopback, read with real clients (OWSLib and GDAL) and compared with the datapakhuis."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import pyogrio
import pytest
import requests
import shapely
import yaml
from owslib.ogcapi.features import Features

from wijkatlas.api_config.pygeoapi_config import MAX_ITEMS, RD_NEW
from wijkatlas.api_config.server import prepare
from wijkatlas.cli import main

from servers import wijkatlas_server

PUBLIC = ["gemeente", "wijken", "buurten", "sportvoorzieningen", "kavels", "meldingen_buurt", "indicatordefinities"]


def published(demo_out, collection: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer=collection)


def all_items(client: Features, collection: str, page: int = 17) -> list[dict]:
    """Every feature of a collection, page by page with limit/offset."""
    features, offset = [], 0
    while True:
        answer = client.collection_items(collection, limit=page, offset=offset)
        features += answer["features"]
        if len(answer["features"]) < page:
            return features
        offset += page


def test_owslib_sees_exactly_the_public_collections(api_url):
    client = Features(api_url)
    assert sorted(client.feature_collections()) == sorted(PUBLIC)
    buurten = client.collection("buurten")
    assert buurten["title"] == "Buurten: indicatoren"
    assert RD_NEW in buurten["crs"] and buurten["storageCrs"] == RD_NEW
    assert buurten["extent"]["temporal"]["interval"][0][0].startswith("2022-01-01")
    assert any(link["rel"] == "license" for link in buurten["links"])
    queryables = client.collection_queryables("buurten")["properties"]
    assert queryables["inwoners"]["type"] == "number" and queryables["buurtnaam"]["type"] == "string"


@pytest.mark.parametrize("collection", PUBLIC)
def test_owslib_reads_every_feature_with_the_datapakhuis_values(api_url, demo_out, collection):
    client = Features(api_url)
    features = all_items(client, collection)
    expected = published(demo_out, collection)
    assert len(features) == len(expected)
    id_field = {"gemeente": "gemeentecode", "wijken": "wijkcode", "buurten": "buurtcode", "kavels": "kavelnummer",
                "indicatordefinities": "indicator"}.get(collection, "id")
    served = pd.DataFrame([{id_field: f["id"], **f["properties"]} for f in features]).set_index(id_field)
    expected = expected.set_index(id_field)
    assert set(served.index) == set(expected.index)
    numeric = [c for c in expected.columns if pd.api.types.is_numeric_dtype(expected[c])]
    for column in numeric:
        assert np.allclose(served.loc[expected.index, column].astype(float), expected[column].astype(float),
                           equal_nan=True), column


def test_features_come_in_rd_new_on_request(api_url, demo_out):
    answer = requests.get(f"{api_url}/collections/buurten/items/BU99010001",
                          params={"crs": RD_NEW, "f": "json"}, timeout=30)
    assert answer.headers["Content-Crs"] == f"<{RD_NEW}>"
    served = shapely.geometry.shape(answer.json()["geometry"])
    stored = published(demo_out, "buurten").set_index("buurtcode").geometry["BU99010001"]
    assert served.equals_exact(stored, tolerance=1e-6)
    lonlat = shapely.geometry.shape(requests.get(f"{api_url}/collections/buurten/items/BU99010001",
                                                 timeout=30).json()["geometry"])
    expected = gpd.GeoSeries([stored], crs="EPSG:28992").to_crs("OGC:CRS84").iloc[0]
    assert lonlat.equals_exact(expected, tolerance=1e-7)


def test_next_links_page_through_a_collection(api_url, demo_out):
    url, seen = f"{api_url}/collections/kavels/items?limit=25&f=json", []
    while url:
        page = requests.get(url, timeout=30).json()
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert sorted(seen) == sorted(published(demo_out, "kavels")["kavelnummer"])


def test_bbox_in_rd_selects_what_intersects_it(api_url, demo_out):
    box = (232000, 502000, 234000, 504000)
    answer = requests.get(f"{api_url}/collections/buurten/items", timeout=30, params={
        "bbox": ",".join(map(str, box)), "bbox-crs": RD_NEW, "limit": MAX_ITEMS}).json()
    buurten = published(demo_out, "buurten")
    expected = buurten[buurten.intersects(shapely.box(*box))]["buurtcode"]
    assert sorted(f["id"] for f in answer["features"]) == sorted(expected)
    assert 0 < len(expected) < len(buurten)


def test_property_filters_and_hits(api_url, demo_out):
    kavels = published(demo_out, "kavels")
    for status in ("beschikbaar", "in optie", "verkocht"):
        answer = requests.get(f"{api_url}/collections/kavels/items", timeout=30,
                              params={"status": status, "resulttype": "hits"}).json()
        assert answer["numberMatched"] == (kavels["status"] == status).sum()


def test_a_quote_in_a_filter_value_is_data_not_sql(api_url):
    injected = {"buurtnaam": "x' OR '1'='1", "limit": MAX_ITEMS}
    assert requests.get(f"{api_url}/collections/buurten/items", params=injected, timeout=30).json()["features"] == []
    item = requests.get(f"{api_url}/collections/buurten/items/x' OR buurtcode LIKE '%", timeout=30)
    assert item.status_code == 404


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/collections/bestaat_niet/items", {}, 404),
    ("/collections/buurten_intern/items", {}, 404),
    ("/collections/buurten/items/BU00000000", {}, 404),
    ("/collections/buurten/items", {"bbox": "6.5,52.5,6.4"}, 400),
    ("/collections/buurten/items", {"limit": 0}, 400),
    ("/collections/buurten/items", {"kleur": "rood"}, 400),
    ("/collections/buurten/items", {"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, 400),
    ("/collections/indicatordefinities/items", {"crs": "http://www.opengis.net/def/crs/EPSG/0/28992"}, 400),
    ("/static/../api/openbaar.gpkg", {}, 404),
    ("/static/%2e%2e/%2e%2e/datapakhuis.gpkg", {}, 404),
    ("/static/..%2F..%2Fdatapakhuis.gpkg", {}, 404),
])
def test_bad_requests_get_a_4xx(api_url, path, params, status):
    answer = requests.get(api_url + path, params=params, timeout=30)
    assert answer.status_code == status
    assert not answer.content.startswith(b"SQLite format")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_are_refused(api_url, method):
    answer = requests.request(method, f"{api_url}/collections/kavels/items", timeout=30,
                              data=json.dumps({"type": "Feature", "properties": {}, "geometry": None}),
                              headers={"Content-Type": "application/geo+json"})
    assert answer.status_code == 405


def test_html_pages_load_their_libraries_from_the_server(api_url):
    for path in ("/", "/collections/buurten", "/collections/buurten/items", "/openapi"):
        html = requests.get(f"{api_url}{path}", params={"f": "html"}, timeout=30).text
        libraries = [src for src in _script_and_style_links(html)]
        assert libraries, path
        assert all(src.startswith(api_url) for src in libraries), (path, libraries)
        for src in libraries:
            assert requests.get(src, timeout=30).status_code == 200, src


def _script_and_style_links(html: str) -> list[str]:
    import re

    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # e.g. html5shiv for Internet Explorer 8
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    styles = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    return scripts + styles


def ogr(*arguments: str) -> str:
    return subprocess.run(arguments, check=True, capture_output=True, text=True, timeout=120).stdout


@pytest.mark.parametrize("collection", ["gemeente", "wijken", "buurten", "sportvoorzieningen", "kavels",
                                        "meldingen_buurt"])
def test_gdal_ogrinfo_counts_every_collection(api_url, demo_out, collection):
    summary = ogr("ogrinfo", "-ro", "-so", f"OAPIF:{api_url}", collection)
    assert f"Feature Count: {len(published(demo_out, collection))}" in summary


def test_gdal_ogr2ogr_copies_a_collection_in_rd_new(api_url, demo_out, tmp_path):
    target = tmp_path / "kavels.gpkg"
    ogr("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{api_url}", "kavels", "-t_srs", "EPSG:28992")
    copied = pyogrio.read_dataframe(target).set_index("id").sort_index()
    expected = published(demo_out, "kavels").set_index("kavelnummer").sort_index()
    assert list(copied.index) == list(expected.index)
    assert (copied["status"] == expected["status"]).all()
    assert (copied["oppervlakte_m2"] == expected["oppervlakte_m2"]).all()
    assert np.allclose(copied.geometry.area, expected.geometry.area, rtol=1e-6)


def test_intern_collections_are_served_only_with_intern(demo_out):
    with wijkatlas_server(demo_out, "--intern") as url:
        collections = {c["id"] for c in requests.get(f"{url}/collections?f=json", timeout=30).json()["collections"]}
        assert {"buurten_intern", "wijken_intern"} <= collections
        first = requests.get(f"{url}/collections/buurten_intern/items?limit=1", timeout=30).json()
        assert first["features"][0]["properties"]["wmo_clienten_per_1000"] is not None


def test_intern_collections_are_refused_on_a_network_address(demo_out, capsys):
    assert main(["serve", "--out", str(demo_out), "--intern", "--host", "0.0.0.0", "--port", "5999"]) == 1
    assert "--intern-op-netwerk" in capsys.readouterr().err


def test_serve_with_a_relative_out_folder_serves_its_static_files(demo_out):
    with wijkatlas_server(Path(demo_out.name), cwd=demo_out.parent) as url:
        html = requests.get(f"{url}/collections?f=html", timeout=30).text
        links = _script_and_style_links(html)
        assert links and all(requests.get(link, timeout=30).status_code == 200 for link in links)


def test_preparing_a_second_server_leaves_the_files_of_the_first_alone(demo_out):
    first = prepare(demo_out / "api", host="127.0.0.1", port=5001)[0]
    static = Path(yaml.safe_load(first.read_text(encoding="utf-8"))["server"]["templates"]["static"])
    marker = static / "vendor" / "leaflet" / "leaflet.js"
    before = marker.stat().st_ino
    second = prepare(demo_out / "api", host="127.0.0.1", port=5002)[0]
    assert yaml.safe_load(second.read_text(encoding="utf-8"))["server"]["templates"]["static"] == str(static)
    assert marker.stat().st_ino == before  # not deleted and copied again under a running server


@pytest.mark.parametrize("collection", ["gemeente", "wijken", "buurten", "sportvoorzieningen", "kavels",
                                        "meldingen_buurt", "indicatordefinities"])
def test_current_gdal_reads_every_collection_with_the_published_values(api_url, demo_out, collection):
    """GDAL as pyogrio bundles it (3.12 here; Debian's 3.6 is tested above): it asks crs= on every
    collection, tables included, and sees the id field under its own name."""
    assert pyogrio.__gdal_version__ >= (3, 7, 0)
    served = pyogrio.read_dataframe(f"OAPIF:{api_url}", layer=collection, read_geometry=False)
    expected = published(demo_out, collection)
    assert len(served) == len(expected)
    id_field = {"gemeente": "gemeentecode", "wijken": "wijkcode", "buurten": "buurtcode",
                "kavels": "kavelnummer"}.get(collection)
    if id_field:
        assert sorted(served[id_field]) == sorted(expected[id_field])


def test_current_gdal_filters_on_the_id_field(api_url, demo_out):
    code = published(demo_out, "buurten")["buurtcode"].iloc[3]
    served = pyogrio.read_dataframe(f"OAPIF:{api_url}", layer="buurten", where=f"buurtcode = '{code}'")
    assert list(served["buurtcode"]) == [code]


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_one_process_per_worker_and_gives_no_version(demo_out, workers):
    with wijkatlas_server(demo_out, "--werkers", str(workers)) as url:
        port = url.rsplit(":", 1)[1]
        server = next(p for p in psutil.process_iter(["cmdline"])
                      if "serve" in (p.info["cmdline"] or []) and port in (p.info["cmdline"] or []))
        answer = requests.get(f"{url}/collections/buurten/items", params={"limit": 5}, timeout=30)
        assert answer.status_code == 200 and len(answer.json()["features"]) == 5
        assert answer.headers["Server"] in {"wijkatlas", "gunicorn"}  # no version
        expected = 0 if workers == 1 else workers
        deadline = time.monotonic() + 30  # gunicorn forks its workers one after another: the first may answer alone
        while len(server.children()) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(server.children()) == expected

"""`wijkatlas publish --postgis`: the public collections in a real PostgreSQL/PostGIS, served by pygeoapi."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
import pyogrio
import pytest
import requests
import yaml

from wijkatlas.api_config.pygeoapi_config import POSTGRES_PROVIDER, RD_NEW
from wijkatlas.cli import main

from servers import postgis_cluster, wijkatlas_server


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with postgis_cluster() as dsn:
        yield dsn


@pytest.fixture(scope="module")
def published(database, demo_out) -> str:
    assert main(["publish", "--postgis", database, "--out", str(demo_out)]) == 0
    return database


def test_publish_loads_every_public_collection(published, demo_out):
    with psycopg2.connect(published) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'wijkatlas'")
        tables = {row[0] for row in cursor.fetchall()}
        assert tables == {name for name, _ in pyogrio.list_layers(demo_out / "api" / "openbaar.gpkg")}
        cursor.execute("SELECT count(*), sum(ST_Area(geom)), min(ST_SRID(geom)) FROM wijkatlas.buurten")
        count, area, srid = cursor.fetchone()
    buurten = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="buurten")
    assert count == len(buurten) and srid == 28992
    assert area == pytest.approx(buurten.geometry.area.sum(), rel=1e-9)


def test_publish_writes_a_postgresql_configuration_without_password(published, demo_out):
    config = yaml.safe_load((demo_out / "api" / "pygeoapi-postgis.config.yml").read_text(encoding="utf-8"))
    provider = config["resources"]["kavels"]["providers"][0]
    assert provider["name"] == POSTGRES_PROVIDER and provider["table"] == "kavels"
    assert provider["data"]["search_path"] == ["wijkatlas"] and "password" not in provider["data"]
    assert provider["time_field"] == "datum_status"


def test_pygeoapi_serves_the_tables_with_sorting_and_time_filters(published, demo_out):
    kavels = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="kavels")
    with wijkatlas_server(demo_out, "--postgis", published) as url:
        items = requests.get(f"{url}/collections/kavels/items", timeout=30,
                             params={"limit": 1000, "sortby": "-oppervlakte_m2"}).json()["features"]
        assert len(items) == len(kavels)
        areas = [f["properties"]["oppervlakte_m2"] for f in items]
        assert areas == sorted(kavels["oppervlakte_m2"], reverse=True)
        in_2023 = requests.get(f"{url}/collections/kavels/items", timeout=30, params={
            "datetime": "2023-01-01T00:00:00Z/2023-12-31T23:59:59Z", "resulttype": "hits"}).json()
        expected = kavels["datum_status"].between("2023-01-01", "2023-12-31 23:59:59").sum()
        assert in_2023["numberMatched"] == expected > 0
        # whole years (peiljaar): the years of the instant or interval, as on the GeoPackage route
        published_years = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="meldingen_buurt",
                                                 read_geometry=False)["peiljaar"]
        for datetime_, expected in [("2023-01-01T00:00:00Z/2023-12-31T23:59:59Z", published_years == 2023),
                                    ("2023-06-30", published_years == 2023),
                                    ("../2022-12-31T00:00:00Z", published_years <= 2022),
                                    ("2023-01-01T00:00:00Z/..", published_years >= 2023)]:
            meldingen = requests.get(f"{url}/collections/meldingen_buurt/items", timeout=30, params={
                "datetime": datetime_, "limit": 1000})
            assert meldingen.status_code == 200, meldingen.text[:300]
            years = [f["properties"]["peiljaar"] for f in meldingen.json()["features"]]
            assert len(years) == expected.sum() > 0 and set(years) == set(published_years[expected]), datetime_
        rd = requests.get(f"{url}/collections/buurten/items/BU99010001", params={"crs": RD_NEW}, timeout=30)
        x, y = rd.json()["geometry"]["coordinates"][0][0]
        assert 200_000 < x < 260_000 and 480_000 < y < 530_000
        assert requests.get(f"{url}/collections/buurten/items", params={"kleur": "x"}, timeout=30).status_code == 400


def test_publish_can_be_rerun_and_swaps_the_collections_at_once(published, demo_out):
    with psycopg2.connect(published) as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE wijkatlas.kavels SET status = 'oud'")  # mark what the first publish wrote
    assert main(["publish", "--postgis", published, "--out", str(demo_out)]) == 0  # a monthly refresh
    with psycopg2.connect(published) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM wijkatlas.kavels WHERE status = 'oud'")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'wijkatlas%'")
        assert {row[0] for row in cursor.fetchall()} == {"wijkatlas"}  # no staging schema left behind

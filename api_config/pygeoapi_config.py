"""The pygeoapi configuration and OpenAPI document, generated from the published collections' metadata."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from wijkatlas.api_config.layers import METADATA_FILE
from wijkatlas.errors import ConfigError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
ETRS89 = "http://www.opengis.net/def/crs/EPSG/0/4258"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"
#: Every collection can be requested (crs=) and filtered (bbox-crs=) in these.
OUTPUT_CRS = [CRS84, RD_NEW, WGS84, ETRS89]
DEFAULT_ITEMS = 100
MAX_ITEMS = 1000
#: The provider of the GeoPackage route: every published layer served from memory (see wijkatlas.api_config.memory).
MEMORY_PROVIDER = "wijkatlas.api_config.memory.MemoryProvider"
#: The provider of the PostGIS route: pygeoapi's PostgreSQL provider, with datetime on whole years too.
POSTGRES_PROVIDER = "wijkatlas.api_config.postgres.YearAwarePostgreSQLProvider"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
#: The collection whose features are titled by this column in pygeoapi's HTML pages.
TITLE_FIELDS = ("buurtnaam", "wijknaam", "gemeentenaam", "aanbieder", "titel", "kavelnummer")


@dataclass(frozen=True)
class PostGIS:
    """Serve from PostgreSQL/PostGIS tables (``wijkatlas publish``) instead of the GeoPackages."""

    host: str
    port: int
    dbname: str
    user: str
    password: str
    schema: str


def read_metadata(api_dir: Path) -> dict:
    """The collections' metadata written by :func:`wijkatlas.api_config.layers.write_api_data`."""
    path = api_dir / METADATA_FILE
    if not path.exists():
        raise ConfigError(f"{path} ontbreekt: bouw eerst het datapakhuis (wijkatlas demo of wijkatlas build)")
    return json.loads(path.read_text(encoding="utf-8"))


def pygeoapi_config(metadata: dict, api_dir: Path, *, url: str, host: str, port: int, intern: bool = False,
                    postgis: PostGIS | None = None, templates: Path | None = None) -> dict:
    """The complete pygeoapi configuration: server, metadata and one resource per collection.

    Intern collections are included only with ``intern``; ``postgis`` switches
    every collection to pygeoapi's PostgreSQL provider.
    """
    gebied = metadata["gebiedsnaam"]
    owner = f"Gemeente {gebied}" if str(metadata["gebiedscode"]).startswith("GM") else f"Gemeenten {gebied}"
    server = {
        "bind": {"host": host, "port": port},
        "url": url.rstrip("/"),
        "mimetype": "application/json; charset=UTF-8",
        "encoding": "utf-8",
        "gzip": False,
        "languages": ["nl-NL"],
        "cors": True,
        "pretty_print": False,
        "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS, "on_exceed": "throttle"},
        "map": {
            "url": "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
            "attribution": "Kaartgegevens &copy; Kadaster (BRT Achtergrondkaart)",
        },
    }
    if templates is not None:
        server["templates"] = {"path": str(templates / "templates"), "static": str(templates / "static")}
    collections = [c for c in metadata["collections"] if intern or not c["intern"]]
    return {
        "server": server,
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": f"Wijkatlas {gebied}",
                "description": (f"Indicatoren per buurt, wijk en gemeente en gemeentelijke registraties van "
                                f"{gebied} als OGC API Features. Alleen openbare cijfers, tenzij anders vermeld."),
                "keywords": ["wijken", "buurten", "indicatoren", "datapakhuis", gebied],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/deed.nl",
                "url": url.rstrip("/"),
            },
            "license": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/deed.nl"},
            "provider": {"name": owner, "url": url.rstrip("/")},
            "contact": {"name": f"{owner}, team Onderzoek en Statistiek", "country": "Nederland",
                        "role": "pointOfContact"},
        },
        "resources": {c["id"]: _resource(c, api_dir, url, postgis) for c in collections},
    }


def _resource(collection: dict, api_dir: Path, url: str, postgis: PostGIS | None) -> dict:
    extents = {"spatial": {"bbox": collection["bbox"], "crs": CRS84}}
    if collection["temporal"]:
        begin, end = (datetime.fromisoformat(moment) for moment in collection["temporal"])
        extents["temporal"] = {"begin": begin, "end": end}
    links = [
        {**link, "href": link["href"] if link["href"].startswith("http") else f"{url.rstrip('/')}/{link['href']}"}
        for link in collection["links"]
    ]
    return {
        "type": "collection",
        "title": collection["title"],
        "description": collection["description"],
        "keywords": collection["keywords"],
        "links": links,
        "extents": extents,
        "providers": [_provider(collection, api_dir, postgis)],
    }


def _provider(collection: dict, api_dir: Path, postgis: PostGIS | None) -> dict:
    provider = {"type": "feature", "id_field": collection["id_field"]}
    if title_field := next((f for f in TITLE_FIELDS if f in collection.get("fields", ())), None):
        provider["title_field"] = title_field
    if collection["geometry"]:
        provider |= {"crs": OUTPUT_CRS, "storage_crs": RD_NEW}
    if collection.get("time_field"):
        provider["time_field"] = collection["time_field"]
    if postgis is None:
        return provider | {
            "name": MEMORY_PROVIDER,
            "data": {"source": str((api_dir / collection["file"]).resolve())},
            "layer": collection["layer"],
        }
    return provider | {
        "name": POSTGRES_PROVIDER,
        # No password: libpq reads PGPASSWORD or ~/.pgpass, so none ends up in a configuration file.
        "data": {"host": postgis.host, "port": postgis.port, "dbname": postgis.dbname, "user": postgis.user,
                 "search_path": [postgis.schema]},
        "table": collection["layer"],
        "geom_field": "geom",
    }


def capabilities(provider: dict) -> tuple[bool, bool]:
    """(sortby, datetime) support: sortby only on PostgreSQL; datetime on both, where there is a time field."""
    return provider["name"] == POSTGRES_PROVIDER, "time_field" in provider


def check_binding(host: str, intern: bool, intern_on_network: bool) -> None:
    """Refuse to serve intern collections beyond loopback unless that is asked for explicitly."""
    if intern and host not in LOOPBACK and not intern_on_network:
        raise ConfigError(
            f"interne collecties worden niet op {host} gepubliceerd: alleen op 127.0.0.1, "
            "of geef ook --intern-op-netwerk als het netwerk daarvoor bedoeld is"
        )


def write_config(config: dict, api_dir: Path, name: str = "pygeoapi") -> tuple[Path, Path]:
    """Write the configuration and its OpenAPI document (generated by pygeoapi) as YAML; returns both paths."""
    from pygeoapi.openapi import get_oas

    from wijkatlas.api_config.openapi import complete_document

    config_path = api_dir / f"{name}.config.yml"
    openapi_path = api_dir / f"{name}.openapi.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    openapi = complete_document(get_oas(config), config)
    openapi_path.write_text(yaml.safe_dump(openapi, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config_path, openapi_path

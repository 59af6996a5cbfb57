"""Typed defaults in one place: CRS, service endpoints and validation limits."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: Every distance and area is computed in Amersfoort / RD New.
RD_CRS = "EPSG:28992"
WGS84_CRS = "EPSG:4326"

#: Coordinates outside these bounds cannot be RD coordinates in the Netherlands.
RD_BOUNDS = (0.0, 300_000.0, 290_000.0, 630_000.0)  # xmin, ymin, xmax, ymax
#: The same for longitude/latitude (WGS84).
LONLAT_BOUNDS = (3.0, 50.6, 7.4, 53.7)

#: CBS codes missing or secret values in its wijk- en buurtkaart as numbers <= this.
CBS_SENTINEL_MAX = -99995
#: What a specific CBS sentinel means; any other value <= CBS_SENTINEL_MAX is "ontbreekt".
CBS_SENTINEL_MEANING = {-99997: "geheim"}
#: StatLine text symbols for a value that is not published.
CBS_MISSING_SYMBOLS = {".": "geheim of onbekend", "x": "geheim"}

#: CBS StatLine (OData) catalogue used by cbsodata.
CBS_CATALOG_URL = "opendata.cbs.nl"
#: Kerncijfers wijken en buurten, table id per peiljaar.
KERNCIJFERS_TABLES = {2019: "84583NED", 2020: "84799NED", 2021: "85039NED", 2022: "85318NED", 2023: "85618NED",
                      2024: "85984NED"}

#: PDOK OGC API Features services; {jaar} is the year of the wijk- en buurtkaart.
PDOK_WIJKENBUURTEN_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{jaar}/ogc/v1"
PDOK_BAG_URL = "https://api.pdok.nl/lv/bag/ogc/v1_0"
PDOK_PAGE_SIZE = 1000
HTTP_TIMEOUT_S = 60

#: A source with a larger share of rejected records is refused as a whole: the
#: configuration (separator, decimal sign, column names) is probably wrong.
MAX_REJECTED_SHARE = 0.5

#: The embedded demo municipality and its build configuration (package data, also in a wheel).
DEMO_DATA_DIR = Path(str(files("wijkatlas.data")))
DEMO_CONFIG = DEMO_DATA_DIR / "demo.toml"
DEFAULT_OUT_DIR = Path("out")
#: JavaScript and CSS for offline pages, copied from node_modules by `make` (package data).
VENDOR_SOURCE = Path(__file__).resolve().parent / "vendor"
#: CBS's column list of the kerncijfers (key, title, unit): maps StatLine export titles to keys.
CBS_DATA_PROPERTIES = DEMO_DATA_DIR / "reference" / "cbs_85984NED_DataProperties.json"
STORE_NAME = "datapakhuis.gpkg"

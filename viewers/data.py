"""What the viewers read from the built datapakhuis: areas with indicators, definitions, registrations."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import shapely

from wijkatlas.errors import WijkatlasError
from wijkatlas.indicators.export import public_quality
from wijkatlas.settings import WGS84_CRS
from wijkatlas.store import layer_names, read_layer

T = TypeVar("T")

#: Geometry is simplified for display to this tolerance (metres, RD) and rounded to ~1 m in lon/lat.
DISPLAY_TOLERANCE_M = 5.0
DISPLAY_DECIMALS = 5


@dataclass(frozen=True)
class Atlas:
    """One variant (openbaar or intern) of the built datapakhuis, as the viewers need it."""

    store: Path
    variant: str
    _layers: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def public(self) -> bool:
        """Whether this is the openbaar variant."""
        return self.variant == "openbaar"

    def areas(self, niveau: str) -> gpd.GeoDataFrame:
        """Areas of ``niveau`` with every indicator (latest peiljaar), in lon/lat, simplified for display."""
        return self.derived(("areas", niveau),
                            lambda: display_geometry(self._read(f"indicatoren_{niveau}_{self.variant}"))).copy()

    def whole(self) -> pd.Series:
        """The row of the whole area the build covers (its regio, or its one gemeente) with every indicator."""
        return self._read(f"indicatoren_{'regio' if self.regio() else 'gemeente'}_{self.variant}").iloc[0]

    def gebiedsnaam(self) -> str:
        """The name of what the build covers: its gemeente, or its regio."""
        regio = self.regio()
        return regio[1] if regio else str(self._read("gemeente")["gemeentenaam"].iloc[0])

    def regio(self) -> tuple[str, str] | None:
        """Code and name of the regio in a build of several gemeenten, else ``None``."""
        if "regio" not in layer_names(self.store):
            return None
        row = self._read("regio").iloc[0]
        return str(row["regiocode"]), str(row["regionaam"])

    def gemeentenamen(self) -> dict[str, str]:
        """Each gemeente's name by its code."""
        gemeenten = self._read("gemeente")
        return dict(zip(gemeenten["gemeentecode"], gemeenten["gemeentenaam"], strict=True))

    def long(self) -> pd.DataFrame:
        """Every indicator figure in long form, with status and comparison."""
        return self._read(f"indicatoren_lang_{self.variant}")

    def definitions(self) -> pd.DataFrame:
        """The indicator definitions, by indicator id."""
        return self._read("indicator_definities").set_index("indicator")

    def context_indicators(self, viewer: str) -> list[str]:
        """The indicators the catalog shows on ``viewer``'s map (``viewers = [...]``), in catalog order."""
        marked = self.definitions()["kaarten"].fillna("").str.split(", ")
        return [indicator for indicator, viewers in marked.items() if viewer in viewers]

    def has(self, layer: str) -> bool:
        """Whether the build wrote ``layer`` (a registration that was not configured is absent)."""
        return self.store.is_file() and layer in layer_names(self.store)

    def quality(self) -> pd.DataFrame:
        """Data quality per indicator, peiljaar and area; in the openbaar variant without record counts."""
        quality = self._read("indicator_kwaliteit")
        return public_quality(quality, self.long()) if self.public else quality

    def signals(self) -> pd.DataFrame:
        """Every signal (deviation, trend, target) with its rule, of this variant's figures."""
        return self._read(f"signalering_{self.variant}")

    def methods(self) -> dict[str, str]:
        """How signals and similar areas are found, in plain Dutch, by part (afwijking, trend, streefwaarde,
        vergelijkbaar)."""
        return dict(self._read("methoden")[["onderdeel", "tekst"]].itertuples(index=False))

    def similar(self) -> pd.DataFrame:
        """The most similar areas of every wijk and buurt, nearest first."""
        return self._read(f"vergelijkbare_gebieden_{self.variant}")

    def targets(self) -> pd.DataFrame:
        """Each targeted indicator's target per area and whether the latest figure meets it."""
        return self._read(f"streefwaarden_{self.variant}")

    def sources(self) -> pd.DataFrame:
        """Per source: owner, feedback address, date, and its records read, used, outside and rejected."""
        return self._read("bron_kwaliteit")

    def texts(self) -> dict[str, str]:
        """The gebiedsregisseurs' Markdown text per area code (none when the build had no texts)."""
        if not self.has("toelichtingen"):
            return {}
        return dict(self._read("toelichtingen")[["gebiedscode", "tekst"]].itertuples(index=False))

    def edition(self) -> date:
        """The day the build was made: the date of this edition."""
        return datetime.fromisoformat(self.edition_stamp()).date()

    def edition_stamp(self) -> str:
        """The moment the build was made (ISO 8601): what tells one edition from another."""
        return str(self._read("editie")["gebouwd_op"].iloc[0])

    def registration(self, name: str) -> gpd.GeoDataFrame:
        """A registration's records in lon/lat, as stored."""
        return display_geometry(self._read(name))

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, made once per atlas: what several pages of one site share (not to be changed by a page)."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def _read(self, layer: str) -> pd.DataFrame:
        """A layer of the store, read once per atlas (a copy each time: what one page changes stays its own)."""
        if layer not in self._layers:
            if not self.store.is_file():
                raise WijkatlasError(f"{self.store} bestaat niet; bouw eerst met 'wijkatlas demo' of 'wijkatlas build'")
            self._layers[layer] = read_layer(self.store, layer)
        return self._layers[layer].copy(deep=False)


def display_geometry(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplified (polygons) and reprojected to lon/lat with coordinates rounded for small pages.

    GEOS's topology-preserving simplification can still make a ring cross itself (a narrow
    buurt along a winding boundary); such a polygon is repaired, keeping its area, before rounding.
    """
    frame = frame.copy()
    polygons = frame.geom_type.isin(["Polygon", "MultiPolygon"])
    frame.loc[polygons, "geometry"] = frame.loc[polygons].simplify(DISPLAY_TOLERANCE_M, preserve_topology=True)
    frame = frame.to_crs(WGS84_CRS)
    invalid = (polygons & ~frame.is_valid).to_numpy()
    if invalid.any():
        frame.loc[invalid, "geometry"] = shapely.make_valid(frame.geometry.to_numpy()[invalid], method="structure",
                                                            keep_collapsed=False)
    frame["geometry"] = frame.set_precision(10 ** -DISPLAY_DECIMALS)
    return frame


def rows_of(table: pd.DataFrame, columns: list[str]) -> Iterator[tuple]:
    """The values of ``columns`` row by row, as Python objects (iterating a pandas text column is 15x slower)."""
    return zip(*(table[column].tolist() for column in columns), strict=True)


def records_of(table: pd.DataFrame) -> list[dict]:
    """``table.to_dict("records")`` from :func:`rows_of` (a tenth of the time on the country's figures)."""
    columns = list(table.columns)
    return [dict(zip(columns, row, strict=True)) for row in rows_of(table, columns)]


def bounds(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """[[south, west], [north, east]] of ``frame`` (lon/lat), as Leaflet fits maps to."""
    west, south, east, north = frame.total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]

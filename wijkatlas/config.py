"""The build configuration: which files make up a municipality's datapakhuis.

A TOML file, validated on load; paths are relative to the file. See
``data/demo.toml`` for the worked example.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyproj

from wijkatlas.errors import ConfigError
from wijkatlas.geo.gebieden import BoundaryFile
from wijkatlas.geo.pipeline import KerncijfersSource, RasterSource, Sources
from wijkatlas.geo.registrations import GEO_FORMATS, GeometryJoin, RegistrationSpec
from wijkatlas.indicators.catalog import DEFAULT_CATALOG
from wijkatlas.vocabulary import Gebied, Provincie

SECTIONS = {"gemeente", "gebied", "gebieden", "kerncijfers", "bag", "raster", "registraties", "indicators", "rekenen", "viewers"}
ENGINES = ("lokaal", "dask")
#: the code of a regio when [gebied] gives none, and of a build of every gemeente (as CBS codes Nederland)
REGIO_CODE = "RG01"
REGIO_CODE_ALLE = "NL01"
RESERVED_LAYERS = {"regio", "gemeente", "wijken", "buurten", "kerncijfers", "bag_verblijfsobjecten", "reconciliatie",
                   "afgekeurd", "bronnen"}
BOUNDARY_KEYS = {"file", "layer", "crs", "code", "naam"}
#: [gebieden] may name one file for every level, or a table per level
BOUNDARY_LEVELS = ("buurten", "wijken", "gemeenten")
REGISTRATION_KEYS = {
    "title", "file", "layer", "sep", "encoding", "decimal", "id", "x", "y", "lon", "lat", "xy_crs", "postcode",
    "huisnummer", "huisletter", "category", "categories", "date", "date_format", "attributes", "geometry",
}


@dataclass(frozen=True)
class ComputeSettings:
    """Where assignment and aggregation run: ``lokaal`` (this process) or ``dask`` (partitioned)."""

    engine: str = "lokaal"
    #: partitions of each source on dask
    partitions: int = 8
    #: address of a running dask scheduler (``tcp://host:8786``); none starts a local cluster
    scheduler: str | None = None
    #: worker processes of the local cluster
    workers: int = 2


@dataclass(frozen=True)
class BuildConfig(Sources):
    """A validated build configuration: the sources, and how to compute from them."""

    path: Path
    #: the indicator catalog to compute
    catalog: Path
    #: the gemeente's own additions to it: kadernota targets, reference values, owners, feedback addresses
    local_catalog: Path | None
    #: peiljaar of snapshot sources (BAG, undated registrations); default the latest kerncijfers peiljaar
    peiljaar: int
    compute: ComputeSettings = ComputeSettings()


def load_config(path: Path) -> BuildConfig:
    """Read and validate a build configuration.

    Raises
    ------
    ConfigError
        Listing every unknown key, missing key and bad value at once.
    """
    if not path.is_file():
        raise ConfigError(f"configuratie {path} niet gevonden")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: geen geldige TOML: {error}") from error
    checker = _Checker(path)
    checker.keys("", raw, allowed=SECTIONS, required={"gebieden"})
    base = path.parent
    gebied = _gebied(raw, base, checker)

    gebieden = _boundaries(raw.get("gebieden", {}), base, checker)
    bag = raw.get("bag")
    if bag is not None:
        checker.keys("bag", bag, allowed={"file", "layer"}, required={"file"})
        if isinstance(bag, dict) and not str(bag.get("file", "x")).strip():
            checker.problem("bag.file is leeg; geef het BAG-bestand op, of laat [bag] weg als je geen BAG hebt")

    kerncijfers = []
    for i, entry in enumerate(raw.get("kerncijfers", [])):
        checker.keys(f"kerncijfers[{i}]", entry, allowed={"file", "peiljaar", "sep", "encoding"},
                     required={"file", "peiljaar"})
        peiljaar = entry.get("peiljaar")
        if "peiljaar" in entry and not (isinstance(peiljaar, int) and 1900 < peiljaar < 2200):
            checker.problem(f"kerncijfers[{i}].peiljaar is '{peiljaar}' maar moet een jaartal zijn, bv. 2024")
        elif "file" in entry:
            kerncijfers.append(KerncijfersSource(base / entry["file"], peiljaar, entry.get("sep"),
                                                 entry.get("encoding")))
    years = [k.peiljaar for k in kerncijfers]
    if len(set(years)) != len(years):
        checker.problem(f"kerncijfers: peiljaar komt dubbel voor in {years}")

    rasters = []
    for name, entry in _named_tables(raw, "raster", checker, example='[raster.groen]\nfile = "groen.tif"'):
        checker.keys(f"raster.{name}", entry, allowed={"file", "title", "unit"}, required={"file"})
        rasters.append(RasterSource(name, base / entry.get("file", ""), entry.get("title", name), entry.get("unit", "")))

    registrations = []
    for name, entry in _named_tables(raw, "registraties", checker,
                                     example='[registraties.sportvoorzieningen]\nfile = "sport.csv"'):
        where = f"registraties.{name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in RESERVED_LAYERS or name.startswith("raster_"):
            checker.problem(f"{where}: naam moet uit kleine letters, cijfers en _ bestaan en mag geen "
                            f"vaste laagnaam zijn ({sorted(RESERVED_LAYERS)})")
        checker.keys(where, entry, allowed=REGISTRATION_KEYS, required={"file", "id"})
        registration = _registration(name, entry, base, checker)
        if registration is not None:
            registrations.append(registration)
    indicators = raw.get("indicators", {})
    checker.keys("indicators", indicators, allowed={"catalog", "local", "peiljaar"}, required=set())
    catalog = base / indicators["catalog"] if "catalog" in indicators else DEFAULT_CATALOG
    local_catalog = base / indicators["local"] if "local" in indicators else None
    peiljaar = indicators.get("peiljaar", max(years, default=date.today().year))
    if not isinstance(peiljaar, int) or isinstance(peiljaar, bool):
        checker.problem(f"indicators.peiljaar is '{peiljaar}' maar moet een jaartal zijn, bv. 2024")
        peiljaar = max(years, default=date.today().year)
    compute = _compute(raw.get("rekenen", {}), checker)
    viewers = raw.get("viewers", {})
    checker.keys("viewers", viewers, allowed={"texts"}, required=set())
    texts = base / viewers["texts"] if isinstance(viewers, dict) and "texts" in viewers else None
    if bag is None:
        for registration in registrations:
            if registration.postcode and registration.huisnummer:
                checker.problem(f"registraties.{registration.name}: postcode + huisnummer zoekt adressen op in de "
                                "BAG, maar [bag] ontbreekt; voeg [bag] toe of geef x+y, lon+lat of geometry")
    checker.raise_if_any()
    return BuildConfig(
        path=path, gebied=gebied, gebieden=gebieden,
        kerncijfers=tuple(sorted(kerncijfers, key=lambda k: k.peiljaar)),
        bag=base / bag["file"] if bag is not None else None, bag_layer=bag.get("layer") if bag else None,
        rasters=tuple(rasters), registrations=tuple(registrations), catalog=catalog,
        local_catalog=local_catalog, peiljaar=peiljaar, texts=texts,
        compute=compute,
    )


def _gebied(raw: dict, base: Path, checker: _Checker) -> Gebied:
    """``[gemeente]`` (code, naam) for one gemeente, or ``[gebied]`` (naam, code, gemeenten, alle or provincie) for
    several."""
    if ("gemeente" in raw) == ("gebied" in raw):
        checker.problem("geef [gemeente] (code, naam) voor één gemeente, of [gebied] (naam en gemeenten = [\"GM…\", …] "
                        "of alle = true) voor meer gemeenten, niet beide of geen van beide")
        return Gebied("GM0000", "", ("GM0000",))
    if "gemeente" in raw:
        gemeente = raw["gemeente"]
        checker.keys("gemeente", gemeente, allowed={"code", "naam"}, required={"code", "naam"})
        code = str(gemeente.get("code", "")) if isinstance(gemeente, dict) else ""
        if not re.fullmatch(r"GM\d{4}", code):
            checker.problem(f"gemeente.code is '{code}' maar moet de vorm GMxxxx hebben")
        return Gebied(code, str(gemeente.get("naam", "")) if isinstance(gemeente, dict) else "", (code,))
    entry = raw["gebied"]
    checker.keys("gebied", entry, allowed={"naam", "code", "gemeenten", "alle", "provincie", "provinciegrenzen"},
                 required={"naam"})
    if not isinstance(entry, dict):
        return Gebied("GM0000", "", ("GM0000",))
    if "provincie" in entry or "provinciegrenzen" in entry:
        return _provincie(entry, base, checker)
    everything = entry.get("alle", False) is True
    gemeenten = entry.get("gemeenten", [])
    if everything == bool(gemeenten):
        checker.problem("[gebied] vraagt gemeenten = [\"GM0534\", \"GM0553\", …], alle = true of provincie = "
                        "\"PV28\" (één daarvan)")
    elif not everything and not (isinstance(gemeenten, list) and len(gemeenten) >= 2
                                 and all(isinstance(c, str) and re.fullmatch(r"GM\d{4}", c) for c in gemeenten)):
        checker.problem(f"gebied.gemeenten is {gemeenten!r} maar moet twee of meer codes GMxxxx zijn, bv. "
                        "[\"GM0534\", \"GM0553\"]; voor één gemeente gebruik je [gemeente]")
    elif not everything and len(set(gemeenten)) != len(gemeenten):
        checker.problem(f"gebied.gemeenten noemt een gemeente dubbel: {gemeenten}")
    code = str(entry.get("code", REGIO_CODE_ALLE if everything else REGIO_CODE))
    if not re.fullmatch(r"[A-Z]{2}\d{2,4}", code) or code[:2] in ("BU", "WK", "GM"):
        checker.problem(f"gebied.code is '{code}' maar moet twee hoofdletters en 2–4 cijfers zijn, niet BU/WK/GM "
                        "(bv. RG01, of de CBS-code van een provincie als PV28)")
    return Gebied(code, str(entry.get("naam", "")), None if everything else tuple(gemeenten))


def _provincie(entry: dict, base: Path, checker: _Checker) -> Gebied:
    """``[gebied]`` of a provincie: its CBS code and the CBS gebiedsindelingen file with its outline."""
    code = str(entry.get("provincie", ""))
    if not re.fullmatch(r"PV\d{2}", code):
        checker.problem(f"gebied.provincie is '{code}' maar moet de CBS-code van een provincie zijn, bv. \"PV28\" "
                        "(Zuid-Holland)")
    if "provinciegrenzen" not in entry:
        checker.problem("gebied.provincie vraagt ook provinciegrenzen = \"…gpkg\": de CBS gebiedsindelingen (PDOK) "
                        "met de laag provincie_gegeneraliseerd")
    if "gemeenten" in entry or "alle" in entry:
        checker.problem("[gebied] vraagt gemeenten, alle = true of provincie: één daarvan")
    if "code" in entry and entry["code"] != code:
        checker.problem(f"gebied.code is '{entry['code']}' maar een provincie heeft haar eigen code ({code}); laat "
                        "code weg")
    return Gebied(code, str(entry.get("naam", "")), None, Provincie(code, base / str(entry.get("provinciegrenzen", ""))))


def _boundaries(entry: object, base: Path, checker: _Checker) -> tuple[BoundaryFile, ...]:
    """``[gebieden]``: ``file`` (+ layer, crs, code, naam), or one such table per level."""
    if not isinstance(entry, dict):
        checker.problem("gebieden moet een tabel zijn")
        return ()
    levels = [level for level in BOUNDARY_LEVELS if level in entry]
    if levels:
        checker.keys("gebieden", entry, allowed=set(BOUNDARY_LEVELS), required={"buurten"})
        tables = [(f"gebieden.{level}", entry[level]) for level in levels]
    else:
        tables = [("gebieden", entry)]
    files = []
    for where, table in tables:
        checker.keys(where, table, allowed=BOUNDARY_KEYS, required={"file"})
        if isinstance(table, dict) and str(table.get("file", "")).strip():
            files.append(BoundaryFile(base / table["file"], table.get("layer"), table.get("crs"), table.get("code"),
                                      table.get("naam")))
        elif isinstance(table, dict) and "file" in table:
            checker.problem(f"{where}.file is leeg; geef het bestand met de buurtgrenzen op")
    return tuple(files)


def _compute(entry: dict, checker: _Checker) -> ComputeSettings:
    checker.keys("rekenen", entry, allowed={"motor", "partities", "scheduler", "werkers"}, required=set())
    if not isinstance(entry, dict):  # reported by checker.keys
        entry = {}
    engine = entry.get("motor", "lokaal")
    if engine not in ENGINES:
        checker.problem(f"rekenen.motor is '{engine}' maar moet een van {list(ENGINES)} zijn")
    counts = {}
    for key, default in (("partities", ComputeSettings.partitions), ("werkers", ComputeSettings.workers)):
        value = entry.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            checker.problem(f"rekenen.{key} is '{value}' maar moet een positief geheel getal zijn")
            value = default
        counts[key] = value
    return ComputeSettings(engine, counts["partities"], entry.get("scheduler"), counts["werkers"])


def _named_tables(raw: dict, section: str, checker: _Checker, *, example: str) -> list[tuple[str, dict]]:
    """The ``[section.name]`` tables; a value given directly under ``[section]`` is a problem with an example."""
    tables = raw.get(section, {})
    if not isinstance(tables, dict):
        checker.problem(f"{section} moet tabellen met een naam bevatten, bv.\n{example}")
        return []
    named = []
    for name, entry in tables.items():
        if isinstance(entry, dict):
            named.append((name, entry))
        else:
            checker.problem(f"[{section}] vraagt per bron een naam: niet '{name} = {entry!r}' maar bv. {example!r}")
    return named


def _registration(name: str, entry: dict, base: Path, checker: _Checker) -> RegistrationSpec | None:
    where = f"registraties.{name}"
    keys = entry.keys()
    located = (
        "geometry" in keys or {"x", "y"} <= keys or {"lon", "lat"} <= keys or {"postcode", "huisnummer"} <= keys
        or Path(entry.get("file", "")).suffix.lower() in GEO_FORMATS
    )
    if not located:
        checker.problem(f"{where}: geef een locatie op: x+y, lon+lat, postcode+huisnummer of geometry")
    if entry.get("decimal", ".") not in (".", ","):
        checker.problem(f"{where}.decimal is '{entry['decimal']}' maar moet '.' of ',' zijn")
    if "encoding" in entry:
        try:
            codecs.lookup(str(entry["encoding"]))
        except LookupError:
            checker.problem(f"{where}.encoding is '{entry['encoding']}', een onbekende tekstcodering; gebruik "
                            "'cp1252' (wat Windows 'ANSI' noemt) of 'utf-8'")
    if "xy_crs" in entry:
        try:
            pyproj.CRS.from_user_input(entry["xy_crs"])
        except pyproj.exceptions.CRSError:
            checker.problem(f"{where}.xy_crs is '{entry['xy_crs']}', geen bekend coördinatenstelsel; gebruik bv. "
                            "'EPSG:28992' (RD New) of 'EPSG:4326' (lengte/breedte)")
    for key in ("categories", "attributes"):
        if key in entry and not (isinstance(entry[key], list) and all(isinstance(v, str) for v in entry[key])):
            checker.problem(f"{where}.{key} moet een lijst van teksten zijn, bv. {key} = [\"a\", \"b\"]; "
                            f"gegeven: {entry[key]!r}")
            entry = {k: v for k, v in entry.items() if k != key}
    geometry = entry.get("geometry")
    join = None
    if geometry is not None:
        checker.keys(f"{where}.geometry", geometry, allowed={"file", "layer", "key"}, required={"file", "key"})
        if {"file", "key"} <= geometry.keys():
            join = GeometryJoin(base / geometry["file"], geometry["key"], geometry.get("layer"))
    if "file" not in entry or "id" not in entry:
        return None
    options = {k: v for k, v in entry.items() if k in REGISTRATION_KEYS - {"file", "geometry", "categories", "attributes"}}
    return RegistrationSpec(
        name=name, file=base / entry["file"], geometry=join, categories=tuple(entry.get("categories", ())),
        attributes=tuple(entry["attributes"]) if "attributes" in entry else None, **options,
    )


class _Checker:
    """Collects configuration problems so they can be reported together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def keys(self, where: str, table: object, *, allowed: set[str], required: set[str]) -> None:
        prefix = f"{where}." if where else ""
        if not isinstance(table, dict):
            self.problem(f"{where or 'bestand'} moet een tabel zijn")
            return
        for key in sorted(set(table) - allowed):
            self.problem(f"onbekende sleutel '{prefix}{key}'; toegestaan: {sorted(allowed)}")
        for key in sorted(required - set(table)):
            self.problem(f"sleutel '{prefix}{key}' ontbreekt")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(f"{self.path}: " + "; ".join(self.problems))

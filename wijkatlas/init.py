"""``wijkatlas init BRONMAP``: recognise a gemeente's downloaded files and write a build configuration.

Files are recognised by their schema, not their name: CBS wijk- en buurtkaart
and PDOK gebiedsindelingen by their code fields, CBS kerncijfers by their
region columns, the BAG by ``identificatie`` and ``gebruiksdoel``. The CRS of
boundaries is checked against their coordinates. What is recognised becomes a
working configuration; every other file gets a commented template to complete.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyogrio

from wijkatlas.config import load_config
from wijkatlas.errors import ConfigError, SourceError
from wijkatlas.geo._crs import guess_crs
from wijkatlas.geo._tables import list_layers, read_csv_text
from wijkatlas.geo.gebieden import CODE_COLUMNS, LEVEL_OF_PREFIX
from wijkatlas.geo.kerncijfers import keys_from_titles, padded_codes
from wijkatlas.settings import KERNCIJFERS_TABLES, RD_CRS

CONFIG_NAME = "wijkatlas.toml"
GEO_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}
TABLE_SUFFIXES = {".csv", ".txt", ".json"}
RASTER_SUFFIXES = {".tif", ".tiff"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm"}
BAG_FIELDS = {"identificatie", "gebruiksdoel"}
LEVEL_TABLES = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}


@dataclass
class Survey:
    """What a folder holds, as far as its files could be recognised."""

    #: level -> (file, layer or None, crs to set or None, comment)
    boundaries: dict[str, tuple[Path, str | None, str | None, str]] = field(default_factory=dict)
    #: (file, peiljaar or None)
    kerncijfers: list[tuple[Path, int | None]] = field(default_factory=list)
    bag: tuple[Path, str | None] | None = None
    rasters: list[Path] = field(default_factory=list)
    unplaced: list[Path] = field(default_factory=list)
    #: gemeentecode -> name, from every recognised file
    gemeenten: dict[str, str] = field(default_factory=dict)


def init_config(folder: Path, *, gemeentecode: str | None = None, overwrite: bool = False) -> tuple[Path, Survey]:
    """Write ``folder/wijkatlas.toml`` for the files in ``folder``; returns its path and what was recognised.

    Raises
    ------
    ConfigError
        When the folder has no buurt boundaries, holds several gemeenten and
        ``gemeentecode`` does not choose, or the configuration exists already.
    """
    if not folder.is_dir():
        raise ConfigError(f"map {folder} bestaat niet")
    target = folder / CONFIG_NAME
    if target.exists() and not overwrite:
        raise ConfigError(f"{target} bestaat al; gebruik --overschrijf om hem te vervangen")
    survey = survey_folder(folder)
    if "buurt" not in survey.boundaries:
        raise ConfigError(f"geen buurtgrenzen herkend in {folder}; Wijkatlas vraagt minstens de CBS-buurtgrenzen "
                          "(wijk- en buurtkaart of PDOK CBS gebiedsindelingen)")
    code = _gemeente(survey, gemeentecode)
    naam = survey.gemeenten.get(code) or code
    target.write_text(config_text(survey, code, naam, folder), encoding="utf-8")
    load_config(target)  # what init writes must load
    return target, survey


def survey_folder(folder: Path) -> Survey:
    """Recognise every file directly in ``folder`` by its schema."""
    survey = Survey()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != CONFIG_NAME):
        suffix = path.suffix.lower()
        if suffix in RASTER_SUFFIXES:
            survey.rasters.append(path)
        elif suffix in GEO_SUFFIXES and _geo_file(path, survey):
            continue
        elif suffix in TABLE_SUFFIXES and _kerncijfers_file(path, survey):
            continue
        elif suffix in GEO_SUFFIXES | TABLE_SUFFIXES | SPREADSHEET_SUFFIXES:
            survey.unplaced.append(path)
    return survey


def config_text(survey: Survey, code: str, naam: str, folder: Path) -> str:
    """The configuration: recognised files as settings, the rest as commented templates."""
    def rel(path: Path) -> str:
        return json.dumps(path.relative_to(folder).as_posix())

    lines = ["# Geschreven door 'wijkatlas init'. Controleer en vul aan; zie data/demo.toml voor alle opties.", "",
             "[gemeente]", f"code = {json.dumps(code)}", f"naam = {json.dumps(naam)}", ""]
    boundaries = survey.boundaries
    files = {entry[0] for entry in boundaries.values()}
    per_level = len(files) > 1
    for level in ("buurt", "wijk", "gemeente"):
        if level not in boundaries:
            continue
        path, layer, crs, comment = boundaries[level]
        if not per_level and level != "buurt":
            continue
        lines += [f"# {comment}", f"[gebieden.{LEVEL_TABLES[level]}]" if per_level else "[gebieden]",
                  f"file = {rel(path)}"]
        lines += [f"layer = {json.dumps(layer)}"] if layer and per_level else []
        lines += [f"crs = {json.dumps(crs)}  # de coördinaten zijn RD; het bestand noemt geen of een ander stelsel"]\
            if crs else []
        lines.append("")
    if "wijk" not in boundaries:
        lines += ["# Geen wijkgrenzen: wijken en gemeente worden samengevoegd uit de buurtcodes (WK + code[2:8]).", ""]
    for path, peiljaar in sorted(survey.kerncijfers, key=lambda k: k[1] or 0):
        lines += ["# CBS Kerncijfers wijken en buurten"]
        if peiljaar is None:
            lines += ["# peiljaar niet te herkennen uit de bestandsnaam; vul het in en haal de # weg:",
                      "# [[kerncijfers]]", f"# file = {rel(path)}", "# peiljaar = 2024", ""]
        else:
            lines += ["[[kerncijfers]]", f"file = {rel(path)}", f"peiljaar = {peiljaar}", ""]
    if survey.bag is not None:
        path, layer = survey.bag
        lines += ["# BAG verblijfsobjecten", "[bag]", f"file = {rel(path)}"]
        lines += [f"layer = {json.dumps(layer)}"] if layer else []
        lines.append("")
    else:
        lines += ["# Geen BAG gevonden: indicatoren uit de BAG (woningvoorraad, bouwjaren, afstanden) worden niet",
                  "# berekend. Download de BAG-verblijfsobjecten van PDOK en voeg toe:",
                  "# [bag]", '# file = "verblijfsobjecten.gpkg"', '# layer = "verblijfsobject"', ""]
    for path in survey.rasters:
        name = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_")
        lines += ["# Raster voor zonale statistiek per buurt; de catalogus kent 'groen' (aandeel groen).",
                  f"# [raster.{name}]", f"# file = {rel(path)}", f'# title = "{path.stem}"', '# unit = "%"', ""]
    for path in survey.unplaced:
        name = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_") or "registratie"
        lines += [f"# Niet herkend: {path.name}. Is het een registratie? Vul de kolomnamen in en haal de # weg:",
                  f"# [registraties.{name}]", f"# file = {rel(path)}", '# id = "kolom met het id"',
                  '# x = "X"  # en y = "Y" (RD), of lon/lat, postcode/huisnummer, of geometry',
                  '# category = "kolom met de categorie"', ""]
    return "\n".join(lines)


def _gemeente(survey: Survey, chosen: str | None) -> str:
    if chosen is not None:
        if not re.fullmatch(r"GM\d{4}", chosen):
            raise ConfigError(f"--gemeente is '{chosen}' maar moet de vorm GMxxxx hebben, bv. GM0534")
        if survey.gemeenten and chosen not in survey.gemeenten:
            raise ConfigError(f"gemeente {chosen} komt niet voor in de bestanden; wel: {sorted(survey.gemeenten)}")
        return chosen
    if len(survey.gemeenten) != 1:
        raise ConfigError(f"de bestanden bevatten {len(survey.gemeenten)} gemeenten ({sorted(survey.gemeenten)}); "
                          "kies er een met --gemeente GMxxxx")
    return next(iter(survey.gemeenten))


def _geo_file(path: Path, survey: Survey) -> bool:
    """Recognise boundaries or BAG in a GIS file; ``False`` when it is neither (or no GIS file)."""
    try:
        layers = list(list_layers(path))
    except SourceError:
        return False
    recognised = False
    for layer in layers:
        try:
            info = pyogrio.read_info(path, layer=layer)
            fields = set(info["fields"])
        except pyogrio.errors.DataLayerError:
            continue
        if BAG_FIELDS <= fields:
            survey.bag = (path, layer if len(layers) > 1 else None)
            recognised = True
            continue
        code = next((c for c in CODE_COLUMNS if c in fields), None)
        if code is None or info["geometry_type"] is None:
            continue
        frame = pyogrio.read_dataframe(path, layer=layer, columns=[code, CODE_COLUMNS[code]]
                                       if CODE_COLUMNS[code] in fields else [code])
        codes = padded_codes(frame[code])
        levels = set(codes.str[:2].map(LEVEL_OF_PREFIX).dropna())
        crs = _crs_to_set(frame)
        comment = (f"{'CBS wijk- en buurtkaart' if code != 'statcode' else 'PDOK CBS gebiedsindelingen'}, "
                   f"laag {layer}")
        for level in levels:
            survey.boundaries.setdefault(level, (path, layer if len(layers) > 1 else None, crs, comment))
        names = frame[CODE_COLUMNS[code]] if CODE_COLUMNS[code] in frame else pd.Series(dtype="string")
        for gemeente in sorted(set("GM" + codes.dropna().str[2:6])):
            own = codes == gemeente
            survey.gemeenten.setdefault(gemeente, str(names[own].iloc[0]) if own.any() and len(names) else "")
        recognised = True
    return recognised


def _crs_to_set(frame) -> str | None:
    """``EPSG:28992`` where RD numbers would be read as lon/lat (or there is no CRS), else ``None``."""
    looks_like = guess_crs(frame.total_bounds)
    if frame.crs is None or (frame.crs.is_geographic and looks_like == RD_CRS):
        return looks_like or RD_CRS
    return None


def _kerncijfers_file(path: Path, survey: Survey) -> bool:
    """Recognise a kerncijfers table (CSV or cbsodata JSON) by its region columns."""
    try:
        if path.suffix.lower() == ".json":
            document = json.loads(path.read_bytes().decode("utf-8-sig"))
            records = document.get("value") if isinstance(document, dict) else document
            if not isinstance(records, list) or not records or not isinstance(records[0], dict):
                return False
            table = pd.DataFrame.from_records(records).astype("string")
        else:
            table = keys_from_titles(read_csv_text(path))
    except (ValueError, UnicodeDecodeError, SourceError):
        return False
    coding = [c for c in table.columns if re.fullmatch(r"Codering(_\d+)?", c)]
    if not coding and "WijkenEnBuurten" not in table.columns:
        return False
    codes = padded_codes(table[coding[0]] if coding else table["WijkenEnBuurten"])
    if not codes.str.fullmatch(r"(GM\d{4}|WK\d{6}|BU\d{8})").fillna(False).any():
        return False
    survey.kerncijfers.append((path, _peiljaar(path)))
    names = table["WijkenEnBuurten"].astype("string").str.strip() if "WijkenEnBuurten" in table else codes
    for code, name in zip(codes, names, strict=False):
        if isinstance(code, str) and code.startswith("GM"):
            survey.gemeenten[code] = name if isinstance(name, str) and not name.startswith("GM") else \
                survey.gemeenten.get(code, "")
    return True


def _peiljaar(path: Path) -> int | None:
    """The peiljaar from the CBS table id (``85984NED``) or a year in the file name."""
    by_table = {table: year for year, table in KERNCIJFERS_TABLES.items()}
    for table, year in by_table.items():
        if table.lower() in path.name.lower():
            return year
    found = re.search(r"(?<!\d)(20\d\d)(?!\d)", path.name)
    return int(found.group(1)) if found else None

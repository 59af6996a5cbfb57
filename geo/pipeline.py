"""The geo stage: load every source of a build configuration and assign it to buurt and wijk.

Returns the layers of the datapakhuis; writing them is the caller's job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from wijkatlas.forked import release_freed
from wijkatlas.geo._records import Loaded, combine, refuse_if_mostly_rejected, rejections
from wijkatlas.geo.areas import cbs_areas, control_lines
from wijkatlas.geo.assign import assign_to_buurt
from wijkatlas.geo.bag import load_verblijfsobjecten
from wijkatlas.geo.gebieden import BoundaryFile, Gebieden, load_gebieden, regio_layer
from wijkatlas.geo.kerncijfers import LONG_COLUMNS, load_kerncijfers
from wijkatlas.geo.provincie import in_provincie
from wijkatlas.geo.raster import zonal_statistics
from wijkatlas.geo.registrations import RegistrationSpec, load_registration
from wijkatlas.geo.texts import load_texts
from wijkatlas.stages import StageLog
from wijkatlas.vocabulary import Gebied


@dataclass(frozen=True)
class KerncijfersSource:
    """One kerncijfers table and its peiljaar; ``sep`` and ``encoding`` for a CSV that cannot be sniffed."""

    file: Path
    peiljaar: int
    sep: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class RasterSource:
    """A GeoTIFF for zonal statistics per buurt, stored as layer ``raster_<name>``."""

    name: str
    file: Path
    title: str
    unit: str


@dataclass(frozen=True)
class Sources:
    """What a datapakhuis is built from; only the boundaries are required."""

    #: the gemeente, or gemeenten, the build covers
    gebied: Gebied
    #: one boundary file, or one per level (buurten at least)
    gebieden: tuple[BoundaryFile, ...]
    kerncijfers: tuple[KerncijfersSource, ...]
    #: BAG verblijfsobjecten; ``None`` when the build has no BAG
    bag: Path | None
    bag_layer: str | None
    rasters: tuple[RasterSource, ...]
    registrations: tuple[RegistrationSpec, ...]
    #: folder of the gebiedsregisseurs' Markdown texts per area (``WK….md``, ``BU….md``), or ``None``
    texts: Path | None


Assign = Callable[[gpd.GeoDataFrame, gpd.GeoDataFrame], gpd.GeoDataFrame]


@dataclass(frozen=True)
class SourceOutcome:
    """How the records of one source ended up."""

    bron: str
    titel: str
    bestand: str
    gelezen: int
    toegewezen: int
    buiten: int
    afgekeurd: int


def build_layers(sources: Sources, *, log: StageLog | None = None,
                 assign: Assign = assign_to_buurt) -> dict[str, pd.DataFrame]:
    """Load, validate and assign every source named in ``sources``.

    ``assign`` is :func:`wijkatlas.geo.assign.assign_to_buurt` or an equivalent that runs
    partitioned (:func:`wijkatlas.geo.partitioned.assign_partitioned`); ``log`` reports (and may
    measure) each stage.

    Returns
    -------
    dict
        Layer name -> frame: ``regio`` (when the build covers several gemeenten), ``gemeente``,
        ``wijken``, ``buurten``, ``kerncijfers`` (long), ``bag_verblijfsobjecten``, one layer per registration, one
        ``raster_<naam>`` table per raster, ``reconciliatie`` (per source: read =
        assigned + outside + rejected), ``afgekeurd`` (each rejected record with
        its reason), ``bronnen`` (file, checksum and modification time per source) and
        ``waarschuwingen`` (bron, melding: what was repaired or looks wrong but was kept).
    """
    log = log or StageLog()
    warnings: list[tuple[str, str]] = []

    def warn(bron: str, lines: tuple[str, ...] | list[str]) -> None:
        for line in lines:
            warnings.append((bron, line))
            log.note(f"let op: {line}")

    outcomes: list[SourceOutcome] = []
    rejected: list[pd.DataFrame] = []
    files: list[tuple[str, Path]] = []

    with log("Gebiedsindeling laden"):
        gebieden = load_gebieden(sources.gebieden, gemeenten=sources.gebied.gemeenten)
        files += [("gebieden", boundary.file) for boundary in sources.gebieden]
        if (provincie := sources.gebied.provincie) is not None:
            gebieden = in_provincie(gebieden, provincie)
            files.append(("provinciegrenzen", provincie.grenzen))
    derived = f" (afgeleid uit de buurtcodes: {', '.join(gebieden.afgeleid)})" if gebieden.afgeleid else ""
    gemeenten = f"{len(gebieden.gemeente)} gemeenten, " if sources.gebied.is_regio else ""
    log.note(f"{gemeenten}{len(gebieden.wijken)} wijken, {len(gebieden.buurten)} buurten{derived}")

    if sources.kerncijfers:
        with log("CBS kerncijfers laden"):
            kerncijfers, outcome, kerncijfers_rejected = _kerncijfers(sources, gebieden)
            outcomes.append(outcome)
            rejected.append(kerncijfers_rejected)
            files += [(f"kerncijfers_{k.peiljaar}", k.file) for k in sources.kerncijfers]
            release_freed()  # what reading the national tables needed, before the BAG is read
        levels = ", ".join(sorted(set(kerncijfers["soort_regio"])))
        log.note(f"{outcome.toegewezen} rijen van {len(sources.kerncijfers)} peiljaren (niveaus: {levels})")
        unknown = kerncijfers_rejected.loc[kerncijfers_rejected["reden_code"] == "gebied_onbekend", "id"]
        if len(unknown):
            codes = sorted(set(unknown.dropna()))
            warn("kerncijfers", [f"de kerncijfers noemen {len(codes)} gebied(en) die in de grenzen ontbreken "
                                 f"({', '.join(codes[:5])}{', …' if len(codes) > 5 else ''}); records daar tellen "
                                 "als buiten de gemeente. Zijn grenzen en kerncijfers van hetzelfde jaar?"])
    else:
        kerncijfers = pd.DataFrame({column: pd.Series(dtype="object") for column in LONG_COLUMNS})
        log.note("geen kerncijfers opgegeven: indicatoren uit CBS-cijfers worden niet berekend")
    own_name = {} if sources.gebied.is_regio else {sources.gebied.code: sources.gebied.naam}
    with log("Gebiedsindeling controleren"):  # do the areas fit together and with CBS's figures
        gebieden, control = cbs_areas(gebieden.with_names(_area_names(kerncijfers) | own_name), kerncijfers)
    warn("gebieden", control_lines(control))

    layers: dict[str, pd.DataFrame] = {
        **({"regio": regio_layer(gebieden.gemeente, sources.gebied)} if sources.gebied.is_regio else {}),
        "gemeente": gebieden.gemeente,
        "wijken": gebieden.wijken,
        "buurten": gebieden.buurten,
        "gebieden_controle": control,
        "kerncijfers": kerncijfers,
    }
    verblijfsobjecten = None
    if sources.bag is not None:
        with log("BAG verblijfsobjecten laden en toewijzen"):
            bag = load_verblijfsobjecten(sources.bag, layer=sources.bag_layer)
            release_freed()  # the file's columns as read: 2 GiB for the country's 10 M verblijfsobjecten
            refuse_if_mostly_rejected(bag, source=str(sources.bag))
            verblijfsobjecten = bag.records
            layers["bag_verblijfsobjecten"] = assign(bag.records, gebieden.buurten)
            outcomes.append(_outcome("bag_verblijfsobjecten", "BAG verblijfsobjecten", sources.bag, bag,
                                     layers["bag_verblijfsobjecten"]))
            rejected.append(bag.rejected)
            files.append(("bag_verblijfsobjecten", sources.bag))
        log.note(_summary(outcomes[-1]))
        warn("bag_verblijfsobjecten", [*bag.warnings, *_outside_warning(outcomes[-1])])
    else:
        log.note("geen BAG opgegeven: indicatoren uit de BAG worden niet berekend")

    for spec in sources.registrations:
        with log(f"Registratie '{spec.name}' laden en toewijzen"):
            loaded = load_registration(spec, verblijfsobjecten=verblijfsobjecten)
            refuse_if_mostly_rejected(loaded, source=str(spec.file))
            layers[spec.name] = assign(loaded.records, gebieden.buurten)
            outcomes.append(_outcome(spec.name, spec.title or spec.name, spec.file, loaded, layers[spec.name]))
            rejected.append(loaded.rejected)
            files.append((spec.name, spec.file))
            if spec.geometry is not None:
                files.append((f"{spec.name}_geometrie", spec.geometry.file))
        log.note(_summary(outcomes[-1]))
        warn(spec.name, [*loaded.warnings, *_outside_warning(outcomes[-1])])

    for raster in sources.rasters:
        with log(f"Raster '{raster.name}': zonale statistiek per buurt"):
            layers[f"raster_{raster.name}"] = zonal_statistics(raster.file, gebieden.buurten, code="buurtcode")
            files.append((f"raster_{raster.name}", raster.file))

    if sources.texts is not None:
        known = set(gebieden.buurten["buurtcode"]) | set(gebieden.wijken["wijkcode"])
        layers["toelichtingen"], text_warnings = load_texts(sources.texts, known)
        warn("toelichtingen", text_warnings)

    layers["reconciliatie"] = pd.DataFrame([vars(o) for o in outcomes],
                                           columns=[f.name for f in fields(SourceOutcome)])
    layers["afgekeurd"] = combine(rejected)
    layers["bronnen"] = _source_files(files)
    layers["waarschuwingen"] = pd.DataFrame(warnings, columns=["bron", "melding"])
    return layers


def _outside_warning(outcome: SourceOutcome) -> list[str]:
    """A line when most located records of a source lie outside the gemeente: another area, or a wrong CRS?"""
    located = outcome.toegewezen + outcome.buiten
    if located == 0 or outcome.buiten / located <= 0.5:
        return []
    return [f"{outcome.buiten} van {located} records van '{outcome.bron}' liggen buiten de gemeente: is dit de "
            "registratie van deze gemeente, en kloppen de coördinaten (x/y, lon/lat, xy_crs)?"]


def _kerncijfers(sources: Sources, gebieden: Gebieden) -> tuple[pd.DataFrame, SourceOutcome, pd.DataFrame]:
    """All peiljaren in one long table; rows for codes missing from the gebiedsindeling are rejected."""
    known = set(gebieden.buurten["buurtcode"]) | set(gebieden.wijken["wijkcode"]) | set(gebieden.gemeente["gemeentecode"])
    # a provincie's gemeenten follow from its outline: the other provinces' rows are not this build's
    gemeenten = sources.gebied.gemeenten if sources.gebied.provincie is None else tuple(gebieden.gemeente["gemeentecode"])
    tables, rejected = [], []
    read = outside = 0
    for source in sources.kerncijfers:
        loaded = load_kerncijfers(source.file, peiljaar=source.peiljaar, gemeenten=gemeenten,
                                  sep=source.sep, encoding=source.encoding)
        rows = loaded.records.drop_duplicates("gebiedscode")
        unknown = rows[~rows["gebiedscode"].isin(known)]
        rejected.append(loaded.rejected)
        rejected.append(rejections("kerncijfers", unknown["bron_rij"], unknown["gebiedscode"], "Codering",
                                   unknown["gebiedscode"], "gebied_onbekend", file=source.file))
        tables.append(loaded.records[loaded.records["gebiedscode"].isin(known)])
        read += loaded.read
        outside += loaded.read - len(rows) - len(loaded.rejected)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    rejected_rows = combine(rejected)
    assigned = read - outside - len(rejected_rows)
    files = ", ".join(str(k.file) for k in sources.kerncijfers)
    outcome = SourceOutcome("kerncijfers", "CBS Kerncijfers wijken en buurten", files, read, assigned, outside,
                            len(rejected_rows))
    return table, outcome, rejected_rows


def _area_names(kerncijfers: pd.DataFrame) -> dict[str, str]:
    """Each area's name as CBS writes it in its latest peiljaar (for levels dissolved from codes)."""
    named = kerncijfers.dropna(subset=["gebiedsnaam"]).sort_values("peiljaar")
    return named.drop_duplicates("gebiedscode", keep="last").set_index("gebiedscode")["gebiedsnaam"].to_dict()


def _outcome(bron: str, titel: str, path: Path, loaded: Loaded, assigned: gpd.GeoDataFrame) -> SourceOutcome:
    inside = int(assigned["buurtcode"].notna().sum())
    return SourceOutcome(bron, titel, str(path), loaded.read, inside, len(assigned) - inside, len(loaded.rejected))


def _summary(outcome: SourceOutcome) -> str:
    return (f"{outcome.gelezen} gelezen: {outcome.toegewezen} toegewezen, {outcome.buiten} buiten de gemeente, "
            f"{outcome.afgekeurd} afgekeurd")


def _source_files(files: list[tuple[str, Path]]) -> pd.DataFrame:
    """Checksum and modification time of every file read, for provenance and the source's age."""
    rows = []
    for bron, path in files:
        rows.append({
            "bron": bron,
            "bestand": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "gewijzigd": datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(tzinfo=None),
        })
    return pd.DataFrame(rows)

"""A whole build: sources → datapakhuis → indicators → store, exports, API data and viewers, each a named stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from wijkatlas import settings
from wijkatlas.api_config.collections import load_collections
from wijkatlas.api_config.layers import write_api_data
from wijkatlas.compute import open_engine
from wijkatlas.config import load_config
from wijkatlas.forked import Beside, release_freed
from wijkatlas.geo.pipeline import build_layers
from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.indicators.export import write_exports
from wijkatlas.indicators.products import build_products, compute_figures
from wijkatlas.indicators.terms import Datapakhuis
from wijkatlas.outputs import recover, staged_outputs
from wijkatlas.stages import StageLog
from wijkatlas.store import spreadsheet_safe, store_writer
from wijkatlas.viewers.site import write_site

#: the layers a build reports afterwards (the records per source, why records were rejected, the warnings)
REPORT_LAYERS = ("reconciliatie", "afgekeurd", "waarschuwingen")


@dataclass(frozen=True)
class BuildResult:
    """What a build reports afterwards: the report layers, the indicator definitions and the collections left out."""
    report: dict[str, pd.DataFrame]
    definitions: pd.DataFrame
    left_out: list[str]


def build(config_path: Path, out: Path, log: StageLog) -> BuildResult:
    """Build the datapakhuis of ``config_path`` into ``out``: every output changes together, or none does.

    Each output is written from what the one before it left: the records (10 M BAG points for the
    country) go into the datapakhuis from a forked process while the figures are computed, protected and
    compared; exports, API data and viewers need the products only.
    """
    config = load_config(config_path)
    catalog = load_catalog(config.catalog, config.local_catalog)
    for line in recover(out) if out.is_dir() else []:
        log.progress(line)
    log.progress(f"Datapakhuis bouwen voor {config.gebied.describe()} uit {config_path}"
                 f" (rekenmotor: {config.compute.engine})")
    with staged_outputs(out) as staging:
        with store_writer(staging / settings.STORE_NAME) as write_store:
            with open_engine(config.compute) as engine:
                layers = build_layers(config, log=log, assign=engine.assign)
                release_freed()  # what loading 10 M records needed on the way
                # the records go into the datapakhuis on the other core while the figures are computed, protected and
                # compared (a forked process shares them); not beside a dask client's threads
                records_written = Beside(write_store, layers) if config.compute.engine == "lokaal" else None
                try:
                    log.progress(f"{len(catalog.indicators)} indicatoren (peiljaar registraties en BAG: "
                                 f"{config.peiljaar})")
                    sources = Datapakhuis(layers, config.peiljaar, add_up=engine.add_up)
                    computed = compute_figures(sources, catalog, log)
                except BaseException:
                    if records_written is not None:
                        records_written.stop()
                    raise
            try:
                if records_written is None:
                    with log("Records in het datapakhuis schrijven"):
                        write_store(layers)
                for name in ("reconciliatie", "afgekeurd"):
                    spreadsheet_safe(layers[name]).to_csv(staging / f"{name}.csv", sep=";", index=False,
                                                          encoding="utf-8-sig")
                report = {name: layers[name] for name in REPORT_LAYERS}
                reports = sources.without_records()
                del layers, sources  # the records process keeps what it writes
                release_freed()
                # disclosure control forks its workers: not beside a dask client's threads
                workers = config.compute.workers if config.compute.engine == "lokaal" else 1
                products = build_products(reports, catalog, computed, built_at=datetime.now(), workers=workers,
                                          log=log)
                del computed
                if records_written is not None:
                    with log("Records in het datapakhuis schrijven (naast indicatoren, geheimhouding, vergelijken)"):
                        records_written.wait()
            finally:
                if records_written is not None:
                    records_written.stop()
            # the spreadsheets of each variant in a process of its own, beside the datapakhuis
            exports = [Beside(write_exports, products, catalog, staging / "export", (variant,))
                       for variant in ("openbaar", "intern")]
            try:
                with log("Datapakhuis schrijven"):
                    write_store(products)
                with log("Exports schrijven (naast het datapakhuis)"):
                    for variant_exports in exports:
                        variant_exports.wait()
            finally:
                for variant_exports in exports:
                    variant_exports.stop()
        definitions = products["indicator_definities"]
        del products
        release_freed()
        store = staging / settings.STORE_NAME
        with log("API-gegevens schrijven"):
            _, left_out = write_api_data(store, catalog, load_collections(), staging / "api")
        with log("Kaarten en profielen schrijven"):
            write_site(store, staging / "viewers", public=False, pdf=False)  # PDFs: wijkatlas viewers
    return BuildResult(report, definitions, left_out)

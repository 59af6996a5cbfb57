"""``wijkatlas bench --build``: the whole build at national size, every stage timed with its peak memory.

A synthetic Netherlands in the formats a real build reads
(:func:`wijkatlas.synthetic.national.generate_netherlands`: the CBS wijk- en buurtkaart,
kerncijfers for three peiljaren, one BAG GeoPackage, registrations of sport, kavels and
meldingen) is built with ``[gebied] alle = true`` exactly as ``wijkatlas build`` builds it
(:func:`wijkatlas.build.build`), in a fresh process that measures each stage.

Beside it, in its own process of the same run, the straightforward geopandas way of the
heaviest input stage: the BAG read whole with ``geopandas.read_file`` and assigned to the
same buurten with ``geopandas.sjoin``. Both must assign the same number of verblijfsobjecten.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from wijkatlas.errors import WijkatlasError
from wijkatlas.settings import STORE_NAME
from wijkatlas.stages import Stage, StageLog, StageMeter, count_text, decimal_text, gib_text

#: the stage of the build the baseline does the plain way
BAG_STAGE = "BAG verblijfsobjecten laden en toewijzen"
#: what the whole national build must stay under on the 2-core machine
TARGET_SECONDS, TARGET_BYTES = 600, 8 * 2**30
#: the map of every area of the build, and how soon Chromium must have drawn its areas
MAP_PAGE, MAP_TARGET_SECONDS = "gebiedsprofiel.html", 3.0
#: each gemeente's own map in the site of a build of several, and the size the largest must stay under
GEMEENTE_PAGES, GEMEENTE_TARGET_BYTES = "gebiedsprofiel-GM*.html", 1_000_000


@dataclass(frozen=True)
class Measured:
    """The stages of one measured run, its whole wall time and the verblijfsobjecten it assigned."""
    stages: list[Stage]
    seconds: float
    assigned: int


@dataclass(frozen=True)
class MapOpened:
    """A map page's size and the seconds Chromium took from asking for it until its areas were drawn."""
    size_bytes: int
    seconds: float


def open_map(page: Path) -> MapOpened:
    """Open ``page`` from disk in headless Chromium (nothing off the machine) and time it until its areas are drawn.

    From a thread of its own: Playwright's synchronous API refuses to run where an event loop is running.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(_open_map, page).result()


def _open_map(page: Path) -> MapOpened:
    from playwright.sync_api import sync_playwright

    from wijkatlas.viewers.pdf import FLAGS, chromium

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 800})
            tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                      else route.abort())
            started = time.perf_counter()
            tab.goto(page.resolve().as_uri(), timeout=300_000)
            tab.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane path').length > 0",
                                  timeout=300_000)
            return MapOpened(page.stat().st_size, time.perf_counter() - started)
        finally:
            browser.close()


def measured_build(config: Path, out: Path) -> Measured:
    """Run :func:`wijkatlas.build.build` with every stage measured."""
    from wijkatlas.build import build

    meter = StageMeter()
    started = time.perf_counter()
    result = build(config, out, StageLog(lambda message: print(message, file=sys.stderr, flush=True), meter))
    seconds = time.perf_counter() - started
    reconciliation = result.report["reconciliatie"].set_index("bron")
    return Measured(list(meter.stages.values()), seconds, int(reconciliation.loc["bag_verblijfsobjecten", "toegewezen"]))


def baseline_bag(config_path: Path) -> Measured:
    """The BAG the plain geopandas way: ``read_file`` of the whole layer, ``sjoin`` on the build's buurten."""
    import geopandas as gpd

    from wijkatlas.config import load_config
    from wijkatlas.geo.gebieden import load_gebieden

    config = load_config(config_path)
    buurten = load_gebieden(config.gebieden, gemeenten=config.gebied.gemeenten).buurten
    meter = StageMeter()
    started = time.perf_counter()
    with meter.stage(BAG_STAGE):
        objects = gpd.read_file(config.bag, layer=config.bag_layer)
        joined = gpd.sjoin(objects, buurten[["buurtcode", "wijkcode", "geometry"]], how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared boundary: once
    return Measured(list(meter.stages.values()), time.perf_counter() - started, int(joined["buurtcode"].notna().sum()))


def on_dask(config: Path) -> Path:
    """The same build configuration on the dask engine: a local cluster of two workers, eight partitions."""
    target = config.with_name(f"{config.stem}-dask.toml")
    target.write_text(config.read_text(encoding="utf-8") + '\n[rekenen]\nmotor = "dask"\npartities = 8\nwerkers = 2\n',
                      encoding="utf-8")
    return target


def identical_figures(local: Path, dask: Path) -> tuple[int, int]:
    """The figures and assigned verblijfsobjecten two builds share, when every figure (intern, every level and
    peiljaar) and every record's buurt is the same; else a :class:`WijkatlasError` naming the first difference."""
    from pandas.testing import assert_frame_equal

    from wijkatlas.store import read_layer

    compared = 0
    for layer, columns in (("indicatoren_lang_intern", None), ("bag_verblijfsobjecten", ["buurtcode"])):
        ours, theirs = (read_layer(store, layer, columns) for store in (local, dask))
        try:
            assert_frame_equal(ours, theirs, check_exact=True)
        except AssertionError as difference:
            raise WijkatlasError(f"de dask-bouw wijkt af van de lokale in {layer}: {difference}") from None
        compared = len(ours) if columns is None else compared
    return compared, int(ours["buurtcode"].notna().sum())


def run_build_bench(scale: float, data_dir: Path, *, seed: int = 2024, dask: bool = False,
                    progress: Callable[[str], None] = print) -> str:
    """Generate (or reuse) the sources, build them and run the baseline, each in a fresh process; with ``dask`` also
    build them on the dask engine and check its figures against the local build's; the report."""
    from wijkatlas.synthetic.national import generate_netherlands

    started = time.perf_counter()
    sources = generate_netherlands(data_dir, scale, seed)
    progress(f"bronnen schaal {scale:g}: {sources.counts} ({time.perf_counter() - started:.0f} s, in {sources.config.parent})")
    runs: dict[str, Measured] = {}
    out = data_dir / f"uitvoer-schaal-{scale:g}"
    dask_out = data_dir / f"uitvoer-schaal-{scale:g}-dask"
    planned: list[tuple[str, Callable[..., Measured], tuple[Path, ...]]] = [
        ("bouw", measured_build, (sources.config, out)), ("basis", baseline_bag, (sources.config,))]
    if dask:
        planned.append(("dask", measured_build, (on_dask(sources.config), dask_out)))
    for name, work, argument in planned:
        progress(f"… {name}")
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            runs[name] = pool.submit(work, *argument).result()
    if runs["bouw"].assigned != runs["basis"].assigned:
        raise WijkatlasError(f"bouw en basis wijzen verschillend toe: {runs['bouw'].assigned} tegen "
                             f"{runs['basis'].assigned} verblijfsobjecten")
    largest = max((out / "viewers").glob(GEMEENTE_PAGES), key=lambda page: page.stat().st_size)
    text = report(scale, sources.counts, runs["bouw"], runs["basis"], open_map(out / "viewers" / MAP_PAGE),
                  (largest.name, largest.stat().st_size))
    if not dask:
        return text
    figures, assigned = identical_figures(out / STORE_NAME, dask_out / STORE_NAME)
    on = runs["dask"]
    return (f"{text}\ndask-motor (lokaal cluster, 2 werkers): hele bouw {decimal_text(on.seconds)} s, piek "
            f"{gib_text(max(stage.peak_bytes for stage in on.stages))}; identiek aan de lokale bouw: "
            f"{count_text(figures)} cijfers, {count_text(assigned)} verblijfsobjecten in dezelfde buurt")


def report(scale: float, counts: dict[str, int], build: Measured, baseline: Measured, shown: MapOpened,
           largest: tuple[str, int]) -> str:
    """Every stage of the build with time and peak memory, the baseline beside its stage, the maps (of every area,
    and the largest of one gemeente) and the verdict."""
    counted = {name: count_text(number) for name, number in counts.items()}
    lines = [f"Wijkatlas bench --build, schaal {scale:g}: {counted['gemeenten']} gemeenten, {counted['wijken']} wijken, "
             f"{counted['buurten']} buurten, {counted['verblijfsobjecten']} verblijfsobjecten, "
             f"{counted['meldingen']} meldingen",
             f"{'stap':<52}{'tijd (s)':>9}{'piekgeheugen':>14}{'basis (s)':>11}{'basis piek':>12}"]
    plain = {stage.name: stage for stage in baseline.stages}
    for stage in build.stages:
        line = f"{stage.name:<52}{stage.seconds:>9.1f}{gib_text(stage.peak_bytes):>14}"
        if stage.name in plain:
            line += f"{plain[stage.name].seconds:>11.1f}{gib_text(plain[stage.name].peak_bytes):>12}"
        lines.append(line)
    peak = max(stage.peak_bytes for stage in build.stages)
    lines.append(f"{'hele bouw':<52}{build.seconds:>9.1f}{gib_text(peak):>14}")
    bag = next(stage for stage in build.stages if stage.name == BAG_STAGE)
    lines.append(f"BAG laden en toewijzen: {plain[BAG_STAGE].seconds / bag.seconds:.1f}x sneller dan geopandas "
                 f"read_file + sjoin (zelfde run), {count_text(build.assigned)} verblijfsobjecten toegewezen door beide")
    lines.append(f"kaart van alle gebieden ({MAP_PAGE}, {decimal_text(shown.size_bytes / 1e6)} MB): getekend in "
                 f"Chromium na {decimal_text(shown.seconds)} s")
    lines.append(f"grootste kaart van één gemeente ({largest[0]}): {decimal_text(largest[1] / 1e6, 2)} MB")
    met = (build.seconds < TARGET_SECONDS and peak < TARGET_BYTES and shown.seconds < MAP_TARGET_SECONDS
           and largest[1] < GEMEENTE_TARGET_BYTES)
    lines.append(f"doel (< {TARGET_SECONDS // 60} min, < {gib_text(TARGET_BYTES)}, kaart < {MAP_TARGET_SECONDS:.0f} s, "
                 f"gemeentekaart < {GEMEENTE_TARGET_BYTES // 1_000_000} MB): {'gehaald' if met else 'niet gehaald'}")
    return "\n".join(lines)

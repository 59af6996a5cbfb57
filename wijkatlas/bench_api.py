"""``wijkatlas bench-api``: the OGC API under load, beside stock pygeoapi and tipg measured in the same run.

The collection is the built datapakhuis's public ``buurten`` (every openbaar
indicator column), repeated over the Netherlands until there are ``--buurten``
of them: copy *k* is shifted to its own place in the RD extent and gets gemeente
number *k*. Each server answers the same seeded sequence of requests per query
kind — ``limit=100`` and ``limit=10`` at random offsets, one item, a 5 × 5 km
``bbox``, a property filter (``wijkcode``) and ``crs=EPSG:28992`` — first from one
client, then from four. Servers, on loopback, each with one process per core:

* **wijkatlas**: ``wijkatlas serve`` (its memory provider behind the request guard);
* **pygeoapi**: the same pygeoapi with its own OGR provider on the same GeoPackage;
* **tipg**: the same collection loaded into PostGIS, served by tipg.

Both peers are installed in throwaway environments (:mod:`wijkatlas.peers`).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyogrio
import requests
import shapely
from pyproj import Transformer

from wijkatlas import peers
from wijkatlas.api_config.layers import METADATA_FILE, PUBLIC_FILE, index_id_fields, wgs84_extent
from wijkatlas.api_config.pygeoapi_config import RD_NEW, PostGIS, read_metadata
from wijkatlas.errors import WijkatlasError
from wijkatlas.settings import RD_CRS
from wijkatlas.store import write_store
from wijkatlas.synthetic.national import EXTENT

COLLECTION = "buurten"
CLIENTS = (1, 4)
#: side of the bbox query, in metres
BBOX_SIDE_M = 5_000
#: targets for Wijkatlas with one client: query kind -> p95 in ms
TARGETS_P95_MS = {"limit=100": 50.0, "item": 10.0, "bbox 5×5 km": 25.0}


@dataclass(frozen=True)
class Sample:
    """What the requests are drawn from: the collection's size, ids, wijkcodes and buurt centres (RD)."""

    features: int
    ids: np.ndarray
    wijkcodes: np.ndarray
    centres: np.ndarray


@dataclass(frozen=True)
class Server:
    """A running server: where its collection is, and which query parameters it offers."""

    name: str
    base: str
    collection: str
    offers_crs: bool
    format_param: dict

    def url(self, path: str = "") -> str:
        """The URL of the collection's items (or of ``path`` below them)."""
        return f"{self.base}/collections/{self.collection}/items{path}"


@dataclass(frozen=True)
class LoadResult:
    """Latencies of one query kind under load."""

    requests: int
    seconds: float
    latencies_ms: list[float]
    bytes_per_response: float

    @property
    def per_second(self) -> float:
        """Requests answered per second over the whole run."""
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        """The latency below which ``share`` of the requests stayed (0.95: p95), in milliseconds."""
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[round(share * 100) - 1]


_TO_CRS84 = Transformer.from_crs(RD_CRS, "OGC:CRS84", always_xy=True)


def _offset(rng: np.random.Generator, sample: Sample, page: int) -> int:
    return int(rng.integers(0, max(1, sample.features - page + 1)))


def _bbox(rng: np.random.Generator, sample: Sample) -> str:
    x, y = sample.centres[rng.integers(0, len(sample.centres))]
    west, south = _TO_CRS84.transform(x - BBOX_SIDE_M / 2, y - BBOX_SIDE_M / 2)
    east, north = _TO_CRS84.transform(x + BBOX_SIDE_M / 2, y + BBOX_SIDE_M / 2)
    return f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"


#: query kind -> (path below items, query parameters) drawn for one request
QUERY_KINDS: dict[str, Callable[[np.random.Generator, Sample], tuple[str, dict]]] = {
    "limit=100": lambda rng, s: ("", {"limit": 100, "offset": _offset(rng, s, 100)}),
    "limit=10": lambda rng, s: ("", {"limit": 10, "offset": _offset(rng, s, 10)}),
    "item": lambda rng, s: (f"/{s.ids[rng.integers(0, len(s.ids))]}", {}),
    "bbox 5×5 km": lambda rng, s: ("", {"bbox": _bbox(rng, s), "limit": 100}),
    "filter wijkcode": lambda rng, s: ("", {"wijkcode": s.wijkcodes[rng.integers(0, len(s.wijkcodes))],
                                            "limit": 100}),
    "crs=EPSG:28992": lambda rng, s: ("", {"limit": 100, "offset": _offset(rng, s, 100), "crs": RD_NEW}),
}


def national_collection(out: Path, target: Path, buurten: int) -> Sample:
    """Write ``buurten`` copies-over-the-country of the public buurten of ``out`` as an API folder ``target/api``."""
    source = out / "api"
    spec = next((c for c in read_metadata(source)["collections"] if c["id"] == COLLECTION), None)
    if spec is None:
        raise WijkatlasError(f"{source} heeft geen collectie {COLLECTION}; bouw eerst het datapakhuis (wijkatlas demo)")
    demo = pyogrio.read_dataframe(source / spec["file"], layer=COLLECTION).to_crs(RD_CRS)
    copies = math.ceil(buurten / len(demo))
    columns = math.ceil(math.sqrt(copies * (EXTENT[2] - EXTENT[0]) / (EXTENT[3] - EXTENT[1])))
    step_x = (EXTENT[2] - EXTENT[0]) / columns
    step_y = (EXTENT[3] - EXTENT[1]) / math.ceil(copies / columns)
    minx, miny = demo.total_bounds[:2]
    parts = []
    for k in range(copies):
        part = demo.copy()
        number = f"{k + 1:04d}"
        part["gemeentecode"] = "GM" + number
        part["gemeentenaam"] = part["gemeentenaam"] + f" {k + 1}"
        part["wijkcode"] = "WK" + number + part["wijkcode"].str[6:]
        part["buurtcode"] = "BU" + number + part["buurtcode"].str[6:]
        part.geometry = part.geometry.translate(EXTENT[0] + (k % columns) * step_x - minx,
                                                EXTENT[1] + (k // columns) * step_y - miny)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True).iloc[:buurten]
    api = target / "api"
    path = write_store({COLLECTION: frame}, api / PUBLIC_FILE)
    index_id_fields(path, {COLLECTION: spec["id_field"]})
    metadata = {"gebiedscode": "NL01", "gebiedsnaam": "Nederland (benchmark)",
                "collections": [spec | {"bbox": wgs84_extent(frame), "features": len(frame)}]}
    (api / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    return Sample(len(frame), frame[spec["id_field"]].to_numpy(), frame["wijkcode"].unique(),
                  shapely.get_coordinates(frame.geometry.representative_point()))


def run_load(urls: list[tuple[str, dict]], *, concurrency: int) -> LoadResult:
    """GET every (url, parameters) from ``concurrency`` clients, each its share in turn; every answer must be 200."""

    def client(share: list[tuple[str, dict]]) -> tuple[list[float], list[int]]:
        latencies, sizes = [], []
        with requests.Session() as session:
            for url, params in share:
                started = time.perf_counter()
                answer = session.get(url, params=params, timeout=120)
                latencies.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise WijkatlasError(f"{answer.url} gaf {answer.status_code}: {answer.text[:300]}")
                sizes.append(len(answer.content))
        return latencies, sizes

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outcomes = list(pool.map(client, [urls[i::concurrency] for i in range(concurrency)]))
    seconds = time.perf_counter() - started
    sizes = [size for _, part in outcomes for size in part]
    return LoadResult(len(urls), seconds, [ms for part, _ in outcomes for ms in part], float(np.mean(sizes)))


def _requests(server: Server, kind: str, sample: Sample, total: int, seed: int) -> list[tuple[str, dict]]:
    rng = np.random.default_rng(seed)
    drawn = [QUERY_KINDS[kind](rng, sample) for _ in range(total)]
    return [(server.url(path), params | server.format_param) for path, params in drawn]


def _memory_mib(process: psutil.Process) -> float:
    """Proportional memory (PSS) of a server and its workers: shared pages counted once."""
    tree = [process, *process.children(recursive=True)]
    return sum(p.memory_full_info().pss for p in tree) / 2**20


def measure(server: Server, process: psutil.Process, sample: Sample, total: int) -> tuple[dict, float]:
    """Every query kind the server offers, with 1 and 4 clients (results keyed by (kind, clients)), and the
    server's memory afterwards in MiB."""
    results: dict = {}
    for kind in QUERY_KINDS:
        if kind.startswith("crs=") and not server.offers_crs:
            continue
        run_load(_requests(server, kind, sample, 10, seed=1), concurrency=1)  # warm-up
        for clients in CLIENTS:
            results[kind, clients] = run_load(_requests(server, kind, sample, total, seed=2), concurrency=clients)
    return results, _memory_mib(process)


@contextmanager
def _wijkatlas(target: Path, port: int, workers: int) -> Iterator[tuple[Server, psutil.Process]]:
    command = [str(Path(sys.executable).parent / "wijkatlas"), "serve", "--out", str(target), "--port", str(port),
               "--werkers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    with peers.running(command, f"{base}/conformance?f=json", target / "wijkatlas.log") as process:
        yield Server("wijkatlas", base, COLLECTION, True, {"f": "json"}), psutil.Process(process.pid)


@contextmanager
def _stock(target: Path, port: int, workers: int) -> Iterator[tuple[Server, psutil.Process]]:
    from wijkatlas.api_config.server import THREADS, prepare

    config_path = prepare(target / "api", host="127.0.0.1", port=port)[0]
    with peers.stock_pygeoapi(config_path, target, port=port, workers=workers, threads=THREADS) as (base, pid):
        yield Server("pygeoapi", base, COLLECTION, True, {"f": "json"}), psutil.Process(pid)


@contextmanager
def _tipg(target: Path, port: int, workers: int) -> Iterator[tuple[Server, psutil.Process]]:
    from wijkatlas.api_config.postgis import load_public_collections

    with peers.postgis_cluster() as database:
        load_public_collections(target / "api", PostGIS(**database, password="", schema="wijkatlas"))  # type: ignore[arg-type]
        dsn = f"postgresql://{database['user']}@{database['host']}:{database['port']}/{database['dbname']}"
        with peers.tipg(dsn, "wijkatlas", target, port=port, workers=workers) as (base, pid):
            ids = [c["id"] for c in requests.get(f"{base}/collections", timeout=30).json()["collections"]]
            collection = next(i for i in ids if i.split(".")[-1] == COLLECTION)
            yield Server("tipg", base, collection, False, {}), psutil.Process(pid)


#: server name -> how it is started in the benchmark
SERVERS = {"wijkatlas": _wijkatlas, "pygeoapi": _stock, "tipg": _tipg}


def bench_api(out: Path, target: Path, *, buurten: int, total: int, workers: int, servers: list[str]) -> str:
    """Generate the national collection from the build in ``out`` under ``target``, run the load against each
    server in turn, and report."""
    started = time.perf_counter()
    sample = national_collection(out, target, buurten)
    lines = [f"OGC API onder belasting: collectie {COLLECTION}, {sample.features} buurten "
             f"(gemaakt in {time.perf_counter() - started:.1f} s); {total} verzoeken per soort; "
             f"servers met {workers} processen; clients en servers delen de machine (loopback)"]
    measured, memory = {}, {}
    for name in servers:
        with SERVERS[name](target, peers.free_port(), workers) as (server, process):
            measured[name], memory[name] = measure(server, process, sample, total)
    return "\n".join(lines + _table(measured, memory) + _verdict(measured))


def _table(measured: dict, memory: dict) -> list[str]:
    lines = [f"  {'soort':<17}{'clients':>8}" + "".join(f"{name:>34}" for name in measured),
             f"  {'':<17}{'':>8}" + "".join(f"{'p50 / p95 ms   verz/s    KiB':>34}" for _ in measured)]
    for kind in QUERY_KINDS:
        for clients in CLIENTS:
            cells = []
            for results in measured.values():
                result = results.get((kind, clients))
                cells.append(f"{'n.v.t.':>34}" if result is None else
                             f"{result.percentile(0.5):>9.1f} / {result.percentile(0.95):<7.1f}"
                             f"{result.per_second:>7.1f}{result.bytes_per_response / 1024:>9.0f}")
            lines.append(f"  {kind:<17}{clients:>8}" + "".join(cells))
    lines.append(f"  {'geheugen (PSS)':<25}" + "".join(f"{memory[name]:>30.0f} MiB" for name in measured))
    return lines


def _verdict(measured: dict) -> list[str]:
    ours = measured.get("wijkatlas")
    if ours is None:
        return []
    lines = []
    for kind, target_ms in TARGETS_P95_MS.items():
        p95 = ours[kind, 1].percentile(0.95)
        lines.append(f"  doel {kind}, 1 client: p95 {p95:.1f} ms < {target_ms:.0f} ms: "
                     + ("gehaald" if p95 < target_ms else "NIET gehaald"))
    for peer in ("tipg", "pygeoapi"):
        if peer not in measured:
            continue
        slower = [f"{kind} ({clients})" for (kind, clients), theirs in measured[peer].items()
                  if ours[kind, clients].percentile(0.95) > theirs.percentile(0.95)]
        lines.append(f"  p95 minstens zo snel als {peer} op elke soort: "
                     + ("gehaald" if not slower else "NIET gehaald voor " + ", ".join(slower)))
    return lines

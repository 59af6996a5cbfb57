"""Load benchmark of the OGC API: requests per second and latency of one items request, on loopback."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from wijkatlas.errors import WijkatlasError

DEFAULT_PATH = "/collections/buurten/items?limit=100&f=json"


@dataclass(frozen=True)
class LoadResult:
    """Latencies of one query kind under load, in seconds."""
    requests: int
    seconds: float
    latencies_ms: list[float]
    bytes_per_response: int

    @property
    def per_second(self) -> float:
        """Requests answered per second over the whole run."""
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        """The latency below which ``share`` of the requests stayed (0.95: p95), in milliseconds."""
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[round(share * 100) - 1]


def run_load(base_url: str, path: str, *, total: int, concurrency: int) -> LoadResult:
    """Send ``total`` GET requests for ``path`` from ``concurrency`` clients; every answer must be 200."""
    url = base_url + path

    def client(count: int) -> tuple[list[float], int]:
        latencies, size = [], 0
        with requests.Session() as session:
            for _ in range(count):
                started = time.perf_counter()
                answer = session.get(url, timeout=60)
                latencies.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise WijkatlasError(f"{url} gaf {answer.status_code}: {answer.text[:200]}")
                size = len(answer.content)
        return latencies, size

    shares = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outcomes = list(pool.map(client, shares))
    seconds = time.perf_counter() - started
    return LoadResult(total, seconds, [ms for latencies, _ in outcomes for ms in latencies], outcomes[0][1])


def bench_api(out: Path, *, total: int, concurrency: int, path: str = DEFAULT_PATH) -> str:
    """Start ``wijkatlas serve`` on a free loopback port, warm it up, measure, stop it; returns the report."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).parent / "wijkatlas"), "serve", "--out", str(out), "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as server:
        try:
            _wait_until_up(base_url, server)
            run_load(base_url, path, total=min(20, total), concurrency=1)  # warm-up
            result = run_load(base_url, path, total=total, concurrency=concurrency)
        finally:
            server.terminate()
            server.wait(timeout=20)
    return "\n".join([
        f"OGC API-belasting: GET {path}",
        f"  {result.requests} verzoeken, {concurrency} gelijktijdige clients, op loopback "
        f"(server met {_threads()} threads; clients en server delen de machine)",
        f"  {result.per_second:.1f} verzoeken/s; antwoord {result.bytes_per_response / 1024:.0f} KiB",
        f"  latentie p50 {result.percentile(0.50):.1f} ms, p95 {result.percentile(0.95):.1f} ms, "
        f"max {max(result.latencies_ms):.1f} ms",
    ])


def _threads() -> int:
    from wijkatlas.api_config.server import THREADS

    return THREADS


def _wait_until_up(base_url: str, server: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise WijkatlasError("de OGC API-server stopte; bouw eerst het datapakhuis (wijkatlas demo)")
        try:
            if requests.get(f"{base_url}/conformance?f=json", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise WijkatlasError(f"de OGC API-server op {base_url} antwoordde niet binnen {timeout_s:.0f} s")

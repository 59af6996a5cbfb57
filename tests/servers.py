"""Real servers on loopback for the tests: the Wijkatlas OGC API and a throwaway PostgreSQL with PostGIS."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wijkatlas import peers


@contextmanager
def wijkatlas_server(out: Path, *extra: str, cwd: Path | None = None) -> Iterator[str]:
    """``wijkatlas serve`` on a free loopback port; yields its base URL. Its output goes to ``out/serve-PORT.log``.

    ``out`` may be relative to ``cwd``, the folder the server is started in.
    """
    port = peers.free_port()
    command = [str(Path(sys.executable).parent / "wijkatlas"), "serve", "--out", str(out), "--port", str(port), *extra]
    base = f"http://127.0.0.1:{port}"
    with peers.running(command, f"{base}/conformance?f=json", (cwd or Path.cwd()) / out / f"serve-{port}.log",
                       cwd=cwd):
        yield base


@contextmanager
def postgis_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with PostGIS (the benchmark's); yields a libpq DSN of its database 'gis'."""
    with peers.postgis_cluster() as database:
        yield " ".join(f"{key}={value}" for key, value in database.items())

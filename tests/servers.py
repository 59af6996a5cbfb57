"""Real servers on loopback for the tests: the Wijkatlas OGC API and a throwaway PostgreSQL with PostGIS."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or takes too long."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server stopped ({process.returncode}): {log.read_text(errors='replace')}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


@contextmanager
def wijkatlas_server(out: Path, *extra: str, cwd: Path | None = None) -> Iterator[str]:
    """``wijkatlas serve`` on a free loopback port; yields its base URL. Its output goes to ``out/serve-PORT.log``.

    ``out`` may be relative to ``cwd``, the folder the server is started in.
    """
    port = free_port()
    command = [str(Path(sys.executable).parent / "wijkatlas"), "serve", "--out", str(out), "--port", str(port), *extra]
    log = (cwd or Path.cwd()) / out / f"serve-{port}.log"
    with log.open("wb") as output, subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                                    cwd=cwd) as process:
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/conformance?f=json", process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def postgis_cluster() -> Iterator[str]:
    """A new PostgreSQL cluster with PostGIS on a free loopback port; yields a libpq DSN of database 'gis'.

    Runs as the ``postgres`` user when the tests run as root (PostgreSQL refuses root).
    """
    if not (POSTGRES_BIN / "initdb").exists() or not Path("/usr/share/postgresql/15/extension/postgis.control").exists():
        raise RuntimeError("PostgreSQL 15 with PostGIS is not installed: run scripts/system-deps.sh")
    data_root = Path(tempfile.mkdtemp(prefix="wijkatlas-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(data_root, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = data_root / "data"

    def postgres(*command: str) -> None:
        subprocess.run([*run_as, *command], check=True, capture_output=True, text=True)

    postgres(str(POSTGRES_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    postgres(str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(data_root / "log"), "-o",
             f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data_root} -c fsync=off",
             "start")
    try:
        postgres("psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "CREATE DATABASE gis")
        yield f"host=127.0.0.1 port={port} dbname=gis user=postgres"
    finally:
        postgres(str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(data_root, ignore_errors=True)

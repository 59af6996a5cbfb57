"""The API benchmark's national collection and its report (Wijkatlas alone: the peers need the package registry)."""

from __future__ import annotations

import re

import pyogrio

from wijkatlas.bench_api import QUERY_KINDS, LoadResult, _table, _verdict, national_collection
from wijkatlas.bench_api import bench_api as run_bench_api


def test_national_collection_copies_the_public_buurten_over_the_country(demo_out, tmp_path):
    sample = national_collection(demo_out, tmp_path, 1_000)
    copied = pyogrio.read_dataframe(tmp_path / "api" / "openbaar.gpkg", layer="buurten")
    demo = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="buurten")
    assert len(copied) == sample.features == 1_000 and copied["buurtcode"].is_unique
    assert list(copied.columns) == list(demo.columns)
    assert copied["gemeentecode"].nunique() == -(-1_000 // len(demo))
    # the copies lie side by side over the Netherlands, not on top of each other
    assert copied.geometry.union_all().area > 0.9 * copied.geometry.area.sum()
    minx, miny, maxx, maxy = copied.to_crs("EPSG:28992").total_bounds
    assert maxx - minx > 150_000 and maxy - miny > 150_000


def test_bench_reports_every_query_kind_with_latencies_and_memory(demo_out, tmp_path):
    report = run_bench_api(demo_out, tmp_path, buurten=300, total=8, workers=2, servers=["wijkatlas"])
    for kind in QUERY_KINDS:
        for clients in (1, 4):
            row = re.search(rf"{re.escape(kind)}\s+{clients}\s+([\d.]+) / ([\d.]+)\s+([\d.]+)\s+(\d+)", report)
            assert row, (kind, clients, report)
            p50, p95, per_second, kib = map(float, row.groups())
            assert 0 < p50 <= p95 and per_second > 0 and kib > 0
    assert re.search(r"geheugen \(PSS\)\s+\d+ MiB", report)
    assert report.count("doel ") == 3


def test_verdict_names_the_query_kinds_where_a_peer_is_faster():
    def load(ms: float) -> LoadResult:
        return LoadResult(20, 1.0, [ms] * 20, 1024.0)

    ours = {(kind, clients): load(5.0) for kind in QUERY_KINDS for clients in (1, 4)}
    tipg = {(kind, clients): load(9.0) for kind in QUERY_KINDS if not kind.startswith("crs") for clients in (1, 4)}
    tipg["item", 1] = load(2.0)
    lines = _verdict({"wijkatlas": ours, "tipg": tipg})
    assert sum("doel" in line and "gehaald" in line and "NIET" not in line for line in lines) == 3
    assert lines[-1].endswith("NIET gehaald voor item (1)")
    table = "\n".join(_table({"wijkatlas": ours, "tipg": tipg}, {"wijkatlas": 300.0, "tipg": 200.0}))
    assert re.search(r"crs=EPSG:28992\s+1\s+5\.0 / 5\.0\s+20\.0\s+1\s+n\.v\.t\.", table)

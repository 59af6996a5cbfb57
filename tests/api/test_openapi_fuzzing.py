"""Schema-driven requests (Schemathesis) from the service's own OpenAPI document: never a server error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

#: Fixed so that a CI run is repeatable; change it to explore other requests.
SEED = "20261123"


@pytest.mark.slow
def test_no_generated_request_causes_a_server_error(api_url, tmp_path):
    schemathesis = Path(sys.executable).parent / "schemathesis"
    run = subprocess.run(
        [str(schemathesis), "run", f"{api_url}/openapi?f=json", "--checks", "not_a_server_error",
         "--phases", "coverage,fuzzing", "--max-examples", "12", "--seed", SEED, "--workers", "2",
         "--no-color", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=900,
    )
    summary = run.stdout[-3000:]
    assert run.returncode == 0, summary
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", summary).groups())
    assert generated == passed > 1000, summary
    tested = int(re.search(r"Tested: (\d+)", summary).group(1))
    assert tested >= 7 * 3, summary  # at least collection, items and item of every collection

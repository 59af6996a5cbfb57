"""A Wijkatlas OGC API serving the demo build, started once per test session on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers import wijkatlas_server


@pytest.fixture(scope="session")
def api_url(demo_out) -> Iterator[str]:
    with wijkatlas_server(demo_out) as url:
        yield url

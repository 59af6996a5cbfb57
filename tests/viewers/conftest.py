"""The demo's public and intern sites (the browser fixtures are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkatlas.viewers.site import write_site


@pytest.fixture(scope="session")
def public_site(demo_out) -> Path:
    target = demo_out / "openbaar"
    write_site(demo_out / "datapakhuis.gpkg", target, public=True)
    return target


@pytest.fixture(scope="session")
def intern_site(demo_out) -> Path:
    """Written by the build itself (`wijkatlas demo`)."""
    return demo_out / "viewers"

"""Paths and helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
SMALL_CATALOG = TESTS / "indicators" / "small_catalog.toml"


def recorded(name: str) -> dict:
    """A recorded response body from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

"""QGIS (Debian's 3.22, headless) reads every public collection through its OAPIF provider."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

QGIS_PYTHON = "/usr/bin/python3"
READER = Path(__file__).parents[1] / "clients" / "qgis_read.py"
COLLECTIONS = {"gemeente": "gemeentecode", "wijken": "wijkcode", "buurten": "buurtcode",
               "sportvoorzieningen": "id", "kavels": "kavelnummer", "meldingen_buurt": "id",
               "indicatordefinities": "indicator"}


@pytest.fixture(scope="module")
def qgis_read(api_url) -> dict:
    environment = os.environ | {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": "/tmp"}
    done = subprocess.run([QGIS_PYTHON, str(READER), api_url, *COLLECTIONS], capture_output=True, text=True,
                          timeout=300, env=environment, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_qgis_reads_every_feature_with_the_published_values(qgis_read, demo_out, collection):
    layer = qgis_read[collection]
    assert layer["valid"], layer.get("error")
    id_field = COLLECTIONS[collection]
    expected = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer=collection, read_geometry=False)
    served = pd.DataFrame(layer["features"])
    assert len(served) == len(expected)
    assert id_field in layer["fields"]  # the id field under its own name, not only as QGIS's "id"
    served, expected = served.set_index(id_field).sort_index(), expected.set_index(id_field).sort_index()
    assert list(served.index) == list(expected.index)
    for column in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[column]) and not pd.api.types.is_bool_dtype(expected[column]):
            assert np.allclose(served[column].astype(float), expected[column].astype(float), equal_nan=True), column
        elif expected[column].dtype == object:
            assert served[column].fillna("").astype(str).tolist() == expected[column].fillna("").astype(str).tolist(), \
                column


def test_qgis_places_the_spatial_collections_in_wgs84(qgis_read):
    assert {name: layer["crs"] for name, layer in qgis_read.items() if name != "indicatordefinities"} == \
        dict.fromkeys(["gemeente", "wijken", "buurten", "sportvoorzieningen", "kavels", "meldingen_buurt"], "EPSG:4326")

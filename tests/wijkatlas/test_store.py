import hashlib

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from wijkatlas.store import write_store


def layers(value: int) -> dict[str, pd.DataFrame]:
    return {
        "punten": gpd.GeoDataFrame({"n": [value]}, geometry=[shapely.Point(1, 1)], crs="EPSG:28992"),
        "tabel": pd.DataFrame({"bron": ["x"], "gelezen": [value]}),
    }


def test_layers_with_and_without_geometry(tmp_path):
    path = write_store(layers(1), tmp_path / "out" / "datapakhuis.gpkg")
    assert pyogrio.list_layers(path).tolist() == [["punten", "Point"], ["tabel", None]]
    assert pyogrio.read_dataframe(path, layer="tabel")["gelezen"].tolist() == [1]


def test_failed_write_leaves_previous_store_intact_and_no_debris(tmp_path):
    path = write_store(layers(1), tmp_path / "datapakhuis.gpkg")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    broken = layers(2) | {"kapot": pd.DataFrame({"waarde": [complex(1, 2)]})}  # GPKG has no complex numbers
    with pytest.raises(NotImplementedError):  # pyogrio: no field type for complex numbers
        write_store(broken, path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir()] == ["datapakhuis.gpkg"]

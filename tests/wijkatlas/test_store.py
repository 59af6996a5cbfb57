import hashlib
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
import pytest
import shapely

from wijkatlas.geo.bag import _repeated
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


def test_a_large_point_layer_streamed_in_batches_reads_back_as_written_whole(tmp_path, monkeypatch):
    records = gpd.GeoDataFrame({
        "identificatie": pd.Series([f"03630100000{n:05d}" for n in range(7)], dtype="string"),
        "status": pd.Series(["in gebruik", "gesloopt", None, "in gebruik", "in gebruik", None, "gesloopt"],
                            dtype="category"),
        # no value at all, encoded as the BAG loader encodes it (the country's synthetic BAG has no huisletter)
        "huisletter": _repeated(pd.Series([None] * 7, dtype="string")),
        "toevoeging": pd.Series(["1", None, "2", None, None, "1", None], dtype="category"),
        "bouwjaar": pd.array([1900, None, 1975, 2001, None, 1930, 2024], dtype="Int64"),
        "is_woning": [True, False, True, True, False, False, True],
    }, geometry=[shapely.Point(n, n + 0.5) if n != 4 else None for n in range(7)], crs="EPSG:28992")
    whole = write_store({"bag": records}, tmp_path / "heel.gpkg")
    monkeypatch.setattr("wijkatlas.store.BATCH_ROWS", 3)
    batches = []

    def write_arrow(reader, *args, **kwargs):  # what GDAL is given: the batches, one at a time
        read = list(reader)
        batches.extend(len(batch) for batch in read)
        return pyogrio.write_arrow(pa.RecordBatchReader.from_batches(reader.schema, read), *args, **kwargs)

    monkeypatch.setattr("wijkatlas.store.pyogrio", SimpleNamespace(write_arrow=write_arrow))
    streamed = write_store({"bag": records}, tmp_path / "gestroomd.gpkg")
    assert batches == [3, 3, 1]
    assert pyogrio.list_layers(streamed).tolist() == [["bag", "Point"]]
    expected, found = (pyogrio.read_dataframe(path, layer="bag", use_arrow=True) for path in (whole, streamed))
    pd.testing.assert_frame_equal(found, expected)
    assert found["status"].iloc[:2].tolist() == ["in gebruik", "gesloopt"] and found["status"].isna().sum() == 2
    assert found.geometry.isna().sum() == 1 and len(found) == 7

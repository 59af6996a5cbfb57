import hashlib
import json

import pyogrio
from pandas.testing import assert_frame_equal

from wijkatlas.synthetic import generate_demo

from helpers import REPO

TEXT_FILES = ["cbs/kerncijfers_85318NED.csv", "cbs/kerncijfers_85618NED.csv", "cbs/kerncijfers_85984NED.csv",
              "registraties/sportaanbieders.csv", "defects.json"]
LAYERS = [("cbs/wijkbuurtkaart_2024.gpkg", "buurten"), ("bag/verblijfsobjecten.gpkg", "verblijfsobject"),
          ("registraties/kavels.gpkg", "kavels"), ("registraties/meldingen.geojson", None)]


def test_committed_demo_data_is_what_the_generator_makes(tmp_path):
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "cbs_85984NED_DataProperties.json").write_bytes(
        (REPO / "data/reference/cbs_85984NED_DataProperties.json").read_bytes())
    generate_demo(tmp_path)
    for name in TEXT_FILES:
        assert hashlib.sha256((tmp_path / name).read_bytes()).digest() == \
            hashlib.sha256((REPO / "data" / name).read_bytes()).digest(), name
    for name, layer in LAYERS:
        assert_frame_equal(pyogrio.read_dataframe(tmp_path / name, layer=layer),
                           pyogrio.read_dataframe(REPO / "data" / name, layer=layer))


def test_demo_has_the_promised_shape():
    kerncijfers = (REPO / "data/cbs/kerncijfers_85984NED.csv").read_text().splitlines()
    properties = json.loads((REPO / "data/reference/cbs_85984NED_DataProperties.json").read_text())
    topics = [p["Key"] for p in properties if p["Type"] == "Topic"]
    assert kerncijfers[0].split(",") == ["ID", "WijkenEnBuurten"] + topics  # exactly the columns of 85984NED
    buurten = pyogrio.read_dataframe(REPO / "data/cbs/wijkbuurtkaart_2024.gpkg", layer="buurten")
    small = buurten[(buurten["water"] == "NEE") & (buurten["aantalInwoners"].between(0, 49))]
    assert len(small) >= 2  # buurten with fewer than 50 inhabitants
    vbo = pyogrio.read_info(REPO / "data/bag/verblijfsobjecten.gpkg", layer="verblijfsobject")
    assert 18_000 <= vbo["features"] <= 22_000
    total = sum(p.stat().st_size for p in (REPO / "data").rglob("*") if p.is_file())
    assert total < 15 * 1024 * 1024

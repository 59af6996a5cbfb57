"""End to end: `wijkatlas demo` on the embedded data, read back with GDAL's own tools."""

import json
import re
import shutil
import subprocess

import pandas as pd
import pyogrio
import pytest

from helpers import REPO

REGISTRATIONS = ["sportvoorzieningen", "kavels", "meldingen"]


@pytest.fixture(scope="module")
def store(demo_out):
    return demo_out / "datapakhuis.gpkg"


def test_store_has_every_layer(store):
    expected = {"gemeente", "wijken", "buurten", "kerncijfers", "bag_verblijfsobjecten", "reconciliatie",
                "afgekeurd", "bronnen", "raster_groen", *REGISTRATIONS, "indicator_definities", "indicator_kwaliteit",
                "gebieden_controle", "waarschuwingen", "bron_kwaliteit", "methoden", "editie", "toelichtingen"}
    for variant in ("intern", "openbaar"):
        expected |= {f"indicatoren_lang_{variant}", f"signalering_{variant}", f"vergelijkbare_gebieden_{variant}",
                     f"streefwaarden_{variant}",
                     *(f"indicatoren_{niveau}_{variant}" for niveau in ("buurt", "wijk", "gemeente"))}
    assert set(pyogrio.list_layers(store)[:, 0]) == expected


def test_gdal_ogrinfo_lists_the_layers(store):
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "ogrinfo (Debian gdal-bin) is installed by 'make test'"
    listing = subprocess.run([ogrinfo, "-ro", "-q", str(store)], capture_output=True, text=True, check=True).stdout
    for layer in (r"buurten \((Multi )?Polygon\)", r"bag_verblijfsobjecten \(Point\)", r"kavels \(Polygon\)",
                  r"reconciliatie \(None\)"):
        assert re.search(layer, listing), layer


def test_reconciliation_adds_up_for_every_source(store):
    reconciliation = pyogrio.read_dataframe(store, layer="reconciliatie").set_index("bron")
    assert (reconciliation["gelezen"] == reconciliation[["toegewezen", "buiten", "afgekeurd"]].sum(axis=1)).all()
    for name in REGISTRATIONS + ["bag_verblijfsobjecten"]:
        layer = pyogrio.read_dataframe(store, layer=name)
        assert layer["buurtcode"].notna().sum() == reconciliation.loc[name, "toegewezen"]
        assert layer["buurtcode"].isna().sum() == reconciliation.loc[name, "buiten"]
    rejected = pyogrio.read_dataframe(store, layer="afgekeurd")
    assert rejected.groupby("bron").size().to_dict() == reconciliation.loc[
        reconciliation["afgekeurd"] > 0, "afgekeurd"].to_dict()


def test_each_planted_defect_is_rejected_with_its_reason_or_outside(store):
    defects = pd.DataFrame(json.loads((REPO / "data" / "defects.json").read_text(encoding="utf-8")))
    rejected = pyogrio.read_dataframe(store, layer="afgekeurd")
    reconciliation = pyogrio.read_dataframe(store, layer="reconciliatie").set_index("bron")
    for defect in defects.itertuples():
        if defect.uitkomst == "buiten":
            layer = pyogrio.read_dataframe(store, layer=defect.bron, where=f"bron_id = '{defect.id}'")
            assert len(layer) == 1 and pd.isna(layer["buurtcode"].iloc[0]), defect
        else:
            match = rejected[(rejected["bron"] == defect.bron) & (rejected["id"] == defect.id)]
            assert defect.uitkomst in set(match["reden_code"]), defect
    # nothing else went wrong: the planted defects are all there is
    planted = defects.groupby(["bron", "uitkomst"]).size()
    assert rejected.groupby("bron").size().to_dict() == planted.drop("buiten", level=1).groupby("bron").sum().to_dict()
    assert reconciliation.loc["meldingen", "buiten"] == planted.loc[("meldingen", "buiten")]


def test_every_record_carries_buurt_and_wijk_from_the_same_hierarchy(store):
    buurten = pyogrio.read_dataframe(store, layer="buurten", read_geometry=False).set_index("buurtcode")
    vbo = pyogrio.read_dataframe(store, layer="bag_verblijfsobjecten", read_geometry=False)
    assert (vbo["wijkcode"] == vbo["buurtcode"].map(buurten["wijkcode"])).all()

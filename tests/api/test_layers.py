"""What the OGC API publishes: only public collections and columns, with complete metadata."""

from __future__ import annotations

import json

import pyogrio
import pytest
import yaml

from wijkatlas.api_config.collections import load_collections
from wijkatlas.api_config.pygeoapi_config import check_binding, pygeoapi_config, read_metadata
from wijkatlas.errors import ConfigError
from wijkatlas.vocabulary import is_suppressed

PUBLIC = {"gemeente", "wijken", "buurten", "sportvoorzieningen", "kavels", "meldingen_buurt", "indicatordefinities"}


def test_the_public_file_holds_the_public_collections_only(demo_out):
    layers = {name for name, _ in pyogrio.list_layers(demo_out / "api" / "openbaar.gpkg")}
    assert layers == PUBLIC
    assert {name for name, _ in pyogrio.list_layers(demo_out / "api" / "intern.gpkg")} == {
        "buurten_intern", "wijken_intern"}


def test_no_intern_figure_or_individual_record_reaches_the_public_file(demo_out):
    store = demo_out / "datapakhuis.gpkg"
    public = demo_out / "api" / "openbaar.gpkg"
    kavels = pyogrio.read_dataframe(public, layer="kavels")
    assert "koopsom_eur" not in kavels and "bron_rij" not in kavels
    assert set(kavels["status"]) <= {"beschikbaar", "in optie", "verkocht"}
    intern = pyogrio.read_dataframe(store, layer="indicatoren_buurt_intern").set_index("buurtcode")
    openbaar = pyogrio.read_dataframe(public, layer="buurten").set_index("buurtcode")
    suppressed = is_suppressed(openbaar["wmo_clienten_per_1000__status"])
    assert suppressed.any(), "the demo has buurten whose Wmo figure is secret"
    assert openbaar.loc[suppressed, "wmo_clienten_per_1000"].isna().all()
    assert intern.loc[suppressed[suppressed].index, "wmo_clienten_per_1000"].notna().any()
    meldingen = pyogrio.read_dataframe(public, layer="meldingen_buurt")
    assert len(meldingen) == 40 * 3  # buurten x peiljaren, no individual meldingen
    assert set(meldingen["peiljaar"]) == {2022, 2023, 2024}


def test_meldingen_per_buurt_equal_the_public_indicator_figures(demo_out):
    long = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="indicatoren_lang_openbaar")
    expected = long[(long["indicator"] == "meldingen_per_1000") & (long["niveau"] == "buurt")]
    published = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="meldingen_buurt")
    merged = expected.merge(published, left_on=["gebiedscode", "peiljaar"], right_on=["buurtcode", "peiljaar"])
    assert len(merged) == len(expected) == len(published)
    assert (merged["waarde"].fillna(-1) == merged["meldingen_per_1000"].fillna(-1)).all()


def test_every_collection_has_licence_extents_and_definitions(demo_out):
    metadata = read_metadata(demo_out / "api")
    by_id = {c["id"]: c for c in metadata["collections"]}
    assert set(by_id) == PUBLIC | {"buurten_intern", "wijken_intern"}
    for collection in by_id.values():
        assert collection["licence"] == "CC BY 4.0"
        minx, miny, maxx, maxy = collection["bbox"]
        assert 6.4 < minx < maxx < 6.8 and 52.4 < miny < maxy < 52.6
        assert any(link["rel"] == "license" for link in collection["links"])
    assert by_id["buurten"]["temporal"] == ["2022-01-01T00:00:00Z", "2024-12-31T23:59:59Z"]
    assert by_id["kavels"]["temporal"][0].startswith("2022")
    assert any("indicatordefinities" in link["href"] for link in by_id["buurten"]["links"])
    assert "Bron: CBS" in by_id["wijken"]["description"]


def test_the_configuration_includes_intern_collections_only_when_asked(demo_out):
    metadata = read_metadata(demo_out / "api")
    public = pygeoapi_config(metadata, demo_out / "api", url="http://127.0.0.1:5000", host="127.0.0.1", port=5000)
    assert set(public["resources"]) == PUBLIC
    with_intern = pygeoapi_config(metadata, demo_out / "api", url="http://127.0.0.1:5000", host="127.0.0.1",
                                  port=5000, intern=True)
    assert {"buurten_intern", "wijken_intern"} <= set(with_intern["resources"])
    for resource in public["resources"].values():
        assert resource["providers"][0]["data"]["source"].endswith("openbaar.gpkg")


def test_intern_collections_stay_on_loopback_unless_allowed():
    check_binding("127.0.0.1", intern=True, intern_on_network=False)
    check_binding("0.0.0.0", intern=False, intern_on_network=False)
    check_binding("0.0.0.0", intern=True, intern_on_network=True)
    with pytest.raises(ConfigError, match="--intern-op-netwerk"):
        check_binding("0.0.0.0", intern=True, intern_on_network=False)


def test_the_openapi_document_is_self_contained(demo_out):
    from wijkatlas.api_config.server import prepare

    _, openapi_path = prepare(demo_out / "api", host="127.0.0.1", port=5999)
    text = openapi_path.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    refs = set()

    def collect(node):
        if isinstance(node, dict):
            refs.update([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert refs and all(ref.startswith("#/components/") for ref in refs)
    for ref in refs:
        _, _, kind, name = ref.split("/")
        assert name in document["components"][kind], ref
    items = {p.get("name") or p["$ref"].rsplit("/", 1)[-1]
             for p in document["paths"]["/collections/buurten/items"]["get"]["parameters"]}
    assert {"bbox", "crs", "limit", "inwoners"} <= items and not items & {"sortby", "vendorSpecificParameters"}


@pytest.mark.parametrize(("change", "message"), [
    ('layer = "meldingen"', "losse records die volgens het publicatiebeleid"),
    ('layer = "bomen"', "losse records die volgens het publicatiebeleid"),
    ('layer = "indicatoren_buurt_intern"', "hoort niet in"),
    ('kleur = "rood"', "onbekende sleutel"),
    ('level = "provincie"', "level 'provincie' is geen niveau"),
])
def test_a_collection_file_that_would_leak_is_refused(tmp_path, change, message):
    path = tmp_path / "collections.toml"
    path.write_text(f'[collection.x]\nid_field = "id"\ntitle = "x"\ndescription = "x"\nkeywords = []\n'
                    f'source = "meldingen"\ncolumns = ["id"]\n{change}\n'
                    + ('layer = "meldingen_buurt"\n' if "layer" not in change else ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_collections(path)


def test_the_build_writes_collection_metadata_as_json(demo_out):
    metadata = json.loads((demo_out / "api" / "collections.json").read_text(encoding="utf-8"))
    assert metadata["gebiedscode"] == "GM9901"
    counts = {c["id"]: c["features"] for c in metadata["collections"]}
    assert counts["buurten"] == 40 and counts["wijken"] == 10 and counts["gemeente"] == 1


def test_no_sold_kavel_shows_a_price_from_which_its_koopsom_follows(demo_out):
    kavels = pyogrio.read_dataframe(demo_out / "api" / "openbaar.gpkg", layer="kavels")
    sold = kavels["status"] == "verkocht"
    assert sold.sum() > 10
    assert kavels.loc[sold, "prijs_per_m2_eur"].isna().all()
    assert kavels.loc[~sold, "prijs_per_m2_eur"].notna().any()  # for sale: the asking price stays public
    assert "koopsom_eur" not in kavels.columns


def test_the_publication_policy_cuts_a_layer_whatever_the_collection_file_lists(demo_out):
    from wijkatlas.publication import public_records

    store = pyogrio.read_dataframe(demo_out / "datapakhuis.gpkg", layer="kavels")
    public = public_records("kavels", store)
    assert "koopsom_eur" in store.columns and "koopsom_eur" not in public.columns
    with pytest.raises(KeyError, match="meldingen"):
        public_records("meldingen", store)

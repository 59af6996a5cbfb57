import geopandas as gpd
import pytest
import responses
import shapely
from responses import matchers

from wijkatlas.errors import OfflineError, SourceError, ValidationError
from wijkatlas.geo.assign import assign_to_buurt
from wijkatlas.geo.gebieden import fetch_gebieden, load_gebieden

from helpers import REPO, recorded

DEMO_KAART = REPO / "data" / "cbs" / "wijkbuurtkaart_2024.gpkg"
PDOK = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1"
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"


def write_kaart(path, *, buurten, wijken=None, gemeenten=None):
    wijken = wijken if wijken is not None else gpd.GeoDataFrame(
        {"wijkcode": ["WK000100"], "wijknaam": ["Kern"], "gemeentecode": ["GM0001"], "water": ["NEE"]},
        geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:28992")
    gemeenten = gemeenten if gemeenten is not None else gpd.GeoDataFrame(
        {"gemeentecode": ["GM0001"], "gemeentenaam": ["Proefdorp"], "water": ["NEE"]},
        geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:28992")
    for layer, frame in (("gemeenten", gemeenten), ("wijken", wijken), ("buurten", buurten)):
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path


def test_demo_kaart_has_one_row_per_area_with_land_and_water_merged():
    gebieden = load_gebieden(DEMO_KAART, gemeenten="GM9901")
    assert len(gebieden.gemeente) == 1 and len(gebieden.wijken) == 10 and len(gebieden.buurten) == 40
    assert gebieden.buurten["buurtcode"].is_unique
    assert gebieden.buurten.crs == "EPSG:28992"
    assert (gebieden.buurten["oppervlakte_water_ha"] > 0).any()
    raw = gpd.read_file(DEMO_KAART, layer="buurten")
    assert len(raw) > 40 and set(raw["water"]) == {"JA", "NEE"}  # the file itself splits land and water
    total_ha = raw.area.sum() / 10_000
    merged_ha = (gebieden.buurten["oppervlakte_land_ha"] + gebieden.buurten["oppervlakte_water_ha"]).sum()
    assert merged_ha == pytest.approx(total_ha, abs=0.01 * len(gebieden.buurten))  # areas are rounded to 0.01 ha


def test_land_and_water_parts_are_summed_per_code(tmp_path):
    buurten = gpd.GeoDataFrame(
        {"buurtcode": ["BU00010000", "BU00010000", "BU00010001"], "buurtnaam": ["Dorp", "Dorp", "Haven"],
         "wijkcode": ["WK000100"] * 3, "gemeentecode": ["GM0001"] * 3, "water": ["NEE", "JA", "NEE"]},
        geometry=[shapely.box(0, 0, 80, 100), shapely.box(80, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs="EPSG:28992")
    gebieden = load_gebieden(write_kaart(tmp_path / "k.gpkg", buurten=buurten), gemeenten="GM0001")
    dorp = gebieden.buurten.set_index("buurtcode").loc["BU00010000"]
    assert dorp["oppervlakte_land_ha"] == 0.8 and dorp["oppervlakte_water_ha"] == 0.2
    assert dorp.geometry.area == pytest.approx(10_000)
    assert dorp["wijknaam"] == "Kern" and dorp["gemeentenaam"] == "Proefdorp"


def test_a_buurt_with_a_spike_keeps_its_area_as_a_polygon_and_its_points_go_where_they_lie(tmp_path):
    spiked = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100), (0, 50), (-30, 50), (0, 50)])  # a dangling edge
    buurten = gpd.GeoDataFrame(
        {"buurtcode": ["BU00010000", "BU00010001"], "buurtnaam": ["Dorp", "Veld"], "wijkcode": ["WK000100"] * 2,
         "gemeentecode": ["GM0001"] * 2, "water": ["NEE"] * 2},
        geometry=[spiked, shapely.box(100, 0, 200, 100)], crs="EPSG:28992")
    gebieden = load_gebieden(write_kaart(tmp_path / "k.gpkg", buurten=buurten), gemeenten="GM0001")
    assert gebieden.buurten.geom_type.tolist() == ["Polygon", "Polygon"]  # make_valid alone: polygon + line
    assert gebieden.buurten.geometry.area.tolist() == [10_000, 10_000]
    near = gpd.GeoDataFrame(geometry=gpd.points_from_xy([99.9, 100.1, 99.99], [50, 50, 0.01]), crs="EPSG:28992")
    assigned = assign_to_buurt(near, gebieden.buurten)  # a grid of 1 m cells: the shared edge cells are tested exactly
    assert assigned["buurtcode"].tolist() == ["BU00010000", "BU00010001", "BU00010000"]


def test_releases_before_2022_with_snake_case_fields_are_read(tmp_path):
    buurten = gpd.GeoDataFrame(
        {"bu_code": ["BU00010000"], "bu_naam": ["Dorp"], "wk_code": ["WK000100"], "gm_code": ["GM0001"]},
        geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:28992")
    wijken = gpd.GeoDataFrame({"wk_code": ["WK000100"], "wk_naam": ["Kern"], "gm_code": ["GM0001"]},
                              geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:28992")
    gemeenten = gpd.GeoDataFrame({"gm_code": ["GM0001"], "gm_naam": ["Proefdorp"]},
                                 geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:28992")
    path = write_kaart(tmp_path / "k2021.gpkg", buurten=buurten, wijken=wijken, gemeenten=gemeenten)
    assert load_gebieden(path, gemeenten="GM0001").buurten["buurtcode"].tolist() == ["BU00010000"]


def test_every_hierarchy_problem_is_reported_at_once(tmp_path):
    buurten = gpd.GeoDataFrame(
        {"buurtcode": ["BU00010000", "BU00019900", "BUURT"], "buurtnaam": ["a", "b", "c"],
         "wijkcode": ["WK000100", "WK000199", "WK000100"], "gemeentecode": ["GM0001"] * 3},
        geometry=[shapely.box(0, 0, 10, 10)] * 3, crs="EPSG:28992")
    with pytest.raises(ValidationError) as raised:
        load_gebieden(write_kaart(tmp_path / "k.gpkg", buurten=buurten), gemeenten="GM0001")
    message = str(raised.value)
    assert "k.gpkg" in message and "BUURT' is geen geldige code" in message


def test_unknown_wijk_is_named(tmp_path):
    buurten = gpd.GeoDataFrame(
        {"buurtcode": ["BU00019900"], "buurtnaam": ["b"], "wijkcode": ["WK000199"], "gemeentecode": ["GM0001"]},
        geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:28992")
    with pytest.raises(ValidationError, match=r"buurt BU00019900: wijk WK000199 komt niet voor in laag 'wijken'"):
        load_gebieden(write_kaart(tmp_path / "k.gpkg", buurten=buurten), gemeenten="GM0001")


def test_missing_layer_and_unknown_gemeente_are_reported(tmp_path):
    path = tmp_path / "half.gpkg"
    gpd.GeoDataFrame({"gemeentecode": ["GM0001"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=28992).to_file(
        path, layer="gemeenten", engine="pyogrio")
    with pytest.raises(SourceError, match=r"geen buurten van gemeente GM0001 .*gevonden in \['half.gpkg:gemeenten'\]"):
        load_gebieden(path, gemeenten="GM0001")
    with pytest.raises(ValidationError, match=r"bevat niets voor gemeente GM0002 .*; wel voor: GM9901"):
        load_gebieden(DEMO_KAART, gemeenten="GM0002")


@responses.activate
def test_pdok_download_pages_through_next_links_in_rd():
    responses.get(f"{PDOK}/", json=recorded("pdok/wijkenbuurten_landing.json"))
    for layer in ("gemeenten", "wijken"):
        responses.get(f"{PDOK}/collections/{layer}/items", json=recorded(f"pdok/wijkenbuurten_{layer}.json"),
                      match=[matchers.query_param_matcher({"gemeentecode": "GM0400", "crs": RD_URI},
                                                          strict_match=False)])
    responses.get(f"{PDOK}/collections/buurten/items", json=recorded("pdok/wijkenbuurten_buurten_page2.json"),
                  match=[matchers.query_param_matcher({"cursor": "Mg|AAAB"}, strict_match=False)])
    responses.get(f"{PDOK}/collections/buurten/items", json=recorded("pdok/wijkenbuurten_buurten_page1.json"),
                  match=[matchers.query_param_matcher({"gemeentecode": "GM0400", "limit": "1000"},
                                                      strict_match=False)])
    gebieden = fetch_gebieden("GM0400", jaar=2024)
    assert gebieden.buurten["buurtcode"].tolist() == ["BU04000000", "BU04000001", "BU04000100"]
    assert gebieden.buurten.set_index("buurtcode").loc["BU04000001", "wijknaam"] == "Stad Den Helder"
    assert gebieden.buurten.total_bounds.tolist() == [112000, 550000, 114000, 552000]
    assert len(responses.calls) == 5  # landing page, gemeenten, wijken, buurten page 1 and 2


@responses.activate
def test_pdok_unreachable_is_a_clear_offline_error():
    # responses refuses every unregistered URL with a ConnectionError, as a closed network does
    with pytest.raises(OfflineError, match=r"api\.pdok\.nl is niet bereikbaar.*'wijkatlas demo' werkt zonder"):
        fetch_gebieden("GM0400", jaar=2024)

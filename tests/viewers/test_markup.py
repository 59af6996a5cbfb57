"""Text from the data reaches a page as text: never read as a template."""

from __future__ import annotations

import json
import re

import geopandas as gpd
from shapely import box

from wijkatlas.viewers.gebiedsprofiel import DATA_CLASS, add_area_layers
from wijkatlas.viewers.style import base_map

NAME = "Buurt {{ 7 * 7 }} {% if true %}x{% endif %}"


def test_a_name_with_template_braces_stays_text_in_the_page():
    viewer = base_map([[52.0, 4.0], [52.1, 4.1]], title="Kaart", online_basemap=False)
    outlines = {level: gpd.GeoDataFrame({"code": [code]}, geometry=[box(4.0, 52.0, 4.1, 52.1)], crs=4326)
                for level, code in (("wijk", "WK00010001"), ("buurt", "BU0001000101"))}
    data = {"levels": {level: {"codes": [code], "names": [NAME]} for level, code in
                       (("wijk", "WK00010001"), ("buurt", "BU0001000101"))}}
    add_area_layers(viewer, outlines, data, profile_links=False)
    page = viewer.get_root().render()
    block = re.search(rf'<script type="application/json" class="{DATA_CLASS}">(.*?)</script>', page, re.DOTALL)
    assert json.loads(block.group(1))["levels"]["wijk"]["names"] == [NAME]

"""Editions of the public site: each build's site is kept, linked from the index and never deleted."""

from __future__ import annotations

import re
import shutil

import pyogrio

from wijkatlas.viewers.site import EDITIONS, Addresses, write_site


def rebuilt(store, tmp_path, stamp):
    """A copy of the demo's datapakhuis as if built at ``stamp``."""
    copy = tmp_path / f"datapakhuis-{stamp[:10]}.gpkg"
    shutil.copy(store, copy)
    edition = pyogrio.read_dataframe(copy, layer="editie")
    edition["gebouwd_op"] = stamp
    pyogrio.write_dataframe(edition, copy, layer="editie")
    (tmp_path / "export").mkdir(exist_ok=True)
    return copy


def test_a_new_build_keeps_every_earlier_edition(demo_out, tmp_path):
    target = tmp_path / "openbaar"
    first = rebuilt(demo_out / "datapakhuis.gpkg", tmp_path, "2026-03-01T09:00:00")
    write_site(first, target, public=True, pdf=False)
    write_site(first, target, public=True, pdf=False)  # the same build written again: still one edition
    assert sorted(p.name for p in (target / EDITIONS).iterdir()) == ["2026-03-01"]
    kept = target / EDITIONS / "2026-03-01" / "gebiedsprofiel.html"
    before = kept.read_bytes()

    second = rebuilt(demo_out / "datapakhuis.gpkg", tmp_path, "2026-09-01T09:00:00")
    write_site(second, target, public=True, pdf=False)
    third = rebuilt(demo_out / "datapakhuis.gpkg", tmp_path, "2026-09-01T15:00:00")  # same day, later build
    write_site(third, target, public=True, pdf=False)
    assert sorted(p.name for p in (target / EDITIONS).iterdir()) == ["2026-03-01", "2026-09-01", "2026-09-01-2"]
    assert kept.read_bytes() == before  # an edition is never rewritten

    index = (target / "index.html").read_text(encoding="utf-8")
    assert "editie 01-09-2026" in index
    links = re.findall(r'href="(edities/[^"]+)"', index)
    assert links == ["edities/2026-09-01-2/index.html", "edities/2026-09-01/index.html",
                     "edities/2026-03-01/index.html"]
    assert all((target / link).is_file() for link in links)
    old = (target / EDITIONS / "2026-03-01" / "index.html").read_text(encoding="utf-8")
    assert "editie 01-03-2026" in old and 'href="../../index.html"' in old
    assert (target / EDITIONS / "2026-03-01" / "vendor" / "leaflet" / "leaflet.js").is_file()


def test_the_index_links_the_api_collections_and_embeds_each_map(demo_out, tmp_path):
    target = tmp_path / "openbaar"
    write_site(demo_out / "datapakhuis.gpkg", target, public=True, pdf=False,
               addresses=Addresses(site="https://atlas.example.nl/", api="https://api.example.nl"))
    index = (target / "index.html").read_text(encoding="utf-8")
    assert 'href="https://api.example.nl/collections/buurten"' in index
    assert "intern" not in re.findall(r'collections/([a-z_]+)"', index)
    assert '&lt;iframe src="https://atlas.example.nl/gebiedsprofiel.html"' in index
    downloads = re.findall(r'href="(downloads/[^"]+)"', index)
    assert {"downloads/indicatoren_buurt.csv", "downloads/indicatoren_wijk.xlsx"} <= set(downloads)
    assert (target / "downloads" / "indicatoren_buurt.xlsx").read_bytes() == \
        (demo_out / "export" / "indicatoren_buurt.xlsx").read_bytes()

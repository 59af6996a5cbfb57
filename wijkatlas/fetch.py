"""``wijkatlas fetch``: download a municipality's CBS and PDOK sources into a folder.

The files are written in the formats the loaders read, next to a build
configuration that names them; municipal registrations are added by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd

from wijkatlas.errors import ConfigError
from wijkatlas.geo.bag import fetch_verblijfsobjecten
from wijkatlas.geo.gebieden import Gebieden, fetch_gebieden
from wijkatlas.geo.kerncijfers import download_kerncijfers, validate_kerncijfers
from wijkatlas.settings import KERNCIJFERS_TABLES


def fetch_sources(
    gemeentecode: str, *, jaar: int, peiljaren: Sequence[int], out: Path, progress: Callable[[str], None]
) -> Path:
    """Download gebieden and BAG (PDOK) and kerncijfers (CBS) for ``gemeentecode``; returns the config path.

    Raises
    ------
    ConfigError
        For a malformed gemeentecode or a peiljaar without a known kerncijfers table.
    OfflineError
        When PDOK or CBS cannot be reached.
    """
    if not re.fullmatch(r"GM\d{4}", gemeentecode):
        raise ConfigError(f"--gemeente is '{gemeentecode}' maar moet de vorm GMxxxx hebben, bv. GM0400")
    unknown = [p for p in peiljaren if p not in KERNCIJFERS_TABLES]
    if unknown:
        raise ConfigError(f"peiljaren {unknown} onbekend; bekend: {sorted(KERNCIJFERS_TABLES)}")
    out.mkdir(parents=True, exist_ok=True)

    progress(f"… wijk- en buurtgrenzen {jaar} van PDOK")
    gebieden = fetch_gebieden(gemeentecode, jaar=jaar)
    _write_gebieden(gebieden, out / f"wijkbuurtkaart_{jaar}.gpkg")

    kerncijfers = []
    for peiljaar in sorted(peiljaren):
        table_id = KERNCIJFERS_TABLES[peiljaar]
        progress(f"… kerncijfers {peiljaar} ({table_id}) van CBS")
        table = download_kerncijfers(table_id, gemeentecode=gemeentecode)
        validate_kerncijfers(table.astype("string"), source=f"CBS StatLine {table_id}", peiljaar=peiljaar,
                             gemeenten=gemeentecode)
        path = out / f"kerncijfers_{table_id}.csv"
        table.to_csv(path, index=False)
        kerncijfers.append((path.name, peiljaar))

    progress("… BAG verblijfsobjecten van PDOK")
    bag = fetch_verblijfsobjecten(tuple(gebieden.gemeente.total_bounds))
    bag_path = out / "verblijfsobjecten.gpkg"
    bag_path.unlink(missing_ok=True)
    bag.records.drop(columns="bron_rij").to_file(bag_path, layer="verblijfsobject", driver="GPKG", engine="pyogrio")
    progress(f"  {len(bag.records)} verblijfsobjecten")

    config_path = out / "wijkatlas.toml"
    config_path.write_text(_config_text(gebieden, jaar, kerncijfers, bag_path.name), encoding="utf-8")
    return config_path


def _write_gebieden(gebieden: Gebieden, path: Path) -> None:
    """The areas in the CBS wijk- en buurtkaart layout the loader reads."""
    path.unlink(missing_ok=True)
    for layer, frame in (("gemeenten", gebieden.gemeente), ("wijken", gebieden.wijken), ("buurten", gebieden.buurten)):
        columns = [c for c in frame.columns if not c.startswith("oppervlakte_")]
        gpd.GeoDataFrame(frame[columns].assign(water="NEE"), crs=frame.crs).to_file(
            path, layer=layer, driver="GPKG", engine="pyogrio", promote_to_multi=True
        )


def _config_text(gebieden: Gebieden, jaar: int, kerncijfers: list[tuple[str, int]], bag_file: str) -> str:
    gemeente = gebieden.gemeente.iloc[0]
    parts = [
        "# Written by 'wijkatlas fetch'. Add the municipality's registrations as in data/demo.toml.",
        "",
        "[gemeente]",
        f'code = "{gemeente["gemeentecode"]}"',
        f'naam = "{gemeente["gemeentenaam"]}"',
        "",
        "[gebieden]",
        f'file = "wijkbuurtkaart_{jaar}.gpkg"',
    ]
    for file, peiljaar in kerncijfers:
        parts += ["", "[[kerncijfers]]", f'file = "{file}"', f"peiljaar = {peiljaar}"]
    parts += ["", "[bag]", f'file = "{bag_file}"', 'layer = "verblijfsobject"', ""]
    return "\n".join(parts)

"""Land and water area as CBS defines them, and whether the boundaries fit together.

CBS measures land and water from its land-use map (``OppervlakteLand``,
``OppervlakteWater`` in the kerncijfers); generalised boundaries measured as
polygons count every hectare as land. Where the kerncijfers have CBS's figures
they are used, the polygon area only as the fallback, and each area says which.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from wijkatlas.geo.gebieden import TOLERANCE_HA, Gebieden, boundary_report

AREA_SOURCE_POLYGON = "berekend uit de grenzen"
CONTROL_COLUMNS = ["niveau", "gebiedscode", "buiten_ha", "niet_gedekt_ha", "past", "oppervlakte_grenzen_ha",
                   "oppervlakte_cbs_ha", "verschil_cbs_ha", "oppervlakte_bron"]


def cbs_areas(gebieden: Gebieden, kerncijfers: pd.DataFrame) -> tuple[Gebieden, pd.DataFrame]:
    """The areas with CBS's land and water area where the kerncijfers have it, and the consistency report.

    Parameters
    ----------
    kerncijfers
        Long kerncijfers (:func:`wijkatlas.geo.kerncijfers.load_kerncijfers`); the latest
        peiljaar with a value of ``OppervlakteLand`` counts per area.

    Returns
    -------
    tuple
        The areas, with ``oppervlakte_land_ha`` and ``oppervlakte_water_ha`` from
        CBS where known and ``oppervlakte_bron`` saying where they come from; and
        per area the report of :data:`CONTROL_COLUMNS`: children outside it and
        area not covered by them (ha), its polygon area beside CBS's total area.
    """
    land, water = (_latest(kerncijfers, variable) for variable in ("OppervlakteLand", "OppervlakteWater"))
    frames, compared = {}, []
    for niveau, name, code in (("gemeente", "gemeente", "gemeentecode"), ("wijk", "wijken", "wijkcode"),
                               ("buurt", "buurten", "buurtcode")):
        frame = getattr(gebieden, name).copy()
        polygon_ha = (frame["oppervlakte_land_ha"] + frame["oppervlakte_water_ha"]).round(2)
        cbs_land = frame[code].map(land["waarde"])
        cbs_water = frame[code].map(water["waarde"])
        known = cbs_land.notna()
        frame["oppervlakte_bron"] = ("CBS kerncijfers " + frame[code].map(land["peiljaar"]).astype("Int64").astype(
            "string")).where(known, AREA_SOURCE_POLYGON)
        frame.loc[known, "oppervlakte_land_ha"] = cbs_land[known]
        frame.loc[known, "oppervlakte_water_ha"] = cbs_water[known].fillna(0.0)
        frames[name] = frame
        cbs_total = (cbs_land + cbs_water.fillna(0.0)).where(known)
        compared.append(pd.DataFrame({
            "niveau": niveau, "gebiedscode": frame[code], "oppervlakte_grenzen_ha": polygon_ha,
            "oppervlakte_cbs_ha": cbs_total, "verschil_cbs_ha": (polygon_ha - cbs_total).round(2),
            "oppervlakte_bron": frame["oppervlakte_bron"],
        }))
    report = pd.concat(compared, ignore_index=True).merge(boundary_report(gebieden), on=["niveau", "gebiedscode"],
                                                          how="left")
    return replace(gebieden, **frames), report[CONTROL_COLUMNS]


def control_lines(control: pd.DataFrame) -> list[str]:
    """Dutch summary lines of the consistency report: what does not fit, and how the areas were measured."""
    lines = []
    misfits = control[control["past"].eq("nee")]
    for row in misfits.itertuples():
        lines.append(f"{row.niveau} {row.gebiedscode} past niet bij zijn onderdelen: {row.buiten_ha:g} ha "
                     f"erbuiten, {row.niet_gedekt_ha:g} ha niet gedekt")
    differing = control[control["verschil_cbs_ha"].abs() > TOLERANCE_HA]
    if len(differing):
        worst = differing.loc[differing["verschil_cbs_ha"].abs().idxmax()]
        lines.append(f"oppervlakte volgens de grenzen wijkt bij {len(differing)} gebieden meer dan {TOLERANCE_HA:g} ha "
                     f"af van CBS (grootste: {worst['gebiedscode']} {worst['verschil_cbs_ha']:+g} ha); "
                     "dichtheden gebruiken de CBS-oppervlakte")
    fallback = int((control["oppervlakte_bron"] == AREA_SOURCE_POLYGON).sum())
    if fallback:
        lines.append(f"{fallback} gebieden zonder CBS-landoppervlakte: oppervlakte {AREA_SOURCE_POLYGON}")
    return lines


def _latest(kerncijfers: pd.DataFrame, variable: str) -> pd.DataFrame:
    """Per gebiedscode the value of ``variable`` in the latest peiljaar that has one."""
    rows = kerncijfers[(kerncijfers["variabele"] == variable)].dropna(subset=["waarde"]).sort_values("peiljaar")
    return rows.drop_duplicates("gebiedscode", keep="last").set_index("gebiedscode")[["waarde", "peiljaar"]]

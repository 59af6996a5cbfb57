"""The gemeenten of a provincie, from CBS's gebiedsindelingen as PDOK delivers them.

CBS publishes the provinces in *CBS gebiedsindelingen* (PDOK; GeoPackage layer ``provincie_gegeneraliseerd``,
``statcode`` "PV28", ``statnaam`` "Zuid-Holland"). A gemeente belongs to the provincie that holds most of its
area: the generalised outline cuts off coast and water, never a gemeente in two.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import shapely

from wijkatlas.errors import SourceError
from wijkatlas.geo._crs import with_checked_crs
from wijkatlas.geo._tables import list_layers, read_features
from wijkatlas.geo.gebieden import Gebieden
from wijkatlas.settings import RD_CRS
from wijkatlas.vocabulary import Provincie

#: PDOK's layer of the provinces, and its code and name fields
PROVINCE_LAYER = "provincie_gegeneraliseerd"
CODE, NAAM = "statcode", "statnaam"
#: a gemeente lies in the provincie holding more than this share of its area
MAJORITY = 0.5


def in_provincie(gebieden: Gebieden, provincie: Provincie) -> Gebieden:
    """The gemeenten of ``gebieden`` (with their wijken and buurten) that lie in ``provincie``.

    Raises
    ------
    SourceError
        When the file, its layer or the provincie's code is missing, or no gemeente of the boundaries lies in it.
    """
    outline = provincie_outline(provincie)
    gemeente = gebieden.gemeente
    share = gemeente.geometry.intersection(outline).area / gemeente.geometry.area
    inside = set(gemeente.loc[(share > MAJORITY).to_numpy(), "gemeentecode"])
    if not inside:
        raise SourceError(f"geen gemeente van de gebiedsindeling ligt in provincie {provincie.code}; horen grenzen en "
                          "provinciegrenzen bij hetzelfde land en jaar?", source=provincie.grenzen)
    return replace(gebieden, **{level: frame[frame["gemeentecode"].isin(inside)].reset_index(drop=True)
                                for level, frame in (("gemeente", gemeente), ("wijken", gebieden.wijken),
                                                     ("buurten", gebieden.buurten))})


def provincie_outline(provincie: Provincie) -> shapely.Geometry:
    """The outline of ``provincie`` in EPSG:28992, from the layer of provinces in its file."""
    layers = list_layers(provincie.grenzen) if provincie.grenzen.is_file() else None
    if layers is None:
        raise SourceError("bestand niet gevonden; geef bij provinciegrenzen de CBS gebiedsindelingen van PDOK",
                          source=provincie.grenzen)
    layer = PROVINCE_LAYER if PROVINCE_LAYER in layers else next(iter(layers)) if len(layers) == 1 else None
    if layer is None:
        raise SourceError(f"laag '{PROVINCE_LAYER}' ontbreekt; lagen: {sorted(layers)}", source=provincie.grenzen)
    frame: gpd.GeoDataFrame = read_features(provincie.grenzen, layer, numbered=False)
    if CODE not in frame.columns:
        raise SourceError(f"laag '{layer}' heeft geen veld '{CODE}' (de provinciecode, bv. PV28); velden: "
                          f"{[c for c in frame.columns if c != 'geometry']}", source=provincie.grenzen, field=CODE)
    frame = with_checked_crs(frame, crs=None, source=provincie.grenzen, setting="[gebied] provinciegrenzen")
    found = frame[frame[CODE].astype(str).str.strip() == provincie.code]
    if found.empty:
        known = ", ".join(f"{c} {n}" for c, n in sorted(zip(frame[CODE], frame.get(NAAM, frame[CODE]), strict=True)))
        raise SourceError(f"provincie {provincie.code} staat er niet in; wel: {known}. Verbeter gebied.provincie",
                          source=provincie.grenzen, field=CODE)
    return shapely.union_all(found.to_crs(RD_CRS).geometry.make_valid().to_numpy())

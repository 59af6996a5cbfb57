"""Evaluating catalog terms on the datapakhuis: one figure per peiljaar, level and area.

A term's figures come back in long form (peiljaar, niveau, gebiedscode,
waarde) for every area, so formula kinds can combine them by joining. Record
sets are aggregated with one grouped sum per level; nothing loops over records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from indicators.catalog import Catalog, CatalogError, RecordSet, Term, list_pattern

KEYS = ["peiljaar", "niveau", "gebiedscode"]
TIMELESS = -1  # peiljaar of figures that do not change per year (areas); joined to every year


@dataclass
class Datapakhuis:
    """The layers the indicators read, and the peiljaar of snapshot sources (BAG, registrations)."""

    layers: dict[str, pd.DataFrame]
    gemeentecode: str
    snapshot_year: int
    #: selected records per set term, computed once per build
    selections: dict[Term, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    @cached_property
    def areas(self) -> pd.DataFrame:
        """niveau, gebiedscode, gebiedsnaam, wijkcode (for buurten) of every area."""
        buurten = self.layers["buurten"]
        wijken = self.layers["wijken"]
        gemeente = self.layers["gemeente"]
        return pd.concat([
            pd.DataFrame({"niveau": "buurt", "gebiedscode": buurten["buurtcode"], "gebiedsnaam": buurten["buurtnaam"],
                          "wijkcode": buurten["wijkcode"]}),
            pd.DataFrame({"niveau": "wijk", "gebiedscode": wijken["wijkcode"], "gebiedsnaam": wijken["wijknaam"],
                          "wijkcode": wijken["wijkcode"]}),
            pd.DataFrame({"niveau": "gemeente", "gebiedscode": gemeente["gemeentecode"],
                          "gebiedsnaam": gemeente["gemeentenaam"], "wijkcode": pd.NA}),
        ], ignore_index=True)

    def layer(self, name: str) -> pd.DataFrame:
        if name not in self.layers:
            raise CatalogError(f"laag '{name}' ontbreekt in het datapakhuis; aanwezig: {sorted(self.layers)}")
        return self.layers[name]


def select(store: Datapakhuis, catalog: Catalog, term: Term) -> gpd.GeoDataFrame:
    """The assigned records of a set term, filtered by the set's and the term's conditions, with a ``peiljaar``."""
    if term not in store.selections:
        store.selections[term] = _select(store, catalog, term)
    return store.selections[term]


def _select(store: Datapakhuis, catalog: Catalog, term: Term) -> gpd.GeoDataFrame:
    record_set: RecordSet = catalog.sets[term.name]
    layer = store.layer(record_set.layer)
    records = layer[layer["buurtcode"].notna()]
    conditions = record_set.where + term.where
    for column, values in conditions + term.where_contains + tuple((c, ()) for c, _ in term.where_range):
        if column not in records.columns:
            raise CatalogError(f"set '{record_set.name}': veld '{column}' ontbreekt in laag '{record_set.layer}'")
    mask = np.ones(len(records), dtype=bool)
    for column, values in conditions:
        mask &= records[column].isin(values).to_numpy()
    for column, values in term.where_contains:
        mask &= records[column].astype("string").str.contains(list_pattern(values)).fillna(False).to_numpy(bool)
    for column, (low, high) in term.where_range:
        mask &= records[column].astype(float).between(low, high).fillna(False).to_numpy()
    selected = records[mask].copy()
    if record_set.year_field:
        selected["peiljaar"] = pd.to_datetime(selected[record_set.year_field]).dt.year.astype(int)
    else:
        selected["peiljaar"] = store.snapshot_year
    return selected


def set_years(store: Datapakhuis, catalog: Catalog, name: str) -> list[int]:
    """The peiljaren a set covers: the years of its dates, or the snapshot year."""
    record_set = catalog.sets[name]
    if not record_set.year_field:
        return [store.snapshot_year]
    dates = pd.to_datetime(store.layer(record_set.layer)[record_set.year_field]).dropna()
    return sorted(dates.dt.year.unique().astype(int).tolist())


def aggregate(store: Datapakhuis, records: pd.DataFrame, values: pd.Series, years: list[int]) -> pd.DataFrame:
    """Sum ``values`` of ``records`` per peiljaar at buurt, wijk and gemeente; 0 where an area has none."""
    frame = pd.DataFrame({"peiljaar": records["peiljaar"].to_numpy(), "buurt": records["buurtcode"].to_numpy(),
                          "wijk": records["wijkcode"].to_numpy(), "waarde": values.to_numpy(dtype=float)})
    parts = []
    for niveau, column in (("buurt", "buurt"), ("wijk", "wijk")):
        summed = frame.groupby(["peiljaar", column])["waarde"].sum()
        parts.append(summed.rename_axis(["peiljaar", "gebiedscode"]).reset_index().assign(niveau=niveau))
    total = frame.groupby("peiljaar")["waarde"].sum().reset_index()
    parts.append(total.assign(niveau="gemeente", gebiedscode=store.gemeentecode))
    summed = pd.concat(parts, ignore_index=True)
    grid = _grid(store, years)
    return grid.merge(summed, on=KEYS, how="left").fillna({"waarde": 0.0})


def evaluate(store: Datapakhuis, catalog: Catalog, term: Term, *, measure: str = "value",
             computed: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """A term's figures per peiljaar, level and area (``peiljaar`` is ``TIMELESS`` for area attributes).

    ``measure`` is ``"value"`` (count, or the sum of ``term.field``) or
    ``"count"`` (records with a value in ``term.field``), used for means.
    """
    if term.kind == "set":
        records = select(store, catalog, term)
        years = set_years(store, catalog, term.name)
        if term.field is None:
            values = pd.Series(1.0, index=records.index)
        elif term.field not in records.columns:
            raise CatalogError(f"set '{term.name}': veld '{term.field}' ontbreekt")
        elif measure == "count":
            values = records[term.field].notna().astype(float)
        else:
            values = records[term.field].astype(float).fillna(0.0)
        return aggregate(store, records, values, years)
    if term.kind == "cbs":
        kerncijfers = store.layer("kerncijfers")
        found = kerncijfers[kerncijfers["variabele"] == term.name]
        if found.empty:
            raise CatalogError(f"CBS-variabele '{term.name}' ontbreekt in de kerncijfers")
        values = found.rename(columns={"soort_regio": "niveau"})[KEYS + ["waarde"]]
        return _grid(store, sorted(found["peiljaar"].unique().tolist())).merge(values, on=KEYS, how="left")
    if term.kind == "area":
        attributes = pd.concat([
            store.layer(layer).rename(columns={code: "gebiedscode"}).assign(niveau=niveau)
            for layer, code, niveau in (("buurten", "buurtcode", "buurt"), ("wijken", "wijkcode", "wijk"),
                                        ("gemeente", "gemeentecode", "gemeente"))
        ], ignore_index=True)
        if term.name not in attributes.columns:
            raise CatalogError(f"gebiedskenmerk '{term.name}' ontbreekt")
        return attributes[["niveau", "gebiedscode", term.name]].rename(columns={term.name: "waarde"}).assign(
            peiljaar=TIMELESS)[KEYS + ["waarde"]]
    if term.kind == "raster":
        stats = store.layer(f"raster_{term.name}")
        column = "aantal_cellen" if measure == "count" else "som"
        buurten = store.layer("buurten").set_index("buurtcode")
        records = pd.DataFrame({"buurtcode": stats["buurtcode"], "wijkcode": stats["buurtcode"].map(buurten["wijkcode"]),
                                "peiljaar": store.snapshot_year})
        return aggregate(store, records, stats[column], [store.snapshot_year])
    if term.kind == "located":
        reconciliation = store.layer("reconciliatie").set_index("bron")
        layer = catalog.sets[term.name].layer
        row = reconciliation.loc[layer]
        share = 100.0 * row["toegewezen"] / max(row["gelezen"] - row["buiten"], 1)
        return _grid(store, [TIMELESS]).assign(waarde=share)
    if term.kind == "indicator":
        values = computed[term.name]
        return values[KEYS + ["waarde"]]
    raise CatalogError(f"onbekende term '{term.kind}'")


def nearest_distances(origins: gpd.GeoDataFrame, targets: gpd.GeoDataFrame) -> np.ndarray:
    """Distance (m) from each origin to the nearest target; inf when there is no target."""
    if targets.empty:
        return np.full(len(origins), np.inf)
    tree = shapely.STRtree(targets.geometry.to_numpy())
    (origin_index, _), distances = tree.query_nearest(origins.geometry.to_numpy(), return_distance=True,
                                                     all_matches=False)
    result = np.full(len(origins), np.inf)
    result[origin_index] = distances
    return result


def _grid(store: Datapakhuis, years: list[int]) -> pd.DataFrame:
    """Every area for every peiljaar."""
    areas = store.areas[["niveau", "gebiedscode"]]
    return pd.concat([areas.assign(peiljaar=year) for year in years], ignore_index=True)[KEYS]

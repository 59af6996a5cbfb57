"""The indicator products written to the datapakhuis: intern and openbaar, long and per level.

One computation feeds both products; *openbaar* holds only what disclosure
control lets through and never numerators or denominators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import pandas as pd

from wijkatlas.forked import forked_map
from wijkatlas.indicators.availability import Availability, availability
from wijkatlas.indicators.catalog import Catalog
from wijkatlas.indicators.compare import REGIO_COLUMNS, compare
from wijkatlas.indicators.disclosure import protect, status_text
from wijkatlas.indicators.engine import basis_figures, compute_indicators
from wijkatlas.indicators.formulas import is_total
from wijkatlas.indicators.signals import population, rule_texts, signals, target_table
from wijkatlas.indicators.similar import method_text, similar_areas
from wijkatlas.indicators.terms import Datapakhuis
from wijkatlas.stages import StageLog
from wijkatlas.vocabulary import LEVELS, latest_peiljaar

LONG_COLUMNS = ["indicator", "peiljaar", "niveau", "gebiedscode", "gebiedsnaam", "waarde", "status",
                "status_toelichting", "gemeentewaarde", "index", "rang", "z_score", "verandering_vorig_jaar",
                "verandering_eerste_jaar"]


@dataclass(frozen=True)
class Computed:
    """The computed figures (before disclosure control), the basis disclosure control weighs them by, and which
    indicators could be computed."""
    figures: pd.DataFrame
    basis: pd.DataFrame
    available: Availability


def compute_figures(store: Datapakhuis, catalog: Catalog, log: StageLog) -> Computed:
    """Every indicator of the catalog per area and peiljaar, from the sources' records in ``store``."""
    with log("Indicatoren berekenen"):
        available = availability(store, catalog)
        figures = compute_indicators(store, catalog, available)
        years = sorted(figures["peiljaar"].unique().tolist())
        return Computed(figures, basis_figures(store, catalog, years), available)


def build_products(store: Datapakhuis, catalog: Catalog, computed: Computed, *, built_at: datetime,
                   workers: int = 1, log: StageLog | None = None) -> dict[str, pd.DataFrame]:
    """Every indicator layer of the datapakhuis from the ``computed`` figures; ``log`` reports (and may measure)
    protecting and comparing. ``store`` needs its areas and source reports, no longer the records.

    Returns
    -------
    dict
        ``indicatoren_lang_<variant>`` (area, indicator, peiljaar, value, status,
        comparison and change, with the regio's in a build of several gemeenten; intern adds teller and noemer),
        ``indicatoren_<niveau>_<variant>`` (one row per area with geometry, one
        column per indicator in its latest peiljaar; openbaar adds
        ``<indicator>__status``), ``indicator_definities``, ``indicator_kwaliteit``
        ``signalering_<variant>`` (signals with their rule), ``vergelijkbare_gebieden_<variant>``
        and ``streefwaarden_<variant>`` (each area's target and whether its latest figure meets it),
        ``bron_kwaliteit`` (per source: owner, feedback address, records read, used, outside and rejected
        with their reasons), ``methoden`` (the rules of signalering and similar areas in words) and
        ``editie`` (what the build covers and when it was made).
    """
    log = log or StageLog()
    with log("Geheimhouding"):
        public = protect(computed.figures, computed.basis, catalog, store.areas, workers=workers)
    with log("Vergelijken, signaleren en kwaliteit"):
        return _products(store, catalog, computed.figures, public, computed.available, built_at, workers=workers)


def _products(store: Datapakhuis, catalog: Catalog, figures: pd.DataFrame, public: pd.DataFrame,
              available: Availability, built_at: datetime, *, workers: int = 1) -> dict[str, pd.DataFrame]:
    """The layers of :func:`build_products` from the computed and the protected figures; with ``workers`` > 1 the
    two variants are compared in two processes."""
    variants = {"intern": figures.assign(status=figures["waarde"].isna().map({True: "ontbreekt"})), "openbaar": public}

    def compared_variant(variant: str) -> dict[str, pd.DataFrame]:
        return _variant_products(store, catalog, variant, variants[variant])

    products: dict[str, pd.DataFrame] = {}
    for found in (forked_map(compared_variant, list(variants)) if workers > 1 else map(compared_variant, variants)):
        products.update(found)
    products["indicator_definities"] = definitions(catalog, figures, available)
    products["bron_kwaliteit"] = source_quality(store, catalog)
    methods = (rule_texts(catalog.signals, with_minimum=not population(figures, catalog.signals).empty)
               | {"vergelijkbaar": method_text(catalog)})
    products["methoden"] = pd.DataFrame(list(methods.items()), columns=["onderdeel", "tekst"])
    whole = LEVELS[store.levels[-1]]  # the regio, or the one gemeente
    gebied = store.layer(whole.layer).iloc[0]
    products["editie"] = pd.DataFrame({"gebiedscode": [str(gebied[whole.code])], "gebiedsnaam": [str(gebied[whole.naam])],
                                       "gemeenten": [len(store.layer("gemeente"))],
                                       "gebouwd_op": [built_at.isoformat(timespec="seconds")]})
    products["indicator_kwaliteit"] = quality(store, catalog, figures, built_at=built_at)
    return products


def _variant_products(store: Datapakhuis, catalog: Catalog, variant: str, frame: pd.DataFrame
                      ) -> dict[str, pd.DataFrame]:
    """The layers of one variant (intern or openbaar) from its figures: compared, with signals, similar areas and
    targets."""
    names = store.areas.set_index(["niveau", "gebiedscode"])["gebiedsnaam"]
    totals = {i.id for i in catalog.indicators.values() if is_total(i.kind, additive=i.additive)}
    compared = compare(frame, store.areas, totals=totals)
    products: dict[str, pd.DataFrame] = {}
    compared["gebiedsnaam"] = names.reindex(pd.MultiIndex.from_frame(compared[["niveau", "gebiedscode"]])).to_numpy()
    compared["status"] = compared["status"].astype("string")
    statuses = compared["status"].dropna().unique()  # a handful of statuses for the country's 1.6 M figures
    compared["status_toelichting"] = compared["status"].map(
        dict(zip(statuses, map(status_text, statuses), strict=True))).astype("string")
    columns = (LONG_COLUMNS + (REGIO_COLUMNS if store.regiocode else [])
               + (["teller", "noemer"] if variant == "intern" else []))
    products[f"indicatoren_lang_{variant}"] = compared[columns].reset_index(drop=True)
    for niveau in store.levels:
        products[f"indicatoren_{niveau}_{variant}"] = _wide(store, compared, niveau, with_status=variant == "openbaar")
    products[f"signalering_{variant}"] = signals(compared, catalog)
    products[f"vergelijkbare_gebieden_{variant}"] = similar_areas(compared, catalog)
    products[f"streefwaarden_{variant}"] = target_table(compared, catalog)
    return products


def _wide(store: Datapakhuis, compared: pd.DataFrame, niveau: str, *, with_status: bool) -> gpd.GeoDataFrame:
    """One row per area of ``niveau`` with geometry; each indicator in its latest peiljaar."""
    code = LEVELS[niveau].code
    areas = store.layer(LEVELS[niveau].layer)
    latest = latest_peiljaar(compared[compared["niveau"] == niveau])
    values = latest.pivot(index="gebiedscode", columns="indicator", values="waarde")
    wide = areas.merge(values, left_on=code, right_index=True, how="left")
    if with_status:
        status = latest.pivot(index="gebiedscode", columns="indicator", values="status").add_suffix("__status")
        wide = wide.merge(status, left_on=code, right_index=True, how="left")
    return gpd.GeoDataFrame(wide, geometry="geometry", crs=areas.crs)


def definitions(catalog: Catalog, figures: pd.DataFrame, available: Availability) -> pd.DataFrame:
    """The catalog as a table: what each indicator means, where it comes from, how it is protected,
    and whether this build could compute it (``beschikbaarheid``: empty, or "niet beschikbaar — …")."""
    years = figures.groupby("indicator")["peiljaar"].agg(lambda y: ", ".join(str(v) for v in sorted(set(y))))
    rows = []
    for indicator in catalog.indicators.values():
        rule = indicator.disclosure
        rows.append({
            "indicator": indicator.id, "titel": indicator.title, "omschrijving": indicator.description,
            "thema": indicator.theme, "eenheid": indicator.unit, "soort": indicator.kind,
            "hoger_is_beter": {True: "ja", False: "nee", None: "neutraal"}[indicator.higher_is_better],
            "bronnen": "; ".join(s.title for s in indicator.sources), "eigenaar": indicator.owner,
            "broneigenaren": "; ".join(f"{s.title}: {s.owner}" for s in indicator.sources),
            "terugmelden": "; ".join(f"{s.title}: {s.feedback}" for s in indicator.sources if s.feedback),
            "streefwaarde": indicator.target.describe("") if indicator.target else "",
            "referentiewaarde": (f"{indicator.reference.value:g}".replace(".", ",") + f" ({indicator.reference.label})"
                                 if indicator.reference else ""),
            "licentie": indicator.licence, "bronvermelding": indicator.attribution,
            "niveaus": ", ".join(available.levels.get(indicator.id, indicator.levels)), "peiljaren": years.get(indicator.id, ""),
            "geheimhouding": rule.name, "geheimhouding_regel": rule.description,
            "beschikbaarheid": available.note(indicator.id), "kaarten": ", ".join(indicator.viewers),
        })
    return pd.DataFrame(rows)


def source_quality(store: Datapakhuis, catalog: Catalog) -> pd.DataFrame:
    """Per catalog source that delivered records: owner, feedback address, date, and what became of its records.

    Totals per source only (the same figures as the quality sheets), never per area.
    """
    reconciliation = store.layer("reconciliatie").set_index("bron")
    files = store.layer("bronnen")
    rejected = store.layer("afgekeurd")
    rows = []
    for source in catalog.sources.values():
        counted = [layer for layer in source.layers if layer in reconciliation.index]
        dated = files[files["bron"].map(lambda name, layers=source.layers: any(
            name == layer or name.startswith(f"{layer}_") for layer in layers))]
        if not counted and dated.empty:
            continue
        totals = reconciliation.loc[counted, ["gelezen", "toegewezen", "buiten", "afgekeurd"]].sum()
        reasons = rejected[rejected["bron"].isin(counted)]["reden"].value_counts()
        rows.append({"bron": source.key, "titel": source.title, "eigenaar": source.owner, "terugmelden": source.feedback,
                     "licentie": source.licence, "url": source.url, "lagen": ", ".join(source.layers),
                     **{k: int(v) if counted else None for k, v in totals.items()},  # a raster counts no records
                     "bruikbaar_pct": round(100 * (totals["gelezen"] - totals["afgekeurd"]) / totals["gelezen"], 1)
                     if counted and totals["gelezen"] else None,
                     "redenen": "; ".join(f"{reason} ({count}×)" for reason, count in reasons.items()),
                     "gewijzigd": pd.to_datetime(dated["gewijzigd"]).max().date().isoformat() if len(dated) else ""})
    return pd.DataFrame(rows, columns=["bron", "titel", "eigenaar", "terugmelden", "licentie", "url", "lagen",
                                       "gelezen", "toegewezen", "buiten", "afgekeurd", "bruikbaar_pct", "redenen",
                                       "gewijzigd"])


def quality(store: Datapakhuis, catalog: Catalog, figures: pd.DataFrame, *, built_at: datetime) -> pd.DataFrame:
    """Data quality per indicator, peiljaar and area: records used and incomplete, and its sources' state.

    The source figures (read, rejected, outside) are per source, not per area:
    a rejected record has no reliable location.
    """
    reconciliation = store.layer("reconciliatie").set_index("bron")
    sources = store.layer("bronnen").set_index("bron")
    per_indicator = []
    for indicator in catalog.indicators.values():
        layers = sorted({catalog.sets[t.name].layer for t in indicator.terms.values() if t.kind == "set"}
                        | ({"kerncijfers"} if any(t.kind == "cbs" for t in indicator.terms.values()) else set()))
        known = [layer for layer in layers if layer in reconciliation.index]
        dated = [sources.loc[layer, "gewijzigd"] for layer in layers if layer in sources.index]
        per_indicator.append({
            "indicator": indicator.id, "bronnen": ", ".join(layers),
            "bron_gelezen": int(reconciliation.loc[known, "gelezen"].sum()),
            "bron_afgekeurd": int(reconciliation.loc[known, "afgekeurd"].sum()),
            "bron_buiten": int(reconciliation.loc[known, "buiten"].sum()),
            "bron_gewijzigd": min(dated) if dated else pd.NaT,
            "cbs": "kerncijfers" in layers,
        })
    source_state = pd.DataFrame(per_indicator)
    frame = figures[["indicator", "peiljaar", "niveau", "gebiedscode", "records", "ontbrekend"]].merge(
        source_state, on="indicator", how="left")
    frame["aandeel_ontbrekend"] = (100 * frame["ontbrekend"] / frame["records"].where(frame["records"] > 0)).round(2)
    peildatum = pd.to_datetime(frame["peiljaar"].astype(str) + "-01-01")
    reference = peildatum.where(frame["cbs"], pd.to_datetime(frame["bron_gewijzigd"]))
    frame["bron_leeftijd_dagen"] = (pd.Timestamp(built_at) - reference).dt.days
    return frame.rename(columns={"records": "records_gebruikt", "ontbrekend": "records_ontbrekend"}).drop(
        columns=["cbs", "bron_gewijzigd"])

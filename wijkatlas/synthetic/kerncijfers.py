"""CBS *Kerncijfers wijken en buurten* for a synthetic town, as ``cbsodata`` returns them.

The 2024 table uses exactly the column keys of StatLine table 85984NED. The
2022 and 2023 tables are derived from it by undoing the changes CBS lists in the
2024 table description (no niet-woningvoorraad and nieuwbouw, no eengezins
subtypes, bouwjaar before/after 2000, bewoond/onbewoond and eigendom onbekend),
and numbered afresh, so their suffixes differ as real tables' do.

Figures follow CBS practice for wijken and buurten: person and household counts
rounded to multiples of 5 (gemeente unrounded), and secret values (``None``, as
the OData API delivers them) for small areas.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wijkatlas.synthetic.town import CHARACTERS, Town

REGION_COLUMNS = ["Gemeentenaam", "SoortRegio", "Codering", "IndelingswijzigingGemeenteWijkBuurt"]
REMOVED_BEFORE_2024 = {
    "NietWoningvoorraad", "NieuwbouwWoningen", "NieuwbouwNietWoningen",
    "PercentageTussenwoningEengezins", "PercentageHoekwoningEengezins",
    "PercentageTweeOnderEenKapWoningEe", "PercentageVrijstaandeWoningEengezins",
    "BouwjaarMeerDanTienJaarGeleden", "BouwjaarAfgelopenTienJaar",
}
#: stem that was in the older tables -> the stem it stood before
ADDED_BEFORE_2024 = {
    "PercentageBewoond": "OnbewoondeWoningen",
    "BouwjaarVoor2000": "GemiddeldeElektriciteitsleveringTotaal",
    "BouwjaarVanaf2000": "GemiddeldeElektriciteitsleveringTotaal",
    "EigendomOnbekend": "GemiddeldeElektriciteitsleveringTotaal",
}
PERSON_COUNTS = {
    "AantalInwoners", "Mannen", "Vrouwen", "k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar",
    "k_45Tot65Jaar", "k_65JaarOfOuder", "Ongehuwd", "Gehuwd", "Gescheiden", "Verweduwd",
    "HuishoudensTotaal", "Eenpersoonshuishoudens", "HuishoudensZonderKinderen", "HuishoudensMetKinderen",
}
CARE_COUNTS = {
    "PersonenPerSoortUitkeringBijstand", "PersonenPerSoortUitkeringAO", "PersonenPerSoortUitkeringWW",
    "JongerenMetJeugdzorgInNatura", "WmoClienten",
}
AGE_STEMS = ["k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder"]


def stem(key: str) -> str:
    """The column key without CBS's numeric suffix (``AantalInwoners_5`` -> ``AantalInwoners``)."""
    return re.sub(r"_\d+$", "", key)


def table_keys(properties_2024: list[dict], peiljaar: int) -> list[str]:
    """Topic column keys of the kerncijfers table of ``peiljaar``, in table order."""
    stems = [stem(p["Key"]) for p in properties_2024 if p["Type"] == "Topic"]
    if peiljaar < 2024:
        stems = [s for s in stems if s not in REMOVED_BEFORE_2024]
        for added, before in ADDED_BEFORE_2024.items():
            stems.insert(stems.index(before), added)
    return [f"{s}_{i}" for i, s in enumerate(stems, start=1)]


def _buurt_base(rng: np.random.Generator, town: Town, vbo: gpd.GeoDataFrame, peiljaar: int) -> pd.DataFrame:
    """Unrounded figures per buurt for one peiljaar, keyed by column stem.

    A buurt's character (household size, age mix, ownership) is drawn once per
    town so that it persists across peiljaren; ``rng`` adds the yearly change.
    """
    structure = np.random.default_rng(int(town.gemeentecode[2:]))
    buurten = town.buurten.set_index("buurtcode")
    standing = vbo[~vbo["status"].isin(["Verblijfsobject gevormd", "Verblijfsobject ingetrokken"])]
    standing = standing[standing["bouwjaar"] < peiljaar]
    is_woning = standing["gebruiksdoel"].str.contains("woonfunctie")
    woningen = standing[is_woning].groupby("buurtcode").size().reindex(buurten.index, fill_value=0)
    niet_woningen = standing[~is_woning].groupby("buurtcode").size().reindex(buurten.index, fill_value=0)
    recent = standing[is_woning & (standing["bouwjaar"] >= peiljaar - 10)].groupby("buurtcode").size()
    recent = recent.reindex(buurten.index, fill_value=0)
    before_2000 = standing[is_woning & (standing["bouwjaar"] < 2000)].groupby("buurtcode").size()
    before_2000 = before_2000.reindex(buurten.index, fill_value=0)
    nieuwbouw = standing[is_woning & (standing["bouwjaar"] == peiljaar - 1)].groupby("buurtcode").size()
    nieuwbouw = nieuwbouw.reindex(buurten.index, fill_value=0)

    chars = [CHARACTERS[c] for c in buurten["character"]]
    hh_size = np.array([c.huishoudensgrootte for c in chars]) * structure.normal(1, 0.04, len(chars))
    hh_size *= rng.normal(1, 0.012, len(chars))
    drift = 1 + 0.006 * (peiljaar - 2022)
    huishoudens = woningen.to_numpy() * 0.965 * drift
    inwoners = huishoudens * hh_size
    land = shapely.difference(buurten.geometry.to_numpy(), town.water)
    area_total_ha = shapely.area(buurten.geometry.to_numpy()) / 1e4
    area_land_ha = shapely.area(land) / 1e4

    ages = np.array([c.age_shares for c in chars]) * structure.normal(1, 0.06, (len(chars), 5))
    ages *= rng.normal(1, 0.015, (len(chars), 5))
    ages /= ages.sum(axis=1, keepdims=True)
    koop = np.array([c.koop_share for c in chars]) + structure.normal(0, 0.05, len(chars))
    koop = np.clip(koop + rng.normal(0, 0.008, len(chars)), 0.05, 0.97)
    corporatie = (1 - koop) * np.clip(structure.normal(0.7, 0.1, len(chars)), 0.2, 0.95)
    woz = np.array([c.woz_k_eur for c in chars]) * structure.normal(1, 0.07, len(chars))
    woz *= 1.075 ** (peiljaar - 2022) * rng.normal(1, 0.01, len(chars))
    income = (26 + 14 * koop + structure.normal(0, 1.5, len(chars))) * 1.03 ** (peiljaar - 2022)
    single = np.clip(0.62 - 0.17 * (hh_size - 1.5), 0.12, 0.7)
    with_kids = np.clip(ages[:, 0] * 2.1, 0.05, 0.6)
    apartments = standing[is_woning].groupby("buurtcode")["toevoeging"].apply(lambda t: t.notna().mean())
    apartments = apartments.reindex(buurten.index, fill_value=0.0).to_numpy()
    rural = buurten["character"].eq("buitengebied").to_numpy()
    address_density = (woningen + niet_woningen).to_numpy() / np.maximum(area_land_ha / 100, 0.01)

    base = {
        "AantalInwoners": inwoners,
        "Mannen": inwoners * 0.493,
        "Vrouwen": inwoners * 0.507,
        **{s: inwoners * ages[:, i] for i, s in enumerate(AGE_STEMS)},
        "Ongehuwd": inwoners * 0.47, "Gehuwd": inwoners * 0.38, "Gescheiden": inwoners * 0.09,
        "Verweduwd": inwoners * 0.06,
        "GeboorteTotaal": inwoners * 0.0095, "SterfteTotaal": inwoners * 0.0098,
        "HuishoudensTotaal": huishoudens,
        "Eenpersoonshuishoudens": huishoudens * single,
        "HuishoudensMetKinderen": huishoudens * with_kids,
        "HuishoudensZonderKinderen": huishoudens * np.clip(1 - single - with_kids, 0.05, 1),
        "Woningvoorraad": woningen.to_numpy().astype(float),
        "NieuwbouwWoningen": nieuwbouw.to_numpy().astype(float),
        "NietWoningvoorraad": niet_woningen.to_numpy().astype(float),
        "GemiddeldeWOZWaardeVanWoningen": woz,
        "PercentageEengezinswoning": 100 * (1 - apartments),
        "PercentageMeergezinswoning": 100 * apartments,
        "Koopwoningen": 100 * koop,
        "HuurwoningenTotaal": 100 * (1 - koop),
        "InBezitWoningcorporatie": 100 * corporatie,
        "InBezitOverigeVerhuurders": 100 * (1 - koop - corporatie),
        "BouwjaarAfgelopenTienJaar": 100 * recent.to_numpy() / np.maximum(woningen.to_numpy(), 1),
        "BouwjaarMeerDanTienJaarGeleden": 100 - 100 * recent.to_numpy() / np.maximum(woningen.to_numpy(), 1),
        "BouwjaarVoor2000": 100 * before_2000.to_numpy() / np.maximum(woningen.to_numpy(), 1),
        "BouwjaarVanaf2000": 100 - 100 * before_2000.to_numpy() / np.maximum(woningen.to_numpy(), 1),
        "AantalInkomensontvangers": inwoners * 0.79,
        "GemiddeldInkomenPerInkomensontvanger": income * 1.32,
        "GemiddeldInkomenPerInwoner": income,
        "PersonenPerSoortUitkeringBijstand": inwoners * (1 - koop) * 0.05,
        "PersonenPerSoortUitkeringAO": inwoners * 0.05,
        "PersonenPerSoortUitkeringWW": inwoners * 0.012,
        "PersonenPerSoortUitkeringAOW": inwoners * ages[:, 4] * 0.98,
        "JongerenMetJeugdzorgInNatura": inwoners * ages[:, 0] * 0.1,
        "WmoClienten": inwoners * (0.03 + 0.25 * ages[:, 4]),
        "BedrijfsvestigingenTotaal": niet_woningen.to_numpy() * 1.6 + inwoners * 0.07,
        "PersonenautoSTotaal": huishoudens * (0.8 + 0.5 * koop + 0.4 * rural),
        "OppervlakteTotaal": area_total_ha,
        "OppervlakteLand": area_land_ha,
        "OppervlakteWater": area_total_ha - area_land_ha,
        "Omgevingsadressendichtheid": address_density,
        "AfstandTotHuisartsenpraktijk": np.where(rural, 3.5, 0.8) * rng.lognormal(0, 0.25, len(chars)),
        "AfstandTotGroteSupermarkt": np.where(rural, 3.0, 0.7) * rng.lognormal(0, 0.25, len(chars)),
        "AfstandTotKinderdagverblijf": np.where(rural, 2.4, 0.5) * rng.lognormal(0, 0.25, len(chars)),
        "AfstandTotSchool": np.where(rural, 2.2, 0.5) * rng.lognormal(0, 0.25, len(chars)),
        "PercentageBewoond": np.clip(rng.normal(96.5, 1.0, len(chars)), 88, 100),
        "OnbewoondeWoningen": np.clip(rng.normal(3.5, 1.0, len(chars)), 0, 12),
    }
    frame = pd.DataFrame(base, index=buurten.index)
    frame["_woningen"] = woningen
    frame["_land_km2"] = area_land_ha / 100
    frame["_postcode"] = vbo.groupby("buurtcode")["postcode"].agg(lambda p: p.str[:4].mode().iloc[0])
    return frame


def _generic(rng: np.random.Generator, unit: str, inwoners: np.ndarray, n: int) -> np.ndarray:
    """A plausible value for a topic the demo does not model, chosen by its unit."""
    if unit == "aantal":
        return inwoners * rng.uniform(0.01, 0.3)
    if unit == "%":
        return np.full(n, rng.uniform(5, 60)) + rng.normal(0, 4, n)
    if unit == "kWh":
        return rng.normal(2600, 400, n)
    if unit == "m³":
        return rng.normal(1050, 180, n)
    if unit == "x 1 000 euro":
        return rng.normal(40, 8, n)
    if unit.startswith("per "):
        return np.abs(rng.normal(12, 4, n))
    if unit == "km":
        return rng.lognormal(0, 0.4, n)
    return np.abs(rng.normal(10, 3, n))


def generate_kerncijfers(
    rng: np.random.Generator, town: Town, vbo: gpd.GeoDataFrame, *, peiljaar: int, properties_2024: list[dict],
    round_counts: bool = True,
) -> pd.DataFrame:
    """The kerncijfers table of one peiljaar for ``town``, as ``cbsodata.get_data`` returns it.

    ``round_counts=False`` leaves person and household counts of wijken and buurten unrounded
    (as a municipality's own population register would give them).
    """
    units = {stem(p["Key"]): p.get("Unit") or "" for p in properties_2024 if p["Type"] == "Topic"}
    units.update({"PercentageBewoond": "%", "BouwjaarVoor2000": "%", "BouwjaarVanaf2000": "%", "EigendomOnbekend": "%"})
    decimals = {stem(p["Key"]): int(p.get("Decimals") or 0) for p in properties_2024 if p["Type"] == "Topic"}
    keys = table_keys(properties_2024, peiljaar)
    base = _buurt_base(rng, town, vbo, peiljaar)
    buurten = town.buurten.set_index("buurtcode")
    inwoners = base["AantalInwoners"].to_numpy()

    values: dict[str, np.ndarray] = {}
    for key in keys:
        s = stem(key)
        if s in REGION_COLUMNS or s in {"MeestVoorkomendePostcode", "Dekkingspercentage", "MateVanStedelijkheid"}:
            continue
        if s in base:
            values[key] = base[s].to_numpy(dtype=float)
        elif s in {"GemiddeldeHuishoudensgrootte", "Bevolkingsdichtheid"}:
            continue
        else:
            values[key] = _generic(rng, units.get(s, ""), inwoners, len(inwoners))
    buurt_values = pd.DataFrame(values, index=buurten.index)

    wijk_of = buurten["wijkcode"]
    rows = []
    for level, codes, groups in (
        ("Gemeente", [town.gemeentecode], pd.Series(town.gemeentecode, index=buurten.index)),
        ("Wijk", list(town.wijken["wijkcode"]), wijk_of),
        ("Buurt", list(buurten.index), pd.Series(buurten.index, index=buurten.index)),
    ):
        aggregated = _aggregate(buurt_values, base, groups, units)
        for code in codes:
            rows.append(_region_row(level, code, aggregated.loc[code], town, keys, decimals, round_counts))

    table = pd.DataFrame(rows)
    order = [town.gemeentecode]
    for wijkcode in town.wijken["wijkcode"]:
        order += [wijkcode] + list(buurten.index[wijk_of == wijkcode])
    table = table.set_index(table["Codering_3"].str.strip()).loc[order].reset_index(drop=True)
    table.insert(0, "ID", range(len(table)))
    return table


def _aggregate(
    buurt_values: pd.DataFrame, base: pd.DataFrame, groups: pd.Series, units: dict[str, str]
) -> pd.DataFrame:
    """Sum counts and weight averages by inhabitants (by woningen for dwelling figures)."""
    out = {}
    by = groups.to_numpy()
    weights_persons = base["AantalInwoners"]
    weights_dwellings = base["_woningen"].astype(float)
    for key in buurt_values:
        s = stem(key)
        column = buurt_values[key]
        if units.get(s) in ("aantal", "ha") and s not in {"GemiddeldeHuishoudensgrootte"}:
            out[key] = column.groupby(by).sum()
        else:
            dwelling = units.get(s) in ("%", "x 1 000 euro", "kWh", "m³") and s not in {
                "Nettoarbeidsparticipatie", "PercentageWerknemers", "PercentageZelfstandigen",
            }
            weights = (weights_dwellings if dwelling else weights_persons) + 1e-9
            out[key] = (column * weights).groupby(by).sum() / weights.groupby(by).sum()
    frame = pd.DataFrame(out)
    frame["_inwoners"] = base["AantalInwoners"].groupby(by).sum()
    frame["_huishoudens"] = base["HuishoudensTotaal"].groupby(by).sum()
    frame["_woningen"] = base["_woningen"].groupby(by).sum()
    frame["_land_km2"] = base["_land_km2"].groupby(by).sum()
    frame["_postcode"] = base["_postcode"].groupby(by).agg(lambda p: p.mode().iloc[0])
    return frame


def _region_row(
    level: str, code: str, figures: pd.Series, town: Town, keys: list[str], decimals: dict[str, int],
    round_counts: bool,
) -> dict:
    """One row as cbsodata returns it: padded region columns, CBS rounding and secrecy."""
    rounded = level != "Gemeente"
    inwoners = figures["_inwoners"]
    woningen = figures["_woningen"]
    if level == "Gemeente":
        title = town.gemeentenaam
    elif level == "Wijk":
        wijk = town.wijken.set_index("wijkcode").loc[code]
        title = f"Wijk {code[-2:]} {wijk['wijknaam']}"
    else:
        title = town.buurten.set_index("buurtcode").loc[code, "buurtnaam"]
    row: dict[str, object] = {"WijkenEnBuurten": title}
    for key in keys:
        s = stem(key)
        value: object
        if s == "Gemeentenaam":
            value = f"{town.gemeentenaam:<40}"
        elif s == "SoortRegio":
            value = f"{level:<10}"
        elif s == "Codering":
            value = f"{code:<10}"
        elif s == "IndelingswijzigingGemeenteWijkBuurt":
            value = "1"
        elif s == "MeestVoorkomendePostcode":
            value = figures["_postcode"] if inwoners >= 10 else None
        elif s == "Dekkingspercentage":
            value = "1" if inwoners >= 10 else None
        elif s == "MateVanStedelijkheid":
            density = (figures["_woningen"] * 1.1) / max(figures["_land_km2"], 0.01)
            value = int(np.clip(5 - np.searchsorted([500, 1000, 1500, 2500], density), 1, 5))
        elif s == "GemiddeldeHuishoudensgrootte":
            value = round(inwoners / figures["_huishoudens"], 1) if figures["_huishoudens"] >= 1 else None
        elif s == "Bevolkingsdichtheid":
            value = round(inwoners / max(figures["_land_km2"], 0.001))
        else:
            value = figures[key]
        row[key] = _cbs_value(
            s, value, inwoners=inwoners, woningen=woningen, rounded=rounded, decimals=decimals.get(s, 0),
            step=5 if round_counts else 1,
        )
    return row


def _cbs_value(
    s: str, value: object, *, inwoners: float, woningen: float, rounded: bool, decimals: int, step: int = 5
) -> object:
    """Apply CBS rounding and secrecy to one figure; ``None`` is a secret or missing value."""
    if value is None or isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]  # a number, as the generator writes them
    if s == "AantalInwoners":
        return int(step * round(number / step)) if rounded else int(round(number))
    if inwoners < 10 and s not in {"OppervlakteTotaal", "OppervlakteLand", "OppervlakteWater", "MateVanStedelijkheid"}:
        return None
    if s in PERSON_COUNTS:
        return int(step * round(number / step)) if rounded else int(round(number))
    if s in CARE_COUNTS:
        return None if rounded and number < 10 else int(round(number))
    if s == "GemiddeldeWOZWaardeVanWoningen":
        return None if woningen < 20 else int(round(number))
    if inwoners < 50 and not s.startswith(("Oppervlakte", "Woningvoorraad", "NietWoning", "Nieuwbouw", "Bedrijfs")):
        return None
    if s in {"GemiddeldInkomenPerInkomensontvanger", "GemiddeldInkomenPerInwoner"} and inwoners < 125:
        return None
    return round(number, decimals) if decimals else int(round(number))


def load_properties(path: Path) -> list[dict]:
    """The DataProperties of table 85984NED (the 2024 schema)."""
    return json.loads(path.read_text(encoding="utf-8"))

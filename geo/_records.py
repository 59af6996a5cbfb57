"""Rejected records and the result every loader returns.

Every input record ends up used, rejected (with a reason) or outside the
municipality; this module keeps the rejected ones in one schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from wijkatlas.errors import SourceError
from wijkatlas.settings import MAX_REJECTED_SHARE

#: reason code -> Dutch explanation, shown in the reconciliation and the CLI
REASONS = {
    "geen_id": "id ontbreekt",
    "dubbel_id": "id komt vaker voor; het eerste record is gebruikt",
    "geen_locatie": "geen coördinaten, geometrie of adres",
    "coordinaat_ongeldig": "coördinaat is geen getal",
    "xy_verwisseld": "x en y (of lengte- en breedtegraad) lijken verwisseld",
    "coordinaat_buiten_bereik": "coördinaten liggen niet in Nederland",
    "adres_onbekend": "postcode en huisnummer komen niet voor in de BAG",
    "categorie_onbekend": "categorie staat niet in de lijst van toegestane waarden",
    "datum_ongeldig": "datum is onleesbaar",
    "datum_ontbreekt": "datum ontbreekt",
    "geen_geometrie": "geen geometrie gevonden voor dit id",
    "niet_in_administratie": "geometrie zonder record in de administratie",
    "geometrie_ongeldig": "geometrie is ongeldig of leeg",
    "identificatie_ongeldig": "BAG-identificatie is geen code van 16 cijfers",
    "teken_ongeldig": "tekst bevat een stuurteken (bv. NUL) dat niet bewaard kan worden",
    "geometrie_dubbel": "tweede geometrie met hetzelfde id; de eerste is gebruikt",
    "gebied_onbekend": "gebiedscode komt niet voor in de gebiedsindeling",
}

REJECTED_COLUMNS = ["bron", "bestand", "rij", "id", "veld", "waarde", "reden_code", "reden"]


@dataclass(frozen=True)
class Loaded:
    """What a loader read: usable records, rejected records and the number of records read."""

    records: gpd.GeoDataFrame | pd.DataFrame
    rejected: pd.DataFrame
    read: int
    #: what was noticed and repaired or left as it is, for the build summary (Dutch, one line each)
    warnings: tuple[str, ...] = ()


def rejections(
    bron: str, rows: pd.Series, ids: pd.Series, field: str, values: pd.Series, reason: str, *,
    file: str | Path = "",
) -> pd.DataFrame:
    """Rejected records in the common schema; all arguments are aligned on the records' index.

    ``file`` is the file the row number refers to (a registration may join a second file).
    """
    return pd.DataFrame(
        {
            "bron": bron,
            "bestand": str(file),
            "rij": rows.astype("Int64"),
            "id": ids.astype("string"),
            "veld": field,
            "waarde": values.astype("string"),
            "reden_code": reason,
            "reden": REASONS[reason],
        },
        columns=REJECTED_COLUMNS,
    )


def no_rejections() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in REJECTED_COLUMNS}).astype({"rij": "Int64"})


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate rejection tables, ordered by source and row."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return no_rejections()
    return pd.concat(parts, ignore_index=True).sort_values(["bron", "rij"], kind="stable", ignore_index=True)


def refuse_if_mostly_rejected(loaded: Loaded, *, source: str, max_share: float = MAX_REJECTED_SHARE) -> None:
    """Refuse a source whose records are mostly rejected: its configuration is probably wrong.

    Raises
    ------
    SourceError
        Naming the most common reason, so the user can fix separator, decimal sign or column names.
    """
    if loaded.read == 0 or len(loaded.rejected) / loaded.read <= max_share:
        return
    top = loaded.rejected["reden_code"].value_counts()
    reason, count = top.index[0], int(top.iloc[0])
    example = loaded.rejected[loaded.rejected["reden_code"] == reason].iloc[0]
    raise SourceError(
        f"{len(loaded.rejected)} van {loaded.read} records afgekeurd (meer dan {max_share:.0%}); "
        f"meest voorkomend: '{REASONS[reason]}' ({count}x, bv. rij {example['rij']}, "
        f"veld '{example['veld']}' = '{example['waarde']}'). Controleer scheidingsteken, "
        "decimaalteken en kolomnamen in de configuratie",
        source=source,
    )

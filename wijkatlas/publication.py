"""The one publication policy: which records, columns and values may leave the building.

The OGC API, the exports and the viewers all cut their public products with
:func:`public_records`; nothing else decides what of a registration is public.
Indicator figures are public only as the *openbaar* product of disclosure control.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class RecordPolicy:
    """What of a registration's individual records may be published."""

    #: the columns that may be published, in this order
    columns: tuple[str, ...]
    #: column -> (status column, statuses in which its value is withheld)
    withheld: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)


#: Registrations whose records may be shown one by one. Any other layer of records is never published.
RECORD_POLICIES = {
    # Members per provider are the associations' own published figures, not about persons: public, as is the date
    # the provider's record last changed.
    "sportvoorzieningen": RecordPolicy(("bron_id", "categorie", "aanbieder", "accommodatie", "adres", "plaats",
                                        "aantal_leden", "laatst_gewijzigd", "buurtcode", "wijkcode")),
    # Never the koopsom; and the price per m² of a sold kavel times its area would be the koopsom, so the price
    # is only published for kavels that are still for sale or in option.
    "kavels": RecordPolicy(("bron_id", "categorie", "datum", "terrein", "type", "oppervlakte_m2", "prijs_per_m2_eur",
                            "buurtcode", "wijkcode"),
                           withheld={"prijs_per_m2_eur": ("categorie", frozenset({"verkocht"}))}),
}
#: Layers of records that can never be declared public, whatever a configuration says.
NEVER_PUBLISHED = frozenset({"meldingen", "bag_verblijfsobjecten", "afgekeurd", "kerncijfers"})


def is_public_layer(layer: str) -> bool:
    """Whether records of ``layer`` may be published at all (the openbaar indicator layers always may)."""
    return layer in RECORD_POLICIES or layer.endswith("_openbaar") or layer == "indicator_definities"


def public_records(layer: str, records: pd.DataFrame) -> pd.DataFrame:
    """The public columns of ``records`` with withheld values emptied; a column the layer lacks is left out.

    Raises
    ------
    KeyError
        When ``layer`` holds records that are never published.
    """
    if layer not in RECORD_POLICIES:
        raise KeyError(f"laag '{layer}' bevat losse records die niet openbaar zijn; openbaar: {sorted(RECORD_POLICIES)}")
    policy = RECORD_POLICIES[layer]
    columns = [c for c in policy.columns if c in records.columns]
    public = records[columns + (["geometry"] if "geometry" in records.columns else [])].copy()
    for column, (status, statuses) in policy.withheld.items():
        if column in public.columns and status in records.columns:
            public[column] = public[column].where(~records[status].isin(statuses))
    return public

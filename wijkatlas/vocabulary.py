"""The datapakhuis's vocabulary, defined once for every stage: levels, their layers, peiljaren and statuses."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Level:
    """One level of the area hierarchy and how the datapakhuis names it."""

    name: str
    #: the layer of its areas and the column holding its codes
    layer: str
    code: str
    naam: str
    #: plural for people ("Buurten")
    title: str


LEVELS = {
    "buurt": Level("buurt", "buurten", "buurtcode", "buurtnaam", "Buurten"),
    "wijk": Level("wijk", "wijken", "wijkcode", "wijknaam", "Wijken"),
    "gemeente": Level("gemeente", "gemeente", "gemeentecode", "gemeentenaam", "Gemeente"),
}
#: the levels from the smallest up
LEVEL_NAMES = tuple(LEVELS)

#: Status of a figure that is not published because of disclosure control; every such status starts so.
SUPPRESSED_PREFIX = "geheim"


def is_suppressed(status: pd.Series) -> pd.Series:
    """Whether each status hides its figure for disclosure control (``geheim…``), as a boolean Series."""
    return status.astype("string").str.startswith(SUPPRESSED_PREFIX).fillna(False).astype(bool)


def latest_peiljaar(figures: pd.DataFrame) -> pd.DataFrame:
    """The rows of each indicator in its own latest peiljaar (indicators may end in different years)."""
    return figures[figures["peiljaar"] == figures.groupby("indicator")["peiljaar"].transform("max")]

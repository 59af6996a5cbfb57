"""The datapakhuis's vocabulary, defined once for every stage: levels, their layers, peiljaren and statuses."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

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
    "regio": Level("regio", "regio", "regiocode", "regionaam", "Regio"),
}
#: the levels from the smallest up
LEVEL_NAMES = tuple(LEVELS)
#: the levels boundary files hold; a regio is the union of the gemeenten a build covers
BOUNDARY_LEVEL_NAMES = ("buurt", "wijk", "gemeente")


def present_levels(layers: Collection[str]) -> tuple[str, ...]:
    """The levels whose layer is among ``layers``, smallest first (a regio only in a build of several gemeenten)."""
    return tuple(name for name, level in LEVELS.items() if level.layer in layers)


@dataclass(frozen=True)
class Provincie:
    """A provincie by its CBS code (``PV20``–``PV31``), and the CBS gebiedsindelingen file with its outline."""

    code: str
    grenzen: Path


@dataclass(frozen=True)
class Gebied:
    """What a build covers: one gemeente, several (a regio), a provincie's, or every gemeente in its files."""

    #: ``GMxxxx`` for one gemeente, else the regio's own code (``NL01`` for the country, ``PV28`` for a provincie)
    code: str
    naam: str
    #: the gemeentecodes covered; ``None`` for every gemeente the files hold (in ``provincie`` when one is given)
    gemeenten: tuple[str, ...] | None
    provincie: Provincie | None = None

    @property
    def is_regio(self) -> bool:
        """Whether the build covers more than one gemeente, with a regio above them."""
        return self.gemeenten is None or len(self.gemeenten) > 1

    def describe(self) -> str:
        """How the build's area is named in messages: "Havenstede (GM9901)", "Duin- en Bollenstreek (3 gemeenten)",
        "Zuid-Holland (provincie PV28)"."""
        if not self.is_regio:
            return f"{self.naam} ({self.code})"
        if self.provincie is not None:
            return f"{self.naam} (provincie {self.provincie.code})"
        return f"{self.naam} ({'alle gemeenten' if self.gemeenten is None else f'{len(self.gemeenten)} gemeenten'})"

#: Status of a figure that is not published because of disclosure control; every such status starts so.
SUPPRESSED_PREFIX = "geheim"


def is_suppressed(status: pd.Series) -> pd.Series:
    """Whether each status hides its figure for disclosure control (``geheim…``), as a boolean Series."""
    return status.astype("string").str.startswith(SUPPRESSED_PREFIX).fillna(False).astype(bool)


def latest_peiljaar(figures: pd.DataFrame) -> pd.DataFrame:
    """The rows of each indicator in its own latest peiljaar (indicators may end in different years)."""
    return figures[figures["peiljaar"] == figures.groupby("indicator")["peiljaar"].transform("max")]

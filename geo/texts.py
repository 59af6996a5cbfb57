"""The gebiedsregisseur's own explanatory text per area: one Markdown file per wijk or buurt (``WK….md``, ``BU….md``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wijkatlas.errors import SourceError

TEXT_COLUMNS = ["gebiedscode", "tekst", "bestand"]


def load_texts(folder: Path, known_codes: set[str]) -> tuple[pd.DataFrame, list[str]]:
    """Every ``<gebiedscode>.md`` in ``folder``; returns the texts and a warning per file that names no known area.

    Raises
    ------
    SourceError
        When the folder does not exist or a file is not UTF-8 text.
    """
    if not folder.is_dir():
        raise SourceError("map met toelichtingen bestaat niet; maak hem aan of laat [viewers] texts weg",
                          source=folder)
    rows, warnings = [], []
    for path in sorted(folder.glob("*.md")):
        code = path.stem.upper()
        if code not in known_codes:
            warnings.append(f"{path.name}: '{path.stem}' is geen wijk- of buurtcode van de gemeente; tekst niet gebruikt "
                            "(noem het bestand naar de code, bv. WK053401.md)")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            line = path.read_bytes()[:error.start].count(b"\n") + 1
            raise SourceError("tekst is geen UTF-8; sla het bestand op als UTF-8", source=path, row=line) from None
        rows.append({"gebiedscode": code, "tekst": text.replace("\0", ""), "bestand": path.name})
    return pd.DataFrame(rows, columns=TEXT_COLUMNS), warnings

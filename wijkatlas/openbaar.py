"""``wijkatlas check-openbaar OUT``: attack what a build published before anyone else does.

Two checks. The public files (the openbaar exports with every sheet, the API's
``openbaar.gpkg`` and the pages of the public site) may hold nothing beyond the
openbaar figures: no value where a figure is hidden, no record count per area,
no price of a sold kavel. And over the openbaar figures, the integer-programming
audit of :mod:`wijkatlas.indicators.audit` bounds every hidden count, and every
published ratio is checked against being computed from exact counts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pypdfium2

from wijkatlas.errors import WijkatlasError
from wijkatlas.indicators.audit import audit, identity_leaks, rounding_leaks
from wijkatlas.indicators.catalog import Catalog
from wijkatlas.indicators.terms import Datapakhuis
from wijkatlas.settings import STORE_NAME
from wijkatlas.store import layer_names, read_areas, read_layer
from wijkatlas.viewers.gebiedsprofiel import DATA_CLASS
from wijkatlas.viewers.site import DOWNLOADS
from wijkatlas.vocabulary import LEVELS, is_suppressed

#: sheets, or headers on the public Datakwaliteit sheet, that would give a hidden cell's numerator
COUNT_HEADERS = ("Records gebruikt", "Records met ontbrekend veld")


@dataclass
class PublicCheck:
    """What the attacker found: each hidden count's bounds, and every leak in a file."""

    bounds: pd.DataFrame
    leaks: list[str] = field(default_factory=list)

    @property
    def disclosed(self) -> pd.DataFrame:
        """Hidden counts the public figures pin down or narrow to fewer values than the protection asks."""
        return self.bounds[~self.bounds["veilig"].astype(bool)]

    @property
    def safe(self) -> bool:
        """Whether nothing hidden can be recovered."""
        return self.disclosed.empty and not self.leaks


def check_public_outputs(out: Path, catalog: Catalog, *, exact: bool = False, pages: bool = True) -> PublicCheck:
    """Audit the openbaar figures of the build in ``out`` and every public file it wrote.

    With ``exact``, every hidden count gets its exact bounds, not only the unsafe ones;
    without ``pages``, the public site's pages are left out (they are about to be written).

    Raises
    ------
    WijkatlasError
        When ``out`` holds no built datapakhuis.
    """
    store = out / STORE_NAME
    if not store.is_file():
        raise WijkatlasError(f"{store} bestaat niet; bouw eerst met 'wijkatlas demo' of 'wijkatlas build'")
    public = read_layer(store, "indicatoren_lang_openbaar")
    areas = Datapakhuis(read_areas(store), 0).areas
    result = PublicCheck(audit(public, catalog, areas, exact=exact))
    for row in identity_leaks(public, catalog).itertuples():
        result.leaks.append(f"{row.indicator} {row.peiljaar} {row.gebiedscode}: geheim, maar teller en noemer staan "
                            f"allebei open (verberg {row.verberg})")
    for row in rounding_leaks(public, catalog).itertuples():
        result.leaks.append(f"{row.indicator} {row.peiljaar} {row.gebiedscode}: de waarde is berekend uit exacte "
                            f"aantallen (teller {row.teller:.4g} is geen veelvoud van de afronding)")
    hidden = public[is_suppressed(public["status"])]
    hidden_cells = set(zip(hidden["indicator"], hidden["gebiedscode"], hidden["peiljaar"], strict=True))
    latest = public.groupby("indicator")["peiljaar"].max().to_dict()
    titles = {i.title: i.id for i in catalog.indicators.values()}
    result.leaks += _export_leaks(out / "export", titles, hidden_cells, latest)
    result.leaks += _api_leaks(out / "api" / "openbaar.gpkg", hidden_cells, latest)
    if pages:  # the current edition; an earlier one was checked against its own build when it was published
        result.leaks += _site_leaks(out / "openbaar", hidden_cells, latest, titles)
        result.leaks += _export_leaks(out / "openbaar" / DOWNLOADS, titles, hidden_cells, latest)
    return result


def _export_leaks(folder: Path, titles: dict[str, str], hidden_cells: set[tuple], latest: dict[str, int]
                  ) -> list[str]:
    """A value in a public sheet where the figure is hidden, or record counts per area."""
    leaks = []
    for workbook_path in sorted(folder.glob("indicatoren_*.xlsx")):
        workbook = openpyxl.load_workbook(workbook_path, read_only=True)
        for sheet in workbook.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            if not rows:
                continue
            header = [str(h) if h is not None else "" for h in rows[0]]
            if sheet.title in COUNT_HEADERS:
                leaks.append(f"{workbook_path.name}: werkblad '{sheet.title}' geeft tellers van geheime cellen")
                continue
            if sheet.title == "Datakwaliteit":
                leaks += [f"{workbook_path.name}, werkblad Datakwaliteit: kolom '{h}' geeft tellers van geheime "
                          "cellen" for h in header if h in COUNT_HEADERS]
                continue
            if header[:1] != ["Gebiedscode"]:
                continue
            for row in rows[1:]:
                code = row[0]
                for column, cell in zip(header[2:], row[2:], strict=False):
                    indicator = titles.get(column.rsplit(" (", 1)[0])
                    if indicator is None or cell in (None, "", "geheim"):
                        continue
                    if (indicator, code, latest.get(indicator)) in hidden_cells:
                        leaks.append(f"{workbook_path.name}, werkblad {sheet.title}: {code} {indicator} = {cell} is "
                                     "geheim")
    return leaks


def _api_leaks(path: Path, hidden_cells: set[tuple], latest: dict[str, int]) -> list[str]:
    """A value in a public collection where the figure is hidden; a price or koopsom of a sold kavel."""
    if not path.is_file():
        return []
    leaks = []
    for layer in sorted(layer_names(path)):
        frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
        if layer == "kavels":
            sold = frame.get("status", pd.Series(dtype=str)) == "verkocht"
            if "koopsom_eur" in frame:
                leaks.append("api kavels: kolom koopsom_eur is openbaar")
            if "prijs_per_m2_eur" in frame and frame.loc[sold, "prijs_per_m2_eur"].notna().any():
                leaks.append("api kavels: prijs per m² van verkochte kavels maal hun oppervlakte geeft de koopsom")
            continue
        code = next((level.code for level in LEVELS.values() if level.code in frame), None)
        if code is None:
            continue
        for column in (c for c in frame.columns if c in latest):
            shown = frame[frame[column].notna()]
            years = shown["peiljaar"] if "peiljaar" in shown else pd.Series(latest[column], index=shown.index)
            for area, year in zip(shown[code], years, strict=True):
                if (column, area, int(year)) in hidden_cells:
                    leaks.append(f"api {layer}: {area} {column} {int(year)} is geheim maar staat erin")
    return leaks


def _site_leaks(folder: Path, hidden_cells: set[tuple], latest: dict[str, int], titles: dict[str, str]) -> list[str]:
    """A value embedded in a public page (map features, popups), a profile's row or its PDF where the figure is hidden."""
    leaks = []
    for pdf in sorted(folder.glob("profiel-*.pdf")) if folder.is_dir() else []:
        leaks += _pdf_leaks(pdf, hidden_cells, latest, titles)
    for page in sorted(folder.glob("*.html")) if folder.is_dir() else []:
        text = page.read_text(encoding="utf-8")
        code = page.stem.removeprefix("profiel-")
        for indicator, cell in re.findall(r'data-indicator="([^"]+)">\s*<td>.*?</td>\s*(<td[^>]*>[^<]*</td>)', text):
            if (indicator, code, latest.get(indicator)) in hidden_cells and 'class="num geheim"' not in cell:
                leaks.append(f"{page.name}: {code} {indicator} is geheim maar de pagina toont {cell}")
        leaks += _area_data_leaks(page.name, text, hidden_cells)
        for properties in re.findall(r'"properties":\s*(\{[^{}]*\})', text):
            try:
                feature = json.loads(properties)
            except json.JSONDecodeError:
                continue
            area = feature.get("code")
            for indicator, value in feature.items():
                if value is not None and indicator in latest and (indicator, area, latest[indicator]) in hidden_cells:
                    leaks.append(f"{page.name}: {area} {indicator} = {value} is geheim maar staat in de pagina")
    return leaks


def _area_data_leaks(name: str, text: str, hidden_cells: set[tuple]) -> list[str]:
    """A value in a map's data block (every indicator, level and peiljaar) where the figure is hidden."""
    leaks = []
    blocks = re.findall(rf'<script type="application/json" class="{DATA_CLASS}">(.*?)</script>', text, re.DOTALL)
    for block in blocks:
        data = json.loads(block)  # JSON reads the page's "<\/" as "</"
        for indicator, levels in data["values"].items():
            for level, years in levels.items():
                shown_codes = data["levels"].get(level, {}).get("codes", [])
                for year, values in years.items():  # a list in the level's code order, or a value per code
                    codes, shown = (list(values), list(values.values())) if isinstance(values, dict) else (
                        shown_codes, values)
                    leaks += [f"{name}: {code} {indicator} {year} = {value} is geheim maar staat in de kaartgegevens"
                              for code, value in zip(codes, shown, strict=False)
                              if value is not None and (indicator, code, int(year)) in hidden_cells]
    return leaks


def _pdf_leaks(path: Path, hidden_cells: set[tuple], latest: dict[str, int], titles: dict[str, str]) -> list[str]:
    """A printed profile whose row of a hidden figure shows anything but the reason it is hidden."""
    code = path.stem.removeprefix("profiel-")
    document = pypdfium2.PdfDocument(path)
    try:
        text = "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()
    compact = re.sub(r"\s+", "", text)  # a title wraps over lines; the value cell follows it in reading order
    leaks = []
    for title, indicator in titles.items():
        if (indicator, code, latest.get(indicator)) not in hidden_cells:
            continue
        for found in re.finditer(re.escape(re.sub(r"\s+", "", f"{title} (")) + r"[^)]*\)", compact):
            shown = compact[found.end():found.end() + 30]
            if not shown.startswith("geheim"):
                leaks.append(f"{path.name}: {code} {indicator} is geheim maar de PDF toont '{shown}'")
    return leaks

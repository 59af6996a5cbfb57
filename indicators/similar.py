"""Similar areas: for each wijk and buurt the k areas of its level most alike on structural characteristics.

The characteristics are indicators the catalog names (``[similar_areas] features``),
in their latest peiljaar. Each is standardised over the areas of the level (mean 0,
standard deviation 1), so no characteristic weighs more for its unit, and areas are
compared by Euclidean distance (SciPy's k-d tree). An area lacking a characteristic
(hidden or not computed) gets no similar areas and is nobody's similar area: a
distance over fewer characteristics would not be the same measure.
"""

from __future__ import annotations

import pandas as pd
from scipy.spatial import KDTree

from wijkatlas.indicators.catalog import Catalog
from wijkatlas.vocabulary import latest_peiljaar

SIMILAR_COLUMNS = ["niveau", "gebiedscode", "rang", "vergelijkbaar_code", "vergelijkbaar_naam", "afstand"]
LEVELS = ("wijk", "buurt")


def method_text(catalog: Catalog) -> str:
    """How similar areas are found, in plain Dutch, naming the characteristics."""
    titles = ", ".join(catalog.indicators[f].title.lower() for f in catalog.similarity.features)
    if not titles:
        return "Geen vergelijkbare gebieden: de catalogus noemt geen kenmerken ([similar_areas] features)."
    return (f"Vergelijkbare gebieden: de {catalog.similarity.k} wijken (of buurten) die het meest lijken op "
            f"{titles}. Elk kenmerk is gestandaardiseerd (gemiddelde 0, standaardafwijking 1 over de gebieden van "
            "hetzelfde niveau) en de gebieden met de kleinste euclidische afstand zijn gekozen. Gebieden waarvan een "
            "kenmerk geheim is of ontbreekt, doen niet mee.")


def similar_areas(compared: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The k most similar areas of every wijk and buurt with all characteristics, nearest first."""
    features = list(catalog.similarity.features)
    rows = []
    for niveau in LEVELS:
        latest = latest_peiljaar(compared[(compared["niveau"] == niveau) & compared["indicator"].isin(features)])
        table = latest.pivot(index="gebiedscode", columns="indicator", values="waarde").reindex(columns=features)
        table = table.dropna()
        k = min(catalog.similarity.k, len(table) - 1)
        if not features or k < 1:
            continue
        spread = table.std(ddof=0).where(lambda s: s > 0, 1.0)
        standardised = ((table - table.mean()) / spread).to_numpy(dtype=float)
        distances, neighbours = KDTree(standardised).query(standardised, k=k + 1)
        names = latest.drop_duplicates("gebiedscode").set_index("gebiedscode")["gebiedsnaam"]
        codes = table.index.to_numpy()
        for position, code in enumerate(codes):
            found = [(d, n) for d, n in zip(distances[position], neighbours[position], strict=True) if n != position][:k]
            for rank, (distance, neighbour) in enumerate(found, start=1):
                rows.append({"niveau": niveau, "gebiedscode": code, "rang": rank,
                             "vergelijkbaar_code": codes[neighbour], "vergelijkbaar_naam": names[codes[neighbour]],
                             "afstand": round(float(distance), 3)})
    return pd.DataFrame(rows, columns=SIMILAR_COLUMNS)

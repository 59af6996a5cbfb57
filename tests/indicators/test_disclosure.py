import numpy as np
import pandas as pd
import pyogrio

from wijkatlas.indicators.audit import audit
from wijkatlas.indicators.catalog import load_catalog
from wijkatlas.indicators.disclosure import constraint_matrix, protect, secondary_suppression
from wijkatlas.indicators.engine import basis_figures, compute_indicators

from helpers import SMALL_CATALOG as CATALOG


def determined_by_rank(matrix: np.ndarray, hidden: np.ndarray) -> list[int]:
    """Hidden cells a reader can compute: e_j lies in the row space of the hidden columns.

    An independent check (matrix rank) of what indicators.disclosure.recoverable decides (null space).
    """
    columns = matrix[:, hidden]
    found = []
    for j, cell in enumerate(np.flatnonzero(hidden)):
        unit = np.zeros((1, columns.shape[1]))
        unit[0, j] = 1.0
        if np.linalg.matrix_rank(np.vstack([columns, unit])) == np.linalg.matrix_rank(columns):
            found.append(int(cell))
    return found


def hierarchy(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, str]]:
    cells, parents = ["gemeente:G"], {}
    for w in range(rng.integers(1, 6)):
        cells.append(f"wijk:W{w}")
        parents[f"wijk:W{w}"] = "gemeente:G"
        for b in range(rng.integers(1, 6)):
            cells.append(f"buurt:B{w}{b}")
            parents[f"buurt:B{w}{b}"] = f"wijk:W{w}"
    return np.array(cells), parents


def test_one_suppressed_buurt_takes_its_smallest_sibling_with_it():
    cells = np.array(["gemeente:G", "wijk:W", "buurt:A", "buurt:B", "buurt:C"])
    parents = {"wijk:W": "gemeente:G", "buurt:A": "wijk:W", "buurt:B": "wijk:W", "buurt:C": "wijk:W"}
    hidden = np.array([False, False, True, False, False])
    extra = secondary_suppression(cells, parents, np.array([30.0, 30, 2, 20, 8]), hidden)
    assert cells[extra].tolist() == ["buurt:C"]


def test_a_suppressed_wijk_is_not_left_recoverable_from_its_buurten():
    cells = np.array(["gemeente:G", "wijk:V", "wijk:W", "buurt:V1", "buurt:W1", "buurt:W2"])
    parents = {"wijk:V": "gemeente:G", "wijk:W": "gemeente:G", "buurt:V1": "wijk:V", "buurt:W1": "wijk:W",
               "buurt:W2": "wijk:W"}
    hidden = np.array([False, False, True, False, False, False])
    extra = secondary_suppression(cells, parents, np.array([50.0, 20, 30, 20, 10, 20]), hidden)
    assert not determined_by_rank(constraint_matrix(cells, parents), hidden | extra)


def test_no_suppressed_value_is_recoverable_on_random_hierarchies():
    rng = np.random.default_rng(7)
    for _ in range(300):
        cells, parents = hierarchy(rng)
        values = rng.poisson(20, len(cells)).astype(float)
        hidden = (rng.random(len(cells)) < 0.25) & (np.char.find(cells.astype(str), "gemeente") < 0)
        final = hidden | secondary_suppression(cells, parents, values, hidden)
        assert not determined_by_rank(constraint_matrix(cells, parents), final), cells[final]


def test_primary_rules_round_suppress_and_explain(small_store):
    catalog = load_catalog(CATALOG)
    figures = compute_indicators(small_store, catalog)
    public = protect(figures, basis_figures(small_store, catalog, [2023, 2024]), catalog, small_store.areas)
    status = public.set_index(["indicator", "peiljaar", "gebiedscode"])["status"]
    assert status[("oppervlakte", 2024, "BU00010001")] == "geheim_minimum:woningen:2"  # 1 woning
    # the wijk's total area minus BU00010000's would give BU00010001's away: its sibling goes too
    assert status[("oppervlakte", 2024, "BU00010000")] == "geheim"
    assert pd.isna(status[("oppervlakte", 2024, "WK000100")])
    # one status for every hidden count: small (1 and 2 meldingen) and hidden to protect them alike
    assert status[("meldingen", 2024, "BU00010001")] == "geheim"       # 1 melding
    assert status[("meldingen", 2024, "BU00010101")] == "geheim"       # 2 meldingen
    assert pd.isna(status[("meldingen", 2024, "GM0001")])
    # whatever else protection hid, the attacker's exact audit pins no hidden count
    assert audit(public, catalog, small_store.areas, exact=True)["veilig"].all()
    assert status[("woz", 2024, "BU00010100")] == "ontbreekt"
    suppressed = public["status"].astype("string").str.startswith("geheim").fillna(False)
    assert public.loc[suppressed, "waarde"].isna().all()


def test_secondary_suppression_on_the_small_store(small_store):
    catalog = load_catalog(CATALOG)
    figures = compute_indicators(small_store, catalog)
    public = protect(figures, basis_figures(small_store, catalog, [2023, 2024]), catalog, small_store.areas)
    afval = public[(public["indicator"] == "afvalmeldingen") & (public["peiljaar"] == 2024)].set_index("gebiedscode")
    # both buurten of WK000100 have 1 or 2 Afval meldingen; a published wijk total (3) would narrow each to
    # 0..3, so the audit hides the totals above them as well
    assert afval.loc["BU00010001", "status"] == "geheim"
    assert afval.loc["BU00010000", "status"] == "geheim"
    assert afval.loc["WK000100", "status"] == "geheim" and pd.isna(afval.loc["WK000100", "waarde"])
    # the mean area: one hidden buurt in WK000100 takes its sibling along (secondary)
    oppervlakte = public[public["indicator"] == "oppervlakte"].set_index("gebiedscode")["status"]
    assert (oppervlakte[["BU00010000", "BU00010001"]] != "").all()
    assert oppervlakte["BU00010000"] == "geheim"


def test_demo_public_figures_hide_nothing_recoverable(demo_out):
    """The hierarchy alone (exact equations over published numerators) pins nothing, and the full
    attacker's audit (rounding, ratios, categories, statuses: test_audit.py) finds every hidden count safe."""
    store = demo_out / "datapakhuis.gpkg"
    public = pyogrio.read_dataframe(store, layer="indicatoren_lang_openbaar")
    catalog = load_catalog()
    areas = pd.concat([
        pd.DataFrame({"niveau": "buurt", "gebiedscode": b["buurtcode"], "wijkcode": b["wijkcode"]})
        for b in [pyogrio.read_dataframe(store, layer="buurten", read_geometry=False)]] + [
        pd.DataFrame({"niveau": "wijk", "gebiedscode": w["wijkcode"], "wijkcode": w["wijkcode"]})
        for w in [pyogrio.read_dataframe(store, layer="wijken", read_geometry=False)]] + [
        pd.DataFrame({"niveau": ["gemeente"], "gebiedscode": ["GM9901"], "wijkcode": [None]})], ignore_index=True)
    bounds = audit(public, catalog, areas)
    assert len(bounds) > 250 and bounds["veilig"].all()
    suppressed = public["status"].astype("string").str.startswith("geheim").fillna(False)
    assert suppressed.sum() > 0 and public.loc[suppressed, "waarde"].isna().all()
    assert not (public["waarde"] <= -99995).any()
    assert set(public.loc[suppressed, "status"]) <= {"geheim"} | {s for s in public["status"].dropna()
                                                               if s.startswith("geheim_minimum")}


def test_protection_is_the_same_for_any_number_of_worker_processes(small_store):
    from wijkatlas.bench_openbaar import repeated

    catalog = load_catalog(CATALOG)
    figures = compute_indicators(small_store, catalog)
    basis = basis_figures(small_store, catalog, [2023, 2024])
    figures, basis, areas = repeated((figures, basis, small_store.areas), 5)
    alone = protect(figures, basis, catalog, areas)
    shared = protect(figures, basis, catalog, areas, workers=2)
    pd.testing.assert_frame_equal(alone, shared)
    assert alone["status"].eq("geheim").sum() >= 5 * 3  # every copy protects its small counts
    assert audit(alone, catalog, areas, workers=2)["veilig"].all()

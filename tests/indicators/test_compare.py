import pandas as pd

from wijkatlas.indicators.compare import compare


def frame(rows):
    return pd.DataFrame(rows, columns=["indicator", "peiljaar", "niveau", "gebiedscode", "waarde"])


def test_index_rank_z_score_and_changes():
    rows = [("x", year, "gemeente", "G", 10.0 + year - 2022) for year in (2022, 2023, 2024)]
    rows += [("x", 2022, "wijk", "A", 5.0), ("x", 2023, "wijk", "A", 8.0), ("x", 2024, "wijk", "A", 6.0),
             ("x", 2024, "wijk", "B", 18.0)]
    compared = compare(frame(rows), "G", totals=set()).set_index(["peiljaar", "gebiedscode"])
    assert compared.loc[(2024, "A"), "gemeentewaarde"] == 12.0
    assert compared.loc[(2024, "A"), "index"] == 50.0
    assert compared.loc[(2024, "B"), "rang"] == 1 and compared.loc[(2024, "A"), "rang"] == 2
    assert compared.loc[(2024, "A"), "z_score"] == -1.0 and compared.loc[(2024, "B"), "z_score"] == 1.0
    assert compared.loc[(2023, "A"), "verandering_vorig_jaar"] == 3.0
    assert compared.loc[(2024, "A"), "verandering_vorig_jaar"] == -2.0
    assert compared.loc[(2024, "A"), "verandering_eerste_jaar"] == 1.0
    assert pd.isna(compared.loc[(2022, "A"), "verandering_eerste_jaar"])
    assert pd.isna(compared.loc[(2024, "G"), "rang"])


def test_counts_get_no_index():
    rows = [("n", 2024, "gemeente", "G", 100.0), ("n", 2024, "wijk", "A", 40.0)]
    assert compare(frame(rows), "G", totals={"n"})["index"].isna().all()

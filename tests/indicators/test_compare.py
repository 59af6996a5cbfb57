import pandas as pd

from wijkatlas.indicators.compare import compare


def frame(rows):
    return pd.DataFrame(rows, columns=["indicator", "peiljaar", "niveau", "gebiedscode", "waarde"])


def areas(rows):
    return frame(rows)[["niveau", "gebiedscode"]].drop_duplicates().assign(gemeentecode="G")


def test_index_rank_z_score_and_changes():
    rows = [("x", year, "gemeente", "G", 10.0 + year - 2022) for year in (2022, 2023, 2024)]
    rows += [("x", 2022, "wijk", "A", 5.0), ("x", 2023, "wijk", "A", 8.0), ("x", 2024, "wijk", "A", 6.0),
             ("x", 2024, "wijk", "B", 18.0)]
    compared = compare(frame(rows), areas(rows), totals=set()).set_index(["peiljaar", "gebiedscode"])
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
    assert compare(frame(rows), areas(rows), totals={"n"})["index"].isna().all()


def test_regio_compares_each_area_with_its_own_gemeente_and_with_the_regio():
    rows = [("x", 2024, "regio", "R", 20.0), ("x", 2024, "gemeente", "G1", 10.0), ("x", 2024, "gemeente", "G2", 40.0),
            ("x", 2024, "wijk", "A1", 5.0), ("x", 2024, "wijk", "B1", 15.0), ("x", 2024, "wijk", "A2", 10.0)]
    regions = frame(rows)[["niveau", "gebiedscode"]].assign(gemeentecode=["", "G1", "G2", "G1", "G1", "G2"])
    regions.loc[regions["niveau"] == "regio", "gemeentecode"] = pd.NA
    compared = compare(frame(rows), regions, totals=set()).set_index("gebiedscode")
    assert compared.loc["A2", "gemeentewaarde"] == 40.0 and compared.loc["A2", "index"] == 25.0
    assert compared.loc["A1", "gemeentewaarde"] == 10.0 and compared.loc["A1", "index"] == 50.0
    assert compared.loc["A2", "regiowaarde"] == 20.0 and compared.loc["A2", "index_regio"] == 50.0
    # within its gemeente A2 is first; in the regio it is second after B1
    assert compared.loc["A2", "rang"] == 1 and compared.loc["A2", "rang_regio"] == 2
    assert compared.loc["G2", "rang_regio"] == 1 and compared.loc["G2", "index_regio"] == 200.0
    assert pd.isna(compared.loc["R", "index_regio"]) and pd.isna(compared.loc["R", "gemeentewaarde"])

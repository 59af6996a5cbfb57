"""The shared column tests give the same answer on a categorical column as on plain texts."""

import pandas as pd

from wijkatlas.frames import list_holds, on_categories

GEBRUIKSDOEL = ["woonfunctie", "kantoorfunctie,woonfunctie", "woonfunctiee", None, "industriefunctie", "woonfunctie"]


def test_list_holds_finds_a_whole_item_of_the_list_only():
    assert list_holds(pd.Series(GEBRUIKSDOEL), ("woonfunctie",)).tolist() == [True, True, False, False, False, True]


def test_a_categorical_column_is_tested_per_category_with_the_same_result():
    plain = pd.Series(GEBRUIKSDOEL, dtype="string")
    assert (list_holds(plain.astype("category"), ("woonfunctie", "industriefunctie")).tolist()
            == list_holds(plain, ("woonfunctie", "industriefunctie")).tolist() == [True, True, False, False, True, True])
    tested: list[int] = []

    def test(values: pd.Series) -> pd.Series:
        tested.append(len(values))
        return values.isin(["woonfunctie"])

    assert on_categories(plain.astype("category"), test).tolist() == [True, False, False, False, False, True]
    assert tested == [4]  # the four distinct values, not the six records

"""The workbook writer gives the cells pandas' ``to_excel`` gives."""

import datetime

import numpy as np
import openpyxl
import pandas as pd

from wijkatlas.indicators.export import TEXT_AS_TEXT, write_workbook


def _cells(path):
    workbook = openpyxl.load_workbook(path)
    return {sheet.title: [[(cell.value, cell.data_type, cell.font.b, cell.number_format) for cell in row]
                          for row in sheet.iter_rows()] for sheet in workbook.worksheets}


def test_cells_types_and_header_are_those_of_to_excel(tmp_path):
    table = pd.DataFrame({
        "Gebiedscode": ["BU03630000", "BU03630001", "BU03630002", "BU03630003"],
        "Inwoners (aantal, 2024)": [1200.0, np.nan, 35.5, np.inf],
        "Woningen": pd.array([10, None, 3, 4], dtype="Int64"),
        "Waarde": pd.Series([4.27, "geheim", None, 1], dtype=object),
        "Gehaald": [True, False, True, False],
        "Bijgewerkt": pd.to_datetime(["2024-01-02 10:30", None, "2023-12-31 00:00", "2024-06-01 08:00"]),
        "Dag": [datetime.date(2024, 1, 2), None, datetime.date(2023, 1, 1), datetime.date(2022, 5, 5)],
        "Tekst": ["=1+1", "http://x.nl", "", "0612"],
        "Soort": pd.Categorical(["a", "b", None, "a"]),
    })
    sheets = {"Buurten": table, "Leeg": table.iloc[:0]}
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    write_workbook(ours, sheets)
    with pd.ExcelWriter(theirs, engine="xlsxwriter", engine_kwargs={"options": TEXT_AS_TEXT}) as writer:
        for title, sheet in sheets.items():
            sheet.to_excel(writer, sheet_name=title, index=False)
    assert _cells(ours) == _cells(theirs)
    assert _cells(ours)["Buurten"][2][1][0] is None  # NaN: an empty cell
    assert _cells(ours)["Buurten"][1][7][:2] == ("=1+1", "s")  # a text, not a formula

"""The workbook writer: typed cells, formula-like text kept as text, linear time."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from mbpack.workbook import Workbook, read_workbook, write_workbook

GLACIER = {
    "name": "Test Glacier",
    "country": "CN",
    "latitude": 43.7,
    "longitude": 84.4,
    "remarks": "=cmd|' /C calc'!A0",
}


def _tables(readings: pd.DataFrame) -> dict[str, object]:
    return {
        "glacier": GLACIER,
        "stakes": [{"stake_id": s, "elevation": 3500.0} for s in ("=S1", "S2")],
        "stake_readings": readings,
    }


def test_cells_keep_their_type_and_formula_text_stays_text(tmp_path: Path) -> None:
    """Every cell as openpyxl reads it back: text starting with '=' is a string cell, not a formula."""
    readings = pd.DataFrame(
        {
            "stake_id": ["=S1", "S2", "S2"],
            "date": pd.to_datetime(["2001-05-01", "2001-09-30", None]),
            "exposure": [1.25, np.nan, 3.0],
            "remarks": ["=1+1", None, "plain"],
        }
    )
    path = write_workbook(Workbook.from_tables(_tables(readings)), tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book["stake_readings"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 3
    first = rows[0]
    assert first[col["stake_id"]].value == "=S1" and first[col["stake_id"]].data_type == "s"
    assert first[col["remarks"]].value == "=1+1" and first[col["remarks"]].data_type == "s"
    assert first[col["date"]].value == datetime(2001, 5, 1)
    assert first[col["date"]].number_format == "yyyy-mm-dd"
    assert first[col["exposure (m)"]].value == 1.25
    assert rows[1][col["exposure (m)"]].value is None  # NaN is an empty cell
    assert rows[2][col["date"]].value is None  # NaT is an empty cell
    assert ws.freeze_panes == "A2"
    glacier = {r[0].value: r[1] for r in book["glacier"].iter_rows(min_row=2)}
    assert glacier["remarks"].value == GLACIER["remarks"] and glacier["remarks"].data_type == "s"
    assert not any(
        c.data_type == "f" for sheet in book.worksheets for row in sheet.iter_rows() for c in row
    )


def test_round_trip_through_the_reader(tmp_path: Path) -> None:
    readings = pd.DataFrame(
        {
            "stake_id": ["=S1", "S2"],
            "date": [date(2001, 5, 1), date(2001, 9, 30)],
            "exposure": [1.25, 2.5],
        }
    )
    path = write_workbook(Workbook.from_tables(_tables(readings)), tmp_path / "w.xlsx")
    back = read_workbook(path)
    assert back.record("glacier")["remarks"] == GLACIER["remarks"]
    got = back["stake_readings"]
    assert got["stake_id"].tolist() == ["=S1", "S2"]
    assert got["exposure"].tolist() == [1.25, 2.5]
    assert [d.date() for d in got["date"]] == [date(2001, 5, 1), date(2001, 9, 30)]

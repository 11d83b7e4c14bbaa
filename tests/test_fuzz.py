"""Fuzzing the reader: mutated cells and mutated sheet XML never end in a traceback, and every
row of the workbook is still accounted for (hypothesis, a bounded number of examples)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from conftest import clean_tables, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbpack.errors import MbpackError
from mbpack.issues import Report
from mbpack.workbook.reader import read_workbook

TABLES = clean_tables()
SHEETS = {"stake_readings": len(TABLES["stake_readings"]), "stakes": len(TABLES["stakes"]),
          "balance_years": len(TABLES["balance_years"])}  # fmt: skip

odd_values = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "#N/A",
            "#DIV/0!",
            "1,530",
            "1_7",
            "=SUM(A1)",
            "2015-04-31",
            "9999-12-31",
            "1600-05-15",
            "2005年8月1日",
            " 3,5 ",
            "",
            "   ",
            "NaN",
            "inf",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)),
)
SAFE = {"\x09", "\x0a", "\x0d"}


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):  # openpyxl refuses control characters: what Excel would store
        return "".join(c if c >= " " or c in SAFE else f"_x{ord(c):04X}_" for c in value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return float(value)
    return value


def _accounted(report: Report, sheet: str, rows: int) -> None:
    summary = report.sheets[sheet]
    assert summary.rows + summary.blank_rows >= rows - 1  # one mutated row may become blank
    assert summary.rows <= rows


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sheet=st.sampled_from(sorted(SHEETS)),
    row=st.integers(min_value=2, max_value=3),  # rows that hold data in every sheet
    column=st.integers(min_value=1, max_value=7),
    value=odd_values,
)
def test_any_cell_value(tmp_path: Path, sheet: str, row: int, column: int, value: Any) -> None:
    path = tmp_path / "w.xlsx"
    if not path.exists():
        write(clean_tables(), path)
    book = openpyxl.load_workbook(path)
    book[sheet].cell(row=row, column=column).value = _clean_text(value)
    mutated = tmp_path / "m.xlsx"
    book.save(mutated)
    report = Report(file=str(mutated))
    wb = read_workbook(mutated, report)  # no exception at all: a cell is never fatal
    _accounted(report, sheet, SHEETS[sheet])
    assert len(wb[sheet]) <= SHEETS[sheet]
    for issue in report.issues:
        assert issue.message and issue.code


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.floats(min_value=0.0, max_value=1.0), junk=st.binary(min_size=1, max_size=8))
def test_any_byte_change_in_the_sheet_xml(tmp_path: Path, position: float, junk: bytes) -> None:
    """Bytes of stake_readings' XML overwritten: a clear mbpack error or a report, nothing else."""
    path = tmp_path / "w.xlsx"
    if not path.exists():
        write(clean_tables(), path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    index = openpyxl.load_workbook(path).sheetnames.index("stake_readings") + 1
    member = f"xl/worksheets/sheet{index}.xml"
    data = parts[member]
    at = int(position * (len(data) - len(junk)))
    parts[member] = data[:at] + junk + data[at + len(junk) :]
    mutated = tmp_path / "m.xlsx"
    with zipfile.ZipFile(mutated, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    report = Report(file=str(mutated))
    try:
        read_workbook(mutated, report)
    except MbpackError as exc:
        assert str(mutated) in str(exc)
        return
    assert "stakes" in report.sheets  # the other sheets are read whatever this one holds
    assert report.sheets["stakes"].rows == SHEETS["stakes"]

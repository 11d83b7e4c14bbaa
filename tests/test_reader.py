"""Reading real-world workbooks: header aliases, units, odd cells and broken files."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mbpack.checks.validate import validate
from mbpack.errors import UnreadableWorkbook
from mbpack.issues import Report
from mbpack.params import Buffers, FileLimits
from mbpack.workbook import read_workbook, reader

GLACIER = [
    ("field", "value"),
    ("name", "Test Glacier"),
    ("country", "CN"),
    ("latitude", 43.73),
    ("longitude", 84.39),
]


def make(path: Path, sheets: dict[str, list[tuple[Any, ...]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in {"glacier": GLACIER, **sheets}.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def issues(report: Report, code: str) -> list[tuple[str | None, Any]]:
    return [(i.cell, i.value) for i in report.issues if i.code == code]


def test_chinese_headers_and_units(tmp_path: Path) -> None:
    path = make(
        tmp_path / "zh.xlsx",
        {
            "stakes": [("花杆编号", "海拔", "纬度", "经度"), ("A1", 3600, 43.73, 84.39)],
            "stake_readings": [
                ("花杆编号", "日期", "花杆高度 (cm)", "雪深（cm）"),
                ("A1", datetime(2001, 5, 10), 120, 85),
            ],
            "snow_pits": [
                ("雪坑编号", "日期", "上界深度", "下界深度", "密度 (g/cm3)"),
                ("P1", datetime(2001, 5, 10), 0, 0.5, 0.35),
            ],
            "hypsometry": [
                ("年份", "下界海拔", "上界海拔", "面积 (m2)"),
                (2000, 3500, 3550, 250000),
            ],
        },
    )
    wb = read_workbook(path)
    readings = wb["stake_readings"]
    assert readings.loc[0, "exposure"] == pytest.approx(1.20)
    assert readings.loc[0, "snow_depth"] == pytest.approx(0.85)
    assert readings.loc[0, "date"] == datetime(2001, 5, 10)
    assert wb["snow_pits"].loc[0, "density"] == pytest.approx(350.0)
    assert wb["hypsometry"].loc[0, "area"] == pytest.approx(0.25)
    assert wb["stakes"].loc[0, "elevation"] == 3600.0


def test_wgms_headers_case_and_space_insensitive(tmp_path: Path) -> None:
    path = make(
        tmp_path / "wgms.xlsx",
        {
            "glacier_balance": [
                ("YEAR", "Winter Balance", " annual_balance ", "SUMMER_BALANCE", "ELA", "AAR"),
                (2001, 400, -500, -900, 3800, 30),
            ],
        },
    )
    report = Report()
    wb = read_workbook(path, report)
    row = wb["glacier_balance"].iloc[0]
    assert (row["winter_balance"], row["summer_balance"], row["annual_balance"]) == (
        400,
        -900,
        -500,
    )
    assert row["aar"] == pytest.approx(0.30)  # percent converted
    assert issues(report, "percent-converted") == [("glacier_balance!F1", None)]


def test_balance_in_m_we(tmp_path: Path) -> None:
    path = make(
        tmp_path / "mwe.xlsx",
        {
            "glacier_balance": [("year", "annual_balance (m w.e.)"), (2001, -0.37)],
        },
    )
    assert read_workbook(path)["glacier_balance"].loc[0, "annual_balance"] == pytest.approx(-370.0)


def test_unknown_unit_is_an_error(tmp_path: Path) -> None:
    path = make(tmp_path / "u.xlsx", {"stakes": [("stake_id", "elevation (furlongs)"), ("A", 1)]})
    report = Report()
    read_workbook(path, report)
    assert issues(report, "unknown-unit") == [("stakes!B1", "elevation (furlongs)")]


def test_odd_cells_are_read_and_reported(tmp_path: Path) -> None:
    path = make(
        tmp_path / "odd.xlsx",
        {
            "stakes": [("stake_id", "elevation"), ("A1", 3600)],
            "stake_readings": [
                ("stake_id", "date", "exposure", "snow_depth"),
                ("A1", "2001-05-10", "1,25", None),  # date as text, decimal comma
                (
                    " A1 ",
                    "2001年8月30日",
                    " 2.5 ",
                    None,
                ),  # stray spaces, Chinese date, number as text
                ("A1", 37500, 3.0, None),  # Excel serial (2002-09-01)
                ("A1", 20030830, 3.5, None),  # YYYYMMDD number
                ("A1", "30/02/2004", "abc", None),  # not a date, not a number
                (None, None, None, None),  # blank row: skipped, counted
                ("A1", date(2005, 2, 28), 4.0, None),
            ],
        },
    )
    report = Report()
    wb = read_workbook(path, report)
    r = wb["stake_readings"]
    assert len(r) == 6
    assert list(r["exposure"].iloc[:4]) == [1.25, 2.5, 3.0, 3.5]
    assert [d.date() for d in r["date"].iloc[:4]] == [
        date(2001, 5, 10),
        date(2001, 8, 30),
        date(2002, 9, 1),
        date(2003, 8, 30),
    ]
    assert r.loc[1, "stake_id"] == "A1"
    assert issues(report, "date-as-text") == [
        ("stake_readings!B2", "2001-05-10"),
        ("stake_readings!B3", "2001年8月30日"),
    ]
    assert issues(report, "date-as-serial") == [("stake_readings!B4", 37500)]
    assert issues(report, "date-as-number") == [("stake_readings!B5", 20030830)]
    assert issues(report, "number-as-text") == [
        ("stake_readings!C2", "1,25"),
        ("stake_readings!C3", " 2.5 "),
    ]
    assert issues(report, "stray-spaces") == [("stake_readings!A3", " A1 ")]
    assert sorted(issues(report, "type-error")) == [
        ("stake_readings!B6", "30/02/2004"),
        ("stake_readings!C6", "abc"),
    ]
    assert report.sheets["stake_readings"].rows == 6
    assert report.sheets["stake_readings"].blank_rows == 1
    assert r["date"].iloc[5] == datetime(2005, 2, 28)


def test_type_error_is_not_also_reported_missing(tmp_path: Path) -> None:
    path = make(tmp_path / "t.xlsx", {"stakes": [("stake_id", "elevation"), ("A1", "high")]})
    report = validate(path)
    assert [(i.code, i.cell) for i in report.issues if i.severity == "error"] == [
        ("type-error", "stakes!B2")
    ]


def test_unknown_columns_and_sheets_are_kept_with_a_warning(tmp_path: Path) -> None:
    path = make(
        tmp_path / "x.xlsx",
        {
            "stakes": [("stake_id", "elevation", "colour"), ("A1", 3600, "red")],
            "notes": [("anything",)],
        },
    )
    report = Report()
    wb = read_workbook(path, report)
    assert wb["stakes"].loc[0, "colour"] == "red"
    assert issues(report, "unknown-column") == [("stakes!C1", "colour")]
    assert [i.sheet for i in report.issues if i.code == "unknown-sheet"] == ["notes"]


def test_missing_column_missing_sheet_and_empty_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "stakes"
    book.active.append(["stake_id"])
    book.active.append(["A1"])
    book.create_sheet("probes")
    book.save(tmp_path / "m.xlsx")
    report = validate(tmp_path / "m.xlsx")
    codes = {(i.code, i.sheet, i.column) for i in report.issues}
    assert ("missing-column", "stakes", "elevation") in codes
    assert ("missing-sheet", "glacier", None) in codes
    assert ("empty-sheet", "probes", None) in codes
    assert not report.valid


def test_merged_cells_are_filled_and_reported(tmp_path: Path) -> None:
    path = make(
        tmp_path / "merged.xlsx",
        {
            "stakes": [("stake_id", "elevation"), ("A1", 3600), ("A2", 3650)],
            "stake_readings": [
                ("stake_id", "date", "exposure"),
                ("A1", datetime(2001, 5, 1), 1.0),
                (None, datetime(2001, 8, 1), 2.0),
            ],
        },
    )
    book = openpyxl.load_workbook(path)
    book["stake_readings"].merge_cells("A2:A3")
    book.save(path)
    report = Report()
    wb = read_workbook(path, report)
    assert list(wb["stake_readings"]["stake_id"]) == ["A1", "A1"]
    assert issues(report, "merged-cells") == [("stake_readings!A2:A3", "A1")]


def test_formula_without_cached_value_is_an_error(tmp_path: Path) -> None:
    path = make(tmp_path / "f.xlsx", {"stakes": [("stake_id", "elevation"), ("A1", "=3500+100")]})
    report = validate(path)
    assert [(i.code, i.cell, i.value) for i in report.issues if i.severity == "error"] == [
        ("formula-without-value", "stakes!B2", "=3500+100"),
    ]
    assert not report.valid


def test_duplicate_fields_and_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "glacier"
    for row in [*GLACIER, ("name", "Other")]:
        ws.append(list(row))
    st = book.create_sheet("stakes")
    st.append(["stake_id", "elevation", "海拔"])
    st.append(["A", 3600, 3600])
    book.save(tmp_path / "d.xlsx")
    report = validate(tmp_path / "d.xlsx")
    assert ("duplicate-field", "glacier!B6") in {(i.code, i.cell) for i in report.issues}
    assert ("duplicate-column", "stakes!C1") in {(i.code, i.cell) for i in report.issues}


# --- files that are not workbooks ----------------------------------------------------------


def test_not_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("stake_id,date\nA1,2001-01-01\n")
    with pytest.raises(UnreadableWorkbook, match=r"data\.csv: not an \.xlsx workbook"):
        read_workbook(path)


def test_truncated_zip(tmp_path: Path, clean_xlsx: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(clean_xlsx.read_bytes()[:2000])
    with pytest.raises(UnreadableWorkbook, match=r"cut\.xlsx: corrupt or truncated"):
        read_workbook(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "z.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UnreadableWorkbook, match="not an Excel workbook"):
        read_workbook(path)


def test_password_protected(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"  # encrypted OOXML is an OLE compound file
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    with pytest.raises(UnreadableWorkbook, match="password-protected"):
        read_workbook(path)


def test_too_large_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as handle:
        handle.truncate(200 * 1024**2)  # sparse: 200 MB without using the disk
    with pytest.raises(UnreadableWorkbook, match="200 MB, larger than the 100 MB"):
        read_workbook(path)


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "FILE_LIMITS", FileLimits(max_uncompressed_bytes=4 * 1024**2))
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024**2))
    assert path.stat().st_size < 100_000
    with pytest.raises(UnreadableWorkbook, match="zip bomb"):
        read_workbook(path)


def test_missing_file() -> None:
    with pytest.raises(UnreadableWorkbook, match="no such file"):
        read_workbook("does-not-exist.xlsx")


#: A sheet XML with what scan_sheet looks for: row 2 twice (once namespaced, ``x:row``),
#: an INF number in B2, a formula without a value in A2 of the second row 2, row 10 last.
SCAN_XML = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1"><v>1</v></c></row>'
    b'<x:row spans="1:2" r="2"><x:c r="B2"><x:v>INF</x:v></x:c></x:row>'
    b'<row r="2"><c r="A2"><f>A1*2</f></c></row>'
    b'<row r="10"><c r="A10" t="inlineStr"><is><t>row r="11"</t></is></c></row>'
    b"</sheetData></worksheet>"
)


def test_the_sheet_scan_is_the_same_in_blocks_of_any_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The XML is searched a block at a time; for every block size from one byte to the whole
    part the scan finds what the XML above holds: row 2 twice (the text ``row r="11"`` is a
    cell's text, not a row), INF at B2, the formula =A1*2 without a value at A2."""
    path = tmp_path / "scan.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sheet.xml", SCAN_XML)
    for size in range(1, len(SCAN_XML) + 2):
        monkeypatch.setattr(reader, "BUFFERS", Buffers(scan_block_bytes=size))
        with zipfile.ZipFile(path) as z:
            scan = reader.scan_sheet(z, "sheet.xml")
        assert scan.duplicate_rows == [2], size
        assert scan.non_finite == [(2, 2, "INF")], size
        assert scan.formulas == [(2, 1, "A1*2")], size
        assert scan.errors == [] and scan.problem is None, size

"""Station-style field workbooks, written by the tests in the layouts stations keep.

Each builder writes one file and returns its path; the numbers are typed here, so the
expected canonical values in tests/test_station.py are worked out by hand from them
(cm → m: / 100; g cm-3 → kg m-3: × 1000; g → kg: / 1000).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

Row = list[Any]

#: Sheet "Stakes 2018": winter readings, a re-drill, the summer round, the stake table;
#: title rows, a DATE: cell, summary rows, an #N/A cell, notes in a NOTES column.
STAKES_2018: list[Row] = [
    ["WINTER"],
    ["DATE:", date(2018, 5, 2)],
    ["STAKE", "STAKE HEIGHT (cm)", "SNOW DEPTH (cm)", "NOTES"],
    ["A1", 120, 250],
    ["A2", 95.5, 310, "windy"],
    ["A3", "#N/A", 280],
    ["Average", 107.75, 280],
    ["Max", 120, 310],
    [],
    ["RE-DRILL"],
    ["STAKE", "DATE", "OLD HEIGHT (cm)", "NEW HEIGHT (cm)"],
    ["A2", date(2018, 7, 15), 180, 150],
    [],
    ["SUMMER STAKEROUND"],
    ["DATE:", date(2018, 9, 20)],
    ["STAKE", "STAKE HEIGHT (cm)", "NOTES"],
    ["A1", 310],
    ["A2", 330],
    ["A3", 405, "bent"],
    ["Average", 348.33],
    [],
    ["CHANGES AND COORDINATES"],
    ["STAKE", "E", "N", "ELEVATION (m)"],
    ["A1", 500100, 4840200, 3600],
    ["A2", 500300, 4840500, 3700],
    ["A3", 500500, 4840800, 3800],
]

#: Sheet "Density": one block per pit, SITE: and DATE: beside their values, weights in g,
#: the tube's diameter in cm; pit P2 has no DENSITY column (computed from the weights).
DENSITY: list[Row] = [
    ["SITE:", "P1", "DATE:", date(2018, 5, 3)],
    ["FROM (cm)", "TO (cm)", "WEIGHT (g)", "Ø (cm)", "DENSITY (g/cm3)"],
    [0, 20, 226.2, 6, 0.40],
    [20, 40, 254.5, 6, 0.45],
    ["Average", None, None, None, 0.425],
    [],
    ["SITE:", "P2", "DATE:", date(2018, 5, 4)],
    ["FROM (cm)", "TO (cm)", "WEIGHT (g)", "Ø (cm)"],
    [0, 25, 282.74, 6],
    [25, 50, 353.43, 6],
]

#: Sheet "Probing": the date in the title cell.
PROBING: list[Row] = [
    ["PROBING 2018-05-03"],
    ["PROBE", "E", "N", "SNOW DEPTH (cm)"],
    [1, 500150, 4840250, 240],
    [2, 500250, 4840450, 305],
    [3, 500450, 4840750, 262],
]

#: Chinese station workbook: readings with a date column, the stakes, a pit sheet.
ZH_READINGS: list[Row] = [
    ["花杆编号", "日期", "花杆高度 (cm)", "雪深 (cm)", "备注"],
    ["B1", date(2019, 4, 28), 130, 200, None],
    ["B2", date(2019, 4, 28), 88, 245, "杆斜"],
    ["B1", date(2019, 9, 26), 290, None, None],
    ["B2", date(2019, 9, 26), 262, None, None],
]
ZH_STAKES: list[Row] = [
    ["花杆编号", "X坐标", "Y坐标", "海拔 (m)"],
    ["B1", 500100, 4840200, 3620],
    ["B2", 500300, 4840500, 3710],
]
ZH_PITS: list[Row] = [
    ["雪坑编号", "日期", "上界深度 (cm)", "下界深度 (cm)", "密度 (g/cm3)"],
    ["S1", date(2019, 4, 29), 0, 30, 0.38],
    ["S1", date(2019, 4, 29), 30, 60, 0.42],
]

#: Results only: yearly glacier-wide balances, ELA and AAR (in %), under a title.
RESULTS: list[Row] = [
    ["Glacier No. 51, glacier-wide mass balance"],
    ["Year", "Bw (mm w.e.)", "Bs (mm w.e.)", "Ba (mm w.e.)", "ELA (m)", "AAR (%)"],
    [2000, 250, -700, -450, 3800, 35],
    [2001, 310, -520, -210, 3760, 48],
    [2002, 190, -880, -690, 3850, 22],
    ["Mean", 250, -700, -450, 3803, 35],
]

#: The .xls file of an older year: winter and summer blocks of one sheet.
XLS_2016: list[Row] = [
    ["WINTER"],
    ["DATE:", date(2016, 5, 5)],
    ["STAKE", "STAKE HEIGHT (cm)", "SNOW DEPTH (cm)"],
    ["A1", 140, 230],
    ["A2", 101, 295],
    ["A3", "#N/A", 260],
    [],
    ["SUMMER STAKEROUND"],
    ["DATE:", date(2016, 9, 22)],
    ["STAKE", "STAKE HEIGHT (cm)"],
    ["A1", 298],
    ["A2", 315],
    ["A3", "#DIV/0!"],
    [],
    ["CHANGES AND COORDINATES"],
    ["STAKE", "E", "N", "ELEVATION (m)"],
    ["A1", 500100, 4840200, 3600],
    ["A2", 500300, 4840500, 3700],
    ["A3", 500500, 4840800, 3800],
]


def write_xlsx(path: Path, sheets: dict[str, list[Row]]) -> Path:
    """Sheets of rows into an .xlsx file with openpyxl (``"#N/A"`` becomes an error cell)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


#: Error cells xlwt writes (BIFF error codes, [MS-XLS] 2.5.97.2).
XLS_ERRORS = {"#N/A": 0x2A, "#DIV/0!": 0x07}


def write_xls(path: Path, sheets: dict[str, list[Row]]) -> Path:
    """Sheets of rows into a legacy BIFF8 .xls file with xlwt (as Excel 97-2003 writes)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date):
                    ws.write(r, c, value, dated)
                elif value in XLS_ERRORS:
                    ws.row(r).set_cell_error(c, XLS_ERRORS[value])
                else:
                    ws.write(r, c, value)
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, list[Row]]) -> Path:
    """Sheets of rows into an OpenDocument spreadsheet with odfpy."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                if value is None:
                    tr.addElement(TableCell())
                elif isinstance(value, date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat())
                    cell.addElement(P(text=value.isoformat()))
                    tr.addElement(cell)
                elif isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                    tr.addElement(cell)
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                    tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def field_2018(folder: Path) -> Path:
    """The stacked 2018 field workbook: stakes, density, probing."""
    return write_xlsx(
        folder / "field-2018.xlsx",
        {"Stakes 2018": STAKES_2018, "Density": DENSITY, "Probing": PROBING},
    )


def metadata_workbook(folder: Path, years: list[tuple[int, date, date, date]]) -> Path:
    """A canonical workbook holding only metadata sheets (mbpack's writer): glacier,
    dataset, authors and the balance years' dates."""
    from mbpack.workbook.model import Workbook
    from mbpack.workbook.writer import write_workbook

    tables = {
        "glacier": {"name": "Glacier No. 51", "country": "CN", "latitude": 43.731,
                    "longitude": 84.391, "crs": "EPSG:32645", "min_elevation": 3490.0,
                    "max_elevation": 4000.0, "area": 1.3},
        "dataset": {"title": "Mass balance of Glacier No. 51", "licence": "CC-BY-4.0"},
        "authors": [{"name": "A. Observer", "affiliation": "Station"}],
        "balance_years": [{"year": y, "time_system": "FLO", "begin_date": b, "winter_end_date": w,
                           "end_date": e} for y, b, w, e in years],
    }  # fmt: skip
    path = folder / "station-metadata.xlsx"
    write_workbook(Workbook.from_tables(tables), path)
    return path

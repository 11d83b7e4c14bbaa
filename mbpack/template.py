"""The blank observation workbook people fill in by hand (``mbpack template PATH``).

Everything is derived from ``schemas/*.json``: an ``instructions`` sheet
(what each sheet is, units, conventions, an example row), then every sheet
with its header row (``name (unit)``, a comment giving the description and
unit), Excel data validation (drop-down lists for enumerations, number
ranges, whole numbers, dates), frozen header rows and column widths.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from mbpack import schema
from mbpack.atomic import atomic_file
from mbpack.workbook import header_text

#: Rows that carry data validation below the header.
VALIDATED_ROWS = 5000

INTRO = [
    "mbpack observation workbook: one glacier, many balance years.",
    "Fill one sheet per table; leave sheets you do not need empty. Units are in the headers (m, kg m-2, "
    "kg m-3, km2); a header may carry another unit in brackets, e.g. 'exposure (cm)', which is converted.",
    "Balance year = the calendar year in which it ends. Dates as date cells (or YYYY-MM-DD).",
    "exposure = stake length above the surface (before the event for a re-drill or extension; new_exposure "
    "after it); snow_depth = snow and firn above the last summer surface.",
    "Check the workbook with: mbpack validate WORKBOOK.xlsx",
]


def _example_rows() -> dict[str, dict[str, Any]]:
    """One row of the bundled example per sheet."""
    from mbpack.example import shipped_path
    from mbpack.reader import read

    wb = read(shipped_path())
    rows = {}
    for sheet in schema.SHEETS:
        frame = wb.tables[sheet]
        if not frame.empty and sheet not in schema.KEY_VALUE_SHEETS:
            rows[sheet] = frame.iloc[0].to_dict()
    rows["glacier_balance"] = {"year": 2001, "method": "reported", "winter_balance": 160, "summer_balance": -530,
                               "annual_balance": -370, "ela": 3780, "aar": 0.5}  # fmt: skip
    return rows


def _shown(value: Any) -> Any:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def _validation(field: dict[str, Any]) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    cons = field.get("constraints", {})
    unit = f" [{field['unit']}]" if field.get("unit") and field["unit"] != "1" else ""
    if "enum" in cons:
        dv = DataValidation(
            type="list", formula1='"' + ",".join(cons["enum"]) + '"', allow_blank=True
        )
        dv.error = f"{field['name']}: one of {', '.join(cons['enum'])}"
    elif field["type"] in ("number", "integer"):
        kind: Literal["whole", "decimal"] = "whole" if field["type"] == "integer" else "decimal"
        lo, hi = cons.get("minimum"), cons.get("maximum")
        if lo is not None and hi is not None:
            dv = DataValidation(
                type=kind, operator="between", formula1=str(lo), formula2=str(hi), allow_blank=True
            )
            dv.error = f"{field['name']}: a number from {lo} to {hi}{unit}"
        elif lo is not None:
            dv = DataValidation(
                type=kind, operator="greaterThanOrEqual", formula1=str(lo), allow_blank=True
            )
            dv.error = f"{field['name']}: a number of at least {lo}{unit}"
        else:
            dv = DataValidation(
                type=kind, operator="between", formula1="-1E9", formula2="1E9", allow_blank=True
            )
            dv.error = f"{field['name']}: a number{unit}"
    elif field["type"] == "date":
        dv = DataValidation(
            type="date", operator="between", formula1="1", formula2="109574", allow_blank=True
        )
        dv.error = f"{field['name']}: a date"
    else:
        return None
    dv.showErrorMessage = True
    dv.errorTitle = "mbpack"
    return dv


def write_template(path: str | os.PathLike[str]) -> Path:
    """Write the blank observation workbook to ``path`` (atomically)."""
    from openpyxl import Workbook as XLWorkbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = XLWorkbook()
    guide = book.worksheets[0]
    guide.title = "instructions"
    bold = Font(bold=True)
    for line in INTRO:
        guide.append([line])
    guide.append([])
    examples = _example_rows()
    for sheet in schema.SHEETS:
        desc = schema.load_schema(sheet)
        guide.append([sheet, desc["description"]])
        guide.cell(guide.max_row, 1).font = bold
        if sheet in schema.KEY_VALUE_SHEETS:
            guide.append(
                ["", "one field per row: columns field, value (unit and description are for you)"]
            )
        else:
            guide.append(["", "columns:", *[header_text(sheet, f["name"]) for f in desc["fields"]]])
            if sheet in examples:
                guide.append(
                    [
                        "",
                        "example:",
                        *[_shown(examples[sheet].get(f["name"])) for f in desc["fields"]],
                    ]
                )
        guide.append([])
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 60
    for sheet in schema.SHEETS:
        ws = book.create_sheet(sheet)
        fields = schema.fields(sheet)
        if sheet in schema.KEY_VALUE_SHEETS:
            ws.append(["field", "value", "unit", "description"])
            for f in fields:
                ws.append([f["name"], None, f.get("unit"), f["description"]])
                dv = _validation(f)
                if dv is not None:
                    ws.add_data_validation(dv)
                    dv.add(f"B{ws.max_row}")
            for col, width in zip("ABCD", (24, 40, 10, 90), strict=True):
                ws.column_dimensions[col].width = width
        else:
            ws.append([header_text(sheet, f["name"]) for f in fields])
            for i, f in enumerate(fields, start=1):
                cell = ws.cell(1, i)
                cell.font = bold
                unit = f" Unit: {f['unit']}." if f.get("unit") else ""
                required = " Required." if f.get("constraints", {}).get("required") else ""
                cell.comment = Comment(f"{f['description']}{unit}{required}", "mbpack")
                letter = get_column_letter(i)
                ws.column_dimensions[letter].width = max(12, len(str(cell.value)) + 2)
                dv = _validation(f)
                if dv is not None:
                    ws.add_data_validation(dv)
                    dv.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
                if f["type"] == "date":
                    for row in range(2, 202):
                        ws.cell(row, i).number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = bold
    target = Path(path)
    with atomic_file(target) as tmp:
        book.save(tmp)
    return target

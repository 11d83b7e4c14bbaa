"""The blank observation workbook people fill in by hand (``mbpack template PATH``).

Everything is derived from ``schemas/*.json``: an ``instructions`` sheet
(what each sheet is, its columns with units, an example row from the
bundled example), then every sheet of :data:`mbpack.workbook.schema.SHEETS` with its
header row (``name (unit)`` as :func:`mbpack.workbook.write_workbook` writes
it, a comment giving the description and unit), Excel data validation
(drop-down lists for enumerations and booleans, number ranges from the
schema's minimum and maximum, whole numbers for integers, dates, text
lengths), frozen header rows and column widths.  Key-value sheets
(``glacier``, ``dataset``) list every field as ``field``/``value``/``unit``/
``description`` rows, with the validation on the value cell.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from mbpack.atomic import atomic_file
from mbpack.errors import MbpackError
from mbpack.workbook import schema
from mbpack.workbook.model import header_text

#: Last spreadsheet row that carries data validation (Excel's last row).
LAST_ROW = 1_048_576
#: Rows below the header pre-formatted as dates in date columns.
DATE_FORMAT_ROWS = 200
#: Excel's limits: a list validation's literal (formula1), an input message and its title.
MAX_LIST = 255
MAX_PROMPT = 255
MAX_TITLE = 32
#: Sheet name of the guide (the reader ignores it).
INSTRUCTIONS = "instructions"


def _units() -> str:
    units = sorted({f["unit"] for s in schema.SHEETS for f in schema.fields(s) if f.get("unit")})
    return ", ".join(u for u in units if u != "1")


#: Languages of the template's headers and instructions.
LANGUAGES = ("en", "zh", "both")


def _intro_zh() -> list[str]:
    return [
        "mbpack 观测工作簿：一条冰川，多个物质平衡年。",
        "每个表格填一个工作表；不需要的工作表留空。单位写在表头括号中，表头也可写其他单位，如 "
        "'exposure (cm)'，读取时自动换算。",
        "物质平衡年 = 其结束所在的日历年。日期用日期单元格（或 YYYY-MM-DD）。",
        "下拉列表、数值范围和日期检查来自 schemas/*.json 的表结构；每个表头单元格的批注说明该列（英文）。",
        "表头可写中文、英文或两者（如 '花杆编号 stake_id'），读取时均可识别。",
        "检查工作簿：mbpack validate WORKBOOK.xlsx",
    ]


def label(sheet: str, field: dict[str, Any], lang: str = "en") -> str:
    """The header (or key-value field name) of a field in the template's language.

    ``en``: ``exposure (m)``; ``zh``: the field's Chinese alias with the unit,
    ``出露高度 (m)`` (the English name when the field has no Chinese alias, or the alias names
    another field too); ``both``: ``出露高度 exposure (m)``.  The reader maps each back to the
    field.
    """
    english = header_text(sheet, field["name"])
    chinese = schema.chinese_label(field)
    if lang == "en" or chinese is None:
        return english
    unit = english[len(field["name"]) :]
    if lang == "zh" and schema.find_field(sheet, chinese) == field["name"]:
        return chinese + unit
    return f"{chinese} {english}"


def _intro() -> list[str]:
    return [
        "mbpack observation workbook: one glacier, many balance years.",
        "Fill one sheet per table; leave the sheets you do not need empty. Units are in the "
        f"headers ({_units()}); a header may carry another unit in brackets, e.g. "
        "'exposure (cm)', which is converted when the workbook is read.",
        "Balance year = the calendar year in which it ends. Dates as date cells (or YYYY-MM-DD).",
        "Drop-down lists, number ranges and date checks come from the Table Schemas in "
        "schemas/*.json; a comment on each header cell explains the column.",
        "Check the workbook with: mbpack validate WORKBOOK.xlsx",
    ]


def _shown(value: Any) -> Any:
    """A value as the instructions sheet shows it (dates as ISO text, numbers rounded)."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if hasattr(value, "item"):
        return value.item()
    return value


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation(sheet: str, field: dict[str, Any]) -> Any:
    """The Excel data validation of a field (``None`` for free text)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    cons = field.get("constraints", {})
    name = field["name"]
    unit = f" [{field['unit']}]" if field.get("unit") and field["unit"] != "1" else ""
    if "enum" in cons or field["type"] == "boolean":
        choices = [str(c) for c in cons.get("enum", ["TRUE", "FALSE"])]
        literal = '"' + ",".join(choices) + '"'
        if len(literal) > MAX_LIST or any("," in c or '"' in c for c in choices):
            raise MbpackError(
                f"schemas/{sheet}.json, field {name!r}: the choices {choices} do not fit an "
                f"Excel drop-down list (at most {MAX_LIST} characters, no commas or quotes)"
            )
        dv = DataValidation(type="list", formula1=literal, allow_blank=True)
        dv.error = f"{name}: one of {', '.join(choices)}"
    elif field["type"] in ("number", "integer"):
        kind: Literal["whole", "decimal"] = "whole" if field["type"] == "integer" else "decimal"
        lo, hi = cons.get("minimum"), cons.get("maximum")
        if lo is not None and hi is not None:
            dv = DataValidation(
                type=kind, operator="between", formula1=str(lo), formula2=str(hi), allow_blank=True
            )
            dv.error = f"{name}: a number from {lo} to {hi}{unit}"
        elif lo is not None:
            dv = DataValidation(
                type=kind, operator="greaterThanOrEqual", formula1=str(lo), allow_blank=True
            )
            dv.error = f"{name}: a number of at least {lo}{unit}"
        elif hi is not None:
            dv = DataValidation(
                type=kind, operator="lessThanOrEqual", formula1=str(hi), allow_blank=True
            )
            dv.error = f"{name}: a number of at most {hi}{unit}"
        else:
            dv = DataValidation(
                type=kind, operator="between", formula1="-1E9", formula2="1E9", allow_blank=True
            )
            dv.error = f"{name}: a {'whole ' if kind == 'whole' else ''}number{unit}"
    elif field["type"] == "date":
        # Excel serial dates 1 (1900-01-01) to 109574 (2199-12-31)
        dv = DataValidation(
            type="date", operator="between", formula1="1", formula2="109574", allow_blank=True
        )
        dv.error = f"{name}: a date"
    elif "maxLength" in cons:
        dv = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(cons["maxLength"]),
            allow_blank=True,
        )
        dv.error = f"{name}: at most {cons['maxLength']} characters"
    else:
        return None
    dv.error = _clip(dv.error, MAX_PROMPT)
    dv.showErrorMessage = True
    dv.errorTitle = "mbpack"
    dv.showInputMessage = True
    dv.promptTitle = _clip(name, MAX_TITLE)
    dv.prompt = _clip(_comment(field), MAX_PROMPT)
    return dv


def _comment(field: dict[str, Any]) -> str:
    """Description, unit, required and pattern of a field, as one sentence each."""
    cons = field.get("constraints", {})
    text = field["description"]
    if field.get("unit") and field["unit"] != "1":
        text += f" Unit: {field['unit']}."
    if cons.get("required"):
        text += " Required."
    if "pattern" in cons:
        text += f" Pattern: {cons['pattern']}"
    if "default" in field:
        text += f" Blank means {field['default']}."
    return text


def write_template(
    path: str | os.PathLike[str],
    examples: Mapping[str, Mapping[str, Any]] | None = None,
    lang: str = "en",
) -> Path:
    """Write the blank observation workbook to ``path``, atomically.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write; it appears whole or not at all.
    examples
        One example row per table sheet, shown on the instructions sheet
        (:func:`mbpack.example.example_rows` gives the bundled example's).
    lang
        ``en``, ``zh`` or ``both`` (:data:`LANGUAGES`): the language of the headers, the
        key-value field names and the instructions (see :func:`label`); comments and
        descriptions stay in English.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    mbpack.errors.MbpackError
        When a schema's enumeration cannot be an Excel drop-down list, or ``lang`` is unknown.
    """
    if lang not in LANGUAGES:
        raise MbpackError(f"template language {lang!r}: one of {', '.join(LANGUAGES)}")
    from openpyxl import Workbook as XLWorkbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = XLWorkbook()
    guide = book.worksheets[0]
    guide.title = INSTRUCTIONS
    bold = Font(bold=True)
    intro = {"en": _intro(), "zh": _intro_zh(), "both": [*_intro_zh(), *_intro()]}[lang]
    # rows are counted here, not looked up with max_row (a scan of every cell: quadratic)
    guide_rows = 0

    def add(row: list[Any]) -> None:
        nonlocal guide_rows
        guide.append(row)
        guide_rows += 1

    for line in intro:
        add([line])
    add([])
    examples = examples or {}
    for sheet in schema.SHEETS:
        desc = schema.load_schema(sheet)
        add([sheet, desc["description"]])
        guide.cell(guide_rows, 1).font = bold
        if sheet in schema.KEY_VALUE_SHEETS:
            add(["", "one field per row: fill the value column (unit and description are for you)"])
            for f in desc["fields"]:
                add(["", label(sheet, f, lang), f["description"]])
        else:
            add(["", "columns:", *[label(sheet, f, lang) for f in desc["fields"]]])
            if sheet in examples:
                row = examples[sheet]
                add(["", "example:", *[_shown(row.get(f["name"])) for f in desc["fields"]]])
        add([])
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 60
    guide.freeze_panes = "A2"
    for sheet in schema.SHEETS:
        ws = book.create_sheet(sheet)
        fields = schema.fields(sheet)
        if sheet in schema.KEY_VALUE_SHEETS:
            ws.append({"en": ["field", "value", "unit", "description"],
                       "zh": ["字段", "值", "单位", "description"],
                       "both": ["字段 field", "值 value", "单位 unit", "description"]}[lang])  # fmt: skip
            for r, f in enumerate(fields, start=2):
                name = f["name"] if lang == "en" else label(sheet, {**f, "unit": None}, lang)
                ws.append([name, None, f.get("unit"), f["description"]])
                dv = _validation(sheet, f)
                if dv is not None:
                    ws.add_data_validation(dv)
                    dv.add(f"B{r}")
                if f["type"] == "date":
                    ws.cell(r, 2).number_format = "yyyy-mm-dd"
            ws["B1"].comment = Comment(
                "Fill this column; one value per field. Units are in column C.", "mbpack"
            )
            for col, width in zip("ABCD", (24, 40, 10, 90), strict=True):
                ws.column_dimensions[col].width = width
        else:
            ws.append([label(sheet, f, lang) for f in fields])
            for i, f in enumerate(fields, start=1):
                cell = ws.cell(1, i)
                cell.comment = Comment(_comment(f), "mbpack")
                letter = get_column_letter(i)
                ws.column_dimensions[letter].width = max(12, len(str(cell.value)) + 2)
                dv = _validation(sheet, f)
                if dv is not None:
                    ws.add_data_validation(dv)
                    dv.add(f"{letter}2:{letter}{LAST_ROW}")
                if f["type"] == "date":
                    for r in range(2, DATE_FORMAT_ROWS + 2):
                        ws.cell(r, i).number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = bold
    target = Path(path)
    with atomic_file(target) as tmp:
        book.save(tmp)
    return target

"""Write canonical tables to an ``.xlsx`` observation workbook."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mbpack.atomic import atomic_file
from mbpack.workbook import schema
from mbpack.workbook.model import Workbook, header_text


def _excel_value(value: Any) -> Any:
    """A DataFrame value as an openpyxl cell value."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date()
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value


def _append(ws: Any, values: list[Any]) -> None:
    """Append a row; text that looks like a formula stays text (never run by a spreadsheet)."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def write_workbook(
    tables: Workbook | Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    sheets: tuple[str, ...] | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write canonical tables to an ``.xlsx`` observation workbook, atomically.

    Parameters
    ----------
    tables
        A :class:`Workbook` or anything :meth:`Workbook.from_tables` takes.
    path
        Where to write; the file appears whole or not at all.
    sheets
        Sheets to write (default: every sheet that has rows, plus
        ``glacier``).
    inputs
        Files the tables were read from: writing over one of them is refused.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    from openpyxl import Workbook as XLWorkbook

    wb_tables = tables if isinstance(tables, Workbook) else Workbook.from_tables(tables)
    if sheets is None:
        sheets = tuple(
            s for s in schema.SHEETS if s in schema.REQUIRED_SHEETS or not wb_tables.tables[s].empty
        )
    book = XLWorkbook()
    book.remove(book.worksheets[0])
    for sheet in sheets:
        ws = book.create_sheet(sheet)
        frame = wb_tables.tables[sheet]
        if sheet in schema.KEY_VALUE_SHEETS:
            ws.append(["field", "value", "unit", "description"])
            record = wb_tables.record(sheet)
            for f in schema.fields(sheet):
                _append(
                    ws,
                    [
                        f["name"],
                        _excel_value(record.get(f["name"])),
                        f.get("unit"),
                        f.get("description"),
                    ],
                )
            for extra in frame.columns:
                if extra not in record or extra in schema.field_names(sheet):
                    continue
                _append(ws, [extra, _excel_value(record[extra]), None, None])
        else:
            ws.append([header_text(sheet, c) for c in frame.columns])
            for row in frame.itertuples(index=False, name=None):
                _append(ws, [_excel_value(v) for v in row])
            for cell in ws[1]:
                if cell.column is not None:
                    for data_cell in ws.iter_rows(
                        min_row=2, min_col=cell.column, max_col=cell.column
                    ):
                        if isinstance(data_cell[0].value, date):
                            data_cell[0].number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    target = Path(path)
    with atomic_file(target, inputs=inputs) as tmp:
        book.save(tmp)
    return target

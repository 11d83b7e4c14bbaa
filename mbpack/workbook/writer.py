"""Write canonical tables to an ``.xlsx`` observation workbook.

openpyxl's write-only mode streams each row to the file as it is appended,
so writing takes time linear in the number of cells.  Columns are turned
into cell values column by column (not cell by cell) and only the cells
that need it become :class:`openpyxl.cell.WriteOnlyCell` objects: dates
(with the ``yyyy-mm-dd`` format) and text that starts with ``=`` — given
the text type before it is written, so that a spreadsheet shows it and
never runs it as a formula.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell

from mbpack.atomic import atomic_file
from mbpack.workbook import schema
from mbpack.workbook.model import Workbook, header_text

#: Number format of date cells.
DATE_FORMAT = "yyyy-mm-dd"


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


def _cell(ws: Any, value: Any) -> Any:
    """``value`` ready for a write-only row: a typed cell for dates and formula-like text.

    Text that openpyxl would take for a formula (``"=…"``) gets the string
    type on the cell itself, before the row is written.
    """
    if isinstance(value, str):
        if len(value) > 1 and value[0] == "=":
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"
            return cell
        return value
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value)  # type: ignore[arg-type]  # openpyxl takes dates
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _column(ws: Any, series: Any) -> list[Any]:
    """One column's cell values, converted column-wise by dtype."""
    import pandas as pd

    kind = series.dtype.kind
    if kind in "fiub":
        values: list[Any] = series.astype(object).where(series.notna(), None).tolist()
        return values
    if kind == "M":
        stamps = pd.DatetimeIndex(series)
        if stamps.tz is not None:
            stamps = stamps.tz_localize(None)
        missing = stamps.isna()
        midnight = stamps.normalize() == stamps
        return [
            None if gone else _cell(ws, d.date() if whole else d)
            for d, gone, whole in zip(stamps.to_pydatetime(), missing, midnight, strict=True)
        ]
    return [_cell(ws, _excel_value(v)) for v in series.tolist()]


def _table_rows(ws: Any, frame: Any) -> Iterable[list[Any]]:
    """The data rows of a table sheet, columns converted once each."""
    columns = [_column(ws, frame.iloc[:, i]) for i in range(frame.shape[1])]
    for row in zip(*columns, strict=True):
        yield list(row)


def _fill(book: Any, wb_tables: Workbook, sheets: tuple[str, ...]) -> None:
    """Stream every sheet's rows into the write-only ``book``."""
    for sheet in sheets:
        ws = book.create_sheet(sheet)
        ws.freeze_panes = "A2"
        frame = wb_tables.tables[sheet]
        if sheet in schema.KEY_VALUE_SHEETS:
            ws.append(["field", "value", "unit", "description"])
            record = wb_tables.record(sheet)
            for f in schema.fields(sheet):
                value = _cell(ws, _excel_value(record.get(f["name"])))
                ws.append([f["name"], value, f.get("unit"), f.get("description")])
            for extra in frame.columns:
                if extra not in record or extra in schema.field_names(sheet):
                    continue
                ws.append([_cell(ws, extra), _cell(ws, _excel_value(record[extra])), None, None])
        else:
            ws.append([_cell(ws, header_text(sheet, c)) for c in frame.columns])
            for row in _table_rows(ws, frame):
                ws.append(row)


def _discard(book: Any) -> None:
    """Close the half-written sheets of a write-only ``book`` and remove their temporary files."""
    for ws in book.worksheets:
        writer = getattr(ws, "_writer", None)
        with contextlib.suppress(Exception):  # best effort: the error being raised matters
            ws.close()
        out = getattr(writer, "out", None)
        if isinstance(out, str):
            Path(out).unlink(missing_ok=True)


def write_workbook(
    tables: Workbook | Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    sheets: tuple[str, ...] | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write canonical tables to an ``.xlsx`` observation workbook, atomically.

    Time and memory are linear in the number of cells (openpyxl write-only
    mode: rows go to the file as they are made).

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
    target = Path(path)
    with atomic_file(target, inputs=inputs) as tmp:  # refuses an input before any row is made
        book = XLWorkbook(write_only=True)
        try:
            _fill(book, wb_tables, sheets)
        except BaseException:
            _discard(book)
            raise
        book.save(tmp)
    return target

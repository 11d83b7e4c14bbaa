"""The observation workbook: one glacier, many balance years, one sheet per table.

:func:`read_workbook` reads an ``.xlsx`` file into canonical tables (column
names, units and types of ``schemas/*.json``), recording every problem of
the file and its cells in a :class:`~mbpack.report.Report`;
:func:`write_workbook` writes canonical tables back to ``.xlsx``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbpack import schema

if TYPE_CHECKING:
    import pandas as pd

    from mbpack.report import Report

#: pandas dtype of each Table Schema type.
DTYPES: dict[str, str] = {
    "string": "str",
    "integer": "Int64",
    "number": "float64",
    "boolean": "boolean",
    "date": "datetime64[ns]",
}


@dataclass
class Workbook:
    """Canonical tables of one observation workbook.

    Attributes
    ----------
    tables
        One DataFrame per sheet of :data:`mbpack.schema.SHEETS`, with the
        schema's columns (and any unknown columns kept at the end).  A sheet
        missing from the file is an empty frame.  Key-value sheets
        (``glacier``, ``dataset``) are one-row frames.
    path
        The file read, if any.
    present
        Names of the sheets the file had.
    excel_rows
        For a table, the Excel row of every DataFrame row; for a key-value
        sheet, the Excel row of every field.
    excel_columns
        For a table, the 1-based Excel column of every canonical column;
        for a key-value sheet, the value column under the key ``"value"``.
    sheet_names
        The name each sheet has in the file (an alias such as 花杆 or readings).
    """

    tables: dict[str, pd.DataFrame]
    path: Path | None = None
    present: set[str] = field(default_factory=set)
    excel_rows: dict[str, Any] = field(default_factory=dict)
    excel_columns: dict[str, dict[str, int]] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)

    def sheet_name(self, sheet: str) -> str:
        """The name a sheet has in the file (it may be an alias such as 花杆)."""
        return self.sheet_names.get(sheet, sheet)

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.tables[sheet]

    def record(self, sheet: str) -> dict[str, Any]:
        """A key-value sheet as a dict of field to value (``None`` when blank)."""
        frame = self.tables[sheet]
        if frame.empty:
            return {name: None for name in frame.columns}
        row = frame.iloc[0]
        return {name: _scalar(row[name]) for name in frame.columns}

    def locate(self, sheet: str, index: Any, column: str | None) -> tuple[int | None, int | None]:
        """Excel (row, column) of a value: ``index`` is the DataFrame index label.

        For key-value sheets the field name is the column and ``index`` is
        ignored.  Either part is ``None`` where unknown (e.g. tables made in
        code, not read from a file).
        """
        rows = self.excel_rows.get(sheet)
        columns = self.excel_columns.get(sheet, {})
        if sheet in schema.KEY_VALUE_SHEETS:
            row = rows.get(column) if isinstance(rows, dict) and column else None
            return row, columns.get("value")
        row_number: int | None = None
        if rows is not None:
            try:
                row_number = int(rows[int(index)])
            except (IndexError, TypeError, ValueError, KeyError):
                row_number = None
        return row_number, columns.get(column) if column else None

    @classmethod
    def from_tables(cls, tables: Mapping[str, Any], path: Path | None = None) -> Workbook:
        """Build a workbook from tables made in code.

        ``tables`` maps sheet names to DataFrames, lists of row dicts, or
        (for key-value sheets) a dict of field to value.  Columns are put in
        schema order with canonical dtypes; missing sheets become empty.
        Values are assumed to be in canonical units.
        """
        import pandas as pd

        frames: dict[str, pd.DataFrame] = {}
        for sheet in schema.SHEETS:
            data = tables.get(sheet)
            if data is None:
                frame = pd.DataFrame()
            elif isinstance(data, pd.DataFrame):
                frame = data.reset_index(drop=True).copy()
            elif isinstance(data, Mapping):
                frame = pd.DataFrame([dict(data)])
            else:
                frame = pd.DataFrame(list(data))
            frames[sheet] = conform(sheet, frame)
        return cls(tables=frames, path=path, present={s for s in schema.SHEETS if s in tables})


def _scalar(value: Any) -> Any:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def conform(sheet: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame the schema's columns in order and canonical dtypes.

    Missing columns are added empty; unknown columns are kept after the
    schema's.  Values must already be convertible (this is for frames made
    in code; the reader converts cell by cell and reports failures).
    """
    import pandas as pd

    names = schema.field_names(sheet)
    out = pd.DataFrame(index=frame.index)
    for f in schema.fields(sheet):
        name, kind = f["name"], f["type"]
        if name in frame.columns:
            col = frame[name]
        else:
            col = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        if kind == "date":
            col = pd.to_datetime(col).dt.normalize()
        elif kind == "number" or kind == "integer":
            col = pd.to_numeric(col)
        elif kind == "string":
            col = col.map(
                lambda v: v if v is None or isinstance(v, str) else (None if pd.isna(v) else str(v))
            )
        out[name] = col.astype(DTYPES[kind])
        if "default" in f and len(out):
            out[name] = out[name].fillna(f["default"])
    for extra in frame.columns:
        if extra not in names:
            out[extra] = frame[extra]
    return out.reset_index(drop=True)


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


def header_text(sheet: str, column: str) -> str:
    """Header written for a column: its name and its unit, ``exposure (m)``."""
    try:
        unit = schema.field(sheet, column).get("unit")
    except KeyError:
        unit = None
    return f"{column} ({unit})" if unit and unit != "1" else column


def write_workbook(
    tables: Workbook | Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    sheets: tuple[str, ...] | None = None,
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
    from mbpack.atomic import atomic_file

    target = Path(path)
    with atomic_file(target) as tmp:
        book.save(tmp)
    return target


def read_workbook(path: str | os.PathLike[str], report: Report | None = None) -> Workbook:
    """Read an observation workbook into canonical tables.

    Every problem of the file and of its cells is added to ``report``
    (created when not given; available as ``workbook.report``); values
    that cannot be read become missing, so no row is dropped.

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        When the file cannot be read as a workbook at all (not xlsx,
        corrupt, encrypted, too large).
    """
    from mbpack.reader import read

    return read(Path(path), report)

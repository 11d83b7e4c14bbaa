"""The observation workbook model: one glacier, many balance years, one table per sheet.

A :class:`Workbook` holds canonical tables (column names, units and types of
``schemas/*.json``) and where each value sat in the file.
:func:`mbpack.workbook.reader.read_workbook` makes one from an ``.xlsx``
file; :func:`mbpack.workbook.writer.write_workbook` writes one back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbpack.workbook import schema

if TYPE_CHECKING:
    import pandas as pd

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
        One DataFrame per sheet of :data:`mbpack.workbook.schema.SHEETS`, with the
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
        return {name: scalar(row[name]) for name in frame.columns}

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


def scalar(value: Any) -> Any:
    """A cell of a typed table as a plain Python value: None for missing, dates as ``date``."""
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


def header_text(sheet: str, column: str) -> str:
    """Header written for a column: its name and its unit, ``exposure (m)``."""
    try:
        unit = schema.field(sheet, column).get("unit")
    except KeyError:
        unit = None
    return f"{column} ({unit})" if unit and unit != "1" else column

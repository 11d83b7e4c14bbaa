"""The validation report: every problem found, addressed by cell.

An :class:`Issue` names the sheet, the Excel row, the column, the A1 cell
reference and the offending value; a :class:`Report` collects all of them
(validation is lazy: everything is reported in one run) together with how
many rows each sheet had, so that every input row is accounted for.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from mbpack.codes import CODES, UnknownCode

Severity = Literal["error", "warning"]


def column_letter(index: int) -> str:
    """Excel column letters of a 1-based column index.

    >>> column_letter(1), column_letter(26), column_letter(28)
    ('A', 'Z', 'AB')
    """
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(sheet: str, row: int | None, column: int | None) -> str | None:
    """A1 reference such as ``stake_readings!D17`` (``None`` without a row)."""
    if row is None:
        return None
    if column is None:
        return f"{sheet}!{row}:{row}"
    return f"{sheet}!{column_letter(column)}{row}"


def plain(value: Any) -> Any:
    """A JSON-friendly version of a cell value (dates as ISO text, NaN as None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if value != value:  # NaN, NaT, NA
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy and pandas scalars
        try:
            return plain(value.item())
        except (ValueError, AttributeError):
            pass
    if isinstance(value, (str, int, float, bool)):
        return value
    text = str(value)
    return None if text in {"NaT", "<NA>", "nan"} else text


def shown(value: Any) -> Any:
    """A cell value as a message shows it: plain (:func:`plain`), 3560.0 as 3560, 0.30000000000000004 as 0.3,
    1e308 as 1e+308 (not its 309 digits).

    >>> shown(3560.0), shown(0.1 + 0.2), shown("B9"), shown(1e308)
    (3560, 0.3, 'B9', 1e+308)
    """
    value = plain(value)
    if isinstance(value, float) and math.isfinite(value):
        integral = value.is_integer() and abs(value) < 1e15
        return int(value) if integral else float(f"{value:.10g}")
    return value


@dataclass(frozen=True)
class Issue:
    """One problem, addressed by file, sheet and cell.

    Attributes
    ----------
    code
        Machine-readable reason (``type-error``, ``unknown-stake`` ...).
    severity
        ``error`` blocks archiving; ``warning`` is a plausibility note.
    message
        Names the value and what was expected.
    sheet, row, column, cell, value
        Where: sheet name, 1-based Excel row, column header, A1 reference
        (``stake_readings!D17``), offending value.
    """

    code: str
    severity: Severity
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    value: Any = None
    file: str | None = None
    line: int | None = None
    wgms_id: int | None = None
    glacier_name: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            warnings.warn(f"issue code {self.code!r} is not in mbpack.codes.CODES", UnknownCode,
                          stacklevel=3)  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = plain(self.value)
        extra = {k: d[k] for k in ("line", "wgms_id", "glacier_name", "year") if d[k] is not None}
        return {
            k: d[k]
            for k in (
                "code",
                "severity",
                "sheet",
                "row",
                "column",
                "cell",
                "value",
                "message",
                "file",
            )
        } | extra


@dataclass
class SheetSummary:
    """How many rows a sheet had and what became of them."""

    rows: int = 0
    blank_rows: int = 0
    rows_with_errors: int = 0
    present: bool = True


@dataclass
class Report:
    """Every issue of one validation run, and the rows each sheet had."""

    file: str | None = None
    issues: list[Issue] = field(default_factory=list)
    sheets: dict[str, SheetSummary] = field(default_factory=dict)
    #: Read through a station mapping: per source sheet, its non-empty cells and how many
    #: were read, ignored by the mapping, or reported (:mod:`mbpack.formats.station`).
    cells: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: list[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def sorted_issues(self) -> list[Issue]:
        order = {"error": 0, "warning": 1}
        return sorted(
            self.issues,
            key=lambda i: (i.sheet or "", i.row or 0, i.column or "", order[i.severity], i.code),
        )

    def as_dict(self) -> dict[str, Any]:
        for name, summary in self.sheets.items():
            rows = {
                i.row for i in self.issues if i.sheet == name and i.severity == "error" and i.row
            }
            summary.rows_with_errors = len(rows)
        return {
            "file": self.file,
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "sheets": {k: asdict(v) for k, v in self.sheets.items()},
            **({"cells": self.cells} if self.cells else {}),
            **(
                {"summary": self.summary()}
                if any(i.wgms_id is not None or i.line for i in self.issues)
                else {}
            ),
            "issues": [i.as_dict() for i in self.sorted_issues()],
        }

    def summary(self) -> dict[str, Any]:
        """Counts by check (severity and code) and by glacier (errors, warnings)."""
        by_check: Counter[str] = Counter(f"{i.severity}:{i.code}" for i in self.issues)
        by_glacier: dict[str, dict[str, int]] = {}
        for i in self.issues:
            key = (
                f"{i.wgms_id if i.wgms_id is not None else ''} {i.glacier_name or ''}".strip()
                or "(file)"
            )
            counts = by_glacier.setdefault(key, {"errors": 0, "warnings": 0})
            counts["errors" if i.severity == "error" else "warnings"] += 1
        return {
            "by_check": dict(sorted(by_check.items())),
            "by_glacier": dict(sorted(by_glacier.items())),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

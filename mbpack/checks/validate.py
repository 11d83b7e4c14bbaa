"""Validate an observation workbook: every fault, by cell, in one run.

Two engines check one contract.  The reader (:mod:`mbpack.workbook.reader`) types
every cell as ``schemas/*.json`` says and reports cells it cannot read;
Pandera schemas derived from the same Table Schemas (:mod:`mbpack.checks.rules`)
then check constraints, keys and the cross-field and cross-table rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mbpack.issues import Issue, Report, cell_ref, shown
from mbpack.workbook import schema
from mbpack.workbook.model import Workbook


def validate(source: str | os.PathLike[str] | Workbook, *, report: Report | None = None) -> Report:
    """Validate a workbook file (or tables already read) and return the report.

    Parameters
    ----------
    source
        Path of an ``.xlsx`` observation workbook, or a :class:`Workbook`.
    report
        Report to add to (a new one by default).

    Returns
    -------
    Report
        Every issue found; ``report.valid`` is False when any is an error.

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        When the file cannot be read as a workbook at all.
    """
    if isinstance(source, Workbook):
        workbook = source
        report = (
            report if report is not None else Report(file=str(source.path) if source.path else None)
        )
    else:
        from mbpack.workbook.reader import read

        report = report if report is not None else Report(file=str(source))
        workbook = read(Path(source), report)
    check_workbook(workbook, report)
    return report


#: Reader codes for cells whose value could not be read (not also reported as missing).
UNREADABLE_CELL = frozenset({"type-error", "formula-without-value", "error-cell", "date-out-of-range",
                             "ambiguous-number"})  # fmt: skip


def check_workbook(workbook: Workbook, report: Report) -> None:
    """Run the Pandera schemas of every sheet that has rows; add what fails to ``report``.

    Parameters
    ----------
    workbook
        The workbook, its tables typed by the reader.
    report
        The report the issues are added to. Cells it already holds as
        unreadable (``type-error``, ``formula-without-value``) are not
        reported again as missing values.

    Notes
    -----
    Sheets without rows, and key-value sheets with nothing typed in but
    defaults, are skipped: an empty sheet is well formed. Each other sheet
    is validated lazily (every failure, not only the first) against
    :func:`mbpack.checks.rules.pandera_schema`, and each failure becomes
    one issue addressed to its cell.
    """
    _check_sheets_present(workbook, report)
    import pandera.pandas as pa

    from mbpack.checks.rules import Context, pandera_schema

    ctx = Context(workbook)
    unreadable = {i.cell for i in report.issues if i.code in UNREADABLE_CELL}
    for sheet in schema.SHEETS:
        frame = workbook.tables[sheet]
        if frame.empty or (sheet in schema.KEY_VALUE_SHEETS and not _entered(sheet, frame)):
            continue  # nothing entered yet: an empty sheet is well formed
        dfschema, info = pandera_schema(sheet, ctx)
        try:
            dfschema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            report.extend(_issues(sheet, frame, exc.failure_cases, info, workbook, ctx, unreadable))


def _entered(sheet: str, frame: Any) -> bool:
    """Whether a key-value sheet has any value typed in (defaults do not count)."""
    typed = [f["name"] for f in schema.fields(sheet) if "default" not in f]
    extra = [c for c in frame.columns if c not in schema.field_names(sheet)]
    return bool(frame[typed + extra].notna().any().any())


def _issues(
    sheet: str,
    frame: Any,
    failures: Any,
    info: dict[str, Any],
    workbook: Workbook,
    ctx: Any,
    unreadable: set[str | None],
) -> list[Issue]:
    from mbpack.checks.rules import message_fields

    name = workbook.sheet_name(sheet)
    pk = schema.load_schema(sheet).get("primaryKey") or []
    out: list[Issue] = []
    seen: set[tuple[str, Any]] = set()
    for check, column, value, index in zip(
        failures["check"],
        failures["column"],
        failures["failure_case"],
        failures["index"],
        strict=True,
    ):
        if check == "not_nullable":
            meta = info.get(f"{sheet}:{column}:missing-value:") or _find(
                info, column, "missing-value"
            )
        elif check in ("multiple_fields_uniqueness", "field_uniqueness"):
            meta = _find(info, None, "duplicate-key")
            column = pk[0] if pk else column
        else:
            meta = info.get(str(check))
        if meta is None or index is None or (isinstance(index, float) and index != index):
            if check in ("column_in_dataframe", "dataframe_column_labels_unique"):
                continue
            out.append(
                Issue("check-failed", "error", f"{check}: {value}", sheet=name, column=column)
            )
            continue
        target = meta.column or column
        dedupe = (str(check) if meta.rule else f"{check}:{target}", index)
        if dedupe in seen:
            continue
        seen.add(dedupe)
        row, col = workbook.locate(sheet, index, target)
        if row and cell_ref(name, row, col) in unreadable:
            continue  # the cell had a value that could not be read: reported once, as that
        if meta.rule is not None:
            fields = message_fields(meta.rule, frame, index, ctx)
            message = meta.rule.message.format(**fields)
            cell_value = fields["value"]
        elif meta.code == "duplicate-key":
            key = tuple(frame.at[index, k] for k in pk)
            from mbpack.issues import plain

            cell_value = plain(frame.at[index, target])
            message = meta.describe(
                ", ".join(f"{k}={plain(v)}" for k, v in zip(pk, key, strict=True))
            )
        elif meta.code == "missing-value":
            cell_value = None
            message = meta.describe(None)
            if sheet in schema.KEY_VALUE_SHEETS and row is None:
                message = f"field {target!r} is required; add a row {target!r} with its value to the {name} sheet"
        else:
            cell_value = value
            message = meta.describe(shown(value))
        out.append(
            Issue(
                meta.code,
                meta.severity,
                message,
                sheet=name,
                row=row,
                column=target,
                cell=cell_ref(name, row, col) if row else None,
                value=cell_value,
            )
        )
    return out


def _find(info: dict[str, Any], column: str | None, code: str) -> Any:
    for meta in info.values():
        if meta.code == code and meta.column == column:
            return meta
    return None


#: Sheets whose rows are of no use without another sheet's: (sheet, needs, why).
NEEDED = (
    ("stakes", "stake_readings", "stakes without readings give no point balance"),
    ("stake_readings", "stakes", "readings need their stakes"),
)


def _check_sheets_present(workbook: Workbook, report: Report) -> None:
    """A sheet with rows whose companion sheet is missing or empty is reported once."""
    for sheet, needs, why in NEEDED:
        if not workbook[sheet].empty and workbook[needs].empty:
            report.add(Issue("missing-sheet", "warning",
                             f"the {workbook.sheet_name(sheet)!r} sheet has "
                             f"{len(workbook[sheet])} rows but there is no {needs!r} sheet, or "
                             f"it is empty: {why}", sheet=needs))  # fmt: skip

"""Validating a station's field workbook read through its mapping (:mod:`mbpack.formats.station`).

The canonical tables made by the mapping are checked by the same Pandera schemas and rules
as a canonical workbook (:func:`mbpack.checks.validate.check_workbook`); each issue is then
traced back to the source cell the value came from.
"""

from __future__ import annotations

import os

from mbpack.checks.validate import UNREADABLE_CELL, check_workbook
from mbpack.formats.station import read_station, station_tables, station_workbook, trace_issue
from mbpack.issues import Issue, Report, SheetSummary, cell_ref
from mbpack.workbook import schema


def validate_station(source: str | os.PathLike[str], mapping: str | os.PathLike[str]) -> Report:
    """Read a field workbook through its mapping and validate it; every issue names the source
    cell as the station wrote it (``Stakes 2018!D21``), a metadata cell, or a mapping line.

    Parameters
    ----------
    source
        The field workbook (``.xlsx``, ``.xls``, ``.ods``).
    mapping
        The mapping file.

    Returns
    -------
    mbpack.issues.Report
        The reading's issues and the checks' (:func:`mbpack.checks.validate.check_workbook`),
        the rows of each canonical table, and the cell accounting per source sheet.
    """
    data = read_station(source, mapping)
    wb = station_workbook(data)
    report = data.report
    # cells the reading could not take are not reported again as missing by the checks
    scratch = Report(file=str(source))
    for table, origins in data.origins.items():
        names = list(wb.tables[table].columns)
        for idx, row in enumerate(origins):
            for fname, origin in row.items():
                if origin.cell and any(
                    i.cell == origin.cell and i.code in UNREADABLE_CELL for i in report.issues
                ):
                    scratch.add(
                        Issue(
                            "type-error",
                            "error",
                            "",
                            cell=cell_ref(table, idx + 2, names.index(fname) + 1),
                        )
                    )
    placeholders = len(scratch.issues)
    check_workbook(wb, scratch)
    for issue in scratch.issues[placeholders:]:
        report.add(trace_issue(data, issue, wb))
    for table in schema.SHEETS:
        if data.tables.get(table):
            report.sheets[table] = SheetSummary(rows=len(data.tables[table]))
    if "glacier" not in station_tables(data):
        report.add(Issue("missing-sheet", "error",
                         "no glacier metadata: the field workbook has none and the mapping names no "
                         "metadata file; add metadata = \"station-metadata.xlsx\" (a workbook with a "
                         "glacier sheet, or a TOML file with a [glacier] table) to the mapping",
                         sheet="glacier", file=str(data.mapping.path), line=1))  # fmt: skip
    return report

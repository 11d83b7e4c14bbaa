"""Every issue code mbpack reports, for workbooks, station workbooks, computation and WGMS FoG
releases: one set of codes, each with what it means.

An :class:`~mbpack.issues.Issue` whose code is not here is a programming error: it warns
with :class:`UnknownCode` (the test suite turns that warning into a failure, so a new check
cannot add a code without describing it).  ``docs/rules.md`` lists them all
(``python -m mbpack.docs``).
"""

from __future__ import annotations

import enum

#: Issue code → what it means.  Grouped by where it arises; one code may arise in several
#: places (``date-order`` in a workbook and in a FoG table) with one meaning.
CODES: dict[str, str] = {
    # files, sheets and parts
    "unreadable-file": "the file cannot be read at all (not a workbook, broken, too large)",
    "unreadable-sheet": "a sheet cannot be read, neither fast nor cell by cell",
    "sheet-read-cell-by-cell": "the fast reader refused a sheet; it was read cell by cell from its XML",
    "unscanned-sheet": "a sheet's XML could not be scanned for formulas and error cells",
    "repaired-part": "a part of the workbook was repaired before reading (UTF-16 XML, a false shared-string count)",
    "unknown-sheet": "a sheet mbpack does not know; not read",
    "duplicate-sheet": "two sheets stand for the same workbook sheet",
    "missing-sheet": "a required sheet is absent",
    "empty-sheet": "a sheet has no header row",
    "duplicate-row": "a row number stands twice in the sheet XML",
    "merged-cells": "merged cells were filled with the merged value",
    # headers and columns
    "unknown-column": "a column mbpack does not know; kept as a remark or ignored",
    "duplicate-column": "two columns stand for the same field",
    "missing-column": "a required column is absent",
    "unknown-unit": "a unit in a header that mbpack cannot convert",
    "unknown-field": "a row of a key-value sheet names a field mbpack does not know",
    "duplicate-field": "a field of a key-value sheet stands twice",
    "missing-field-name": "a value in a key-value sheet has no field name",
    "value-without-header": "a value stands in a column without a header",
    # cells
    "type-error": "a value is not of its field's type; the cell is dropped",
    "missing-value": "a required value is empty",
    "out-of-range": "a value lies outside its field's range",
    "not-in-enum": "a value is not one of its field's allowed values",
    "pattern": "a value does not match its field's pattern (DOI, ORCID, code)",
    "too-long": "a text is longer than its field allows",
    "duplicate-key": "a primary key stands twice",
    "error-cell": "a spreadsheet error value (#N/A, #REF!, #DIV/0! ...) instead of a value",
    "formula-without-value": "a formula whose value was never computed (save the file in a spreadsheet)",
    "number-as-text": "a number stored as text was read as a number",
    "ambiguous-number": "a number such as 1,530 (decimal comma or thousands separator?); not read",
    "date-as-text": "a date written as text was read as a date",
    "date-as-serial": "a spreadsheet date serial was read as a date",
    "date-as-number": "a number such as 20150431 was read as a date YYYYMMDD",
    "date-out-of-range": "a date outside the plausible range (1800 to next year)",
    "stray-spaces": "spaces around a text were removed",
    "percent-converted": "a fraction was read as a percentage, or the reverse",
    # workbook rules (docs/rules.md lists each rule)
    "date-order": "dates in the wrong order (begin, end of winter, end; a point's period)",
    "year-mismatch": "the balance year is not the calendar year it ends in",
    "period-length": "a balance year, winter or point period of implausible length",
    "years-overlap": "balance years overlap",
    "period-order": "a point balance's period ends before it begins",
    "elevation-outside": "a point lies outside the glacier's elevation range",
    "position-far": "a point lies far from the glacier's latitude and longitude",
    "off-glacier": "a point lies off the glacier's surface grid",
    "missing-position": "a stake has neither x/y nor latitude/longitude",
    "unknown-stake": "a reading names a stake that is not in the stakes sheet",
    "reading-outside-years": "a reading falls outside every balance year",
    "unchained-redrill": "a re-drill or extension without the exposure before and after",
    "missing-reading": "a reading with neither exposure nor snow depth",
    "reading-after-lost": "a reading after the stake was lost",
    "implausible-change": "an exposure change too large for the interval",
    "buried-without-snow": "a buried stake (negative exposure) without a snow depth",
    "new-exposure-without-event": "a new exposure on a row that is neither a re-drill nor an extension",
    "layer-order": "a pit layer whose bottom is not below its top",
    "layer-overlap": "pit layers overlap",
    "layer-gap": "pit layers leave a gap",
    "snow-density-high": "a snow density above the plausible limit",
    "pit-inconsistent": "the rows of one pit give different positions or elevations",
    "band-order": "a band whose upper elevation is not above its lower",
    "band-gap": "elevation bands do not meet",
    "band-overlap": "elevation bands overlap",
    "area-mismatch": "band areas do not sum to the glacier area",
    "no-area": "the bands of a survey year sum to no area",
    "grid-spacing": "a surface grid one cell across or along: no measurable cell size",
    "unsafe-path": "a surfaces path that leaves the workbook's folder, is a URL or not a regular file",
    "balance-sum": "B_a is not B_w + B_s",
    "winter-negative": "a negative winter balance",
    "summer-positive": "a positive summer balance",
    "ela-outside": "the ELA lies outside the glacier's elevation range",
    "code-period": "a point's balance code disagrees with the length of its period",
    "check-failed": "a schema check failed in a way mbpack cannot place at a cell",
    # station workbooks through a mapping
    "unmapped-sheet": "a sheet of the field workbook the mapping does not read",
    "unmapped-column": "a column of a mapped block the mapping does not read",
    "unmapped-cell": "a non-empty cell outside every mapped block",
    "date-differs": "a block's date differs from the balance year's date",
    "density-mismatch": "a pit density differs from its sample weight and volume",
    # computation
    "not-computed": "a glacier-wide balance could not be computed for a year (the reason is given)",
    "hypsometry-mismatch": "the hypsometry and the surface grid give different areas",
    "zero-area-band": "a band of zero area (and no balance) was left out",
    "stake-lost": "a stake was lost; its later balance periods are not computed",
    "broken-chain": "a stake's readings do not chain (a re-drill without the exposure after)",
    "no-annual-reading": "a stake has no reading at the start or the end of a balance year",
    "pit-gap": "gaps between a pit's sampled layers were filled with the neighbours' density",
    "pit-short": "a winter pit ended in snow where a stake or probe beside it measured more snow",
    "pit-no-snow": "a pit with no snow above its first firn or ice layer: no winter balance",
    "points-from-sheet": "point balances of years without readings were taken from the point_balance sheet",
    "pit-outside-years": "a snow pit dated outside every balance year; not used",
    "probe-outside-years": "a probe dated outside every balance year; not used",
    "uncertainty-above-stated": "a year's computed uncertainty exceeds the dataset's stated one",
    # WGMS FoG releases and submission tables
    "unknown-table": "a CSV that is not a WGMS table of the release's generation; not checked",
    "header": "a written WGMS table's columns are not its schema's",
    "foreign-key": "a key that the referenced table does not hold",
    "name-mismatch": "a glacier's name differs between tables for one WGMS_ID",
    "date-invalid": "a YYYYMMDD date that is not a calendar date",
    "date-unknown-00": "00 for an unknown month or day (old data; WGMS writes 99)",
    "sentinel": "a no-data sentinel (-9999, 99999, 99 as a country) instead of an empty cell",
    "text-suspicious": "free text with a control character or a formula-like start",
    "band-mean-mismatch": "the area-weighted band mean differs from the glacier-wide balance",
    "aar-mismatch": "the AAR disagrees with the band areas above the ELA",
    "elevation-typo": "a point far outside the glacier's elevation range (a typo?)",
}


class UnknownCode(UserWarning):
    """An issue was made with a code that is not in :data:`CODES`."""


#: The codes as an enum (``Code("date-order") is Code.DATE_ORDER``); members are strings.
Code = enum.StrEnum("Code", {c.replace("-", "_").upper(): c for c in CODES})  # type: ignore[misc]

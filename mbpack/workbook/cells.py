"""Cell values to typed columns, cell by cell, with every conversion reported.

A column of raw cell values (as python-calamine returns them: ``str``,
``float``, ``int``, ``bool``, ``datetime``, ``date`` or ``""``) is turned
into a typed array in one vectorised pass; only the cells that are not
already of the right kind are looked at one by one.  Each function returns
the typed values and a list of :class:`Note` for the cells that were
converted (warnings: a number stored as text, a date written as text) or
could not be (errors: the value becomes missing, and the note says why).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from mbpack.issues import Severity

#: Day 0 of Excel's 1900 date system (serial 1 is 1900-01-01; the fictitious
#: 1900-02-29 makes 1899-12-30 the working origin).
EXCEL_EPOCH = datetime(1899, 12, 30)
#: Excel serials accepted as dates: 1900-01-01 to 2199-12-31.
SERIAL_RANGE = (1.0, 109574.0)

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
#: 1,530: a decimal comma or a thousands separator? Neither is assumed.
_THOUSANDS = re.compile(r"^[+-]?\d{1,3},\d{3}$")
_ISO = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EUROPEAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")

_OUTER_SPACE = re.compile(r"(?:^|\x00)\s|\s(?:\x00|$)")

#: The values a spreadsheet shows in a cell whose formula failed (Excel, LibreOffice).
ERROR_VALUES = frozenset({"#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#BUSY!",
                          "#UNKNOWN!", "Err:502", "Err:504"})  # fmt: skip
#: Largest whole number a float holds exactly (2**53): integer cells beyond it are refused.
MAX_EXACT_INTEGER = 2.0**53

_TRUE = {"true", "yes", "y", "1", "是", "真", "t"}
_FALSE = {"false", "no", "n", "0", "否", "假", "f"}


@dataclass(frozen=True)
class Note:
    """What happened to one cell (``position`` is the index in the column)."""

    position: int
    code: str
    severity: Severity
    value: Any
    message: str


def blank_mask(series: pd.Series) -> np.ndarray:
    """Vectorised :func:`is_blank` for the common blanks: ``None``, NaN and ``""``."""
    return (pd.isna(series) | (series == "")).to_numpy(dtype=bool)


def is_blank(value: Any) -> bool:
    """True for an empty cell: ``None``, ``""``, white space or NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and value != value


def clean_text(text: str) -> str:
    """Text with NFKC-normalised characters and outer white space removed."""
    return unicodedata.normalize("NFKC", text).strip()


def _describe(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _error_cell(pos: int, value: str) -> Note:
    return Note(pos, "error-cell", "error", value,
                f"cell holds the spreadsheet error {value} instead of a value; correct the "
                "formula or type the value")  # fmt: skip


def to_number(values: list[Any], unit: str | None = None) -> tuple[np.ndarray, list[Note]]:
    """Numbers from cells; text numbers (``" 1,5 "``) are read with a warning.

    >>> to_number([1.0, "2,5", "x", ""])[0]
    array([1. , 2.5, nan, nan])
    """
    series = pd.Series(values, dtype=object)
    kinds = series.map(type)
    numeric = kinds.isin((float, int))
    out = np.full(len(values), np.nan)
    if numeric.any():
        out[numeric.to_numpy()] = series[numeric].astype(float).to_numpy()
    notes: list[Note] = []
    for pos in np.flatnonzero(~numeric.to_numpy() & ~blank_mask(series)):
        value = values[pos]
        if is_blank(value):
            continue
        if isinstance(value, str) and value in ERROR_VALUES:
            notes.append(_error_cell(int(pos), value))
            continue
        if isinstance(value, str) and _THOUSANDS.match(clean_text(value)):
            notes.append(Note(int(pos), "ambiguous-number", "error", value,
                              f"{value!r} may be {value.replace(',', '.')} (decimal comma) or "
                              f"{value.replace(',', '')} (thousands separator); write it without "
                              "the comma"))  # fmt: skip
            continue
        if isinstance(value, str):
            parsed = _parse_number(value)
            if parsed is not None:
                out[pos] = parsed
                notes.append(
                    Note(
                        int(pos),
                        "number-as-text",
                        "warning",
                        value,
                        f"number stored as text {_describe(value)} read as {parsed:g}",
                    )
                )
                continue
        notes.append(
            Note(
                int(pos),
                "type-error",
                "error",
                value,
                f"{_describe(value)} is not a number" + (f" (expected {unit})" if unit else ""),
            )
        )
    bad = ~np.isfinite(out) & numeric.to_numpy()
    for pos in np.flatnonzero(bad & ~np.isnan(out)):  # inf from a cell
        notes.append(Note(int(pos), "type-error", "error", values[pos],
                          f"{_describe(values[pos])} is not a finite number"))  # fmt: skip
        out[pos] = np.nan
    return out, notes


def _parse_number(text: str) -> float | None:
    cleaned = clean_text(text).replace("\u2212", "-").replace(" ", "").replace("'", "")
    if "_" in cleaned:  # Python reads 1_7 as 17; no spreadsheet does
        return None
    if _DECIMAL_COMMA.match(cleaned):
        cleaned = cleaned.replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def to_integer(values: list[Any]) -> tuple[pd.Series, list[Note]]:
    """Whole numbers from cells (nullable ``Int64``)."""
    numbers, notes = to_number(values)
    huge = np.isfinite(numbers) & (np.abs(numbers) > MAX_EXACT_INTEGER)
    for pos in np.flatnonzero(huge):
        notes.append(Note(int(pos), "type-error", "error", values[pos],
                          f"{_describe(values[pos])} is too large for a whole number"))  # fmt: skip
        numbers[pos] = np.nan
    fractional = np.isfinite(numbers) & (numbers != np.round(numbers))
    for pos in np.flatnonzero(fractional):
        notes.append(
            Note(
                int(pos),
                "type-error",
                "error",
                values[pos],
                f"{_describe(values[pos])} is not a whole number",
            )
        )
        numbers[pos] = np.nan
    return pd.array(np.where(np.isfinite(numbers), numbers, np.nan), dtype="Float64").astype(
        "Int64"
    ), notes


def to_text(values: list[Any]) -> tuple[list[str | None], list[Note]]:
    """Text from cells: numbers written without a spurious ``.0``, outer spaces removed with a warning.

    >>> to_text([" A1 ", 12.0, "", None])[0]
    ['A1', '12', None, None]
    """
    try:  # fast path: a column of text without stray spaces, checked in one regex pass
        joined = "\x00".join(values)
    except TypeError:
        joined = None
    if joined is not None and not _OUTER_SPACE.search(joined) and "#" not in joined:
        return [v or None for v in values], []
    series = pd.Series(values, dtype=object)
    try:
        stripped = series.str.strip()  # NaN where the cell is not text
    except AttributeError:  # no text at all
        stripped = pd.Series(np.nan, index=series.index, dtype=object)
    is_str = stripped.notna().to_numpy()
    empty = (stripped == "").to_numpy()
    out = np.array(stripped.where(is_str & ~empty, None), dtype=object)
    notes: list[Note] = []
    for pos in np.flatnonzero(is_str & stripped.isin(ERROR_VALUES).to_numpy()):
        notes.append(_error_cell(int(pos), stripped.iat[pos]))
        out[pos] = None
    for pos in np.flatnonzero(is_str & ~empty & (stripped != series).to_numpy()):
        value = values[pos]
        if stripped.iat[pos] in ERROR_VALUES:
            continue
        notes.append(
            Note(
                int(pos),
                "stray-spaces",
                "warning",
                value,
                f"{value!r} has spaces around it; read as {value.strip()!r}",
            )
        )
    for pos in np.flatnonzero(~is_str & ~blank_mask(series)):
        value = values[pos]
        if is_blank(value):
            continue
        if isinstance(value, bool):
            out[pos] = str(value).upper()
        elif isinstance(value, float) and value.is_integer():
            out[pos] = str(int(value))
        elif isinstance(value, (datetime, date)):
            out[pos] = value.isoformat()[:10] if isinstance(value, date) else str(value)
        else:
            out[pos] = str(value)
    return list(out), notes


def to_boolean(values: list[Any]) -> tuple[pd.Series, list[Note]]:
    """Booleans from cells: TRUE/FALSE, yes/no, 1/0, 是/否."""
    out: list[bool | None] = [None] * len(values)
    notes: list[Note] = []
    for pos, value in enumerate(values):
        if is_blank(value):
            continue
        if isinstance(value, bool):
            out[pos] = value
            continue
        if isinstance(value, str) and value in ERROR_VALUES:
            notes.append(_error_cell(pos, value))
            continue
        key = clean_text(str(value)).casefold()
        if isinstance(value, float) and value.is_integer():
            key = str(int(value))
        if key in _TRUE:
            out[pos] = True
        elif key in _FALSE:
            out[pos] = False
        else:
            notes.append(
                Note(pos, "type-error", "error", value, f"{_describe(value)} is not true or false")
            )
    return pd.array(out, dtype="boolean"), notes


def _date_from_parts(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date_text(text: str) -> tuple[date | None, str]:
    """A date from text, and how it was written.

    >>> parse_date_text("2005年8月1日")
    (datetime.date(2005, 8, 1), 'Chinese')
    >>> parse_date_text("2005-02-30")
    (None, 'ISO')
    """
    cleaned = clean_text(text)
    for pattern, kind, order in (
        (_ISO, "ISO", (1, 2, 3)),
        (_CHINESE, "Chinese", (1, 2, 3)),
        (_COMPACT, "YYYYMMDD", (1, 2, 3)),
        (_EUROPEAN, "DD.MM.YYYY", (3, 2, 1)),
    ):
        match = pattern.match(cleaned)
        if match:
            return _date_from_parts(*(match.group(i) for i in order)), kind
    return None, ""


def to_date(
    values: list[Any], earliest: date | None = None, latest: date | None = None
) -> tuple[np.ndarray, list[Note]]:
    """Dates from cells (``datetime64[ns]``, time of day dropped).

    Date cells are read as they are; text dates (ISO, ``2005年8月1日``,
    ``20050801``, ``01.08.2005``), ``YYYYMMDD`` numbers and Excel serial
    numbers in cells not formatted as dates are converted with a warning;
    anything else is an error, and so is a date outside ``earliest`` to
    ``latest`` (:meth:`mbpack.params.FileLimits.date_range`: 1800-01-01 to a
    year from today by default), which is left missing.

    >>> to_date(["1600-05-15", "2005-08-01"])[1][0].code
    'date-out-of-range'
    """
    if earliest is None or latest is None:
        from mbpack.params import FILE_LIMITS

        earliest, latest = FILE_LIMITS.date_range()
    series = pd.Series(values, dtype=object)
    kinds = series.map(type)
    is_date = kinds.isin((datetime, date, pd.Timestamp))
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    notes: list[Note] = []
    if is_date.any():
        where = np.flatnonzero(is_date.to_numpy())
        # range first, on the Python objects: datetime64[ns] cannot hold 9999-12-31 (it wraps)
        day = series[is_date].map(lambda v: v.date() if isinstance(v, datetime) else v)
        outside = ~day.map(lambda d: earliest <= d <= latest).to_numpy(dtype=bool)
        for pos in where[outside]:
            notes.append(_out_of_range(int(pos), values[pos], earliest, latest))
        inside = where[~outside]
        if inside.size:
            out[inside] = pd.to_datetime(day[~outside]).to_numpy(dtype="datetime64[ns]")
    for pos in np.flatnonzero(~is_date.to_numpy() & ~blank_mask(series)):
        value = values[pos]
        if is_blank(value):
            continue
        parsed: date | None = None
        if isinstance(value, str) and value in ERROR_VALUES:
            notes.append(_error_cell(int(pos), value))
            continue
        if isinstance(value, str):
            parsed, kind = parse_date_text(value)
            if parsed is not None:
                notes.append(
                    Note(
                        int(pos),
                        "date-as-text",
                        "warning",
                        value,
                        f"date written as text ({kind}) {value!r} read as {parsed.isoformat()}",
                    )
                )
            elif kind:
                notes.append(
                    Note(
                        int(pos),
                        "type-error",
                        "error",
                        value,
                        f"{value!r} is not a valid date (no such day)",
                    )
                )
                continue
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
            if number.is_integer() and 18000101 <= number <= 22001231:
                digits = str(int(number))
                parsed = _date_from_parts(digits[:4], digits[4:6], digits[6:])
                if parsed is not None:
                    notes.append(
                        Note(
                            int(pos),
                            "date-as-number",
                            "warning",
                            value,
                            f"date written as the number {int(number)} read as {parsed.isoformat()}",
                        )
                    )
            elif SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
                parsed = (EXCEL_EPOCH + timedelta(days=int(number))).date()
                notes.append(
                    Note(
                        int(pos),
                        "date-as-serial",
                        "warning",
                        value,
                        f"Excel serial number {number:g} in a cell not formatted as a date "
                        f"read as {parsed.isoformat()}",
                    )
                )
        if parsed is None:
            notes.append(
                Note(
                    int(pos),
                    "type-error",
                    "error",
                    value,
                    f"{_describe(value)} is not a date; write YYYY-MM-DD or use a date cell",
                )
            )
            continue
        if not earliest <= parsed <= latest:
            if notes and notes[-1].position == pos and notes[-1].severity == "warning":
                notes.pop()  # not "read as": it is refused
            notes.append(_out_of_range(int(pos), value, earliest, latest))
            continue
        out[pos] = np.datetime64(parsed, "ns")
    return out, notes


def _out_of_range(pos: int, value: Any, earliest: date, latest: date) -> Note:
    shown = value.isoformat()[:10] if isinstance(value, (date, datetime)) else _describe(value)
    return Note(pos, "date-out-of-range", "error", value,
                f"date {shown} is outside the plausible range {earliest.isoformat()} to "
                f"{latest.isoformat()}")  # fmt: skip

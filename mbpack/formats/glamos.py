"""Reader of the GLAMOS/VAW mass-balance text format (``*.dat``).

The format (GLAMOS dataflow; Huss et al. 2015): header lines starting with
``#``, the first reading

``# Mass Balance; <name>; <id>; <kind>; <N bands>; <lowest>; <highest>;``

(e.g. ``# Mass Balance; Adler; 16; gl; 13; 2900; 4200;``: 13 bands of
equal width between 2900 and 4200 m, i.e. 100 m bands), the fourth the
source and reference. Each data line holds 12 fixed columns — method id,
date0 (yyyymmdd), date_f and date_s (mmdd: fall and spring survey,
``0000`` when unknown), date1 (yyyymmdd), winter balance and annual balance
[mm w.e.], ELA [m a.s.l.], AAR [%], area [km2], minimum and maximum
elevation [m a.s.l.] — then N band winter balances, N band annual balances
[mm w.e.] and N band areas [km2], bands from the lowest upwards.

Units are converted at this edge: mm w.e. = kg m-2 (unchanged), AAR % to a
fraction.

References
----------
Huss, M., Dhulst, L. and Bauder, A. (2015). New long-term mass-balance
series for the Swiss Alps. Journal of Glaciology 61(227), 551-562.
doi:10.3189/2015JoG15J015
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from mbpack.errors import UnreadableWorkbook

#: Number of fixed columns before the band values.
FIXED_COLUMNS = 12
#: Names of the fixed columns, for messages.
FIXED_NAMES = ("id", "date0", "date_f", "date_s", "date1", "winter balance", "annual balance",
               "ELA", "AAR", "area", "minimum elevation", "maximum elevation")  # fmt: skip
#: What a GLAMOS file does not give and a workbook needs.
UNMAPPED = ["glacier!country", "glacier!latitude", "glacier!longitude"]


def _date(text: str, where: str, column: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError):
        raise UnreadableWorkbook(f"{where}: {column} {text!r} is not a date (yyyymmdd)") from None


def _month_day(text: str, year: int, where: str, column: str) -> date | None:
    """A ``mmdd`` survey date in ``year``; ``None`` for ``0000`` (unknown)."""
    if text == "0000":
        return None
    try:
        if len(text) != 4:
            raise ValueError
        return date(year, int(text[:2]), int(text[2:]))
    except ValueError:
        raise UnreadableWorkbook(f"{where}: {column} {text!r} is not a date (mmdd)") from None


def read_glamos(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a GLAMOS/VAW ``.dat`` file into workbook tables.

    Parameters
    ----------
    path
        The ``.dat`` file (Latin-1 text).

    Returns
    -------
    dict
        ``glacier``: a record (dict) with the name from the header, the
        minimum and maximum elevation and area of the last year and the
        reference; ``balance_years``, ``glacier_balance`` (method
        ``reported``), ``band_balance`` (with band areas) and
        ``hypsometry``: pandas DataFrames in canonical units (kg m-2 =
        mm w.e., km2, m, AAR as a fraction); ``unmapped``: the workbook
        fields the format does not give (a list, for the importer's notes).

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        Naming the file and line of anything malformed.

    Notes
    -----
    Band limits are ``lowest + i (highest - lowest) / N``. The time system is
    FXD when every year runs 1 October - 30 September, FLO otherwise. The
    spring survey (date_s) is the end of winter; the fall date (date_f,
    mmdd, near date0) is checked and kept as written in the remarks.
    """
    import pandas as pd

    path = Path(path)
    try:
        lines = path.read_bytes().decode("latin-1").splitlines()
    except OSError as exc:
        raise UnreadableWorkbook(f"{path}: cannot read ({exc.strerror})") from None
    if not lines or not lines[0].startswith("#") or "mass balance" not in lines[0].lower():
        raise UnreadableWorkbook(
            f"{path}:1: not a GLAMOS mass-balance file (first line {lines[:1]!r}); "
            "expected '# Mass Balance; name; id; kind; N; lowest; highest;'"
        )
    parts = [p.strip() for p in lines[0].lstrip("#").split(";")]
    try:
        name, n_bands, lowest, highest = parts[1], int(parts[4]), float(parts[5]), float(parts[6])
    except (IndexError, ValueError):
        raise UnreadableWorkbook(
            f"{path}:1: header {lines[0]!r} lacks name; id; kind; N; lowest; highest"
        ) from None
    if n_bands < 1 or not highest > lowest:
        raise UnreadableWorkbook(
            f"{path}:1: header gives {n_bands} bands between {lowest:g} and {highest:g} m; "
            "expected N >= 1 and lowest < highest"
        )
    header = [ln for ln in lines if ln.startswith("#")]
    width = (highest - lowest) / n_bands
    lower = [lowest + i * width for i in range(n_bands)]
    upper = [lowest + (i + 1) * width for i in range(n_bands)]
    years: list[dict[str, Any]] = []
    glacier_rows: list[dict[str, Any]] = []
    bands: list[dict[str, Any]] = []
    last: dict[str, float] = {}
    fixed_date = True
    expected = FIXED_COLUMNS + 3 * n_bands
    for number, line in enumerate(lines, start=1):
        if line.startswith("#") or not line.strip():
            continue
        where = f"{path}:{number}"
        cells = line.split()
        if len(cells) != expected:
            raise UnreadableWorkbook(
                f"{where}: {len(cells)} values, expected {expected} (12 + 3 × {n_bands} bands)"
            )
        values = []
        for k, cell in enumerate(cells[5:], start=5):
            try:
                values.append(float(cell))
            except ValueError:
                column = FIXED_NAMES[k] if k < FIXED_COLUMNS else f"band value {k - 11}"
                raise UnreadableWorkbook(f"{where}: {column} {cell!r} is not a number") from None
        begin, end = _date(cells[1], where, "date0"), _date(cells[4], where, "date1")
        if not begin < end:
            raise UnreadableWorkbook(f"{where}: date0 {cells[1]} is not before date1 {cells[4]}")
        winter_end = _month_day(cells[3], end.year, where, "date_s")
        fall = _month_day(cells[2], begin.year, where, "date_f")
        fixed_date &= (begin.month, begin.day, end.month, end.day) == (10, 1, 9, 30)
        bw, ba, ela, aar, area, zmin, zmax = values[:7]
        year = end.year
        years.append(
            {"year": year, "begin_date": begin, "winter_end_date": winter_end, "end_date": end}
        )
        remark = f"GLAMOS method id {cells[0]}" + (f"; date_f {cells[2]}" if fall else "")
        glacier_rows.append({
            "year": year, "method": "reported", "begin_date": begin, "winter_end_date": winter_end,
            "end_date": end, "winter_balance": bw, "summer_balance": ba - bw, "annual_balance": ba,
            "ela": ela, "aar": aar / 100.0, "area": area, "remarks": remark,
        })  # fmt: skip
        w = values[7 : 7 + n_bands]
        a = values[7 + n_bands : 7 + 2 * n_bands]
        s = values[7 + 2 * n_bands :]
        for i in range(n_bands):
            bands.append({"year": year, "lower_elevation": lower[i], "upper_elevation": upper[i],
                          "area": s[i], "winter_balance": w[i], "summer_balance": a[i] - w[i],
                          "annual_balance": a[i]})  # fmt: skip
        last = {"min_elevation": zmin, "max_elevation": zmax, "area": area}
    if not years:
        raise UnreadableWorkbook(f"{path}: no data lines after the header")
    system = "FXD" if fixed_date else "FLO"
    for y in years:
        y["time_system"] = system
    reference = None
    if len(header) > 3:
        reference = "; ".join(p.strip() for p in header[3].lstrip("#").split(";")[1:3] if p.strip())
    band_frame = pd.DataFrame(bands)
    return {
        "glacier": {"name": name, **last, "references": reference or None},
        "balance_years": pd.DataFrame(years),
        "glacier_balance": pd.DataFrame(glacier_rows),
        "band_balance": band_frame,
        "hypsometry": band_frame[["year", "lower_elevation", "upper_elevation", "area"]].copy(),
        "unmapped": list(UNMAPPED),
    }


def import_glamos(path: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """Write the workbook of a GLAMOS ``.dat`` file (:func:`read_glamos`) to ``out`` (.xlsx).

    Returns the path written. The fields in ``UNMAPPED`` are left blank for
    the user to fill in.
    """
    from mbpack.workbook.model import Workbook
    from mbpack.workbook.writer import write_workbook

    tables = read_glamos(path)
    tables.pop("unmapped")
    return Path(write_workbook(Workbook.from_tables(tables), Path(out)))

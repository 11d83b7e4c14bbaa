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
    if len(parts) > 3 and "point" in parts[3].lower():
        return read_glamos_points(path, lines)
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


#: Columns of a GLAMOS point mass-balance file (the data block's 22 columns).
POINT_COLUMNS = ("name", "date0", "time0", "date1", "time1", "period", "date_quality", "x_pos", "y_pos",
                 "z_pos", "position_quality", "mb_raw", "density", "density_quality", "mb_we",
                 "measurement_quality", "measurement_type", "mb_error", "reading_error", "density_error",
                 "error_evaluation_method", "source")  # fmt: skip
#: GLAMOS measurement_type → point_balance source (1 stake, 2 probing/pit/coring, 3 marked horizon).
POINT_SOURCES = {"1": "stake", "2": "probe", "3": "pit"}
#: Kind of point file (first header line, or the file name's suffix) → balance code.
POINT_KINDS = {"annual": "annual", "winter": "winter", "intermediate": "index"}
#: The Swiss coordinates of GLAMOS point files (CH1903 / LV03).
GLAMOS_CRS = "EPSG:21781"


def read_glamos_points(
    path: str | os.PathLike[str], lines: list[str] | None = None
) -> dict[str, Any]:
    """Read a GLAMOS point mass-balance file (``<glacier>_annual.dat``, ``_winter``, ``_intermediate``).

    Parameters
    ----------
    path
        The file: four header lines starting with ``#`` (``# Mass Balance;
        name; id; annual point measurement``, column names, units, source),
        then ``;``-separated lines of 22 columns (:data:`POINT_COLUMNS`).
    lines
        The file's lines, when already read.

    Returns
    -------
    dict
        Workbook tables: ``glacier`` (name, crs CH1903 EPSG:21781),
        ``balance_years`` (one per year of the points' end dates: the
        earliest begin and latest end of its points, floating-date, the end
        of winter the latest winter point's date; a remark says so) and
        ``point_balance`` (mm w.e. = kg m-2; x/y from x_pos/y_pos, the
        coordinate above 400 000 being the easting; ``mb_error`` as the
        uncertainty; the measurement type as the source), and ``unmapped``.

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        Naming the file, line and column of anything malformed.

    Notes
    -----
    ``00000000`` dates are unknown: such a row cannot be placed and is
    refused with its line. NaN values stay empty. The balance code comes
    from the header's kind (annual, winter, intermediate = index) or the
    file name.
    """
    import pandas as pd

    path = Path(path)
    if lines is None:
        try:
            lines = path.read_bytes().decode("latin-1").splitlines()
        except OSError as exc:
            raise UnreadableWorkbook(f"{path}: cannot read ({exc.strerror})") from None
    parts = [p.strip() for p in lines[0].lstrip("#").split(";")] if lines else []
    kind = next(
        (code for word, code in POINT_KINDS.items() if len(parts) > 3 and word in parts[3].lower()),
        None,
    )
    kind = kind or next(
        (code for word, code in POINT_KINDS.items() if path.stem.lower().endswith(word)), None
    )
    if kind is None:
        raise UnreadableWorkbook(f"{path}:1: point file of unknown kind {lines[:1]!r}: expected annual, winter "
                                 "or intermediate point measurement")  # fmt: skip
    name = parts[1] if len(parts) > 1 else path.stem
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("#") or not line.strip():
            continue
        where = f"{path}:{number}"
        cells = [c.strip() for c in line.split(";")]
        if len(cells) != len(POINT_COLUMNS):
            raise UnreadableWorkbook(f"{where}: {len(cells)} values, expected {len(POINT_COLUMNS)} "
                                     f"({'; '.join(POINT_COLUMNS)})")  # fmt: skip
        cell = dict(zip(POINT_COLUMNS, cells, strict=True))
        numbers: dict[str, float | None] = {}
        for column in ("x_pos", "y_pos", "z_pos", "density", "mb_we", "mb_error"):
            text = cell[column]
            try:
                value = float(text)
            except ValueError:
                raise UnreadableWorkbook(f"{where}: {column} {text!r} is not a number") from None
            numbers[column] = None if value != value else value
        if cell["date0"].strip("0") == "" or cell["date1"].strip("0") == "":
            raise UnreadableWorkbook(f"{where}: point {cell['name']} has an unknown date (00000000): "
                                     "it cannot be placed in a balance year")  # fmt: skip
        begin, end = _date(cell["date0"], where, "date0"), _date(cell["date1"], where, "date1")
        if numbers["mb_we"] is None:
            raise UnreadableWorkbook(f"{where}: point {cell['name']} has no mb_we")
        x, y = numbers["x_pos"], numbers["y_pos"]
        if x is not None and y is not None and x < 400_000 <= y:
            x, y = y, x  # CH1903: the easting is the coordinate near 600 000
        rows.append({"point_id": cell["name"], "year": end.year, "from_date": begin, "to_date": end,
                     "balance_code": kind, "balance": numbers["mb_we"], "balance_unc": numbers["mb_error"],
                     "density": numbers["density"], "elevation": numbers["z_pos"], "x": x, "y": y,
                     "source": POINT_SOURCES.get(cell["measurement_type"]),
                     "remarks": f"GLAMOS {path.name} line {number}; source {cell['source']}; "
                                f"date quality {cell['date_quality']}, density quality {cell['density_quality']}"})  # fmt: skip
    if not rows:
        raise UnreadableWorkbook(f"{path}: no data lines after the header")
    points = pd.DataFrame(rows)
    years = []
    for year, group in points.groupby("year"):
        years.append({"year": int(year), "time_system": "FLO", "begin_date": group["from_date"].min(),
                      "winter_end_date": group["to_date"].max() if kind == "winter" else None,
                      "end_date": group["to_date"].max() if kind != "winter" else None,
                      "remarks": f"from the {kind} points' periods (earliest begin, latest end) of {path.name}"})  # fmt: skip
    return {"glacier": {"name": name, "crs": GLAMOS_CRS}, "balance_years": pd.DataFrame(years),
            "point_balance": points,
            "unmapped": [*UNMAPPED, "hypsometry (band areas, to compute)",
                         *(["balance_years!end_date (a winter file has none)"] if kind == "winter" else [])]}  # fmt: skip

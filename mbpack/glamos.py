"""Reader of the GLAMOS/VAW mass-balance text format (``*.dat``).

The format (Huss et al. 2015, doi:10.3189/2015JoG15J015; GLAMOS dataflow):
four header lines starting with ``#``; the first reads
``# Mass Balance; <name>; <id>; <kind>; <N bands>; <lowest>; <highest>;``.
Each data line holds 12 fixed columns — method id, date0 (yyyymmdd),
date_f and date_s (mmdd: fall and spring survey, ``0000`` unknown),
date1 (yyyymmdd), winter balance, annual balance [mm w.e.], ELA [m a.s.l.],
AAR [%], area [km2], minimum and maximum elevation [m a.s.l.] — then N
band winter balances, N band annual balances [mm w.e.] and N band areas
[km2] of equal-width bands between the lowest and highest elevation.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from mbpack.errors import UnreadableWorkbook

FIXED_COLUMNS = 12


def _date(text: str, where: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError):
        raise UnreadableWorkbook(f"{where}: {text!r} is not a date (yyyymmdd)") from None


def read_glamos(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a GLAMOS/VAW ``.dat`` file into workbook tables.

    Returns
    -------
    dict
        ``glacier`` (a record), ``balance_years``, ``glacier_balance``
        (method ``reported``), ``band_balance``, ``hypsometry`` as lists of
        rows in canonical units (kg m-2 = mm w.e., km2, m, AAR as a
        fraction), and ``unmapped``: what the format does not give and the
        workbook needs (country, latitude, longitude).

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        Naming the file and line of anything malformed.
    """
    path = Path(path)
    try:
        lines = path.read_bytes().decode("latin-1").splitlines()
    except OSError as exc:
        raise UnreadableWorkbook(f"{path}: cannot read ({exc.strerror})") from None
    header = [ln for ln in lines if ln.startswith("#")]
    if not header or "mass balance" not in header[0].lower():
        raise UnreadableWorkbook(
            f"{path}:1: not a GLAMOS mass-balance file (first line {lines[:1]!r})"
        )
    parts = [p.strip() for p in header[0].lstrip("#").split(";")]
    try:
        name, n_bands, lowest, highest = parts[1], int(parts[4]), float(parts[5]), float(parts[6])
    except (IndexError, ValueError):
        raise UnreadableWorkbook(
            f"{path}:1: header {header[0]!r} lacks name; id; kind; N; lowest; highest"
        ) from None
    width = (highest - lowest) / n_bands
    lower = [lowest + i * width for i in range(n_bands)]
    years, glacier_rows, bands, hyps = [], [], [], []
    fixed_date = True
    for number, line in enumerate(lines, start=1):
        if line.startswith("#") or not line.strip():
            continue
        where = f"{path}:{number}"
        cells = line.split()
        expected = FIXED_COLUMNS + 3 * n_bands
        if len(cells) != expected:
            raise UnreadableWorkbook(
                f"{where}: {len(cells)} values, expected {expected} (12 + 3 × {n_bands} bands)"
            )
        try:
            values = [float(c) for c in cells[5:]]
        except ValueError as exc:
            raise UnreadableWorkbook(f"{where}: {exc}") from None
        begin, end = _date(cells[1], where), _date(cells[4], where)
        spring = cells[3]
        winter_end = date(end.year, int(spring[:2]), int(spring[2:])) if spring != "0000" else None
        fixed_date &= (begin.month, begin.day, end.month, end.day) == (10, 1, 9, 30)
        bw, ba, ela, aar, area, zmin, zmax = values[:7]
        years.append(
            {"year": end.year, "begin_date": begin, "winter_end_date": winter_end, "end_date": end}
        )
        glacier_rows.append({
            "year": end.year, "method": "reported", "begin_date": begin, "winter_end_date": winter_end,
            "end_date": end, "winter_balance": bw, "summer_balance": ba - bw, "annual_balance": ba,
            "ela": ela, "aar": aar / 100.0, "area": area, "remarks": f"GLAMOS method id {cells[0]}",
        })  # fmt: skip
        w = values[7 : 7 + n_bands]
        a = values[7 + n_bands : 7 + 2 * n_bands]
        s = values[7 + 2 * n_bands :]
        for i in range(n_bands):
            bands.append({"year": end.year, "lower_elevation": lower[i], "upper_elevation": lower[i] + width,
                          "area": s[i], "winter_balance": w[i], "summer_balance": a[i] - w[i],
                          "annual_balance": a[i]})  # fmt: skip
            hyps.append({"year": end.year, "lower_elevation": lower[i], "upper_elevation": lower[i] + width,
                         "area": s[i]})  # fmt: skip
        glacier_rows[-1]["zmin"], glacier_rows[-1]["zmax"] = zmin, zmax
    if not years:
        raise UnreadableWorkbook(f"{path}: no data lines")
    system = "FXD" if fixed_date else "FLO"
    for y in years:
        y["time_system"] = system
    last = glacier_rows[-1]
    record = {"name": name, "min_elevation": last.pop("zmin"), "max_elevation": last.pop("zmax"), "area": last["area"],
              "references": "; ".join(p.strip() for p in header[3].lstrip("#").split(";")[1:3]) if len(header) > 3 else None}  # fmt: skip
    for row in glacier_rows:
        row.pop("zmin", None)
        row.pop("zmax", None)
    return {
        "glacier": record,
        "balance_years": years,
        "glacier_balance": glacier_rows,
        "band_balance": bands,
        "hypsometry": hyps,
        "unmapped": ["glacier!country", "glacier!latitude", "glacier!longitude"],
    }

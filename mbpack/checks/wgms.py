"""Validate WGMS Fluctuations of Glaciers (FoG) releases of either generation, at full scale.

Input: a release folder or zip (upper-case ``WGMS-FoG-*-A/E/EE/EEE`` files,
possibly Latin-1, or ``data/*.csv``; lower-case 2025+ tables), or single
tables.  Every table is checked against mbpack's WGMS Table Schemas
(``schemas/wgms``) by vectorised pandas code — types, required fields,
enumerations, patterns (dates with ``99``), ranges, maximum lengths,
primary and foreign keys — and then the consistency checks people who use
FoG data rely on (see :data:`CHECKS`).  Each issue names the file, the line,
the column, the glacier (WGMS id and name) and the year.

Every table is read as text and checked with vectorised pandas code; the
tables stay in memory together for the cross-table checks (about 730 MB for
a synthetic release of 60 000 glacier-years and 500 000 points, see
``bench/fog_case.py``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from mbpack.errors import UnreadableWorkbook
from mbpack.formats import wgms
from mbpack.issues import Issue, Report, SheetSummary
from mbpack.params import FOG_CHECKS

#: Consistency checks beyond the schemas: code → (severity, what it checks).
CHECKS: dict[str, tuple[str, str]] = {
    "balance-sum": (
        "error",
        f"B_a = B_w + B_s within the tolerance ({FOG_CHECKS.balance_sum_tolerance:g} mm w.e. on integer data)",
    ),
    "date-order": (
        "error",
        "begin < end of winter < end of the balance year; point periods forward",
    ),
    "band-overlap": ("error", "bands of a glacier-year do not overlap; lower < upper"),
    "band-gap": ("warning", "bands of a glacier-year are contiguous"),
    "name-mismatch": ("warning", "a glacier's name (for one WGMS_ID) is the same in every table"),
    "date-invalid": (
        "error",
        "a YYYYMMDD date is a calendar date (99 for an unknown month or day)",
    ),
    "date-unknown-00": ("warning", "00 for an unknown month or day (old data; WGMS writes 99)"),
    "sentinel": (
        "warning",
        "a no-data sentinel (-9999, 99999, 99 as a country) instead of an empty cell",
    ),
    "text-suspicious": (
        "warning",
        "free text holds a control character or starts like a spreadsheet formula",
    ),
    "winter-negative": ("warning", "winter balance is not negative"),
    "summer-positive": ("warning", "summer balance is not positive"),
    "period-length": ("warning", "balance year 9-15 months, winter 4-9 months"),
    "area-mismatch": ("warning", "band areas sum to the glacier-wide area (2 %)"),
    "band-mean-mismatch": (
        "warning",
        "area-weighted band mean equals the glacier-wide balance (10 mm w.e.)",
    ),
    "ela-outside": (
        "warning",
        "ELA inside the glacier's elevation range, or equal to its limit with ELA_PREFIX",
    ),
    "aar-mismatch": ("warning", "AAR agrees with the band areas above the ELA (0.1)"),
    "code-period": ("warning", "a point's balance code agrees with the length of its period"),
    "elevation-typo": ("warning", "a point lies within 300 m of the glacier's elevation range"),
}


class Sink(Protocol):
    """Where row checks put their issues: a table's rows, or a subset of them."""

    def add(
        self,
        mask: Any,
        code: str,
        severity: str,
        column: str | None,
        message: Any,
        values: Any = None,
    ) -> None: ...


@dataclass
class Table:
    """One table of the release: its frame (text), file and schema."""

    key: str
    frame: pd.DataFrame
    file: str


def _sources(path: Path) -> list[tuple[str, bytes, str]]:
    import zipfile

    found = []
    if path.is_dir():
        for f in sorted(path.rglob("*.csv")):
            found.append((f.stem, f.read_bytes(), str(f)))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            from mbpack.workbook.reader import check_inflation

            check_inflation(path, archive.infolist(), "release")
            for name in sorted(archive.namelist()):
                if name.lower().endswith(".csv"):
                    found.append((Path(name).stem, archive.read(name), f"{path}:{name}"))
    elif path.is_file():
        found.append((path.stem, path.read_bytes(), str(path)))
    else:
        raise UnreadableWorkbook(f"{path}: no such file or folder")
    if not found:
        raise UnreadableWorkbook(f"{path}: no CSV tables found")
    return found


def read_table(data: bytes, where: str) -> pd.DataFrame:
    """A FoG table as text columns (:func:`mbpack.formats.wgms.read_csv_table`: UTF-8 with or
    without BOM, else Latin-1)."""
    return wgms.read_csv_table(data, where)


class TableIssues:
    """Collects issues of one table, addressed by file and line, glacier and year."""

    def __init__(
        self, report: Report, table: Table, id_col: str, name_col: str, year_col: str | None
    ) -> None:
        self.report, self.table = report, table
        f = table.frame
        self.ids = f.get(id_col, None)
        self.names = f.get(name_col, None)
        self.years = f[year_col] if year_col and year_col in f else None

    def add(
        self,
        mask: Any,
        code: str,
        severity: str,
        column: str | None,
        message: Any,
        values: Any = None,
    ) -> None:
        """One issue per True row of ``mask``; ``message(i, value)`` or a string."""
        mask = np.asarray(mask, dtype=bool)
        for i in np.flatnonzero(mask):
            value = None if values is None else values.iloc[i]
            text = message(i, value) if callable(message) else message
            self.report.add(Issue(
                code, severity, text, sheet=self.table.key, row=int(i) + 2, column=column,  # type: ignore[arg-type]
                cell=f"{Path(self.table.file).name}:{int(i) + 2}" + (f":{column}" if column else ""),
                value=None if value is None or (isinstance(value, float) and math.isnan(value)) else value,
                file=self.table.file, line=int(i) + 2,
                wgms_id=_int(self.ids.iloc[i]) if self.ids is not None else None,
                glacier_name=_str(self.names.iloc[i]) if self.names is not None else None,
                year=_int(self.years.iloc[i]) if self.years is not None else None,
            ))  # fmt: skip


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _str(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def check_schema(
    table: Table, descriptor: dict[str, Any], issues: TableIssues
) -> dict[str, pd.Series]:
    """Every field rule of a Table Schema, vectorised; returns the parsed numeric and date columns.

    Parameters
    ----------
    table
        The table (read as text) with its key and file.
    descriptor
        Its WGMS Table Schema (``schemas/wgms``): ``fields`` with ``name``,
        ``type`` and ``constraints``, and ``primaryKey``.
    issues
        Where the table's issues go, by file and line: missing required
        columns and values, type errors, values out of range, not in the
        enumeration, not matching the pattern or too long, and duplicate
        primary keys (all errors).

    Returns
    -------
    dict of str to pandas.Series
        Per field of type ``integer`` or ``number``, the column as numbers
        (NaN where blank or not a number), and per field of type ``date``,
        as dates ``YYYY-MM-DD`` (NaT where blank or not a date); columns
        absent from the table are left out.
    """
    frame = table.frame
    parsed: dict[str, pd.Series] = {}
    for field in descriptor["fields"]:
        name, cons = field["name"], field.get("constraints", {})
        if name not in frame:
            if cons.get("required"):
                issues.report.add(Issue("missing-column", "error", f"{table.key} has no column {name}",
                                        sheet=table.key, column=name, file=table.file))  # fmt: skip
            continue
        col = frame[name]
        present = col.notna().to_numpy()
        if cons.get("required"):
            issues.add(~present, "missing-value", "error", name, f"{name} is required but empty")
        kind = field["type"]
        if kind in ("integer", "number"):
            num = pd.to_numeric(col, errors="coerce")
            sentinel = _sentinels(num, cons)
            issues.add(sentinel, "sentinel", "warning", name,
                       lambda i, v, n=name: f"{n} {v} is a no-data sentinel; leave the cell empty", col)  # fmt: skip
            num = num.mask(sentinel)
            present = present & ~sentinel
            bad = present & num.isna().to_numpy()
            if kind == "integer":
                bad |= present & (num.notna() & (num % 1 != 0)).to_numpy()
            issues.add(
                bad,
                "type-error",
                "error",
                name,
                lambda i, v, n=name, k=kind: (
                    f"{v!r} is not {'an integer' if k == 'integer' else 'a number'} ({n})"
                ),
                col,
            )
            parsed[name] = num
            if "minimum" in cons:
                issues.add((num < cons["minimum"]).to_numpy(), "out-of-range", "error", name,
                           lambda i, v, lo=cons["minimum"], n=name: f"{n} {v} is below {lo}", col)  # fmt: skip
            if "maximum" in cons:
                issues.add((num > cons["maximum"]).to_numpy(), "out-of-range", "error", name,
                           lambda i, v, hi=cons["maximum"], n=name: f"{n} {v} is above {hi}", col)  # fmt: skip
        elif kind == "date":
            when = pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
            issues.add(present & when.isna().to_numpy(), "type-error", "error", name,
                       lambda i, v, n=name: f"{v!r} is not a date YYYY-MM-DD ({n})", col)  # fmt: skip
            parsed[name] = when
        if "enum" in cons:
            issues.add(present & ~col.isin(cons["enum"]).to_numpy(), "not-in-enum", "error", name,
                       lambda i, v, e=cons["enum"], n=name: f"{n} {v!r} is not one of {', '.join(e)}", col)  # fmt: skip
        if name in wgms.UPPER_DATE_FIELDS and kind == "string":
            _date_cells(issues, col, name)
        elif "pattern" in cons:
            ok = col.str.fullmatch(cons["pattern"]).fillna(True).astype(bool).to_numpy()
            nines = (
                col.str.fullmatch(wgms.TEXT_SENTINEL_PATTERN).fillna(False).astype(bool).to_numpy()
            )
            issues.add(present & ~ok & nines, "sentinel", "warning", name,
                       lambda i, v, n=name: f"{n} {v!r} is a no-data sentinel; leave the cell empty", col)  # fmt: skip
            issues.add(present & ~ok & ~nines, "pattern", "error", name,
                       lambda i, v, n=name: f"{v!r} is not a valid {n}", col)  # fmt: skip
        if name in wgms.FREE_TEXT and kind == "string":
            text = col.astype("string")
            control = (
                text.str.contains(wgms.CONTROL_PATTERN, regex=True)
                .fillna(False)
                .astype(bool)
                .to_numpy()
            )
            formula = (
                text.str.contains(wgms.FORMULA_PATTERN, regex=True)
                .fillna(False)
                .astype(bool)
                .to_numpy()
            )
            issues.add(control, "text-suspicious", "warning", name,
                       lambda i, v, n=name: f"{n} holds a control character", col)  # fmt: skip
            issues.add(formula & ~control, "text-suspicious", "warning", name,
                       lambda i, v, n=name: f"{n} starts with {str(v)[0]!r}: a spreadsheet reads it as a formula",
                       col)  # fmt: skip
        if "maxLength" in cons:
            issues.add((col.str.len() > cons["maxLength"]).fillna(False).to_numpy(), "too-long", "error", name,
                       lambda i, v, n=name, m=cons["maxLength"]: f"{n} is longer than {m} characters", col)  # fmt: skip
    pk = [k for k in descriptor.get("primaryKey", []) if k in frame]
    if pk:
        dup = frame.duplicated(subset=pk, keep="first").to_numpy()
        issues.add(dup, "duplicate-key", "error", pk[0],
                   lambda i, v, pk=pk: "duplicate key " + ", ".join(f"{k}={frame[k].iloc[i]}" for k in pk))  # fmt: skip
    return parsed


def _sentinels(num: pd.Series, cons: dict[str, Any]) -> np.ndarray:
    """Cells holding a no-data number (:data:`mbpack.formats.wgms.SENTINELS_ALWAYS`, or
    :data:`~mbpack.formats.wgms.SENTINELS_OUT_OF_RANGE` outside the column's range)."""
    always = num.isin(wgms.SENTINELS_ALWAYS).to_numpy()
    outside = np.zeros(len(num), dtype=bool)
    if "minimum" in cons:
        outside |= (num < cons["minimum"]).to_numpy()
    if "maximum" in cons:
        outside |= (num > cons["maximum"]).to_numpy()
    return np.asarray(
        always | (outside & num.isin(wgms.SENTINELS_OUT_OF_RANGE).to_numpy()), dtype=bool
    )


def _date_cells(issues: TableIssues, col: pd.Series, name: str) -> None:
    """``YYYYMMDD`` cells: calendar dates, ``99`` for unknown parts; ``00`` warned (old data)."""
    errors, warnings = wgms.upper_date_faults(col)
    issues.add(errors.notna().to_numpy(), "date-invalid", "error", name,
               lambda i, v, n=name: f"{n}: {errors.iloc[i]}", col)  # fmt: skip
    issues.add((warnings.notna() & errors.isna()).to_numpy(), "date-unknown-00", "warning", name,
               lambda i, v, n=name: f"{n}: {warnings.iloc[i]}", col)  # fmt: skip


def foreign_keys(
    tables: dict[str, Table], generation: str, report: Report, ctx: dict[str, TableIssues]
) -> None:
    for key, table in tables.items():
        descriptor = wgms.load(generation, key)  # type: ignore[arg-type]
        for fk in descriptor.get("foreignKeys", []):
            ref_name = fk["reference"]["resource"]
            ref = next(
                (
                    t
                    for k, t in tables.items()
                    if k.lower().replace("_", "-") == ref_name or k == ref_name
                ),
                None,
            )
            cols, ref_cols = fk["fields"], fk["reference"]["fields"]
            if (
                ref is None
                or not set(cols) <= set(table.frame)
                or not set(ref_cols) <= set(ref.frame)
            ):
                continue
            left = pd.MultiIndex.from_frame(table.frame[cols].astype(str))
            right = pd.MultiIndex.from_frame(ref.frame[ref_cols].astype(str))
            missing = ~left.isin(right)
            ctx[key].add(missing, "foreign-key", "error", cols[0],
                         lambda i, v, c=cols, t=table, r=ref.key: f"{', '.join(str(t.frame[x].iloc[i]) for x in c)} "
                                                                   f"is not in {r}")  # fmt: skip


def _months(a: pd.Series, b: pd.Series) -> pd.Series:
    return (b - a).dt.days / 30.44


def _upper_dates(col: pd.Series | None) -> pd.Series:
    """YYYYMMDD dates; NaT where month or day is unknown (99) or the text is not a date."""
    if col is None:
        return pd.Series(pd.NaT, index=pd.RangeIndex(0), dtype="datetime64[ns]")
    text = col.fillna("").astype(str)
    unknown = text.str[4:6].eq("99") | text.str[6:8].eq("99")
    return pd.to_datetime(text.where(~unknown, ""), format="%Y%m%d", errors="coerce")


def validate_fog(
    path: str | os.PathLike[str], *, generation: str | None = None, tolerance: float | None = None
) -> Report:
    """Validate a FoG release (folder, zip or single tables) of either generation.

    Parameters
    ----------
    tolerance
        Allowed |B_a - (B_w + B_s)| [mm w.e. = kg m-2]; default
        :attr:`mbpack.params.FogChecks.balance_sum_tolerance`.

    Returns
    -------
    Report
        Issues with file, line, column, WGMS id, glacier name and year.
    """
    path = Path(path)
    tolerance = FOG_CHECKS.balance_sum_tolerance if tolerance is None else tolerance
    report = Report(file=str(path))
    tables: dict[str, Table] = {}
    gen = generation
    for stem, data, where in _sources(path):
        frame = read_table(data, where)
        gen = gen or wgms.detect_generation(list(frame.columns))
        key = wgms.table_key(stem, gen)  # type: ignore[arg-type]
        if key not in (wgms.UPPER if gen == "upper" else wgms.LOWER):
            report.add(Issue("unknown-table", "warning", f"{where}: not a WGMS {gen}-case table; not checked",
                             file=where, value=stem))  # fmt: skip
            continue
        wgms.normalise_header(frame, wgms.columns(gen, key))  # type: ignore[arg-type]  # Year = YEAR
        tables[key] = Table(key, frame, where)
        report.sheets[key] = SheetSummary(rows=len(frame))
    if gen not in ("upper", "lower"):
        raise UnreadableWorkbook(f"{path}: generation must be 'upper' or 'lower', not {gen!r}")
    id_col, name_col, year_col = (
        ("WGMS_ID", "NAME", "YEAR") if gen == "upper" else ("glacier_id", "glacier_name", "year")
    )
    ctx: dict[str, TableIssues] = {}
    parsed: dict[str, dict[str, pd.Series]] = {}
    for key, table in tables.items():
        names = (
            (id_col, name_col, year_col)
            if gen == "upper" or key != "glacier"
            else ("id", "short_name", None)
        )
        ctx[key] = TableIssues(report, table, *names)
        parsed[key] = check_schema(table, wgms.load(gen, key), ctx[key])  # type: ignore[arg-type]
    for key, table in tables.items():  # absent optional columns read as empty
        for field in wgms.load(gen, key)["fields"]:  # type: ignore[arg-type]
            if field["type"] in ("integer", "number", "date") and field["name"] not in parsed[key]:
                parsed[key][field["name"]] = pd.Series(np.nan if field["type"] != "date" else pd.NaT,
                                                       index=table.frame.index)  # fmt: skip
            if field["name"] not in table.frame:
                table.frame[field["name"]] = pd.Series(None, index=table.frame.index, dtype=object)
    foreign_keys(tables, gen, report, ctx)
    if gen == "upper":
        _consistency_upper(tables, parsed, ctx, tolerance)
    else:
        _consistency_lower(tables, parsed, ctx, tolerance / 1000.0)
    return report


def _balance_checks(issues: Sink, bw: pd.Series, bs: pd.Series, ba: pd.Series, tol: float, unit: str,
                    signs: bool = True) -> None:  # fmt: skip
    """B_a = B_w + B_s; with ``signs`` (glacier-wide rows) also B_w >= 0 and B_s <= 0."""
    diff = (ba - (bw + bs)).abs()
    issues.add((diff > tol + 1e-9).to_numpy(), "balance-sum", "error", "ANNUAL_BALANCE" if unit == "mm" else "annual_balance",
               lambda i, v: f"annual balance {ba.iloc[i]:g} is not winter {bw.iloc[i]:g} + summer {bs.iloc[i]:g} "
                            f"(tolerance {tol:g} {unit} w.e.)", ba)  # fmt: skip
    if not signs:
        return
    issues.add((bw < 0).to_numpy(), "winter-negative", "warning", "WINTER_BALANCE" if unit == "mm" else "winter_balance",
               lambda i, v: f"winter balance {v:g} is negative", bw)  # fmt: skip
    issues.add((bs > 0).to_numpy(), "summer-positive", "warning", "SUMMER_BALANCE" if unit == "mm" else "summer_balance",
               lambda i, v: f"summer balance {v:g} is positive", bs)  # fmt: skip


def _date_checks(
    issues: Sink, begin: pd.Series, winter: pd.Series, end: pd.Series, cols: tuple[str, str, str]
) -> None:
    """Begin < end of winter < end; balance year 9-15 months, winter 4-9 months."""
    bad_end = (end <= begin).fillna(False).to_numpy()
    bad_winter = (winter.notna() & ((winter <= begin) | (winter >= end))).fillna(
        False
    ).to_numpy() & ~bad_end
    issues.add(bad_end, "date-order", "error", cols[2],
               lambda i, v: f"balance year ends {end.iloc[i].date()}, not after it begins {begin.iloc[i].date()}")  # fmt: skip
    issues.add(bad_winter, "date-order", "error", cols[1],
               lambda i, v: f"end of winter {winter.iloc[i].date()} is not between begin {begin.iloc[i].date()} "
                            f"and end {end.iloc[i].date()}")  # fmt: skip
    order = pd.Series(bad_end | bad_winter, index=begin.index)
    annual = _months(begin, end)
    issues.add(((annual < 9) | (annual > 15)).fillna(False).to_numpy() & ~order.fillna(False).to_numpy(),
               "period-length", "warning", cols[2], lambda i, v: f"balance year lasts {annual.iloc[i]:.1f} months")  # fmt: skip
    wint = _months(begin, winter)
    issues.add(((wint < 4) | (wint > 9)).fillna(False).to_numpy() & ~order.fillna(False).to_numpy(),
               "period-length", "warning", cols[1], lambda i, v: f"winter lasts {wint.iloc[i]:.1f} months")  # fmt: skip


def _band_checks(
    issues: Sink, key: pd.DataFrame, lower: pd.Series, upper: pd.Series, cols: tuple[str, str]
) -> None:
    """Bands within a glacier-year: lower < upper, no overlap, no gap."""
    frame = pd.DataFrame({"g": key["g"], "y": key["y"], "lo": lower, "hi": upper})
    issues.add((frame["lo"] >= frame["hi"]).to_numpy(), "band-overlap", "error", cols[1],
               lambda i, v: f"band upper bound {upper.iloc[i]:g} is not above its lower bound {lower.iloc[i]:g}")  # fmt: skip
    order = frame.sort_values(["g", "y", "lo"], kind="stable")
    prev = order.groupby(["g", "y"], sort=False)["hi"].shift()
    gap = (order["lo"] - prev).reindex(frame.index)
    issues.add((gap < -1e-6).to_numpy(), "band-overlap", "error", cols[0],
               lambda i, v: f"band starting at {lower.iloc[i]:g} m overlaps the band below it")  # fmt: skip
    issues.add((gap > 1e-6).to_numpy(), "band-gap", "warning", cols[0],
               lambda i, v: f"band starting at {lower.iloc[i]:g} m leaves a gap of {gap.iloc[i]:g} m below it")  # fmt: skip


def _aggregate_bands(
    key: pd.DataFrame, lower: pd.Series, upper: pd.Series, area: pd.Series, ba: pd.Series
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"g": key["g"], "y": key["y"], "lo": lower, "hi": upper, "a": area, "ba": ba}
    )
    frame["w"] = frame["a"] * frame["ba"]
    agg = frame.groupby(["g", "y"]).agg(area=("a", "sum"), weighted=("w", "sum"), zmin=("lo", "min"), zmax=("hi", "max"),
                                        n=("a", "size"), area_known=("a", "count"), ba_known=("ba", "count"))  # fmt: skip
    agg["mean"] = agg["weighted"] / agg["area"]
    return agg


def _glacier_wide_vs_bands(issues: Sink, g: pd.Series, y: pd.Series, area: pd.Series, ba: pd.Series,
                           agg: pd.DataFrame, unit_factor: float, cols: tuple[str, str]) -> None:  # fmt: skip
    idx = pd.MultiIndex.from_arrays([g, y])
    band = agg.reindex(idx)
    complete = (band["n"] == band["area_known"]).to_numpy() & (
        band["n"] == band["ba_known"]
    ).to_numpy()
    bad_area = complete & (
        (band["area"].to_numpy() - area.to_numpy())
        > FOG_CHECKS.band_area_tolerance * area.to_numpy()
    ) | complete & (
        (area.to_numpy() - band["area"].to_numpy())
        > FOG_CHECKS.band_area_tolerance * area.to_numpy()
    )
    issues.add(np.nan_to_num(bad_area, nan=False).astype(bool), "area-mismatch", "warning", cols[0],
               lambda i, v: f"bands sum to {band['area'].iloc[i]:.4g} km², the glacier-wide row says {v:.4g} km²", area)  # fmt: skip
    off = np.abs(band["mean"].to_numpy() - ba.to_numpy())
    issues.add(complete & (off > 10.0 * unit_factor), "band-mean-mismatch", "warning", cols[1],
               lambda i, v: f"area-weighted band mean {band['mean'].iloc[i]:.4g} differs from the glacier-wide {v:g}", ba)  # fmt: skip


def _ela_checks(issues: Sink, g: pd.Series, y: pd.Series, ela: pd.Series, prefix: pd.Series, aar: pd.Series,
                agg: pd.DataFrame, bands: pd.DataFrame, cols: tuple[str, str]) -> None:  # fmt: skip
    idx = pd.MultiIndex.from_arrays([g, y])
    rng = agg.reindex(idx)
    zmin, zmax = rng["zmin"].to_numpy(), rng["zmax"].to_numpy()
    e = ela.to_numpy(float)
    has_prefix = prefix.notna().to_numpy() if prefix is not None else np.zeros(len(ela), dtype=bool)
    outside = ~has_prefix & ((e < zmin - 1e-6) | (e > zmax + 1e-6))
    wrong_limit = (
        has_prefix
        & ~(np.isclose(e, zmin, atol=1) | np.isclose(e, zmax, atol=1))
        & np.isfinite(zmin)
    )
    issues.add(np.nan_to_num(outside | wrong_limit, nan=False).astype(bool), "ela-outside", "warning", cols[0],
               lambda i, v: f"ELA {v} m lies outside the bands' range {zmin[i]:g}-{zmax[i]:g} m" if not has_prefix[i]
               else f"ELA {v} m with ELA_PREFIX should be the glacier's lowest or highest elevation", ela)  # fmt: skip
    # AAR from the band areas above the ELA (bands split linearly)
    b = bands.join(pd.DataFrame({"ela": e}, index=idx).groupby(level=[0, 1]).first(), on=["g", "y"])
    frac = ((b["hi"] - b["ela"]) / (b["hi"] - b["lo"])).clip(0, 1)
    above = (frac * b["a"]).groupby([b["g"], b["y"]]).sum(min_count=1)
    total = b["a"].groupby([b["g"], b["y"]]).sum(min_count=1)
    computed = (above / total).reindex(idx).to_numpy()
    a = aar.to_numpy(float)
    bad = np.isfinite(computed) & np.isfinite(a) & ~has_prefix & (np.abs(computed - a) > 0.1)
    issues.add(bad, "aar-mismatch", "warning", cols[1],
               lambda i, v: f"AAR {v} disagrees with the band areas above the ELA ({computed[i]:.2f})", aar)  # fmt: skip


def _point_checks(issues: Sink, code: pd.Series, start: pd.Series, end: pd.Series, elevation: pd.Series,
                  g: pd.Series, agg: pd.DataFrame, codes: tuple[str, str], cols: tuple[str, str, str]) -> None:  # fmt: skip
    months = _months(start, end)
    issues.add((end <= start).fillna(False).to_numpy(), "date-order", "error", cols[1],
               lambda i, v: f"point period ends {end.iloc[i].date()}, not after it begins {start.iloc[i].date()}")  # fmt: skip
    bad = ((code == codes[0]) & ((months < 9) | (months > 15))) | (
        (code == codes[1]) & ((months < 4) | (months > 9))
    )
    issues.add(bad.fillna(False).to_numpy(), "code-period", "warning", cols[0],
               lambda i, v: f"balance code {v} but the period lasts {months.iloc[i]:.1f} months", code)  # fmt: skip
    rng = agg.groupby(level=0).agg(zmin=("zmin", "min"), zmax=("zmax", "max")).reindex(g)
    z = elevation.to_numpy(float)
    typo = (z < rng["zmin"].to_numpy() - 300) | (z > rng["zmax"].to_numpy() + 300)
    issues.add(np.nan_to_num(typo, nan=False).astype(bool), "elevation-typo", "warning", cols[2],
               lambda i, v: f"point elevation {v} m is far outside the glacier's {rng['zmin'].iloc[i]:g}-"
                            f"{rng['zmax'].iloc[i]:g} m", elevation)  # fmt: skip


def _name_checks(tables: dict[str, Table], ctx: dict[str, TableIssues], glacier_key: str, id_col: str, name_col: str,
                 g_id: str, g_name: str) -> None:  # fmt: skip
    if glacier_key not in tables:
        return
    ref = tables[glacier_key].frame
    names = (
        dict(zip(ref[g_id].dropna(), ref.loc[ref[g_id].notna(), g_name], strict=True))
        if g_id in ref
        else {}
    )
    for key, table in tables.items():
        if key == glacier_key or id_col not in table.frame or name_col not in table.frame:
            continue
        expected = table.frame[id_col].map(names)
        bad = expected.notna() & (expected != table.frame[name_col])
        ctx[key].add(bad.to_numpy(), "name-mismatch", "warning", name_col,
                     lambda i, v, e=expected: f"name {v!r} differs from {e.iloc[i]!r} in the glacier table",
                     table.frame[name_col])  # fmt: skip


def _consistency_upper(tables: dict[str, Table], parsed: dict[str, dict[str, pd.Series]], ctx: dict[str, TableIssues],
                       tol: float) -> None:  # fmt: skip
    _name_checks(tables, ctx, "A-GLACIER", "WGMS_ID", "NAME", "WGMS_ID", "NAME")
    e = tables.get("E-MASS_BALANCE_OVERVIEW")
    if e is not None:
        f = e.frame
        _date_checks(ctx[e.key], _upper_dates(f.get("BEGIN_PERIOD")), _upper_dates(f.get("END_WINTER")),
                     _upper_dates(f.get("END_PERIOD")), ("BEGIN_PERIOD", "END_WINTER", "END_PERIOD"))  # fmt: skip
    ee = tables.get("EE-MASS_BALANCE")
    agg = pd.DataFrame(columns=["zmin", "zmax"])
    if ee is not None:
        p, f = parsed[ee.key], ee.frame
        key = pd.DataFrame({"g": p["WGMS_ID"], "y": p["YEAR"]})  # keys on WGMS_ID, never NAME
        lb, ub = p["LOWER_BOUND"], p["UPPER_BOUND"]
        # the 9999 rows, and rows without bounds (glacier-wide extracts), are glacier-wide
        wide = ((lb == wgms.GLACIER_WIDE) & (ub == wgms.GLACIER_WIDE)) | (lb.isna() & ub.isna())
        w = wide.to_numpy()
        for rows, signs in ((w, True), (~w, False)):
            if rows.any():
                _balance_checks(_Sub(ctx[ee.key], rows), p["WINTER_BALANCE"][rows], p["SUMMER_BALANCE"][rows],
                                p["ANNUAL_BALANCE"][rows], tol, "mm", signs)  # fmt: skip
        if key is not None and (~wide).any():
            bands = ~wide.to_numpy()
            sub = _Sub(ctx[ee.key], bands)
            _band_checks(
                sub,
                key[bands],
                p["LOWER_BOUND"][bands],
                p["UPPER_BOUND"][bands],
                ("LOWER_BOUND", "UPPER_BOUND"),
            )
            agg = _aggregate_bands(key[bands], p["LOWER_BOUND"][bands], p["UPPER_BOUND"][bands], p["AREA"][bands],
                                   p["ANNUAL_BALANCE"][bands])  # fmt: skip
            _glacier_wide_vs_bands(_Sub(ctx[ee.key], w), key["g"][w], key["y"][w], p["AREA"][w], p["ANNUAL_BALANCE"][w],
                                   agg, 1.0, ("AREA", "ANNUAL_BALANCE"))  # fmt: skip
            if e is not None:
                pe = parsed[e.key]
                bands_frame = pd.DataFrame({"g": key["g"][bands], "y": key["y"][bands], "lo": p["LOWER_BOUND"][bands],
                                            "hi": p["UPPER_BOUND"][bands], "a": p["AREA"][bands]})  # fmt: skip
                _ela_checks(ctx[e.key], pe["WGMS_ID"], pe["YEAR"], pe["ELA"], e.frame.get("ELA_PREFIX"),
                            pe["AAR"] / 100.0, agg, bands_frame, ("ELA", "AAR"))  # fmt: skip
    eee = tables.get("EEE-MASS_BALANCE_POINT")
    if eee is not None:
        f, p = eee.frame, parsed[eee.key]
        _point_checks(ctx[eee.key], f["BALANCE_CODE"], _upper_dates(f["FROM_DATE"]), _upper_dates(f["TO_DATE"]),
                      p["POINT_ELEVATION"], p["WGMS_ID"], agg, ("BA", "BW"), ("BALANCE_CODE", "TO_DATE", "POINT_ELEVATION"))  # fmt: skip


def _consistency_lower(tables: dict[str, Table], parsed: dict[str, dict[str, pd.Series]], ctx: dict[str, TableIssues],
                       tol: float) -> None:  # fmt: skip
    _name_checks(tables, ctx, "glacier", "glacier_id", "glacier_name", "id", "short_name")
    mb = tables.get("mass_balance")
    band = tables.get("mass_balance_band")
    agg = pd.DataFrame(columns=["zmin", "zmax"])
    bands_frame = pd.DataFrame(columns=["g", "y", "lo", "hi", "a"])
    if band is not None:
        p, f = parsed[band.key], band.frame
        key = pd.DataFrame({"g": p["glacier_id"], "y": p["year"]})
        _balance_checks(
            ctx[band.key],
            p["winter_balance"],
            p["summer_balance"],
            p["annual_balance"],
            tol,
            "m",
            False,
        )
        _band_checks(
            ctx[band.key],
            key,
            p["lower_elevation"],
            p["upper_elevation"],
            ("lower_elevation", "upper_elevation"),
        )
        agg = _aggregate_bands(
            key, p["lower_elevation"], p["upper_elevation"], p["area"], p["annual_balance"]
        )
        bands_frame = pd.DataFrame({"g": key["g"], "y": key["y"], "lo": p["lower_elevation"], "hi": p["upper_elevation"],
                                    "a": p["area"]})  # fmt: skip
    if mb is not None:
        p, f = parsed[mb.key], mb.frame
        _balance_checks(
            ctx[mb.key], p["winter_balance"], p["summer_balance"], p["annual_balance"], tol, "m"
        )
        _date_checks(ctx[mb.key], p["begin_date"], p["midseason_date"], p["end_date"],
                     ("begin_date", "midseason_date", "end_date"))  # fmt: skip
        if band is not None:
            _glacier_wide_vs_bands(ctx[mb.key], p["glacier_id"], p["year"], p["area"], p["annual_balance"], agg, 0.001,
                                   ("area", "annual_balance"))  # fmt: skip
            _ela_checks(ctx[mb.key], p["glacier_id"], p["year"], p["ela"], f.get("ela_position"), p["aar"], agg,
                        bands_frame, ("ela", "aar"))  # fmt: skip
    pt = tables.get("mass_balance_point")
    if pt is not None:
        f, p = pt.frame, parsed[pt.key]
        _point_checks(ctx[pt.key], f["balance_code"], p["begin_date"], p["end_date"], p["elevation"], p["glacier_id"],
                      agg, ("annual", "winter"), ("balance_code", "end_date", "elevation"))  # fmt: skip


class _Sub:
    """Issues of a subset of a table's rows (masks refer to the subset, lines to the table)."""

    def __init__(self, issues: TableIssues, rows: np.ndarray) -> None:
        self.issues = issues
        self.positions = np.flatnonzero(rows)
        self.report = issues.report

    def add(
        self,
        mask: Any,
        code: str,
        severity: str,
        column: str | None,
        message: Any,
        values: Any = None,
    ) -> None:
        mask = np.asarray(mask, dtype=bool)
        full = np.zeros(len(self.issues.table.frame), dtype=bool)
        full[self.positions[mask]] = True
        lookup = {int(p): k for k, p in enumerate(self.positions)}
        msg = (lambda i, v: message(lookup[i], v)) if callable(message) else message
        vals = None
        if values is not None:
            vals = pd.Series([None] * len(full), dtype=object)
            vals.iloc[self.positions] = list(values)
        self.issues.add(full, code, severity, column, msg, vals)

"""Validate WGMS Fluctuations of Glaciers (FoG) releases of either generation, at full scale.

Input: a release folder or zip (upper-case ``WGMS-FoG-*-A/E/EE/EEE`` files,
possibly Latin-1, or ``data/*.csv``; lower-case 2025+ tables), or single
tables.  Every table is checked against mbpack's WGMS Table Schemas
(``schemas/wgms``) by vectorised pandas code — types, required fields,
enumerations, patterns (dates with ``99``), ranges, maximum lengths,
primary and foreign keys — and then the consistency checks people who use
FoG data rely on: the FoG rules of the one registry (:mod:`mbpack.checks.fog_rules`,
:mod:`mbpack.checks.registry`), applied here view by view.  Each issue names the file, the line,
the column, the glacier (WGMS id and name) and the year.

Memory stays bounded by what the cross-table checks need: the tables are
read one at a time, each in chunks of :attr:`~mbpack.params.FogChecks.chunk_rows`
rows parsed from the bytes, and once a chunk's own checks are done only its
keys, ids, names, years (as categories), parsed numbers and dates and the
few text columns the consistency checks read are kept.  A synthetic release
of 60 000 glacier-years, 300 000 band and 500 000 point rows peaks at about
400 MB (it was 490-600 MB with every table held whole as text; see
``bench/fog_case.py``).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbpack.checks import fog_rules as fr
from mbpack.checks.fog_rules import VIEWS, Bands, FogTest, Rows
from mbpack.checks.registry import Rule, allowed_text, range_fields, schema_message, severity
from mbpack.errors import UnreadableWorkbook
from mbpack.formats import wgms
from mbpack.issues import Issue, Report, SheetSummary
from mbpack.params import FOG_CHECKS


@dataclass
class Table:
    """One table of the release: its frame (text), file and schema."""

    key: str
    frame: pd.DataFrame
    file: str


#: The text columns the cross-table and consistency checks read, besides keys, ids, names and
#: years (numbers and dates are kept parsed); every other text column is let go once the
#: table's own checks are done, so that a release is held in memory as keys and numbers.
_KEPT_TEXT = {
    "upper": {"BEGIN_PERIOD", "END_WINTER", "END_PERIOD", "ELA_PREFIX", "BALANCE_CODE", "FROM_DATE",
              "TO_DATE"},
    "lower": {"ela_position", "balance_code"},
}  # fmt: skip


def _kept_columns(gen: str, key: str, names: tuple[str, str, str | None]) -> set[str]:
    """Columns of table ``key`` that checks after its own (:func:`foreign_keys`, names,
    consistency) read: its foreign keys, the fields other tables' keys reference, its id,
    name and year, and :data:`_KEPT_TEXT`."""
    keep = {n for n in names if n} | _KEPT_TEXT[gen] | {"id", "short_name", "WGMS_ID", "NAME"}
    tables = wgms.UPPER if gen == "upper" else wgms.LOWER
    for other in tables:
        for fk in wgms.load(gen, other).get("foreignKeys", []):  # type: ignore[arg-type]
            if other == key:
                keep |= set(fk["fields"])
            ref = fk["reference"]["resource"]
            if key.lower().replace("_", "-") == ref or key == ref:
                keep |= set(fk["reference"]["fields"])
    return keep


def read_table(data: bytes, where: str) -> pd.DataFrame:
    """A FoG table as text columns (:func:`mbpack.formats.wgms.read_csv_table`: UTF-8 with or
    without BOM, else Latin-1)."""
    return wgms.read_csv_table(data, where)


class TableIssues:
    """Collects issues of one table, addressed by file and line, glacier and year."""

    def __init__(
        self,
        report: Report,
        table: Table,
        id_col: str,
        name_col: str,
        year_col: str | None,
        offset: int = 0,
    ) -> None:
        self.report, self.table, self.offset = report, table, offset
        f = table.frame
        self.ids = f.get(id_col, None)
        self.names = f.get(name_col, None)
        self.years = f[year_col] if year_col and year_col in f else None

    def add(
        self, mask: Any, code: str, column: str | None, message: Any, values: Any = None
    ) -> None:
        """One issue of a Table Schema constraint (:data:`~mbpack.checks.registry.REGISTRY`'s
        ``schema`` rules give its severity) per True row of ``mask``; ``message(i, value)`` or
        a string."""
        level = severity(code, "schema")
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            value = None if values is None else values.iloc[i]
            self.one(
                int(i),
                code,
                level,
                column,
                message(i, value) if callable(message) else message,
                value,
            )

    def found(self, rule: Rule, rows: Rows) -> np.ndarray:
        """Apply a FoG rule to rows of this table: one issue per bad row, its message the rule's
        template formatted with the row's fields, its severity the rule's.

        Returns
        -------
        numpy.ndarray
            The rule's bad-row mask (over ``rows``).
        """
        mask, fields = rule.test(rows)  # type: ignore[misc]
        mask = np.asarray(mask, dtype=bool)
        column = rows.columns.get(rule.column or "", rule.column)
        for i in np.flatnonzero(mask):
            shown = {k: fr.field_value(v, int(i)) for k, v in fields.items()}
            position = int(i) if rows.positions is None else int(rows.positions[i])
            self.one(
                position,
                rule.code,
                rule.severity,
                column,
                rule.message.format(**shown),
                shown.get("value"),
            )
        return mask

    def one(self, i: int, code: str, level: str, column: str | None, text: str, value: Any) -> None:
        """The issue of row ``i`` (0-based, of this collector's rows)."""
        line = i + 2 + self.offset
        self.report.add(Issue(
            code, level, text, sheet=self.table.key, row=line, column=column,  # type: ignore[arg-type]
            cell=f"{Path(self.table.file).name}:{line}" + (f":{column}" if column else ""),
            value=None if value is None or (isinstance(value, float) and math.isnan(value)) else value,
            file=self.table.file, line=line,
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
    table: Table,
    descriptor: dict[str, Any],
    issues: TableIssues,
    *,
    keys: bool = True,
    columns: bool = True,
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
    keys, columns
        Check the primary key (:func:`check_primary_key`) and report missing
        columns; a table read in chunks checks its keys once, on the kept
        columns of every chunk, and its columns on the first chunk.

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
        name, cons, unit = field["name"], field.get("constraints", {}), field.get("unit")
        if name not in frame:
            if cons.get("required") and columns:
                issues.report.add(Issue("missing-column", severity("missing-column", "schema"),
                                        schema_message("missing-column", table=table.key, column=name),
                                        sheet=table.key, column=name, file=table.file))  # fmt: skip
            continue
        col = frame[name]
        present = col.notna().to_numpy()
        if cons.get("required"):
            issues.add(
                ~present, "missing-value", name, schema_message("missing-value", column=name)
            )
        kind = field["type"]
        if kind in ("integer", "number"):
            num = pd.to_numeric(col, errors="coerce")
            # an identifier is a serial number: point id 99999 is the 99 999th point, not no-data
            identifier = name.lower() == "id" or name.lower().endswith("_id")
            sentinel = (
                np.zeros(len(num), dtype=bool)
                if identifier
                else _field_rules(
                    issues, name, {"cell": col, "number": num}, cons, fr.number_sentinel
                )
            )
            num = num.mask(sentinel)
            present = present & ~sentinel
            bad = present & num.isna().to_numpy()
            if kind == "integer":
                bad |= present & (num.notna() & (num % 1 != 0)).to_numpy()
            issues.add(
                bad,
                "type-error",
                name,
                lambda i, v, n=name, k=kind: schema_message(
                    "type-error",
                    column=n,
                    value=v,
                    expected="an integer" if k == "integer" else "a number",
                ),
                col,
            )
            parsed[name] = num
            if "minimum" in cons:
                issues.add((num < cons["minimum"]).to_numpy(), "out-of-range", name,
                           lambda i, v, lo=cons["minimum"], n=name, u=unit: schema_message(
                               "out-of-range", column=n, **range_fields(v, lo, u, above=False)), col)  # fmt: skip
            if "maximum" in cons:
                issues.add((num > cons["maximum"]).to_numpy(), "out-of-range", name,
                           lambda i, v, hi=cons["maximum"], n=name, u=unit: schema_message(
                               "out-of-range", column=n, **range_fields(v, hi, u, above=True)), col)  # fmt: skip
        elif kind == "date":
            when = pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
            issues.add(present & when.isna().to_numpy(), "type-error", name,
                       lambda i, v, n=name: schema_message("type-error", column=n, value=v,
                                                           expected="a date YYYY-MM-DD"), col)  # fmt: skip
            parsed[name] = when
        if "enum" in cons:
            # a cell that fails the field's pattern too is reported once, by the pattern (or as
            # a sentinel: POLITICAL_UNIT 99)
            shaped = (
                col.str.fullmatch(cons["pattern"]).fillna(True).astype(bool).to_numpy()
                if "pattern" in cons
                else True
            )
            allowed = allowed_text(cons["enum"])
            issues.add(present & shaped & ~col.isin(cons["enum"]).to_numpy(), "not-in-enum", name,
                       lambda i, v, a=allowed, n=name: schema_message(
                           "not-in-enum", column=n, value=v, allowed=a), col)  # fmt: skip
        if name in wgms.UPPER_DATE_FIELDS and kind == "string":
            _field_rules(issues, name, {"cell": col}, cons, fr.date_invalid, fr.date_unknown_00)
        elif "pattern" in cons:
            ok = col.str.fullmatch(cons["pattern"]).fillna(True).astype(bool).to_numpy()
            failed = present & ~ok
            nines = _field_rules(
                issues, name, {"cell": col, "pattern_failed": failed}, cons, fr.text_sentinel
            )
            issues.add(failed & ~nines, "pattern", name,
                       lambda i, v, n=name, p=cons["pattern"]: schema_message(
                           "pattern", column=n, value=v, pattern=p), col)  # fmt: skip
        if name in wgms.FREE_TEXT and kind == "string":
            _field_rules(issues, name, {"cell": col}, cons, fr.text_control, fr.text_formula)
        if "maxLength" in cons:
            issues.add((col.str.len() > cons["maxLength"]).fillna(False).to_numpy(), "too-long", name,
                       lambda i, v, n=name, m=cons["maxLength"]: schema_message(
                           "too-long", column=n, value=v, max_length=m), col)  # fmt: skip
    if keys:
        check_primary_key(table, descriptor, issues)
    return parsed


def check_primary_key(table: Table, descriptor: dict[str, Any], issues: TableIssues) -> None:
    """Duplicate primary keys (errors, at the second and later rows of a key)."""
    frame = table.frame
    pk = [k for k in descriptor.get("primaryKey", []) if k in frame]
    if pk:
        dup = frame.duplicated(subset=pk, keep="first").to_numpy()
        issues.add(dup, "duplicate-key", pk[0],
                   lambda i, v, pk=pk: schema_message(
                       "duplicate-key", key=", ".join(f"{k}={frame[k].iloc[i]}" for k in pk)))  # fmt: skip


def _field_rules(
    issues: TableIssues, name: str, data: dict[str, Any], cons: dict[str, Any], *tests: FogTest
) -> np.ndarray:
    """Apply field rules (:mod:`mbpack.checks.fog_rules`, view ``field``) to column ``name`` of a
    chunk; returns the union of their bad-cell masks."""
    rows = Rows("field", "", issues.table.key, data, {"cell": name}, constraints=cons)
    bad = np.zeros(len(data["cell"]), dtype=bool)
    for test in tests:
        bad |= issues.found(fr.rule_of(test), rows)
    return bad


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
            ctx[key].add(missing, "foreign-key", cols[0],
                         lambda i, v, c=cols, t=table, r=ref.key: schema_message(
                             "foreign-key", key=", ".join(f"{x}={t.frame[x].iloc[i]}" for x in c), reference=r))  # fmt: skip


def _upper_dates(col: pd.Series | None) -> pd.Series:
    """YYYYMMDD dates; NaT where month or day is unknown (99) or the text is not a date."""
    if col is None:
        return pd.Series(pd.NaT, index=pd.RangeIndex(0), dtype="datetime64[ns]")
    text = col.astype(object).fillna("").astype(str)
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
    ctx: dict[str, TableIssues] = {}
    parsed: dict[str, dict[str, pd.Series]] = {}
    gen = generation
    for stem, data, where in wgms.sources(path):  # one table's text in memory at a time
        chunks = wgms.read_csv_chunks(data, where, FOG_CHECKS.chunk_rows)
        first = next(chunks)
        gen = gen or wgms.detect_generation(list(first.columns))
        key = wgms.table_key(stem, gen) if gen in ("upper", "lower") else stem  # type: ignore[arg-type]
        if key not in (wgms.UPPER if gen == "upper" else wgms.LOWER):
            report.add(Issue("unknown-table", "warning", f"{where}: not a WGMS {gen}-case table; not checked",
                             file=where, value=stem))  # fmt: skip
            continue
        tables[key], parsed[key], ctx[key] = _check_table(
            key, gen, itertools.chain([first], chunks), where, report
        )
        del data, chunks, first
    if gen not in ("upper", "lower"):
        raise UnreadableWorkbook(f"{path}: generation must be 'upper' or 'lower', not {gen!r}")
    foreign_keys(tables, gen, report, ctx)
    consistency(tables, parsed, ctx, gen, tolerance if gen == "upper" else tolerance / 1000.0)
    return report


def _check_table(
    key: str, gen: str, chunks: Iterator[pd.DataFrame], where: str, report: Report
) -> tuple[Table, dict[str, pd.Series], TableIssues]:
    """A table's own checks, chunk by chunk; what later checks need is kept.

    Returns
    -------
    tuple
        The table with only the :func:`_kept_columns` (and its primary key), its parsed
        numbers and dates, and the issues collector addressing its rows.
    """
    descriptor = wgms.load(gen, key)  # type: ignore[arg-type]
    names = id_name_year(gen, key)
    keep = _kept_columns(gen, key, names) | set(descriptor.get("primaryKey", []))
    kept: list[pd.DataFrame] = []
    parsed_parts: list[dict[str, pd.Series]] = []
    rows = 0
    for chunk in chunks:
        wgms.normalise_header(chunk, wgms.columns(gen, key))  # type: ignore[arg-type]  # Year = YEAR
        chunk.index = pd.RangeIndex(rows, rows + len(chunk))
        issues = TableIssues(report, Table(key, chunk, where), *names, offset=rows)
        parsed_parts.append(check_schema(issues.table, descriptor, issues, keys=False,
                                         columns=not kept))  # fmt: skip
        # as categories (a name repeated on every row is stored once), and so a copy: a column
        # of the chunk would keep its whole block of text alive
        kept.append(chunk[[c for c in chunk.columns if c in keep]].astype("category"))
        rows += len(chunk)
    frame = _concat_categories(kept)
    parsed = {name: pd.concat([p[name] for p in parsed_parts], ignore_index=True)
              for name in parsed_parts[0]}  # fmt: skip
    report.sheets[key] = SheetSummary(rows=rows)
    for field in descriptor["fields"]:  # absent optional columns read as empty
        if field["type"] in ("integer", "number", "date") and field["name"] not in parsed:
            parsed[field["name"]] = pd.Series(np.nan if field["type"] != "date" else pd.NaT,
                                              index=frame.index)  # fmt: skip
        if field["name"] in keep and field["name"] not in frame:
            frame[field["name"]] = pd.Series(None, index=frame.index, dtype=object)
    table = Table(key, frame, where)
    issues = TableIssues(report, table, *names)
    check_primary_key(table, descriptor, issues)
    return table, parsed, issues


def _concat_categories(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of categorical columns one after the other, still categorical (``pd.concat``
    turns categories that differ between the parts into objects)."""
    from pandas.api.types import union_categoricals

    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    return pd.DataFrame(
        {c: union_categoricals([p[c] for p in parts], ignore_order=True) for c in parts[0].columns}
    )


def id_name_year(gen: str, key: str) -> tuple[str, str, str | None]:
    """The id, name and year columns that address a table's issues."""
    if gen == "upper":
        return "WGMS_ID", "NAME", "YEAR"
    return (
        ("id", "short_name", None) if key == "glacier" else ("glacier_id", "glacier_name", "year")
    )


def consistency(
    tables: dict[str, Table],
    parsed: dict[str, dict[str, pd.Series]],
    ctx: dict[str, TableIssues],
    generation: str,
    tolerance: float,
) -> None:
    """Apply every registered FoG rule (:mod:`mbpack.checks.fog_rules`) to its views of the
    release: the names of every table, then the glacier-years, glacier-wide balances, bands
    and points.

    Parameters
    ----------
    tables, parsed, ctx
        Per table key, the kept columns (:func:`_check_table`), the parsed numbers and dates,
        and the issue collector.
    generation
        ``upper`` or ``lower``.
    tolerance
        Allowed |B_a - (B_w + B_s)| in the generation's unit (mm w.e. upper case, m w.e. lower).
    """
    for rows in _named_rows(tables, generation):
        _apply(rows, ctx[rows.table])
    bands = _bands(tables, parsed, generation)
    for view in ("glacier-year", "glacier-wide", "band", "point"):
        found = _view_rows(view, tables, parsed, generation, tolerance, bands)
        if found is not None:
            _apply(found, ctx[found.table])


def _apply(rows: Rows, issues: TableIssues) -> None:
    for rule in fr.view_rules(rows.view):
        if rule.extra.get("needs_bands") and rows.bands is None:
            continue
        issues.found(rule, rows)


def _named_rows(tables: dict[str, Table], gen: str) -> Iterator[Rows]:
    """Per table other than the glacier table: its names and the glacier table's name of its WGMS_ID."""
    glacier, g_id, g_name = (
        ("A-GLACIER", "WGMS_ID", "NAME") if gen == "upper" else ("glacier", "id", "short_name")
    )
    id_col = "WGMS_ID" if gen == "upper" else "glacier_id"
    name_col = VIEWS["named"].columns[gen]["name"]
    if glacier not in tables:
        return
    ref = tables[glacier].frame
    names: dict[Any, Any] = {}
    if g_id in ref:
        ids = ref[g_id].astype(object)
        known = ids.notna()
        names = dict(zip(ids[known], ref.loc[known, g_name].astype(object), strict=True))
    for key, table in tables.items():
        if key == glacier or id_col not in table.frame or name_col not in table.frame:
            continue
        expected = table.frame[id_col].astype(object).map(names)
        yield Rows("named", gen, key, {"name": table.frame[name_col].astype(object), "expected": expected},
                   {"name": name_col})  # fmt: skip


def _glacier_wide(p: dict[str, pd.Series]) -> np.ndarray:
    """Rows of an upper-case EE-MASS_BALANCE that are glacier-wide: bounds 9999, or no bounds
    (glacier-wide extracts)."""
    lb, ub = p["LOWER_BOUND"], p["UPPER_BOUND"]
    wide = ((lb == wgms.GLACIER_WIDE) & (ub == wgms.GLACIER_WIDE)) | (lb.isna() & ub.isna())
    return np.asarray(wide.to_numpy(), dtype=bool)


def _view_rows(view: str, tables: dict[str, Table], parsed: dict[str, dict[str, pd.Series]], gen: str,
               tolerance: float, bands: Bands | None) -> Rows | None:  # fmt: skip
    """The rows of a view (:data:`~mbpack.checks.fog_rules.VIEWS`) in the release, its columns by
    role: parsed numbers and dates, upper-case ``YYYYMMDD`` dates as dates, other text as text;
    ``None`` without the table (or, upper case, without such rows)."""
    v = VIEWS[view]
    (key,) = v.tables[gen]
    if key not in tables:
        return None
    p, frame = parsed[key], tables[key].frame
    positions = None
    if gen == "upper" and view in ("glacier-wide", "band"):
        wide = _glacier_wide(p)
        positions = np.flatnonzero(wide if view == "glacier-wide" else ~wide)
        if not len(positions):
            return None
    data: dict[str, Any] = {}
    for role, column in v.columns[gen].items():
        if column in p:
            col = p[column]
        elif gen == "upper" and column in wgms.UPPER_DATE_FIELDS:
            col = _upper_dates(frame.get(column))
        else:
            col = frame.get(column)
        data[role] = col if positions is None or col is None else col.iloc[positions]
    if gen == "upper" and view == "glacier-year":
        data["aar"] = data["aar"] / 100.0  # per cent in upper case, a fraction in lower case
    return Rows(
        view, gen, key, data, v.columns[gen], tolerance=tolerance, bands=bands, positions=positions
    )


def _bands(
    tables: dict[str, Table], parsed: dict[str, dict[str, pd.Series]], gen: str
) -> Bands | None:
    """The release's bands and their aggregate per glacier-year (:class:`~mbpack.checks.fog_rules.Bands`);
    ``None`` without a band table (lower case) or band rows (upper case)."""
    (key,) = VIEWS["band"].tables[gen]
    if key not in tables:
        return None
    p, c = parsed[key], VIEWS["band"].columns[gen]
    g, y, lo, hi, a, ba = (
        p[c[r]] for r in ("glacier_id", "year", "lower", "upper", "area", "annual")
    )
    if gen == "upper":
        bands = ~_glacier_wide(p)
        if not bands.any():
            return None
        g, y, lo, hi, a, ba = (x[bands] for x in (g, y, lo, hi, a, ba))
    frame = pd.DataFrame({"g": g, "y": y, "lo": lo, "hi": hi, "a": a})
    return Bands(_aggregate_bands(frame, ba), frame)


def _aggregate_bands(bands: pd.DataFrame, ba: pd.Series) -> pd.DataFrame:
    """Per (glacier id, year): band area, area-weighted balance, range and counts (:class:`Bands`)."""
    frame = bands.assign(ba=ba)
    frame["w"] = frame["a"] * frame["ba"]
    agg = frame.groupby(["g", "y"]).agg(area=("a", "sum"), weighted=("w", "sum"), zmin=("lo", "min"), zmax=("hi", "max"),
                                        n=("a", "size"), area_known=("a", "count"), ba_known=("ba", "count"))  # fmt: skip
    agg["mean"] = agg["weighted"] / agg["area"]
    return agg

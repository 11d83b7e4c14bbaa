"""The Frictionless data package of a workbook: ``data/*.csv`` and ``datapackage.json``.

Every non-empty sheet becomes ``data/<sheet>.csv`` (RFC 4180: UTF-8, CRLF, ISO dates,
canonical units; the key-value sheets glacier and dataset as one-row tables
with the schema's columns), described in ``datapackage.json`` by its Table
Schema from ``schemas/`` (with the custom ``unit`` and ``aliases``
properties), primary and foreign keys.  Computed results go to
``data/results/<table>.csv``, other tables given by the caller to
``data/extra/<name>.csv``.

Notes
-----
Round trip.  :func:`read_package` gives back the workbook's tables exactly
(same values, dtypes and column order): numbers are written with the
shortest text that reads back as the same float64 (Python ``repr``), dates as
``YYYY-MM-DD`` (the schemas' ``date`` type: a time of day is not kept),
booleans as ``True``/``False``, missing values as empty cells.

Formula injection.  Free-text columns (string fields of a schema without
``enum`` or ``pattern``: names, ids, remarks, descriptions) are written
through :func:`mbpack.escape.neutralise`: a text a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading apostrophe, and a
text that already starts with apostrophes before such a character gets one
more.  The mapping is injective, and :func:`read_package` applies its inverse
:func:`mbpack.escape.restore` to the same columns, so the round trip stays
exact while the CSV opened in a spreadsheet shows text, not a formula.
Constrained columns (enumerations, patterns such as the DOI or ORCID) are
left alone: their constraints already exclude formula starts, and prefixing
them would break the published constraints.  Because ids are neutralised the
same way in every table, foreign keys still match inside the CSV files.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbpack.errors import MbpackError
from mbpack.escape import neutralise, restore
from mbpack.params import BUFFERS
from mbpack.workbook import schema
from mbpack.workbook.model import DTYPES, Workbook, conform

#: Units of the computed columns that are not in the workbook schemas.
RESULT_UNITS: dict[str, str] = {
    "extrapolated_area": "1", "ablation_gradient": "kg m-2 (100 m)-1", "balance_gradient": "kg m-2 (100 m)-1", "point_unc": "kg m-2",
    "spatial_unc": "kg m-2", "point_unc_systematic": "kg m-2", "method_unc": "kg m-2", "reference_area_unc": "kg m-2", "cumulative_balance": "kg m-2",
    "cumulative_balance_unc": "kg m-2", "lower_balance": "kg m-2", "upper_balance": "kg m-2", "area": "km2",
    "mean_balance": "kg m-2", "mean_winter_balance": "kg m-2", "mean_summer_balance": "kg m-2",
    "mean_annual_balance": "kg m-2", "aar0": "1", "ela0": "m", "reported": "", "computed": "",
    "difference": "", "balance": "kg m-2",
}  # fmt: skip

#: Computed result tables exported from a results object (attribute names), in order.
RESULT_TABLES = (
    "glacier_balance",
    "band_balance",
    "point_balance",
    "isoline_areas",
    "series",
    "comparison",
)

#: Names allowed for extra tables (they become file names inside ``data/extra/``).
EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def free_text(sheet: str) -> set[str]:
    """String fields of ``sheet`` without enum or pattern constraint: where user text goes.

    >>> sorted(free_text("authors"))
    ['affiliation', 'name']
    """
    return {f["name"] for f in schema.fields(sheet)
            if f["type"] == "string" and not {"enum", "pattern"} & set(f.get("constraints", {}))}  # fmt: skip


def text_columns(frame: pd.DataFrame, sheet: str | None) -> set[str]:
    """Columns written through :func:`neutralise`: the sheet's free text and any column of text
    that the sheet's schema does not describe."""
    known = set(schema.field_names(sheet)) if sheet else set()
    other = {c for c in frame.columns if c not in known
             and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype))}  # fmt: skip
    return (free_text(sheet) if sheet else set()) | other


def write_csv(frame: pd.DataFrame, path: Path, neutralised: set[str]) -> None:
    """Write a table as UTF-8 CSV with ISO dates; text in ``neutralised`` columns made safe for
    a spreadsheet (:func:`mbpack.escape.neutralise`).

    Parameters
    ----------
    frame
        The table.
    path
        The CSV file (its folder is created).
    neutralised
        Columns of text that came from a workbook (:func:`text_columns`).

    Notes
    -----
    The bytes are those of ``DataFrame.to_csv(index=False, lineterminator="\\r\\n")`` of the
    frame with its dates as ``YYYY-MM-DD`` text: numbers as numpy's shortest round-trip text,
    missing values blank, fields holding ``,``, ``"``, CR or LF quoted with ``"`` doubled
    (RFC 4180, the csv module's minimal quoting).  Each column is formatted once per
    distinct value (ids, dates, densities and elevations repeat over a million rows) and the
    rows are joined in blocks, which takes a fraction of pandas' time on a million rows.
    Tables this writer does not cover (one column, non-text column names, extension dtypes
    other than strings and masked integers) are written by pandas itself.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = _csv_columns(frame, neutralised)
    if cells is None:
        _write_csv_pandas(frame, path, neutralised)
        return
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(_csv_quoted(str(c)) for c in frame.columns) + "\r\n")
        step = BUFFERS.csv_block_rows
        for start in range(0, len(frame), step):
            stop = min(start + step, len(frame))
            block = [texts[codes[start:stop]].tolist() for codes, texts in cells]
            out.write("\r\n".join(map(",".join, zip(*block, strict=True))) + "\r\n")


def _write_csv_pandas(frame: pd.DataFrame, path: Path, neutralised: set[str]) -> None:
    """:func:`write_csv` by pandas: the reference bytes, for the tables the fast path leaves."""
    out = frame.copy()
    for col in out.columns:
        if col in neutralised:
            out[col] = _neutralised(out[col])
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif out[col].dtype == np.float64 and out[col].isna().any():
            out[col] = _number_text(out[col].to_numpy())
    # CRLF as RFC 4180 has it; it also makes the csv writer quote a text holding a lone CR,
    # which it leaves bare with LF line ends (and readers then drop it)
    out.to_csv(path, index=False, lineterminator="\r\n", encoding="utf-8")


def _csv_quoted(text: str) -> str:
    """``text`` as a CSV field: quoted, ``"`` doubled, when it holds ``,``, ``"``, CR or LF."""
    if "," in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_columns(
    frame: pd.DataFrame, neutralised: set[str]
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Every column as (codes, field texts): row ``i`` is ``texts[codes[i]]``, a field
    ready to join; None when the fast path does not cover the table."""
    if frame.shape[1] < 2 or not all(isinstance(c, str) for c in frame.columns):
        return None  # pandas quotes a row of one blank field; names other than text
    out = []
    for col in frame.columns:
        got = _csv_column(frame[col], col in neutralised)
        if got is None:
            return None
        out.append(got)
    return out


def _csv_column(values: pd.Series, neutralised: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, texts) of one column as pandas' ``to_csv`` writes it (see :func:`write_csv`)."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        # the bits, not the values, are the key: -0.0 and 0.0 are written differently
        codes, bits = pd.factorize(values.to_numpy().view(f"i{dtype.itemsize}"))
        numbers = bits.view(dtype)
        missing = np.isnan(numbers)
        texts = numbers.astype(str).astype(object)
        texts[missing] = ""
    elif isinstance(dtype, np.dtype) and dtype.kind == "M":
        codes, uniques = pd.factorize(values)  # NaT → -1
        texts = np.asarray(pd.Series(uniques).dt.strftime("%Y-%m-%d"), dtype=object)
    elif isinstance(dtype, np.dtype) and dtype.kind in "iub":
        codes, uniques = pd.factorize(values.to_numpy())
        texts = np.array([str(v) for v in uniques.tolist()], dtype=object)
    elif _factorizable(values):
        # strings, integers or booleans only: equal values are the same text; NA → -1
        codes, uniques = pd.factorize(values)
        plain = list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
        if neutralised:
            plain = [neutralise(v) for v in plain]
        texts = np.array([str(v) for v in plain], dtype=object)
    else:
        return None
    quoted = np.array([_csv_quoted(t) for t in texts.tolist()] + [""], dtype=object)
    return np.asarray(codes, dtype=np.intp), quoted


def _factorizable(values: pd.Series) -> bool:
    """Whether equal values of the column are written as the same text: strings, (masked)
    integers or booleans, with missing values; not a mix (``1``, ``1.0`` and ``True`` are
    equal)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_integer_dtype(dtype):
        return True
    if isinstance(dtype, pd.BooleanDtype):
        return True
    return pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(
        values, skipna=True
    ) in ("string", "empty")


def _number_text(values: np.ndarray) -> np.ndarray:
    """A float column as the text pandas writes for it (``astype(str)``; blank for NaN), with
    only the numbers formatted: a column of mostly blanks costs its numbers, not its rows."""
    text = np.full(len(values), "", dtype=object)
    known = ~np.isnan(values)
    text[known] = values[known].astype(str)
    return text


def _neutralised(values: pd.Series) -> pd.Series:
    """:func:`neutralise` of every value, called once per distinct value (ids, codes and
    surfaces repeat over a million rows) and rewriting only the rows whose value it changes."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    changed = [i for i, u in enumerate(uniques) if neutralise(u) is not u]
    if not changed:
        return values
    rows = np.isin(codes, changed)
    out = values.copy()
    out[rows] = values[rows].map(neutralise)
    return out


def slug(text: str) -> str:
    """A data-package name: lower case letters, digits, ``-``.

    >>> slug("Glacier No. 51, Kuitun River")
    'glacier-no-51-kuitun-river'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def _field_for(name: str, dtype: Any) -> dict[str, Any]:
    if pd.api.types.is_bool_dtype(dtype):
        kind = "boolean"
    elif pd.api.types.is_integer_dtype(dtype):
        kind = "integer"
    elif pd.api.types.is_float_dtype(dtype):
        kind = "number"
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        kind = "date"
    else:
        kind = "string"
    field: dict[str, Any] = {"name": name, "type": kind}
    if RESULT_UNITS.get(name):
        field["unit"] = RESULT_UNITS[name]
    return field


def _table_schema(sheet: str | None, frame: pd.DataFrame) -> dict[str, Any]:
    """The Table Schema of ``frame`` as written: one field per column, in the column order.

    Columns the sheet's schema knows keep its field descriptor (type, ``unit``,
    ``aliases``, constraints); other columns get a field inferred from the
    dtype (with the unit of :data:`RESULT_UNITS`).  Keys that name a column
    not written are dropped.
    """
    if sheet is not None:
        descriptor = copy.deepcopy(schema.load_schema(sheet))
        for name in ("$schema", "name", "title", "description", "layout"):
            descriptor.pop(name, None)
    else:
        descriptor = {"fields": [], "missingValues": [""]}
    known = {f["name"]: f for f in descriptor["fields"]}
    columns = [str(c) for c in frame.columns]
    descriptor["fields"] = [known.get(c) or _field_for(c, frame[c].dtype) for c in columns]
    primary = descriptor.get("primaryKey")
    if primary is not None and not set([primary] if isinstance(primary, str) else primary) <= set(
        columns
    ):
        descriptor.pop("primaryKey")
    if "foreignKeys" in descriptor:
        descriptor["foreignKeys"] = [
            fk for fk in descriptor["foreignKeys"] if set(fk["fields"]) <= set(columns)
        ]
    return descriptor


def export_tables(
    workbook: Workbook,
    directory: str | Path,
    results: Any = None,
    *,
    extra_tables: dict[str, pd.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write ``data/<sheet>.csv`` for every non-empty table, inside ``directory`` only.

    Parameters
    ----------
    workbook
        The workbook (canonical units).
    directory
        The package folder; files are written only below ``directory/data``.
    results
        Computed results (:class:`mbpack.balance.compute.Results`): its non-empty
        tables of :data:`RESULT_TABLES` go to ``data/results/<table>.csv``
        as resources ``computed_<table>``.
    extra_tables
        Further tables, name → DataFrame, written to ``data/extra/<name>.csv``
        (names: lower-case letters, digits, ``_``).

    Returns
    -------
    dict
        Resource name → path relative to ``directory`` (POSIX form in the
        descriptor).

    Raises
    ------
    MbpackError
        When an extra table's name is not a plain lower-case name.
    """
    directory = Path(directory)
    written: dict[str, Path] = {}
    for sheet in schema.SHEETS:
        frame = workbook.tables[sheet]
        if frame.empty or (sheet in schema.KEY_VALUE_SHEETS and frame.isna().all().all()):
            continue
        rel = Path("data") / f"{sheet}.csv"
        write_csv(frame, directory / rel, text_columns(frame, sheet))
        written[sheet] = rel
    if results is not None:
        for name in RESULT_TABLES:
            frame = getattr(results, name, None)
            if frame is None or frame.empty:
                continue
            rel = Path("data") / "results" / f"{name}.csv"
            write_csv(frame, directory / rel, text_columns(frame, None))
            written[f"computed_{name}"] = rel
    for name, frame in (extra_tables or {}).items():
        if not EXTRA_NAME.match(name) or name in written:
            raise MbpackError(
                f"extra table name {name!r}: use lower-case letters, digits and _ "
                f"(not one of {sorted(written)})"
            )
        rel = Path("data") / "extra" / f"{name}.csv"
        write_csv(frame, directory / rel, text_columns(frame, None))
        written[name] = rel
    return written


def datapackage_descriptor(
    workbook: Workbook,
    paths: dict[str, Path],
    ctx: dict[str, Any],
    results: Any = None,
    *,
    extra_tables: dict[str, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """The ``datapackage.json`` of the exported tables (Frictionless Data Package v2).

    Parameters
    ----------
    workbook, results, extra_tables
        What :func:`export_tables` was given.
    paths
        What :func:`export_tables` returned.
    ctx
        :func:`mbpack.publish.metadata.metadata_context` of the workbook.

    Returns
    -------
    dict
        name, title, description (saying so when the data are synthetic),
        version, keywords, contributors (role ``creator``, ORCID as path),
        licenses (SPDX name and URL), sources, homepage (the DOI) and one
        resource per table with its Table Schema inlined: the sheet's schema
        with ``unit`` and ``aliases``, its primary key, and foreign keys to the
        resources present.  Keys in a fixed order, so that the JSON of the
        same input is byte-identical.
    """
    d = ctx["dataset"]
    resources: list[dict[str, Any]] = []
    for name, rel in paths.items():
        if name.startswith("computed_"):
            table = name.removeprefix("computed_")
            frame = getattr(results, table)
            sheet = table if table in schema.SHEETS else None
            title = f"Computed {table.replace('_', ' ')}"
        elif name in schema.SHEETS:
            frame, sheet = workbook.tables[name], name
            title = schema.load_schema(name)["title"]
        else:
            frame, sheet = (extra_tables or {})[name], None
            title = name.replace("_", " ").capitalize()
        table_schema = _table_schema(sheet, frame)
        if name.startswith("computed_"):
            table_schema.pop("foreignKeys", None)
            if table == "glacier_balance" and {"year", "method"} <= set(frame.columns):
                table_schema["primaryKey"] = ["year", "method"]
        resources.append({
            "name": name, "path": rel.as_posix(), "title": title, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "schema": table_schema,
        })  # fmt: skip
    present = set(paths)
    for res in resources:  # foreign keys only to resources that exist
        fks = [
            fk
            for fk in res["schema"].get("foreignKeys", [])
            if fk["reference"]["resource"] in present
        ]
        if fks:
            res["schema"]["foreignKeys"] = fks
        else:
            res["schema"].pop("foreignKeys", None)
    title = ctx["title"] or f"Mass balance of {ctx['glacier'].get('name')}"
    package: dict[str, Any] = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": slug(str(ctx["glacier"].get("name") or title)),
        "title": title,
        "description": ctx.get("abstract") or d.get("description") or title,
        "version": d.get("version") or None,
        "keywords": ctx["keywords"] or None,
        "contributors": [
            {"title": a["name"], "roles": ["creator"], **({"path": f"https://orcid.org/{a['orcid']}"} if a["orcid"] else {}),
             **({"organization": a["affiliation"]} if a["affiliation"] else {})}
            for a in ctx["authors"]
        ] or None,
        "licenses": [{"name": ctx["licence"], "path": ctx["licence_url"], "title": ctx["licence"]}]
        if ctx["licence"] and ctx["licence_url"] else None,
        "sources": [{"title": d.get("data_source") or "observation workbook", **(
            {"path": ctx["doi_url"]} if ctx["doi_url"] else {})}],
        "homepage": ctx["doi_url"],
        "resources": resources,
    }  # fmt: skip
    return {k: v for k, v in package.items() if v is not None}


#: Former name of :func:`datapackage_descriptor`, kept for its callers.
descriptor = datapackage_descriptor


def write_descriptor(package: dict[str, Any], directory: str | Path) -> Path:
    """Write ``directory/datapackage.json`` (UTF-8, two-space indent, key order as built)."""
    path = Path(directory) / "datapackage.json"
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


#: A number exactly as :func:`export_tables` writes it (Python ``repr`` of a float or int).
_CANONICAL_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_CANONICAL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(text: str) -> Any:
    """A ``YYYY-MM-DD`` text as written by :func:`export_tables` as a datetime, any other text
    (``2001-02-30`` too) as it is, for the date converter to read or report."""
    if _CANONICAL_DATE.match(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    return text


def _column(values: list[str], kind: str, text: bool) -> tuple[Any, list[Any]]:
    """One CSV column typed cell by cell (:mod:`mbpack.workbook.cells`): the values as
    :func:`export_tables` writes them are read directly, any other text (an edit) goes
    through the workbook's cell converters, which read it or say why not.  Text is kept
    exactly (the round trip is exact)."""
    from mbpack.workbook import cells

    if kind in ("number", "integer"):
        raw: list[Any] = [float(v) if _CANONICAL_NUMBER.match(v) else v for v in values]
        return cells.to_number(raw) if kind == "number" else cells.to_integer(raw)
    if kind == "date":
        return cells.to_date([_iso_date(v) for v in values])
    if kind == "boolean":
        return cells.to_boolean(values)
    undo = restore if text else str  # text exactly as written (spaces are data), "" missing
    return [undo(v) if v != "" else None for v in values], []


def read_package(directory: str | Path, problems: list[str] | None = None) -> Workbook:
    """Read the ``data/<sheet>.csv`` of a package written by :func:`export_tables` into a workbook.

    Columns of the sheet's schema get its type; further columns are kept as
    text.  Free-text columns are restored (see the module notes).  A CSV edited
    since (in a spreadsheet, by hand) is read cell by cell like a workbook
    sheet: a byte-order mark, numbers and dates in other spellings are read
    (with a note); a cell that cannot be read is dropped, and only that cell.

    Parameters
    ----------
    directory
        The package folder (holding ``data/``).
    problems
        Collects one line per cell that was converted or dropped, naming the
        file, line, column and value, and per column the schema does not
        know.  Without it, the first dropped cell raises.

    Raises
    ------
    MbpackError
        When the folder is not a package (no ``data/glacier.csv``), a CSV is
        not UTF-8 or not a table, or (without ``problems``) a value cannot be
        read as its field's type, naming the file, line, column and value.
    """
    directory = Path(directory)
    if not (directory / "data").is_dir():
        hint = (
            f"; give its parent folder {directory.parent}"
            if directory.name == "data" and (directory / "glacier.csv").is_file()
            else ""
        )
        raise MbpackError(
            f"{directory}: not a package folder written by mbpack package (it has no data/ "
            f"folder){hint}"
        )
    if not (directory / "data" / "glacier.csv").is_file():
        raise MbpackError(f"{directory}: data/glacier.csv is missing; nothing to import")
    tables: dict[str, pd.DataFrame] = {}
    for sheet in schema.SHEETS:
        path = directory / "data" / f"{sheet}.csv"
        if not path.exists():
            continue
        try:  # utf-8-sig: a spreadsheet saving "CSV UTF-8" writes a byte-order mark
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MbpackError(
                f"{path}: not UTF-8 (byte {exc.start}: {exc.object[exc.start : exc.start + 1]!r}); "
                "save it as CSV UTF-8"
            ) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise MbpackError(f"{path}: not a CSV table ({exc})") from None
        kinds = {f["name"]: f["type"] for f in schema.fields(sheet)}
        text = free_text(sheet) | {c for c in frame.columns if c not in kinds}
        for col in frame.columns:
            if col not in kinds and problems is not None:
                problems.append(f"{path.name}: column {col!r} is not a {sheet} field; kept as text")
            kind = kinds.get(col, "string")
            typed, notes = _column(frame[col].tolist(), kind, col in text)
            for note in notes:
                where = f"{path.name} line {note.position + 2}, column {col}"
                if problems is None and note.severity == "error":
                    raise MbpackError(f"{path}: line {note.position + 2}, column {col} is not of "
                                      f"type {kind}: {note.message}")  # fmt: skip
                if problems is not None:
                    dropped = "; the cell was dropped" if note.severity == "error" else ""
                    problems.append(f"{where}: {note.message}{dropped}")
            frame[col] = pd.Series(typed, index=frame.index).astype(DTYPES.get(kind, "str"))
        tables[sheet] = frame
    wb = Workbook.from_tables(tables)
    for sheet, frame in tables.items():  # keep extra columns exactly as read
        wb.tables[sheet] = conform(sheet, frame)
    return wb


def equal_tables(a: Workbook, b: Workbook) -> list[str]:
    """Sheets whose tables differ (values, within a relative 1e-9 for numbers)."""
    differ = []
    for sheet in schema.SHEETS:
        x, y = a.tables[sheet].reset_index(drop=True), b.tables[sheet].reset_index(drop=True)
        if x.empty and y.empty:
            continue
        try:
            pd.testing.assert_frame_equal(x, y, check_dtype=False, check_exact=False, rtol=1e-9)
        except AssertionError:
            differ.append(sheet)
    return differ


__all__ = [
    "datapackage_descriptor",
    "descriptor",
    "equal_tables",
    "export_tables",
    "free_text",
    "read_package",
    "slug",
    "write_descriptor",
]

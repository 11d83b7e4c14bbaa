"""Station workbooks as they are: a mapping that reads a station's own field Excel.

A station keeps its field data in its own layout: a title row above each table
(``WINTER``, ``SUMMER STAKEROUND``), constants beside labels (``DATE:`` with the
date in the next cell, ``SITE:`` with the pit id), several tables stacked in one
sheet with summary rows (``Average``, ``Min``, ``Max``) under them, headers in
the station's language with units (``STAKE HEIGHT (cm)``, ``密度 (g/cm3)``).
A *mapping* (a TOML file, ``docs/mapping.md``, validated against
``schemas/mapping/station-mapping.schema.json``) says for each table — a
*block* — where it is, which source column is which canonical field and in
which unit, and what it stands for (end-of-winter readings, the summer round,
re-drills).  :func:`read_station` reads the field workbook (``.xlsx``, ``.xls``
or ``.ods``, through python-calamine) through the mapping into canonical tables
and accounts for every non-empty source cell: read into a field, ignored by the
mapping (titles, headers, summary rows, columns mapped to ``"ignore"``), or
reported.  Every issue names the *source* cell as the station wrote it
(``Stakes 2018!D21``) or the mapping's line.

Station metadata the field workbook does not hold (glacier, dataset, authors,
balance-year dates, DEM and outline) comes from a metadata file named in the
mapping, so one file serves every year's workbook.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbpack import units
from mbpack.errors import MappingError, UnreadableWorkbook
from mbpack.issues import Issue, Report, Severity, cell_ref, column_letter
from mbpack.params import FILE_LIMITS, STATION
from mbpack.workbook import cells, schema
from mbpack.workbook.model import scalar

#: File types read as station workbooks (python-calamine reads all of them).
SOURCE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

#: Tables a block may feed.
BLOCK_TABLES = ("stakes", "stake_readings", "snow_pits", "probes", "glacier_balance",
                "band_balance", "point_balance", "hypsometry", "balance_years")  # fmt: skip

#: Tables the metadata file may hold (a canonical workbook or TOML).
METADATA_TABLES = ("glacier", "dataset", "authors", "balance_years", "surfaces", "hypsometry")

#: Source fields that are not canonical columns but help make one: (type, canonical unit).
#: A snow sample's mass and the sampler's inner diameter give the layer density when the
#: station did not write it (:func:`sample_density`).
HELPER_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "snow_pits": {"sample_mass": ("number", "kg"), "sample_diameter": ("number", "m")},
}

#: ``stands_for`` of a stake-readings block → (the balance_years date it takes, event).
STANDS_FOR: dict[str, tuple[str | None, str | None]] = {
    "start": ("begin_date", None),
    "winter": ("winter_end_date", None),
    "summer": ("end_date", None),
    "redrill": (None, "redrill"),
    "extension": (None, "extension"),
    "readings": (None, None),
}

IGNORE = "ignore"


# ----------------------------------------------------------------------------- TOML lines

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key_parts(text: str) -> tuple[str, ...] | None:
    """A TOML key (``a."b c".d``) as its parts; ``None`` when it is not one."""
    parts: list[str] = []
    i, text = 0, text.strip()
    while i < len(text):
        ch = text[i]
        if ch in " \t":
            i += 1
            continue
        if ch == '"':
            j, buf = i + 1, []
            while j < len(text) and text[j] != '"':
                if text[j] == "\\" and j + 1 < len(text):
                    buf.append({"n": "\n", "t": "\t"}.get(text[j + 1], text[j + 1]))
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
        elif ch == "'":
            j = text.find("'", i + 1)
            if j < 0:
                return None
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            m = _BARE.match(text, i)
            if not m:
                return None
            parts.append(m.group())
            i = m.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text):
            if text[i] != ".":
                return None
            i += 1
    return tuple(parts) if parts else None


def _split_assignment(line: str) -> str | None:
    """The key part of ``key = value`` (the first ``=`` outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "=":
            return line[:i]
    return None


@dataclass
class TomlLines:
    """Where each key of a TOML text is: key path (``("block", 2, "columns", "STAKE")``) → line.

    tomllib keeps no positions, so the text is scanned line by line: table headers
    (``[[block]]`` counted per array), dotted and quoted keys.  Keys inside inline tables
    share their line.
    """

    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> TomlLines:
        out = cls()
        current: tuple[Any, ...] = ()
        counts: dict[tuple[Any, ...], int] = {}

        def resolve(name: tuple[str, ...]) -> tuple[Any, ...]:
            path: tuple[Any, ...] = ()
            for part in name:
                path = (*path, part)
                if path in counts:
                    path = (*path, counts[path])
            return path

        in_multiline: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if in_multiline:
                if in_multiline in line:
                    in_multiline = None
                continue
            if not line or line.startswith("#"):
                continue
            if line.startswith("[["):
                name = _key_parts(line[2 : line.find("]]")])
                if name:
                    parent = resolve(name[:-1])
                    base = (*parent, name[-1])
                    counts[base] = counts.get(base, -1) + 1
                    current = (*base, counts[base])
                    out.lines.setdefault(current, number)
                continue
            if line.startswith("["):
                name = _key_parts(line[1 : line.find("]")])
                if name:
                    current = resolve(name)
                    out.lines.setdefault(current, number)
                continue
            key = _split_assignment(line)
            parts = _key_parts(key) if key is not None else None
            if parts:
                out.lines.setdefault((*current, *parts), number)
                rest = line[len(key or "") + 1 :]
                for quote in ('"""', "'''"):
                    if rest.count(quote) == 1:
                        in_multiline = quote
        return out

    def line(self, path: Iterable[Any]) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


# ------------------------------------------------------------------------------ the mapping


@dataclass(frozen=True)
class ColumnSpec:
    """One mapped source column: its header as written (or ``@D`` for column D), the
    field, the unit written (``None``: the header's, else canonical) and the mapping line."""

    header: str
    field: str
    unit: str | None
    line: int | None


@dataclass(frozen=True)
class ConstantSpec:
    """A value for every row of a block: given (``value``) or taken from a cell."""

    field: str
    line: int | None
    value: Any = None
    after: str | None = None
    match: str | None = None
    cell: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class BlockSpec:
    """One table of a source sheet, as the mapping describes it (see docs/mapping.md)."""

    number: int
    line: int | None
    sheet: str
    table: str
    header_row: int | None
    header_after: str | None
    blank_rows: int
    summary: str
    title_end: str | None
    last_row: int | None
    stands_for: str | None
    year: int | None
    columns: tuple[ColumnSpec, ...]
    constants: tuple[ConstantSpec, ...]

    def where(self, mapping: StationMapping) -> str:
        return f"{mapping.path.name} line {self.line} (block {self.number}, sheet {self.sheet!r})"


@dataclass(frozen=True)
class StationMapping:
    """A loaded, checked mapping file."""

    path: Path
    blocks: tuple[BlockSpec, ...]
    balance_years: tuple[dict[str, Any], ...]
    balance_year_lines: tuple[int | None, ...]
    metadata: Path | None
    ignore_sheets: tuple[str, ...]
    lines: TomlLines


def mapping_schema() -> dict[str, Any]:
    """The JSON Schema of mapping files (``schemas/mapping/station-mapping.schema.json``)."""
    import json

    path = schema.data_path("schemas") / "mapping" / "station-mapping.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _jsonable(value: Any) -> Any:
    """TOML values as JSON values: dates as ISO text (the schema checks their pattern)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return value


def _schema_messages(data: dict[str, Any], lines: TomlLines, name: str) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(mapping_schema())
    out: list[tuple[int, str]] = []
    for error in validator.iter_errors(_jsonable(data)):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(k for k in error.instance if k not in allowed)
            for key in extra:
                line = lines.line([*path, key])
                out.append((line or 0, f"{name} line {line}: {_where(data, path)}unknown key "
                                       f"{key!r}; keys here: {', '.join(sorted(allowed))}"))  # fmt: skip
            continue
        line = lines.line(path)
        text = error.message
        if error.validator == "oneOf":
            described = error.schema.get("description")
            text = f"{error.instance!r} is not valid here" + (f": {described}" if described else "")
        out.append((line or 0, f"{name} line {line}: {_where(data, path)}{text}"))
    return [m for _, m in sorted(out)]


def _where(data: dict[str, Any], path: list[Any]) -> str:
    if len(path) >= 2 and path[0] == "block" and isinstance(path[1], int):
        blocks = data.get("block") or []
        sheet = blocks[path[1]].get("sheet") if path[1] < len(blocks) else None
        key = ".".join(str(p) for p in path[2:])
        return f"block {path[1] + 1} (sheet {sheet!r}){', ' + key if key else ''}: "
    return (".".join(str(p) for p in path) + ": ") if path else ""


def _table_fields(table: str) -> dict[str, dict[str, Any]]:
    out = {f["name"]: f for f in schema.fields(table)}
    for name, (kind, unit) in HELPER_FIELDS.get(table, {}).items():
        out[name] = {"name": name, "type": kind, "unit": unit}
    return out


def _compile(regex: str, where: str, errors: list[str]) -> None:
    try:
        re.compile(regex)
    except re.error as exc:
        errors.append(f"{where}: {regex!r} is not a regular expression ({exc})")


def load_mapping(path: str | os.PathLike[str]) -> StationMapping:
    """Read and check a mapping file.

    Parameters
    ----------
    path
        The TOML mapping (``docs/mapping.md``).

    Returns
    -------
    StationMapping
        The blocks, balance years, metadata file and ignored sheets.

    Raises
    ------
    mbpack.errors.MappingError
        Listing every fault, each with the mapping's line and the block's sheet: not
        TOML, not valid against the mapping schema, an unknown field, unit or table, a
        regular expression that does not compile.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"{path}: no such mapping file") from None
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: the mapping is not UTF-8 text ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not a valid TOML file: {exc}") from None
    lines = TomlLines.scan(text)
    errors = _schema_messages(data, lines, path.name)
    if errors:
        raise MappingError(
            f"{path}: the mapping does not follow its schema:\n  " + "\n  ".join(errors)
        )
    blocks: list[BlockSpec] = []
    for k, raw in enumerate(data["block"]):
        blocks.append(_block(k, raw, lines, path.name, errors))
    years = tuple(dict(y) for y in data.get("balance_year", []))
    year_lines = tuple(lines.line(("balance_year", k)) for k in range(len(years)))
    first_line: dict[int, int | None] = {}
    for y, line in zip(years, year_lines, strict=True):
        if y["year"] in first_line:
            errors.append(f"{path.name} line {line}: balance year {y['year']} is given twice "
                          f"(also line {first_line[y['year']]}); keep one")  # fmt: skip
        first_line.setdefault(y["year"], line)
    if errors:
        raise MappingError(f"{path}: the mapping has errors:\n  " + "\n  ".join(errors))
    metadata = data.get("metadata")
    return StationMapping(
        path=path,
        blocks=tuple(blocks),
        balance_years=years,
        balance_year_lines=year_lines,
        metadata=(path.parent / metadata) if metadata else None,
        ignore_sheets=tuple(data.get("ignore_sheets", [])),
        lines=lines,
    )


def _block(
    k: int, raw: dict[str, Any], lines: TomlLines, name: str, errors: list[str]
) -> BlockSpec:
    table = raw["table"]
    fields = _table_fields(table)
    base = ("block", k)

    def where(*key: Any) -> str:
        return f"{name} line {lines.line((*base, *key))} (block {k + 1}, sheet {raw['sheet']!r})"

    header = raw["header"]
    header_row = header if isinstance(header, int) else header.get("row")
    header_after = header.get("after") if isinstance(header, dict) else None
    if header_after:
        _compile(header_after, where("header"), errors)
    end = raw.get("end", {})
    summary = end.get("summary", STATION.summary_pattern)
    _compile(summary, where("end", "summary"), errors)
    if end.get("title"):
        _compile(end["title"], where("end", "title"), errors)
    columns: list[ColumnSpec] = []
    seen: dict[str, str] = {}
    for header_text, target in raw["columns"].items():
        spec = {"field": target} if isinstance(target, str) else dict(target)
        fname, unit = spec["field"], spec.get("unit")
        here = where("columns", header_text)
        if fname != IGNORE and fname not in fields:
            errors.append(f"{here}: unknown field {fname!r} for {table}; fields: "
                          f"{', '.join(fields)}, or {IGNORE!r}")  # fmt: skip
            continue
        if fname != IGNORE and fname in seen:
            errors.append(
                f"{here}: field {fname!r} is mapped twice ({seen[fname]!r} and {header_text!r})"
            )
            continue
        if header_text.startswith("@") and not re.fullmatch(r"@[A-Za-z]{1,3}", header_text):
            errors.append(f"{here}: {header_text!r}: a column letter is written @D")
        written = unit or units.split_header(header_text)[1]
        canonical = fields.get(fname, {}).get("unit")
        if written and fname != IGNORE:
            if canonical is None:
                if unit:  # a unit in the header of a unitless field (stake id) is just text
                    errors.append(f"{here}: field {fname!r} has no unit, {unit!r} was given")
            else:
                try:
                    units.factor(written, canonical)
                except ValueError as exc:
                    errors.append(f"{here}: {exc}")
        seen[fname] = header_text
        columns.append(
            ColumnSpec(header_text, fname, unit, lines.line((*base, "columns", header_text)))
        )
    constants: list[ConstantSpec] = []
    for fname, value in raw.get("constants", {}).items():
        here = where("constants", fname)
        if fname not in fields:
            errors.append(
                f"{here}: unknown field {fname!r} for {table}; fields: {', '.join(fields)}"
            )
            continue
        if fname in seen:
            errors.append(
                f"{here}: field {fname!r} is both a column ({seen[fname]!r}) and a constant"
            )
            continue
        line = lines.line((*base, "constants", fname))
        if isinstance(value, dict):
            for key in ("after", "match"):
                if value.get(key):
                    _compile(value[key], here, errors)
            if value.get("match") and re.compile(value["match"]).groups < 1:
                errors.append(
                    f"{here}: match {value['match']!r} needs a group ( ) around the value"
                )
            constants.append(ConstantSpec(fname, line, None, value.get("after"), value.get("match"),
                                          value.get("cell"), value.get("unit")))  # fmt: skip
        else:
            constants.append(ConstantSpec(fname, line, value))
    stands_for = raw.get("stands_for")
    if stands_for and table != "stake_readings":
        errors.append(
            f"{where('stands_for')}: stands_for is for stake_readings blocks, not {table}"
        )
    mapped = set(seen) | {c.field for c in constants}
    if (
        table == "stake_readings"
        and stands_for in (None, "redrill", "extension", "readings")
        and "date" not in mapped
    ):
        errors.append(f"{where()}: the block gives no date: map a date column, give a date "
                      "constant, or say stands_for = \"start\", \"winter\" or \"summer\"")  # fmt: skip
    return BlockSpec(
        number=k + 1,
        line=lines.line(base),
        sheet=raw["sheet"],
        table=table,
        header_row=header_row,
        header_after=header_after,
        blank_rows=int(end.get("blank_rows", 1)),
        summary=summary,
        title_end=end.get("title"),
        last_row=end.get("row"),
        stands_for=stands_for,
        year=raw.get("year"),
        columns=tuple(columns),
        constants=tuple(constants),
    )


# --------------------------------------------------------------------------- source workbook


@dataclass
class SourceSheet:
    """One sheet of a field workbook: its cells from A1 (1-based access through :meth:`value`)."""

    name: str
    rows: list[list[Any]]
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)

    def value(self, row: int, col: int) -> Any:
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None

    def row_values(self, row: int) -> list[Any]:
        return self.rows[row - 1] if 1 <= row <= len(self.rows) else []

    def non_empty(self) -> list[tuple[int, int]]:
        """(row, column) of every cell holding anything, errors and formulas included."""
        out = {
            (r, c)
            for r, row in enumerate(self.rows, start=1)
            for c, v in enumerate(row, start=1)
            if not cells.is_blank(v)
        }
        return sorted(out | set(self.errors) | set(self.formulas))

    def blank_row(self, row: int) -> bool:
        return all(cells.is_blank(v) for v in self.row_values(row)) and not any(
            r == row for r, _ in (*self.errors, *self.formulas)
        )


def read_source(path: str | os.PathLike[str]) -> dict[str, SourceSheet]:
    """Every sheet of a station's field workbook (``.xlsx``, ``.xls``, ``.ods``), by name.

    Spreadsheet error cells (``#N/A``), which python-calamine reads as blank, are put back
    from the ``.xlsx`` XML (:func:`mbpack.workbook.reader.scan_sheet`), as are formulas
    without a cached value, and from the ``.xls`` records (:func:`mbpack.formats.xls.error_cells`);
    in ``.ods`` files calamine gives them as their text.

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        When the file is missing, of another type, too large, or cannot be read.
    """

    from mbpack.workbook import reader

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SOURCE_SUFFIXES:
        raise UnreadableWorkbook(
            f"{path}: not a spreadsheet mbpack reads as a station workbook "
            f"(a {suffix or 'file without extension'}; give {', '.join(SOURCE_SUFFIXES)})"
        )
    if not path.is_file():
        raise UnreadableWorkbook(f"{path}: no such file")
    if suffix in (".xlsx", ".xlsm"):
        reader.check_file(path)
    elif path.stat().st_size > FILE_LIMITS.max_file_bytes:
        raise UnreadableWorkbook(f"{path}: the file is larger than mbpack reads")
    book = reader.open_book(path)
    sheets: dict[str, SourceSheet] = {}
    for name in book.sheet_names:
        try:
            data = book.get_sheet_by_name(name)
            if data.width * data.height > FILE_LIMITS.max_cells:
                raise UnreadableWorkbook(
                    f"{path}: sheet {name!r} has more than {FILE_LIMITS.max_cells} cells"
                )
            rows = [list(r) for r in data.to_python(skip_empty_area=False)]
        except (UnreadableWorkbook, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a Rust panic of calamine is a BaseException
            raise UnreadableWorkbook(
                f"{path}: sheet {name!r} cannot be read ({type(exc).__name__}: {exc})"
            ) from None
        sheets[name] = SourceSheet(name, rows)
    if suffix in (".xlsx", ".xlsm"):
        with zipfile.ZipFile(path) as archive:
            try:
                parts = reader.sheet_parts(archive)
            except Exception as exc:
                raise UnreadableWorkbook(f"{path}: broken workbook structure ({exc})") from None
            for name, sheet in sheets.items():
                scan = reader.scan_sheet(archive, parts.get(name, ""))
                for row, col, text in scan.errors:
                    _put_error(sheet, row, col, text)
                for row, col, formula in scan.formulas:
                    sheet.formulas[(row, col)] = formula
    if suffix == ".xls":
        from mbpack.formats.xls import error_cells

        for name, found in error_cells(path).items():
            if name in sheets:
                for (row, col), text in found.items():
                    _put_error(sheets[name], row, col, text)
    for sheet in sheets.values():
        for r, cells_of_row in enumerate(sheet.rows, start=1):
            for c, v in enumerate(cells_of_row, start=1):
                if isinstance(v, str) and v.strip() in cells.ERROR_VALUES:
                    sheet.errors[(r, c)] = v.strip()
    return sheets


def _put_error(sheet: SourceSheet, row: int, col: int, text: str) -> None:
    """Put a spreadsheet error calamine read as blank back into its cell."""
    sheet.errors[(row, col)] = text.strip()
    while len(sheet.rows) < row:
        sheet.rows.append([])
    line = sheet.rows[row - 1]
    line.extend([""] * (col - len(line)))
    line[col - 1] = text.strip()


# ------------------------------------------------------------------------------ locating


def _fold(text: Any) -> str:
    """Header text folded for matching: NFKC, case-folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def cell_text(value: Any) -> str | None:
    """A source cell as stripped text (whole numbers without ``.0``); None when blank."""
    if cells.is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _letters_to_index(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


@dataclass
class Located:
    """A block found in its sheet: rows are 1-based, ``end`` is its last row."""

    spec: BlockSpec
    title_row: int | None
    header_row: int
    columns: dict[int, ColumnSpec]
    unmapped: dict[int, str]
    area_start: int = 1
    end: int = 0
    data_rows: list[int] = field(default_factory=list)
    summary_rows: list[int] = field(default_factory=list)


def _row_matches(sheet: SourceSheet, row: int, regex: str) -> int | None:
    """The first column of ``row`` whose text matches ``regex`` (case-insensitive)."""
    pattern = re.compile(regex, re.IGNORECASE)
    for c, v in enumerate(sheet.row_values(row), start=1):
        text = cell_text(v)
        if text is not None and pattern.search(text):
            return c
    return None


def _header_columns(
    sheet: SourceSheet, row: int, spec: BlockSpec
) -> tuple[dict[int, ColumnSpec], list[str], dict[int, str]]:
    """Mapped columns found in ``row`` (position → spec), headers missing, unmapped headers."""
    found: dict[int, ColumnSpec] = {}
    missing: list[str] = []
    values = sheet.row_values(row)
    folded = [_fold(v) if not cells.is_blank(v) else None for v in values]
    for col in spec.columns:
        if col.header.startswith("@"):
            found[_letters_to_index(col.header[1:])] = col
            continue
        hits = [
            i + 1 for i, f in enumerate(folded) if f == _fold(col.header) and i + 1 not in found
        ]
        if hits:
            found[hits[0]] = col
        else:
            missing.append(col.header)
    unmapped = {
        i + 1: str(values[i]).strip()
        for i, f in enumerate(folded)
        if f is not None and i + 1 not in found
    }
    return found, missing, unmapped


def locate_blocks(
    mapping: StationMapping, sheets: dict[str, SourceSheet], source: Path
) -> list[Located]:
    """Find every block of the mapping in the field workbook.

    Raises
    ------
    mbpack.errors.MappingError
        Naming the mapping's line and the sheet, for every block whose sheet is missing,
        whose title or header row is not there, or whose headers the row does not hold.
    """
    errors: list[str] = []
    found: list[Located] = []
    for spec in mapping.blocks:
        where = spec.where(mapping)
        sheet = sheets.get(spec.sheet)
        if sheet is None:
            errors.append(f"{where}: {source.name} has no sheet {spec.sheet!r} "
                          f"(its sheets: {', '.join(map(repr, sheets))})")  # fmt: skip
            continue
        title_row = None
        if spec.header_after:
            title_row = next(
                (
                    r
                    for r in range(1, len(sheet.rows) + 1)
                    if _row_matches(sheet, r, spec.header_after)
                ),
                None,
            )
            if title_row is None:
                errors.append(f"{where}: no row of sheet {spec.sheet!r} has a title matching "
                              f"header.after = {spec.header_after!r}")  # fmt: skip
                continue
            header_row = None
            tried: list[str] = []
            for r in range(title_row + 1, title_row + 1 + STATION.header_search_rows):
                cols, missing, _ = _header_columns(sheet, r, spec)
                if not missing:
                    header_row = r
                    break
                if not sheet.blank_row(r):
                    tried.append(
                        f"row {r}: {', '.join(repr(cell_text(v)) for v in sheet.row_values(r) if cell_text(v))}"
                    )
            if header_row is None:
                errors.append(f"{where}: no header row holding {', '.join(repr(c.header) for c in spec.columns if not c.header.startswith('@'))} "
                              f"within {STATION.header_search_rows} rows after the title in "
                              f"{spec.sheet}!{title_row}:{title_row}" + (f" ({'; '.join(tried[:3])})" if tried else ""))  # fmt: skip
                continue
        else:
            header_row = int(spec.header_row or 0)
        cols, missing, unmapped = _header_columns(sheet, header_row, spec)
        if missing:
            held = ", ".join(
                repr(cell_text(v)) for v in sheet.row_values(header_row) if cell_text(v)
            )
            errors.append(f"{where}: row {header_row} of sheet {spec.sheet!r} has no header "
                          f"{', '.join(map(repr, missing))} (the row holds: {held or 'nothing'})")  # fmt: skip
            continue
        found.append(Located(spec, title_row, header_row, cols, unmapped))
    if errors:
        raise MappingError(
            f"{mapping.path}: the mapping does not fit {source}:\n  " + "\n  ".join(errors)
        )
    by_sheet: dict[str, list[Located]] = {}
    for block in found:
        by_sheet.setdefault(block.spec.sheet, []).append(block)
    for name, blocks in by_sheet.items():
        sheet = sheets[name]
        starts = {b.header_row for b in blocks} | {b.title_row for b in blocks if b.title_row}
        for block in blocks:
            _find_end(sheet, block, starts - {block.header_row, block.title_row})
        for block in blocks:
            before = [b.end for b in blocks if b.end < block.header_row and b is not block]
            block.area_start = block.title_row or (max(before) + 1 if before else 1)
    return found


def _find_end(sheet: SourceSheet, block: Located, others: set[Any]) -> None:
    spec = block.spec
    summary = re.compile(spec.summary, re.IGNORECASE)
    title = re.compile(spec.title_end, re.IGNORECASE) if spec.title_end else None
    last = min(len(sheet.rows), spec.last_row or len(sheet.rows))
    blanks = 0
    end = block.header_row
    for r in range(block.header_row + 1, last + 1):
        if r in others:
            break
        if sheet.blank_row(r):
            blanks += 1
            if blanks >= spec.blank_rows:
                break
            continue
        blanks = 0
        first = next((cell_text(v) for v in sheet.row_values(r) if cell_text(v)), None)
        if title is not None and _row_matches(sheet, r, spec.title_end or ""):
            break
        end = r
        if first is not None and summary.search(first):
            block.summary_rows.append(r)
        else:
            block.data_rows.append(r)
    block.end = end


# ------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Origin:
    """Where a canonical value came from: a source cell, or a line of the mapping/metadata file."""

    sheet: str | None = None
    row: int | None = None
    column: int | None = None
    header: str | None = None
    file: str | None = None
    line: int | None = None

    @property
    def cell(self) -> str | None:
        return cell_ref(self.sheet, self.row, self.column) if self.sheet else None


@dataclass
class StationData:
    """A field workbook read through a mapping.

    Attributes
    ----------
    tables
        Canonical tables (lists of rows in canonical units) fed by the blocks, with the
        balance years of the mapping.
    origins
        Per table and row, where each field's value came from.
    anchors
        Per table and row, the source row it was read from.
    metadata
        The metadata file's workbook, if the mapping names one.
    ledger
        Every non-empty source cell (sheet, row, column) → what became of it:
        ``read`` (``table.field``), ``ignored`` (why) or ``reported`` (the issue code).
    report
        Issues of reading (source cells) and the cell counts per sheet.
    """

    tables: dict[str, list[dict[str, Any]]]
    origins: dict[str, list[dict[str, Origin]]]
    anchors: dict[str, list[Origin]]
    metadata: Any
    ledger: dict[tuple[str, int, int], tuple[str, str]]
    report: Report
    mapping: StationMapping
    source: Path


def _convert(
    values: list[Any], fdesc: dict[str, Any], factor: float
) -> tuple[list[Any], list[cells.Note]]:
    """Cell values to Python values of the field's type (canonical units)."""
    from mbpack.workbook.reader import fold_enum

    kind = fdesc["type"]
    if kind == "number":
        numbers, notes = cells.to_number(values, fdesc.get("unit"))
        # 12 significant digits: 95.5 cm is 0.955 m, not 0.9550000000000001
        return [
            None if not math.isfinite(v) else float(f"{v * factor:.12g}") for v in numbers
        ], notes
    if kind == "integer":
        ints, notes = cells.to_integer(values)
        return [None if pd.isna(v) else int(v) for v in ints.tolist()], notes
    if kind == "date":
        days, notes = cells.to_date(values)
        return [None if np.isnat(d) else pd.Timestamp(d).date() for d in days], notes
    if kind == "boolean":
        flags, notes = cells.to_boolean(values)
        return [None if pd.isna(v) else bool(v) for v in flags.tolist()], notes
    text, notes = cells.to_text(values)
    enum = fdesc.get("constraints", {}).get("enum")
    return list(fold_enum(text, enum) if enum else text), notes


def sample_density(mass: float, diameter: float, length: float) -> float:
    """Density of a cylindrical snow sample [kg m-3].

    Parameters
    ----------
    mass
        Sample mass [kg].
    diameter
        Inner diameter of the sampling tube [m].
    length
        Length of the sample: the layer's bottom depth minus its top depth [m].

    Notes
    -----
    ρ = m / (π (d/2)² L) (Kaser et al. 2003, UNESCO IHP-VI TD 59, ch. 3).

    Examples
    --------
    A 0.2 m long sample of 0.06 m diameter weighing 0.2262 kg:

    >>> round(sample_density(0.2262, 0.06, 0.2), 1)
    400.0
    """
    return mass / (math.pi * (diameter / 2.0) ** 2 * length)


class _Reading:
    """State of one read: the ledger, the issues and the canonical rows."""

    def __init__(
        self, mapping: StationMapping, sheets: dict[str, SourceSheet], source: Path
    ) -> None:
        self.mapping = mapping
        self.sheets = sheets
        self.source = source
        self.report = Report(file=str(source))
        self.ledger: dict[tuple[str, int, int], tuple[str, str]] = {}
        self.tables: dict[str, list[dict[str, Any]]] = {}
        self.origins: dict[str, list[dict[str, Origin]]] = {}
        self.anchors: dict[str, list[Origin]] = {}
        self.unmapped_columns: list[tuple[Located, int, str]] = []

    def mark(self, sheet: str, row: int, col: int, kind: str, what: str) -> None:
        key = (sheet, row, col)
        old = self.ledger.get(key)
        rank = {"read": 3, "reported": 2, "ignored": 1}
        if old is None or rank[kind] > rank[old[0]]:
            self.ledger[key] = (kind, what)

    def issue(
        self, code: str, severity: Severity, message: str, origin: Origin, value: Any = None
    ) -> None:
        self.report.add(
            Issue(
                code,
                severity,
                message,
                sheet=origin.sheet,
                row=origin.row,
                column=origin.header,
                cell=origin.cell,
                value=value,
                file=origin.file,
                line=origin.line,
            )
        )

    def mapping_origin(self, line: int | None) -> Origin:
        return Origin(file=str(self.mapping.path), line=line)


def _constant(
    reading: _Reading, block: Located, const: ConstantSpec, fdesc: dict[str, Any]
) -> tuple[Any, Origin | None]:
    """The value of one constant and where it is."""
    sheet = reading.sheets[block.spec.sheet]
    where = block.spec.where(reading.mapping)
    if const.value is not None or (
        const.after is None and const.match is None and const.cell is None
    ):
        value, origin = const.value, reading.mapping_origin(const.line)
        typed, notes = _convert([value], fdesc, _factor(const.unit, fdesc))
        for note in notes:
            if note.severity == "error":
                raise MappingError(f"{reading.mapping.path.name} line {const.line} (block {block.spec.number}, "
                                   f"sheet {block.spec.sheet!r}): constant {const.field} = {value!r}: {note.message}")  # fmt: skip
        return typed[0], origin
    rows = range(block.area_start, block.header_row)
    raw: Any = None
    position: tuple[int, int] | None = None
    if const.cell:
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", const.cell)
        assert m is not None  # the schema's pattern
        position = (int(m.group(2)), _letters_to_index(m.group(1)))
        raw = sheet.value(*position)
        reading.mark(sheet.name, *position, "read", f"{block.spec.table}.{const.field}")
    elif const.after:
        pattern = re.compile(const.after, re.IGNORECASE)
        for r in rows:
            values = sheet.row_values(r)
            for c, v in enumerate(values, start=1):
                text = cell_text(v)
                if text is None or not pattern.search(text):
                    continue
                nxt = next(
                    (k for k in range(c + 1, len(values) + 1) if not cells.is_blank(values[k - 1])),
                    None,
                )
                if nxt is not None:
                    reading.mark(
                        sheet.name, r, c, "ignored", f"label of {block.spec.table}.{const.field}"
                    )
                    position, raw = (r, nxt), values[nxt - 1]
                    break
            if position:
                break
    else:
        pattern = re.compile(const.match or "", re.IGNORECASE)
        for r in rows:
            for c, v in enumerate(sheet.row_values(r), start=1):
                text = cell_text(v)
                m = pattern.search(text) if text else None
                if m:
                    position, raw = (r, c), m.group(1)
                    break
            if position:
                break
    if position is None:
        how = f"after = {const.after!r}" if const.after else f"match = {const.match!r}"
        raise MappingError(f"{where}: constant {const.field} ({how}): no cell of sheet "
                           f"{block.spec.sheet!r} rows {block.area_start}-{block.header_row - 1} "
                           "(between the block's title and its header) matches")  # fmt: skip
    origin = Origin(sheet.name, position[0], position[1], const.field)
    reading.mark(sheet.name, *position, "read", f"{block.spec.table}.{const.field}")
    if position in sheet.errors:
        reading.issue("error-cell", "error", f"cell holds the spreadsheet error {sheet.errors[position]} "
                      f"instead of the {const.field} of the block", origin, sheet.errors[position])  # fmt: skip
        reading.mark(sheet.name, *position, "reported", "error-cell")
        return None, origin
    typed, notes = _convert([raw], fdesc, _factor(const.unit, fdesc))
    for note in notes:
        if const.match and note.severity == "warning":
            continue  # a value matched inside a text is text by nature
        reading.issue(note.code, note.severity, note.message, origin, note.value)
    return typed[0], origin


def _factor(unit: str | None, fdesc: dict[str, Any]) -> float:
    canonical = fdesc.get("unit")
    if not unit or not canonical:
        return 1.0
    return units.factor(unit, canonical)


def _year_dates(reading: _Reading, years: dict[int, tuple[dict[str, Any], dict[str, Origin]]],
                block: Located) -> tuple[int | None, str]:  # fmt: skip
    """The balance year a block's readings take their date from."""
    if block.spec.year is not None:
        return block.spec.year, ""
    if len(years) == 1:
        return next(iter(years)), ""
    return None, ("give the block's year (year = YYYY)" if years else
                  "no balance year is known: add [[balance_year]] or a metadata file with balance_years")  # fmt: skip


def _read_block(reading: _Reading, block: Located,
                years: dict[int, tuple[dict[str, Any], dict[str, Origin]]]) -> None:  # fmt: skip
    spec = block.spec
    sheet = reading.sheets[spec.sheet]
    fields = _table_fields(spec.table)
    table = spec.table
    name = sheet.name
    # headers, titles and summary rows: accounted for as the mapping's layout
    for c in {**block.columns, **block.unmapped}:
        reading.mark(name, block.header_row, c, "ignored", "header")
    if block.title_row:
        for c, v in enumerate(sheet.row_values(block.title_row), start=1):
            if (
                not cells.is_blank(v)
                and _row_matches(sheet, block.title_row, spec.header_after or "") == c
            ):
                reading.mark(name, block.title_row, c, "ignored", "title")
    for r in block.summary_rows:
        for c, v in enumerate(sheet.row_values(r), start=1):
            if not cells.is_blank(v) or (r, c) in sheet.errors:
                reading.mark(name, r, c, "ignored", "summary row")
    constants: dict[str, tuple[Any, Origin | None]] = {}
    for const in spec.constants:
        constants[const.field] = _constant(reading, block, const, fields[const.field])
    for pos, header in block.unmapped.items():
        reading.unmapped_columns.append((block, pos, header))
    rows = block.data_rows
    n = len(rows)
    values: dict[str, list[Any]] = {}
    origin_of: dict[str, list[Origin]] = {}
    for pos, col in block.columns.items():
        header = cell_text(sheet.value(block.header_row, pos)) or col.header
        raw = [sheet.value(r, pos) for r in rows]
        where = [Origin(name, r, pos, header) for r in rows]
        if col.field == IGNORE:
            for r in rows:
                if not cells.is_blank(sheet.value(r, pos)) or (r, pos) in sheet.errors:
                    reading.mark(
                        name, r, pos, "ignored", f"column {header!r} ignored by the mapping"
                    )
            continue
        fdesc = fields[col.field]
        unit = col.unit or units.split_header(header)[1]
        try:
            factor = _factor(unit, fdesc)
        except ValueError as exc:
            raise MappingError(
                f"{spec.where(reading.mapping)}: column {header!r} "
                f"({cell_ref(name, block.header_row, pos)}): {exc}"
            ) from None
        clean: list[Any] = []
        for i, (r, v) in enumerate(zip(rows, raw, strict=True)):
            if (r, pos) in sheet.formulas:
                reading.issue("formula-without-value", "error",
                              f"cell holds the formula ={sheet.formulas[(r, pos)]} but no computed value; "
                              "open and save the file in a spreadsheet program, or type the value",
                              where[i], f"={sheet.formulas[(r, pos)]}")  # fmt: skip
                reading.mark(name, r, pos, "reported", "formula-without-value")
                clean.append(None)
            elif (r, pos) in sheet.errors:
                reading.issue("error-cell", "error",
                              f"cell holds the spreadsheet error {sheet.errors[(r, pos)]} instead of "
                              f"a value of {col.field}; correct the formula or type the value",
                              where[i], sheet.errors[(r, pos)])  # fmt: skip
                reading.mark(name, r, pos, "reported", "error-cell")
                clean.append(None)
            else:
                if not cells.is_blank(v):
                    reading.mark(name, r, pos, "read", f"{table}.{col.field}")
                clean.append(v)
        typed, notes = _convert(clean, fdesc, factor)
        for note in notes:
            reading.issue(note.code, note.severity, note.message, where[note.position], note.value)
            if note.severity == "error":
                reading.mark(name, rows[note.position], pos, "reported", note.code)
        values[col.field] = typed
        origin_of[col.field] = where
    for fname, (value, origin) in constants.items():
        values[fname] = [value] * n
        origin_of[fname] = [origin or reading.mapping_origin(spec.line)] * n
    if table == "stake_readings" and spec.stands_for:
        date_field, event = STANDS_FOR[spec.stands_for]
        if "date" not in values and date_field is not None:
            year, why = _year_dates(reading, years, block)
            if year is None or year not in years:
                raise MappingError(f"{spec.where(reading.mapping)}: stands_for = {spec.stands_for!r} takes "
                                   f"the {date_field} of the balance year, but "
                                   + (why or f"balance year {year} is not given (balance_years: "
                                      f"{', '.join(map(str, years)) or 'none'})"))  # fmt: skip
            row, where_year = years[year]
            values["date"] = [row.get(date_field)] * n
            origin_of["date"] = [where_year.get(date_field, reading.mapping_origin(spec.line))] * n
        if event and "event" not in values:
            values["event"] = [event] * n
            origin_of["event"] = [reading.mapping_origin(spec.line)] * n
    if table == "glacier_balance" and "method" not in values:
        values["method"] = ["reported"] * n
        origin_of["method"] = [reading.mapping_origin(spec.line)] * n
    if table == "snow_pits":
        _pit_density(reading, values, origin_of, n)
    out_rows = reading.tables.setdefault(table, [])
    out_origins = reading.origins.setdefault(table, [])
    anchors = reading.anchors.setdefault(table, [])
    helpers = set(HELPER_FIELDS.get(table, {}))
    for i, r in enumerate(rows):
        out_rows.append({f: v[i] for f, v in values.items() if f not in helpers})
        out_origins.append({f: o[i] for f, o in origin_of.items() if f not in helpers})
        anchors.append(Origin(name, r, None, None))


def _pit_density(
    reading: _Reading, values: dict[str, list[Any]], origin_of: dict[str, list[Origin]], n: int
) -> None:
    """Layer densities from the sample's mass and diameter: computed where the station gave
    none, checked against the written one where it did."""
    if "sample_mass" not in values or "sample_diameter" not in values:
        return
    top, bottom = values.get("top_depth"), values.get("bottom_depth")
    if top is None or bottom is None:
        return
    written = values.get("density")
    computed: list[Any] = []
    for i in range(n):
        m, d, t, b = values["sample_mass"][i], values["sample_diameter"][i], top[i], bottom[i]
        ok = None not in (m, d, t, b) and d > 0 and b > t
        computed.append(sample_density(m, d, b - t) if ok else None)
    if written is None:
        values["density"] = computed
        origin_of["density"] = origin_of["sample_mass"]
        return
    for i in range(n):
        if written[i] is None or computed[i] is None:
            continue
        if abs(written[i] - computed[i]) > STATION.density_tolerance * computed[i]:
            origin = origin_of["density"][i]
            reading.issue("density-mismatch", "warning",
                          f"density {written[i]:.0f} kg m-3 differs by more than "
                          f"{STATION.density_tolerance:.0%} from {computed[i]:.0f} kg m-3, the sample's "
                          f"mass over its volume (π (d/2)² × length); check the weight, the diameter "
                          "and the depths", origin, written[i])  # fmt: skip


def _given_years(
    reading: _Reading, metadata: Any
) -> dict[int, tuple[dict[str, Any], dict[str, Origin]]]:
    """Balance years of the mapping and of the metadata file, by year (the mapping's first)."""
    fields = _table_fields("balance_years")
    out: dict[int, tuple[dict[str, Any], dict[str, Origin]]] = {}
    for k, (row, line) in enumerate(
        zip(reading.mapping.balance_years, reading.mapping.balance_year_lines, strict=True)
    ):
        typed: dict[str, Any] = {}
        where: dict[str, Origin] = {}
        for fname, value in row.items():
            typed[fname] = _convert([value], fields[fname], 1.0)[0][0]
            key_line = reading.mapping.lines.line(("balance_year", k, fname)) or line
            where[fname] = reading.mapping_origin(key_line)
        typed.setdefault("time_system", None)
        out[int(row["year"])] = (typed, where)
    if metadata is not None:
        frame = metadata.workbook.tables["balance_years"]
        for idx, rec in enumerate(frame.to_dict("records")):
            year = rec.get("year")
            if year is None or year != year or int(year) in out:
                continue
            typed = {k: scalar(v) for k, v in rec.items() if k in fields}
            where = {k: metadata.origin("balance_years", idx, k) for k in typed}
            out[int(year)] = (typed, where)
    return out


@dataclass
class Metadata:
    """The metadata file's tables and where each value is in it."""

    path: Path
    workbook: Any
    lines: TomlLines | None = None

    def origin(self, table: str, index: int, column: str) -> Origin:
        if self.lines is not None:
            key: tuple[Any, ...] = (
                (table, column) if table in schema.KEY_VALUE_SHEETS else (table, index, column)
            )
            return Origin(file=str(self.path), line=self.lines.line(key))
        row, col = self.workbook.locate(table, index, column)
        return Origin(self.workbook.sheet_name(table), row, col, column, file=str(self.path))


def read_metadata(path: Path, report: Report) -> Metadata:
    """The station metadata file: a canonical workbook (``.xlsx``) or a TOML file with
    ``[glacier]``, ``[dataset]``, ``[[authors]]``, ``[[balance_years]]``, ``[[surfaces]]``,
    ``[[hypsometry]]`` tables; its issues are added to ``report`` with the file named."""
    from mbpack.workbook.model import Workbook
    from mbpack.workbook.reader import read

    if not path.is_file():
        raise MappingError(f"metadata file {path} (named in the mapping) does not exist")
    if path.suffix.lower() == ".toml":
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise MappingError(f"{path}: not a valid TOML metadata file: {exc}") from None
        lines = TomlLines.scan(text)
        unknown = [k for k in data if k not in METADATA_TABLES]
        if unknown:
            raise MappingError(f"{path} line {lines.line((unknown[0],))}: {unknown[0]!r} is not a metadata "
                               f"table; tables: {', '.join(METADATA_TABLES)}")  # fmt: skip
        tables: dict[str, Any] = {}
        for table, content in data.items():
            fields = _table_fields(table)
            rows = [content] if table in schema.KEY_VALUE_SHEETS else list(content)
            typed_rows = []
            for k, row in enumerate(rows):
                typed_row = {}
                for fname, value in row.items():
                    key: tuple[Any, ...] = (
                        (table, fname) if table in schema.KEY_VALUE_SHEETS else (table, k, fname)
                    )
                    if fname not in fields:
                        raise MappingError(f"{path} line {lines.line(key)}: {table} has no field {fname!r}; "
                                           f"fields: {', '.join(fields)}")  # fmt: skip
                    typed, notes = _convert([value], fields[fname], 1.0)
                    for note in notes:
                        report.add(Issue(note.code, note.severity, f"{table}.{fname}: {note.message}",
                                         sheet=table, column=fname, value=note.value, file=str(path),
                                         line=lines.line(key)))  # fmt: skip
                    typed_row[fname] = typed[0]
                typed_rows.append(typed_row)
            tables[table] = typed_rows[0] if table in schema.KEY_VALUE_SHEETS else typed_rows
        return Metadata(path, Workbook.from_tables(tables, path=path), lines)
    meta_report = Report(file=str(path))
    workbook = read(path, meta_report)
    for issue in meta_report.issues:
        if issue.code == "unknown-sheet":
            continue
        report.add(Issue(issue.code, issue.severity, issue.message, sheet=issue.sheet, row=issue.row,
                         column=issue.column, cell=issue.cell, value=issue.value, file=str(path)))  # fmt: skip
    return Metadata(path, workbook)


def read_station(
    source: str | os.PathLike[str], mapping: str | os.PathLike[str] | StationMapping
) -> StationData:
    """Read a station's field workbook through a mapping.

    Parameters
    ----------
    source
        The field workbook (``.xlsx``, ``.xls`` or ``.ods``).
    mapping
        The mapping file (or one loaded with :func:`load_mapping`).

    Returns
    -------
    StationData
        Canonical tables (canonical units: [m], [kg m-3], [kg m-2]), where every value
        came from, the metadata, and the ledger of every non-empty source cell.

    Raises
    ------
    mbpack.errors.MappingError
        When the mapping does not fit the workbook (a sheet, title or header that is not
        there), naming the mapping's line and the sheet.
    mbpack.errors.UnreadableWorkbook
        When the field workbook cannot be read.
    """
    source = Path(source)
    spec = mapping if isinstance(mapping, StationMapping) else load_mapping(mapping)
    sheets = read_source(source)
    reading = _Reading(spec, sheets, source)
    if spec.metadata is not None and not spec.metadata.is_file():
        raise MappingError(f"{spec.path.name} line {spec.lines.line(('metadata',))}: the metadata file "
                           f"{spec.metadata} does not exist (it is relative to the mapping's folder)")  # fmt: skip
    metadata = read_metadata(spec.metadata, reading.report) if spec.metadata else None
    located = locate_blocks(spec, sheets, source)
    years = _given_years(reading, metadata)
    for block in located:
        _read_block(reading, block, years)
    _derive_years(reading, years, located)
    _account(reading, located)
    return StationData(reading.tables, reading.origins, reading.anchors, metadata, reading.ledger,
                       reading.report, spec, source)  # fmt: skip


def _derive_years(reading: _Reading, years: dict[int, tuple[dict[str, Any], dict[str, Origin]]],
                  located: list[Located]) -> None:  # fmt: skip
    """balance_years rows: those given, and for a year given nowhere, the dates of its blocks
    (a winter block's date is the end of winter, a summer block's the end; time system FLO,
    floating dates).  A block date that contradicts a given one is reported."""
    derived: dict[int, tuple[dict[str, Any], dict[str, Origin]]] = {}
    for block in located:
        spec = block.spec
        if spec.table != "stake_readings" or spec.stands_for not in ("start", "winter", "summer"):
            continue
        date_field = STANDS_FOR[spec.stands_for][0]
        assert date_field is not None
        const = next((c for c in spec.constants if c.field == "date"), None)
        rows = reading.tables.get("stake_readings", [])
        origins = reading.origins.get("stake_readings", [])
        mine = [(r, o) for r, o, a in zip(rows, origins, reading.anchors["stake_readings"], strict=True)
                if a.sheet == spec.sheet and a.row in block.data_rows]  # fmt: skip
        if const is None or not mine or mine[0][0].get("date") is None:
            continue
        day: date = mine[0][0]["date"]
        origin = mine[0][1]["date"]
        year = spec.year or (
            day.year + 1 if spec.stands_for == "start" and day.month >= 7 else day.year
        )
        if year in years:
            given = years[year][0].get(date_field)
            if given is not None and given != day:
                reading.issue("date-differs", "warning",
                              f"the block's date {day} ({spec.stands_for}) differs from {date_field} "
                              f"{given} of balance year {year}", origin, day)  # fmt: skip
            continue
        row, where = derived.setdefault(year, ({"year": year, "time_system": "FLO"}, {}))
        row[date_field] = day
        where[date_field] = origin
        where.setdefault("year", origin)
        where.setdefault("time_system", reading.mapping_origin(spec.line))
    out = reading.tables.setdefault("balance_years", [])
    out_origins = reading.origins.setdefault("balance_years", [])
    anchors = reading.anchors.setdefault("balance_years", [])
    for year in sorted({**years, **derived}):
        row, where = years.get(year) or derived[year]
        out.append(dict(row))
        out_origins.append(dict(where))
        first = next(iter(where.values()), reading.mapping_origin(None))
        anchors.append(first)


def _account(reading: _Reading, located: list[Located]) -> None:
    """Every non-empty source cell: read, ignored, or reported here."""
    mapped_sheets = {b.spec.sheet for b in located}
    for name, sheet in reading.sheets.items():
        cells_here = sheet.non_empty()
        if name not in mapped_sheets:
            if name in reading.mapping.ignore_sheets:
                for r, c in cells_here:
                    reading.mark(name, r, c, "ignored", "sheet in ignore_sheets")
            elif cells_here:
                first, last = cells_here[0], cells_here[-1]
                reading.issue("unmapped-sheet", "warning",
                              f"sheet {name!r} ({len(cells_here)} non-empty cells, "
                              f"{cell_ref(name, *first)} to {column_letter(last[1])}{last[0]}) is in no "
                              "block of the mapping and was not read; map it, or list it in "
                              "ignore_sheets", Origin(name), name)  # fmt: skip
                for r, c in cells_here:
                    reading.mark(name, r, c, "reported", "unmapped-sheet")
    for block, pos, header in reading.unmapped_columns:
        sheet = reading.sheets[block.spec.sheet]
        taken = [r for r in block.data_rows if (block.spec.sheet, r, pos) not in reading.ledger
                 and (not cells.is_blank(sheet.value(r, pos)) or (r, pos) in sheet.errors)]  # fmt: skip
        if not taken:
            continue
        reading.issue("unmapped-column", "warning",
                      f"column {header!r} of the block at {block.spec.where(reading.mapping)} is not in "
                      f"its columns: its {len(taken)} values were not read; map it to a field or to "
                      "\"ignore\"", Origin(sheet.name, block.header_row, pos, header), header)  # fmt: skip
        for r in taken:
            reading.mark(sheet.name, r, pos, "reported", "unmapped-column")
    for name in mapped_sheets:
        sheet = reading.sheets[name]
        for r, c in sheet.non_empty():
            if (name, r, c) in reading.ledger:
                continue
            value = sheet.errors.get((r, c), sheet.value(r, c))
            reading.issue("unmapped-cell", "warning",
                          f"cell holds {value!r}, which no block of the mapping reads (outside every "
                          "block, or in a row the block does not read); map it or remove it",
                          Origin(name, r, c), value)  # fmt: skip
            reading.mark(name, r, c, "reported", "unmapped-cell")
    counts: dict[str, dict[str, int]] = {}
    for (name, _, _), (kind, _) in reading.ledger.items():
        sheet_counts = counts.setdefault(
            name, {"non_empty": 0, "read": 0, "ignored": 0, "reported": 0}
        )
        sheet_counts["non_empty"] += 1
        sheet_counts[kind] += 1
    reading.report.cells = {name: counts.get(name, {"non_empty": 0, "read": 0, "ignored": 0, "reported": 0})
                            for name in reading.sheets}  # fmt: skip


# --------------------------------------------------------------------- workbook and checks


def station_tables(data: StationData) -> dict[str, Any]:
    """The canonical tables: the blocks' and the metadata file's (the blocks' first)."""
    tables: dict[str, Any] = {k: list(v) for k, v in data.tables.items() if v}
    if data.metadata is not None:
        meta = data.metadata.workbook
        for table in METADATA_TABLES:
            if table == "balance_years" or table in tables:
                continue
            frame = meta.tables[table]
            if frame.empty:
                continue
            if table in schema.KEY_VALUE_SHEETS:
                if (
                    table in meta.present
                    or meta.record(table).get(schema.field_names(table)[0]) is not None
                ):
                    tables[table] = {k: scalar(v) for k, v in meta.record(table).items()}
            else:
                tables[table] = [
                    {k: scalar(v) for k, v in r.items()} for r in frame.to_dict("records")
                ]
    return tables


def station_workbook(data: StationData) -> Any:
    """A canonical :class:`mbpack.workbook.model.Workbook` of the station data.

    Its rows are numbered from 2 in canonical order (``excel_rows``), so that issues of the
    checks can be traced back to the source cells (:func:`validate_station`).
    """
    from mbpack.workbook.model import Workbook

    tables = station_tables(data)
    base = data.metadata.path if data.metadata is not None else data.source
    wb = Workbook.from_tables(tables, path=base)
    for table, frame in wb.tables.items():
        if table in schema.KEY_VALUE_SHEETS:
            wb.excel_rows[table] = {f: k + 2 for k, f in enumerate(frame.columns)}
            wb.excel_columns[table] = {"value": 2}
        else:
            wb.excel_rows[table] = np.arange(2, len(frame) + 2)
            wb.excel_columns[table] = {f: k + 1 for k, f in enumerate(frame.columns)}
    return wb


def trace_issue(data: StationData, issue: Issue, wb: Any) -> Issue:
    """An issue of the canonical workbook (:func:`station_workbook`), addressed to where its
    value came from: a source cell, a metadata cell or line, or the mapping."""
    table = next((t for t in schema.SHEETS if t == issue.sheet), None)
    if table is None:
        return issue
    origin: Origin | None = None
    suffix = ""
    from_blocks = table in data.tables and data.tables[table]
    if table in schema.KEY_VALUE_SHEETS or not from_blocks:
        if data.metadata is not None and issue.column and table in METADATA_TABLES:
            index = (issue.row - 2) if issue.row and table not in schema.KEY_VALUE_SHEETS else 0
            origin = data.metadata.origin(table, index, issue.column)
        elif table in ("glacier", "dataset", "authors"):
            origin = Origin(file=str(data.mapping.path), line=None)
            suffix = (f" (the field workbook has no {table} sheet: name a metadata file holding it "
                      "in the mapping, metadata = \"station-metadata.xlsx\")")  # fmt: skip
    elif issue.row is not None:
        index = issue.row - 2
        origins = data.origins[table][index] if 0 <= index < len(data.origins[table]) else {}
        origin = origins.get(issue.column or "")
        if origin is None:
            anchor = data.anchors[table][index] if 0 <= index < len(data.anchors[table]) else None
            if anchor is not None:  # the row's source, without a column: the field has none
                origin = Origin(
                    anchor.sheet, anchor.row, anchor.column, None, anchor.file, anchor.line
                )
            if table == "balance_years" and issue.column:
                suffix = (f" ({issue.column} of balance year {data.tables[table][index].get('year')} is not in "
                          "the field workbook: give it in [[balance_year]] of the mapping or in the "
                          "metadata file's balance_years)")  # fmt: skip
            elif issue.column:
                suffix = f" ({issue.column}: no column or constant of its block gives it)"
    if origin is None:
        return Issue(issue.code, issue.severity, issue.message + suffix, sheet=issue.sheet, column=issue.column,
                     value=issue.value, file=str(data.mapping.path))  # fmt: skip
    return Issue(issue.code, issue.severity, issue.message + suffix, sheet=origin.sheet or issue.sheet,
                 row=origin.row, column=origin.header or issue.column, cell=origin.cell,
                 value=issue.value, file=origin.file, line=origin.line)  # fmt: skip


def import_station(source: str | os.PathLike[str], mapping: str | os.PathLike[str],
                   output: str | os.PathLike[str] | None = None) -> Any:  # fmt: skip
    """The canonical tables of a field workbook read through its mapping, and notes naming
    every source cell that was reported (:class:`mbpack.formats.importers.Imported`).

    ``output`` (the workbook to be written): DEM and outline paths of the metadata file's
    ``surfaces`` are rewritten relative to its folder.
    """
    from mbpack.formats.importers import Imported

    data = read_station(source, mapping)
    tables = station_tables(data)
    notes = [
        f"{i.cell or i.file or i.sheet}: {i.severity}: {i.code}: {i.message}"
        for i in data.report.sorted_issues()
    ]
    if output is not None and data.metadata is not None and tables.get("surfaces"):
        folder = Path(output).resolve().parent
        for row in tables["surfaces"]:
            for key in ("dem", "outline"):
                if row.get(key):
                    target = (data.metadata.path.parent / str(row[key])).resolve()
                    row[key] = Path(os.path.relpath(target, folder)).as_posix()
                    if row[key].startswith(".."):
                        notes.append(f"surfaces: {target} lies outside the folder of {output}; "
                                     "compute reads DEMs and outlines only inside it: copy it there")  # fmt: skip
    counts = data.report.cells
    total = {
        k: sum(c[k] for c in counts.values()) for k in ("non_empty", "read", "ignored", "reported")
    }
    notes.append(f"{Path(source).name}: {total['non_empty']} non-empty cells: {total['read']} read, "
                 f"{total['ignored']} ignored by the mapping, {total['reported']} reported")  # fmt: skip
    return Imported(tables, notes)

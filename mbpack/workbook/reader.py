"""Reading an ``.xlsx`` observation workbook into canonical tables.

The hot path reads every sheet with python-calamine (fast, values only) and
converts whole columns at once (:mod:`mbpack.workbook.cells`).  What calamine cannot
see is taken from the file itself: formulas without a cached value (found
by scanning the sheet XML, which is only parsed when it holds formulas) and
merged cells.  Before anything is opened the file is checked as a file:
its size, its signature (an encrypted workbook or a legacy ``.xls`` is an
OLE container, not a zip) and the total uncompressed size of the zip, so
that a zip bomb is refused before it is inflated.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from mbpack import units
from mbpack.errors import UnreadableWorkbook
from mbpack.issues import Issue, Report, SheetSummary, cell_ref, column_letter
from mbpack.params import BUFFERS, FILE_LIMITS
from mbpack.workbook import cells, schema
from mbpack.workbook.model import DTYPES, Workbook

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
#: Byte strings one of which any sheet XML holding a formula contains (``<f>``, ``<x:f>``).
#: Bytes that a sheet XML holds only when it has something :func:`scan_sheet` looks for.
_SCAN_HINTS = (b"<f", b":f>", b":f ", b't="e"', b"t='e'", b">INF<", b">-INF<", b">NaN<", b">nan<",
               b">inf<", b">-inf<", b"<!DOCTYPE", b"<!ENTITY")  # fmt: skip


def calamine_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is calamine refusing a file or a sheet: its own errors, or a Rust panic
    (pyo3's ``PanicException``, a ``BaseException``: a date cell far outside chrono's range
    panics in ``to_python``), not Ctrl-C or an exit."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def open_book(source: Path, shown: Path | None = None) -> Any:
    """The calamine workbook of ``source`` (``.xlsx``, ``.xls``, ``.ods``).

    Raises
    ------
    UnreadableWorkbook
        Naming ``shown`` (default ``source``) and calamine's reason, for its own errors and
        for a Rust panic.
    """
    import python_calamine

    try:
        return python_calamine.CalamineWorkbook.from_path(str(source))
    except BaseException as exc:  # calamine raises its own error types for broken parts
        if not calamine_failed(exc):
            raise
        raise UnreadableWorkbook(
            f"{shown or source}: cannot read the workbook ({type(exc).__name__}: {exc})"
        ) from None


def fold_enum(text: list[str | None], enum: list[str]) -> list[str | None]:
    """Text cells of an enumerated field spelled as the schema spells them: case, spaces and
    the :data:`ENUM_ALIASES` folded (``Re-drill`` → ``redrill``); other values as they are
    (the schema check reports them)."""
    folded = {schema.normalize_header(e): e for e in enum}
    for i, v in enumerate(text):
        if v is not None and v not in enum:
            key = schema.normalize_header(v)
            text[i] = folded.get(
                key, folded.get(schema.normalize_header(ENUM_ALIASES.get(key, key)), v)
            )
    return text


_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")

#: Other names of sheets, folded like headers.
SHEET_ALIASES: dict[str, str] = {
    "readings": "stake_readings",
    "pits": "snow_pits",
    "冰川": "glacier",
    "数据集": "dataset",
    "作者": "authors",
    "平衡年": "balance_years",
    "花杆": "stakes",
    "花杆观测": "stake_readings",
    "雪坑": "snow_pits",
    "探测": "probes",
    "测深": "probes",
    "面积高程分布": "hypsometry",
    "冰川物质平衡": "glacier_balance",
    "高度带物质平衡": "band_balance",
    "点物质平衡": "point_balance",
}
#: Sheets that are read by people, not by mbpack.
IGNORED_SHEETS = frozenset({"instructions", "readme", "说明"})

#: Other spellings of enumeration values (folded), per canonical value.
ENUM_ALIASES: dict[str, str] = {
    "雪": "snow",
    "积雪": "snow",
    "粒雪": "firn",
    "冰": "ice",
    "冰川冰": "ice",
    "附加冰": "superimposed_ice",
    "superimposedice": "superimposed_ice",
    "观测": "reading",
    "读数": "reading",
    "重钻": "redrill",
    "re-drill": "redrill",
    "redrilled": "redrill",
    "接杆": "extension",
    "extended": "extension",
    "丢失": "lost",
    "bw": "winter",
    "bs": "summer",
    "ba": "annual",
    "in": "index",
}

_KV_HEADERS = {"field", "字段", "项目", "key", "property"}


def _words(cell: Any) -> set[str]:
    """A header cell folded as a whole and word by word (``字段 field`` is both 字段 and field)."""
    text = "" if cell is None else str(cell)
    return {schema.normalize_header(text), *(schema.normalize_header(w) for w in text.split())}


def _sheet_key(name: str) -> str | None:
    folded = schema.normalize_header(name)
    for sheet in schema.SHEETS:
        if schema.normalize_header(sheet) == folded:
            return sheet
    return SHEET_ALIASES.get(folded)


def check_file(path: Path) -> None:
    """Refuse what cannot be an ``.xlsx`` workbook before opening it.

    Raises
    ------
    UnreadableWorkbook
        Naming the file and why: missing, too large, encrypted or legacy
        ``.xls``, not a zip, a corrupt or truncated zip, a zip bomb.
    """
    if not path.exists():
        raise UnreadableWorkbook(f"{path}: no such file")
    if not path.is_file():
        raise UnreadableWorkbook(f"{path}: not a file")
    size = path.stat().st_size
    if size > FILE_LIMITS.max_file_bytes:
        raise UnreadableWorkbook(
            f"{path}: the file is {size / 1024**2:.0f} MB, larger than the {FILE_LIMITS.max_file_bytes // 1024**2} MB "
            "mbpack reads; split the workbook (e.g. one file per decade)"
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE_MAGIC):
        raise UnreadableWorkbook(
            f"{path}: the file is a password-protected (encrypted) workbook or a legacy .xls file; "
            "remove the password or save it as .xlsx"
        )
    if not head.startswith(_ZIP_MAGIC):
        shown = head.decode("latin-1", "replace").encode("unicode_escape").decode()
        raise UnreadableWorkbook(f"{path}: not an .xlsx workbook (the file starts with {shown!r})")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnreadableWorkbook(f"{path}: corrupt or truncated .xlsx file ({exc})") from None
    if "xl/workbook.xml" not in names:
        raise UnreadableWorkbook(
            f"{path}: a zip file but not an Excel workbook (no xl/workbook.xml)"
        )
    if len(names) < len(members):
        from collections import Counter

        twice = sorted(n for n, k in Counter(m.filename for m in members).items() if k > 1)
        raise UnreadableWorkbook(
            f"{path}: the file holds {', '.join(twice)} twice; which copy a program reads differs "
            "(a tampered or badly repaired file); re-save it in a spreadsheet program"
        )
    check_inflation(path, members)


def check_inflation(path: Path, members: list[zipfile.ZipInfo], what: str = "workbook") -> None:
    """Refuse a zip (a workbook or a FoG release) that would inflate too far, before inflating it.

    Parameters
    ----------
    path
        The zip, named in the message.
    members
        Its central directory (``ZipFile.infolist()``).
    what
        What the zip is, for the message.

    Raises
    ------
    UnreadableWorkbook
        When the members would inflate to more than
        :attr:`mbpack.params.FileLimits.max_uncompressed_bytes`, or to more than 50 MiB at a
        ratio above :attr:`mbpack.params.FileLimits.max_compression_ratio` (a zip bomb).
    """
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > FILE_LIMITS.max_uncompressed_bytes or (
        total > 50 * 1024**2 and total / packed > FILE_LIMITS.max_compression_ratio
    ):
        raise UnreadableWorkbook(
            f"{path}: refused: the {what} would inflate to {total / 1024**2:.0f} MB "
            f"({total / packed:.0f} times its size); this looks like a zip bomb"
        )


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member of its XML."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("pr:Relationship", _NS)}
    parts: dict[str, str] = {}
    for sheet in book.findall("m:sheets/m:sheet", _NS):
        rid = sheet.get(f"{{{_NS['r']}}}id")
        target = targets.get(rid, "")
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[sheet.get("name", "")] = member
    return parts


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member of its XML, for :func:`scan_sheet`."""
    return _sheet_parts(archive)


@dataclass
class SheetScan:
    """What the sheet XML says that calamine's values do not (1-based rows and columns).

    Attributes
    ----------
    formulas
        Cells holding a formula but no cached value: (row, column, formula).
    errors
        Cells holding a spreadsheet error (``t="e"``, e.g. ``#N/A``): (row, column, error).
    non_finite
        Number cells holding ``INF``, ``-INF`` or ``NaN``: (row, column, text).
    duplicate_rows
        Row numbers that stand more than once (``<row r="5">`` twice).
    problem
        Why the XML could not be scanned, if it could not (the values calamine read are
        still used).
    """

    formulas: list[tuple[int, int, str]] = field(default_factory=list)
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    non_finite: list[tuple[int, int, str]] = field(default_factory=list)
    duplicate_rows: list[int] = field(default_factory=list)
    problem: str | None = None


def _position(ref: str) -> tuple[int, int] | None:
    match = _CELL_REF.match(ref)
    if not match:
        return None
    letters, row = match.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(row), col


def scan_sheet(archive: zipfile.ZipFile, member: str) -> SheetScan:
    """Formulas without a value, error cells and non-finite numbers of one sheet's XML.

    The XML is parsed only when it holds one of them (a byte search first), with
    defusedxml: a document type declaration (entities) is refused, never expanded.
    The byte searches run over the decompressed XML a block at a time
    (:data:`mbpack.params.BUFFERS`), never the whole part at once: the XML of a million-row sheet
    is some 300 MB.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    scan = SheetScan()
    try:
        info = archive.getinfo(member)
    except KeyError:
        return scan
    numbers, hinted = _search_sheet(archive, info)
    if numbers.size and np.any(np.diff(numbers) <= 0):  # rows written in order: none twice
        values, counts = np.unique(numbers, return_counts=True)
        scan.duplicate_rows = [int(v) for v in values[counts > 1]]
    if not hinted:
        return scan
    main = _NS["m"]
    try:
        with archive.open(info) as stream:
            for _, elem in iterparse(stream, events=("end",), forbid_dtd=True):
                if elem.tag != f"{{{main}}}c":
                    continue
                where = _position(elem.get("r", ""))
                value = elem.find(f"{{{main}}}v")
                text = value.text if value is not None else None
                formula = elem.find(f"{{{main}}}f")
                if where is not None:
                    if formula is not None and text in (None, ""):
                        scan.formulas.append((*where, formula.text or ""))
                    elif elem.get("t") == "e" and text:
                        scan.errors.append((*where, text))
                    elif (
                        elem.get("t") in (None, "n")
                        and text
                        and text.strip().lstrip("+-").lower() in ("inf", "nan", "infinity")
                    ):
                        scan.non_finite.append((*where, text))
                elem.clear()
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        scan.problem = f"{type(exc).__name__}: {exc}"
    return scan


def _search_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[np.ndarray, bool]:
    """The ``<row r="...">`` numbers of a sheet's XML, in order, and whether it holds one of
    :data:`_SCAN_HINTS`, read a block at a time.

    Exact at the seams: a row match holds no ``>``, so the regex runs up to the block's last
    ``>`` and the rest waits for the next block; each block's hint search includes the last
    bytes of the one before, enough for the longest hint.
    """
    keep = max(len(h) for h in _SCAN_HINTS) - 1
    found: list[np.ndarray] = []
    hinted = False
    tail = b""  # bytes after the last ">" seen: not yet searched for row numbers
    overlap = b""  # the last `keep` bytes: not yet searched for a hint that ends later
    with archive.open(info) as stream:
        while block := stream.read(BUFFERS.scan_block_bytes):
            if not hinted:
                window = overlap + block
                hinted = any(hint in window for hint in _SCAN_HINTS)
                overlap = window[-keep:]
            text = tail + block
            cut = text.rfind(b">") + 1
            found.append(np.array(_ROW_NUMBER.findall(text, 0, cut), dtype=np.int64))
            tail = text[cut:]
    found.append(np.array(_ROW_NUMBER.findall(tail), dtype=np.int64))
    return np.concatenate(found), hinted


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The workbook's shared strings (rich-text runs joined), parsed with defusedxml."""
    from defusedxml.ElementTree import iterparse

    try:
        data = archive.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    main = _NS["m"]
    out: list[str] = []
    for _, elem in iterparse(_BytesReader(data), events=("end",), forbid_dtd=True):
        if elem.tag == f"{{{main}}}si":
            out.append("".join(x.text or "" for x in elem.iter(f"{{{main}}}t")))
            elem.clear()
    return out


#: Built-in number formats that are dates (ECMA-376 part 1, 18.8.30).
_DATE_FORMAT_IDS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indices of the cell styles (``s`` attribute) whose number format shows a date."""
    from defusedxml.ElementTree import fromstring

    try:
        styles = fromstring(archive.read("xl/styles.xml"), forbid_dtd=True)
    except KeyError:
        return set()
    custom = {
        int(f.get("numFmtId", "0"))
        for f in styles.iterfind("m:numFmts/m:numFmt", _NS)
        if re.search(r"[dy]", re.sub(r'"[^"]*"|\[[^]]*\]', "", f.get("formatCode", "")), re.I)
    }
    return {
        i
        for i, xf in enumerate(styles.iterfind("m:cellXfs/m:xf", _NS))
        if int(xf.get("numFmtId", "0")) in _DATE_FORMAT_IDS | custom
    }


def read_sheet_xml(
    archive: zipfile.ZipFile, member: str, shared: list[str], max_cells: int
) -> list[list[Any]]:
    """A sheet's cell values read from its XML, cell by cell, as calamine would give them.

    Used when calamine refuses a whole sheet because of one bad cell: every cell that can be
    read is, and a cell that cannot keeps its raw text (``<v>abc</v>`` in a number cell, a
    shared-string index that does not exist), so the column's converter reports it at its
    cell and only that cell is dropped.  Numbers stay numbers (date-formatted numbers are
    Excel serials, which the date columns read with a warning).

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        When the XML itself cannot be parsed, or the sheet would exceed ``max_cells``.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    from mbpack.workbook.cells import EXCEL_EPOCH

    main = _NS["m"]
    dates = _date_styles(archive)
    cells_at: dict[tuple[int, int], Any] = {}
    width = height = 0
    try:
        for _, elem in iterparse(
            _BytesReader(archive.read(member)), events=("end",), forbid_dtd=True
        ):
            if elem.tag != f"{{{main}}}c":
                continue
            where = _position(elem.get("r", ""))
            if where is None:
                elem.clear()
                continue
            kind = elem.get("t", "n")
            v = elem.find(f"{{{main}}}v")
            text = v.text if v is not None else None
            value: Any = ""
            if kind == "inlineStr":
                value = "".join(x.text or "" for x in elem.iter(f"{{{main}}}t"))
            elif text is None:
                value = ""
            elif kind == "s":
                index = int(text) if text.strip().isdigit() else -1
                value = (
                    shared[index] if 0 <= index < len(shared) else f"<missing shared string {text}>"
                )
            elif kind == "b":
                value = {"1": True, "0": False}.get(text.strip(), text)
            elif kind in ("str", "e", "d"):
                value = text
            else:
                try:
                    value = float(text)
                except ValueError:
                    value = text  # reported by the column's converter at this cell
                else:
                    style = elem.get("s", "0")
                    if style.isdigit() and int(style) in dates and 0 < value < 2958466:
                        value = EXCEL_EPOCH + timedelta(days=value)
            row, col = where
            cells_at[(row, col)] = value
            height, width = max(height, row), max(width, col)
            if len(cells_at) > max_cells:
                raise UnreadableWorkbook(f"{member}: more than {max_cells} cells")
            elem.clear()
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise UnreadableWorkbook(f"{member}: the sheet XML cannot be parsed ({exc})") from None
    if height * width > max_cells:
        raise UnreadableWorkbook(
            f"{member}: cells reach row {height} and column {column_letter(width)} "
            f"({height * width} cells, more than {max_cells}); delete the stray cells far away"
        )
    rows = [[""] * width for _ in range(height)]
    for (row, col), value in cells_at.items():
        rows[row - 1][col - 1] = value
    return rows


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        import io

        self._io = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._io.read(size)


#: Byte-order marks of UTF-16 XML (ECMA-376 part 2 allows UTF-8 and UTF-16 parts), and the
#: first bytes of ``<`` in UTF-16 without one.
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
#: The declared string counts of a shared-strings part.
_SST_COUNT = re.compile(rb"""\s(?:count|uniqueCount)\s*=\s*["'](\d+)["']""")
#: The fewest bytes one shared string takes (``<si/>``).
_SI_BYTES = 5


def _to_utf8(data: bytes) -> bytes:
    """A UTF-16 XML part as UTF-8, its declaration's encoding rewritten.

    The part is decoded by its byte-order mark, or without one by the bytes of its ``<``.
    """
    codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else (
        "utf-16-le" if data[:1] == b"<" else "utf-16-be")  # fmt: skip
    text = data.decode(codec).lstrip("\ufeff")
    text = re.sub(r"^(<\?xml[^>]*encoding=)([\"'])utf-16(?:le|be)?\2", r"\1\2UTF-8\2", text,
                  count=1, flags=re.I)  # fmt: skip
    return text.encode("utf-8")


def _without_counts(data: bytes) -> bytes:
    """A shared-strings part without its declared ``count`` and ``uniqueCount`` (optional)."""
    head, rest = data[:4096], data[4096:]
    return _SST_COUNT.sub(b"", head, count=2) + rest


def _repairs(archive: zipfile.ZipFile) -> dict[str, tuple[list[Any], str]]:
    """Parts to change before calamine reads them: member → (changes, why).

    A UTF-16 part (calamine reads it as empty) is converted to UTF-8; a shared-strings part
    that declares more strings than its size can hold (calamine allocates the declared count
    first: ``uniqueCount="4000000000"`` asks for 96 GB and aborts the process) loses its
    declared counts, which are optional (ECMA-376 part 1, 18.4.9).
    """
    found: dict[str, tuple[list[Any], str]] = {}
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels")) or info.file_size < 4:
            continue
        with archive.open(info) as handle:
            head = handle.read(4096)
        changes: list[Any] = []
        why = []
        if head.startswith(_UTF16_STARTS):
            changes.append(_to_utf8)
            why.append("is stored as UTF-16 XML; it was read after converting it to UTF-8")
            try:
                head = _to_utf8(head[: len(head) // 2 * 2])
            except UnicodeDecodeError:
                head = b""
        if info.filename.lower().endswith("sharedstrings.xml"):
            declared = max((int(n) for n in _SST_COUNT.findall(head)), default=0)
            room = info.file_size // _SI_BYTES
            if declared > room:
                changes.append(_without_counts)
                why.append(f"declares {declared} strings, but its {info.file_size} bytes hold at "
                           f"most {room}; the declared count was ignored")  # fmt: skip
        if changes:
            found[info.filename] = (changes, " and ".join(why))
    return found


def _repaired_copy(path: Path, repairs: dict[str, tuple[list[Any], str]], folder: str) -> Path:
    """A copy of the workbook ``path`` in ``folder`` with the :func:`_repairs` made.

    The decompressed size was bounded by :func:`check_file`.
    """
    copy = Path(folder) / "repaired.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            for change in repairs.get(info.filename, ([], ""))[0]:
                try:
                    data = change(data)
                except UnicodeDecodeError as exc:
                    raise UnreadableWorkbook(
                        f"{path}: {info.filename} says it is UTF-16 but is not ({exc})"
                    ) from None
            out.writestr(info, data)
    return copy


@contextlib.contextmanager
def _panic_quiet() -> Iterator[None]:
    """Hold back what a Rust panic of calamine writes to the standard error (a backtrace on
    the user's terminal, for a date cell out of chrono's range): the panic becomes a Python
    exception that mbpack handles; anything else written there is passed on."""
    import tempfile

    fd = 2  # the process's standard error, where Rust writes (sys.stderr may be replaced)
    try:
        sys.stderr.flush()
        saved = os.dup(fd)
    except (OSError, ValueError):  # no standard error: nothing to hold back
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), fd)
        panicked = False
        try:
            yield
        except BaseException:
            panicked = True
            raise
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            if not panicked:
                held.seek(0)
                text = held.read()
                if text:
                    os.write(fd, text)


def read(path: Path, report: Report | None = None) -> Workbook:
    """Read ``path`` (see :func:`mbpack.workbook.read_workbook`)."""
    import tempfile

    check_file(path)
    report = report if report is not None else Report(file=str(path))
    report.file = report.file or str(path)
    with zipfile.ZipFile(path) as archive:
        repairs = _repairs(archive)
    if not repairs:
        return _read(path, path, report)
    for part, (_, why) in repairs.items():
        report.add(Issue("repaired-part", "warning",
                         f"{part} {why} (re-save the workbook to store it as most programs expect)",
                         value=part))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="mbpack-") as folder:
        return _read(_repaired_copy(path, repairs, folder), path, report)


def _read(source: Path, path: Path, report: Report) -> Workbook:
    """Read the workbook at ``source``; the workbook and its issues are named ``path``."""

    book = open_book(source, path)

    with zipfile.ZipFile(source) as archive:
        try:
            parts = _sheet_parts(archive)
        except (KeyError, ElementTree.ParseError) as exc:
            raise UnreadableWorkbook(f"{path}: broken workbook structure ({exc})") from None
        tables: dict[str, pd.DataFrame] = {}
        wb = Workbook(tables=tables, path=path)
        seen: dict[str, str] = {}
        shared: list[str] | None = None
        for name in book.sheet_names:
            key = _sheet_key(name)
            if key is None:
                if schema.normalize_header(name) not in IGNORED_SHEETS:
                    report.add(
                        Issue(
                            "unknown-sheet",
                            "warning",
                            f"sheet {name!r} is not a workbook sheet mbpack knows; it was not read "
                            f"(sheets: {', '.join(schema.SHEETS)})",
                            sheet=name,
                            value=name,
                        )
                    )
                continue
            if key in seen:
                report.add(
                    Issue(
                        "duplicate-sheet",
                        "error",
                        f"sheets {seen[key]!r} and {name!r} are both {key}; keep one",
                        sheet=name,
                        value=name,
                    )
                )
                continue
            seen[key] = name
            try:
                sheet_data = book.get_sheet_by_name(name)
                if sheet_data.width * sheet_data.height > FILE_LIMITS.max_cells:
                    raise UnreadableWorkbook(  # a stray far cell: measured before allocating
                        f"the used range is {sheet_data.height} rows × {sheet_data.width} "
                        f"columns, more than {FILE_LIMITS.max_cells} cells"
                    )
                with _panic_quiet():
                    rows = sheet_data.to_python(skip_empty_area=False)
                merged = sheet_data.merged_cell_ranges or []
                del sheet_data  # calamine's own copy of the cells (300 MB for a million rows)
            except BaseException as exc:  # calamine refuses the whole sheet for one bad cell
                if not calamine_failed(exc):
                    raise
                try:
                    if shared is None:
                        shared = _shared_strings(archive)
                    rows = read_sheet_xml(archive, parts.get(name, ""), shared,
                                          FILE_LIMITS.max_cells)  # fmt: skip
                    merged = []
                except (UnreadableWorkbook, KeyError, ElementTree.ParseError) as inner:
                    report.add(Issue("unreadable-sheet", "error",
                                     f"sheet {name!r} cannot be read: {exc}; {inner}",
                                     sheet=name))  # fmt: skip
                    continue
                report.add(Issue("sheet-read-cell-by-cell", "warning",
                                 f"sheet {name!r} was read cell by cell because the fast reader "
                                 f"refused it ({exc}); merged cells are not filled in",
                                 sheet=name))  # fmt: skip
            _read_sheet(
                wb, report, key, name, rows, merged, scan_sheet(archive, parts.get(name, ""))
            )
    for sheet in schema.SHEETS:
        if sheet not in tables:
            tables[sheet] = _empty(sheet)
            if sheet in schema.REQUIRED_SHEETS:
                report.add(
                    Issue(
                        "missing-sheet",
                        "error",
                        f"the workbook has no {sheet!r} sheet; it is required",
                        sheet=sheet,
                    )
                )
    wb.present = set(seen)
    wb.sheet_names = dict(seen)
    return wb


def _empty(sheet: str) -> pd.DataFrame:
    fields = schema.fields(sheet)
    return pd.DataFrame(columns=[f["name"] for f in fields]).astype(
        {f["name"]: DTYPES[f["type"]] for f in fields}
    )


def _non_blank(body: list[list[Any]]) -> tuple[list[int], list[tuple[Any, ...]] | None]:
    """Positions of the rows that hold anything (a cell with only spaces counts as something),
    and, for a rectangular sheet, its columns restricted to those rows."""
    if not body:
        return [], None
    width = len(body[0])
    if any(len(r) != width for r in body):
        return [i for i, r in enumerate(body) if not _blank_row(r)], None
    # calamine reads an empty cell as "": list.count runs in C
    keep = [i for i, r in enumerate(body) if r.count("") != width]
    kept = body if len(keep) == len(body) else [body[i] for i in keep]
    return keep, list(zip(*kept, strict=True)) if kept else None


def _blank_row(row: list[Any]) -> bool:
    for value in row:
        if value == "" or value is None:
            continue
        if not cells.is_blank(value):
            return False
    return True


def _read_sheet(
    wb: Workbook,
    report: Report,
    sheet: str,
    name: str,
    rows: list[list[Any]],
    merged: list[Any],
    scan: SheetScan,
) -> None:
    """Read one sheet into ``wb.tables[sheet]``; issues name the sheet as written (``name``)."""
    for (r0, c0), (r1, c1) in merged:
        ref = f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"
        value = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None
        report.add(
            Issue(
                "merged-cells",
                "warning",
                f"cells {ref} are merged; their value {value!r} was copied into each of them "
                "(unmerge and fill the cells)",
                sheet=name,
                row=r0 + 1,
                cell=f"{name}!{ref}",
                value=value,
            )
        )
        for r in range(r0, min(r1 + 1, len(rows))):
            for c in range(c0, min(c1 + 1, len(rows[r]))):
                if (r, c) != (r0, c0) and cells.is_blank(rows[r][c]):
                    rows[r][c] = value
    for row in scan.duplicate_rows:
        report.add(Issue("duplicate-row", "error",
                         f"the sheet XML holds row {row} more than once (a tampered or badly "
                         "repaired file); the later copy was read; re-save the file in a "
                         "spreadsheet program", sheet=name, row=row, value=row))  # fmt: skip
    if scan.problem:
        report.add(Issue("unscanned-sheet", "error",
                         f"the XML of sheet {name!r} is malformed or declares entities "
                         f"({scan.problem}); values were read, but formulas without a value and "
                         "error cells could not be checked; re-save the file in a spreadsheet "
                         "program", sheet=name, value=scan.problem))  # fmt: skip
    for row, col, text in [*scan.errors, *scan.non_finite]:
        # calamine reads both as blank: put back what the cell says, so the column's
        # converter reports it at its cell (an error, never a default or "required")
        if row - 1 < len(rows) and col - 1 < len(rows[row - 1]):
            rows[row - 1][col - 1] = text.strip()
    for row, col, formula in scan.formulas:
        report.add(
            Issue(
                "formula-without-value",
                "error",
                f"cell holds the formula ={formula} but no computed value (the file was not "
                "saved by a spreadsheet program); open and save it, or type the value",
                sheet=name,
                row=row,
                cell=cell_ref(name, row, col),
                value=f"={formula}",
            )
        )
    if sheet in schema.KEY_VALUE_SHEETS:
        _read_key_value(wb, report, sheet, name, rows)
    else:
        _read_table(wb, report, sheet, name, rows)


def _column_map(sheet: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in schema.fields(sheet)}


def _convert(
    values: list[Any], fdesc: dict[str, Any], factor: float
) -> tuple[Any, list[cells.Note]]:
    kind = fdesc["type"]
    if kind == "number":
        out, notes = cells.to_number(values, fdesc.get("unit"))
        return out * factor if factor != 1.0 else out, notes
    if kind == "integer":
        return cells.to_integer(values)
    if kind == "date":
        return cells.to_date(values)
    if kind == "boolean":
        return cells.to_boolean(values)
    text, notes = cells.to_text(values)
    enum = fdesc.get("constraints", {}).get("enum")
    return (fold_enum(text, enum) if enum else text), notes


def _fraction_as_percent(
    values: np.ndarray, fdesc: dict[str, Any], unit_given: bool
) -> tuple[np.ndarray, bool]:
    """Fractions (unit ``1``) written as percentages are divided by 100."""
    if fdesc.get("unit") != "1" or unit_given:
        return values, False
    finite = values[np.isfinite(values)]
    if finite.size and finite.max() > 1.0 and finite.max() <= 100.0:
        return values / 100.0, True
    return values, False


def _header_index(rows: list[list[Any]]) -> int | None:
    """The first row that holds anything is the header, however many blank rows precede it."""
    for i, row in enumerate(rows):
        if not _blank_row(row):
            return i
    return None


def _resolve_header(
    report: Report, sheet: str, name: str, header: list[Any], header_row: int
) -> tuple[dict[int, tuple[str, float, bool]], dict[int, str]]:
    """Map column positions to (field, unit factor, unit given) and to unknown headers."""
    lookup = schema.header_lookup(sheet)
    fmap = _column_map(sheet)
    known: dict[int, tuple[str, float, bool]] = {}
    unknown: dict[int, str] = {}
    taken: dict[str, int] = {}
    for pos, text in enumerate(header):
        if cells.is_blank(text):
            continue
        raw = str(text).strip()
        base, unit = units.split_header(raw)
        fname = schema.find_field(sheet, base) or lookup.get(schema.normalize_header(raw))
        ref = cell_ref(name, header_row, pos + 1)
        if fname is None:
            unknown[pos] = raw
            report.add(
                Issue(
                    "unknown-column",
                    "warning",
                    f"column {raw!r} is not a {sheet} column; it was kept as it is",
                    sheet=name,
                    row=header_row,
                    column=raw,
                    cell=ref,
                    value=raw,
                )
            )
            continue
        if fname in taken:
            report.add(
                Issue(
                    "duplicate-column",
                    "error",
                    f"column {raw!r} repeats {fname!r} (column {column_letter(taken[fname] + 1)}); "
                    "keep one",
                    sheet=name,
                    row=header_row,
                    column=fname,
                    cell=ref,
                    value=raw,
                )
            )
            unknown[pos] = raw
            continue
        factor = 1.0
        if unit and fname != raw and unit is not None and fname is not None:
            canonical = fmap[fname].get("unit")
            try:
                factor = units.factor(unit, canonical) if canonical else 1.0
            except ValueError as exc:
                report.add(
                    Issue(
                        "unknown-unit",
                        "error",
                        f"header {raw!r}: {exc}",
                        sheet=name,
                        row=header_row,
                        column=fname,
                        cell=ref,
                        value=raw,
                    )
                )
        taken[fname] = pos
        known[pos] = (fname, factor, bool(unit))
    return known, unknown


def _add_notes(
    report: Report,
    name: str,
    column: str,
    col: int,
    excel_rows: np.ndarray,
    notes: list[cells.Note],
) -> None:
    for note in notes:
        row = int(excel_rows[note.position])
        report.add(
            Issue(
                note.code,
                note.severity,
                note.message,
                sheet=name,
                row=row,
                column=column,
                cell=cell_ref(name, row, col),
                value=note.value,
            )
        )


def _read_table(wb: Workbook, report: Report, sheet: str, name: str, rows: list[list[Any]]) -> None:
    summary = SheetSummary()
    report.sheets[sheet] = summary
    hidx = _header_index(rows)
    if hidx is None:
        wb.tables[sheet] = _empty(sheet)
        report.add(
            Issue(
                "empty-sheet",
                "error" if sheet in schema.REQUIRED_SHEETS else "warning",
                f"sheet {name!r} is empty: it has no header row",
                sheet=name,
            )
        )
        return
    header_row = hidx + 1
    known, unknown = _resolve_header(report, sheet, name, rows[hidx], header_row)
    body = rows[hidx + 1 :]
    width = len(rows[hidx])
    keep, columns_data = _non_blank(body)
    summary.rows = len(keep)
    summary.blank_rows = len(body) - len(keep)
    # rows wider than the header: values without a column
    for i in keep if any(len(r) > width for r in body) else ():
        extra = [
            (c, v) for c, v in enumerate(body[i][width:], start=width) if not cells.is_blank(v)
        ]
        for c, v in extra:
            report.add(
                Issue(
                    "value-without-header",
                    "warning",
                    f"value {v!r} stands in a column without a header; it was not read",
                    sheet=name,
                    row=hidx + 2 + i,
                    cell=cell_ref(name, hidx + 2 + i, c + 1),
                    value=v,
                )
            )
    excel_rows = np.array([hidx + 2 + i for i in keep], dtype=np.int64)
    kept = [body[i] for i in keep]
    fmap = _column_map(sheet)
    frame: dict[str, Any] = {}
    columns: dict[str, int] = {}
    unread: dict[str, list[int]] = {}  # cells that could not be read: never given the default

    def column_values(pos: int) -> list[Any]:
        if columns_data is not None:
            return list(columns_data[pos]) if pos < len(columns_data) else [None] * len(kept)
        return [r[pos] if pos < len(r) else None for r in kept]

    for pos, (fname, factor, unit_given) in known.items():
        values = column_values(pos)
        typed, notes = _convert(values, fmap[fname], factor)
        _add_notes(report, name, fname, pos + 1, excel_rows, notes)
        unread[fname] = [n.position for n in notes if n.severity == "error"]
        if fmap[fname]["type"] == "number":
            typed, converted = _fraction_as_percent(typed, fmap[fname], unit_given)
            if converted:
                report.add(
                    Issue(
                        "percent-converted",
                        "warning",
                        f"column {fname!r} holds percentages; divided by 100 to a fraction",
                        sheet=name,
                        row=header_row,
                        column=fname,
                        cell=cell_ref(name, header_row, pos + 1),
                    )
                )
        frame[fname] = typed
        columns[fname] = pos + 1
    n = len(kept)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for f in schema.fields(sheet):
        fname = f["name"]
        if fname in frame:
            out[fname] = pd.Series(frame[fname], index=out.index).astype(DTYPES[f["type"]])
        else:
            out[fname] = pd.Series([None] * n, index=out.index, dtype=object).astype(
                DTYPES[f["type"]]
            )
            if f.get("constraints", {}).get("required"):
                report.add(
                    Issue(
                        "missing-column",
                        "error",
                        f"sheet {name!r} has no {fname!r} column; it is required"
                        + (f" ({f['unit']})" if f.get("unit") else ""),
                        sheet=name,
                        row=header_row,
                        column=fname,
                        value=None,
                    )
                )
        if "default" in f and n:
            out[fname] = out[fname].fillna(f["default"])
            if unread.get(fname):
                out.loc[unread[fname], fname] = None
    for pos, raw in unknown.items():
        if raw in out.columns:
            continue
        out[raw] = pd.Series(column_values(pos), index=out.index, dtype=object)
        columns[raw] = pos + 1
    wb.tables[sheet] = out
    wb.excel_rows[sheet] = excel_rows
    wb.excel_columns[sheet] = columns


def _read_key_value(
    wb: Workbook, report: Report, sheet: str, name: str, rows: list[list[Any]]
) -> None:
    summary = SheetSummary()
    report.sheets[sheet] = summary
    fmap = _column_map(sheet)
    start = _header_index(rows)
    value_col, unit_col = 1, None
    if start is not None and _words(rows[start][0]) & _KV_HEADERS:
        for i, h in enumerate(rows[start]):
            if _words(h) & {"value", "值", "内容"}:
                value_col = i
            elif _words(h) & {"unit", "单位"}:
                unit_col = i
        start += 1
    record: dict[str, Any] = {}
    where: dict[str, int] = {}
    if start is None:
        start = len(rows)
    for i in range(start, len(rows)):
        row = rows[i]
        if _blank_row(row):
            summary.blank_rows += 1
            continue
        summary.rows += 1
        excel_row = i + 1
        key_raw = row[0] if row else None
        value = row[value_col] if value_col < len(row) else None
        if cells.is_blank(key_raw):
            report.add(
                Issue(
                    "missing-field-name",
                    "error",
                    f"value {value!r} has no field name in column A",
                    sheet=name,
                    row=excel_row,
                    cell=cell_ref(name, excel_row, 1),
                    value=value,
                )
            )
            continue
        base, unit = units.split_header(str(key_raw))
        if unit_col is not None and unit_col < len(row) and not cells.is_blank(row[unit_col]):
            unit = str(row[unit_col]).strip()
        fname = schema.find_field(sheet, base)
        ref = cell_ref(name, excel_row, value_col + 1)
        if fname is None:
            report.add(
                Issue(
                    "unknown-field",
                    "warning",
                    f"field {str(key_raw)!r} is not a {sheet} field; it was kept as it is",
                    sheet=name,
                    row=excel_row,
                    column=str(key_raw),
                    cell=ref,
                    value=value,
                )
            )
            record[str(key_raw).strip()] = value
            where[str(key_raw).strip()] = excel_row
            continue
        if fname in record:
            report.add(
                Issue(
                    "duplicate-field",
                    "error",
                    f"field {fname!r} is given twice (rows {where[fname]} and {excel_row}); keep one",
                    sheet=name,
                    row=excel_row,
                    column=fname,
                    cell=ref,
                    value=value,
                )
            )
            continue
        fdesc = fmap[fname]
        factor = 1.0
        if unit and fdesc.get("unit"):
            try:
                factor = units.factor(unit, fdesc["unit"])
            except ValueError as exc:
                report.add(
                    Issue(
                        "unknown-unit",
                        "error",
                        f"field {fname!r}: {exc}",
                        sheet=name,
                        row=excel_row,
                        column=fname,
                        cell=ref,
                        value=unit,
                    )
                )
        typed, notes = _convert([value], fdesc, factor)
        for note in notes:
            report.add(
                Issue(
                    note.code,
                    note.severity,
                    note.message,
                    sheet=name,
                    row=excel_row,
                    column=fname,
                    cell=ref,
                    value=note.value,
                )
            )
        record[fname] = typed[0]
        where[fname] = excel_row
    frame = pd.DataFrame(index=pd.RangeIndex(1))
    for f in schema.fields(sheet):
        fname = f["name"]
        value = record.get(fname)
        if value is None and "default" in f:
            value = f["default"]
        frame[fname] = (
            pd.Series([value], dtype=object).astype(DTYPES[f["type"]])
            if value is not None
            else pd.Series([None], dtype=object).astype(DTYPES[f["type"]])
        )
    for key, value in record.items():
        if key not in frame.columns:
            frame[key] = pd.Series([value], dtype=object)
    wb.tables[sheet] = frame
    wb.excel_rows[sheet] = where
    wb.excel_columns[sheet] = {"value": value_col + 1}


def read_workbook(path: str | os.PathLike[str], report: Report | None = None) -> Workbook:
    """Read an observation workbook into canonical tables.

    Every problem of the file and of its cells is added to ``report``
    (created when not given; available as ``workbook.report``); values
    that cannot be read become missing, so no row is dropped.

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        When the file cannot be read as a workbook at all (not xlsx,
        corrupt, encrypted, too large).
    """
    return read(Path(path), report)


def sheet_cells(
    path: Path, rows: int, columns: int, keep: dict[str, set[int]] | None = None
) -> dict[str, dict[str, Any]]:
    """The cells of every sheet as shown text, for a page that draws the sheets as grids.

    Parameters
    ----------
    path
        The ``.xlsx`` workbook (checked as :func:`read` checks it).
    rows, columns
        The first ``rows`` rows and ``columns`` columns of each sheet are kept [1].
    keep
        Sheet name → Excel row numbers kept even below ``rows`` (the rows that hold a fault).

    Returns
    -------
    dict
        Sheet name as written → ``{"rows": [[row number, [text, ...]], ...], "height": int,
        "width": int}``; ``height`` and ``width`` are the sheet's full used range.
    """

    from mbpack.issues import shown

    check_file(path)
    keep = keep or {}
    book = open_book(path)
    out: dict[str, dict[str, Any]] = {}
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            if sheet.width * sheet.height > FILE_LIMITS.max_cells:
                continue
            values = sheet.to_python(skip_empty_area=False)
        except BaseException as exc:  # a sheet the fast reader refuses: its faults are in the table
            if not calamine_failed(exc):
                raise
            continue
        wanted = keep.get(name, set())
        kept = [
            [number, ["" if v is None else str(shown(v)) for v in row[:columns]]]
            for number, row in enumerate(values, start=1)
            if number <= rows or number in wanted
        ]
        out[name] = {"rows": kept, "height": len(values), "width": sheet.width}
    return out

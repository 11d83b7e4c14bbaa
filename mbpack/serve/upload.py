"""Receiving an upload: streamed to a file, counted as it arrives, never named by the user.

The request body (``multipart/form-data`` with one ``file`` field) is parsed while it streams
in (python-multipart's streaming parser); the bytes are counted and the upload is refused with
413 the moment it passes the limit, before the rest is read.  The file is written into the
request's own temporary folder under a name mbpack chooses (``upload.bin``; the job's worker
process looks inside it, :func:`kind_of`, and names it ``upload.xlsx`` or ``upload.zip``, so
that not even a zip's directory is read by the server process); the name the user gave is kept
as text to show, cut to its last path component and stripped of control characters.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request

#: The file field of the upload form and of the JSON API.
FIELD = "file"
#: The optional field holding the mapping (TOML) of a station's own field workbook.
MAPPING_FIELD = "mapping"
#: Endings of a station's field workbook kept for the reader (it reads each by its ending).
STATION_SUFFIXES = (".xlsx", ".xls", ".ods")
#: Longest file name shown [characters].
NAME_LENGTH = 120
_ZIP_MAGIC = b"PK\x03\x04"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class UploadError(Exception):
    """An upload refused, with the HTTP status that says why (400, 413, 415)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Upload:
    """A received file.

    Attributes
    ----------
    path
        Where it was saved (inside the request's folder).
    name
        The name the user gave, for showing only.
    size
        Its size [bytes].
    mapping
        Where the mapping of a station's field workbook was saved (``mapping.toml``), if one
        came with it; ``mapping_name`` the name the user gave it, for showing only.
    """

    path: Path
    name: str
    size: int
    mapping: Path | None = None
    mapping_name: str = "mapping.toml"


def shown_name(raw: str) -> str:
    """The user's file name as text to show: its last component, no control characters.

    >>> shown_name("C:\\\\data\\\\../evil/wb\\x1b[31m.xlsx"), shown_name("")
    ('wb[31m.xlsx', 'upload')
    """
    name = re.split(r"[\\/]", raw)[-1]
    name = _CONTROL.sub("", name).strip()
    return name[:NAME_LENGTH] or "upload"


def kind_of(path: Path) -> str:
    """``release`` for a zip of CSV tables without ``xl/workbook.xml``, else ``workbook`` (an
    ``.xlsx``, or anything else: the reader then says what it is)."""
    with path.open("rb") as handle:
        if handle.read(4) != _ZIP_MAGIC:
            return "workbook"
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError):
        return "workbook"  # the reader names what is wrong with it
    if "xl/workbook.xml" not in names and any(n.lower().endswith(".csv") for n in names):
        return "release"
    return "workbook"


def _disposition(value: bytes) -> tuple[str | None, str | None]:
    """(field name, file name) of a ``Content-Disposition: form-data`` header."""
    from python_multipart.multipart import parse_options_header

    _, params = parse_options_header(value)
    name, filename = params.get(b"name"), params.get(b"filename")
    decode = lambda b: b.decode("utf-8", "replace") if b is not None else None  # noqa: E731
    return decode(name), decode(filename)


async def receive(request: Request, folder: Path, limit: int) -> Upload:
    """Stream the ``file`` field of ``request`` into ``folder``, at most ``limit`` bytes.

    Raises
    ------
    UploadError
        413 past the limit (told by Content-Length, or counted while streaming); 415 when the
        body is not a form upload; 400 when it holds no file.
    """
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser, parse_options_header

    too_large = UploadError(
        f"the upload is larger than the {limit / 1024**2:.0f} MB this server accepts", 413
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadError(
            "send the file as a form upload (multipart/form-data) in a field named 'file', "
            "e.g. curl -F file=@workbook.xlsx",
            415,
        )
    target = folder / "upload.bin"
    mapping = folder / "mapping.toml"
    state: dict[str, Any] = {"headers": [], "field": b"", "value": b"", "file": None,
                             "name": None, "done": False, "mapping": False, "writing": None}  # fmt: skip

    def header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def header_end() -> None:
        state["headers"].append((state["field"].lower(), state["value"]))
        state["field"], state["value"] = b"", b""

    def headers_finished() -> None:
        for key, value in state["headers"]:
            if key == b"content-disposition":
                field, filename = _disposition(value)
                if field == FIELD and filename is not None and not state["done"]:
                    state["name"] = filename
                    state["file"], state["writing"] = target.open("wb"), FIELD
                elif field == MAPPING_FIELD and filename and not state["mapping"]:
                    state["file"], state["writing"] = mapping.open("wb"), MAPPING_FIELD
                    state["mapping_name"] = filename
        state["headers"] = []

    def part_data(data: bytes, start: int, end: int) -> None:
        if state["file"] is not None:
            state["file"].write(data[start:end])

    def part_end() -> None:
        if state["file"] is not None:
            state["file"].close()
            state["file"] = None
            state["done" if state["writing"] == FIELD else "mapping"] = True

    callbacks: Any = {"on_header_field": header_field, "on_header_value": header_value,
                      "on_header_end": header_end, "on_headers_finished": headers_finished,
                      "on_part_data": part_data, "on_part_end": part_end}  # fmt: skip
    parser = MultipartParser(boundary, callbacks)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise too_large
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise UploadError(f"the upload is not a well-formed form upload ({exc})", 400) from None
    finally:
        if state["file"] is not None:
            state["file"].close()
    if not state["done"]:
        raise UploadError(
            "the upload holds no file: choose a workbook (.xlsx) or a FoG release (.zip)", 400
        )
    name = shown_name(state["name"])
    has_mapping = state["mapping"] and mapping.stat().st_size > 0
    if has_mapping and not name.lower().endswith(STATION_SUFFIXES):
        raise UploadError(
            f"{name}: a mapping goes with a station's field workbook (.xlsx, .xls or .ods)", 415
        )
    return Upload(target, name, target.stat().st_size, mapping if has_mapping else None,
                  shown_name(state.get("mapping_name") or "mapping.toml"))  # fmt: skip

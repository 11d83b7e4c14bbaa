"""Error cells of a legacy ``.xls`` workbook, which python-calamine reads as blank.

An ``.xls`` file is a BIFF8 ``Workbook`` stream inside an OLE2 compound file
([MS-CFB]); a cell holding a spreadsheet error is a BOOLERR record with its
error flag set, or a FORMULA record whose cached result is an error
([MS-XLS] 2.4.24, 2.4.127).  Only those records are looked at: values are
read by calamine.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: BIFF error codes → the text a spreadsheet shows ([MS-XLS] 2.5.97.2 BErr).
ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}  # fmt: skip

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class _Compound:
    """The streams of an OLE2 compound file (only what reading one stream needs)."""

    def __init__(self, data: bytes) -> None:
        if data[:8] != _OLE_MAGIC or len(data) < 512:
            raise ValueError("not an OLE2 compound file")
        self.data = data
        self.sector = 1 << struct.unpack_from("<H", data, 30)[0]
        self.mini = 1 << struct.unpack_from("<H", data, 32)[0]
        (dir_start,) = struct.unpack_from("<I", data, 48)
        self.cutoff, minifat_start = struct.unpack_from("<II", data, 56)
        difat_start, difat_count = struct.unpack_from("<II", data, 68)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s != _FREE]
        per = self.sector // 4
        seen = 0
        while difat_start not in (_FREE, _END) and seen <= difat_count:
            entries = struct.unpack_from(f"<{per}I", self._sector(difat_start))
            fat_sectors += [s for s in entries[:-1] if s != _FREE]
            difat_start, seen = entries[-1], seen + 1
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat += struct.unpack_from(f"<{per}I", self._sector(s))
        directory = self._chain(dir_start, self.fat, self._sector)
        self.entries: dict[str, tuple[int, int, int]] = {}
        for k in range(len(directory) // 128):
            entry = directory[k * 128 : (k + 1) * 128]
            length, kind = struct.unpack_from("<HB", entry, 64)
            name = entry[: max(0, length - 2)].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<II", entry, 116)
            self.entries.setdefault(name, (kind, start, size))
        root = next((v for v in self.entries.values() if v[0] == 5), None)
        self.ministream = self._chain(root[1], self.fat, self._sector) if root else b""
        self.minifat: list[int] = []
        if minifat_start not in (_FREE, _END):
            raw = self._chain(minifat_start, self.fat, self._sector)
            self.minifat = list(struct.unpack_from(f"<{len(raw) // 4}I", raw))

    def _sector(self, index: int) -> bytes:
        offset = (index + 1) * self.sector
        if offset + self.sector > len(self.data):
            raise ValueError(f"sector {index} lies beyond the end of the file")
        return self.data[offset : offset + self.sector]

    def _mini_sector(self, index: int) -> bytes:
        return self.ministream[index * self.mini : (index + 1) * self.mini]

    @staticmethod
    def _chain(start: int, table: list[int], read: object) -> bytes:
        out, index, steps = [], start, 0
        while index not in (_FREE, _END):
            if index >= len(table) or steps > len(table):
                raise ValueError("broken sector chain")
            out.append(read(index))  # type: ignore[operator]
            index, steps = table[index], steps + 1
        return b"".join(out)

    def stream(self, name: str) -> bytes | None:
        entry = self.entries.get(name)
        if entry is None or entry[0] != 2:
            return None
        _, start, size = entry
        if size < self.cutoff:
            return self._chain(start, self.minifat, self._mini_sector)[:size]
        return self._chain(start, self.fat, self._sector)[:size]


def _records(book: bytes, offset: int) -> list[tuple[int, bytes]]:
    out = []
    while offset + 4 <= len(book):
        kind, length = struct.unpack_from("<HH", book, offset)
        out.append((kind, book[offset + 4 : offset + 4 + length]))
        offset += 4 + length
        if kind == 0x000A:  # EOF of the substream
            break
    return out


def error_cells(path: str | Path) -> dict[str, dict[tuple[int, int], str]]:
    """Cells holding a spreadsheet error in each sheet of an ``.xls`` file (1-based rows, columns).

    Returns an empty mapping for a file that is not a BIFF8 workbook, or that is encrypted
    (its records cannot be read); calamine then reports what it can.

    Examples
    --------
    >>> error_cells(Path("no-such.xls"))
    {}
    """
    try:
        compound = _Compound(Path(path).read_bytes())
        book = compound.stream("Workbook") or compound.stream("Book")
    except (OSError, ValueError, struct.error):
        return {}
    if not book:
        return {}
    sheets: list[tuple[str, int]] = []
    for kind, body in _records(book, 0):
        if kind == 0x002F:  # FILEPASS: encrypted
            return {}
        if kind == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            (position,) = struct.unpack_from("<I", body, 0)
            count, flags = body[6], body[7]
            raw = body[8 : 8 + count * (2 if flags & 1 else 1)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            sheets.append((name, position))
    out: dict[str, dict[tuple[int, int], str]] = {}
    for name, position in sheets:
        found: dict[tuple[int, int], str] = {}
        for kind, body in _records(book, position)[1:]:
            if kind == 0x0205 and len(body) >= 8 and body[7] == 1:  # BOOLERR, error flag
                row, col = struct.unpack_from("<HH", body, 0)
                found[(row + 1, col + 1)] = ERROR_CODES.get(body[6], "#N/A")
            elif kind == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
                row, col = struct.unpack_from("<HH", body, 0)  # FORMULA with an error result
                found[(row + 1, col + 1)] = ERROR_CODES.get(body[8], "#N/A")
        if found:
            out[name] = found
    return out

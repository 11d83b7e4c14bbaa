"""The downloads of a result page, kept for a while under a random id.

A result's files (JSON report, results CSVs, package zip, report page) are moved out of the
request's temporary folder into the store's own folder under a fresh random id
(:func:`secrets.token_urlsafe`, 128 bits); a download names the id and one of the known file
names, never a path.  Results expire after :attr:`mbpack.params.Serve.result_seconds`, and at
most :attr:`mbpack.params.Serve.result_count` are kept (the oldest go first).
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from pathlib import Path

#: The files a result may hold, with their media types.
FILES = {
    "report.json": "application/json",
    "results.zip": "application/zip",
    "package.zip": "application/zip",
    "report.html": "text/html; charset=utf-8",
}
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


class ResultStore:
    """Results kept for download: ``put`` moves files in, ``get`` finds one by id and name.

    Parameters
    ----------
    root
        The store's own folder (created; emptied by the server when it stops).
    seconds
        How long a result is kept [s].
    count
        Most results kept at once [1].
    """

    def __init__(self, root: Path, seconds: float, count: int) -> None:
        self.root, self.seconds, self.count = root, seconds, count
        root.mkdir(parents=True, exist_ok=True)
        self._made: dict[str, float] = {}
        self._lock = threading.Lock()

    def put(self, files: dict[str, Path]) -> str:
        """Move ``files`` (name in :data:`FILES` → path) into a new result; its id."""
        key = secrets.token_urlsafe(16)
        folder = self.root / key
        folder.mkdir()
        for name, path in files.items():
            if name in FILES and path.is_file():
                shutil.move(path, folder / name)
        with self._lock:
            self._made[key] = time.monotonic()
            self._expire()
        return key

    def get(self, key: str, name: str) -> Path | None:
        """The file ``name`` of result ``key``; ``None`` when unknown, expired or not a file name."""
        if not _ID.match(key) or name not in FILES:
            return None
        with self._lock:
            self._expire()
            if key not in self._made:
                return None
        path = self.root / key / name
        return path if path.is_file() else None

    def _expire(self) -> None:
        now = time.monotonic()
        old = [k for k, t in self._made.items() if now - t > self.seconds]
        by_age = sorted(self._made, key=self._made.__getitem__)
        old += by_age[: max(0, len(by_age) - self.count)]
        for key in set(old):
            self._made.pop(key, None)
            shutil.rmtree(self.root / key, ignore_errors=True)

"""Helpers of the ``mbpack serve`` tests: a live server on a free loopback port, seeded workbooks."""

from __future__ import annotations

import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from conftest import clean_tables, write

from mbpack.serve import Config, create_app

#: The cells the faulty workbook breaks, by sheet: what the grid must mark, and nothing else.
SEEDED = {("stake_readings", "C4"), ("stakes", "F2"), ("snow_pits", "J3")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live(config: Config | None = None) -> Iterator[str]:
    """A uvicorn server of ``config`` in a thread on a free loopback port; its base address."""
    import uvicorn

    port = free_port()
    config = config or Config(port=port)
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def faulty_workbook(path: Path) -> Path:
    """The clean test workbook with three cells broken by hand, as a station would break them.

    - ``stake_readings!C4``: the exposure typed as ``abc`` (an error: not a number);
    - ``stakes!F2``: stake S1 at 3000 m, below the glacier's 3490-4000 m (a warning);
    - ``snow_pits!J3``: a snow density of 5000 kg m-3, denser than ice (an error).
    """
    clean = write(clean_tables(), path.with_name("clean.xlsx"))
    book = openpyxl.load_workbook(clean)
    book["stake_readings"]["C4"] = "abc"
    book["stakes"]["F2"] = 3000
    book["snow_pits"]["J3"] = 5000
    book.save(path)
    return path


def zip_bomb(path: Path, inflated: int = 64 * 1024**2) -> Path:
    """An .xlsx-looking zip whose one sheet inflates ``inflated`` bytes of zeros (~1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * 1024**2
            for _ in range(inflated // len(block)):
                member.write(block)
    return path

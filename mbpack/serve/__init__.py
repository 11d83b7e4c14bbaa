"""``mbpack serve``: the validator page for curators and stations, on Starlette and uvicorn.

Drop a workbook (or a FoG release zip) on the page and see every fault on the sheet itself,
then the glacier-wide balances, the report's plots and the publishing package; or post the
file to the JSON API (``/api/validate``, ``/api/compute``, ``/api/package``), which answers
what the command line's ``--format json`` prints.  The web stack (the ``serve`` extra:
``pip install 'mbpack[serve]'``) is imported only when the server starts, so ``import mbpack``
stays light.

Safety: the server listens on 127.0.0.1 unless told otherwise, and then needs a token; an upload
is counted while it streams in and refused past the limit; it lives only in the request's
temporary folder; no name from the user is used as a path; every job runs in its own worker
process with a time and memory limit (:mod:`mbpack.serve.jobs`).

The layer table (``tests/test_layout.py``) puts this package above :mod:`mbpack.api`: it reads,
validates, computes and packages only through the API, and the command line starts it.
"""

from __future__ import annotations

import re
import secrets

from mbpack.errors import MbpackError
from mbpack.serve.app import Config, create_app, is_loopback

__all__ = ["Config", "create_app", "is_loopback", "parse_size", "prepare", "run"]


def parse_size(text: str) -> int:
    """A size such as ``100MB``, ``512 KiB`` or ``2000000`` in bytes.

    MB means MiB (2**20 bytes), as the reader's limits are given (``100MB`` is the 100 MiB of
    :attr:`mbpack.params.FileLimits.max_file_bytes`).

    >>> parse_size("100MB"), parse_size("512 KiB"), parse_size("1000")
    (104857600, 524288, 1000)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*", text, re.I)
    if not match:
        raise MbpackError(f"--max-upload {text!r}: give a size such as 100MB, 512KB or 1000000")
    number, unit = match.groups()
    unit = (unit or "").lower().replace("i", "")
    unit = unit if unit.endswith("b") or not unit else unit + "b"
    factor = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}[unit]
    return int(float(number) * factor)


def prepare(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token the server needs, and whether it was generated here.

    On a loopback address no token is needed unless one is given; on any other address the
    given one is used, or a new one is made (``secrets.token_urlsafe``, 192 bits).
    """
    if token is not None and len(token) < 16:
        raise MbpackError("--token: give at least 16 characters (or leave it out to get one)")
    if token is None and not is_loopback(host):
        return secrets.token_urlsafe(24), True
    return token, False


def run(config: Config, echo: object = print) -> None:
    """Start the server for ``config`` and serve until stopped (Ctrl-C).

    Raises
    ------
    mbpack.errors.MbpackError
        When the ``serve`` extra is not installed.
    """
    try:
        import uvicorn
    except ImportError:
        raise MbpackError(
            "mbpack serve needs the serve extra: pip install 'mbpack[serve]'"
        ) from None
    app = create_app(config)
    shown = f"[{config.host}]" if ":" in config.host else config.host
    address = f"http://{shown}:{config.port}/"
    if config.token is not None:
        address += f"?token={config.token}"
    echo(f"mbpack serve: open {address}")  # type: ignore[operator]
    echo(f"  uploads up to {config.limits.max_upload_bytes / 1024**2:.0f} MB, {config.jobs} jobs "  # type: ignore[operator]
         f"at once, each at most {config.limits.job_seconds:.0f} s and "
         f"{config.limits.job_memory_bytes / 1024**3:.1f} GiB; Ctrl-C stops")  # fmt: skip
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning",
                forwarded_allow_ips="127.0.0.1", proxy_headers=True)  # fmt: skip

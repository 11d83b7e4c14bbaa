"""mbpack: validate, compute and publish glaciological mass-balance workbooks.

The public API is imported lazily so that ``import mbpack`` and the
command line start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "read_workbook": "mbpack.workbook",
    "write_workbook": "mbpack.workbook",
    "Workbook": "mbpack.workbook",
    "validate": "mbpack.checks.validate",
    "Report": "mbpack.issues",
    "Issue": "mbpack.issues",
}

__all__ = ["__version__", *_API]

if TYPE_CHECKING:
    from mbpack.checks.validate import validate as validate
    from mbpack.issues import Issue as Issue
    from mbpack.issues import Report as Report
    from mbpack.workbook.model import Workbook as Workbook
    from mbpack.workbook.reader import read_workbook as read_workbook
    from mbpack.workbook.writer import write_workbook as write_workbook


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'mbpack' has no attribute {name!r}")

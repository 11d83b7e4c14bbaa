"""mbpack: validate, compute and publish glaciological mass-balance workbooks.

The public API is imported lazily so that ``import mbpack`` and the
command line start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "load": "mbpack.api",
    "validate": "mbpack.api",
    "compute": "mbpack.api",
    "package": "mbpack.api",
    "report": "mbpack.api",
    "template": "mbpack.api",
    "ComputeOptions": "mbpack.api",
    "read_workbook": "mbpack.workbook",
    "write_workbook": "mbpack.workbook",
    "Workbook": "mbpack.workbook",
    "Report": "mbpack.issues",
    "Issue": "mbpack.issues",
    "import_glamos": "mbpack.formats.importers",
    "import_stakes": "mbpack.formats.importers",
    "import_wgms": "mbpack.formats.importers",
    "import_package": "mbpack.formats.importers",
}

__all__ = ["__version__", *_API]

if TYPE_CHECKING:
    from mbpack.api import ComputeOptions as ComputeOptions
    from mbpack.api import compute as compute
    from mbpack.api import load as load
    from mbpack.api import package as package
    from mbpack.api import report as report
    from mbpack.api import template as template
    from mbpack.api import validate as validate
    from mbpack.formats.importers import import_glamos as import_glamos
    from mbpack.formats.importers import import_package as import_package
    from mbpack.formats.importers import import_stakes as import_stakes
    from mbpack.formats.importers import import_wgms as import_wgms
    from mbpack.issues import Issue as Issue
    from mbpack.issues import Report as Report
    from mbpack.workbook.model import Workbook as Workbook
    from mbpack.workbook.reader import read_workbook as read_workbook
    from mbpack.workbook.writer import write_workbook as write_workbook


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'mbpack' has no attribute {name!r}")

"""Read: the observation workbook, its cells, its Table Schemas and the blank template.

The first stage of the pipeline.  :mod:`~mbpack.workbook.schema` holds the
published contract (``schemas/*.json``); :mod:`~mbpack.workbook.reader`
reads an ``.xlsx`` file cell by cell into a :class:`~mbpack.workbook.model.Workbook`
of canonical tables, recording every cell it cannot read;
:mod:`~mbpack.workbook.writer` writes one back; :mod:`~mbpack.workbook.surface`
is the glacier surface of a survey year (grid and hypsometry);
:mod:`~mbpack.workbook.template` writes the blank workbook people fill in.

Modules here import only the core modules (:mod:`mbpack.params`,
:mod:`mbpack.units`, :mod:`mbpack.errors`, :mod:`mbpack.atomic`,
:mod:`mbpack.issues`, :mod:`mbpack.escape`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_NAMES = {
    "Workbook": "mbpack.workbook.model",
    "read_workbook": "mbpack.workbook.reader",
    "write_workbook": "mbpack.workbook.writer",
}

__all__ = list(_NAMES)

if TYPE_CHECKING:
    from mbpack.workbook.model import Workbook as Workbook
    from mbpack.workbook.reader import read_workbook as read_workbook
    from mbpack.workbook.writer import write_workbook as write_workbook


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'mbpack.workbook' has no attribute {name!r}")

"""mbpack's exceptions: each message names the file, the value and what was expected."""

from __future__ import annotations


class MbpackError(Exception):
    """Base class of mbpack's errors."""


class UnreadableWorkbook(MbpackError):
    """The file cannot be read as an observation workbook (exit code 2)."""


class ComputationError(MbpackError):
    """A balance cannot be computed from the data given (e.g. too few stakes)."""


class MissingMetadata(MbpackError):
    """A publishing target needs a field the workbook does not have."""


class InvalidWorkbook(MbpackError):
    """The workbook has validation errors, and the caller asked for a valid one (exit code 1).

    Attributes
    ----------
    report
        The validation :class:`mbpack.issues.Report`.
    """

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class OutputRefused(MbpackError):
    """An output location mbpack may not write: it holds an input, or something mbpack did not
    write (exit code 2)."""


class MappingError(MbpackError):
    """A station mapping file is wrong: each message names the mapping's line and the sheet
    (exit code 2)."""

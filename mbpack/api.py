"""The library's front door: read, validate, compute, package and report, as the commands do.

Every command of :mod:`mbpack.cli` is one call here, so the command line and
Python code behave alike: a workbook is read and validated once
(:func:`load`), refused when it has errors (unless ``ignore_errors``), and
``package`` and ``report`` take the same compute options as ``compute``.

>>> import mbpack
>>> loaded = mbpack.load(mbpack.example.shipped_path())   # doctest: +SKIP
>>> results = mbpack.compute(loaded.workbook)              # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mbpack.errors import InvalidWorkbook
from mbpack.params import DEFAULT, Parameters

if TYPE_CHECKING:
    from mbpack.balance.compute import Results
    from mbpack.issues import Report
    from mbpack.publish.package import Summary
    from mbpack.workbook.model import Workbook

Method = Literal["band", "contour", "both"]


@dataclass(frozen=True)
class Loaded:
    """A workbook read and validated.

    Attributes
    ----------
    workbook
        The canonical tables.
    report
        Every fault of the file and of its cells, and the rules' findings.
    """

    workbook: Workbook
    report: Report


@dataclass(frozen=True)
class ComputeOptions:
    """What ``compute``, ``package`` and ``report`` compute with.

    Attributes
    ----------
    method
        ``band`` (altitude-band), ``contour`` (contour-line) or ``both``.
    profile
        b(z) of the band method (:attr:`mbpack.params.Parameters.profile`).
    dem_resolution
        Resample DEMs of the ``surfaces`` sheet to this cell size [m]; ``None`` keeps them.
    period
        Also the glacier-wide balance between these two survey dates.
    """

    method: Method = "both"
    profile: str = DEFAULT.profile
    dem_resolution: float | None = None
    period: tuple[date, date] | None = None

    def parameters(self, base: Parameters = DEFAULT) -> Parameters:
        """``base`` with this profile and DEM resolution."""
        return dataclasses.replace(base, profile=self.profile, dem_resolution=self.dem_resolution)


def load(path: str | os.PathLike[str], *, ignore_errors: bool = False) -> Loaded:
    """Read and validate an observation workbook.

    Parameters
    ----------
    path
        The ``.xlsx`` workbook.
    ignore_errors
        Return it even when validation finds errors.

    Returns
    -------
    Loaded
        The workbook and its validation report.

    Raises
    ------
    mbpack.errors.UnreadableWorkbook
        When the file cannot be read as a workbook at all.
    mbpack.errors.InvalidWorkbook
        When validation finds errors and ``ignore_errors`` is false; the
        exception carries the report.
    """
    from mbpack.checks.validate import check_workbook
    from mbpack.issues import Report
    from mbpack.workbook.reader import read

    report = Report(file=str(path))
    workbook = read(Path(path), report)
    check_workbook(workbook, report)
    if not report.valid and not ignore_errors:
        raise InvalidWorkbook(
            f"{path} has {report.errors} validation errors; run `mbpack validate {path}`",
            report,
        )
    return Loaded(workbook, report)


def validate(
    source: str | os.PathLike[str],
    *,
    generation: Literal["upper", "lower"] | None = None,
    tolerance: float | None = None,
) -> Report:
    """Check an observation workbook, or a WGMS FoG release, and report every fault.

    Parameters
    ----------
    source
        An ``.xlsx`` workbook, or a FoG release of either generation: a
        folder, a ``.zip`` or single ``.csv`` tables.
    generation
        The FoG generation (detected from the column names by default).
    tolerance
        FoG releases: allowed |B_a − (B_w + B_s)| [mm w.e.]
        (default :attr:`mbpack.params.FogChecks.balance_sum_tolerance`).

    Returns
    -------
    mbpack.issues.Report
        The faults by file, sheet, cell (or line) and value.
    """
    path = Path(source)
    if path.is_dir() or path.suffix.lower() in (".zip", ".csv"):
        from mbpack.checks.wgms import validate_fog

        return validate_fog(path, generation=generation, tolerance=tolerance)
    return load(path, ignore_errors=True).report


def compute(
    workbook: Workbook, options: ComputeOptions = ComputeOptions(), params: Parameters = DEFAULT
) -> Results:
    """Point and glacier-wide balances of every balance year (:func:`mbpack.balance.compute.compute`).

    Parameters
    ----------
    workbook
        A workbook, e.g. ``load(path).workbook``.
    options
        Method, profile, DEM resolution and an optional survey interval.
    params
        Densities, errors and thresholds (:mod:`mbpack.params`).
    """
    from mbpack.balance.compute import compute as run

    return run(
        workbook, method=options.method, period=options.period, params=options.parameters(params)
    )


def package(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    options: ComputeOptions = ComputeOptions(),
    submitted: Literal["band", "contour"] = "band",
    templates: str | os.PathLike[str] | None = None,
    strict: bool = False,
    ignore_errors: bool = False,
    force: bool = False,
    progress: Callable[[str, int | None], Callable[[], None] | None] | None = None,
    base_url: str | None = None,
) -> Summary:
    """Read, validate, compute and write the publishing folder of a workbook.

    Parameters
    ----------
    path
        The workbook.
    output
        The folder to write (atomically).
    options
        As for :func:`compute`.
    submitted
        The glacier-wide method written into the WGMS tables.
    templates
        A folder of templates replacing the shipped ones of the same name.
    strict
        Write nothing when a target's metadata is missing.
    ignore_errors
        Package a workbook that has validation errors.
    force
        Replace an existing folder mbpack did not write (never one that holds the workbook).
    progress
        Told each stage's name and size; may return a callable advanced once per unit.
    base_url
        Where the folder will be published: schema.org download links become absolute.
    """
    from mbpack.atomic import check_folder_target
    from mbpack.publish.metadata import base_url as checked_url
    from mbpack.publish.package import package as write

    checked_url(base_url)  # before the work, not after it
    check_folder_target(output, inputs=[path], force=force)
    loaded = load(path, ignore_errors=ignore_errors)
    _stage(progress, "computing", None)
    results = compute(loaded.workbook, options)
    advance = _stage(progress, "writing the package and drawing the report", _years(results))
    return write(loaded.workbook, output, results=results, report=loaded.report,
                 templates=templates, strict=strict, method=submitted, progress=advance,
                 inputs=[path], force=force, base_url=base_url)  # fmt: skip


def report(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    options: ComputeOptions = ComputeOptions(),
    templates: str | os.PathLike[str] | None = None,
    ignore_errors: bool = False,
    progress: Callable[[str, int | None], Callable[[], None] | None] | None = None,
) -> Report:
    """Read, validate, compute and write the self-contained HTML report; return the validation report."""
    from mbpack.atomic import atomic_file
    from mbpack.publish.htmlreport import report_html
    from mbpack.publish.metadata import context

    if Path(output).is_dir() or Path(output).resolve() == Path(path).resolve():
        with atomic_file(Path(output), inputs=[path]):  # refuses with the reason
            pass
    loaded = load(path, ignore_errors=ignore_errors)
    _stage(progress, "computing", None)
    results = compute(loaded.workbook, options)
    advance = _stage(progress, "drawing", _years(results))
    html = report_html(loaded.workbook, results, loaded.report,
                       context(loaded.workbook, results, loaded.report), templates, progress=advance)  # fmt: skip
    with atomic_file(Path(output), inputs=[path]) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return loaded.report


#: Result tables ``write_results`` writes, in this order.
RESULT_TABLES = ("glacier_balance", "band_balance", "point_balance", "isoline_areas", "series",
                 "comparison", "interval")  # fmt: skip


def write_results(
    results: Results,
    directory: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
) -> list[Path]:
    """Write every non-empty result table as CSV into ``directory``, atomically.

    Text a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM``) is
    written with a leading apostrophe, as in the package's ``data/`` folder.

    Parameters
    ----------
    results
        What :func:`compute` returned.
    directory
        The folder; replaced only when mbpack wrote it (or it is empty, or ``force``).
    inputs
        Files the results were computed from: a folder holding one is never replaced.
    force
        Replace a folder mbpack did not write.

    Returns
    -------
    list of pathlib.Path
        The files as they are after the move into place.
    """
    from mbpack.atomic import atomic_folder
    from mbpack.formats.datapackage import text_columns, write_csv

    names = [n for n in RESULT_TABLES if not getattr(results, n).empty]
    with atomic_folder(directory, inputs=inputs, force=force) as tmp:
        for name in names:  # text from the workbook (point ids, remarks) is neutralised
            frame = getattr(results, name)
            write_csv(frame, tmp / f"{name}.csv", text_columns(frame, None))
    return [Path(directory) / f"{name}.csv" for name in names]


def template(path: str | os.PathLike[str], lang: str = "en") -> Path:
    """Write the blank observation workbook, with the bundled example's rows as examples.

    ``lang`` (``en``, ``zh`` or ``both``) is the language of its headers and instructions.
    """
    from mbpack.example import example_rows
    from mbpack.workbook.template import write_template

    return write_template(path, example_rows(), lang)


def _years(results: Results) -> int:
    return int(results.glacier_balance["year"].nunique()) if len(results.glacier_balance) else 0


def _stage(
    progress: Callable[[str, int | None], Callable[[], None] | None] | None,
    name: str,
    total: int | None,
) -> Callable[[], None] | None:
    return progress(name, total) if progress is not None else None

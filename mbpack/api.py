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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mbpack.errors import InvalidWorkbook
from mbpack.params import BATCH, DEFAULT, Parameters

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


#: Exit status of one file: valid (warnings allowed), invalid (errors), unreadable.
EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True)
class FileResult:
    """The outcome of validating one file of a batch (:func:`validate_file`).

    Attributes
    ----------
    file
        The workbook or FoG release, as given.
    status
        ``valid``, ``invalid`` or ``unreadable``.
    exit_code
        0, 1 or 2 as ``mbpack validate`` exits for this file alone.
    errors, warnings
        Counts of the report (an unreadable file counts one error).
    seconds
        Wall time of the validation [s].
    report
        The full report as a dict (:meth:`mbpack.issues.Report.as_dict`).
    """

    file: str
    status: Literal["valid", "invalid", "unreadable"]
    exit_code: int
    errors: int
    warnings: int
    seconds: float
    report: dict[str, object]


def validate_file(
    source: str | os.PathLike[str],
    *,
    generation: Literal["upper", "lower"] | None = None,
    tolerance: float | None = None,
) -> FileResult:
    """Validate one workbook or FoG release; never raises for a bad or unreadable file.

    The per-file function of ``mbpack validate FILE|DIR|GLOB…``: picklable
    arguments and result, so a process pool (or a cluster) can run it.

    Parameters
    ----------
    source
        As for :func:`validate`.
    generation, tolerance
        As for :func:`validate`.

    Returns
    -------
    FileResult
        Status, exit code, counts, time [s] and the report.
    """
    import time

    from mbpack.errors import MbpackError

    t0 = time.perf_counter()
    try:
        report = validate(source, generation=generation, tolerance=tolerance)
    except (MbpackError, OSError) as exc:
        report = unreadable_report(source, exc)
        return FileResult(
            str(source), "unreadable", EXIT_UNREADABLE, 1, 0, time.perf_counter() - t0,
            report.as_dict(),
        )  # fmt: skip
    return FileResult(
        str(source),
        "valid" if report.valid else "invalid",
        EXIT_VALID if report.valid else EXIT_INVALID,
        report.errors,
        report.warnings,
        time.perf_counter() - t0,
        report.as_dict(),
    )


def unreadable_report(source: str | os.PathLike[str], exc: BaseException) -> Report:
    """The report of a file that cannot be read at all: one ``unreadable-file`` error saying why.

    What ``mbpack validate --format json`` prints for such a file, and what
    ``POST /api/validate`` of ``mbpack serve`` returns.
    """
    from mbpack.issues import Issue, Report

    report = Report(file=str(source))
    report.add(Issue("unreadable-file", "error", str(exc), value=str(source), file=str(source)))
    return report


def fatal_json(exc: BaseException) -> dict[str, object]:
    """The JSON document of a command that failed: the report (when the error has one) and why.

    ``{"valid": false, "fatal": {"kind": ..., "message": ...}}`` plus the validation report
    of an invalid workbook; what ``mbpack compute --format json`` prints when it cannot
    compute, and what ``POST /api/compute`` of ``mbpack serve`` returns then.
    """
    from mbpack.errors import MbpackError

    if isinstance(exc, InvalidWorkbook):
        kind = "invalid-workbook"
    elif isinstance(exc, MbpackError):
        kind = type(exc).__name__
    elif isinstance(exc, OSError):
        kind = "OSError"
    else:
        kind = type(exc).__name__
    report = getattr(exc, "report", None)
    out: dict[str, object] = report.as_dict() if report is not None else {"valid": False}
    out["valid"] = False
    out["fatal"] = {"kind": kind, "message": str(exc)}
    return out


def sheet_cells(
    path: str | os.PathLike[str], rows: int, columns: int, keep: dict[str, set[int]] | None = None
) -> dict[str, dict[str, object]]:
    """The cells of each sheet of a workbook as text (:func:`mbpack.workbook.reader.sheet_cells`).

    Parameters
    ----------
    path
        The ``.xlsx`` workbook.
    rows, columns
        How many of the first rows and columns of each sheet to keep [1].
    keep
        Sheet name → Excel row numbers kept below ``rows`` too.
    """
    from mbpack.workbook.reader import sheet_cells as cells

    return cells(Path(path), rows, columns, keep)


def render_page(name: str, context: dict[str, object]) -> str:
    """Render a shipped template in the sandboxed, strict environment (:func:`mbpack.publish.render.render`).

    ``*.html.j2`` templates autoescape every value; the pages of ``mbpack serve`` use it.
    """
    from mbpack.publish.render import render

    return render(name, context)


def _is_release_dir(path: Path) -> bool:
    return any(path.rglob("*.csv")) and not any(path.rglob("*.xlsx"))


def expand_sources(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files a batch validates: each FILE, every workbook under each DIR, each GLOB's matches.

    A folder that holds ``.xlsx`` workbooks (at any depth; Excel's ``~$``
    lock files skipped) gives those workbooks; a folder that holds CSV
    tables and no workbook is one FoG release.  A name that does not exist
    is taken as a glob pattern (``**`` matches folders at any depth); a
    pattern that matches nothing is returned as given, so that it is
    reported as unreadable.  Duplicates are dropped, order is kept.
    """
    import glob

    out: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir() and not _is_release_dir(path):
            found = sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$"))
        elif path.exists():
            found = [path]
        else:
            found = [Path(p) for p in sorted(glob.glob(str(source), recursive=True))] or [path]
        out.extend(p for p in found if p not in out)
    return out


#: Modules a worker process needs, for a parent to import once before it forks workers:
#: the readers and checks (``validate``), then computing and publishing (``compute``, ``package``).
WORKER_MODULES = ("mbpack.workbook.reader", "mbpack.checks.validate", "mbpack.checks.wgms",
                  "mbpack.balance.compute", "mbpack.publish.package")  # fmt: skip


def validate_many(
    sources: Iterable[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    generation: Literal["upper", "lower"] | None = None,
    tolerance: float | None = None,
    scheduler: str | None = None,
) -> Iterator[FileResult]:
    """Validate many files in a process pool (or on a dask cluster); results in the order of the files.

    Parameters
    ----------
    sources
        Files, folders and glob patterns (:func:`expand_sources`).
    jobs
        Worker processes (default: the number of cores; 1 validates in
        this process).
    generation, tolerance
        As for :func:`validate`, for every FoG release.
    scheduler
        Address of a ``dask.distributed`` scheduler (``tcp://host:8786``):
        the files are validated by its workers instead (the ``dask`` extra;
        the workers must see the files at the same paths).  ``jobs`` is then
        ignored.

    Yields
    ------
    FileResult
        One per file, as each is done, in the order of the files.
    """
    import functools

    files = expand_sources(sources)
    task = functools.partial(validate_file, generation=generation, tolerance=tolerance)
    if scheduler is not None:
        yield from _on_cluster(task, files, scheduler)
        return
    workers = min(jobs or os.cpu_count() or 1, len(files))
    if workers <= 1:
        yield from map(task, files)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    if "fork" in methods:  # forked workers inherit the readers and checks: imported once, here
        from importlib import import_module

        for module in WORKER_MODULES[:3]:
            import_module(module)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(task, files)


def _on_cluster(
    task: Callable[[Path], FileResult], files: list[Path], scheduler: str
) -> Iterator[FileResult]:
    """``task`` over ``files`` on the dask.distributed cluster at ``scheduler``, in order."""
    from mbpack.errors import MbpackError

    try:
        from distributed import Client
    except ImportError:
        raise MbpackError(
            "--scheduler needs dask.distributed: pip install 'mbpack[dask]'"
        ) from None
    try:
        client = Client(scheduler, timeout=BATCH.scheduler_timeout)
    except OSError as exc:
        raise MbpackError(f"no dask scheduler at {scheduler}: {exc}") from None
    with client:
        futures = client.map(task, files, pure=False)
        for future in futures:
            yield future.result()


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


def map_draft(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    metadata: str | os.PathLike[str] | None = None,
) -> Path:
    """Draft the mapping of a station's field workbook and write it (``mbpack map``).

    Parameters
    ----------
    source
        The field workbook (``.xlsx``, ``.xls``, ``.ods``).
    output
        The mapping file to write (TOML, docs/mapping.md); written atomically.
    metadata
        The station's metadata file, named in the mapping relative to ``output``.

    Returns
    -------
    pathlib.Path
        ``output``.
    """
    from mbpack.atomic import atomic_file
    from mbpack.formats.mapping_draft import draft_mapping

    text = draft_mapping(source, output=output, metadata=metadata)
    with atomic_file(Path(output), inputs=[source]) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(output)


def validate_station(source: str | os.PathLike[str], mapping: str | os.PathLike[str]) -> Report:
    """Validate a station's field workbook read through its mapping (``mbpack validate --map``).

    Every issue names the source cell as the station wrote it (``Stakes 2018!D21``), a cell
    of the metadata file, or a line of the mapping; ``report.cells`` accounts for every
    non-empty source cell (:func:`mbpack.formats.station.validate_station`).
    """
    from mbpack.checks.station import validate_station as run

    return run(source, mapping)


def import_station(
    source: str | os.PathLike[str],
    mapping: str | os.PathLike[str],
    output: str | os.PathLike[str],
) -> tuple[Path, list[str]]:
    """Write the canonical workbook of a field workbook read through its mapping.

    Returns
    -------
    tuple
        The workbook written and the notes (every reported source cell, and the cell counts).
    """
    from mbpack.formats.station import import_station as run
    from mbpack.workbook.writer import write_workbook

    imported = run(source, mapping, output)
    path = write_workbook(imported.workbook(), output, inputs=[source, mapping])
    return Path(path), list(imported.notes)

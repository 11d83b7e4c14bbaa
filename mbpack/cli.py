"""The ``mbpack`` command line: a thin layer over the library.

Commands parse their arguments, call :mod:`mbpack`, and format what comes
back: readable tables on a terminal, ``--format json`` for machines.  Exit
codes: 0 valid (warnings allowed), 1 invalid data, 2 usage error or
unreadable input.  Heavy libraries are imported inside the commands so
that ``mbpack --help`` answers at once.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mbpack import __version__
from mbpack.params import DEFAULT, PROFILES

if TYPE_CHECKING:
    from mbpack.issues import Report

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
#: Issues shown in the terminal table before the rest are counted only.
SHOWN_ISSUES = 200


class _Group(click.Group):
    """Click group that turns mbpack's own errors into a message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        from mbpack.errors import InvalidWorkbook, MbpackError
        from mbpack.escape import terminal

        args = [*getattr(ctx, "_protected_args", []), *ctx.args]  # click clears them in invoke
        try:
            return super().invoke(ctx)
        except InvalidWorkbook as exc:
            self._fatal(args, exc)
            click.echo(f"mbpack: {terminal(exc)} (or pass --ignore-errors)", err=True)
            ctx.exit(EXIT_INVALID)
        except MbpackError as exc:
            self._fatal(args, exc)
            click.echo(f"mbpack: {terminal(exc)}", err=True)
            ctx.exit(EXIT_UNREADABLE)
        except OSError as exc:  # a read-only or full disk, no permission: said, not a traceback
            where = f"{exc.filename}: " if exc.filename else ""
            self._fatal(args, exc)
            click.echo(f"mbpack: {terminal(where)}{terminal(exc.strerror or exc)}", err=True)
            ctx.exit(EXIT_UNREADABLE)

    @staticmethod
    def _fatal(args: list[str], exc: Exception) -> None:
        """With ``--format json``, a failure is a JSON object on standard output too."""
        import json

        wants = any(a == "--format=json" for a in args) or any(
            a == "--format" and b == "json" for a, b in itertools.pairwise(args)
        )
        if wants:
            from mbpack import api

            click.echo(json.dumps(api.fatal_json(exc), ensure_ascii=False))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mbpack")
def main() -> None:
    """Validate, compute and publish glaciological mass-balance workbooks."""


def _terminal(text: str) -> str:
    from mbpack.escape import terminal

    return terminal(text)


def _print_report(report: Report, fmt: str, quiet: bool = False) -> None:
    if fmt == "json":
        click.echo(report.to_json())
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from mbpack.escape import terminal

    def shown(text: str) -> str:  # workbook text: no escape sequences, no rich markup
        return escape(terminal(text))

    console = Console(highlight=False, soft_wrap=True)
    issues = report.sorted_issues()
    if issues and not quiet and not console.is_terminal:
        for issue in issues:
            fields = (
                issue.cell or issue.sheet or report.file,
                issue.severity,
                issue.code,
                issue.message,
            )
            click.echo("\t".join(terminal(f) for f in fields))
    elif issues and not quiet:
        table = Table(title=shown(str(report.file)), show_lines=False, expand=False)
        for col in ("cell", "severity", "code", "value", "message"):
            table.add_column(col, overflow="fold")
        for issue in issues[:SHOWN_ISSUES]:
            style = "red" if issue.severity == "error" else "yellow"
            value = "" if issue.value is None else str(issue.as_dict()["value"])
            table.add_row(
                shown(issue.cell or issue.sheet or ""),
                f"[{style}]{issue.severity}[/]",
                issue.code,
                shown(value[:40]),
                shown(issue.message),
            )
        console.print(table)
        if len(issues) > SHOWN_ISSUES:
            console.print(f"... and {len(issues) - SHOWN_ISSUES} more (use --format json for all)")
    if issues and not quiet and any(i.wgms_id is not None or i.line for i in issues):
        summary = report.summary()
        click.echo("by check: " + ", ".join(f"{k} {v}" for k, v in summary["by_check"].items()))
        worst = sorted(
            summary["by_glacier"].items(), key=lambda kv: -kv[1]["errors"] - kv[1]["warnings"]
        )[:10]
        click.echo(
            "most issues: "
            + "; ".join(f"{k}: {v['errors']} errors, {v['warnings']} warnings" for k, v in worst)
        )
    rows = sum(s.rows for s in report.sheets.values())
    blank = sum(s.blank_rows for s in report.sheets.values())
    verdict = "[green]valid[/]" if report.valid else "[red]invalid[/]"
    console.print(
        f"{shown(str(report.file))}: {verdict}: {report.errors} errors, {report.warnings} warnings "
        f"in {rows} rows of {len(report.sheets)} sheets"
        + (f" ({blank} blank rows skipped)" if blank else "")
    )


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True,
              help="Readable table, JSON report (one file), or one JSON line per file.")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line (text format).")
@click.option("--generation", type=click.Choice(["upper", "lower"]),
              help="WGMS FoG generation of a release (detected from the column names by default).")  # fmt: skip
@click.option("--tolerance", type=float,
              help="FoG releases: allowed |B_a - (B_w + B_s)| [mm w.e.] (default 1.5, mbpack.params.FogChecks).")  # fmt: skip
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Files validated at once, in worker processes (default: the number of cores).")  # fmt: skip
@click.option("--scheduler", metavar="ADDRESS",
              help="Validate on a dask.distributed cluster (tcp://host:8786; the dask extra).")  # fmt: skip
@click.option("--map", "mapping", type=click.Path(path_type=Path, dir_okay=False),
              help="Read the SOURCE, a station's own field workbook (.xlsx, .xls, .ods), through this mapping (mbpack map).")  # fmt: skip
def validate(
    sources: tuple[Path, ...],
    fmt: str,
    quiet: bool,
    generation: str | None,
    tolerance: float | None,
    jobs: int | None,
    scheduler: str | None,
    mapping: Path | None,
) -> None:
    """Check SOURCES against the schemas and rules; report every fault by cell.

    Each SOURCE is an observation workbook (.xlsx), a WGMS FoG release of
    either generation (a folder of CSV tables, a .zip or single .csv
    tables), a folder of workbooks (searched at any depth) or a glob
    pattern ("archive/**/*.xlsx"). One file: its full report. Several: a
    line per file and a summary (or --format jsonl: a JSON line per file),
    validated in a process pool. Exit code 0 when valid (warnings allowed),
    1 when a file has errors, 2 when a file cannot be read: the worst of them.
    With --map MAP.toml the one SOURCE is a station's field workbook read through the
    mapping: issues name the source cells, and every non-empty cell is accounted for.
    """
    import dataclasses
    import json

    from mbpack import api
    from mbpack.errors import UnreadableWorkbook

    if mapping is not None:
        if len(sources) != 1:
            raise click.UsageError("--map reads one field workbook: give one SOURCE")
        report = api.validate_station(sources[0], mapping)
        _print_report(report, fmt, quiet)
        if fmt == "text" and not quiet and report.cells:
            for sheet, c in report.cells.items():
                click.echo(_terminal(f"{sheet}: {c['non_empty']} non-empty cells: {c['read']} read, "
                                     f"{c['ignored']} ignored by the mapping, {c['reported']} reported"))  # fmt: skip
        sys.exit(EXIT_VALID if report.valid else EXIT_INVALID)

    files = api.expand_sources(sources)
    glob_like = any(c in str(s) for s in sources for c in "*?[")
    single = len(sources) == 1 and files == [sources[0]] and not glob_like and scheduler is None
    if single and fmt != "jsonl":
        source = sources[0]
        try:
            report = api.validate(source, generation=generation, tolerance=tolerance)  # type: ignore[arg-type]
        except UnreadableWorkbook as exc:
            report = api.unreadable_report(source, exc)
            if fmt == "json":
                click.echo(report.to_json())
            click.echo(f"mbpack: {exc}", err=True)
            sys.exit(EXIT_UNREADABLE)
        _print_report(report, fmt, quiet)
        sys.exit(EXIT_VALID if report.valid else EXIT_INVALID)
    if fmt == "json":
        raise click.UsageError("--format json reports one file; use --format jsonl for several")
    worst = EXIT_VALID
    counts = {"valid": 0, "invalid": 0, "unreadable": 0}
    errors = warnings = 0
    results = api.validate_many(files, jobs=jobs, generation=generation, tolerance=tolerance,  # type: ignore[arg-type]
                                scheduler=scheduler)  # fmt: skip
    for result in results:
        worst = max(worst, result.exit_code)
        counts[result.status] += 1
        errors, warnings = errors + result.errors, warnings + result.warnings
        if fmt == "jsonl":
            line = {k: v for k, v in dataclasses.asdict(result).items() if k != "report"}
            line["issues"] = result.report["issues"]
            click.echo(json.dumps(line, ensure_ascii=False))
        elif not quiet:
            why = ""
            if result.status == "unreadable":
                issues = result.report["issues"]
                why = (
                    ": " + str(issues[0]["message"]) if isinstance(issues, list) and issues else ""
                )
            click.echo(
                f"{result.file}: {result.status}: {result.errors} errors, "
                f"{result.warnings} warnings ({result.seconds:.1f} s){why}"
            )
    if fmt == "text":
        click.echo(
            f"{len(files)} files: {counts['valid']} valid, {counts['invalid']} invalid, "
            f"{counts['unreadable']} unreadable; {errors} errors, {warnings} warnings"
        )
    sys.exit(worst)


#: --force: replace an output folder mbpack did not write (never one that holds an input).
_force = click.option("--force", is_flag=True,
                      help="Replace an existing output folder that mbpack did not write.")  # fmt: skip


def _compute_options(command: Any) -> Any:
    """The options every command that computes shares: profile, DEM resolution, gating."""
    options = [
        click.option(
            "--profile",
            type=click.Choice(list(PROFILES)),
            default=DEFAULT.profile,
            show_default=True,
            help="b(z) of the band method: band means joined linearly, or least-squares line.",
        ),
        click.option(
            "--dem-resolution",
            type=float,
            help="Resample DEMs of the surfaces sheet to this cell size [m].",
        ),
        click.option(
            "--ignore-errors", is_flag=True, help="Go on even when validation finds errors."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--method", type=click.Choice(["band", "contour", "both"]), default="both", show_default=True,
              help="Altitude-band method, contour-line method, or both.")  # fmt: skip
@click.option(
    "--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Begin of a survey interval."
)
@click.option(
    "--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="End of a survey interval."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Folder for the CSV result tables."
)
@_compute_options
@_force
def compute(workbook: Path, method: str, profile: str, dem_resolution: float | None, date_from: Any, date_to: Any, fmt: str,
            output: Path | None, ignore_errors: bool, force: bool) -> None:  # fmt: skip
    """Compute point and glacier-wide balances (winter, summer, annual), ELA, AAR and uncertainties.

    Balances are in kg m-2 (= mm w.e.). With -o DIR every result table is
    written as CSV into DIR (atomically). --from/--to add the glacier-wide
    balance of that survey interval.
    """
    import json

    from mbpack import api

    if (date_from is None) != (date_to is None):
        raise click.UsageError("--from and --to go together")
    period = (date_from.date(), date_to.date()) if date_from is not None else None
    options = api.ComputeOptions(method, profile, dem_resolution, period)  # type: ignore[arg-type]
    results = api.compute(api.load(workbook, ignore_errors=ignore_errors).workbook, options)
    if output is not None:
        api.write_results(results, output, inputs=[workbook], force=force)
    if fmt == "json":
        click.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(
            results.glacier_balance.to_csv(
                index=False, date_format="%Y-%m-%d", lineterminator="\n"
            ),
            nl=False,
        )
    else:
        _print_results(results)
    for issue in results.issues:
        click.echo(_terminal(f"{issue.severity}: {issue.code}: {issue.message}"), err=True)


def _print_results(results: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    table = Table(title="Glacier-wide balance [kg m-2]")
    cols = [("year", "{:.0f}"), ("method", "{}"), ("winter_balance", "{:.0f}"), ("summer_balance", "{:.0f}"),
            ("annual_balance", "{:.0f}"), ("annual_balance_unc", "±{:.0f}"), ("ela", "{:.0f}"), ("aar", "{:.2f}")]  # fmt: skip
    for name, _ in cols:
        table.add_column(name.replace("_balance", "").replace("_unc", " unc"), justify="right")
    for row in results.glacier_balance.to_dict("records"):
        table.add_row(
            *[("" if row[n] is None or row[n] != row[n] else f.format(row[n])) for n, f in cols]
        )
    console.print(table)
    for row in results.series.to_dict("records"):
        console.print(
            f"{row['method']}: {row['years']} years {row['first_year']}-{row['last_year']}, mean B_a "
            f"{row['mean_annual_balance']:.0f}, B_w {row['mean_winter_balance']:.0f}, B_s "
            f"{row['mean_summer_balance']:.0f}, cumulative {row['cumulative_balance']:.0f} ± "
            f"{row['cumulative_balance_unc']:.0f} kg m-2; AAR0 {row['aar0']:.2f}, ELA0 {row['ela0']:.0f} m"
        )


#: The output option every importer shares.
_workbook_output = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Workbook to write (.xlsx).",
)


@main.group(name="import")
def import_() -> None:
    """Turn files in other formats into an observation workbook."""


@import_.command(name="glamos")
@click.argument("source", type=click.Path(path_type=Path))
@_workbook_output
def import_glamos(source: Path, output: Path) -> None:
    """Read a GLAMOS/VAW mass-balance file (.dat) into a workbook (glacier-wide and band balances)."""
    from mbpack.formats.importers import import_glamos as run

    _write_imported(run(source), output, source)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def example(directory: Path) -> None:
    """Write the bundled example workbook (Glacier No. 51, 2000-2011; synthetic data) into DIRECTORY."""
    from mbpack.example import write_example

    path = write_example(directory)
    click.echo(
        f"wrote {path} (synthetic demonstration data modelled on Glacier No. 51, Kuitun River)"
    )


@main.command(name="package")
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help="Folder to write."
)
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of Jinja2 templates replacing the shipped ones of the same name.")  # fmt: skip
@click.option("--method", type=click.Choice(["band", "contour"]), default="band", show_default=True,
              help="Glacier-wide method submitted in the WGMS tables.")  # fmt: skip
@click.option(
    "--strict", is_flag=True, help="Fail (and write nothing) when a target's metadata is missing."
)
@click.option("--base-url", metavar="URL",
              help="Where the folder will be published; schema.org download links become absolute URLs under it.")  # fmt: skip
@_compute_options
@_force
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def package_command(workbook: Path, output: Path, templates: Path | None, method: str, strict: bool,
                    base_url: str | None, profile: str, dem_resolution: float | None,
                    ignore_errors: bool, force: bool, quiet: bool) -> None:  # fmt: skip
    """Write the publishing folder: data/ CSV, datapackage.json, WGMS tables (both generations),
    DataCite/schema.org/CFF metadata, repository description, citation, report.md and report.html.

    The folder is written atomically; missing metadata is reported by sheet and field.
    """
    from mbpack import api

    options = api.ComputeOptions("both", profile, dem_resolution)
    with _progress(quiet) as bar:
        summary = api.package(workbook, output, options=options, submitted=method,  # type: ignore[arg-type]
                              templates=templates, strict=strict, ignore_errors=ignore_errors,
                              force=force, progress=bar.step, base_url=base_url)  # fmt: skip
    click.echo(f"wrote {len(summary.files)} files into {summary.directory}")
    for target, lacking in summary.skipped.items():
        click.echo(f"not written: {target}: missing {', '.join(lacking)}", err=True)
    for note in summary.notes:
        click.echo(_terminal(f"note: {note}"), err=True)


class _progress:
    """A rich progress bar on a terminal; silent when output is not a terminal or with --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet or not sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _progress:
        if not self.quiet:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True)  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task("mbpack", total=None)
        return self

    def step(self, text: str, total: int | None = None) -> Any:
        """Start a stage (with ``total`` units of work when known); return the advance callable."""
        if self._bar is not None:
            self._bar.update(self._task, description=f"mbpack: {text}", total=total, completed=0)
        return self.advance

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@main.command(name="template")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="en", show_default=True,
              help="Headers and instructions in English, Chinese (花杆编号) or both (花杆编号 stake_id).")  # fmt: skip
def template_command(path: Path, lang: str) -> None:
    """Write a blank observation workbook to fill in by hand (instructions, drop-downs, units)."""
    from mbpack import api

    click.echo(f"wrote {api.template(path, lang)}")


@main.command(name="report")
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help="HTML file to write."
)
@click.option(
    "--templates",
    type=click.Path(path_type=Path, file_okay=False),
    help="Template override folder.",
)
@_compute_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def report_command(workbook: Path, output: Path, templates: Path | None, profile: str,
                   dem_resolution: float | None, ignore_errors: bool, quiet: bool) -> None:  # fmt: skip
    """Write a self-contained HTML report (validation, results tables, b(z) profiles, maps, series plots)."""
    from mbpack import api

    options = api.ComputeOptions("both", profile, dem_resolution)
    with _progress(quiet) as bar:
        report = api.report(workbook, output, options=options, templates=templates,
                            ignore_errors=ignore_errors, progress=bar.step)  # fmt: skip
    click.echo(
        f"wrote {output} ({report.errors} errors, {report.warnings} warnings in the workbook)"
    )


def _write_imported(imported: Any, output: Path, *inputs: Path | None) -> None:
    from mbpack.workbook.writer import write_workbook

    path = write_workbook(imported.workbook(), output, inputs=[p for p in inputs if p is not None])
    click.echo(f"wrote {path}")
    for note in imported.notes:
        click.echo(_terminal(f"note: {note}"), err=True)


@import_.command(name="stakes")
@click.argument("stakes", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--year", type=int, required=True, help="Balance year (the year it ends).")
@click.option(
    "--probes",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Probe table P,E,N,D.",
)
@click.option("--density", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Density profile: DEPTH, DENSITY (e.g. a snow-fork export).")  # fmt: skip
@click.option(
    "--dem", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="DEM GeoTIFF."
)
@click.option("--outline", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Glacier outline: GeoJSON, or a mask raster on the DEM's grid.")  # fmt: skip
@click.option("--crs", help="EPSG code of Easting/Northing (default: the DEM's).")
@click.option("--resolution", type=float, help="Resample the DEM to this cell size [m] (average).")
@click.option("--embed-grid", is_flag=True,
              help="Write every DEM cell into the surface_grid sheet (small grids) instead of naming "
                   "the DEM and outline in the surfaces sheet.")  # fmt: skip
@click.option("--copy-rasters", is_flag=True,
              help="Copy the DEM and outline beside the workbook (the surfaces sheet names the copies).")  # fmt: skip
@click.option("--name", help="Glacier name (default: the file name).")
@click.option(
    "--length-unit", help="Unit of exposures, depths (m, cm) when the headers do not say."
)
@click.option(
    "--density-unit", help="Unit of densities (kg/m3, g/cm3) when the header does not say."
)
@click.option("--dates", nargs=3, type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              metavar="BEGIN WINTER_END END",
              help="Survey dates (YYYY-MM-DD) of the start, end-of-winter and end readings: a floating-date "
                   "year. Without them the year is stratigraphic (STR) and the dates are nominal.")  # fmt: skip
@_workbook_output
def import_stakes_command(stakes: Path, year: int, probes: Path | None, density: Path | None, dem: Path | None,
                          outline: Path | None, crs: str | None, resolution: float | None, embed_grid: bool,
                          copy_rasters: bool, name: str | None, length_unit: str | None,
                          density_unit: str | None, dates: Any, output: Path) -> None:  # fmt: skip
    """Compact stake table (Stake,Easting,Northing,Elevation,Hw,Dw,Hs) with probes, density, DEM and outline.

    The DEM and outline stay rasters: the surfaces sheet names them, relative
    to the workbook (--copy-rasters copies them beside it); --embed-grid
    writes every cell into surface_grid instead.
    """
    from mbpack.formats.importers import import_stakes, keep_rasters

    if embed_grid and copy_rasters:
        raise click.UsageError("--copy-rasters names rasters; --embed-grid embeds them: give one")
    imported = import_stakes(stakes, year=year, probes=probes, density=density, dem=dem, outline=outline, crs=crs,
                             resolution=resolution,
                             name=name, length_unit=length_unit, density_unit=density_unit,
                             dates=tuple(d.date() for d in dates) if dates else None)  # fmt: skip
    if dem is not None and not embed_grid:
        imported = keep_rasters(imported, output, dem=dem, outline=outline, copy=copy_rasters,
                                resolution=resolution)  # fmt: skip
    _write_imported(imported, output, stakes, probes, density, dem, outline)


@import_.command(name="wgms")
@click.argument("source", type=click.Path(path_type=Path, exists=True))
@click.option("--wgms-id", type=int, help="The glacier, when the tables hold several.")
@_workbook_output
def import_wgms_command(source: Path, wgms_id: int | None, output: Path) -> None:
    """WGMS FoG tables of either generation (folder, zip or single CSV) for one glacier."""
    from mbpack.formats.importers import import_wgms

    _write_imported(import_wgms(source, wgms_id), output, source)


@import_.command(name="package")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@_workbook_output
def import_package_command(source: Path, output: Path) -> None:
    """The data/ folder of a package written by mbpack package, back into a workbook."""
    from mbpack.formats.importers import import_package

    _write_imported(import_package(source), output, source)


@import_.command(name="excel")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--map", "mapping", type=click.Path(path_type=Path, exists=True, dir_okay=False), required=True,
              help="The mapping of the field workbook (TOML; draft one with mbpack map).")  # fmt: skip
@_workbook_output
def import_excel_command(source: Path, mapping: Path, output: Path) -> None:
    """A station's own field workbook (.xlsx, .xls, .ods) read through a mapping into a workbook."""
    from mbpack import api

    path, notes = api.import_station(source, mapping, output)
    click.echo(f"wrote {path}")
    for note in notes:
        click.echo(_terminal(f"note: {note}"), err=True)


@main.command(name="map")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Mapping file to write (TOML).")  # fmt: skip
@click.option("--metadata", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The station's metadata file (a workbook with glacier, dataset, authors, balance_years sheets, or TOML), named in the mapping.")  # fmt: skip
@click.option(
    "--force", is_flag=True, help="Replace an existing mapping file (it may hold hand edits)."
)
def map_command(source: Path, output: Path, metadata: Path | None, force: bool) -> None:
    """Draft the mapping of a station's field workbook (.xlsx, .xls, .ods): blocks, headers,
    fields, units and constants, each guess with a comment; what it cannot place is listed at the top."""
    from mbpack import api

    if output.exists() and not force:
        raise click.UsageError(
            f"{output} exists (it may hold hand edits); give --force to replace it"
        )
    path = api.map_draft(source, output, metadata=metadata)
    click.echo(f"wrote {path}")


@main.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than loopback needs a token.")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--max-upload", default="100MB", show_default=True, help="Largest upload (KB, MB, GB)."
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Jobs at once, each in its own worker process.")  # fmt: skip
@click.option(
    "--token", help="Token every request needs (generated and printed on a non-loopback host)."
)
def serve_command(host: str, port: int, max_upload: str, jobs: int, token: str | None) -> None:
    """Start the validator page: drop a workbook in a browser, see every fault on the sheet,
    download the report, the results and the package; a JSON API beside it (/api/validate,
    /api/compute, /api/package). Needs the serve extra (pip install 'mbpack[serve]').
    """
    import dataclasses

    from mbpack import serve
    from mbpack.params import SERVE

    token, made = serve.prepare(host, token)
    limits = dataclasses.replace(SERVE, max_upload_bytes=serve.parse_size(max_upload))
    if made:
        click.echo(
            f"mbpack serve: {host} is not a loopback address: requests need the token {token}"
        )
    serve.run(serve.Config(host, port, jobs, token, limits), echo=click.echo)

"""The ``mbpack`` command line: a thin layer over the library.

Commands parse their arguments, call :mod:`mbpack`, and format what comes
back: readable tables on a terminal, ``--format json`` for machines.  Exit
codes: 0 valid (warnings allowed), 1 invalid data, 2 usage error or
unreadable input.  Heavy libraries are imported inside the commands so
that ``mbpack --help`` answers at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mbpack import __version__

if TYPE_CHECKING:
    from mbpack.report import Report

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
#: Issues shown in the terminal table before the rest are counted only.
SHOWN_ISSUES = 200


class _Group(click.Group):
    """Click group that turns mbpack's own errors into a message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        from mbpack.errors import MbpackError

        try:
            return super().invoke(ctx)
        except MbpackError as exc:
            click.echo(f"mbpack: {exc}", err=True)
            ctx.exit(EXIT_UNREADABLE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mbpack")
def main() -> None:
    """Validate, compute and publish glaciological mass-balance workbooks."""


def _print_report(report: Report, fmt: str, quiet: bool = False) -> None:
    if fmt == "json":
        click.echo(report.to_json())
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    issues = report.sorted_issues()
    if issues and not quiet and not console.is_terminal:
        for issue in issues:
            click.echo(
                f"{issue.cell or issue.sheet or report.file}\t{issue.severity}\t{issue.code}\t{issue.message}"
            )
    elif issues and not quiet:
        table = Table(title=f"{report.file}", show_lines=False, expand=False)
        for col in ("cell", "severity", "code", "value", "message"):
            table.add_column(col, overflow="fold")
        for issue in issues[:SHOWN_ISSUES]:
            style = "red" if issue.severity == "error" else "yellow"
            value = "" if issue.value is None else str(issue.as_dict()["value"])
            table.add_row(
                issue.cell or issue.sheet or "",
                f"[{style}]{issue.severity}[/]",
                issue.code,
                value[:40],
                issue.message,
            )
        console.print(table)
        if len(issues) > SHOWN_ISSUES:
            console.print(f"... and {len(issues) - SHOWN_ISSUES} more (use --format json for all)")
    rows = sum(s.rows for s in report.sheets.values())
    blank = sum(s.blank_rows for s in report.sheets.values())
    verdict = "[green]valid[/]" if report.valid else "[red]invalid[/]"
    console.print(
        f"{report.file}: {verdict}: {report.errors} errors, {report.warnings} warnings "
        f"in {rows} rows of {len(report.sheets)} sheets"
        + (f" ({blank} blank rows skipped)" if blank else "")
    )


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Readable table or JSON report.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line (text format).")
def validate(workbook: Path, fmt: str, quiet: bool) -> None:
    """Check WORKBOOK (.xlsx) against the schemas and rules; report every fault by cell.

    Exit code 0 when valid (warnings allowed), 1 when it has errors, 2 when
    the file cannot be read.
    """
    from mbpack.errors import UnreadableWorkbook
    from mbpack.report import Issue, Report
    from mbpack.validate import validate as run

    try:
        report = run(workbook)
    except UnreadableWorkbook as exc:
        report = Report(file=str(workbook))
        report.add(
            Issue("unreadable-file", "error", str(exc), value=str(workbook), file=str(workbook))
        )
        if fmt == "json":
            click.echo(report.to_json())
        click.echo(f"mbpack: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    _print_report(report, fmt, quiet)
    sys.exit(EXIT_VALID if report.valid else EXIT_INVALID)

"""``mbpack package``: one complete, self-describing folder for WGMS, a repository and citations.

The folder holds ``data/`` (every table as CSV), ``datapackage.json``,
``wgms/upper`` and ``wgms/lower`` (both FoG generations), ``metadata/``
(DataCite XML, schema.org JSON-LD, CITATION.cff, the repository
description), ``citation.txt``, ``citation.bib``, ``report.md`` and
``report.html``.  It is written into a temporary folder beside the target
and moved into place only when complete, so on any error the target is left
as it was; re-running on the same input gives byte-identical files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mbpack.atomic import MARKER, atomic_folder
from mbpack.errors import MissingMetadata
from mbpack.publish import metadata
from mbpack.publish import wgms as submission
from mbpack.publish.render import render

if TYPE_CHECKING:
    from mbpack.balance.compute import Results
    from mbpack.issues import Report
    from mbpack.workbook.model import Workbook


#: Metadata outputs: target → (template, file written).
OUTPUTS: dict[str, list[tuple[str, str]]] = {
    "datacite": [("datacite.xml.j2", "metadata/datacite.xml")],
    "schemaorg": [("schemaorg.jsonld.j2", "metadata/schemaorg.jsonld")],
    "cff": [("CITATION.cff.j2", "metadata/CITATION.cff")],
    "description": [
        ("description.md.j2", "metadata/description.md"),
        ("description.zh.md.j2", "metadata/description.zh.md"),
    ],
    "citation": [
        ("citation.txt.j2", "citation.txt"),
        ("citation.bib.j2", "citation.bib"),
        ("citation.biblatex.bib.j2", "citation.biblatex.bib"),
    ],
}


@dataclass
class Summary:
    """What ``package`` wrote and what it left out (target → missing ``sheet!field``)."""

    directory: Path
    files: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def package(
    workbook: Workbook,
    directory: str | os.PathLike[str],
    *,
    results: Results,
    report: Report | None = None,
    templates: str | os.PathLike[str] | None = None,
    strict: bool = False,
    method: str = "band",
    html: bool = True,
    progress: Callable[[], None] | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
    base_url: str | None = None,
) -> Summary:
    """Write the publishing folder of a workbook (see the module notes).

    Parameters
    ----------
    workbook
        A :class:`mbpack.workbook.Workbook` (validated by the caller).
    results
        :class:`mbpack.balance.compute.Results` of the workbook (publishing never recomputes).
    report
        The validation :class:`mbpack.issues.Report`, summarised in the reports.
    templates
        A folder whose templates replace the shipped ones of the same name.
    strict
        Raise instead of leaving out a target whose metadata is missing.
    method
        Glacier-wide method submitted to WGMS (``band`` or ``contour``).
    html
        Also write ``report.html`` (plots; needs matplotlib).
    progress
        Called once per balance year drawn (a progress bar's advance).
    inputs
        Files the package is made from (the workbook): a folder holding one is never replaced.
    force
        Replace an existing folder that mbpack did not write.
    base_url
        Where the folder will be published (``http(s)://...``): schema.org download links
        become absolute URLs under it (relative paths without it).

    Raises
    ------
    MissingMetadata
        With ``strict``, naming every missing ``sheet!field``; nothing is written.
    MbpackError
        When ``base_url`` is not an ``http://`` or ``https://`` URL.
    """
    from mbpack.formats.datapackage import descriptor, export_tables, write_descriptor

    base = metadata.base_url(base_url)
    summary = Summary(Path(directory))
    with atomic_folder(directory, inputs=inputs, force=force) as tmp:
        paths = export_tables(workbook, tmp, results)
        for generation in ("upper", "lower"):
            try:
                tables = submission.wgms_tables(
                    workbook, generation, results=results, method=method
                )
            except MissingMetadata as exc:
                summary.skipped[f"wgms/{generation}"] = [str(exc)]
                continue
            submission.write_wgms(tables, tmp / "wgms" / generation, generation, mark=False)
        summary.notes += submission.missing_metadata(workbook)
        files = {
            p.relative_to(tmp).as_posix(): p.stat().st_size
            for p in sorted(tmp.rglob("*"))
            if p.is_file() and p.name != MARKER
        }
        ctx = metadata.context(workbook, results, report, files) | {"base_url": base}
        write_descriptor(descriptor(workbook, paths, ctx, results), tmp)
        for target_name, outputs in OUTPUTS.items():
            lacking = metadata.missing(target_name, ctx)
            if lacking:
                summary.skipped[target_name] = lacking
                continue
            for template, rel in outputs:
                out = tmp / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(render(template, ctx, templates), encoding="utf-8")
        (tmp / "report.md").write_text(render("report.md.j2", ctx, templates), encoding="utf-8")
        if html:
            from mbpack.publish.htmlreport import report_html

            (tmp / "report.html").write_text(
                report_html(workbook, results, report, ctx, templates, progress), encoding="utf-8"
            )
        if strict and (summary.skipped or summary.notes):
            problems = [f"{t}: {', '.join(m)}" for t, m in summary.skipped.items()] + summary.notes
            raise MissingMetadata("missing metadata: " + "; ".join(problems))
        summary.files = sorted(
            p.relative_to(tmp).as_posix()
            for p in tmp.rglob("*")
            if p.is_file() and p.name != MARKER
        )
    return summary

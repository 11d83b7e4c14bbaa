"""What one job of ``mbpack serve`` does, in its own worker process with a memory and time limit.

:func:`run` is the target of the worker process (:mod:`mbpack.serve.jobs`): it lowers its own
address space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``), does one task on the uploaded file,
and writes ``result.json`` (and the files to download) into its output folder.  Whatever goes
wrong (a hostile file, a full memory, a bug) ends as a message in ``result.json``, never as a
traceback on a page; a process that dies before it can write one is reported by the server.

Every text the job returns names the upload as the user called it, never the temporary path it
was saved under.
"""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import python_calamine  # noqa: F401  (the reader's, mapped before the memory limit is set)

from mbpack import api

#: Columns of the glacier-wide table of the result page, with their number formats.
GLACIER_COLUMNS = (("year", "{:.0f}"), ("method", "{}"), ("winter_balance", "{:.0f}"),
                   ("summer_balance", "{:.0f}"), ("annual_balance", "{:.0f}"),
                   ("annual_balance_unc", "{:.0f}"), ("ela", "{:.0f}"), ("aar", "{:.2f}"))  # fmt: skip


def limit_resources(memory_bytes: int, seconds: float) -> None:
    """Cap this process: address space ``memory_bytes`` [bytes], CPU time ``seconds`` [s] (+1).

    The wall-time limit is the server's (it kills the process); the CPU limit is a second
    guard should the server itself be stuck.
    """
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    cpu = int(seconds) + 1
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(
        resource.RLIMIT_CPU,
        (cpu if cpu_hard == resource.RLIM_INFINITY else min(cpu, cpu_hard), cpu_hard),
    )


def run(task: str, upload: str, name: str, out: str, memory_bytes: int, seconds: float,
        mapping: tuple[str, str] | None = None) -> None:  # fmt: skip
    """Do ``task`` on the file ``upload`` (shown as ``name``) and write ``out/result.json``.

    Parameters
    ----------
    task
        ``validate``, ``compute``, ``package`` (the JSON API) or ``page`` (the result page:
        validation, the sheets as grids and, for a valid workbook, the package).
    upload
        The saved upload (``upload.bin``); renamed ``upload.xlsx`` or, for a zip of CSV
        tables (a FoG release), ``upload.zip`` (:func:`mbpack.serve.upload.kind_of`).
    name
        The file's name as the user gave it (shown only, never a path).
    out
        The folder the result goes into.
    memory_bytes, seconds
        Limits of this process (:func:`limit_resources`).
    mapping
        The saved mapping (``mapping.toml``) and its name as the user gave it, when the upload is a station's own field
        workbook (``kind`` ``station``): it is read through the mapping, and named by the
        ending of the user's file name (``.xlsx``, ``.xls``, ``.ods``; the reader reads each
        by its ending).
    """
    from mbpack.serve.upload import STATION_SUFFIXES, kind_of

    limit_resources(memory_bytes, seconds)
    folder = Path(out)
    path = Path(upload)
    if mapping is not None:  # the mapping, too, is named as the user called it
        SHOWN[mapping[0]] = mapping[1]
    try:
        if mapping is not None:
            kind = "station"
            suffix = next(e for e in STATION_SUFFIXES if name.lower().endswith(e))
            path = path.rename(path.with_name("upload" + suffix))
        else:
            kind = kind_of(path)  # in here, under the limits: a zip's directory may be hostile
            path = path.rename(path.with_name("upload.zip" if kind == "release" else "upload.xlsx"))
        result = TASKS[task](path, kind, name, folder, Path(mapping[0]) if mapping else None)
    except BaseException as exc:  # any failure of any file (a Rust panic too): a message
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        if out_of_memory(exc):
            result = {"fatal": {"kind": "memory", "message": (
                f"{name}: the job needed more than the {memory_bytes / 1024**3:.1f} GiB of memory a "
                "job may use, and was stopped")}}  # fmt: skip
        else:
            result = api.fatal_json(exc)
    text = json.dumps(_named(result, str(path), name), ensure_ascii=False, default=str)
    (folder / "result.part").write_text(text, encoding="utf-8")
    os.replace(folder / "result.part", folder / "result.json")


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is the address-space limit biting: a MemoryError, or a library that
    could not be mapped or allocate (``ENOMEM``, "failed to map segment")."""
    import errno

    if isinstance(exc, MemoryError) or getattr(exc, "errno", None) == errno.ENOMEM:
        return True
    text = str(exc).lower()
    return "failed to map" in text or "cannot allocate memory" in text


#: Other saved files of this job (the mapping) → the name the user gave them (one job a process).
SHOWN: dict[str, str] = {}


def _named(value: Any, path: str, name: str) -> Any:
    """``value`` with the temporary path of the upload (and of its mapping, :data:`SHOWN`)
    replaced by the user's file name."""
    if isinstance(
        value, str
    ):  # the full path, or the bare name leading a FoG cell (f.zip:t.csv:3:X)
        bare = f"{Path(path).name}:"
        value = value.replace(path, name)
        for saved, shown in SHOWN.items():
            value = value.replace(saved, shown)
        return name + ":" + value[len(bare) :] if value.startswith(bare) else value
    if isinstance(value, dict):
        return {k: _named(v, path, name) for k, v in value.items()}
    if isinstance(value, list):
        return [_named(v, path, name) for v in value]
    return value


def _report(upload: Path, kind: str, name: str, mapping: Path | None = None) -> Any:
    """The validation report as ``mbpack validate --format json`` prints it (with ``--map``
    for a station's field workbook)."""
    from mbpack.errors import MbpackError

    try:
        report = api.validate_station(upload, mapping) if mapping else api.validate(upload)
    except (MbpackError, OSError) as exc:
        report = api.unreadable_report(upload, exc)
    report.file = name
    return report


def validate_task(
    upload: Path, kind: str, name: str, out: Path, mapping: Path | None = None
) -> dict[str, Any]:
    """``POST /api/validate``: the report as ``mbpack validate FILE --format json`` (``--map``)."""
    return {"document": _report(upload, kind, name, mapping).as_dict()}


def _canonical(upload: Path, kind: str, name: str, out: Path, mapping: Path | None) -> Path:
    """The workbook to compute or package: the upload, or a station workbook's import."""
    if kind == "release":
        raise _not_a_workbook(name)
    if kind == "station" and mapping is not None:
        path, _ = api.import_station(upload, mapping, out / "workbook.xlsx")
        return path
    return upload


def compute_task(
    upload: Path, kind: str, name: str, out: Path, mapping: Path | None = None
) -> dict[str, Any]:
    """``POST /api/compute``: the results as ``mbpack compute FILE --format json``."""
    loaded = api.load(_canonical(upload, kind, name, out, mapping))
    return {"document": api.compute(loaded.workbook).to_json()}


def package_task(
    upload: Path, kind: str, name: str, out: Path, mapping: Path | None = None
) -> dict[str, Any]:
    """``POST /api/package``: the publishing folder of ``mbpack package``, as a zip."""
    summary = api.package(_canonical(upload, kind, name, out, mapping), out / "package")
    _zip(out / "package", out / "package.zip")
    return {"files": {"package.zip": "package.zip"}, "notes": list(summary.notes),
            "skipped": {k: list(v) for k, v in summary.skipped.items()}}  # fmt: skip


def page_task(
    upload: Path, kind: str, name: str, out: Path, mapping: Path | None = None
) -> dict[str, Any]:
    """The result page: the report, the sheets as grids (of the station's own sheets for a
    field workbook in .xlsx), and for a valid workbook the package."""
    from mbpack.params import SERVE

    report = _report(upload, kind, name, mapping)
    document = report.as_dict()
    result: dict[str, Any] = {"document": document, "sheets": {}, "glacier": None, "files": {}}
    (out / "report.json").write_text(
        json.dumps(_named(document, str(upload), name), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    result["files"]["report.json"] = "report.json"
    unreadable = any(i.code == "unreadable-file" for i in report.issues)
    gridded = kind == "workbook" or (kind == "station" and upload.suffix == ".xlsx")
    if gridded and not unreadable:
        rows: dict[str, set[int]] = {}
        for issue in report.sorted_issues()[: SERVE.page_issues]:
            if issue.sheet and issue.row:
                rows.setdefault(issue.sheet, set()).add(issue.row)
        result["sheets"] = api.sheet_cells(upload, SERVE.grid_rows, SERVE.grid_columns, rows)
    if kind in ("workbook", "station") and report.valid:
        summary = api.package(_canonical(upload, kind, name, out, mapping), out / "package")
        result["notes"] = list(summary.notes)
        results = out / "package" / "data" / "results"
        _zip(results, out / "results.zip")
        _zip(out / "package", out / "package.zip")
        os.replace(out / "package" / "report.html", out / "report.html")
        result["files"].update({"results.zip": "results.zip", "package.zip": "package.zip",
                                "report.html": "report.html"})  # fmt: skip
        result["glacier"] = _glacier_table(results / "glacier_balance.csv")
    return result


def _glacier_table(path: Path) -> dict[str, Any]:
    """The glacier-wide balances [kg m-2] of the package's results, as shown text."""
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    body = []
    for record in records:
        row = []
        for column, fmt in GLACIER_COLUMNS:
            text = record.get(column) or ""
            try:
                row.append(fmt.format(float(text)) if text and fmt != "{}" else text)
            except ValueError:
                row.append(text)
        body.append(row)
    return {"columns": [c for c, _ in GLACIER_COLUMNS], "rows": body}


def _zip(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())


def _not_a_workbook(name: str) -> Exception:
    from mbpack.errors import UnreadableWorkbook

    return UnreadableWorkbook(
        f"{name}: a FoG release can be validated, not computed or packaged; upload an .xlsx workbook"
    )


TASKS = {"validate": validate_task, "compute": compute_task, "package": package_task,
         "page": page_task}  # fmt: skip

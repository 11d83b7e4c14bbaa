"""The foundation benchmark: validating a 100 000-row stake_readings workbook.

Compares, on the same file: ``mbpack validate`` (read + type every cell +
all rules), the bare read of the same sheet with pandas + calamine, and
``frictionless`` validating the same sheets with the same Table Schemas.
Each measurement runs in a fresh process so that its peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

WORK = Path(__file__).resolve().parent / "_work"
ROWS = 100_000
STAKES = 200


def make_workbook(path: Path, rows: int = ROWS, seed: int = 1, stakes: int = STAKES) -> Path:
    """A clean workbook of ``rows`` stake readings (200 stakes, fortnightly readings)."""
    from mbpack.workbook import Workbook, write_workbook

    return write_workbook(Workbook.from_tables(tables(rows, seed, stakes)), path)


def tables(rows: int = ROWS, seed: int = 1, stakes: int = STAKES) -> dict[str, Any]:
    """The tables of :func:`make_workbook`: ``rows`` stake readings of ``stakes`` stakes.

    Readings are fortnightly from 1990-09-01, so ``rows / stakes`` must stay under about
    900 for every date to lie in the past (a reading dated in the future is invalid).
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    per = rows // stakes
    ids = [f"S{i:03d}" for i in range(stakes)]
    start = np.datetime64("1990-09-01")
    dates = start + (np.arange(per) * 14).astype("timedelta64[D]")
    readings = pd.DataFrame(
        {
            "stake_id": np.repeat(ids, per),
            "date": np.tile(dates, stakes),
            "exposure": np.round(1.0 + np.abs(rng.normal(0, 0.05, rows)).cumsum() % 4.0, 2),
            "snow_depth": np.round(rng.uniform(0, 2, rows), 2),
            "surface": rng.choice(["snow", "firn", "ice"], rows),
        }
    )
    years = np.arange(1991, 1991 + int(per * 14 / 365) + 2)
    return {
        "glacier": {
            "name": "Benchmark Glacier",
            "country": "CN",
            "latitude": 43.7,
            "longitude": 84.4,
            "min_elevation": 3400.0,
            "max_elevation": 4100.0,
        },
        "balance_years": [
            {
                "year": int(y),
                "time_system": "FXD",
                "begin_date": f"{y - 1}-09-01",
                "winter_end_date": f"{y}-05-01",
                "end_date": f"{y}-08-31",
            }
            for y in years
        ],
        "stakes": [
            {"stake_id": s, "latitude": 43.7, "longitude": 84.4, "elevation": 3500.0 + i % 300 * 2}
            for i, s in enumerate(ids)
        ],
        "stake_readings": readings,
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(case: str, path: Path) -> dict[str, float]:
    """Run one case in this process: seconds and peak resident memory [MB]."""
    t0 = time.perf_counter()
    if case == "mbpack":
        from mbpack.checks.validate import validate

        report = validate(path)
        extra = {"errors": float(report.errors), "warnings": float(report.warnings)}
    elif case == "bare":
        import pandas as pd

        pd.read_excel(path, sheet_name="stake_readings", engine="calamine")
        extra = {}
    elif case in ("write", "write_bare"):
        from mbpack.workbook import Workbook

        wb = Workbook.from_tables(tables(int(path.stem.rsplit("_", 1)[-1])))
        target = path.with_name(f"{case}.xlsx")
        t0 = time.perf_counter()  # only the writing is timed, not making the tables
        if case == "write":
            from mbpack.workbook import write_workbook

            write_workbook(wb, target)
        else:
            _write_bare(wb, target)
        extra = {}
    elif case == "frictionless":
        extra = {"errors": float(_frictionless(path))}
    else:
        raise ValueError(f"unknown case {case!r}")
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), **extra}


def _write_bare(wb: Any, target: Path) -> None:
    """openpyxl write-only mode appending the same values, with nothing else done."""
    from openpyxl import Workbook as XLWorkbook

    from mbpack.workbook import schema
    from mbpack.workbook.model import header_text

    book = XLWorkbook(write_only=True)
    for sheet in schema.SHEETS:
        frame = wb.tables[sheet]
        if frame.empty and sheet not in schema.REQUIRED_SHEETS:
            continue
        ws = book.create_sheet(sheet)
        ws.append([header_text(sheet, c) for c in frame.columns])
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            ws.append(list(row))
    book.save(target)


def _frictionless(path: Path) -> int:
    import copy

    from frictionless import Package, Resource, Schema, formats

    from mbpack.workbook.model import header_text
    from mbpack.workbook.schema import load_schema

    def resource_for(sheet: str) -> Resource:
        # the same Table Schema, with field names as the workbook's headers ("exposure (m)")
        descriptor = copy.deepcopy(load_schema(sheet))
        descriptor.pop("$schema", None)
        names = {f["name"]: header_text(sheet, f["name"]) for f in descriptor["fields"]}
        for f in descriptor["fields"]:
            f["name"] = names[f["name"]]
        for key in ("primaryKey",):
            if key in descriptor:
                descriptor[key] = [names[k] for k in descriptor[key]]
        for fk in descriptor.get("foreignKeys", []):
            fk["fields"] = [names[k] for k in fk["fields"]]
        return Resource(
            path=str(path.name),
            basepath=str(path.parent),
            name=sheet,
            schema=Schema.from_descriptor(descriptor),
            control=formats.ExcelControl(sheet=sheet),
        )

    package = Package(resources=[resource_for("stakes"), resource_for("stake_readings")])
    report = package.validate(limit_errors=100_000)
    return sum(len(task.errors) for task in report.tasks)


def run_isolated(case: str, path: Path, module: str = "bench.workbook_case") -> dict[str, float]:
    """Run ``module.measure(case, path)`` in a fresh interpreter and return its measurement."""
    code = (
        f"import json, sys; from pathlib import Path; from {module} import measure; "
        f"print(json.dumps(measure({case!r}, Path({str(path)!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool = False) -> dict[str, float]:
    """All three measurements (best of 3 for the fast ones) and their ratios."""
    rows = 10_000 if quick else ROWS
    WORK.mkdir(exist_ok=True)
    path = WORK / f"readings_{rows}.xlsx"
    if not path.exists():
        make_workbook(path, rows)
    best = {
        c: min((run_isolated(c, path) for _ in range(3)), key=lambda r: r["seconds"])
        for c in ("mbpack", "bare")
    }
    fl = run_isolated("frictionless", path)
    write = {c: run_isolated(c, path) for c in ("write", "write_bare")}
    return {
        "rows": float(rows),
        "mbpack_s": best["mbpack"]["seconds"],
        "mbpack_peak_mb": best["mbpack"]["peak_mb"],
        "mbpack_errors": best["mbpack"]["errors"],
        "bare_read_s": best["bare"]["seconds"],
        "frictionless_s": fl["seconds"],
        "frictionless_errors": fl["errors"],
        "ratio_mbpack_to_bare": best["mbpack"]["seconds"] / best["bare"]["seconds"],
        "ratio_frictionless_to_mbpack": fl["seconds"] / best["mbpack"]["seconds"],
        "write_s": write["write"]["seconds"],
        "write_openpyxl_write_only_s": write["write_bare"]["seconds"],
        "ratio_write_to_openpyxl": write["write"]["seconds"] / write["write_bare"]["seconds"],
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))

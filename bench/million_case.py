"""A full-size sheet: 1 000 000 stake readings written, validated, read bare, computed, packaged.

Each step runs in a fresh process (its peak memory is its own).  Targets
(issue 17): validate ≤ 2× the bare read; compute and package under 2×
validate; peak memory under 1.5 GB.  ``--quick`` uses 20 000 rows.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from bench.workbook_case import WORK, _peak_mb, make_workbook, run_isolated

ROWS = 1_000_000


def measure(case: str, path: Path) -> dict[str, float]:
    """One step in this process: seconds and peak resident memory [MB]."""
    from mbpack import api

    t0 = time.perf_counter()
    if case == "compute":
        api.compute(api.load(path).workbook)
    elif case == "package":
        out = path.with_name(path.stem + "_package")
        shutil.rmtree(out, ignore_errors=True)
        api.package(path, out)
    else:
        raise ValueError(f"unknown case {case!r}")
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb()}


def run(quick: bool = False) -> dict[str, float]:
    """Seconds and peak memory of every step, and the target ratios."""
    rows = 20_000 if quick else ROWS
    WORK.mkdir(exist_ok=True)
    path = WORK / f"million_{rows}.xlsx"
    t0 = time.perf_counter()
    if not path.exists():
        make_workbook(path, rows)
    res: dict[str, float] = {"rows": float(rows), "write_s": time.perf_counter() - t0}
    for case in ("mbpack", "bare"):
        got = run_isolated(case, path)
        res[f"{case}_s"], res[f"{case}_peak_mb"] = got["seconds"], got["peak_mb"]
    for case in ("compute", "package"):
        got = run_isolated(case, path, "bench.million_case")
        res[f"{case}_s"], res[f"{case}_peak_mb"] = got["seconds"], got["peak_mb"]
    res["ratio_validate_to_bare"] = res["mbpack_s"] / res["bare_s"]
    res["ratio_compute_to_validate"] = res["compute_s"] / res["mbpack_s"]
    res["ratio_package_to_validate"] = res["package_s"] / res["mbpack_s"]
    return res


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))

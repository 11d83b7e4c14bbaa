"""A full-size sheet: 1 000 000 stake readings written, validated, read bare, computed, packaged.

Each step runs in a fresh process (its peak memory is its own); compute and
package each include reading and validating the workbook.  Targets (issue 17):
validate ≤ 2× the bare read; compute and package under 2× validate; peak
memory under 1.5 GB.  ``--quick`` uses 20 000 rows.

The sheet holds 2 000 stakes of 500 fortnightly readings (1990-2009), the
shape of the 100 000-row case (200 stakes of 500 readings) ten times over:
200 stakes of 5 000 readings would run to the year 2182, and every reading
dated in the future is a validation error.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from bench.workbook_case import WORK, _peak_mb, make_workbook, run_isolated

ROWS = 1_000_000

#: Readings per stake (fortnightly: 19 years), so 2 000 stakes at full size, 40 with ``--quick``.
PER_STAKE = 500


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
    path = WORK / f"million_{rows}_{rows // PER_STAKE}.xlsx"
    t0 = time.perf_counter()
    if not path.exists():
        make_workbook(path, rows, stakes=rows // PER_STAKE)
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

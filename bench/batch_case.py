"""Many files: ``mbpack validate DIR`` over 50 workbooks, serially and with ``--jobs 2``.

Both runs are the installed command in a fresh process (start-up and
imports paid once per run, as a user pays them).  Target (issue 17): the
``--jobs 2`` run takes at most 0.65× the serial one.  ``--quick``: 10
workbooks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bench.workbook_case import WORK, make_workbook

FILES = 50
ROWS = 5_000


def run(quick: bool = False) -> dict[str, float]:
    """Seconds serial and with two workers, and their ratio."""
    files, rows = (10, 1_000) if quick else (FILES, ROWS)
    folder = WORK / f"batch_{files}x{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        path = folder / f"glacier_{i:02d}.xlsx"
        if not path.exists():
            make_workbook(path, rows, seed=i)
    res: dict[str, float] = {"files": float(files), "rows_per_file": float(rows)}
    for jobs in (1, 2):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mbpack", "validate", str(folder), "--jobs", str(jobs), "-q"],
            capture_output=True,
            text=True,
        )
        res[f"jobs_{jobs}_s"] = time.perf_counter() - t0
        if done.returncode != 0:
            raise RuntimeError(f"mbpack validate {folder} failed: {done.stdout}{done.stderr}")
    res["ratio_jobs_2_to_serial"] = res["jobs_2_s"] / res["jobs_1_s"]
    return res


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))

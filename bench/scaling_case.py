"""Complexity watch: every writer and reader, and compute, timed at n and at 2n rows.

The ratio time(2n) / time(n) is about 2 for a linear operation and about 4
for a quadratic one; it must stay below :data:`LIMIT`.  A ratio, not an
absolute time, so that it holds on a loaded machine.  Each time is the best
of :data:`REPEATS` runs, in this process, after the inputs are made (only
the operation is timed).  ``python -m bench`` fails (exit 1) when a ratio
is broken.

The template writer (``mbpack template``) writes a fixed-size workbook and
has no n; it is timed once.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

#: Largest allowed time(2n) / time(n).
LIMIT = 2.5
#: Timed runs per size (the best counts).
REPEATS = 3
#: Times a broken ratio is measured again before it counts (a quadratic one stays broken).
RETRIES = 4


def _tables(rows: int) -> dict[str, object]:
    from bench.workbook_case import tables

    return tables(rows)


def _stake_csv(path: Path, rows: int) -> Path:
    """A compact stake table of ``rows`` stakes (positions in metres, readings in cm)."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "Stake": [f"S{i}" for i in range(rows)],
            "Easting": np.round(500_000 + rng.uniform(0, 2000, rows), 2),
            "Northing": np.round(4_800_000 + rng.uniform(0, 3000, rows), 2),
            "Elevation": np.round(rng.uniform(3500, 4000, rows), 1),
            "Hw": np.round(rng.uniform(50, 150, rows), 1),
            "Dw": np.round(rng.uniform(50, 150, rows), 1),
            "Hs": np.round(rng.uniform(150, 300, rows), 1),
        }
    )
    frame.to_csv(path, index=False)
    return path


def _ops(work: Path) -> dict[str, tuple[Callable[[int], object], Callable[[object], object]]]:
    """name -> (make input for n rows [untimed], the timed operation on it)."""
    from mbpack import api
    from mbpack.formats.datapackage import export_tables, read_package
    from mbpack.formats.importers import import_stakes
    from mbpack.workbook import Workbook, read_workbook, write_workbook

    def workbook_file(n: int) -> Path:
        path = work / f"wb_{n}.xlsx"
        if not path.exists():
            write_workbook(Workbook.from_tables(_tables(n)), path)
        return path

    def package_dir(n: int) -> Path:
        out = work / f"pkg_{n}"
        if not out.exists():
            export_tables(Workbook.from_tables(_tables(n)), out)
        return out

    def fog_dir(n: int) -> Path:
        from bench.fog_case import make

        out = work / f"fog_{n}"
        if not out.exists():
            make(out, glaciers=max(n // 60, 10), points=n)
        return out / "clean" / "upper"

    def csv_file(n: int) -> Path:
        path = work / f"stakes_{n}.csv"
        if not path.exists():
            _stake_csv(path, n)
        return path

    def write(tables: object) -> object:
        return write_workbook(tables, work / "out.xlsx")  # type: ignore[arg-type]

    def export(workbook: object) -> object:
        target = work / "export"
        shutil.rmtree(target, ignore_errors=True)
        return export_tables(workbook, target)  # type: ignore[arg-type]

    return {
        "write_workbook": (lambda n: Workbook.from_tables(_tables(n)), write),
        "read_workbook": (workbook_file, read_workbook),  # type: ignore[dict-item]
        "validate_workbook": (workbook_file, api.validate),  # type: ignore[dict-item]
        "export_csv_package": (lambda n: Workbook.from_tables(_tables(n)), export),
        "read_csv_package": (package_dir, read_package),  # type: ignore[dict-item]
        "validate_fog_release": (fog_dir, api.validate),  # type: ignore[dict-item]
        "import_stakes_csv": (csv_file, lambda p: import_stakes(p, year=2010, crs="EPSG:32645")),  # type: ignore[arg-type]
        # point balances of 200 stakes over 8n / 200 fortnightly readings each (years grow with
        # the readings; 8n: below some 10 000 readings the fixed cost of compute hides its
        # growth): quadratic while each year searched every reading of its stake
        "compute_workbook": (lambda n: Workbook.from_tables(_tables(8 * n)), api.compute),  # type: ignore[dict-item]
    }


def _timed(op: Callable[[object], object], arg: object) -> float:
    t0 = time.perf_counter()
    op(arg)
    return time.perf_counter() - t0


def _ratio(
    op: Callable[[object], object], small: object, large: object, repeats: int
) -> tuple[float, float]:
    """Best seconds at n and at 2n, measured alternately so that a burst of load hits both."""
    t1 = t2 = float("inf")
    for _ in range(repeats):
        t1 = min(t1, _timed(op, small))
        t2 = min(t2, _timed(op, large))
    return t1, t2


def run(quick: bool = False) -> dict[str, float]:
    """Seconds at n and 2n and their ratio for every writer and reader."""
    from mbpack.workbook.template import write_template

    n = 2_000 if quick else 50_000
    repeats = REPEATS if quick else 2
    work = Path(tempfile.mkdtemp(prefix="mbpack-scaling-"))
    out: dict[str, float] = {"n": float(n), "limit": LIMIT}
    try:
        for name, (make, op) in _ops(work).items():
            small, large = make(n), make(2 * n)
            op(small)  # warm-up: imports and caches are not the operation
            t1, t2 = _ratio(op, small, large, repeats)
            for _ in range(RETRIES):  # a broken ratio is measured again: load comes and goes
                if t2 / t1 < LIMIT:
                    break
                u1, u2 = _ratio(op, small, large, repeats)
                t1, t2 = min(t1, u1), min(t2, u2)
            out[f"{name}_s_at_n"] = t1
            out[f"{name}_s_at_2n"] = t2
            out[f"{name}_ratio"] = t2 / t1
        t0 = time.perf_counter()
        write_template(work / "template.xlsx")
        out["write_template_s"] = time.perf_counter() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def broken(results: dict[str, float]) -> list[str]:
    """The scaling ratios at or above :data:`LIMIT`."""
    return [f"{k} = {v:.2f}" for k, v in results.items() if k.endswith("_ratio") and v >= LIMIT]


if __name__ == "__main__":
    res = run("--quick" in sys.argv)
    print(json.dumps(res, indent=2))
    sys.exit(1 if broken(res) else 0)

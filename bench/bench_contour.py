"""The computation benchmark: the contour-line method on a 5 m grid of a 3 km² glacier.

120 000 cells, 12 balance years, winter, summer and annual balances, both
methods; reports seconds per year and the peak memory, which is bounded by
the grid (one survey grid serves every year), not by years × grid.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

YEARS = 12
STAKES = 20


def make_workbook(cells: int = 120_000, seed: int = 3) -> object:
    """A planar-ish 3 km² glacier on a 5 m grid with 20 stakes read for 12 years."""
    import pandas as pd

    from mbpack.workbook import Workbook

    rng = np.random.default_rng(seed)
    nx = 300
    ny = cells // nx
    xs, ys = np.meshgrid(np.arange(nx) * 5.0 + 2.5, np.arange(ny) * 5.0 + 2.5)
    z = 3400.0 + ys.ravel() * 0.25 + 20 * np.sin(xs.ravel() / 200.0)
    grid = pd.DataFrame({"year": 2000, "x": xs.ravel(), "y": ys.ravel(), "elevation": z})
    sx, sy = rng.uniform(0, nx * 5.0, STAKES), rng.uniform(0, ny * 5.0, STAKES)
    sz = 3400.0 + sy * 0.25 + 20 * np.sin(sx / 200.0)
    stakes = [
        {"stake_id": f"S{i}", "x": sx[i], "y": sy[i], "elevation": sz[i]} for i in range(STAKES)
    ]
    readings, years = [], []
    for k in range(YEARS):
        year = 2001 + k
        years.append({"year": year, "time_system": "FLO", "begin_date": f"{year - 1}-09-01",
                      "winter_end_date": f"{year}-05-15", "end_date": f"{year}-09-01"})  # fmt: skip
        ela = 3650 + rng.normal(0, 60)
        for i in range(STAKES):
            b = 6.0 * (sz[i] - ela) + rng.normal(0, 100)
            d_w = 0.5 + (sz[i] - 3400) / 1000
            readings.append({"stake_id": f"S{i}", "date": f"{year - 1}-09-01", "exposure": 2.0})
            readings.append(
                {
                    "stake_id": f"S{i}",
                    "date": f"{year}-05-15",
                    "exposure": 2.0 - d_w,
                    "snow_depth": d_w,
                }
            )
            end = 2.0 - b / 900 if b < 0 else 2.0 - b / 600
            readings.append({"stake_id": f"S{i}", "date": f"{year}-09-01", "exposure": end, "event": "redrill",
                             "new_exposure": 2.0, "snow_depth": None if b < 0 else b / 600})  # fmt: skip
    return Workbook.from_tables({
        "glacier": {"name": "Bench", "country": "CN", "latitude": 43.7, "longitude": 84.4, "crs": "EPSG:32645"},
        "balance_years": years, "stakes": stakes, "stake_readings": readings, "surface_grid": grid,
    })  # fmt: skip


def measure(cells: int) -> dict[str, float]:
    from mbpack.compute import compute

    wb = make_workbook(cells)
    t0 = time.perf_counter()
    result = compute(wb, method="both")  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"cells": float(cells), "years": float(result.glacier_balance["year"].nunique()),
            "seconds": seconds, "seconds_per_year": seconds / YEARS, "peak_mb": peak}  # fmt: skip


def run(quick: bool = False) -> dict[str, float]:
    """Measure in a fresh process (its peak memory is its own)."""
    cells = 12_000 if quick else 120_000
    code = (
        f"import json; from bench.bench_contour import measure; print(json.dumps(measure({cells})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))

"""The computation benchmark: the contour-line method on a 5 m grid of a 3 km² glacier.

A 300 × 400 grid of 5 m cells (120 000 cells, 3 km²), 100 stakes read at the
begin, end of winter and end of 12 balance years: winter, summer and
annual balances by the contour-line method alone, then by both methods.
Reported: seconds in all and per year, the peak of Python allocations
during the computation (tracemalloc, numpy arrays included) and the peak
resident size of the process (resource), which is bounded by the grid
(one survey grid serves every year), not by years × grid.

Run: ``python -m bench.bench_contour [--quick]`` (or ``python -m bench``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

YEARS = 12
STAKES = 100
SPACING = 5.0  # [m]


def make_workbook(cells: int = 120_000, seed: int = 3, years: int = YEARS) -> Any:
    """A gently undulating 3 km² glacier on a 5 m grid with 100 stakes read every year.

    Parameters
    ----------
    cells
        Number of grid cells (300 columns; rows = cells / 300).
    seed
        Seed of the random balances.
    years
        Number of balance years.
    """
    import pandas as pd

    from mbpack.workbook import Workbook

    rng = np.random.default_rng(seed)
    nx = 300
    ny = cells // nx
    xs, ys = np.meshgrid(
        np.arange(nx) * SPACING + SPACING / 2, np.arange(ny) * SPACING + SPACING / 2
    )
    z = 3400.0 + ys.ravel() * 0.25 + 20 * np.sin(xs.ravel() / 200.0)
    grid = pd.DataFrame({"year": 2000, "x": xs.ravel(), "y": ys.ravel(), "elevation": z})
    sx, sy = rng.uniform(0, nx * SPACING, STAKES), rng.uniform(0, ny * SPACING, STAKES)
    sz = 3400.0 + sy * 0.25 + 20 * np.sin(sx / 200.0)
    stakes = [
        {"stake_id": f"S{i}", "x": sx[i], "y": sy[i], "elevation": sz[i]} for i in range(STAKES)
    ]
    readings, balance_years = [], []
    for k in range(years):
        year = 2001 + k
        balance_years.append({"year": year, "time_system": "FLO", "begin_date": f"{year - 1}-09-01",
                              "winter_end_date": f"{year}-05-15", "end_date": f"{year}-09-01"})  # fmt: skip
        ela = 3650 + rng.normal(0, 60)
        for i in range(STAKES):
            b = 6.0 * (sz[i] - ela) + rng.normal(0, 100)
            d_w = 0.5 + (sz[i] - 3400) / 1000
            readings.append({"stake_id": f"S{i}", "date": f"{year - 1}-09-01", "exposure": 2.0})
            readings.append({"stake_id": f"S{i}", "date": f"{year}-05-15", "exposure": 2.0 - d_w,
                             "snow_depth": d_w})  # fmt: skip
            end = 2.0 - b / 900 if b < 0 else 2.0 - b / 600
            readings.append({"stake_id": f"S{i}", "date": f"{year}-09-01", "exposure": end, "event": "redrill",
                             "new_exposure": 2.0, "snow_depth": None if b < 0 else b / 600})  # fmt: skip
    return Workbook.from_tables({
        "glacier": {"name": "Bench", "country": "CN", "latitude": 43.7, "longitude": 84.4, "crs": "EPSG:32645"},
        "balance_years": balance_years, "stakes": stakes, "stake_readings": readings, "surface_grid": grid,
    })  # fmt: skip


def measure(cells: int) -> dict[str, float]:
    """Time and memory of :func:`mbpack.compute.compute` on :func:`make_workbook` (this process)."""
    import resource
    import time
    import tracemalloc

    from mbpack.balance.compute import compute

    wb = make_workbook(cells)
    out: dict[str, float] = {"cells": float(cells), "area_km2": cells * SPACING**2 / 1e6}
    compute(make_workbook(1_200, years=1))  # imports and first calls out of the timing
    for method in ("contour", "both"):
        t0 = time.perf_counter()
        result = compute(wb, method=method)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        years = result.glacier_balance["year"].nunique()
        if years != YEARS:
            raise RuntimeError(f"{method}: {years} years computed, expected {YEARS}")
        tracemalloc.start()  # a second run: tracemalloc slows the computation down
        compute(wb, method=method)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out |= {f"{method}_seconds": seconds, f"{method}_seconds_per_year": seconds / YEARS,
                f"{method}_peak_alloc_mb": peak / 2**20}  # fmt: skip
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run(quick: bool = False) -> dict[str, float]:
    """Measure in a fresh process (its peak resident size is its own).

    ``quick`` uses a tenth of the grid (12 000 cells).
    """
    cells = 12_000 if quick else 120_000
    code = (
        f"import json; from bench.bench_contour import measure; print(json.dumps(measure({cells})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Print the measurements (``--quick``: a tenth of the grid)."""
    print(f"{'contour_method_120k_cells_100_points_seconds':32s} {interpolator_seconds():12.3f}")
    results = run("--quick" in sys.argv)
    for key, value in results.items():
        print(f"{key:32s} {value:12.3f}")


if __name__ == "__main__":
    main()


def interpolator_seconds(cells: int = 120_000, points: int = 100, seed: int = 5) -> float:
    """Seconds of one contour-line integration (RBF field, isolines) of ``points`` on ``cells``.

    The issue's benchmark case: a 120 000-cell grid and 100 points; a year
    needs two (winter and annual).
    """
    import time

    from mbpack.balance.glacierwide import Grid, contour_method
    from mbpack.balance.profile import fit_profile

    rng = np.random.default_rng(seed)
    nx = 300
    xs, ys = np.meshgrid(
        np.arange(nx) * SPACING + SPACING / 2, np.arange(cells // nx) * SPACING + SPACING / 2
    )
    x, y = xs.ravel(), ys.ravel()
    grid = Grid(x, y, 3400.0 + y * 0.25 + 20 * np.sin(x / 200.0), SPACING**2 / 1e6)
    px, py = rng.uniform(0, x.max(), points), rng.uniform(0, y.max(), points)
    pz = 3400.0 + py * 0.25 + 20 * np.sin(px / 200.0)
    pb = 6.0 * (pz - 3650.0) + rng.normal(0, 100, points)
    prof = fit_profile(pz, pb, "linear")
    contour_method(grid, prof, px[:10], py[:10], pz[:10], pb[:10])  # imports out of the timing
    t0 = time.perf_counter()
    contour_method(grid, prof, px, py, pz, pb)
    return time.perf_counter() - t0

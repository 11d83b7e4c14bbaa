"""A real-size DEM: ``mbpack import stakes --dem --outline`` then ``mbpack compute --method both``.

The DEM is made here with rasterio: 389 × 671 cells of 5 m (the size of a
real 5 m survey DEM), UTM 45N, a surface rising 0.2 m per metre northwards
with gentle undulations; the outline is an ellipse holding about 120 000
cells.  40 stakes inside it read a linear balance profile.  Both commands
run as the installed entry point in fresh processes, as a user runs them.
Target (issue 17): both under 15 s in all.  ``--quick``: a quarter of the
cells.  Also timed: the import with ``--embed-grid`` (every cell written
into ``surface_grid``), for comparison.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.workbook_case import WORK

ROWS, COLS, CELL = 389, 671, 5.0  # [m]
X0, Y0 = 500_000.0, 4_800_000.0  # upper-left corner, UTM 45N [m]


def make_inputs(
    folder: Path, rows: int = ROWS, cols: int = COLS, stakes: int = 40
) -> dict[str, Path]:
    """DEM GeoTIFF, GeoJSON outline (an ellipse) and a compact stake table in ``folder``."""
    import rasterio
    from rasterio.transform import from_origin

    folder.mkdir(parents=True, exist_ok=True)
    col, row = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    north = (rows - row) * CELL  # [m] from the lower edge
    z = (3400.0 + 0.2 * north + 5.0 * np.sin(col * CELL / 150.0)).astype("float32")
    profile = {"driver": "GTiff", "height": rows, "width": cols, "count": 1, "dtype": "float32",
               "crs": "EPSG:32645", "transform": from_origin(X0, Y0, CELL, CELL), "nodata": -9999.0}  # fmt: skip
    with rasterio.open(folder / "dem.tif", "w", **profile) as out:
        out.write(z, 1)
    cx, cy = X0 + cols * CELL / 2, Y0 - rows * CELL / 2
    a, b = (
        0.366 * cols * CELL,
        0.4 * rows * CELL,
    )  # semi-axes [m]: about 120 000 of the 261 000 cells
    t = np.linspace(0, 2 * np.pi, 361)
    ring = np.c_[cx + a * np.cos(t), cy + b * np.sin(t)].round(2).tolist()
    ring[-1] = ring[0]
    (folder / "outline.geojson").write_text(json.dumps({"type": "Feature", "properties": {},
                                                        "geometry": {"type": "Polygon", "coordinates": [ring]}}))  # fmt: skip
    rng = np.random.default_rng(5)
    r, th = np.sqrt(rng.uniform(0, 0.8, stakes)), rng.uniform(0, 2 * np.pi, stakes)
    sx, sy = cx + a * r * np.cos(th), cy + b * r * np.sin(th)
    sz = 3400.0 + 0.2 * (sy - (Y0 - rows * CELL))
    dw = (300 + 0.5 * (sz - 3400)) / 400.0  # [m] of 400 kg m-3 snow
    lines = ["Stake,Easting,Northing,Elevation,Hw,Dw,Hs"]
    for i in range(stakes):
        hs = 2.0 - (-2500 + 6.0 * (sz[i] - 3400)) / 900.0  # [m]; ice of 900 kg m-3
        lines.append(f"S{i},{sx[i]:.2f},{sy[i]:.2f},{sz[i]:.1f},{(2.0 - dw[i]) * 100:.1f},"
                     f"{dw[i] * 100:.1f},{hs * 100:.1f}")  # fmt: skip
    (folder / "stakes.csv").write_text("\n".join(lines) + "\n")
    return {
        "dem": folder / "dem.tif",
        "outline": folder / "outline.geojson",
        "stakes": folder / "stakes.csv",
    }


def _mbpack(*args: str) -> float:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mbpack", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"mbpack {' '.join(args)}: {done.stdout}{done.stderr}")
    return time.perf_counter() - t0


def run(quick: bool = False) -> dict[str, float]:
    """Seconds of the import, the compute and both; cells inside the outline."""
    rows, cols = (ROWS // 2, COLS // 2) if quick else (ROWS, COLS)
    folder = WORK / f"dem_{rows}x{cols}"
    files = make_inputs(folder, rows, cols)
    wb = folder / "glacier.xlsx"
    common = [str(files["stakes"]), "--year", "2010", "--dem", str(files["dem"]),
              "--outline", str(files["outline"])]  # fmt: skip
    res: dict[str, float] = {"dem_cells": float(rows * cols)}
    wb.unlink(missing_ok=True)
    res["import_s"] = _mbpack("import", "stakes", *common, "-o", str(wb))
    res["compute_both_s"] = _mbpack("compute", str(wb), "--method", "both", "--ignore-errors",
                                    "--format", "json", "-o", str(folder / "results"), "--force")  # fmt: skip
    res["import_and_compute_s"] = res["import_s"] + res["compute_both_s"]
    from mbpack.workbook import read_workbook

    area = float(read_workbook(wb)["hypsometry"]["area"].sum())  # [km2]
    res["cells_inside_outline"] = round(area * 1e6 / CELL**2)
    embedded = folder / "embedded.xlsx"
    embedded.unlink(missing_ok=True)
    res["import_embed_grid_s"] = _mbpack(
        "import", "stakes", *common, "--embed-grid", "-o", str(embedded)
    )
    return res


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))

"""Synthetic workbooks with known answers: a planar glacier and stakes whose readings give chosen balances."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mbpack.params import DEFAULT
from mbpack.workbook import Workbook

#: A planar glacier: 40 x 100 cells of 25 m, elevation 3500 + y / 5 (3500-4000 m), 2.5 km2.
SPACING = 25.0


def planar_grid(year: int = 2000) -> pd.DataFrame:
    xs = np.arange(40) * SPACING + SPACING / 2
    ys = np.arange(100) * SPACING + SPACING / 2
    x, y = np.meshgrid(xs, ys)
    return pd.DataFrame(
        {"year": year, "x": x.ravel(), "y": y.ravel(), "elevation": 3500.0 + y.ravel() / 5.0}
    )


def planar_hypsometry(year: int = 2000, scale: float = 1.0) -> pd.DataFrame:
    lower = np.arange(3500.0, 4000.0, 50.0)
    return pd.DataFrame({"year": year, "lower_elevation": lower, "upper_elevation": lower + 50.0,
                         "area": 0.25 * scale})  # fmt: skip


def stake_workbook(
    positions: Sequence[tuple[float, float]],
    annual: Sequence[float],
    winter: Sequence[float],
    *,
    years: int = 1,
    hypsometry_scale: float = 1.0,
) -> Workbook:
    """Stakes at (x, y) on the planar glacier whose readings give these balances [kg m-2] every year.

    Ice melt is read as exposure increase at the ice density, accumulation
    as firn left at the firn density, winter snow at the default snow density.
    """
    p = DEFAULT
    stakes, readings, balance_years = [], [], []
    for i, (x, y) in enumerate(positions):
        stakes.append({"stake_id": f"S{i:02d}", "x": x, "y": y, "elevation": 3500.0 + y / 5.0})
    for k in range(years):
        year = 2001 + k
        balance_years.append({"year": year, "time_system": "FLO", "begin_date": f"{year - 1}-09-01",
                              "winter_end_date": f"{year}-05-15", "end_date": f"{year}-09-01"})  # fmt: skip
        for i, (b_a, b_w) in enumerate(zip(annual, winter, strict=True)):
            sid = f"S{i:02d}"
            h0 = 2.0
            d_w = b_w / p.snow_density
            readings.append(
                {"stake_id": sid, "date": f"{year - 1}-09-01", "exposure": h0, "event": "reading"}
            )
            readings.append(
                {"stake_id": sid, "date": f"{year}-05-15", "exposure": h0 - d_w, "snow_depth": d_w}
            )
            if b_a < 0:
                end = {"exposure": h0 - b_a / p.ice_density, "surface": "ice"}
            else:
                d1 = b_a / p.firn_density
                end = {"exposure": h0 - d1, "snow_depth": d1, "surface": "firn"}
            readings.append({"stake_id": sid, "date": f"{year}-09-01", "exposure": end["exposure"],
                             "snow_depth": end.get("snow_depth"), "surface": end["surface"],
                             "event": "redrill", "new_exposure": h0})  # fmt: skip
    tables: dict[str, Any] = {
        "glacier": {
            "name": "Planar",
            "country": "CN",
            "latitude": 43.7,
            "longitude": 84.4,
            "crs": "EPSG:32645",
        },
        "balance_years": balance_years,
        "stakes": stakes,
        "stake_readings": readings,
        "hypsometry": planar_hypsometry(scale=hypsometry_scale),
        "surface_grid": planar_grid(),
    }
    return Workbook.from_tables(tables)

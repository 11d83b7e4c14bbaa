"""Glacier-wide balance by the altitude-band and the contour-line methods.

Both are area-weighted means, ``B = Σ b̄_i A_i / Σ A_i`` [kg m-2]:

* **altitude-band** ("contour zoning", profile) method: the band balance
  ``b̄_i`` comes from the b(z) profile of the points (:mod:`mbpack.profile`)
  at the band's mid elevation, ``A_i`` from the hypsometry;
* **contour-line** (isoline) method: the point balances are interpolated
  over the glacier surface grid — the profile b(z) at each cell's
  elevation plus the points' residuals from it, spread by inverse-distance
  weighting (scipy's cKDTree) — then the area between successive isolines
  (every ``contour_interval`` kg m-2) times the mean balance between them
  is summed.  With the mean of the cells between two isolines this sum is
  exactly the mean over the grid; the isoline areas are what field maps
  show and are reported.

References
----------
Kaser, G., Fountain, A. and Jansson, P. (2003). A manual for monitoring the
mass balance of mountain glaciers. IHP-VI Technical Documents in Hydrology
No. 59, UNESCO, Paris.
Zemp, M. et al. (2013). Reanalysing glacier mass balance measurement
series. The Cryosphere 7, 1227-1245. doi:10.5194/tc-7-1227-2013
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mbpack.params import DEFAULT, Parameters
from mbpack.profile import Profile


@dataclass(frozen=True)
class Hypsometry:
    """Elevation bands of one survey: lower and upper bounds [m], areas [km2]."""

    lower: np.ndarray
    upper: np.ndarray
    area: np.ndarray

    @property
    def edges(self) -> np.ndarray:
        return np.append(self.lower, self.upper[-1])

    @property
    def mid(self) -> np.ndarray:
        return 0.5 * (self.lower + self.upper)

    @property
    def total(self) -> float:
        return float(self.area.sum())

    @classmethod
    def from_frame(cls, bands: pd.DataFrame) -> Hypsometry:
        bands = bands.sort_values("lower_elevation")
        return cls(bands["lower_elevation"].to_numpy(float), bands["upper_elevation"].to_numpy(float),
                   bands["area"].to_numpy(float))  # fmt: skip

    @classmethod
    def from_grid(cls, elevation: np.ndarray, cell_area: float, width: float = 50.0) -> Hypsometry:
        """Bands of ``width`` [m] from grid cells of ``cell_area`` [km2]."""
        lo = np.floor(elevation.min() / width) * width
        hi = np.floor(elevation.max() / width) * width + width
        edges = np.arange(lo, hi + width / 2, width)
        counts, _ = np.histogram(elevation, bins=edges)
        return cls(edges[:-1], edges[1:], counts * cell_area)


def band_method(profile: Profile, hyps: Hypsometry) -> tuple[float, np.ndarray]:
    """Glacier-wide balance [kg m-2] and band balances [kg m-2] by the altitude-band method.

    >>> h = Hypsometry(np.array([0.0, 100.0]), np.array([100.0, 200.0]), np.array([1.0, 3.0]))
    >>> p = Profile(-100.0, 1.0, np.array([]), np.array([]))
    >>> band_method(p, h)
    (25.0, array([-50.,  50.]))
    """
    b = np.asarray(profile(hyps.mid), dtype=float)
    return float(np.sum(b * hyps.area) / hyps.total), b


@dataclass(frozen=True)
class Grid:
    """Cells inside the glacier: centres x, y [m], elevation [m], cell area [km2]."""

    x: np.ndarray
    y: np.ndarray
    elevation: np.ndarray
    cell_area: float

    @classmethod
    def from_frame(cls, cells: pd.DataFrame) -> Grid:
        x = cells["x"].to_numpy(float)
        y = cells["y"].to_numpy(float)
        return cls(x, y, cells["elevation"].to_numpy(float), spacing(x) * spacing(y) / 1e6)

    @property
    def area(self) -> float:
        return float(self.x.size * self.cell_area)


def spacing(coordinate: np.ndarray) -> float:
    """Grid spacing [m]: the smallest positive step between distinct coordinates.

    >>> spacing(np.array([0.0, 25.0, 50.0, 25.0]))
    25.0
    """
    steps = np.diff(np.unique(coordinate))
    return float(steps.min()) if steps.size else 1.0


def interpolate(grid: Grid, profile: Profile, px: np.ndarray, py: np.ndarray, pz: np.ndarray, pb: np.ndarray,
                params: Parameters = DEFAULT) -> np.ndarray:  # fmt: skip
    """Balance [kg m-2] on every cell: the profile plus inverse-distance-weighted residuals."""
    from scipy.spatial import cKDTree

    trend = np.asarray(profile(grid.elevation), dtype=float)
    residual = pb - np.asarray(profile(pz), dtype=float)
    if not np.any(np.abs(residual) > 1e-9):
        return trend
    k = min(params.idw_neighbours, px.size)
    tree = cKDTree(np.column_stack([px, py]))
    dist, idx = tree.query(np.column_stack([grid.x, grid.y]), k=k)
    if k == 1:
        dist, idx = dist[:, None], idx[:, None]
    dist = np.maximum(dist, 1e-6)
    weights = dist**-params.idw_power
    weights /= weights.sum(axis=1, keepdims=True)
    return trend + np.sum(weights * residual[idx], axis=1)


def isoline_areas(values: np.ndarray, cell_area: float, interval: float) -> pd.DataFrame:
    """Area between successive isolines and the mean balance there.

    Columns: lower_balance, upper_balance [kg m-2], area [km2],
    mean_balance [kg m-2].

    >>> isoline_areas(np.array([-300.0, -100.0, 50.0, 60.0]), 0.5, 250.0)
       lower_balance  upper_balance  area  mean_balance
    0         -500.0         -250.0   0.5        -300.0
    1         -250.0            0.0   0.5        -100.0
    2            0.0          250.0   1.0          55.0
    """
    k = np.floor(values / interval).astype(int)
    classes, inverse, counts = np.unique(k, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=values)
    return pd.DataFrame({
        "lower_balance": classes * interval,
        "upper_balance": (classes + 1) * interval,
        "area": counts * cell_area,
        "mean_balance": sums / counts,
    })  # fmt: skip


def contour_method(grid: Grid, profile: Profile, px: np.ndarray, py: np.ndarray, pz: np.ndarray, pb: np.ndarray,
                   params: Parameters = DEFAULT) -> tuple[float, pd.DataFrame, np.ndarray]:  # fmt: skip
    """Glacier-wide balance [kg m-2] by the contour-line method.

    Returns the balance, the isoline areas (:func:`isoline_areas`) and the
    balance of every cell [kg m-2].
    """
    values = interpolate(grid, profile, px, py, pz, pb, params)
    table = isoline_areas(values, grid.cell_area, params.contour_interval)
    balance = float(np.sum(table["area"] * table["mean_balance"]) / table["area"].sum())
    return balance, table, values

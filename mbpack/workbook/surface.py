"""The glacier surface of one survey year: its grid cells and its hypsometry.

Both the checks (points off the glacier grid) and the computation (the two
glacier-wide methods) use these, so they live with the workbook model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Hypsometry:
    """Elevation bands of one survey.

    Attributes
    ----------
    lower, upper
        Band limits [m], sorted upwards.
    area
        Band areas [km2].
    centre
        Mean elevation of each band's area [m], where a surface grid gives
        it (:meth:`with_centres`); ``None``: unknown.
    """

    lower: np.ndarray
    upper: np.ndarray
    area: np.ndarray
    centre: np.ndarray | None = None

    @property
    def edges(self) -> np.ndarray:
        return np.append(self.lower, self.upper[-1])

    @property
    def mid(self) -> np.ndarray:
        return 0.5 * (self.lower + self.upper)

    @property
    def elevation(self) -> np.ndarray:
        """Elevation [m] a band's balance is taken at: its area's mean where known, else its mid.

        A profile linear across a band has, over the band's area, the mean
        ``b(z̄)`` at the mean elevation ``z̄``, not ``b`` at the mid elevation
        (the two differ by ``db/dz (z̄ - z_mid)``, a few metres of ``z`` where
        the area grows or shrinks with elevation across the band).
        """
        if self.centre is None:
            return self.mid
        return np.where(np.isfinite(self.centre), self.centre, self.mid)

    def with_centres(self, elevation: np.ndarray) -> Hypsometry:
        """The same bands with the mean elevation [m] of the grid cells ``elevation`` [m] in each.

        A band without cells keeps its mid elevation.

        >>> h = Hypsometry(np.array([0.0, 100.0]), np.array([100.0, 200.0]), np.array([1.0, 1.0]))
        >>> h.with_centres(np.array([10.0, 30.0, 150.0])).elevation.tolist()
        [20.0, 150.0]
        """
        which = np.digitize(elevation, self.edges) - 1
        inside = (which >= 0) & (which < self.area.size)
        counts = np.bincount(which[inside], minlength=self.area.size)
        sums = np.bincount(which[inside], weights=elevation[inside], minlength=self.area.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(counts > 0, sums / counts, np.nan)
        return Hypsometry(self.lower, self.upper, self.area, centre)

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
        return cls(edges[:-1], edges[1:], counts * cell_area).with_centres(elevation)


@dataclass(frozen=True)
class Grid:
    """Cells of a regular grid inside the glacier outline.

    Attributes
    ----------
    x, y
        Cell centres [m] in the glacier's projected CRS.
    elevation
        Surface elevation of every cell [m].
    cell_area
        Area of one cell [km2].
    """

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
    """Grid spacing [m]: the smallest positive step between distinct coordinates; NaN when
    there are fewer than two (a grid one cell across has no measurable cell size).

    >>> spacing(np.array([0.0, 25.0, 50.0, 25.0])), spacing(np.array([5.0, 5.0]))
    (25.0, nan)
    """
    steps = np.diff(np.unique(coordinate))
    return float(steps.min()) if steps.size else math.nan


def nearest_cell(
    grid_x: np.ndarray, grid_y: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance [m] from each point to the nearest grid cell centre, and that cell's index.

    Parameters
    ----------
    grid_x, grid_y
        Cell centres [m].
    x, y
        Points [m], in the grid's CRS.

    Returns
    -------
    tuple of numpy.ndarray
        Distances [m] and indices into the grid arrays.

    Examples
    --------
    >>> nearest_cell(np.array([0.0, 10.0]), np.array([0.0, 0.0]), np.array([9.0]), np.array([0.0]))
    (array([1.]), array([1]))
    """
    from scipy.spatial import cKDTree

    dist, index = cKDTree(np.column_stack([grid_x, grid_y])).query(np.column_stack([x, y]))
    return np.asarray(dist, dtype=float), np.asarray(index)


def survey_rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows of the survey used for balance year ``year``: the latest at or before it, else the earliest.

    Parameters
    ----------
    frame
        A table with a ``year`` column (``hypsometry``, ``surface_grid``, ``surfaces``).
    year
        The balance year.
    """
    if frame.empty:
        return frame
    years = frame["year"].dropna().astype(int).unique()
    before = years[years <= year]
    chosen = before.max() if before.size else years.min()
    return frame[frame["year"] == chosen]


#: Prefixes that make GDAL (rasterio) open a URL or a virtual file system instead of a file.
_REMOTE = ("/vsi", "http:", "https:", "ftp:", "s3:", "gs:", "file:", "zip:", "tar:")


def input_path(base: Path, text: str) -> Path:
    """The file a ``surfaces`` sheet path names: relative to the workbook, inside its folder.

    Parameters
    ----------
    base
        The workbook's folder.
    text
        The path as written in the cell.

    Returns
    -------
    pathlib.Path
        The resolved path of a regular file inside ``base``.

    Raises
    ------
    ValueError
        With the reason, for a URL or GDAL virtual file system (``/vsicurl/``, ``http://``:
        mbpack makes no network requests), an absolute path, a path leaving the workbook's
        folder (``../``, or a link pointing out of it), a missing file, or anything that is
        not a regular file (a FIFO would hang the reader).

    Examples
    --------
    >>> input_path(Path("."), "/vsicurl/http://example.org/dem.tif")
    Traceback (most recent call last):
    ...
    ValueError: '/vsicurl/http://example.org/dem.tif' is a URL or a GDAL virtual file system; give a file beside the workbook
    """
    import stat

    cleaned = text.strip()
    if cleaned.lower().startswith(_REMOTE) or "://" in cleaned:
        raise ValueError(
            f"{text!r} is a URL or a GDAL virtual file system; give a file beside the workbook"
        )
    relative = Path(cleaned)
    if relative.is_absolute() or cleaned.startswith("\\"):
        raise ValueError(f"{text!r} is an absolute path; give it relative to the workbook's folder")
    root = base.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{text!r} leaves the workbook's folder {root}")
    try:
        mode = path.stat().st_mode
    except OSError:
        raise ValueError(f"{text!r}: no such file beside the workbook (in {root})") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{text!r} is not a regular file")
    return path

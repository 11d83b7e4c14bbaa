"""Real field inputs: a DEM GeoTIFF, a glacier outline (GeoJSON or a mask raster), projected coordinates.

Needs the ``geo`` extra (``pip install 'mbpack[geo]'``: rasterio, shapely,
pyproj); without it every function here raises
:class:`~mbpack.errors.ComputationError` saying which extra to install, and
the workbook's own ``surface_grid`` path still works.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbpack.errors import ComputationError, UnreadableWorkbook

EXTRA = "install the geo extra: pip install 'mbpack[geo]' (rasterio, shapely, pyproj)"


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ComputationError(
            f"{module} is needed for DEM, outline and CRS inputs; {EXTRA}"
        ) from None


def check_crs(crs: str) -> str:
    """An EPSG code pyproj knows, as ``EPSG:NNNN``; a clear error otherwise."""
    pyproj = _need("pyproj")
    try:
        found = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise ComputationError(
            f"{crs!r} is not a coordinate reference system pyproj knows; use EPSG:NNNN"
        ) from None
    epsg = found.to_epsg()
    if epsg is None:
        raise ComputationError(f"{crs!r} has no EPSG code; use EPSG:NNNN")
    return f"EPSG:{epsg}"


def to_lonlat(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (WGS84) of projected coordinates."""
    pyproj = _need("pyproj")
    transformer = pyproj.Transformer.from_crs(check_crs(crs), "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def _open_raster(path: Path) -> Any:
    rasterio = _need("rasterio")
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise UnreadableWorkbook(f"{path}: not a readable raster ({exc})") from None


def _outline_mask(outline: Path, dataset: Any) -> np.ndarray:
    """Cells of the DEM inside the outline: a GeoJSON polygon or a mask raster (non-zero inside)."""
    if outline.suffix.lower() in (".json", ".geojson"):
        shapely_geometry = _need("shapely.geometry")
        features = _need("rasterio.features")
        try:
            doc = json.loads(outline.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UnreadableWorkbook(f"{outline}: not a readable GeoJSON file ({exc})") from None
        items = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
        shapes = [shapely_geometry.shape(f.get("geometry", f)) for f in items]
        return ~features.geometry_mask(shapes, out_shape=(dataset.height, dataset.width),
                                       transform=dataset.transform)  # fmt: skip
    with _open_raster(outline) as mask:
        if (mask.width, mask.height) != (
            dataset.width,
            dataset.height,
        ) or mask.transform != dataset.transform:
            raise ComputationError(f"{outline}: the mask raster must have the DEM's grid")
        data = mask.read(1)
        return (data != 0) & (data != (mask.nodata if mask.nodata is not None else 0))


def grid_from_dem(
    dem: str | os.PathLike[str], outline: str | os.PathLike[str] | None, year: int
) -> pd.DataFrame:
    """A ``surface_grid`` table (year, x, y, elevation) of the DEM cells inside the outline.

    Returns the rows and leaves the CRS to the caller (:func:`dem_crs`).
    """
    with _open_raster(Path(dem)) as dataset:
        z = dataset.read(1, masked=True)
        inside = ~np.ma.getmaskarray(z)
        if outline is not None:
            inside &= _outline_mask(Path(outline), dataset)
        rows, cols = np.nonzero(inside)
        xs, ys = dataset.xy(rows, cols)  # cell centres
        return pd.DataFrame({"year": year, "x": np.asarray(xs, float), "y": np.asarray(ys, float),
                             "elevation": np.asarray(z[rows, cols], float)})  # fmt: skip


def dem_crs(dem: str | os.PathLike[str]) -> str:
    """The DEM's CRS as ``EPSG:NNNN``."""
    with _open_raster(Path(dem)) as dataset:
        if dataset.crs is None:
            raise ComputationError(f"{dem}: the DEM has no coordinate reference system")
        return check_crs(dataset.crs.to_string())


def hypsometry(grid: pd.DataFrame, width: float = 50.0) -> pd.DataFrame:
    """Bands of ``width`` [m] with areas [km2] from grid cells (regular spacing)."""
    from mbpack.glacierwide import Grid, Hypsometry

    rows = []
    for year, cells in grid.groupby("year"):
        g = Grid.from_frame(cells)
        h = Hypsometry.from_grid(g.elevation, g.cell_area, width)
        rows += [{"year": int(year), "lower_elevation": lo, "upper_elevation": hi, "area": a}
                 for lo, hi, a in zip(h.lower, h.upper, h.area, strict=True) if a > 0]  # fmt: skip
    return pd.DataFrame(rows)


def distance_to_grid(x: np.ndarray, y: np.ndarray, grid: pd.DataFrame) -> np.ndarray:
    """Distance [m] from points to the nearest cell centre of the glacier grid."""
    from scipy.spatial import cKDTree

    tree = cKDTree(grid[["x", "y"]].to_numpy(float))
    dist, _ = tree.query(np.column_stack([x, y]))
    return np.asarray(dist)

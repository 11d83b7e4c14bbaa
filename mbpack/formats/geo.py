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

EXTRA = "install the geo extra: pip install 'mbpack[geo]' (rasterio, shapely, pyproj, pyshp)"


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


def _outline_shapes(outline: Path) -> list[Any]:
    """The polygons of a GeoJSON or shapefile outline (shapely geometries)."""
    shapely_geometry = _need("shapely.geometry")
    if outline.suffix.lower() == ".shp":
        shapefile = _need("shapefile")
        try:
            items = [s.__geo_interface__ for s in shapefile.Reader(str(outline)).shapes()]
        except (OSError, shapefile.ShapefileException) as exc:
            raise UnreadableWorkbook(f"{outline}: not a readable shapefile ({exc})") from None
    else:
        try:
            doc = json.loads(outline.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UnreadableWorkbook(f"{outline}: not a readable GeoJSON file ({exc})") from None
        items = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
    return [shapely_geometry.shape(f.get("geometry", f)) for f in items]


def _is_vector(outline: Path) -> bool:
    return outline.suffix.lower() in (".json", ".geojson", ".shp")


def _outline_mask(outline: Path, shapes: list[Any] | None, shape: tuple[int, int], transform: Any,
                  source: Any, window: Any) -> np.ndarray:  # fmt: skip
    """Cells of a grid (``shape``, ``transform``) inside the outline: its polygons (``shapes``), or
    a mask raster on the DEM's grid (``source``), non-zero inside, read in the same ``window``."""
    if shapes is not None:
        features = _need("rasterio.features")
        return np.asarray(~features.geometry_mask(shapes, out_shape=shape, transform=transform))
    from rasterio.enums import Resampling

    with _open_raster(outline) as mask:
        if (mask.width, mask.height) != (
            source.width,
            source.height,
        ) or mask.transform != source.transform:
            raise ComputationError(f"{outline}: the mask raster must have the DEM's grid")
        data = mask.read(1, window=window, out_shape=shape, resampling=Resampling.nearest)
        return np.asarray((data != 0) & (data != (mask.nodata if mask.nodata is not None else 0)))


def _window(source: Any, shapes: list[Any] | None) -> Any:
    """The window of the DEM that covers the outline's polygons, one cell of margin (``None``:
    the whole DEM, for a mask raster or no outline)."""
    if not shapes:
        return None
    from rasterio.windows import Window, from_bounds

    bounds = np.array([g.bounds for g in shapes])
    left, bottom = bounds[:, 0].min(), bounds[:, 1].min()
    right, top = bounds[:, 2].max(), bounds[:, 3].max()
    w = from_bounds(left, bottom, right, top, transform=source.transform)
    col0, row0 = max(int(np.floor(w.col_off)) - 1, 0), max(int(np.floor(w.row_off)) - 1, 0)
    col1 = min(int(np.ceil(w.col_off + w.width)) + 1, source.width)
    row1 = min(int(np.ceil(w.row_off + w.height)) + 1, source.height)
    if col1 <= col0 or row1 <= row0:  # the outline lies off the DEM
        return Window(0, 0, 0, 0)
    return Window(col0, row0, col1 - col0, row1 - row0)


def grid_from_dem(dem: str | os.PathLike[str], outline: str | os.PathLike[str] | None, year: int,
                  resolution: float | None = None) -> pd.DataFrame:  # fmt: skip
    """A ``surface_grid`` table (year, x, y, elevation) of the DEM cells inside the outline.

    Only the window of the DEM around a GeoJSON or shapefile outline is read (a glacier's
    outline on a regional DEM tile reads the glacier, not the tile). With ``resolution`` [m]
    the DEM is first resampled to about that cell size (the average of the cells each new
    cell covers), from the whole DEM so that the new cells keep their alignment to its
    origin.  The CRS is the DEM's (:func:`dem_crs`).
    """
    rasterio = _need("rasterio")
    from rasterio.enums import Resampling

    shapes = (
        _outline_shapes(Path(outline))
        if outline is not None and _is_vector(Path(outline))
        else None
    )
    with _open_raster(Path(dem)) as source:
        # resampled: the whole DEM, so the new cells keep their alignment to its origin
        window = None if resolution else _window(source, shapes)
        height, width = (
            (source.height, source.width) if window is None else (window.height, window.width)
        )
        base = source.transform if window is None else source.window_transform(window)
        if height == 0 or width == 0:
            return pd.DataFrame({"year": pd.Series(dtype=int), "x": pd.Series(dtype=float),
                                 "y": pd.Series(dtype=float), "elevation": pd.Series(dtype=float)})  # fmt: skip
        if resolution:
            factor = resolution / abs(source.transform.a)
            shape = (max(1, round(height / factor)), max(1, round(width / factor)))
            transform = base @ base.scale(width / shape[1], height / shape[0])
            z = source.read(1, window=window, out_shape=shape, resampling=Resampling.average,
                            masked=True)  # fmt: skip
        else:
            shape, transform = (height, width), base
            z = source.read(1, window=window, masked=True)
        inside = ~np.ma.getmaskarray(z)
        if outline is not None:
            inside &= _outline_mask(Path(outline), shapes, shape, transform, source, window)
        rows, cols = np.nonzero(inside)
        xs, ys = rasterio.transform.xy(transform, rows, cols)  # cell centres
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
    from mbpack.workbook.surface import Grid, Hypsometry

    rows = []
    for year, cells in grid.groupby("year"):
        g = Grid.from_frame(cells)
        h = Hypsometry.from_grid(g.elevation, g.cell_area, width)
        rows += [{"year": int(year), "lower_elevation": lo, "upper_elevation": hi, "area": a}
                 for lo, hi, a in zip(h.lower, h.upper, h.area, strict=True) if a > 0]  # fmt: skip
    return pd.DataFrame(rows)


def distance_to_grid(x: np.ndarray, y: np.ndarray, grid: pd.DataFrame) -> np.ndarray:
    """Distance [m] from points to the nearest cell centre of the glacier grid."""
    from mbpack.workbook.surface import nearest_cell

    dist, _ = nearest_cell(grid["x"].to_numpy(float), grid["y"].to_numpy(float), x, y)
    return dist

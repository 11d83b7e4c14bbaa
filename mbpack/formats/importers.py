"""Importers: the formats stations already keep, turned into a standard observation workbook.

* ``stakes``: compact stake tables, one row per stake and season
  (``Stake,Easting,Northing,Elevation,Hw,Dw,Hs``: exposure and snow depth at the
  end of winter, exposure at the end of summer), with a probe table
  (``P,E,N,D``), a density profile (``DEPTH``, ``DENSITY``, e.g. a snow-fork
  export), a DEM GeoTIFF and an outline (GeoJSON or mask raster);
* ``glamos``: GLAMOS/VAW band files (:mod:`mbpack.formats.glamos`);
* ``wgms``: WGMS FoG tables of either generation (:mod:`mbpack.formats.wgms`);
* ``package``: the ``data/`` folder ``mbpack package`` writes.

Every importer returns the workbook and notes naming what it could not map
or had to guess, row by row; no row is dropped silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbpack import units
from mbpack.errors import UnreadableWorkbook
from mbpack.workbook.model import Workbook

#: Headers of the compact stake table (case-insensitive) → meaning.
STAKE_COLUMNS = {"stake": "stake_id", "easting": "x", "northing": "y", "elevation": "elevation", "hw": "hw", "dw": "dw",
                 "hs": "hs"}  # fmt: skip
PROBE_COLUMNS = {"p": "probe_id", "e": "x", "n": "y", "d": "snow_depth"}
DENSITY_COLUMNS = {"depth": "depth", "density": "density"}


@dataclass
class Imported:
    """A workbook made by an importer and what the importer has to say about it."""

    tables: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def workbook(self) -> Workbook:
        return Workbook.from_tables(
            {k: pd.DataFrame(v) if isinstance(v, list) else v for k, v in self.tables.items()}
        )


def _read_table(path: Path, known: dict[str, str]) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """A CSV with its columns renamed to ``known`` meanings and the unit written in each header."""
    try:
        frame = pd.read_csv(
            path, sep=None, engine="python", dtype=str, keep_default_na=False, na_values=[""]
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UnreadableWorkbook(f"{path}: not a readable table ({exc})") from None
    renamed, unit_of = {}, {}
    for col in frame.columns:
        base, unit = units.split_header(col)
        key = base.strip().lower()
        if key in known:
            renamed[col] = known[key]
            unit_of[known[key]] = unit
    missing = [v for v in known.values() if v not in renamed.values()]
    if missing:
        raise UnreadableWorkbook(
            f"{path}: no column for {', '.join(missing)} (headers: {', '.join(frame.columns)})"
        )
    return frame.rename(columns=renamed), unit_of


def _numbers(frame: pd.DataFrame, column: str, path: Path, notes: list[str]) -> pd.Series:
    values = pd.to_numeric(frame[column].str.replace(",", ".", regex=False), errors="coerce")
    for i in np.flatnonzero(values.isna().to_numpy() & frame[column].notna().to_numpy()):
        notes.append(
            f"{path.name}:{i + 2}: {column} {frame[column].iloc[i]!r} is not a number; left empty"
        )
    return values


def _length_factor(
    values: pd.Series, written: str | None, declared: str | None, what: str, notes: list[str]
) -> float:
    """Factor to metres: the header's unit, else the declared one, else a guess by magnitude (noted)."""
    unit = written or declared
    if unit:
        return units.factor(unit, "m")
    if values.abs().max() > 30:
        notes.append(f"{what}: no unit given and values up to {values.abs().max():g}: read as cm (a guess; "
                     "give the unit in the header or with --length-unit)")  # fmt: skip
        return 0.01
    return 1.0


def _density_factor(
    values: pd.Series, written: str | None, declared: str | None, what: str, notes: list[str]
) -> float:
    unit = written or declared
    if unit:
        return units.factor(unit, "kg m-3")
    if values.max() <= 1.0:
        notes.append(f"{what}: no unit given and values up to {values.max():g}: read as g/cm3 (a guess; "
                     "give the unit in the header or with --density-unit)")  # fmt: skip
        return 1000.0
    return 1.0


def import_stakes(
    stakes: str | os.PathLike[str],
    *,
    year: int,
    probes: str | os.PathLike[str] | None = None,
    density: str | os.PathLike[str] | None = None,
    dem: str | os.PathLike[str] | None = None,
    outline: str | os.PathLike[str] | None = None,
    crs: str | None = None,
    resolution: float | None = None,
    name: str | None = None,
    length_unit: str | None = None,
    density_unit: str | None = None,
    dates: tuple[date, date, date] | None = None,
) -> Imported:
    """A workbook from a compact stake table of one balance year (and probes, density, DEM, outline).

    The exposure at the start of the year is that at the end of winter plus
    the snow depth (``Hw + Dw``: the stake is read down to the last summer
    surface), noted in the readings' remarks.

    Time system: such a table holds readings relative to the previous
    summer surface and no dates, so without ``dates`` the balance year is
    stratigraphic (``STR``); its dates (1 October, 30 April, 30 September)
    are nominal, only to order the readings, and the balance year's remarks
    say so. With ``dates`` (the actual survey dates) the year is
    floating-date (``FLO``) between them. No fixed-date (``FXD``) year is
    ever made up.
    """
    from mbpack.formats import geo

    notes: list[str] = []
    stakes = Path(stakes)
    frame, unit_of = _read_table(stakes, STAKE_COLUMNS)
    values = {
        c: _numbers(frame, c, stakes, notes) for c in ("x", "y", "elevation", "hw", "dw", "hs")
    }
    f_len = _length_factor(pd.concat([values["hw"], values["dw"], values["hs"]]), unit_of.get("hw"), length_unit,
                           stakes.name, notes)  # fmt: skip
    begin, winter_end, end = dates or (date(year - 1, 10, 1), date(year, 4, 30), date(year, 9, 30))
    crs = geo.check_crs(crs) if crs else (geo.dem_crs(dem) if dem else None)
    if crs is None:
        raise UnreadableWorkbook(
            f"{stakes}: give the coordinate system of Easting/Northing with --crs EPSG:NNNN"
        )
    lon, lat = geo.to_lonlat(values["x"].to_numpy(), values["y"].to_numpy(), crs)
    tables: dict[str, Any] = {}
    grid = geo.grid_from_dem(dem, outline, year, resolution) if dem else None
    if grid is not None:
        tables["surface_grid"] = grid
        tables["hypsometry"] = geo.hypsometry(grid)
        far = geo.distance_to_grid(values["x"].to_numpy(), values["y"].to_numpy(), grid)
        for k in np.flatnonzero(far > 100):
            notes.append(
                f"{stakes.name}:{k + 2}: stake {frame['stake_id'].iloc[k]} lies {far[k]:.0f} m from the glacier"
            )
    stake_rows, readings = [], []
    for i, sid in enumerate(frame["stake_id"]):
        hw, dw, hs = (values[c].iloc[i] * f_len for c in ("hw", "dw", "hs"))
        stake_rows.append({"stake_id": str(sid), "x": values["x"].iloc[i], "y": values["y"].iloc[i],
                           "latitude": round(float(lat[i]), 6), "longitude": round(float(lon[i]), 6),
                           "elevation": values["elevation"].iloc[i]})  # fmt: skip
        if pd.notna(hw) and pd.notna(dw):
            readings.append({"stake_id": str(sid), "date": begin, "exposure": round(hw + dw, 4),
                             "remarks": "exposure at the start of the year = Hw + Dw"})  # fmt: skip
            readings.append(
                {
                    "stake_id": str(sid),
                    "date": winter_end,
                    "exposure": hw,
                    "snow_depth": dw,
                    "surface": "snow",
                }
            )
        else:
            notes.append(f"{stakes.name}:{i + 2}: stake {sid} has no Hw or Dw: no winter reading")
        if pd.notna(hs):
            readings.append({"stake_id": str(sid), "date": end, "exposure": hs, "surface": "ice"})
        else:
            notes.append(f"{stakes.name}:{i + 2}: stake {sid} has no Hs: no end-of-summer reading")
    remark = None
    if dates is None:
        remark = ("stratigraphic: the stake table gives readings relative to the previous summer surface and "
                  "no dates; 1 Oct, 30 Apr and 30 Sep are nominal (give the survey dates with --dates)")  # fmt: skip
        notes.append(f"{stakes.name}: no survey dates: a stratigraphic year (STR) with nominal dates "
                     f"{begin}, {winter_end}, {end}; give --dates BEGIN WINTER_END END for a floating-date year")  # fmt: skip
    tables |= {"stakes": stake_rows, "stake_readings": readings,
               "balance_years": [{"year": year, "time_system": "STR" if dates is None else "FLO", "begin_date": begin,
                                  "winter_end_date": winter_end, "end_date": end, "remarks": remark}]}  # fmt: skip
    probe_rows: list[dict[str, Any]] = []
    if probes is not None:
        probes = Path(probes)
        pf, punits = _read_table(probes, PROBE_COLUMNS)
        pv = {c: _numbers(pf, c, probes, notes) for c in ("x", "y", "snow_depth")}
        f_probe = _length_factor(
            pv["snow_depth"], punits.get("snow_depth"), length_unit, probes.name, notes
        )
        z = np.full(len(pf), np.nan)
        if grid is not None:
            from mbpack.workbook.surface import nearest_cell

            _, idx = nearest_cell(grid["x"].to_numpy(float), grid["y"].to_numpy(float),
                                  pv["x"].to_numpy(float), pv["y"].to_numpy(float))  # fmt: skip
            z = grid["elevation"].to_numpy()[idx]
        else:
            notes.append(
                f"{probes.name}: no DEM: probe elevations unknown (used by the contour method only)"
            )
        plon, plat = geo.to_lonlat(pv["x"].to_numpy(), pv["y"].to_numpy(), crs)
        for i in range(len(pf)):
            probe_rows.append({"probe_id": str(pf["probe_id"].iloc[i]), "date": winter_end, "x": pv["x"].iloc[i],
                               "y": pv["y"].iloc[i], "latitude": round(float(plat[i]), 6),
                               "longitude": round(float(plon[i]), 6), "elevation": z[i],
                               "snow_depth": pv["snow_depth"].iloc[i] * f_probe})  # fmt: skip
        tables["probes"] = probe_rows
    if density is not None:
        density = Path(density)
        df, dunits = _read_table(density, DENSITY_COLUMNS)
        depth = _numbers(df, "depth", density, notes)
        rho = _numbers(df, "density", density, notes)
        depth = depth * _length_factor(depth, dunits.get("depth"), length_unit, density.name, notes)
        rho = rho * _density_factor(rho, dunits.get("density"), density_unit, density.name, notes)
        px = (
            float(np.nanmean([r["x"] for r in probe_rows]))
            if probe_rows
            else float(values["x"].mean())
        )
        py = (
            float(np.nanmean([r["y"] for r in probe_rows]))
            if probe_rows
            else float(values["y"].mean())
        )
        profiles = density_profiles(df, depth, rho, density.name, notes)
        pits: list[dict[str, Any]] = []
        for number, rows in enumerate(profiles, start=1):
            pit_id = "density-profile" if len(profiles) == 1 else f"density-profile-{number}"
            top = 0.0
            for bottom, d in rows:
                pits.append({"pit_id": pit_id, "date": winter_end, "x": px, "y": py, "top_depth": top,
                             "bottom_depth": bottom, "density": d, "layer": "snow"})  # fmt: skip
                top = bottom
        tables["snow_pits"] = pits
        notes.append(f"{density.name}: {len(profiles)} profile(s), placed at the mean probe position; each "
                     "density holds from the previous depth down to its own"
                     + ("; probes and stakes use their mean (equally near)" if len(profiles) > 1 else ""))  # fmt: skip
    centre_lon, centre_lat = float(np.mean(lon)), float(np.mean(lat))
    zs = grid["elevation"] if grid is not None else values["elevation"]
    tables["glacier"] = {"name": name or stakes.stem, "latitude": round(centre_lat, 6), "longitude": round(centre_lon, 6),
                         "crs": crs, "min_elevation": float(zs.min()), "max_elevation": float(zs.max()),
                         "area": float(tables["hypsometry"]["area"].sum()) if grid is not None else None}  # fmt: skip
    notes.append("not in the source, fill it in: glacier!country")
    return Imported(tables, notes)


def density_profiles(frame: pd.DataFrame, depth: pd.Series, rho: pd.Series, name: str,
                     notes: list[str]) -> list[list[tuple[float, float]]]:  # fmt: skip
    """The density profiles of a density file, kept apart: ``[(depth [m], density [kg m-3]), ...]`` each.

    Parameters
    ----------
    frame
        The file's rows (a ``profile``, ``pit`` or ``profile_id`` column,
        when present, names each row's profile).
    depth, rho
        Depth [m] and density [kg m-3] of each row.
    name
        The file's name, for the notes.
    notes
        Gets a note for every row left out.

    Returns
    -------
    list
        One list per profile, in file order: a new profile starts at a new
        profile name or, without names, where the depth does not increase
        (snow-fork files hold one profile after another). Inside a profile
        a row repeating the previous depth (or at depth 0) is left out and
        noted: it would make a layer of no thickness.

    Examples
    --------
    >>> f = pd.DataFrame({"depth": ["0.2", "0.5", "0.1", "0.4"]})
    >>> density_profiles(f, pd.Series([0.2, 0.5, 0.1, 0.4]), pd.Series([300.0, 350, 310, 360]), "d.csv", [])
    [[(0.2, 300.0), (0.5, 350.0)], [(0.1, 310.0), (0.4, 360.0)]]
    """
    label = next(
        (c for c in frame.columns if str(c).strip().lower() in ("profile", "pit", "profile_id")),
        None,
    )
    profiles: list[list[tuple[float, float]]] = []
    previous_label: Any = object()
    for i, (d, r) in enumerate(zip(depth, rho, strict=True)):
        if pd.isna(d) or pd.isna(r):
            continue
        lab = frame[label].iloc[i] if label is not None else None
        current = profiles[-1] if profiles else None
        if label is not None:
            new = lab != previous_label
        else:
            new = current is None or (bool(current) and d < current[-1][0])
        previous_label = lab
        if new:
            profiles.append([])
            current = profiles[-1]
        if current is None:
            continue
        last = current[-1][0] if current else 0.0
        if d <= last:
            notes.append(f"{name}:{i + 2}: depth {d:g} m repeats the previous depth of its profile: left out "
                         "(a layer of no thickness)")  # fmt: skip
            continue
        current.append((float(d), float(r)))
    return [p for p in profiles if p]


#: Files that make up a shapefile besides ``.shp`` (copied along with it).
SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg")


def _copy_beside(source: Path, folder: Path) -> Path:
    """``source`` copied into ``folder`` (nothing to do when it is there already)."""
    import shutil

    target = folder / source.name
    if target.exists():
        if target.resolve() == source.resolve() or target.read_bytes() == source.read_bytes():
            return target
        raise UnreadableWorkbook(
            f"{target} exists and differs from {source}: not overwritten by --copy-rasters"
        )
    shutil.copy2(source, target)
    return target


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` with ``/`` separators (absolute across drives)."""
    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def keep_rasters(
    imported: Imported,
    workbook: str | os.PathLike[str],
    *,
    dem: str | os.PathLike[str],
    outline: str | os.PathLike[str] | None = None,
    copy: bool = False,
    resolution: float | None = None,
) -> Imported:
    """The import with its DEM and outline named in the ``surfaces`` sheet, not embedded cell by cell.

    ``surface_grid`` is dropped (the hypsometry and the glacier's elevation
    range and area, made from the DEM, stay); ``surfaces`` gets one row for
    the balance year with the paths relative to ``workbook``'s folder, as
    compute reads them.  ``copy`` first copies the DEM and outline (a
    shapefile with its parts) beside the workbook.

    Parameters
    ----------
    imported
        From :func:`import_stakes` with a ``dem``.
    workbook
        The workbook that will be written.
    dem, outline
        The rasters given to :func:`import_stakes`.
    copy
        Copy them beside the workbook (an existing different file is not
        overwritten).
    resolution
        The resampling cell size given to :func:`import_stakes` [m]; noted,
        since compute reads the DEM at its own resolution unless told
        (``--dem-resolution``).

    Returns
    -------
    Imported
        The tables with ``surfaces`` and without ``surface_grid``.
    """
    folder = Path(workbook).parent
    dem, out_line = Path(dem), Path(outline) if outline is not None else None
    notes = list(imported.notes)
    if copy:
        folder.mkdir(parents=True, exist_ok=True)
        dem = _copy_beside(dem, folder)
        if out_line is not None:
            parts = (
                [out_line.with_suffix(e) for e in SHAPEFILE_PARTS]
                if out_line.suffix.lower() == ".shp"
                else []
            )
            for part in parts:
                if part.exists():
                    _copy_beside(part, folder)
            out_line = _copy_beside(out_line, folder)
    year = int(imported.tables["balance_years"][0]["year"])
    remarks = None
    if resolution:
        remarks = (
            f"imported at {resolution:g} m cells: compute with --dem-resolution {resolution:g}"
        )
        notes.append(f"surfaces: the DEM is named at its own resolution; {remarks}")
    row = {"year": year, "dem": _relative(dem, folder),
           "outline": _relative(out_line, folder) if out_line is not None else None, "remarks": remarks}  # fmt: skip
    tables = {k: v for k, v in imported.tables.items() if k != "surface_grid"}
    tables["surfaces"] = [row]
    return Imported(tables, notes)


def import_glamos(path: str | os.PathLike[str]) -> Imported:
    """A workbook from a GLAMOS/VAW band file (:func:`mbpack.formats.glamos.read_glamos`)."""
    from mbpack.formats.glamos import read_glamos

    tables = read_glamos(path)
    unmapped = tables.pop("unmapped")
    return Imported(tables, [f"not in the source, fill it in: {name}" for name in unmapped])


def import_wgms(path: str | os.PathLike[str], wgms_id: int | None = None) -> Imported:
    """A workbook from WGMS FoG tables of either generation (one glacier)."""
    from mbpack.formats.wgms import read_wgms

    tables = read_wgms(path, wgms_id=wgms_id)
    notes = [f"not in the source, fill it in: glacier!{f}" for f in ("latitude", "longitude", "country")
             if tables.get("glacier", {}).get(f) is None]  # fmt: skip
    return Imported(tables, notes)


def import_package(directory: str | os.PathLike[str]) -> Imported:
    """A workbook from the ``data/`` folder of a package written by ``mbpack package``."""
    from mbpack.formats.datapackage import read_package

    problems: list[str] = []
    wb = read_package(Path(directory), problems)
    return Imported(dict(wb.tables), problems)

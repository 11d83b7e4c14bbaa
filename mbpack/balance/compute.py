"""Glacier-wide balances of every balance year by both methods, with ELA, AAR and uncertainty.

:func:`compute` turns a :class:`~mbpack.workbook.Workbook` into result
tables (pandas DataFrames, balances in kg m-2, elevations in m, areas in
km2).  Years that cannot be computed are refused one by one with an issue
naming the year and the reason; the other years go on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from mbpack.balance import glacierwide as gw
from mbpack.balance import uncertainty as unc
from mbpack.balance.points import balance_years, index_balances, point_balances
from mbpack.balance.profile import (
    Profile,
    area_above,
    ela,
    extrapolated_fraction,
    fit_profile,
    gradient,
    linear_fit,
)
from mbpack.errors import ComputationError
from mbpack.issues import Issue, plain
from mbpack.params import DEFAULT, Parameters
from mbpack.workbook.model import Workbook, conform
from mbpack.workbook.surface import Grid, Hypsometry, input_path, survey_rows

Method = Literal["band", "contour", "both"]
#: The sheet a method's refusal points to.
_SHEET_OF_METHOD = {"band": "hypsometry", "contour": "surface_grid"}
#: Columns computed beyond those of schemas/glacier_balance.json.
EXTRA_COLUMNS = [
    "ablation_gradient", "balance_gradient", "min_sites_acc", "max_sites_acc", "min_sites_abl",
    "max_sites_abl", "n_points", "extrapolated_area", "point_unc", "point_unc_systematic", "spatial_unc",
    "method_unc", "reference_area_unc", "cumulative_balance",
    "cumulative_balance_unc",
]  # fmt: skip


@dataclass
class Results:
    """Result tables of :func:`compute`.

    Attributes
    ----------
    point_balance
        Point balances (``schemas/point_balance.json``), rounded to the
        dataset's stated resolution.
    band_balance
        Band balances of the altitude-band method (``schemas/band_balance.json``).
    glacier_balance
        One row per year and method (``schemas/glacier_balance.json``) plus
        :data:`EXTRA_COLUMNS`: gradients [kg m-2 per 100 m], WGMS site
        counts, the share of the area where the annual b(z) is
        extrapolated beyond its points (``extrapolated_area`` [1]), uncertainty components and the cumulative balance [kg m-2].
    isoline_areas
        Contour-line method: year, balance_code, lower_balance,
        upper_balance [kg m-2], area [km2], mean_balance [kg m-2].
    series
        One row per method: years, mean winter/summer/annual balance,
        cumulative balance and its uncertainty [kg m-2], AAR0 [1], ELA0 [m]
        and the r² of their regressions on B_a.
    comparison
        Reported against recomputed values, per year, method and quantity.
    interval
        Glacier-wide balance of a survey interval the user named.
    profiles
        The fitted b(z) per (year, balance code).
    fields
        The contour-line method's interpolated balance of every grid cell
        per (year, balance code), for maps.
    issues
        What could not be computed, and the quality checks.
    """

    point_balance: pd.DataFrame
    band_balance: pd.DataFrame
    glacier_balance: pd.DataFrame
    isoline_areas: pd.DataFrame
    series: pd.DataFrame
    comparison: pd.DataFrame
    interval: pd.DataFrame = field(default_factory=pd.DataFrame)
    profiles: dict[tuple[int, str], Profile] = field(default_factory=dict)
    fields: dict[tuple[int, str], gw.CellBalances] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Every table as a list of records (balances in kg m-2, dates ISO), and the issues."""
        tables = ("glacier_balance", "band_balance", "point_balance", "isoline_areas", "series", "comparison",
                  "interval")  # fmt: skip
        out: dict[str, Any] = {
            name: [
                {k: plain(v) for k, v in row.items()}
                for row in getattr(self, name).to_dict("records")
            ]
            for name in tables
        }
        out["issues"] = [i.as_dict() for i in self.issues]
        return out


def _xy(points: pd.DataFrame, crs: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Projected coordinates [m] of the points, from x/y or (with pyproj) latitude/longitude."""
    x = points["x"].to_numpy(float).copy()
    y = points["y"].to_numpy(float).copy()
    missing = ~(np.isfinite(x) & np.isfinite(y))
    if missing.any():
        lat = points["latitude"].to_numpy(float)[missing]
        lon = points["longitude"].to_numpy(float)[missing]
        if not np.all(np.isfinite(lat) & np.isfinite(lon)):
            raise ComputationError("some points have neither x/y nor latitude/longitude")
        if not crs or crs == "EPSG:4326":
            raise ComputationError(
                "the contour method needs x/y in a projected CRS: set glacier!crs (EPSG code)"
            )
        try:
            from pyproj import Transformer
        except ImportError:
            raise ComputationError(
                "points have only latitude/longitude: give x/y or install the geo extra "
                "(pip install 'mbpack[geo]') so that pyproj can convert them"
            ) from None
        tx, ty = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
        x[missing], y[missing] = tx, ty
    return x, y


@dataclass
class _Year:
    """What one year's computation needs."""

    year: int
    points: pd.DataFrame
    hyps: Hypsometry | None
    grid: Grid | None
    zmin: float
    zmax: float
    area_year: float
    crs: str | None
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    """Warnings about the year's surface: (code, sheet, message)."""


def compute(
    workbook: Workbook,
    *,
    method: Method = "both",
    period: tuple[date, date] | None = None,
    params: Parameters = DEFAULT,
) -> Results:
    """Compute point and glacier-wide balances of every balance year.

    Parameters
    ----------
    workbook
        The observation workbook (:func:`mbpack.read_workbook`).
    method
        ``band`` (altitude-band), ``contour`` (contour-line) or ``both``.
    period
        Also compute the glacier-wide balance between these two survey
        dates (``Results.interval``).
    params
        Densities, errors and options (:mod:`mbpack.params`).

    Returns
    -------
    Results
        The result tables and the issues.

    Notes
    -----
    For every balance year (``balance_years``):

    * point balances of the year (:func:`mbpack.balance.points.point_balances`)
      with codes winter and annual are fitted by a b(z) profile
      (:mod:`mbpack.balance.profile`; ``params.profile``);
    * the hypsometry and the surface grid used are those of the latest
      survey at or before the year, else the earliest survey after it; a
      year without hypsometry takes its bands from the grid
      (``params.band_width``);
    * winter and annual balances are integrated by each method
      (:mod:`mbpack.balance.glacierwide`); the summer balance is their difference
      (``B_s = B_a - B_w``, per band and per cell), so the components
      always add up;
    * ELA and AAR per method from its own field: band, the zero of the
      annual profile and the hypsometry above it; contour, the zero of the
      cell field's band means and the share of cells with b >= 0;
      ``ela_position`` ``>`` (ELA = glacier maximum) or ``<`` (minimum)
      outside the glacier; the share of the area where the annual b(z) is
      extrapolated (``extrapolated_area``); balance gradients [kg m-2 per 100 m] of the annual points
      with b < 0 (ablation zone) and of all of them; WGMS site counts above
      and below the ELA over the winter and annual surveys;
    * uncertainty after Zemp et al. (2013) (:mod:`mbpack.balance.uncertainty`):
      point (random and systematic apart), spatial (the quadratic mean of
      its two estimates, leave-one-out through the method and
      |band − contour|) and reference-area components, combined per year
      and cumulated (random √N, systematic N);
    * a year or a method that cannot be computed (fewer than
      ``params.min_points`` points, no grid, no hypsometry, points without
      coordinates) is refused with an issue; the other years go on.

    Point balances given in the ``point_balance`` sheet (archived point
    results, WGMS ``mass_balance_point`` tables) are used for every year
    that has no point balances from raw readings, pits or probes
    (:func:`_with_sheet_points`), so a workbook of point balances alone is
    computed by both methods. A year that has rows in the ``band_balance`` sheet and no points is
    integrated from that sheet (``B = Σ b_i A_i / Σ A_i``). Reported
    glacier-wide values (method ``reported`` or blank) are compared with
    the recomputed ones in ``comparison``. Years whose annual uncertainty
    exceeds ``dataset!balance_uncertainty`` are flagged
    (``uncertainty-above-stated``); point balances are rounded to
    ``dataset!point_resolution``.

    References
    ----------
    Zemp, M. et al. (2013). Reanalysing glacier mass balance measurement
    series. The Cryosphere 7, 1227-1245. doi:10.5194/tc-7-1227-2013
    Cogley, J. G. et al. (2011). Glossary of Glacier Mass Balance and
    Related Terms. IHP-VII Technical Documents in Hydrology No. 86,
    UNESCO-IHP, Paris.
    """
    if method not in ("band", "contour", "both"):
        raise ValueError(f"method={method!r} is invalid; choices: 'band', 'contour', 'both'")
    methods: list[str] = ["band", "contour"] if method == "both" else [str(method)]
    points, issues = point_balances(workbook, params)
    glacier = workbook.record("glacier")
    dataset = workbook.record("dataset")
    # the glacier-wide values follow from the point balances as published (rounded to the stated
    # resolution), so that the archived points (WGMS EEE) give them back
    points = _rounded(points, dataset.get("point_resolution"))
    points = _with_sheet_points(workbook, points, issues)
    rows: list[dict[str, Any]] = []
    bands: list[pd.DataFrame] = []
    isolines: list[pd.DataFrame] = []
    profiles: dict[tuple[int, str], Profile] = {}
    fields: dict[tuple[int, str], gw.CellBalances] = {}
    years = balance_years(workbook)
    hyps_all, grid_all = workbook["hypsometry"], workbook["surface_grid"]
    for y in years:
        ctx = _year_context(workbook, y.year, points, glacier, hyps_all, grid_all, params)
        issues += [
            Issue(code, "warning", text, sheet=sheet, value=y.year, year=y.year)
            for code, sheet, text in ctx.notes
        ]
        if ctx.hyps is not None and not ctx.hyps.total > 0:
            issues.append(Issue("not-computed", "warning",
                                f"{y.year}: the glacier has no area (its bands sum to "
                                f"{ctx.hyps.total:g} km²); no glacier-wide balance",
                                sheet="hypsometry", value=y.year, year=y.year))  # fmt: skip
            continue
        seasonal = ctx.points[ctx.points["balance_code"].isin(["winter", "annual"])].dropna(
            subset=["elevation", "balance"]
        )
        has = {code: seasonal[seasonal["balance_code"] == code] for code in ("winter", "annual")}
        if len(has["annual"]) < params.min_points:
            if ctx.points.empty and _in_band_sheet(workbook, y.year):
                continue  # computed from the band_balance sheet
            issues.append(Issue("not-computed", "warning",
                                f"{y.year}: {len(has['annual'])} annual point balance(s) (fewer than "
                                f"{params.min_points} stakes, pits or probes); no glacier-wide balance",
                                sheet="stake_readings", value=len(has["annual"]), year=y.year))  # fmt: skip
            continue
        try:
            prof = {
                c: _profile(has[c], ctx, params)
                for c in ("winter", "annual")
                if len(has[c]) >= params.min_points
            }
        except ComputationError as exc:
            issues.append(
                Issue("not-computed", "warning", f"{y.year}: {exc}", value=y.year, year=y.year)
            )
            continue
        for code, p in prof.items():
            profiles[(y.year, code)] = p
        e, position = ela(prof["annual"], ctx.zmin, ctx.zmax)
        results: dict[str, dict[str, Any]] = {}
        for m in methods:
            try:
                results[m] = _integrate(m, y.year, prof, has, ctx, params, (e, position),
                                        bands, isolines, fields)  # fmt: skip
            except ComputationError as exc:
                issues.append(
                    Issue(
                        "not-computed",
                        "warning",
                        str(exc),
                        value=y.year,
                        year=y.year,
                        sheet=_SHEET_OF_METHOD[m],
                    )
                )
        if not results:
            continue
        spread = {c: unc.spatial_component(results["band"][c], results["contour"][c])
                  if {"band", "contour"} <= set(results) else math.nan
                  for c in ("winter_balance", "annual_balance")}  # fmt: skip
        for m, r in results.items():
            ref = unc.reference_area_component(r["annual_balance"], r["area"], ctx.area_year)
            row = {
                "year": y.year, "method": m, "begin_date": y.begin, "winter_end_date": y.winter_end,
                "end_date": y.end, "ela": e, "ela_position": position, **r,
                "ablation_gradient": gradient(has["annual"]["elevation"][has["annual"]["balance"] < 0],
                                              has["annual"]["balance"][has["annual"]["balance"] < 0]),
                "balance_gradient": gradient(has["annual"]["elevation"], has["annual"]["balance"]),
                "n_points": len(has["annual"]),
                "method_unc": spread["annual_balance"], "reference_area_unc": ref,
            }  # fmt: skip
            row.update(_sites(has, e))
            for comp in ("winter_balance", "annual_balance"):
                code = comp.split("_")[0]
                pts = has[code]
                if code in prof:
                    random, systematic = unc.point_components(
                        *(pts[c].to_numpy(float) for c in ("balance", "balance_unc", "density", "density_unc"))
                    )  # fmt: skip
                    spatial = _leave_one_out(m, pts, ctx, params)
                else:
                    random = systematic = spatial = math.nan
                area_part = (
                    abs(row.get(comp, math.nan)) * abs(ctx.area_year - r["area"]) / r["area"]
                )
                row[f"{comp}_unc"] = unc.combined(
                    random, systematic, unc.pooled_spatial(spatial, spread[comp], random), area_part
                )
                if comp == "annual_balance":
                    row["point_unc"], row["point_unc_systematic"] = random, systematic
                    row["spatial_unc"] = spatial
            row["summer_balance_unc"] = unc.combined(
                row["winter_balance_unc"], row["annual_balance_unc"]
            )
            rows.append(row)
    glacier_balance = _glacier_table(rows, workbook, params, issues)
    glacier_balance = _from_band_sheet(workbook, glacier_balance, issues)
    interval = _interval(workbook, period, methods, params) if period else pd.DataFrame()
    _quality(glacier_balance, dataset, issues)
    points_out = points
    if period:
        extra = index_balances(workbook, params, pd.Timestamp(period[0]), pd.Timestamp(period[1]))
        points_out = pd.concat(
            [points_out, _rounded(extra, dataset.get("point_resolution"))], ignore_index=True
        )
    return Results(
        point_balance=points_out,
        band_balance=conform("band_balance", pd.concat(bands, ignore_index=True) if bands else pd.DataFrame()),
        glacier_balance=glacier_balance,
        isoline_areas=pd.concat(isolines, ignore_index=True) if isolines else pd.DataFrame(
            columns=["year", "balance_code", "lower_balance", "upper_balance", "area", "mean_balance"]),
        series=series(glacier_balance),
        comparison=compare_reported(workbook["glacier_balance"], glacier_balance),
        interval=interval,
        profiles=profiles,
        fields=fields,
        issues=issues,
    )  # fmt: skip


def _with_sheet_points(wb: Workbook, points: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    """The computed point balances, and the ``point_balance`` sheet's rows of the years without any.

    Rows need a year, a balance code, a balance and dates; an issue
    (``points-from-sheet``) says which years were taken from the sheet.
    """
    sheet = wb["point_balance"].dropna(subset=["year", "balance_code", "balance"])
    if sheet.empty:
        return points
    have = set(points["year"].dropna().astype(int)) if len(points) else set()
    given = sheet[~sheet["year"].astype(int).isin(have)]
    if given.empty:
        return points
    years = sorted(set(given["year"].astype(int)))
    issues.append(Issue("points-from-sheet", "warning",
                        f"{len(given)} point balance(s) of {len(years)} year(s) without readings "
                        f"({', '.join(map(str, years[:10]))}{'...' if len(years) > 10 else ''}) taken from "
                        f"the {wb.sheet_name('point_balance')} sheet", sheet=wb.sheet_name("point_balance"),
                        value=len(given)))  # fmt: skip
    given = conform("point_balance", given.reset_index(drop=True))
    frames = [f for f in (points, given) if len(f)]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else given


def _year_context(wb: Workbook, year: int, points: pd.DataFrame, glacier: dict[str, Any],
                  hyps_all: pd.DataFrame, grid_all: pd.DataFrame, params: Parameters = DEFAULT) -> _Year:  # fmt: skip
    hyps_rows = survey_rows(
        hyps_all.dropna(subset=["lower_elevation", "upper_elevation", "area"]), year
    )
    grid_rows = survey_rows(grid_all.dropna(subset=["x", "y", "elevation"]), year)
    surfaces = survey_rows(wb["surfaces"].dropna(subset=["year", "dem"]), year)
    if len(surfaces) and (
        grid_rows.empty or int(surfaces["year"].iloc[0]) > int(grid_rows["year"].iloc[0])
    ):
        grid_rows = _dem_grid(wb, surfaces.iloc[0], params.dem_resolution)
    grid = Grid.from_frame(grid_rows) if len(grid_rows) else None
    notes = []
    if grid is not None and not grid.cell_area > 0:
        notes.append(("grid-spacing", "surface_grid",
                      f"{year}: the surface grid is one cell across or along, so its cell size "
                      "is unknown; it is not used"))  # fmt: skip
        grid = None
    if len(hyps_rows) and grid is not None:
        sheet_area = float(hyps_rows["area"].sum())
        if abs(sheet_area - grid.area) > params.grid_area_tolerance * grid.area:
            notes.append(("hypsometry-mismatch", "hypsometry",
                          f"{year}: the hypsometry ({sheet_area:.4g} km²) and the surface grid "
                          f"({grid.area:.4g} km²) differ by more than {params.grid_area_tolerance:.0%}"))  # fmt: skip
    if len(hyps_rows):
        sheet = Hypsometry.from_frame(hyps_rows)
        # the band balances at the mean elevation of each band's cells where a grid gives it
        hyps: Hypsometry | None = sheet if grid is None else sheet.with_centres(grid.elevation)
    elif grid is not None:
        hyps = Hypsometry.from_grid(grid.elevation, grid.cell_area, params.band_width)
    else:
        hyps = None
    zmin = glacier.get("min_elevation")
    zmax = glacier.get("max_elevation")
    if hyps is not None:
        zmin = float(hyps.lower.min()) if zmin is None else zmin
        zmax = float(hyps.upper.max()) if zmax is None else zmax
    elif grid is not None:
        zmin = float(grid.elevation.min()) if zmin is None else zmin
        zmax = float(grid.elevation.max()) if zmax is None else zmax
    if len(hyps_rows):
        totals = hyps_all.dropna(subset=["year", "area"]).groupby("year")["area"].sum()
    elif grid is not None:
        totals = pd.Series([grid.area], index=[int(grid_rows["year"].iloc[0])])
    else:
        totals = pd.Series(dtype=float)
    area_year = _area_for_year(totals, year, params.area_change_per_year)
    return _Year(year, points[points["year"] == year], hyps, grid, _elevation(zmin), _elevation(zmax),
                 area_year, glacier.get("crs"), notes)  # fmt: skip


def _elevation(value: Any) -> float:
    """An elevation [m] as float, NaN when not given (0 m and below sea level are elevations)."""
    return math.nan if value is None or pd.isna(value) else float(value)


_DEM_CACHE: dict[tuple[str, str | None, int, float | None], pd.DataFrame] = {}


def _dem_grid(wb: Workbook, surface: pd.Series, resolution: float | None) -> pd.DataFrame:
    """Grid cells of a surveyed DEM inside its outline (paths relative to the workbook); one grid is kept."""
    from mbpack.formats import geo

    base = wb.path.parent if wb.path is not None else Path(".")
    outline = surface["outline"] if isinstance(surface["outline"], str) else None
    try:  # validation reports these at their cell (unsafe-path); never open anything else
        dem = input_path(base, surface["dem"])
        mask = input_path(base, outline) if outline else None
    except ValueError as exc:
        raise ComputationError(f"surfaces sheet, year {int(surface['year'])}: {exc}") from None
    key = (
        str(dem),
        str(mask) if mask else None,
        int(surface["year"]),
        resolution,
    )
    if key not in _DEM_CACHE:
        _DEM_CACHE.clear()  # memory bounded by one grid, not by years x grid
        _DEM_CACHE[key] = geo.grid_from_dem(key[0], key[1], key[2], resolution)
    return _DEM_CACHE[key]


def _area_for_year(totals: pd.Series, year: int, rate: float) -> float:
    """Best estimate of the glacier area [km2] in ``year`` from the surveyed areas.

    Parameters
    ----------
    totals
        Glacier area [km2] by survey year.
    year
        The balance year.
    rate
        Relative area loss per year assumed outside the surveyed years [a-1].

    Returns
    -------
    float
        Linear interpolation between surveys; before the first and after
        the last, the nearest survey's area changed by ``rate`` per year
        (shrinking forwards in time). NaN without surveys.

    Examples
    --------
    >>> t = pd.Series([1.40, 1.30], index=[2000, 2010])
    >>> _area_for_year(t, 2005, 0.005), round(_area_for_year(t, 2012, 0.005), 6)
    (1.35, 1.287)
    """
    if totals.empty:
        return math.nan
    totals = totals.sort_index()
    first, last = int(totals.index[0]), int(totals.index[-1])
    if year < first:
        return float(totals.iloc[0]) * (1.0 + rate * (first - year))
    if year > last:
        return float(totals.iloc[-1]) * (1.0 - rate * (year - last))
    return float(np.interp(year, totals.index.to_numpy(float), totals.to_numpy(float)))


def _profile(points: pd.DataFrame, ctx: _Year, params: Parameters) -> Profile:
    """The b(z) profile of the points; without a hypsometry its bands are every ``band_width`` [m]."""
    z = points["elevation"].to_numpy(float)
    if ctx.hyps is not None:
        edges = ctx.hyps.edges
    else:  # e.g. a grid but no hypsometry: bands of band_width over the points' elevations
        width = params.band_width
        finite = z[np.isfinite(z)]
        low, high = (
            (np.floor(finite.min() / width), np.ceil(finite.max() / width))
            if finite.size
            else (0.0, 1.0)
        )
        edges = np.arange(low, max(high, low + 1) + 1) * width
    return fit_profile(z, points["balance"].to_numpy(float), params.profile, edges, params)


def _integrate(method: str, year: int, prof: dict[str, Profile], has: dict[str, pd.DataFrame], ctx: _Year,
               params: Parameters, equilibrium: tuple[float, str | None], bands: list[pd.DataFrame],
               isolines: list[pd.DataFrame], fields: dict[tuple[int, str], gw.CellBalances]) -> dict[str, Any]:  # fmt: skip
    line, position = equilibrium
    out: dict[str, Any] = {}
    if method == "band":
        if ctx.hyps is None:
            raise ComputationError(f"band method needs a hypsometry (or a surface_grid) for {year}")
        hyps = ctx.hyps
        values = {code: gw.band_method(p, hyps)[1] for code, p in prof.items()}
        band = pd.DataFrame({"year": year, "lower_elevation": hyps.lower, "upper_elevation": hyps.upper,
                             "area": hyps.area, "annual_balance": values["annual"]})  # fmt: skip
        if "winter" in values:
            band["winter_balance"] = values["winter"]
            band["summer_balance"] = values["annual"] - values["winter"]
        bands.append(band)
        total = hyps.total
        for code, v in values.items():
            out[f"{code}_balance"] = float(np.sum(v * hyps.area) / total)
        # outside the glacier the accumulation area is none ('>') or all of it ('<')
        acc = {">": 0.0, "<": total}.get(
            position or "", area_above(hyps.lower, hyps.upper, hyps.area, line)
        )
        out["area"] = total
        out["extrapolated_area"] = extrapolated_fraction(
            prof["annual"], hyps.lower, hyps.upper, hyps.area
        )
    else:
        if ctx.grid is None:
            raise ComputationError(f"contour method needs a surface_grid for {year}")
        grid = ctx.grid
        cells: dict[str, np.ndarray] = {}
        for code, p in prof.items():
            pts = has[code]
            try:
                x, y = _xy(pts, ctx.crs)
            except ComputationError as exc:
                raise ComputationError(f"contour method for {year}: {exc}") from None
            balance, table, cells[code] = gw.contour_method(grid, p, x, y, pts["elevation"].to_numpy(float),
                                                            pts["balance"].to_numpy(float), params)  # fmt: skip
            out[f"{code}_balance"] = balance
            fields[(year, code)] = gw.CellBalances(grid.x, grid.y, cells[code])
            isolines.append(table.assign(year=year, balance_code=code))
        if "winter" in cells:
            summer = cells["annual"] - cells["winter"]
            isolines.append(
                gw.field_isolines(grid, summer, params).assign(year=year, balance_code="summer")
            )
        # ELA and AAR from this method's own field: the zero of the field's band means, and
        # the cells with b >= 0
        out["ela"], out["ela_position"] = _field_ela(grid, cells["annual"], params.band_width)
        acc = float(np.sum(cells["annual"] >= 0) * grid.cell_area)
        out["area"] = grid.area
        lo, hi = prof["annual"].observed or (-math.inf, math.inf)
        out["extrapolated_area"] = float(np.mean((grid.elevation < lo) | (grid.elevation > hi)))
    if "winter_balance" in out:
        out["summer_balance"] = out["annual_balance"] - out["winter_balance"]
    else:
        out["winter_balance"] = out["summer_balance"] = math.nan
    out["aar"] = acc / out["area"]
    out["accumulation_area"] = acc
    out["ablation_area"] = out["area"] - acc
    return out


def _leave_one_out(method: str, points: pd.DataFrame, ctx: _Year, params: Parameters) -> float:
    """Jackknife error [kg m-2] of the glacier-wide balance: the method run N times, each without one point."""
    estimates = []
    grid = ctx.grid
    if method == "contour" and grid is not None and grid.x.size > params.loo_cells:
        # every k-th cell: the jackknife spread, not the balance itself, is wanted
        k = -(-grid.x.size // params.loo_cells)
        grid = Grid(grid.x[::k], grid.y[::k], grid.elevation[::k], grid.cell_area * k)
    for j in range(len(points)):
        sub = points.drop(index=points.index[j])
        try:
            prof = _profile(sub, ctx, params)
            if method == "band" and ctx.hyps is not None:
                estimates.append(gw.band_method(prof, ctx.hyps)[0])
            elif method == "contour" and grid is not None:  # the field's mean (a thinned grid
                x, y = _xy(sub, ctx.crs)  # is no lattice to trace isolines on)
                field = gw.interpolate(grid, prof, x, y, sub["elevation"].to_numpy(float),
                                       sub["balance"].to_numpy(float), params)  # fmt: skip
                estimates.append(float(field.mean()))
        except ComputationError:
            continue
    return unc.leave_one_out(np.array(estimates))


def _field_ela(grid: Grid, balance: np.ndarray, width: float) -> tuple[float, str | None]:
    """ELA [m] of a cell field: the zero of its band means (bands of ``width`` [m]), linear between
    band centres; ``>`` / ``<`` when every cell is negative / positive."""
    if np.all(balance < 0):
        return float(grid.elevation.max()), ">"
    if np.all(balance > 0):
        return float(grid.elevation.min()), "<"
    hyps = Hypsometry.from_grid(grid.elevation, grid.cell_area, width)
    which = np.clip(np.digitize(grid.elevation, hyps.edges) - 1, 0, hyps.area.size - 1)
    counts = np.bincount(which, minlength=hyps.area.size)
    sums = np.bincount(which, weights=balance, minlength=hyps.area.size)
    ok = counts > 0
    z, b = hyps.elevation[ok], sums[ok] / counts[ok]  # z: the mean elevation of each band's cells
    if z.size < 2:
        return float(z[0]), None
    return ela(lambda e: np.interp(e, z, b), float(z[0]), float(z[-1]))


def _sites(has: dict[str, pd.DataFrame], e: float) -> dict[str, int]:
    """WGMS MIN/MAX_SITES_ACC/ABL: sites above and below the ELA over the winter and annual surveys."""
    acc = [int((p["elevation"] >= e).sum()) for p in has.values() if len(p)]
    abl = [int((p["elevation"] < e).sum()) for p in has.values() if len(p)]
    return {"min_sites_acc": min(acc), "max_sites_acc": max(acc), "min_sites_abl": min(abl),
            "max_sites_abl": max(abl)}  # fmt: skip


def _glacier_table(
    rows: list[dict[str, Any]], wb: Workbook, params: Parameters, issues: list[Issue]
) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    out = conform("glacier_balance", frame)
    for col in EXTRA_COLUMNS:
        out[col] = frame[col].to_numpy() if col in frame.columns else np.nan
    if not out.empty:
        out = out.sort_values(["method", "year"], kind="stable").reset_index(drop=True)
        for _, group in out.groupby("method"):
            out.loc[group.index, "cumulative_balance"] = group["annual_balance"].cumsum().to_numpy()
            spatial = [
                unc.pooled_spatial(j, s, r)
                for j, s, r in zip(
                    group["spatial_unc"], group["method_unc"], group["point_unc"], strict=True
                )
            ]
            random = np.sqrt(
                group["point_unc"].fillna(0) ** 2 + np.nan_to_num(spatial) ** 2
            ).to_numpy()
            systematic = (
                group["point_unc_systematic"].fillna(0) + group["reference_area_unc"].fillna(0)
            ).to_numpy()
            out.loc[group.index, "cumulative_balance_unc"] = [
                unc.cumulative(random[: i + 1], systematic[: i + 1]) for i in range(len(group))
            ]
    return out


def _in_band_sheet(wb: Workbook, year: int) -> bool:
    return bool((wb["band_balance"]["year"] == year).any())


def _from_band_sheet(wb: Workbook, table: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    """Years with band balances but no points: B = Σ b_i A_i / Σ A_i of the band_balance sheet."""
    bands = wb["band_balance"].dropna(subset=["year", "lower_elevation", "upper_elevation"])
    if bands.empty:
        return table
    done = (
        set(table.loc[table["method"] == "band", "year"].astype(int)) if not table.empty else set()
    )
    rows = []
    dates = {y.year: y for y in balance_years(wb)}
    for year, group in bands.groupby("year"):
        if int(year) in done:
            continue
        empty = (group["area"] == 0) & group[["winter_balance", "annual_balance"]].isna().any(
            axis=1
        )
        if empty.any():  # bands the glacier has left (GLAMOS files carry them): nothing to weigh
            issues.append(Issue("zero-area-band", "warning",
                                f"{int(year)}: {int(empty.sum())} band(s) of zero area without a balance "
                                f"ignored ({', '.join(f'{v:g}' for v in group.loc[empty, 'lower_elevation'])} m)",
                                sheet="band_balance", column="area", value=0, year=int(year)))  # fmt: skip
            group = group[~empty]
        area = group["area"]
        if area.isna().any():
            hyps = survey_rows(wb["hypsometry"], int(year)).set_index("lower_elevation")["area"]
            area = area.fillna(group["lower_elevation"].map(hyps))
        if area.isna().any() or area.sum() <= 0:
            issues.append(Issue("not-computed", "warning", f"{int(year)}: band balances without band areas",
                                sheet="band_balance", value=int(year), year=int(year)))  # fmt: skip
            continue
        row: dict[str, Any] = {"year": int(year), "method": "band", "area": float(area.sum()),
                               "remarks": "from the band_balance sheet"}  # fmt: skip
        if int(year) in dates:
            y = dates[int(year)]
            row |= {"begin_date": y.begin, "winter_end_date": y.winter_end, "end_date": y.end}
        for comp in ("winter_balance", "summer_balance", "annual_balance"):
            values = group[comp]
            row[comp] = (
                float(np.sum(values * area) / area.sum()) if values.notna().all() else math.nan
            )
        if math.isnan(row["summer_balance"]):  # B_s = B_a - B_w when the sheet gives no b_s
            row["summer_balance"] = row["annual_balance"] - row["winter_balance"]
        if group["annual_balance"].notna().all() and len(group) >= 2:
            group = group.sort_values("lower_elevation")
            mid = 0.5 * (group["lower_elevation"] + group["upper_elevation"]).to_numpy(float)
            b = group["annual_balance"].to_numpy(float)
            c0, c1 = linear_fit(mid, b)
            lo, hi = float(group["lower_elevation"].min()), float(group["upper_elevation"].max())
            row["ela"], row["ela_position"] = ela(Profile(c0, c1, mid, b), lo, hi)
            acc = {">": 0.0, "<": row["area"]}.get(row["ela_position"] or "", area_above(
                group["lower_elevation"].to_numpy(float), group["upper_elevation"].to_numpy(float),
                area.loc[group.index].to_numpy(float), row["ela"]))  # fmt: skip
            row["aar"], row["accumulation_area"] = acc / row["area"], acc
            row["ablation_area"] = row["area"] - acc
        rows.append(row)
    if not rows:
        return table
    extra = conform("glacier_balance", pd.DataFrame(rows))
    merged = pd.concat([table, extra], ignore_index=True) if not table.empty else extra
    for col in EXTRA_COLUMNS:
        if col not in merged.columns:
            merged[col] = np.nan
    merged = merged.sort_values(["method", "year"], kind="stable").reset_index(drop=True)
    for _, group in merged.groupby("method"):
        merged.loc[group.index, "cumulative_balance"] = group["annual_balance"].cumsum().to_numpy()
    return merged


def _interval(
    wb: Workbook, period: tuple[date, date], methods: list[str], params: Parameters
) -> pd.DataFrame:
    """Glacier-wide balance between two survey dates from the index balances of every stake."""
    start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1])
    pts = index_balances(wb, params, start, end).dropna(subset=["elevation", "balance"])
    glacier = wb.record("glacier")
    ctx = _year_context(
        wb,
        end.year,
        pts.assign(year=end.year),
        glacier,
        wb["hypsometry"],
        wb["surface_grid"],
        params,
    )
    rows = []
    if len(pts) < params.min_points:
        return pd.DataFrame([{"from_date": start, "to_date": end, "method": m, "balance": math.nan, "n_points": len(pts),
                              "remarks": f"{len(pts)} stake(s) read at both dates"} for m in methods])  # fmt: skip
    prof = _profile(pts, ctx, params)
    for m in methods:
        balance = math.nan
        if m == "band" and ctx.hyps is not None:
            balance = gw.band_method(prof, ctx.hyps)[0]
        elif m == "contour" and ctx.grid is not None:
            x, y = _xy(pts, glacier.get("crs"))
            balance = gw.contour_method(ctx.grid, prof, x, y, pts["elevation"].to_numpy(float),
                                        pts["balance"].to_numpy(float), params)[0]  # fmt: skip
        rows.append({"from_date": start, "to_date": end, "method": m, "balance": balance, "n_points": len(pts),
                     "remarks": None})  # fmt: skip
    return pd.DataFrame(rows)


def _quality(table: pd.DataFrame, dataset: dict[str, Any], issues: list[Issue]) -> None:
    """Flag years whose annual uncertainty exceeds the dataset's stated bound."""
    bound = dataset.get("balance_uncertainty")
    if bound is None or table.empty:
        return
    over = table[table["annual_balance_unc"] > float(bound)]
    for row in over.itertuples():
        issues.append(Issue("uncertainty-above-stated", "warning",
                            f"{row.year}, {row.method} method: uncertainty {row.annual_balance_unc:.0f} kg m-2 "
                            f"exceeds the stated {float(bound):g} kg m-2 (dataset!balance_uncertainty)",
                            sheet="dataset", column="balance_uncertainty", value=round(float(row.annual_balance_unc)),
                            year=int(row.year)))  # fmt: skip


def _rounded(points: pd.DataFrame, resolution: float | None) -> pd.DataFrame:
    """Point balances rounded to the stated resolution [kg m-2] (uncertainties to 1 kg m-2)."""
    out = points.copy()
    if resolution:
        out["balance"] = np.round(out["balance"] / resolution) * resolution
    out["balance_unc"] = out["balance_unc"].round()
    out["density"] = out["density"].round()
    out["density_unc"] = out["density_unc"].round()
    return out


def series(table: pd.DataFrame) -> pd.DataFrame:
    """Per method: means, cumulative balance, and AAR0 and ELA0 by regression on B_a.

    Parameters
    ----------
    table
        Glacier-wide balances (``Results.glacier_balance``).

    Returns
    -------
    pandas.DataFrame
        One row per method: first_year, last_year, years, the mean
        winter, summer and annual balances [kg m-2], cumulative balance
        ``Σ B_a`` and its uncertainty (random √N, systematic N) [kg m-2],
        ``aar0`` [1] and ``ela0`` [m] with ``aar0_r2``, ``ela0_r2``.

    Notes
    -----
    AAR0 and ELA0 are the intercepts of the least-squares lines
    ``AAR = AAR0 + k B_a`` and ``ELA = ELA0 + k' B_a``, i.e. their values at
    ``B_a = 0`` (Dyurgerov, Meier & Bahr 2009, J. Glaciol. 55(192),
    710-716), with the r² of the fit; they need three years or more with
    different B_a. Years whose ELA lies outside the glacier (``<``/``>``)
    are left out of the ELA0 fit.
    """
    from scipy import stats

    rows = []
    if table.empty:
        return pd.DataFrame()
    for m, g in table.groupby("method", sort=True):
        row: dict[str, Any] = {
            "method": m, "first_year": int(g["year"].min()), "last_year": int(g["year"].max()), "years": len(g),
            "mean_winter_balance": g["winter_balance"].mean(), "mean_summer_balance": g["summer_balance"].mean(),
            "mean_annual_balance": g["annual_balance"].mean(),
            "cumulative_balance": g["annual_balance"].sum(),
            "cumulative_balance_unc": g["cumulative_balance_unc"].iloc[-1] if "cumulative_balance_unc" in g else math.nan,
        }  # fmt: skip
        for name in ("aar", "ela"):
            ok = g[["annual_balance", name]].dropna()
            ok = ok[g.loc[ok.index, "ela_position"].isna()] if name == "ela" else ok
            if len(ok) >= 3 and ok["annual_balance"].nunique() > 1:
                fit = stats.linregress(ok["annual_balance"], ok[name])
                row[f"{name}0"], row[f"{name}0_r2"] = float(fit.intercept), float(fit.rvalue**2)
            else:
                row[f"{name}0"], row[f"{name}0_r2"] = math.nan, math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def compare_reported(reported: pd.DataFrame, computed: pd.DataFrame) -> pd.DataFrame:
    """Reported values (method ``reported`` or blank) against every recomputed method.

    Columns: year, method, quantity, reported, computed, difference
    (computed − reported, in the quantity's unit).

    Parameters
    ----------
    reported
        The workbook's ``glacier_balance`` sheet; only its rows with method
        ``reported`` or blank are compared.
    computed
        Recomputed glacier-wide balances (``Results.glacier_balance``), one
        row per year and method.

    Returns
    -------
    pandas.DataFrame
        One row per year, recomputed method and quantity where both the
        reported and the computed value are given: quantities
        ``winter_balance``, ``summer_balance``, ``annual_balance``
        [kg m-2], ``ela`` [m] and ``aar`` [1]; ``method`` is the computed
        row's method. Empty (with the columns) when either table is empty.
    """
    cols = ["year", "method", "quantity", "reported", "computed", "difference"]
    if reported.empty or computed.empty:
        return pd.DataFrame(columns=cols)
    rep = reported[reported["method"].isna() | (reported["method"] == "reported")]
    rows = []
    for _, r in rep.iterrows():
        for _, c in computed[computed["year"] == r["year"]].iterrows():
            for q in ("winter_balance", "summer_balance", "annual_balance", "ela", "aar"):
                if pd.notna(r[q]) and pd.notna(c[q]):
                    rows.append({"year": int(r["year"]), "method": c["method"], "quantity": q,
                                 "reported": float(r[q]), "computed": float(c[q]),
                                 "difference": float(c[q]) - float(r[q])})  # fmt: skip
    return pd.DataFrame(rows, columns=cols)

"""Validation rules: Pandera schemas derived from the Table Schemas, plus the
cross-field and cross-table rules Table Schema cannot express.

:func:`pandera_schema` turns ``schemas/<sheet>.json`` into a
``pandera.DataFrameSchema`` (required → not nullable, minimum/maximum,
enum, pattern, maxLength, primary key uniqueness) so the contract is
written once.  The workbook rules of the one
registry (:mod:`mbpack.checks.registry`) add the glaciological rules,
each a vectorised test over a whole sheet that returns, per row, whether
the row passes; they run as Pandera dataframe checks.  Every rule has a
code, a severity (``error`` blocks archiving, ``warning`` is a
plausibility note) and a message naming the value and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbpack.checks.registry import (
    Rule,
    allowed_text,
    range_fields,
    register,
    rules,
    schema_message,
    template_fields,
)
from mbpack.checks.registry import severity as registered_severity
from mbpack.issues import Severity
from mbpack.params import DEFAULT, THRESHOLDS
from mbpack.workbook import schema
from mbpack.workbook.model import Workbook
from mbpack.workbook.surface import input_path, nearest_cell, spacing


@dataclass
class Context:
    """What the rules need to know of the whole workbook."""

    workbook: Workbook

    def table(self, sheet: str) -> pd.DataFrame:
        return self.workbook.tables[sheet]

    @cached_property
    def glacier(self) -> dict[str, Any]:
        return self.workbook.record("glacier")

    @cached_property
    def elevation_range(self) -> tuple[float, float] | None:
        """Lowest and highest glacier elevation [m]: glacier sheet, else hypsometry, else grid."""
        lo, hi = self.glacier.get("min_elevation"), self.glacier.get("max_elevation")
        if lo is not None and hi is not None:
            return float(lo), float(hi)
        hyps = self.table("hypsometry")
        if hyps["lower_elevation"].notna().any():
            return float(hyps["lower_elevation"].min()), float(hyps["upper_elevation"].max())
        grid = self.table("surface_grid")
        if grid["elevation"].notna().any():
            return float(grid["elevation"].min()), float(grid["elevation"].max())
        return None


Test = Callable[[pd.DataFrame, Context], "pd.Series[bool]"]


def rule(
    code: str,
    severity: Severity,
    sheet: str,
    column: str,
    message: str,
    *,
    params: tuple[str, ...] = (),
) -> Callable[[Test], Test]:
    """Register a workbook rule in :data:`mbpack.checks.registry.REGISTRY`; the decorated
    function's docstring is its description.

    Parameters
    ----------
    code
        Issue code of the rule's failures, e.g. ``date-order``.
    severity
        ``error`` (blocks archiving) or ``warning`` (a plausibility note).
    sheet
        The sheet the rule tests, e.g. ``stake_readings``.
    column
        The column a failure points to (its cell is the message's ``value``).
    message
        Message template, formatted with the fields of
        :func:`message_fields` of the failing row.
    params
        The thresholds the test reads, as ``Class.field`` of :mod:`mbpack.params`.

    Returns
    -------
    Callable
        A decorator that registers a :class:`~mbpack.checks.registry.Rule` with the test
        (its ``test(frame, context)`` returns True for the rows that pass) and returns the
        test unchanged.
    """

    def add(test: Test) -> Test:
        known = set(schema.field_names(sheet))
        named = [column] + [f for f in template_fields(message) if f in known and f != column]
        register(Rule(code, severity, "workbook", (sheet,), column, message, (test.__doc__ or "").strip(),
                      test, columns=tuple(dict.fromkeys(named)), params=params))  # fmt: skip
        return test

    return add


def workbook_rules(sheet: str | None = None) -> list[Rule]:
    """The registered workbook rules (of one sheet), in the order of registration."""
    return [r for r in rules("workbook") if sheet is None or r.sheet == sheet]


def _ok(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(True, index=frame.index)


# --- balance years -----------------------------------------------------------------------


@rule(
    "date-order",
    "error",
    "balance_years",
    "winter_end_date",
    "end of winter {value} is not between begin {begin_date} and end {end_date}",
)
def _winter_inside(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The end of winter lies between the begin and the end of the balance year."""
    ok = (df["winter_end_date"] > df["begin_date"]) & (df["winter_end_date"] < df["end_date"])
    return ok | df[["winter_end_date", "begin_date", "end_date"]].isna().any(axis=1)


@rule(
    "date-order",
    "error",
    "balance_years",
    "end_date",
    "end {value} is not after begin {begin_date}",
)
def _end_after_begin(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A balance year ends after it begins."""
    return (df["end_date"] > df["begin_date"]) | df[["end_date", "begin_date"]].isna().any(axis=1)


@rule(
    "year-mismatch",
    "error",
    "balance_years",
    "year",
    "balance year {value} does not end in {value} (end {end_date}); YEAR is the year the balance year ends",
)
def _year_is_end(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """YEAR is the calendar year in which the balance year ends (WGMS)."""
    ok = df["end_date"].dt.year == df["year"].astype("float64")
    return ok | df["end_date"].isna() | df["year"].isna()


@rule(
    "period-length",
    "warning",
    "balance_years",
    "end_date",
    "balance year {year} lasts {days} days ({begin_date} to {value}); expected 9 to 15 months",
    params=("Thresholds.year_days",),
)
def _year_length(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A balance year lasts 9 to 15 months."""
    days = (df["end_date"] - df["begin_date"]).dt.days
    return days.between(*THRESHOLDS.year_days) | days.isna()


@rule(
    "period-length",
    "warning",
    "balance_years",
    "winter_end_date",
    "winter of {year} lasts {winter_days} days ({begin_date} to {value}); expected 4 to 9 months",
    params=("Thresholds.winter_days",),
)
def _winter_length(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A winter lasts 4 to 9 months."""
    days = (df["winter_end_date"] - df["begin_date"]).dt.days
    return days.between(*THRESHOLDS.winter_days) | days.isna()


@rule(
    "years-overlap",
    "error",
    "balance_years",
    "begin_date",
    "balance year {year} begins {value}, before the previous one ends",
)
def _years_overlap(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Balance years do not overlap."""
    order = df.sort_values("begin_date")
    prev_end = order["end_date"].shift()
    ok = ~(order["begin_date"] < prev_end - pd.Timedelta(days=1))
    return ok.reindex(df.index)


# --- stakes ------------------------------------------------------------------------------


@rule(
    "elevation-outside",
    "warning",
    "stakes",
    "elevation",
    "stake {stake_id} at {value} m lies outside the glacier's elevation range {range}",
    params=("Thresholds.elevation_margin",),
)
def _stake_elevation(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Stake elevations lie inside the glacier's elevation range (±50 m)."""
    return _inside_range(df["elevation"], ctx)


def _inside_range(elevation: pd.Series, ctx: Context) -> pd.Series:
    rng = ctx.elevation_range
    if rng is None:
        return pd.Series(True, index=elevation.index)
    lo, hi = rng
    return (
        elevation.between(lo - THRESHOLDS.elevation_margin, hi + THRESHOLDS.elevation_margin)
        | elevation.isna()
    )


def _distance_km(lat: pd.Series, lon: pd.Series, lat0: float, lon0: float) -> pd.Series:
    """Great-circle distance [km] on a sphere of radius 6371 km (haversine)."""
    p1, p2 = np.radians(lat.astype(float)), np.radians(lat0)
    dlat = p1 - p2
    dlon = np.radians(lon.astype(float) - lon0)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return pd.Series(2 * 6371.0 * np.arcsin(np.sqrt(a)), index=lat.index)


def _near_glacier(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Points lie within 10 km of the glacier's latitude/longitude."""
    lat0, lon0 = ctx.glacier.get("latitude"), ctx.glacier.get("longitude")
    if lat0 is None or lon0 is None:
        return _ok(df)
    dist = _distance_km(df["latitude"], df["longitude"], float(lat0), float(lon0))
    return (dist <= THRESHOLDS.max_distance) | dist.isna()


for _sheet, _id in (("stakes", "stake_id"), ("snow_pits", "pit_id"), ("probes", "probe_id")):
    rule(
        "position-far",
        "warning",
        _sheet,
        "latitude",
        f"{{{_id}}} at {{value}}, {{longitude}} lies more than {THRESHOLDS.max_distance:g} km from the glacier "
        "(glacier sheet latitude/longitude)",
        params=("Thresholds.max_distance",),
    )(_near_glacier)


def _grid_distance(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Distance [m] from each point's x/y to the nearest cell of the glacier grid (NaN without either)."""
    grid = ctx.table("surface_grid").dropna(subset=["x", "y"])
    out = pd.Series(np.nan, index=df.index)
    ok = df["x"].notna() & df["y"].notna()
    if grid.empty or not ok.any():
        return out
    dist, _ = nearest_cell(grid["x"].to_numpy(float), grid["y"].to_numpy(float),
                           df.loc[ok, "x"].to_numpy(float), df.loc[ok, "y"].to_numpy(float))  # fmt: skip
    out.loc[ok] = dist
    return out


def _grid_spacing(ctx: Context) -> float:
    """The grid's larger cell side [m]; 0 without a measurable grid (``grid-spacing`` says so)."""
    grid = ctx.table("surface_grid").dropna(subset=["x", "y"])
    if grid.empty:
        return 0.0
    sides = (spacing(grid["x"].to_numpy(float)), spacing(grid["y"].to_numpy(float)))
    return 0.0 if any(math.isnan(s) for s in sides) else max(sides)


@rule(
    "off-glacier",
    "warning",
    "stakes",
    "x",
    "stake {stake_id} at x {value}, y {y} lies {distance} m from the glacier's surface grid",
    params=("Thresholds.off_grid_cells",),
)
def _on_glacier(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Points with x/y lie on the glacier's surface grid (within ``Thresholds.off_grid_cells`` cells)."""
    dist = _grid_distance(df, ctx)
    return ~(dist > THRESHOLDS.off_grid_cells * _grid_spacing(ctx))


for _sheet, _id in (("snow_pits", "pit_id"), ("probes", "probe_id")):
    rule("off-glacier", "warning", _sheet, "x",
         f"{{{_id}}} at x {{value}}, y {{y}} lies {{distance}} m from the glacier's surface grid",
         params=("Thresholds.off_grid_cells",))(_on_glacier)  # fmt: skip


@rule(
    "missing-position",
    "warning",
    "stakes",
    "x",
    "stake {stake_id} has no position (x/y or latitude/longitude)",
)
def _stake_position(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A stake has x/y or latitude/longitude."""
    return (df["x"].notna() & df["y"].notna()) | (df["latitude"].notna() & df["longitude"].notna())


# --- stake readings ----------------------------------------------------------------------


@rule(
    "unknown-stake",
    "error",
    "stake_readings",
    "stake_id",
    "stake {value!r} is not in the stakes sheet",
)
def _known_stake(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Every reading's stake exists in the stakes sheet (foreign key)."""
    known = set(ctx.table("stakes")["stake_id"].dropna())
    return df["stake_id"].isin(known) | df["stake_id"].isna()


@rule(
    "reading-outside-years",
    "warning",
    "stake_readings",
    "date",
    "reading of stake {stake_id} on {value} falls in no balance year of the balance_years sheet",
    params=("Parameters.date_tolerance",),
)
def _reading_in_year(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Readings fall inside a declared balance year (± ``Parameters.date_tolerance`` days)."""
    years = ctx.table("balance_years").dropna(subset=["begin_date", "end_date"])
    if years.empty:
        return _ok(df)
    tol = pd.Timedelta(days=DEFAULT.date_tolerance)
    years = years.sort_values("begin_date")
    begins = (years["begin_date"] - tol).to_numpy()
    # latest end among the years begun so far: a reading is inside if it is before that
    ends = (years["end_date"] + tol).cummax().to_numpy()
    dates = df["date"].to_numpy()
    last = np.searchsorted(begins, dates, side="right") - 1
    inside = (last >= 0) & (dates <= ends[np.clip(last, 0, None)])
    return pd.Series(inside, index=df.index) | df["date"].isna()


@rule(
    "unchained-redrill",
    "error",
    "stake_readings",
    "new_exposure",
    "{event} of stake {stake_id} on {date} has no new_exposure: record the exposure after the change "
    "so readings can be chained",
)
def _redrill_chained(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A re-drill or extension records the exposure before and after, so readings chain."""
    return ~df["event"].isin(["redrill", "extension"]) | df["new_exposure"].notna()


@rule(
    "missing-reading",
    "error",
    "stake_readings",
    "exposure",
    "reading of stake {stake_id} on {date} has neither exposure nor snow depth",
)
def _reading_has_value(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A reading has an exposure or a snow depth (a lost stake has neither)."""
    return (df["event"] == "lost") | df["exposure"].notna() | df["snow_depth"].notna()


@rule(
    "reading-after-lost",
    "warning",
    "stake_readings",
    "date",
    "stake {stake_id} is read on {value} after it was reported lost; give a re-drilled stake a new id "
    "or remove the lost event",
)
def _after_lost(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """No reading follows the loss of a stake."""
    lost = df.loc[df["event"] == "lost"].groupby("stake_id")["date"].min()
    if lost.empty:
        return _ok(df)
    when = df["stake_id"].map(lost)
    return ~(df["date"] > when) | when.isna()


@rule(
    "implausible-change",
    "warning",
    "stake_readings",
    "exposure",
    "exposure of stake {stake_id} changes from {previous} m to {value} m by {date}: {change} m in "
    "{days} days ({summer_days} of them in the ablation season) is beyond the {allowed} m a glacier "
    "surface can lower in that interval",
    params=(
        "Thresholds.max_daily_lowering",
        "Thresholds.max_annual_lowering",
        "Thresholds.max_raising",
        "Thresholds.summer_months",
    ),
)
def _plausible_change(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Exposure changes between consecutive readings are physically plausible for the interval's
    length and season (at most 0.15 m of lowering a day in the ablation season, 0.05 m in winter,
    12 m a year; at most 8 m of raising)."""
    return _exposure_changes(df, _latitude(ctx))["ok"]


def _latitude(ctx: Context) -> float:
    value = ctx.glacier.get("latitude")
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def summer_days(start: pd.Series, end: pd.Series, latitude: float = 0.0) -> pd.Series:
    """Days of each interval ``(start, end]`` that fall in the ablation season.

    Parameters
    ----------
    start, end
        Dates of the two readings.
    latitude
        Glacier latitude [degree]: south of the equator the season is
        shifted by six months (``THRESHOLDS.summer_months``).

    Returns
    -------
    pandas.Series
        Number of days [d] (float; NaN where a date is missing).

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2001-04-01", "2001-10-01"]))
    >>> e = pd.Series(pd.to_datetime(["2001-06-01", "2002-04-01"]))
    >>> summer_days(s, e).tolist(), summer_days(s, e, -30.0).tolist()
    ([32.0, 0.0], [0.0, 151.0])
    """
    months = set(THRESHOLDS.summer_months)
    if latitude < 0:
        months = {(m + 5) % 12 + 1 for m in months}
    a = pd.to_datetime(pd.Series(start)).reset_index(drop=True)
    b = pd.to_datetime(pd.Series(end)).reset_index(drop=True)
    known = a.notna() & b.notna()
    out = np.full(len(a), np.nan)
    if known.any():
        first, last = a[known].min(), b[known].max()
        first = min(first, last)
        calendar = pd.date_range(first, max(first, last), freq="D")
        # cumulative[k]: ablation-season days in (first, first + k days]
        cumulative = np.concatenate([[0], np.cumsum(np.isin(calendar.month[1:], list(months)))])
        i = (a[known] - first).dt.days.to_numpy()
        j = (b[known] - first).dt.days.to_numpy()
        out[known.to_numpy()] = np.where(j > i, cumulative[j] - cumulative[np.minimum(i, j)], 0)
    return pd.Series(out, index=pd.Series(start).index, dtype=float)


def _exposure_changes(df: pd.DataFrame, latitude: float = 0.0) -> pd.DataFrame:
    """Per reading: the exposure after the previous reading (chained), the change and its limit.

    The lowering allowed between two readings is ``a_s n_s + a_w n_w`` with
    ``n_s`` and ``n_w`` the interval's days in and out of the ablation
    season and ``(a_s, a_w)`` = ``THRESHOLDS.max_daily_lowering``, capped at
    ``max_annual_lowering`` per (started) year of the interval.
    """
    order = df.sort_values(["stake_id", "date"], kind="stable")
    after = order["new_exposure"].where(
        order["event"].isin(["redrill", "extension"]), order["exposure"]
    )
    previous = after.groupby(order["stake_id"]).shift()
    prev_date = order["date"].groupby(order["stake_id"]).shift()
    days = (order["date"] - prev_date).dt.days.clip(lower=1)
    change = order["exposure"] - previous  # + = surface lowered (more stake exposed)
    need = change.notna() & (change > 0)
    summer = pd.Series(np.nan, index=order.index)
    if need.any():
        summer[need] = summer_days(prev_date[need], order["date"][need], latitude)
    a_s, a_w = THRESHOLDS.max_daily_lowering
    years = np.ceil(days / 365.25).clip(lower=1)
    allowed = np.minimum(
        a_s * summer + a_w * (days - summer), THRESHOLDS.max_annual_lowering * years
    )
    ok = ~((need & (change > allowed)) | (-change > THRESHOLDS.max_raising))
    out = pd.DataFrame({"previous": previous, "change": change, "days": days, "summer": summer,
                        "allowed": allowed, "ok": ok | change.isna()})  # fmt: skip
    return out.reindex(df.index)


@rule(
    "buried-without-snow",
    "warning",
    "stake_readings",
    "exposure",
    "stake {stake_id} is buried (exposure {value} m) but no snow depth is given",
)
def _buried(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A buried stake (negative exposure) comes with a snow depth."""
    return ~(df["exposure"] < 0) | df["snow_depth"].notna()


@rule(
    "new-exposure-without-event",
    "warning",
    "stake_readings",
    "new_exposure",
    "new_exposure {value} m is given on a plain reading of stake {stake_id}; set event to redrill or extension",
)
def _new_exposure_event(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """new_exposure belongs to a re-drill or an extension."""
    return df["new_exposure"].isna() | df["event"].isin(["redrill", "extension"])


# --- snow pits ---------------------------------------------------------------------------


@rule(
    "layer-order",
    "error",
    "snow_pits",
    "bottom_depth",
    "layer of pit {pit_id} has its bottom {value} m not below its top {top_depth} m",
)
def _layer_order(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A layer's bottom lies below its top."""
    return (df["bottom_depth"] > df["top_depth"]) | df[["bottom_depth", "top_depth"]].isna().any(
        axis=1
    )


def _layer_neighbours(df: pd.DataFrame) -> pd.Series:
    order = df.sort_values(["pit_id", "date", "top_depth"], kind="stable")
    previous = order.groupby(["pit_id", "date"], dropna=False)["bottom_depth"].shift()
    return (order["top_depth"] - previous).reindex(df.index)


@rule(
    "layer-overlap",
    "error",
    "snow_pits",
    "top_depth",
    "layer of pit {pit_id} starts at {value} m, inside the layer above it",
    params=("Thresholds.layer_tolerance",),
)
def _layer_overlap(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Pit layers do not overlap."""
    gap = _layer_neighbours(df)
    return ~(gap < -THRESHOLDS.layer_tolerance)


@rule(
    "layer-gap",
    "warning",
    "snow_pits",
    "top_depth",
    "layer of pit {pit_id} starts at {value} m, leaving a gap below the layer above it",
    params=("Thresholds.layer_tolerance",),
)
def _layer_gap(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Pit layers are contiguous."""
    gap = _layer_neighbours(df)
    return ~(gap > THRESHOLDS.layer_tolerance)


@rule(
    "snow-density-high",
    "warning",
    "snow_pits",
    "density",
    "snow density {value} kg m-3 in pit {pit_id} is above {limit} kg m-3; is the layer firn or ice?",
    params=("Thresholds.max_snow_density",),
)
def _snow_density(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Snow is rarely denser than ``Thresholds.max_snow_density``."""
    return ~((df["layer"] == "snow") & (df["density"] > THRESHOLDS.max_snow_density))


@rule(
    "elevation-outside",
    "warning",
    "snow_pits",
    "elevation",
    "pit {pit_id} at {value} m lies outside the glacier's elevation range {range}",
    params=("Thresholds.elevation_margin",),
)
def _pit_elevation(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Pits lie inside the glacier's elevation range (±50 m)."""
    return _inside_range(df["elevation"], ctx)


@rule(
    "pit-inconsistent",
    "warning",
    "snow_pits",
    "elevation",
    "pit {pit_id} on {date} has different positions or elevations on its layer rows",
)
def _pit_consistent(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The rows of one pit give one position and elevation."""
    keys = [df["pit_id"], df["date"]]
    ok = pd.Series(True, index=df.index)
    for col in ("x", "y", "latitude", "longitude", "elevation"):
        spread = df[col].groupby(keys, dropna=False).transform(lambda s: s.max() - s.min())
        ok &= ~(spread > 1e-6)
    return ok


# --- hypsometry --------------------------------------------------------------------------


@rule(
    "band-order",
    "error",
    "hypsometry",
    "upper_elevation",
    "band upper elevation {value} m is not above its lower elevation {lower_elevation} m",
)
def _band_order(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A band's upper elevation is above its lower elevation."""
    return _bands_ordered(df)


def _bands_ordered(df: pd.DataFrame) -> pd.Series:
    return (df["upper_elevation"] > df["lower_elevation"]) | df[
        ["upper_elevation", "lower_elevation"]
    ].isna().any(axis=1)


def _band_gaps(df: pd.DataFrame) -> pd.Series:
    order = df.sort_values(["year", "lower_elevation"], kind="stable")
    previous = order.groupby("year")["upper_elevation"].shift()
    return (order["lower_elevation"] - previous).reindex(df.index)


@rule(
    "band-gap",
    "error",
    "hypsometry",
    "lower_elevation",
    "band of {year} starting at {value} m does not meet the band below it (gap of {gap} m)",
)
def _band_contiguous(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The bands of one survey year are contiguous."""
    return ~(_band_gaps(df) > 1e-6)


@rule(
    "band-overlap",
    "error",
    "hypsometry",
    "lower_elevation",
    "band of {year} starting at {value} m overlaps the band below it",
)
def _band_overlap(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The bands of one survey year do not overlap."""
    return ~(_band_gaps(df) < -1e-6)


@rule(
    "area-mismatch",
    "warning",
    "hypsometry",
    "area",
    "bands of {year} sum to {total} km², not the glacier area {glacier_area} km² (glacier sheet) within {tolerance}",
    params=("Thresholds.band_area_tolerance",),
)
def _area_sum(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The bands of the latest survey sum to the glacier area within ``Thresholds.band_area_tolerance``."""
    area = ctx.glacier.get("area")
    if area is None or df.empty or df["year"].isna().all():
        return _ok(df)
    latest = df["year"].max()
    total = df.loc[df["year"] == latest, "area"].sum()
    bad = abs(total - float(area)) > THRESHOLDS.band_area_tolerance * float(area)
    ok = pd.Series(True, index=df.index)
    if bad:
        first = df.loc[df["year"] == latest].index[0]
        ok.loc[first] = False
    return ok


def _first_of_years(df: pd.DataFrame, bad_years: Any) -> pd.Series:
    """False at the first row of each year in ``bad_years``, True elsewhere."""
    ok = _ok(df)
    for year in bad_years:
        ok.loc[df.index[df["year"] == year][0]] = False
    return ok


@rule(
    "no-area",
    "error",
    "hypsometry",
    "area",
    "the bands of {year} sum to {value} km²: the glacier has no area that year; give the band areas",
)
def _survey_has_area(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The bands of a survey year have a positive total area (a year of zero area is no survey)."""
    known = df.dropna(subset=["year", "area"])
    totals = known.groupby("year")["area"].sum()
    return _first_of_years(df, totals.index[~(totals > 0)])


@rule(
    "grid-spacing",
    "error",
    "surface_grid",
    "x",
    "the surface grid of {year} is one cell across or along (first cell x {value}, y {y}): "
    "its cell size cannot be measured; give every cell of the glacier",
)
def _grid_has_spacing(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A survey year's grid has two or more distinct x and y (its cell size is their step)."""
    known = df.dropna(subset=["year", "x", "y"])
    distinct = known.groupby("year")[["x", "y"]].nunique()
    return _first_of_years(df, distinct.index[(distinct < 2).any(axis=1)])


# --- surfaces ------------------------------------------------------------------------------


def _paths_inside(df: pd.DataFrame, ctx: Context, column: str) -> pd.Series:
    base = ctx.workbook.path.parent if ctx.workbook.path is not None else Path(".")
    ok = pd.Series(True, index=df.index)
    for index, text in df[column].items():
        if isinstance(text, str) and text.strip():
            try:
                input_path(base, text)
            except ValueError:
                ok.loc[index] = False
    return ok


@rule("unsafe-path", "error", "surfaces", "dem",
      "dem {value} must name a regular file inside the workbook's folder (no URL, no absolute "
      "path, no ../)")  # fmt: skip
def _dem_inside(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The DEM of a survey names a regular file inside the workbook's folder: no URL or GDAL
    virtual file system (mbpack makes no network requests), no absolute path, nothing outside
    the folder, no FIFO or device."""
    return _paths_inside(df, ctx, "dem")


@rule("unsafe-path", "error", "surfaces", "outline",
      "outline {value} must name a regular file inside the workbook's folder (no URL, no "
      "absolute path, no ../)")  # fmt: skip
def _outline_inside(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The outline of a survey names a regular file inside the workbook's folder (as the DEM)."""
    return _paths_inside(df, ctx, "outline")


# --- results -----------------------------------------------------------------------------


def _balance_sum(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """B_a = B_w + B_s within 1.5 kg m-2."""
    total = df["winter_balance"] + df["summer_balance"]
    return ~((df["annual_balance"] - total).abs() > THRESHOLDS.balance_sum_tolerance)


def _winter_positive(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The winter balance is not negative (plausibility)."""
    return ~(df["winter_balance"] < 0)


def _summer_negative(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The summer balance is not positive (plausibility)."""
    return ~(df["summer_balance"] > 0)


for _sheet in ("glacier_balance", "band_balance"):
    rule(
        "balance-sum",
        "error",
        _sheet,
        "annual_balance",
        "annual balance {value} is not winter {winter_balance} + summer {summer_balance} "
        f"(tolerance {THRESHOLDS.balance_sum_tolerance} kg m-2)",
        params=("Thresholds.balance_sum_tolerance",),
    )(_balance_sum)
    rule(
        "winter-negative",
        "warning",
        _sheet,
        "winter_balance",
        "winter balance {value} kg m-2 is negative",
    )(_winter_positive)
    rule(
        "summer-positive",
        "warning",
        _sheet,
        "summer_balance",
        "summer balance {value} kg m-2 is positive",
    )(_summer_negative)


@rule(
    "ela-outside",
    "warning",
    "glacier_balance",
    "ela",
    "ELA {value} m lies outside the glacier's elevation range {range} without ela_position '<' or '>'",
)
def _ela_inside(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """The ELA lies within the glacier's elevation range unless ela_position says otherwise."""
    rng = ctx.elevation_range
    if rng is None:
        return _ok(df)
    inside = df["ela"].between(rng[0] - 1e-6, rng[1] + 1e-6) | df["ela"].isna()
    return inside | df["ela_position"].isin(["<", ">"])


@rule(
    "band-order",
    "error",
    "band_balance",
    "upper_elevation",
    "band upper elevation {value} m is not above its lower elevation {lower_elevation} m",
)
def _bb_order(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A band's upper elevation is above its lower elevation."""
    return _bands_ordered(df)


@rule(
    "period-order",
    "error",
    "point_balance",
    "to_date",
    "period of {point_id} ends {value}, not after it begins {from_date}",
)
def _pb_period(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A point balance's period ends after it begins."""
    return (df["to_date"] > df["from_date"]) | df[["to_date", "from_date"]].isna().any(axis=1)


@rule(
    "code-period",
    "warning",
    "point_balance",
    "balance_code",
    "{value} balance of {point_id} covers {days} days ({from_date} to {to_date}); "
    "expected 9-15 months for annual, 4-9 for winter",
    params=(
        "Thresholds.year_days",
        "Thresholds.winter_days",
    ),
)
def _pb_code(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """A point balance's code agrees with its period."""
    days = (df["to_date"] - df["from_date"]).dt.days
    annual = (df["balance_code"] == "annual") & ~days.between(*THRESHOLDS.year_days)
    winter = (df["balance_code"] == "winter") & ~days.between(*THRESHOLDS.winter_days)
    return ~(annual | winter) | days.isna()


@rule(
    "elevation-outside",
    "warning",
    "point_balance",
    "elevation",
    "point {point_id} at {value} m lies outside the glacier's elevation range {range}",
    params=("Thresholds.elevation_margin",),
)
def _pb_elevation(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Point balances lie inside the glacier's elevation range (±50 m)."""
    return _inside_range(df["elevation"], ctx)


def message_fields(rule_: Rule, df: pd.DataFrame, index: Any, ctx: Context) -> dict[str, Any]:
    """Values a rule's message may name, for one row.

    Parameters
    ----------
    rule_
        The rule that failed.
    df
        The rule's sheet.
    index
        Label of the failing row in ``df``.
    ctx
        The workbook context (glacier elevation range and sheets).

    Returns
    -------
    dict
        Every column of the row as shown to the user; ``value`` (the cell
        in the rule's column), ``range`` (the glacier's elevation range
        [m], or ``unknown``), ``limit`` (the largest plausible snow density
        [kg m-3]) and ``tolerance`` (the band-area tolerance, in per
        cent); and by sheet or rule: ``days`` (length of the balance year,
        or of the point balance's period) and, for balance years,
        ``winter_days`` [days] (``?`` without both dates);
        ``previous`` (the chained previous exposure [m]), ``change`` [m],
        ``days``, ``summer_days`` [d] and ``allowed`` [m] for ``implausible-change``; ``gap`` [m]
        for ``band-gap``; ``distance`` [m] for ``off-glacier``; ``total``
        (the year's band areas summed) and ``glacier_area`` [km2] for
        ``area-mismatch``.
    """
    from mbpack.issues import plain, shown

    row = {k: shown(df.at[index, k]) for k in df.columns}
    rng = ctx.elevation_range
    row["range"] = f"{rng[0]:g}-{rng[1]:g} m" if rng else "unknown"
    row["limit"] = THRESHOLDS.max_snow_density
    row["tolerance"] = f"{THRESHOLDS.band_area_tolerance:.0%}"
    row["value"] = shown(df.at[index, rule_.column])
    if rule_.sheet == "balance_years":
        b, e, w = (
            df.at[index, "begin_date"],
            df.at[index, "end_date"],
            df.at[index, "winter_end_date"],
        )
        row["days"] = (e - b).days if pd.notna(b) and pd.notna(e) else "?"
        row["winter_days"] = (w - b).days if pd.notna(b) and pd.notna(w) else "?"
    if rule_.sheet == "point_balance":
        b, e = df.at[index, "from_date"], df.at[index, "to_date"]
        row["days"] = (e - b).days if pd.notna(b) and pd.notna(e) else "?"
    if rule_.code == "implausible-change":
        ch = _exposure_changes(df, _latitude(ctx)).loc[index]
        row["previous"] = plain(ch["previous"])
        row["change"] = f"{ch['change']:.2f}"
        row["days"] = f"{ch['days']:.0f}"
        row["summer_days"] = "?" if pd.isna(ch["summer"]) else f"{ch['summer']:.0f}"
        row["allowed"] = "?" if pd.isna(ch["allowed"]) else f"{ch['allowed']:.2f}"
    if rule_.code in {"band-gap"}:
        row["gap"] = f"{_band_gaps(df).loc[index]:g}"
    if rule_.code == "off-glacier":
        row["distance"] = f"{_grid_distance(df, ctx).loc[index]:.0f}"
    if rule_.code == "area-mismatch":
        year = df.at[index, "year"]
        row["total"] = f"{df.loc[df['year'] == year, 'area'].sum():.4g}"
        row["glacier_area"] = ctx.glacier.get("area")
    return row


# --- Pandera -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInfo:
    """What a Pandera check failure means: code, severity, column and message maker."""

    code: str
    severity: str
    column: str | None
    describe: Callable[[Any], str]
    rule: Rule | None = None


def _template(text: str) -> Callable[[Any], str]:
    """A message maker: ``text`` formatted with the failing value as ``v``."""
    return lambda value: text.format(v=value)


def _schema_text(
    code: str,
    column: str,
    make: Callable[[Any], dict[str, Any]] | None = None,
    **constant: Any,
) -> Callable[[Any], str]:
    """A message maker for a Table Schema constraint of ``column``: the registry's template of
    ``code`` (:func:`mbpack.checks.registry.schema_message`) with the failing value's fields
    (``make(value)``, else just the value) and the constraint's ``constant`` ones."""

    def describe(value: Any) -> str:
        fields = make(value) if make is not None else {"value": value}
        return schema_message(code, column=column, **fields, **constant)

    return describe


def pandera_schema(sheet: str, ctx: Context) -> tuple[Any, dict[str, CheckInfo]]:
    """Pandera schema of a sheet, derived from its Table Schema, with the sheet's rules.

    Returns the ``DataFrameSchema`` and a map from each check's error key to
    what its failures mean.  Columns are already typed by the reader, so
    dtypes are not coerced here (a failed coercion would turn later checks
    into check errors).

    Parameters
    ----------
    sheet
        Name of the sheet and of its Table Schema ``schemas/<sheet>.json``.
    ctx
        The workbook context the sheet's rules (:func:`workbook_rules`) are run with.

    Returns
    -------
    tuple
        The ``pandera.DataFrameSchema``: a column check per ``minimum``,
        ``maximum``, ``enum``, ``pattern`` and ``maxLength`` constraint,
        columns nullable unless required, a dataframe check per rule of the
        sheet and uniqueness of the primary key. And a dict from each
        check's error key (``sheet:column:code:n``) to its
        :class:`CheckInfo`, with entries for the ``missing-value`` of every
        field and the ``duplicate-key`` of a primary key.
    """
    import pandera.pandas as pa

    desc = schema.load_schema(sheet)
    info: dict[str, CheckInfo] = {}
    columns: dict[str, Any] = {}

    def key(
        code: str,
        column: str | None,
        describe: Callable[[Any], str],
        rule_: Rule | None = None,
    ) -> str:
        k = f"{sheet}:{column}:{code}:{len(info)}"
        level = rule_.severity if rule_ is not None else registered_severity(code, "schema")
        info[k] = CheckInfo(code, level, column, describe, rule_)
        return k

    for f in desc["fields"]:
        name, cons, unit = f["name"], f.get("constraints", {}), f.get("unit")
        checks = []
        # every message is the registry's template of its constraint (schema_message)
        if "minimum" in cons:
            lo = cons["minimum"]
            below = partial(range_fields, limit=lo, unit=unit, above=False)
            text = _schema_text("out-of-range", name, below)
            checks.append(pa.Check.ge(lo, error=key("out-of-range", name, text)))
        if "maximum" in cons:
            hi = cons["maximum"]
            above = partial(range_fields, limit=hi, unit=unit, above=True)
            text = _schema_text("out-of-range", name, above)
            checks.append(pa.Check.le(hi, error=key("out-of-range", name, text)))
        if "enum" in cons:
            enum = cons["enum"]
            text = _schema_text("not-in-enum", name, allowed=allowed_text(enum))
            checks.append(pa.Check.isin(enum, error=key("not-in-enum", name, text)))
        if "pattern" in cons:
            pattern = cons["pattern"]
            text = _schema_text("pattern", name, pattern=pattern)
            checks.append(pa.Check.str_matches(pattern, error=key("pattern", name, text)))
        if "maxLength" in cons:
            ml = cons["maxLength"]
            text = _schema_text("too-long", name, max_length=ml)
            checks.append(pa.Check.str_length(max_value=ml, error=key("too-long", name, text)))
        key("missing-value", name, _schema_text("missing-value", name))
        columns[name] = pa.Column(
            checks=checks, nullable=not cons.get("required", False), required=False
        )
    frame_checks = []
    for r in workbook_rules(sheet):
        frame_checks.append(
            pa.Check(
                lambda df, r=r: r.test(df, ctx),
                error=key(r.code, r.column, _template(r.message), r),
            )
        )
    pk = desc.get("primaryKey")
    if pk:
        key("duplicate-key", None, lambda k: schema_message("duplicate-key", key=k))
    return pa.DataFrameSchema(
        columns, checks=frame_checks, unique=pk, report_duplicates="exclude_first", name=sheet
    ), info

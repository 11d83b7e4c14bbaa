"""Point balances from stake readings, snow pits and probes.

One row per point and period, in the columns of ``schemas/point_balance.json``
(balances [kg m-2], densities [kg m-3], elevation [m]).

Notes
-----
Readings of a stake are *chained* through re-drills and extensions: each
reading gets a continuous exposure ``c = exposure + offset``, the offset
growing by ``exposure - new_exposure`` at every re-drill or extension, so
that exposure differences never cross a change of the stake's top.

At the end of a balance year, with the exposure change since the last
summer surface ``E = c1 - c0`` [m] (positive: the surface lowered), snow or
firn left above the old summer surface ``d1`` [m] and superimposed ice
``s1`` [m], the ice lost below the old summer surface is
``L = E + d1 + s1`` and (Kaser et al. 2003; Cogley et al. 2011)

.. math::

    b_a = -\\rho_l \\max(L, 0) + \\rho_i s_1 + \\rho_f (d_1 + \\max(-L, 0)),

that is, ``b = Σ ρ_k Δh_k`` over the ice, superimposed ice and firn layers,
with ``ρ_l`` the ice density, or the firn density where the old summer
surface was firn.
A raising not explained by recorded snow (``L < 0``) is counted as firn.
Winter balance is ``b_w = SWE(d_w)``, the snow water equivalent of the
snow depth at the end of winter through the nearest pit's density profile,
and ``b_s = b_a - b_w``.

References
----------
Cogley, J. G. et al. (2011). Glossary of Glacier Mass Balance and Related
Terms. IHP-VII Technical Documents in Hydrology No. 86, UNESCO-IHP, Paris.
Kaser, G., Fountain, A. and Jansson, P. (2003). A manual for monitoring the
mass balance of mountain glaciers. IHP-VI Technical Documents in Hydrology
No. 59, UNESCO, Paris.
Østrem, G. and Brugman, M. (1991). Glacier mass-balance measurements: a
manual for field and office work. NHRI Science Report 4, Environment Canada.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mbpack.issues import Issue
from mbpack.params import DEFAULT, Parameters
from mbpack.workbook.model import Workbook

#: Order of events on one date: the reading comes before a re-drill.
EVENT_ORDER = {"reading": 0, "redrill": 1, "extension": 1, "lost": 2}

COLUMNS = [
    "point_id", "year", "from_date", "to_date", "balance_code", "balance", "balance_unc", "density",
    "density_unc", "elevation", "x", "y", "latitude", "longitude", "source", "remarks",
]  # fmt: skip


@dataclass(frozen=True)
class DensityProfile:
    """A density profile: cumulative mass against depth, from one pit.

    Attributes
    ----------
    depth
        Layer boundaries from the surface down [m], starting at 0.
    mass
        Cumulative mass above each boundary [kg m-2].
    tail_density
        Density used below the deepest layer: the mean of the lowest two
        layers [kg m-3].
    """

    depth: np.ndarray
    mass: np.ndarray
    tail_density: float

    def swe(self, depth: float) -> float:
        """Water equivalent of the snow down to ``depth`` [m], in [kg m-2].

        Linear inside the profile; below it, the tail density.

        >>> p = DensityProfile(np.array([0.0, 0.5, 1.5]), np.array([0.0, 150.0, 550.0]), 400.0)
        >>> p.swe(1.0), p.swe(2.0)
        (350.0, 750.0)
        """
        if depth <= self.depth[-1]:
            return float(np.interp(depth, self.depth, self.mass))
        return float(self.mass[-1] + (depth - self.depth[-1]) * self.tail_density)


def pit_profile(layers: pd.DataFrame) -> DensityProfile:
    """The cumulative mass-depth profile of one pit's layers.

    Parameters
    ----------
    layers
        Rows of ``snow_pits`` of one pit and date: ``top_depth``,
        ``bottom_depth`` [m] and ``density`` [kg m-3].

    Returns
    -------
    DensityProfile
        ``M(D) = Σ ρ_k h_k`` [kg m-2] down to each layer boundary, and the
        mean density of the lowest two layers for depths below the pit.

    Examples
    --------
    >>> layers = pd.DataFrame({"top_depth": [0.5, 0.0], "bottom_depth": [1.0, 0.5],
    ...                        "density": [400.0, 200.0]})
    >>> pit_profile(layers).mass.tolist()
    [0.0, 100.0, 300.0]
    """
    layers = layers.sort_values("top_depth")
    thickness = (layers["bottom_depth"] - layers["top_depth"]).to_numpy(dtype=float)
    density = layers["density"].to_numpy(dtype=float)
    depth = np.concatenate([[0.0], layers["bottom_depth"].to_numpy(dtype=float)])
    mass = np.concatenate([[0.0], np.cumsum(thickness * density)])
    return DensityProfile(depth, mass, float(np.mean(density[-2:])))


@dataclass
class Pit:
    pit_id: str
    date: pd.Timestamp
    profile: DensityProfile
    elevation: float
    x: float
    y: float


def _pits(wb: Workbook) -> list[Pit]:
    pits = wb["snow_pits"].dropna(subset=["pit_id", "date", "top_depth", "bottom_depth", "density"])
    out = []
    for (pit_id, date), layers in pits.groupby(["pit_id", "date"], sort=True):
        first = layers.iloc[0]
        out.append(
            Pit(str(pit_id), pd.Timestamp(date), pit_profile(layers), _f(first["elevation"]),
                _f(first["x"]), _f(first["y"]))
        )  # fmt: skip
    return out


def _f(value: Any) -> float:
    return float(value) if value is not None and not pd.isna(value) else math.nan


def nearest_pit(pits: list[Pit], date: pd.Timestamp, x: float, y: float, elevation: float,
                window: int) -> Pit | None:  # fmt: skip
    """The pit dug within ``window`` days of ``date`` nearest to the point.

    Nearest horizontally when both have x/y, else by elevation.

    Parameters
    ----------
    pits
        Candidate pits, each with its date, density profile, elevation and
        x/y.
    date
        Date of the survey the point belongs to.
    x, y
        Projected coordinates of the point [m]; NaN when unknown.
    elevation
        Elevation of the point [m]; NaN when unknown.
    window
        Largest difference between the pit's date and ``date`` [days].

    Returns
    -------
    Pit or None
        The pit at the smallest distance [m] (horizontal when the point and
        the pit both have x/y, else the elevation difference), the one
        nearest in date among equally distant ones; a pit with neither
        distance counts as infinitely far. None when no pit lies within the
        window.
    """
    best, best_key = None, (math.inf, math.inf)
    for pit in pits:
        days = abs((pit.date - date).days)
        if days > window:
            continue
        if not math.isnan(x + y + pit.x + pit.y):
            dist = math.hypot(pit.x - x, pit.y - y)
        elif not math.isnan(elevation + pit.elevation):
            dist = abs(pit.elevation - elevation)
        else:
            dist = math.inf
        key = (dist, days)
        if best is None or key < best_key:
            best, best_key = pit, key
    return best


@dataclass(frozen=True)
class Year:
    """Dates of one balance year."""

    year: int
    begin: pd.Timestamp
    winter_end: pd.Timestamp | None
    end: pd.Timestamp


def balance_years(wb: Workbook) -> list[Year]:
    """The balance years of the workbook, in order of their begin dates.

    Parameters
    ----------
    wb
        The workbook (its ``balance_years`` sheet).

    Returns
    -------
    list of Year
        One per row that has a year, a begin date and an end date (rows
        lacking one are left out); ``winter_end`` is None where the end of
        winter is blank.
    """
    years = wb["balance_years"].dropna(subset=["year", "begin_date", "end_date"])
    return [
        Year(int(r.year), pd.Timestamp(r.begin_date),
             None if pd.isna(r.winter_end_date) else pd.Timestamp(r.winter_end_date), pd.Timestamp(r.end_date))
        for r in years.sort_values("begin_date").itertuples()
    ]  # fmt: skip


def year_of(years: list[Year], date: pd.Timestamp, tolerance: int) -> Year | None:
    """The balance year a date belongs to (end dates within tolerance count for the year ending).

    Parameters
    ----------
    years
        The balance years (:func:`balance_years`), in order of begin date.
    date
        The date to place.
    tolerance
        How far a date may lie outside a year's begin and end [days].

    Returns
    -------
    Year or None
        The first year with ``begin + tolerance < date <= end + tolerance``,
        so that a date just after a year's end counts for the year ending
        rather than the one beginning; else the first year with
        ``begin - tolerance <= date <= end + tolerance``; else None.
    """
    tol = pd.Timedelta(days=tolerance)
    for y in years:
        if y.begin + tol < date <= y.end + tol:
            return y
    for y in years:
        if y.begin - tol <= date <= y.end + tol:
            return y
    return None


def chain(readings: pd.DataFrame) -> pd.DataFrame:
    """One stake's readings in order, with the continuous exposure ``c`` [m].

    Parameters
    ----------
    readings
        Rows of ``stake_readings`` of one stake.

    Returns
    -------
    pandas.DataFrame
        The readings sorted by date (a reading before a re-drill or
        extension of the same date, a loss last), with ``c``: the exposure
        the stake would show had its top never changed [m], and
        ``segment``: readings of one segment can be differenced.

    Notes
    -----
    At a re-drill or extension with exposure ``h`` before and ``h'`` after,
    the offset added to later exposures grows by ``h - h'``, so that
    ``c`` is continuous across the change and a difference never spans
    it. When ``h`` or ``h'`` is missing the chain is broken: later
    readings start a new segment. After a loss ``c`` is NaN.

    Examples
    --------
    >>> r = pd.DataFrame({"date": pd.to_datetime(["2001-01-01", "2001-01-01", "2001-02-01"]),
    ...                   "exposure": [3.0, 3.0, 1.5], "new_exposure": [1.0, None, None],
    ...                   "event": ["redrill", "reading", "reading"]})
    >>> chain(r)[["c", "segment"]].values.tolist()
    [[3.0, 0.0], [3.0, 0.0], [3.5, 0.0]]
    """
    order = readings.assign(_o=readings["event"].map(EVENT_ORDER).fillna(0))
    order = order.sort_values(["date", "_o"], kind="stable").drop(columns="_o")
    offset, segment, lost = 0.0, 0, False
    cont, segments = [], []
    for exposure, event, new in zip(
        order["exposure"], order["event"], order["new_exposure"], strict=True
    ):
        cont.append(math.nan if lost or pd.isna(exposure) else float(exposure) + offset)
        segments.append(segment)
        if event in ("redrill", "extension"):
            if pd.isna(exposure) or pd.isna(new):
                segment, offset = segment + 1, 0.0
            else:
                offset += float(exposure) - float(new)
        if event == "lost":
            lost = True
    return order.assign(c=cont, segment=segments).reset_index(drop=True)


def _nearest(rows: pd.DataFrame, date: pd.Timestamp, tolerance: int) -> pd.Series | None:
    """The row dated nearest to ``date``, if within ``tolerance`` days (first of ties)."""
    if rows.empty:
        return None
    days = (rows["date"] - date).abs().dt.days
    best = days.idxmin()
    return rows.loc[best] if days.loc[best] <= tolerance else None


def annual_stake_balance(E: float, snow: float, superimposed: float, firn_density: float,
                         params: Parameters = DEFAULT, loss_density: float | None = None,
                         ) -> tuple[float, float, float]:  # fmt: skip
    """Annual balance at a stake from the chained exposure change.

    Parameters
    ----------
    E
        Exposure change since the last summer surface [m]; positive when
        the surface lowered.
    snow
        Snow and firn left above the old summer surface [m].
    superimposed
        Superimposed ice formed on the old summer surface [m].
    firn_density
        Density of the snow and firn left [kg m-3].
    params
        ``ice_density`` [kg m-3] of ice lost and of superimposed ice.
    loss_density
        Density of what was lost below the old summer surface [kg m-3]:
        ``params.ice_density`` (default) when it was ice, the firn density
        when the old summer surface was firn.

    Returns
    -------
    tuple of float
        Balance [kg m-2], thickness lost below the old summer surface [m],
        snow or firn kept above it [m].

    Notes
    -----
    With ``L = E + d + s`` the thickness lost below the old summer surface
    (``d`` snow/firn and ``s`` superimposed ice on top of it),

    .. math::

        b_a = -\\rho_l \\max(L, 0) + \\rho_i s + \\rho_f (d + \\max(-L, 0)),

    i.e. ``b = Σ ρ_k Δh_k`` over the layers (Cogley et al. 2011; Kaser et
    al. 2003). A raising not explained by recorded snow (``L < 0``) counts
    as firn.

    Examples
    --------
    1.5 m of ice melt, nothing left on top:

    >>> annual_stake_balance(1.5, 0.0, 0.0, 600.0)
    (-1350.0, 1.5, 0.0)

    0.4 m of firn left, no ice melt (the stake shows 0.4 m less):

    >>> annual_stake_balance(-0.4, 0.4, 0.0, 600.0)
    (240.0, 0.0, 0.4)
    """
    rho_loss = params.ice_density if loss_density is None else loss_density
    lost = E + snow + superimposed
    ice_lost = max(lost, 0.0)
    kept = snow + max(-lost, 0.0)
    balance = -rho_loss * ice_lost + params.ice_density * superimposed + firn_density * kept
    return balance, ice_lost, kept


def _row(point_id: str, year: int, start: pd.Timestamp, end: pd.Timestamp, code: str, balance: float,
         unc: float, density: float, density_unc: float, where: dict[str, float], source: str,
         remarks: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "point_id": point_id, "year": year, "from_date": start, "to_date": end, "balance_code": code,
        "balance": balance, "balance_unc": unc, "density": density, "density_unc": density_unc,
        "elevation": where.get("elevation", math.nan), "x": where.get("x", math.nan),
        "y": where.get("y", math.nan), "latitude": where.get("latitude", math.nan),
        "longitude": where.get("longitude", math.nan), "source": source, "remarks": remarks,
    }  # fmt: skip


def _snow_swe(
    depth: float, pit: Pit | None, default: float, params: Parameters
) -> tuple[float, float, float]:
    """SWE [kg m-2], density used [kg m-3] and its relative error [1] of a snow depth [m]."""
    if depth <= 0:
        return 0.0, default, params.estimated_density_error
    if pit is not None:
        swe = pit.profile.swe(depth)
        return swe, swe / depth, params.measured_density_error
    return default * depth, default, params.estimated_density_error


def _issue(wb: Workbook, code: str, message: str, index: Any, column: str, year: int | None,
           value: Any) -> Issue:  # fmt: skip
    """An issue addressed to a cell of ``stake_readings`` (row known when read from a file)."""
    from openpyxl.utils import get_column_letter

    sheet = "stake_readings"
    row, col = wb.locate(sheet, index, column)
    cell = f"{wb.sheet_name(sheet)}!{get_column_letter(col)}{row}" if row and col else None
    return Issue(code, "warning", message, sheet=wb.sheet_name(sheet), row=row, column=column,
                 cell=cell, value=value, year=year)  # fmt: skip


def _where(stakes: pd.DataFrame, stake_id: str) -> dict[str, float]:
    if stake_id not in stakes.index:
        return {k: math.nan for k in ("elevation", "x", "y", "latitude", "longitude")}
    return {k: _f(stakes.at[stake_id, k]) for k in ("elevation", "x", "y", "latitude", "longitude")}


def _value(row: pd.Series, column: str) -> float:
    return 0.0 if pd.isna(row[column]) else float(row[column])


def _surfaces(chained: pd.DataFrame) -> dict[pd.Timestamp, str]:
    """The surface recorded at each date of a stake's readings (first of the date)."""
    known = chained.dropna(subset=["surface"])
    return {pd.Timestamp(d): str(v) for d, v in known.groupby("date")["surface"].first().items()}


def stake_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Winter, summer and annual balances at every stake for every balance year.

    Parameters
    ----------
    wb
        The workbook: ``stakes``, ``stake_readings``, ``balance_years`` and
        ``snow_pits`` (densities).
    params
        Densities, errors, ``date_tolerance`` and ``pit_window``.

    Returns
    -------
    tuple
        The point balances (columns of ``schemas/point_balance.json``) and
        the issues, each naming the stake, the year and the reading.

    Notes
    -----
    For each balance year (t0, tw, t1) the readings nearest to those dates
    within ``date_tolerance`` days are used (r0, rw, r1):

    * winter: ``b_w = SWE(d_w)``, the snow depth ``d_w`` at rw through the
      density profile of the nearest pit of that survey (default snow
      density without one). A stake with no snow depth at rw gives
      ``d_w`` from its exposure drop since r0 (no winter melt assumed).
      A buried stake (negative exposure) needs only its snow depth.
    * annual: :func:`annual_stake_balance` of the chained exposure change
      ``E = c(r1) - c(r0)``; what is lost below the old summer surface is
      ice, or firn when the surface at r0 was firn or snow; snow or firn
      left at r1 counts at the density of the nearest pit of that survey
      (``firn_density`` without one). A stake buried at r1 (no exposure,
      a snow depth) is taken to have lost nothing below the summer surface.
    * summer: ``b_s = b_a - b_w`` over (rw, r1).
    * a lost stake gives no annual balance from the year of its loss on,
      and an issue.

    Uncertainty: two readings (``√2 ρ σ_h``), the density errors of the
    layers, the depth error of snow and firn and, for readings away from
    the year's dates, the balance rate times the days off (Zemp et al.
    2013, doi:10.5194/tc-7-1227-2013).
    """
    years = balance_years(wb)
    pits = _pits(wb)
    stakes = wb["stakes"].dropna(subset=["stake_id"]).drop_duplicates("stake_id")
    stakes = stakes.set_index("stake_id")
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    readings = wb["stake_readings"].dropna(subset=["stake_id", "date"])
    tol = params.date_tolerance
    for stake_id, group in readings.groupby("stake_id", sort=True):
        sid = str(stake_id)
        where = _where(stakes, sid)
        chained = chain(group.assign(_index=group.index))
        surfaces = _surfaces(chained)
        lost_rows = chained[chained["event"] == "lost"]
        lost_at = lost_rows["date"].min() if len(lost_rows) else None
        alive = chained[chained["event"] != "lost"]
        usable = alive.dropna(subset=["c"])
        for y in years:
            if lost_at is not None and lost_at <= y.begin:
                continue
            r0 = _nearest(usable, y.begin, tol)
            rw = None
            if y.winter_end is not None and r0 is not None:
                later = alive[(alive["date"] > r0["date"]) & (alive["date"] < y.end)]
                rw = _nearest(later.dropna(subset=["snow_depth"]), y.winter_end, tol)
                if rw is None:
                    rw = _nearest(later[later["segment"] == r0["segment"]].dropna(subset=["c"]),
                                  y.winter_end, tol)  # fmt: skip
            b_w = w_unc = math.nan
            if rw is not None and r0 is not None:
                if pd.notna(rw["snow_depth"]):
                    depth, remark = float(rw["snow_depth"]), None
                else:
                    depth = max(float(r0["c"]) - float(rw["c"]), 0.0)
                    remark = "snow depth from the exposure drop (no winter melt assumed)"
                pit = nearest_pit(pits, rw["date"], where["x"], where["y"], where["elevation"],
                                  params.pit_window)  # fmt: skip
                b_w, rho, eps = _snow_swe(depth, pit, params.snow_density, params)
                w_unc = math.hypot(rho * params.depth_error, b_w * eps)
                note = f"density from pit {pit.pit_id}" if pit else "default snow density"
                rows.append(_row(sid, y.year, r0["date"], rw["date"], "winter", b_w, w_unc, rho, rho * eps,
                                 where, "stake", f"{remark}; {note}" if remark else note))  # fmt: skip
            if lost_at is not None and lost_at <= y.end + pd.Timedelta(days=tol):
                first = lost_rows.sort_values("date").iloc[0]
                issues.append(_issue(wb, "stake-lost", f"stake {sid} was lost on {lost_at.date()}: "
                                     f"no annual balance for {y.year}", first["_index"], "event", y.year,
                                     sid))  # fmt: skip
                continue
            start = r0["date"] if r0 is not None else y.begin
            r1 = _nearest(alive[alive["date"] > start], y.end, tol)
            if r0 is None or r1 is None:
                there = r1 if r0 is None else r0
                if there is not None:
                    missing = "begin" if r0 is None else "end"
                    when = y.begin if r0 is None else y.end
                    issues.append(_issue(wb, "no-annual-reading", f"stake {sid} has no reading near the "
                                         f"{missing} of balance year {y.year} ({when.date()} ± {tol} d)",
                                         there["_index"], "date", y.year, sid))  # fmt: skip
                continue
            snow = _value(r1, "snow_depth")
            superimposed = _value(r1, "superimposed_ice")
            remark = None
            if pd.notna(r1["c"]) and r1["segment"] == r0["segment"]:
                E = float(r1["c"]) - float(r0["c"])
            elif pd.isna(r1["exposure"]) and snow > 0:
                E, remark = (
                    -snow - superimposed,
                    "stake buried: snow depth only, no loss below the summer surface assumed",
                )
            else:
                issues.append(_issue(wb, "broken-chain", f"stake {sid}: the exposure on {r1['date'].date()} "
                                     f"cannot be chained to {r0['date'].date()} (a re-drill or extension "
                                     f"without both exposures); no annual balance for {y.year}",
                                     r1["_index"], "exposure", y.year, sid))  # fmt: skip
                continue
            old_surface = surfaces.get(r0["date"])
            firn_below = old_surface in ("firn", "snow")
            end_pit = nearest_pit(pits, r1["date"], where["x"], where["y"], where["elevation"],
                                  params.pit_window)  # fmt: skip
            kept_guess = snow + max(-(E + snow + superimposed), 0.0)
            _, firn_rho, eps = _snow_swe(kept_guess, end_pit, params.firn_density, params)
            loss_rho = firn_rho if firn_below else params.ice_density
            loss_eps = eps if firn_below else params.ice_density_error
            b_a, lost, kept = annual_stake_balance(
                E, snow, superimposed, firn_rho, params, loss_rho
            )
            days = max((r1["date"] - r0["date"]).days, 1)
            off_days = abs((r0["date"] - y.begin).days) + abs((r1["date"] - y.end).days)
            density = loss_rho if lost >= kept else firn_rho
            unc = math.sqrt(
                2 * (density * params.stake_reading_error) ** 2
                + (loss_rho * loss_eps * lost) ** 2
                + ((firn_rho * params.depth_error) ** 2 if kept > 0 else 0.0)
                + (firn_rho * eps * kept) ** 2
                + (params.ice_density * params.stake_reading_error if superimposed > 0 else 0.0)
                ** 2
                + (abs(b_a) / days * off_days) ** 2
            )
            density_unc = density * (loss_eps if lost >= kept else eps)
            rows.append(_row(sid, y.year, r0["date"], r1["date"], "annual", b_a, unc, density, density_unc,
                             where, "stake", remark))  # fmt: skip
            if rw is not None and math.isfinite(b_w):
                rows.append(_row(sid, y.year, rw["date"], r1["date"], "summer", b_a - b_w, math.hypot(unc, w_unc),
                                 density, density_unc, where, "stake", remark))  # fmt: skip
    return _frame(rows), issues


def index_balances(wb: Workbook, params: Parameters = DEFAULT, start: pd.Timestamp | None = None,
                   end: pd.Timestamp | None = None) -> pd.DataFrame:  # fmt: skip
    """Balances between consecutive readings of every stake (balance code ``index``).

    Parameters
    ----------
    wb
        The workbook.
    params
        Densities, errors, ``date_tolerance`` and ``pit_window``.
    start, end
        When given, one balance per stake between its readings nearest to
        those dates (within ``date_tolerance``): a survey interval the user
        names.

    Returns
    -------
    pandas.DataFrame
        Point balances with balance code ``index``.

    Notes
    -----
    Between readings a and b of one chain segment, with the chained
    exposure change ``E = c_b - c_a`` (positive: lowering), snow depths
    ``d`` and superimposed ice ``s``, the height change below the snow and
    superimposed ice is ``r = -E - Δd - Δs`` and

    .. math::

        b = SWE(d_b) - SWE(d_a) + \\rho_i Δs + \\rho_l \\min(r, 0) + \\rho_f \\max(r, 0)

    with SWE through the nearest pit of each survey (default snow density
    without one) and ``ρ_l`` the ice density, or the firn density when the
    surface at a was firn.
    """
    years = balance_years(wb)
    pits = _pits(wb)
    stakes = wb["stakes"].dropna(subset=["stake_id"]).drop_duplicates("stake_id")
    stakes = stakes.set_index("stake_id")
    rows: list[dict[str, Any]] = []
    readings = wb["stake_readings"].dropna(subset=["stake_id", "date"])
    for stake_id, group in readings.groupby("stake_id", sort=True):
        sid = str(stake_id)
        where = _where(stakes, sid)
        chained = chain(group)
        surfaces = _surfaces(chained)
        alive = chained[chained["event"] != "lost"].dropna(subset=["c"])
        alive = alive.drop_duplicates("date", keep="first").reset_index(drop=True)
        if start is not None and end is not None:
            a = _nearest(alive, start, params.date_tolerance)
            b = _nearest(alive[alive["date"] > (a["date"] if a is not None else start)], end,
                         params.date_tolerance)  # fmt: skip
            pairs = [(a, b)] if a is not None and b is not None else []
        else:
            pairs = [(alive.loc[i - 1], alive.loc[i]) for i in range(1, len(alive))]
        for a, b in pairs:
            if a["segment"] != b["segment"]:
                continue
            swe = []
            for r in (a, b):
                pit = nearest_pit(pits, r["date"], where["x"], where["y"], where["elevation"],
                                  params.pit_window)  # fmt: skip
                swe.append(_snow_swe(_value(r, "snow_depth"), pit, params.snow_density, params)[0])
            ds = _value(b, "superimposed_ice") - _value(a, "superimposed_ice")
            rest = (
                -(float(b["c"]) - float(a["c"]))
                - (_value(b, "snow_depth") - _value(a, "snow_depth"))
                - ds
            )
            firn_below = surfaces.get(a["date"]) in ("firn", "snow")
            loss_rho = params.firn_density if firn_below else params.ice_density
            balance = (swe[1] - swe[0] + params.ice_density * ds + loss_rho * min(rest, 0.0)
                       + params.firn_density * max(rest, 0.0))  # fmt: skip
            unc = math.hypot(math.sqrt(2) * loss_rho * params.stake_reading_error,
                             abs(balance) * params.estimated_density_error)  # fmt: skip
            y = year_of(years, b["date"], params.date_tolerance)
            rows.append(_row(sid, y.year if y else int(b["date"].year), a["date"], b["date"], "index",
                             balance, unc, math.nan, math.nan, where, "stake"))  # fmt: skip
    return _frame(rows)


def pit_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Point balances from snow pits: ``SWE = Σ h_k ρ_k`` over the layers [kg m-2].

    Parameters
    ----------
    wb
        The workbook (``snow_pits``, ``balance_years``).
    params
        ``date_tolerance``, ``depth_error`` and ``measured_density_error``.

    Returns
    -------
    tuple
        Point balances and issues (pits outside every balance year).

    Notes
    -----
    A pit is dug down to the last summer surface, so its SWE is the balance
    since the begin of the balance year: a winter balance when dug within
    ``date_tolerance`` days of the end of winter, an annual balance (the
    snow and firn left in the accumulation area) when dug near the end of
    the year, an ``index`` balance otherwise. Uncertainty
    ``σ² = (ρ̄ σ_d)² + (SWE ε_ρ)²`` with the mean density ``ρ̄``.
    """
    years = balance_years(wb)
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    for pit in _pits(wb):
        y = year_of(years, pit.date, params.date_tolerance)
        swe = float(pit.profile.mass[-1])
        depth = float(pit.profile.depth[-1])
        where = {"elevation": pit.elevation, "x": pit.x, "y": pit.y}
        layers = wb["snow_pits"][
            (wb["snow_pits"]["pit_id"] == pit.pit_id) & (wb["snow_pits"]["date"] == pit.date)
        ]
        where |= {
            "latitude": _f(layers["latitude"].iloc[0]),
            "longitude": _f(layers["longitude"].iloc[0]),
        }
        if y is None:
            row, _ = wb.locate("snow_pits", layers.index[0], "date")
            issues.append(Issue("pit-outside-years", "warning",
                                f"pit {pit.pit_id} dug on {pit.date.date()} falls in no balance year",
                                sheet=wb.sheet_name("snow_pits"), row=row, column="date", value=pit.pit_id))  # fmt: skip
            continue
        tol = params.date_tolerance
        if y.winter_end is not None and abs((pit.date - y.winter_end).days) <= tol:
            code = "winter"
        elif abs((pit.date - y.end).days) <= tol:
            code = "annual"
        else:
            code = "index"
        unc = math.hypot(
            swe / depth * params.depth_error if depth else 0.0, swe * params.measured_density_error
        )
        rows.append(
            _row(
                pit.pit_id,
                y.year,
                y.begin,
                pit.date,
                code,
                swe,
                unc,
                swe / depth if depth else math.nan,
                swe / depth * params.measured_density_error if depth else math.nan,
                where,
                "pit",
            )
        )
    return _frame(rows), issues


def probe_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Point balances from probed snow depths.

    Parameters
    ----------
    wb
        The workbook (``probes``, ``snow_pits``, ``balance_years``).
    params
        Densities, errors, ``date_tolerance`` and ``pit_window``.

    Returns
    -------
    tuple
        Point balances and issues (probes outside every balance year).

    Notes
    -----
    A depth ``D`` converts to SWE through the cumulative mass-depth curve
    ``M(D)`` of the nearest pit of the same survey (:func:`nearest_pit`),
    interpolated linearly between layer boundaries; below the pit's bottom
    ``M(D) = M(D_pit) + (D - D_pit) ρ_tail`` with ``ρ_tail`` the mean
    density of the pit's lowest two layers (said in the remarks). Without
    a pit, the default snow density. Balance code as for pits
    (:func:`pit_balances`).
    """
    years = balance_years(wb)
    pits = _pits(wb)
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    probes = wb["probes"].dropna(subset=["date", "snow_depth"])
    for i, p in probes.iterrows():
        date = pd.Timestamp(p["date"])
        y = year_of(years, date, params.date_tolerance)
        if y is None:
            row, _ = wb.locate("probes", i, "date")
            issues.append(Issue("probe-outside-years", "warning", f"probe {p['probe_id'] or ''} on {date.date()} "
                                "falls in no balance year", sheet=wb.sheet_name("probes"), row=row,
                                column="date", value=str(date.date())))  # fmt: skip
            continue
        where = {k: _f(p[k]) for k in ("elevation", "x", "y", "latitude", "longitude")}
        pit = nearest_pit(pits, date, where["x"], where["y"], where["elevation"], params.pit_window)
        depth = float(p["snow_depth"])
        swe, rho, eps = _snow_swe(depth, pit, params.snow_density, params)
        tol = params.date_tolerance
        if y.winter_end is not None and abs((date - y.winter_end).days) <= tol:
            code = "winter"
        elif abs((date - y.end).days) <= tol:
            code = "annual"
        else:
            code = "index"
        remark = None
        if pit is not None and depth > pit.profile.depth[-1]:
            remark = f"below pit {pit.pit_id} ({pit.profile.depth[-1]:g} m): tail density {pit.profile.tail_density:.0f} kg m-3"
        elif pit is None:
            remark = "default snow density"
        unc = math.hypot(rho * params.depth_error, swe * eps)
        pid = p["probe_id"] if isinstance(p["probe_id"], str) else f"probe-{int(str(i)) + 1}"
        rows.append(
            _row(
                str(pid),
                y.year,
                y.begin,
                date,
                code,
                swe,
                unc,
                rho,
                rho * eps,
                where,
                "probe",
                remark,
            )
        )
    return _frame(rows), issues


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    from mbpack.workbook.model import conform

    frame = pd.DataFrame(rows, columns=COLUMNS)
    return conform("point_balance", frame)


def point_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Every point balance of the workbook: stakes (seasonal and index), pits and probes.

    Parameters
    ----------
    wb
        The workbook: ``stakes``, ``stake_readings``, ``snow_pits``,
        ``probes`` and ``balance_years``.
    params
        Densities [kg m-3], errors, ``date_tolerance`` and ``pit_window``
        [days], passed to :func:`stake_balances`, :func:`index_balances`,
        :func:`pit_balances` and :func:`probe_balances`.

    Returns
    -------
    tuple
        The point balances sorted by year, balance code, point and date
        (columns of ``schemas/point_balance.json``, balances [kg m-2];
        empty when there are none), and the issues of
        :func:`stake_balances`, :func:`pit_balances` and
        :func:`probe_balances`.
    """
    stakes, issues = stake_balances(wb, params)
    pits, pit_issues = pit_balances(wb, params)
    probes, probe_issues = probe_balances(wb, params)
    issues = issues + pit_issues + probe_issues
    frames = [f for f in (stakes, index_balances(wb, params), pits, probes) if not f.empty]
    if not frames:
        return _frame([]), issues
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(
        ["year", "balance_code", "point_id", "from_date"], kind="stable"
    ).reset_index(drop=True)
    return out, issues

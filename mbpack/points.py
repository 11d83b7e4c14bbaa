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

    b_a = -\\rho_i \\max(L, 0) + \\rho_i s_1 + \\rho_f (d_1 + \\max(-L, 0)),

that is, ``b = Σ ρ_k Δh_k`` over the ice, superimposed ice and firn layers.
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

from mbpack.params import DEFAULT, Parameters
from mbpack.report import Issue
from mbpack.workbook import Workbook

#: Order of events on one date: the reading comes before a re-drill.
EVENT_ORDER = {"reading": 0, "redrill": 1, "extension": 1, "lost": 2}

COLUMNS = [
    "point_id", "year", "from_date", "to_date", "balance_code", "balance", "balance_unc", "density",
    "density_unc", "elevation", "x", "y", "latitude", "longitude", "source", "remarks",
]  # fmt: skip


@dataclass(frozen=True)
class Profile:
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

        >>> p = Profile(np.array([0.0, 0.5, 1.5]), np.array([0.0, 150.0, 550.0]), 400.0)
        >>> p.swe(1.0), p.swe(2.0)
        (350.0, 750.0)
        """
        if depth <= self.depth[-1]:
            return float(np.interp(depth, self.depth, self.mass))
        return float(self.mass[-1] + (depth - self.depth[-1]) * self.tail_density)


def pit_profile(layers: pd.DataFrame) -> Profile:
    """The cumulative mass-depth profile of one pit's layers (sorted by depth)."""
    layers = layers.sort_values("top_depth")
    thickness = (layers["bottom_depth"] - layers["top_depth"]).to_numpy(dtype=float)
    density = layers["density"].to_numpy(dtype=float)
    depth = np.concatenate([[0.0], layers["bottom_depth"].to_numpy(dtype=float)])
    mass = np.concatenate([[0.0], np.cumsum(thickness * density)])
    return Profile(depth, mass, float(np.mean(density[-2:])))


@dataclass
class Pit:
    pit_id: str
    date: pd.Timestamp
    profile: Profile
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
    years = wb["balance_years"].dropna(subset=["year", "begin_date", "end_date"])
    return [
        Year(int(r.year), pd.Timestamp(r.begin_date),
             None if pd.isna(r.winter_end_date) else pd.Timestamp(r.winter_end_date), pd.Timestamp(r.end_date))
        for r in years.sort_values("begin_date").itertuples()
    ]  # fmt: skip


def year_of(years: list[Year], date: pd.Timestamp, tolerance: int) -> Year | None:
    """The balance year a date belongs to (end dates within tolerance count for the year ending)."""
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

    ``c`` is the exposure the stake would show had its top never changed;
    it is NaN after a re-drill whose exposures are not both known (the
    chain is broken there) and after the stake was lost.
    """
    order = readings.assign(_o=readings["event"].map(EVENT_ORDER).fillna(0))
    order = order.sort_values(["date", "_o"], kind="stable").drop(columns="_o")
    offset, broken, lost = 0.0, False, False
    cont = []
    for exposure, event, new in zip(
        order["exposure"], order["event"], order["new_exposure"], strict=True
    ):
        if lost or broken or pd.isna(exposure):
            cont.append(math.nan)
        else:
            cont.append(float(exposure) + offset)
        if event in ("redrill", "extension"):
            if pd.isna(exposure) or pd.isna(new):
                broken = True
            else:
                offset += float(exposure) - float(new)
        if event == "lost":
            lost = True
    return order.assign(c=cont).reset_index(drop=True)


def _nearest(rows: pd.DataFrame, date: pd.Timestamp, tolerance: int) -> pd.Series | None:
    if rows.empty:
        return None
    days = (rows["date"] - date).abs().dt.days
    best = days.idxmin()
    return rows.loc[best] if days.loc[best] <= tolerance else None


def annual_stake_balance(E: float, snow: float, superimposed: float, firn_density: float,
                         params: Parameters = DEFAULT) -> tuple[float, float, float]:  # fmt: skip
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

    Returns
    -------
    tuple of float
        Balance [kg m-2], ice lost [m], snow or firn kept [m].

    Examples
    --------
    1.5 m of ice melt, nothing left on top:

    >>> annual_stake_balance(1.5, 0.0, 0.0, 600.0)
    (-1350.0, 1.5, 0.0)

    0.4 m of firn left, no ice melt (the stake shows 0.4 m less):

    >>> annual_stake_balance(-0.4, 0.4, 0.0, 600.0)
    (240.0, 0.0, 0.4)
    """
    lost = E + snow + superimposed
    ice_lost = max(lost, 0.0)
    kept = snow + max(-lost, 0.0)
    balance = (
        -params.ice_density * ice_lost + params.ice_density * superimposed + firn_density * kept
    )
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
    """SWE [kg m-2], density used [kg m-3] and its relative error of a snow depth."""
    if depth <= 0:
        return 0.0, default, params.estimated_density_error
    if pit is not None:
        swe = pit.profile.swe(depth)
        return swe, swe / depth, params.measured_density_error
    return default * depth, default, params.estimated_density_error


def stake_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Winter, summer and annual balances at every stake for every balance year.

    Returns the point balances and the issues (lost stakes, readings
    missing for a period) — each issue names the stake and the year.
    """
    years = balance_years(wb)
    pits = _pits(wb)
    stakes = wb["stakes"].drop_duplicates("stake_id").set_index("stake_id")
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    readings = wb["stake_readings"].dropna(subset=["stake_id", "date"])
    for stake_id, group in readings.groupby("stake_id", sort=True):
        if stake_id not in stakes.index:
            continue
        where = {
            k: _f(stakes.at[stake_id, k]) for k in ("elevation", "x", "y", "latitude", "longitude")
        }
        chained = chain(group)
        lost_dates = chained.loc[chained["event"] == "lost", "date"]
        lost_at = lost_dates.min() if len(lost_dates) else None
        usable = chained.dropna(subset=["c"])
        for y in years:
            if lost_at is not None and lost_at <= y.begin:
                continue
            r0 = _nearest(usable[usable["event"] != "lost"], y.begin, params.date_tolerance)
            winter = None
            if y.winter_end is not None:
                snowy = chained.dropna(subset=["snow_depth"])
                winter = _nearest(snowy, y.winter_end, params.date_tolerance)
            start = r0["date"] if r0 is not None else None
            b_w = None
            if winter is not None and start is not None and winter["date"] > start:
                pit = nearest_pit(
                    pits,
                    winter["date"],
                    where["x"],
                    where["y"],
                    where["elevation"],
                    params.pit_window,
                )
                depth = float(winter["snow_depth"])
                b_w, rho, eps = _snow_swe(depth, pit, params.snow_density, params)
                unc = math.hypot(rho * params.depth_error, b_w * eps)
                rows.append(
                    _row(
                        str(stake_id),
                        y.year,
                        start,
                        winter["date"],
                        "winter",
                        b_w,
                        unc,
                        rho,
                        rho * eps,
                        where,
                        "stake",
                        f"density from pit {pit.pit_id}" if pit else "default snow density",
                    )
                )
            if lost_at is not None and lost_at <= y.end + pd.Timedelta(days=params.date_tolerance):
                issues.append(
                    Issue(
                        "stake-lost",
                        "warning",
                        f"stake {stake_id} was lost on {lost_at.date()}: no annual balance for {y.year}",
                        sheet="stake_readings",
                        column="event",
                        value=str(stake_id),
                    )
                )
                continue
            candidates = chained[
                (chained["event"] != "lost") & (chained["date"] > (start or y.begin))
            ]
            r1 = _nearest(candidates, y.end, params.date_tolerance)
            if r0 is None or r1 is None:
                if r0 is not None or r1 is not None:
                    issues.append(
                        Issue(
                            "no-annual-reading",
                            "warning",
                            f"stake {stake_id} has no reading near the "
                            f"{'begin' if r0 is None else 'end'} of balance year {y.year} "
                            f"({(y.begin if r0 is None else y.end).date()} ± {params.date_tolerance} d)",
                            sheet="stake_readings",
                            column="date",
                            value=str(stake_id),
                        )
                    )
                continue
            snow = 0.0 if pd.isna(r1["snow_depth"]) else float(r1["snow_depth"])
            superimposed = 0.0 if pd.isna(r1["superimposed_ice"]) else float(r1["superimposed_ice"])
            end_pit = nearest_pit(
                pits, r1["date"], where["x"], where["y"], where["elevation"], params.pit_window
            )
            remark = None
            if pd.isna(r1["c"]):
                if snow > 0 and pd.isna(r1["exposure"]):
                    E, remark = -snow, "stake buried: snow depth only, no ice melt assumed"
                else:
                    issues.append(
                        Issue(
                            "broken-chain",
                            "warning",
                            f"stake {stake_id}: exposure at {r1['date'].date()} cannot be chained "
                            f"to {r0['date'].date()}; no annual balance for {y.year}",
                            sheet="stake_readings",
                            column="exposure",
                            value=str(stake_id),
                        )
                    )
                    continue
            else:
                E = float(r1["c"]) - float(r0["c"])
            kept_guess = snow + max(-(E + snow + superimposed), 0.0)
            _, firn_rho, eps = _snow_swe(kept_guess, end_pit, params.firn_density, params)
            b_a, ice_lost, kept = annual_stake_balance(E, snow, superimposed, firn_rho, params)
            days = max((r1["date"] - r0["date"]).days, 1)
            off_days = abs((r0["date"] - y.begin).days) + abs((r1["date"] - y.end).days)
            unc = math.sqrt(
                2 * (params.ice_density * params.stake_reading_error) ** 2
                + (params.ice_density * params.ice_density_error * ice_lost) ** 2
                + ((firn_rho * params.depth_error) ** 2 if kept > 0 else 0.0)
                + (firn_rho * eps * kept) ** 2
                + (abs(b_a) / days * off_days) ** 2
            )
            density = params.ice_density if ice_lost >= kept else firn_rho
            density_unc = density * (params.ice_density_error if ice_lost >= kept else eps)
            rows.append(
                _row(
                    str(stake_id),
                    y.year,
                    r0["date"],
                    r1["date"],
                    "annual",
                    b_a,
                    unc,
                    density,
                    density_unc,
                    where,
                    "stake",
                    remark,
                )
            )
            if b_w is not None:
                w_unc = rows[-2]["balance_unc"] if rows[-2]["balance_code"] == "winter" else 0.0
                rows.append(
                    _row(
                        str(stake_id),
                        y.year,
                        r0["date"],
                        r1["date"],
                        "summer",
                        b_a - b_w,
                        math.hypot(unc, w_unc),
                        density,
                        density_unc,
                        where,
                        "stake",
                        remark,
                    )
                )
    return _frame(rows), issues


def index_balances(wb: Workbook, params: Parameters = DEFAULT, start: pd.Timestamp | None = None,
                   end: pd.Timestamp | None = None) -> pd.DataFrame:  # fmt: skip
    """Balances between consecutive readings of every stake (balance code ``index``).

    With ``start`` and ``end``, one balance per stake between its readings
    nearest to those dates instead (a survey interval the user names).
    Snow gained or lost counts at the snow density, ice at the ice density.
    """
    years = balance_years(wb)
    stakes = wb["stakes"].drop_duplicates("stake_id").set_index("stake_id")
    rows: list[dict[str, Any]] = []
    readings = wb["stake_readings"].dropna(subset=["stake_id", "date"])
    for stake_id, group in readings.groupby("stake_id", sort=True):
        if stake_id not in stakes.index:
            continue
        where = {
            k: _f(stakes.at[stake_id, k]) for k in ("elevation", "x", "y", "latitude", "longitude")
        }
        chained = chain(group)
        chained = chained[chained["event"] != "lost"].dropna(subset=["c"])
        chained = chained.drop_duplicates("date", keep="first").reset_index(drop=True)
        if start is not None and end is not None:
            a = _nearest(chained, start, params.date_tolerance)
            b = _nearest(
                chained[chained["date"] > (a["date"] if a is not None else start)],
                end,
                params.date_tolerance,
            )
            pairs = [(a, b)] if a is not None and b is not None else []
        else:
            pairs = [(chained.loc[i - 1], chained.loc[i]) for i in range(1, len(chained))]
        for a, b in pairs:
            d0 = 0.0 if pd.isna(a["snow_depth"]) else float(a["snow_depth"])
            d1 = 0.0 if pd.isna(b["snow_depth"]) else float(b["snow_depth"])
            s0 = 0.0 if pd.isna(a["superimposed_ice"]) else float(a["superimposed_ice"])
            s1 = 0.0 if pd.isna(b["superimposed_ice"]) else float(b["superimposed_ice"])
            lowering = float(b["c"]) - float(a["c"])  # + = surface went down
            snow_change = d1 - d0
            rest = (
                -lowering - snow_change - (s1 - s0)
            )  # height change not explained by snow: ice (or firn)
            balance = (
                params.snow_density * snow_change
                + params.ice_density * (s1 - s0)
                + params.ice_density * min(rest, 0.0)
                + params.firn_density * max(rest, 0.0)
            )
            unc = math.hypot(
                math.sqrt(2) * params.ice_density * params.stake_reading_error,
                abs(balance) * params.estimated_density_error,
            )
            y = year_of(years, b["date"], params.date_tolerance)
            rows.append(
                _row(
                    str(stake_id),
                    y.year if y else int(b["date"].year),
                    a["date"],
                    b["date"],
                    "index",
                    balance,
                    unc,
                    math.nan,
                    math.nan,
                    where,
                    "stake",
                )
            )
    return _frame(rows)


def pit_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Pit SWE = Σ layer thickness × density, as winter or annual balance by the pit's date."""
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
            issues.append(
                Issue(
                    "pit-outside-years",
                    "warning",
                    f"pit {pit.pit_id} dug on {pit.date.date()} falls in no balance year",
                    sheet="snow_pits",
                    column="date",
                    value=pit.pit_id,
                )
            )
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


def probe_balances(wb: Workbook, params: Parameters = DEFAULT) -> pd.DataFrame:
    """Probe SWE through the nearest pit's mass-depth curve (tail density below the pit)."""
    years = balance_years(wb)
    pits = _pits(wb)
    rows: list[dict[str, Any]] = []
    probes = wb["probes"].dropna(subset=["date", "snow_depth"]).reset_index(drop=True)
    for i, p in probes.iterrows():
        date = pd.Timestamp(p["date"])
        y = year_of(years, date, params.date_tolerance)
        if y is None:
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
        pid = p["probe_id"] if isinstance(p["probe_id"], str) else f"probe-{i + 1}"
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
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    from mbpack.workbook import conform

    frame = pd.DataFrame(rows, columns=COLUMNS)
    return conform("point_balance", frame)


def point_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Every point balance of the workbook: stakes (seasonal and index), pits and probes."""
    stakes, issues = stake_balances(wb, params)
    pits, pit_issues = pit_balances(wb, params)
    frames = [
        f
        for f in (stakes, index_balances(wb, params), pits, probe_balances(wb, params))
        if not f.empty
    ]
    if not frames:
        return _frame([]), issues + pit_issues
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(
        ["year", "balance_code", "point_id", "from_date"], kind="stable"
    ).reset_index(drop=True)
    return out, issues + pit_issues

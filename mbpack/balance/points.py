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
surface was firn.  Firn recorded above the ice at the start (the previous
year's ``snow_depth`` on a firn surface) melts first, at its own density:
a stake that melts through it into ice loses ``ρ_f f_0 + ρ_i (L - f_0)``.
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

import itertools
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

#: Where a point lies: elevation [m], x, y [m], latitude and longitude [°].
PLACE = ("elevation", "x", "y", "latitude", "longitude")

#: One day [ns]: dates are compared as nanoseconds since 1970.
DAY_NS = 86_400 * 10**9


def _ns(date: pd.Timestamp) -> int:
    """A date as nanoseconds since 1970."""
    return int(pd.Timestamp(date).as_unit("ns").value)


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
    """The cumulative mass-depth profile of one pit's layers (gaps filled, :func:`pit_record`).

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
    return pit_record(layers).profile


#: Layer types below the summer surface: they end a pit's winter record.
OLD_LAYERS = ("firn", "ice", "superimposed_ice")


@dataclass(frozen=True)
class PitRecord:
    """One pit's layers as mass-depth profiles.

    Attributes
    ----------
    profile
        All layers, gaps filled [kg m-2 against m].
    snow
        The snow above the summer surface only: the layers down to the
        first ``firn``, ``ice`` or ``superimposed_ice`` layer (untyped
        layers count as snow); None when the pit has no such snow.
    reached
        A firn or ice layer was found below the snow: the pit reached the
        summer surface.
    snow_depth
        Depth of the summer surface, or of the pit's bottom [m].
    gaps
        ``(top, bottom, density)`` of every gap between sampled layers
        filled [m, m, kg m-3].
    """

    profile: DensityProfile
    snow: DensityProfile | None
    reached: bool
    snow_depth: float
    gaps: tuple[tuple[float, float, float], ...]


def _profile(tops: np.ndarray, bottoms: np.ndarray, rho: np.ndarray,
             gaps: list[tuple[float, float, float]]) -> DensityProfile:  # fmt: skip
    depth, mass = [0.0], [0.0]
    previous = None
    for top, bottom, r in zip(tops, bottoms, rho, strict=True):
        if top - depth[-1] > 1e-9:  # a gap: the mean of the layers on either side
            g = r if previous is None else (previous + r) / 2
            gaps.append((depth[-1], float(top), float(g)))
            mass.append(mass[-1] + (top - depth[-1]) * g)
            depth.append(float(top))
        mass.append(mass[-1] + (bottom - top) * r)
        depth.append(float(bottom))
        previous = r
    tail = float(np.mean(rho[-2:])) if len(rho) else math.nan
    return DensityProfile(np.array(depth), np.array(mass), tail)


def pit_record(layers: pd.DataFrame) -> PitRecord:
    """One pit's layers by type, gaps between them filled by interpolating the density.

    Parameters
    ----------
    layers
        Rows of ``snow_pits`` of one pit and date: ``top_depth``,
        ``bottom_depth`` [m], ``density`` [kg m-3] and ``layer`` (type;
        may be absent or blank).

    Returns
    -------
    PitRecord
        The profile of all layers and that of the snow above the summer
        surface (the first firn or ice layer ends the winter record).

    Notes
    -----
    A gap between two sampled layers (the wall between two density
    cutters, typically 2-5 cm per 25 cm layer) gets the mean density of
    the layers above and below it, linear interpolation of the density
    between the two layers; a gap at the top gets the top layer's density.
    Counting gaps as empty understates SWE by the gap's share of the
    depth. A gap between the last snow layer and the first firn or ice
    layer is snow at the last snow layer's density (the summer surface is
    the top of the firn).

    Examples
    --------
    Two 0.25 m layers of 300 and 400 kg m-3 with a 0.05 m gap, then firn:
    0.25 x 300 + 0.05 x 350 + 0.25 x 400 = 192.5 kg m-2 of winter snow.

    >>> layers = pd.DataFrame({"top_depth": [0.0, 0.30, 0.55], "bottom_depth": [0.25, 0.55, 0.8],
    ...                        "density": [300.0, 400.0, 550.0], "layer": ["snow", "snow", "firn"]})
    >>> r = pit_record(layers)
    >>> round(float(r.snow.mass[-1]), 6), r.reached, r.gaps
    (192.5, True, ((0.25, 0.3, 350.0),))
    """
    layers = layers.sort_values("top_depth")
    tops = layers["top_depth"].to_numpy(dtype=float)
    bottoms = layers["bottom_depth"].to_numpy(dtype=float)
    rho = layers["density"].to_numpy(dtype=float)
    kinds = layers["layer"].tolist() if "layer" in layers else [None] * len(layers)
    old = [i for i, k in enumerate(kinds) if isinstance(k, str) and k in OLD_LAYERS]
    gaps: list[tuple[float, float, float]] = []
    profile = _profile(tops, bottoms, rho, gaps)
    cut = old[0] if old else len(kinds)
    snow_gaps: list[tuple[float, float, float]] = []
    snow = None
    if cut > 0:
        s_top, s_bottom = tops[:cut].copy(), bottoms[:cut].copy()
        if old:  # snow down to the top of the firn: the summer surface
            s_bottom[-1] = max(s_bottom[-1], tops[cut])
        snow = _profile(s_top, s_bottom, rho[:cut], snow_gaps)
    depth = float(tops[cut]) if old else float(bottoms.max()) if len(bottoms) else 0.0
    return PitRecord(profile, snow, bool(old), depth, tuple(gaps))


@dataclass
class Pit:
    pit_id: str
    date: pd.Timestamp
    profile: DensityProfile
    elevation: float
    x: float
    y: float
    record: PitRecord | None = None

    @property
    def snow(self) -> DensityProfile | None:
        """The profile of the snow above the summer surface (winter surveys)."""
        return self.record.snow if self.record is not None else self.profile


def workbook_pits(wb: Workbook) -> list[Pit]:
    """Every pit (pit_id and date) of the workbook with its layers as profiles (:func:`pit_record`)."""
    pits = wb["snow_pits"].dropna(subset=["pit_id", "date", "top_depth", "bottom_depth", "density"])
    out = []
    for (pit_id, date), layers in pits.groupby(["pit_id", "date"], sort=True):
        first = layers.iloc[0]
        record = pit_record(layers)
        out.append(
            Pit(str(pit_id), pd.Timestamp(date), record.profile, _f(first["elevation"]),
                _f(first["x"]), _f(first["y"]), record)
        )  # fmt: skip
    return out


def _f(value: Any) -> float:
    return float(value) if value is not None and not pd.isna(value) else math.nan


def _distance(pit: Pit, x: float, y: float, elevation: float) -> tuple[float, float]:
    """Horizontal distance [m] (NaN without x/y) and elevation difference [m] (NaN unknown)."""
    dist = math.hypot(pit.x - x, pit.y - y) if not math.isnan(x + y + pit.x + pit.y) else math.nan
    dz = abs(pit.elevation - elevation) if not math.isnan(elevation + pit.elevation) else math.nan
    return dist, dz


def nearest_pit(pits: list[Pit], date: pd.Timestamp, x: float, y: float, elevation: float,
                window: int, max_distance: float = math.inf,
                max_elevation_difference: float = math.inf) -> Pit | None:  # fmt: skip
    """The pit dug within ``window`` days of ``date`` nearest to the point, within the limits.

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
    max_distance
        Farthest a pit may be horizontally [m] (``params.pit_max_distance``).
    max_elevation_difference
        Largest elevation difference between the pit and the point [m]
        (``params.pit_max_elevation_difference``), where both are known.

    Returns
    -------
    Pit or None
        The pit at the smallest distance [m] (horizontal when the point and
        the pit both have x/y, else the elevation difference), the one
        nearest in date among equally distant ones; a pit with neither
        distance counts as infinitely far. None when no pit lies within the
        window and the limits.
    """
    found = _nearest_pits(pits, date, x, y, elevation, window, max_distance,
                          max_elevation_difference)  # fmt: skip
    return found[0] if found else None


def _nearest_pits(pits: list[Pit], date: pd.Timestamp, x: float, y: float, elevation: float,
                  window: int, max_distance: float, max_dz: float,
                  tie: float = 1.0) -> list[Pit]:  # fmt: skip
    """The nearest pits within the window and limits: all of those equally near (within ``tie`` m)."""
    scored = []
    for pit in pits:
        days = abs((pit.date - date).days)
        if days > window:
            continue
        dist, dz = _distance(pit, x, y, elevation)
        if (not math.isnan(dist) and dist > max_distance) or (not math.isnan(dz) and dz > max_dz):
            continue
        key = dist if not math.isnan(dist) else dz if not math.isnan(dz) else math.inf
        scored.append((key, days, pit))
    if not scored:
        return []
    scored.sort(key=lambda t: (t[0], t[1]))
    best, best_days = scored[0][0], scored[0][1]
    if math.isinf(best):
        return [scored[0][2]]
    return [p for k, d, p in scored if k - best <= tie and d == best_days]


@dataclass(frozen=True)
class Density:
    """How a depth of snow or firn is turned into mass at one point.

    Attributes
    ----------
    profiles
        The mass-depth profiles used (their mean); empty for a constant.
    constant
        The density used without profiles [kg m-3].
    error
        Relative error of the density [1].
    note
        What was used, for the point's remarks.
    """

    profiles: tuple[DensityProfile, ...]
    constant: float
    error: float
    note: str

    def swe(self, depth: float) -> float:
        """Water equivalent of ``depth`` [m] in [kg m-2]: the mean of the profiles, else the constant."""
        if depth <= 0:
            return 0.0
        if self.profiles:
            return float(np.mean([p.swe(depth) for p in self.profiles]))
        return self.constant * depth

    def density(self, depth: float) -> float:
        """Mean density of the top ``depth`` [m] in [kg m-3]."""
        return self.swe(depth) / depth if depth > 0 else self.constant


def density_for(pits: list[Pit], date: pd.Timestamp, where: dict[str, float], params: Parameters,
                default: float, what: str = "snow", winter: bool = True) -> Density:  # fmt: skip
    """The density profile a point's snow depth is converted through, and a note saying which.

    Parameters
    ----------
    pits
        The workbook's pits.
    date
        The survey date.
    where
        ``x``, ``y`` [m] and ``elevation`` [m] of the point (NaN unknown).
    params
        ``pit_window`` [d], ``pit_max_distance`` [m],
        ``pit_max_elevation_difference`` [m] and the density errors.
    default
        Density without any pit of the survey [kg m-3].
    what
        Name of the default in the note (``snow``, ``firn``, ``new snow``).
    winter
        Use the pits' snow above the summer surface (winter surveys) rather
        than all their layers.

    Returns
    -------
    Density
        The nearest pit within the limits (several equally near: their
        mean profile); else, when the survey has pits but all are beyond
        the limits, the mean profile of the survey's pits (an estimated
        density); else the default. The note names the pit(s) or the
        default.
    """
    usable = [p for p in pits if (p.snow if winter else p.profile) is not None]
    near = _nearest_pits(usable, date, where["x"], where["y"], where["elevation"], params.pit_window,
                         params.pit_max_distance, params.pit_max_elevation_difference)  # fmt: skip

    def prof(p: Pit) -> DensityProfile:
        out = p.snow if winter else p.profile
        return out if out is not None else p.profile

    if near:
        ids = ", ".join(p.pit_id for p in near)
        note = (
            f"density from pit {ids}"
            if len(near) == 1
            else f"density: mean of pits {ids} (equally near)"
        )
        return Density(tuple(prof(p) for p in near), math.nan, params.measured_density_error, note)
    survey = [p for p in usable if abs((p.date - date).days) <= params.pit_window]
    if survey:
        ids = ", ".join(p.pit_id for p in survey)
        note = (f"no pit within {params.pit_max_distance:g} m and {params.pit_max_elevation_difference:g} m "
                f"of elevation: mean profile of the survey's pits {ids}")  # fmt: skip
        return Density(
            tuple(prof(p) for p in survey), math.nan, params.estimated_density_error, note
        )
    note = f"default {what} density {default:g} kg m-3 (no pit within {params.pit_window} d)"
    return Density((), default, params.estimated_density_error, note)


@dataclass(frozen=True)
class Year:
    """Dates of one balance year."""

    year: int
    begin: pd.Timestamp
    winter_end: pd.Timestamp | None
    end: pd.Timestamp
    time_system: str | None = None

    @property
    def stratigraphic(self) -> bool:
        """The year runs between summer surfaces (``STR``, or ``COM`` = STR with FXD)."""
        return self.time_system in ("STR", "COM")


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
             None if pd.isna(r.winter_end_date) else pd.Timestamp(r.winter_end_date), pd.Timestamp(r.end_date),
             r.time_system if isinstance(r.time_system, str) else None)
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
    i = int(_year_index(years, np.array([_ns(date)]), tolerance)[0])
    return years[i] if i >= 0 else None


def _year_index(years: list[Year], dates: np.ndarray, tolerance: int) -> np.ndarray:
    """:func:`year_of` of many dates [ns since 1970]: the index of each one's year in ``years``, -1 for none."""
    begin = np.array([_ns(y.begin) for y in years], dtype=np.int64)
    end = np.array([_ns(y.end) for y in years], dtype=np.int64)
    tol = tolerance * DAY_NS
    found = np.full(len(dates), -1, dtype=np.int64)
    tests = (lambda j: (begin[j] + tol < dates) & (dates <= end[j] + tol),
             lambda j: (begin[j] - tol <= dates) & (dates <= end[j] + tol))  # fmt: skip
    if len(years) == 0 or len(dates) == 0:
        return found
    if bool(np.all(end > begin) and np.all(begin[1:] >= end[:-1])):
        # years in order that do not overlap: a binary search. Years before i end more than tol
        # before the date; if a later year than i + 1 held the date, year i + 1 would too (begins
        # and ends increase): i and i + 1 are the only candidates of either test, tried in the
        # order of the scan below
        i = np.searchsorted(end, dates - tol, side="left")
        for inside in tests:
            for j in (i, i + 1):
                ok = (found < 0) & (j < len(years))
                jj = np.minimum(j, len(years) - 1)
                found = np.where(ok & inside(jj), jj, found)
        return found
    for inside in tests:  # the first year holding each date, by a scan of the years
        for n in range(len(years)):
            found = np.where((found < 0) & inside(n), n, found)
    return found


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
    c, segment = _continuous(np.zeros(len(order), dtype=np.int64), *_chain_columns(order))
    return order.assign(c=c, segment=segment).reset_index(drop=True)


def _chain_columns(order: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exposure and new exposure [m] (NaN blank) and the event of readings in chain order."""
    return (pd.to_numeric(order["exposure"]).to_numpy(dtype=float, na_value=np.nan),
            pd.to_numeric(order["new_exposure"]).to_numpy(dtype=float, na_value=np.nan),
            order["event"].to_numpy(dtype=object))  # fmt: skip


def _continuous(stake: np.ndarray, exposure: np.ndarray, new_exposure: np.ndarray,
                event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Continuous exposure ``c`` [m] and chain segment of readings in chain order (:func:`chain`).

    ``stake`` numbers the stakes, their readings one after another: every
    stake's chain starts from its own first reading.
    """
    n = len(stake)
    first = np.ones(n, dtype=bool)
    first[1:] = stake[1:] != stake[:-1]
    start = np.flatnonzero(first)[np.cumsum(first) - 1]  # each reading's stake's first reading

    def before(flags: np.ndarray) -> np.ndarray:
        """How many of the stake's earlier readings have the flag."""
        done = np.cumsum(flags) - flags
        return done - done[start]

    change = (event == "redrill") | (event == "extension")
    broken = change & (np.isnan(exposure) | np.isnan(new_exposure))
    segment = before(broken)
    delta = np.where(change & ~broken, exposure - new_exposure, 0.0)
    # the offset restarts from 0 with each stake and after each break, and grows by h - h' at
    # each change: one running sum per chain segment, added up in the order of the readings
    offset = np.zeros(n)
    restart = first.copy()
    restart[1:] |= broken[:-1]
    bounds = np.append(np.flatnonzero(restart), n)
    for lo, hi in itertools.pairwise(bounds):
        offset[lo + 1 : hi] = np.cumsum(delta[lo : hi - 1])
    lost = before(event == "lost") > 0
    c = np.where(lost | np.isnan(exposure), np.nan, exposure + offset)
    return c, segment


@dataclass(frozen=True)
class _Chained:
    """Every stake's readings in chain order (:func:`chain`), as arrays, one stake after another.

    Attributes
    ----------
    stake_ids
        The stakes in order of their id.
    start
        Each stake's first reading, then the number of readings.
    stake
        The stake of each reading (its position in ``stake_ids``).
    label
        The reading's index label in ``stake_readings``.
    date
        Reading dates [ns since 1970].
    event
        ``reading``, ``redrill``, ``extension``, ``lost`` or blank.
    exposure, c, snow_depth, new_snow, superimposed_ice
        Exposure, continuous exposure, snow depth, new snow and superimposed
        ice [m]; NaN where blank.
    segment
        Chain segment within the stake.
    surface
        The surface recorded on the reading's date, the first recorded that
        day (None when none was).
    """

    stake_ids: list[str]
    start: np.ndarray
    stake: np.ndarray
    label: np.ndarray
    date: np.ndarray
    event: np.ndarray
    exposure: np.ndarray
    c: np.ndarray
    segment: np.ndarray
    snow_depth: np.ndarray
    new_snow: np.ndarray
    superimposed_ice: np.ndarray
    surface: np.ndarray

    def when(self, i: int) -> pd.Timestamp:
        """The date of reading ``i``."""
        return pd.Timestamp(int(self.date[i]))


def _chain_all(readings: pd.DataFrame) -> _Chained:
    """The readings with a stake and a date, chained per stake (:func:`chain`), in one pass."""
    rows = readings.dropna(subset=["stake_id", "date"])
    rows = rows.assign(stake_id=rows["stake_id"].astype(str),
                       _o=rows["event"].map(EVENT_ORDER).fillna(0), _label=rows.index)  # fmt: skip
    rows = rows.sort_values(["stake_id", "date", "_o"], kind="stable")
    ids = rows["stake_id"].to_numpy(dtype=object)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    stake = np.cumsum(first) - 1
    exposure, new_exposure, event = _chain_columns(rows)
    c, segment = _continuous(stake, exposure, new_exposure, event)
    date = rows["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)

    def number(column: str) -> np.ndarray:
        return pd.to_numeric(rows[column]).to_numpy(dtype=float, na_value=np.nan)

    # the surface of a date: the first one recorded on that date at that stake
    new_day = first.copy()
    new_day[1:] |= date[1:] != date[:-1]
    day = np.cumsum(new_day)
    firsts = rows["surface"].groupby(day).transform("first").to_numpy(dtype=object)
    firsts[pd.isna(firsts)] = None
    return _Chained(
        stake_ids=list(ids[first]), start=np.append(np.flatnonzero(first), len(rows)),
        stake=stake, label=rows["_label"].to_numpy(), date=date, event=event, exposure=exposure,
        c=c, segment=segment, snow_depth=number("snow_depth"), new_snow=number("new_snow"),
        superimposed_ice=number("superimposed_ice"), surface=firsts,
    )  # fmt: skip


def _nearest(date: np.ndarray, rows: np.ndarray, when: int, tolerance: int) -> int | None:
    """Of the readings ``rows`` (positions into ``date`` [ns]), the one dated nearest to ``when``
    [ns] if within ``tolerance`` days (whole days apart; the first of ties)."""
    return _nearest_dated(date[rows], rows, when, tolerance)


def _nearest_dated(dates: np.ndarray, rows: np.ndarray, when: int, tolerance: int) -> int | None:
    """:func:`_nearest` given the readings' dates ``dates`` (``date[rows]``) [ns]."""
    if rows.size == 0:
        return None
    days = np.abs(dates - when) // DAY_NS
    best = int(np.argmin(days))
    return int(rows[best]) if days[best] <= tolerance else None


def _between(
    dates: np.ndarray, rows: np.ndarray, first: int, last: int
) -> tuple[np.ndarray, np.ndarray]:
    """The readings of ``rows`` dated ``first`` to ``last`` [ns], and their dates, given ``dates``
    (``date[rows]``, sorted): a binary search, so that a balance year looks only at its own
    readings."""
    i, j = np.searchsorted(dates, first, side="left"), np.searchsorted(dates, last, side="right")
    return rows[i:j], dates[i:j]


def annual_stake_balance(E: float, snow: float, superimposed: float, firn_density: float,
                         params: Parameters = DEFAULT, loss_density: float | None = None, *,
                         start_snow: float = 0.0, start_swe: float = 0.0, new_snow: float = 0.0,
                         new_snow_density: float | None = None, stratigraphic: bool = False,
                         start_firn: float = 0.0, start_firn_density: float | None = None,
                         ) -> tuple[float, float, float]:  # fmt: skip
    """Annual balance at a stake, ``b = Σ ρ_k Δh_k`` over the layers gained and lost.

    Parameters
    ----------
    E
        Chained exposure change between the two readings [m]; positive when
        the surface lowered.
    snow
        Snow and firn above the old summer surface at the end reading [m]
        (``snow_depth``, new snow included).
    superimposed
        Superimposed ice formed on the old summer surface [m].
    firn_density
        Density of the old snow and firn left [kg m-3].
    params
        ``ice_density`` [kg m-3] of ice lost and of superimposed ice,
        ``new_snow_density`` [kg m-3].
    loss_density
        Density of what was lost below the old summer surface [kg m-3]:
        ``params.ice_density`` (default) for ice, the firn density for firn.
    start_snow
        Snow on the old summer surface at the start reading, ``d0`` [m]
        (the exposure then was read to the snow surface).
    start_swe
        Its water equivalent [kg m-2].
    new_snow
        New snow at the top of ``snow`` at the end reading [m], fallen after
        the end of the ablation season.
    new_snow_density
        Its density [kg m-3] (``params.new_snow_density`` when None).
    stratigraphic
        The year runs between summer surfaces (STR): ``d0`` is this year's
        snow and the new snow at the end the next year's. Otherwise the
        balance is between the two reading dates (floating-date): ``d0`` was
        already there at the start and new snow at the end counts.
    start_firn
        Firn known to lie at the top of what is lost, ``f0`` [m]: the
        previous year's firn recorded at the start reading (its
        ``snow_depth`` on a firn surface, new snow excluded) and the firn
        that the stake's earlier years left below it. It melts first, at
        ``start_firn_density``; only the rest at ``loss_density``.
    start_firn_density
        Its density [kg m-3] (``firn_density`` when None).

    Returns
    -------
    tuple of float
        Balance [kg m-2], thickness lost below the old summer surface [m],
        old snow and firn kept above it [m] (new snow not included).

    Notes
    -----
    With ``L = E - d0 + d + s`` the thickness lost below the old summer
    surface (the exposure above it was ``c0 + d0`` at the start; ``d`` snow
    and firn, ``n`` of it new snow, and ``s`` superimposed ice on top of it
    at the end),

    .. math::

        b_a = -\\rho_0 \\min(L^+, f_0) - \\rho_l \\max(L - f_0, 0) + \\rho_i s
              + \\rho_f (d - n + \\max(-L, 0)) + [\\rho_n n - SWE(d_0)]_{floating}

    (Cogley et al. 2011; Kaser et al. 2003): the firn ``f0`` recorded at the
    start melts first at its density ``ρ_0``, what lies below it at ``ρ_l``
    (ice when the end surface is ice). A raising not explained by recorded
    snow (``L < 0``) counts as firn.

    Examples
    --------
    1.5 m of ice melt, nothing left on top:

    >>> annual_stake_balance(1.5, 0.0, 0.0, 600.0)
    (-1350.0, 1.5, 0.0)

    0.4 m of firn left, no ice melt (the stake shows 0.4 m less):

    >>> annual_stake_balance(-0.4, 0.4, 0.0, 600.0)
    (240.0, 0.0, 0.4)

    0.2 m of snow (60 kg m-2) at the start: the exposure then was 0.2 m
    short of the summer surface, so only 1.3 m of ice melted:

    >>> annual_stake_balance(1.5, 0.0, 0.0, 600.0, start_snow=0.2, start_swe=60.0)
    (-1230.0, 1.3, 0.0)

    0.5 m of last year's firn (600 kg m-3) melted through, then 1.0 m of
    ice: ``-(600 * 0.5 + 900 * 1.0)``:

    >>> annual_stake_balance(1.5, 0.0, 0.0, 600.0, start_firn=0.5)
    (-1200.0, 1.5, 0.0)
    """
    rho_loss = params.ice_density if loss_density is None else loss_density
    rho_new = params.new_snow_density if new_snow_density is None else new_snow_density
    new_snow = min(max(new_snow, 0.0), max(snow, 0.0))
    rho_start = firn_density if start_firn_density is None else start_firn_density
    lost = E - start_snow + snow + superimposed
    ice_lost = max(lost, 0.0)
    firn_lost = min(ice_lost, max(start_firn, 0.0))
    kept = snow - new_snow + max(-lost, 0.0)
    balance = (
        -rho_start * firn_lost
        - rho_loss * (ice_lost - firn_lost)
        + params.ice_density * superimposed
        + firn_density * kept
    )
    if not stratigraphic:
        balance += rho_new * new_snow - start_swe
    return balance + 0.0, ice_lost, kept


def loss_material(
    surface_end: str | None, surface_start: str | None, start_snow: float = 0.0
) -> str:
    """What was lost below the old summer surface: ``"ice"`` or ``"firn"``.

    The surface recorded at the end reading decides (``ice`` and
    ``superimposed_ice``: ice; ``firn``: firn). When it is snow or not
    recorded, the old summer surface at the start reading decides
    (``firn``, or ``snow`` with no new snow on it: firn); else ice.

    >>> loss_material("firn", "ice"), loss_material(None, "snow"), loss_material("snow", "snow", 0.2)
    ('firn', 'firn', 'ice')
    """
    if surface_end in ("ice", "superimposed_ice"):
        return "ice"
    if surface_end == "firn":
        return "firn"
    if surface_start == "firn" or (surface_start == "snow" and start_snow <= 0):
        return "firn"
    return "ice"


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


def _snow_swe(depth: float, density: Density) -> tuple[float, float, float]:
    """SWE [kg m-2], density used [kg m-3] and its relative error [1] of a snow depth [m]."""
    if depth <= 0:
        rho = density.constant if density.profiles == () else density.density(0.1)
        return 0.0, rho, density.error
    swe = density.swe(depth)
    return swe, swe / depth, density.error


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
        return {k: math.nan for k in PLACE}
    return {k: _f(stakes.at[stake_id, k]) for k in PLACE}


def _z(value: float) -> float:
    """A blank (NaN) reading value as 0."""
    return 0.0 if math.isnan(value) else float(value)


def stake_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Winter, summer and annual balances at every stake for every balance year.

    Parameters
    ----------
    wb
        The workbook: ``stakes``, ``stake_readings``, ``balance_years`` and
        ``snow_pits`` (densities).
    params
        Densities, errors, ``date_tolerance``, ``pit_window``, the pit
        distance limits and ``fixed_date_correction``.

    Returns
    -------
    tuple
        The point balances (columns of ``schemas/point_balance.json``) and
        the issues, each naming the stake, the year and the reading.

    Notes
    -----
    For each balance year (t0, tw, t1) the readings nearest to those dates
    within ``date_tolerance`` days are used (r0, rw, r1). ``d0`` is the
    ``new_snow`` at r0: snow fallen on the summer surface before the start
    reading (the ``snow_depth`` at r0 is the previous year's snow and firn,
    below that summer surface).

    * winter: ``b_w = SWE(d_w) - SWE(d0)``, the snow depth ``d_w`` at rw
      through the density profile of the snow above the summer surface in
      the nearest pit of that survey (:func:`density_for`); in a
      stratigraphic year (``time_system`` STR or COM) ``b_w = SWE(d_w)``.
      A stake with no snow depth at rw gives ``d_w = d0 + c(r0) - c(rw)``
      (no winter melt assumed). A buried stake needs only its snow depth.
    * annual: :func:`annual_stake_balance` of the chained exposure change
      ``E = c(r1) - c(r0)``; what is lost below the old summer surface is
      ice or firn by :func:`loss_material` (the surface at r1, else at r0),
      firn at ``firn_density``; old snow and firn left at r1 counts at the
      density of the nearest pit of that survey (``firn_density`` without
      one), the ``new_snow`` at its top at ``new_snow_density``. A stake
      buried at r1 (no exposure, a snow depth) is taken to have lost
      nothing below the summer surface.
    * summer: ``b_s = b_a - b_w`` over (rw, r1).
    * a lost stake gives no annual balance from the year of its loss on,
      and an issue.
    * with ``params.fixed_date_correction`` the balances are moved to the
      year's dates (:func:`fixed_date`) and the correction is given in the
      remarks.

    Uncertainty: two readings (``√2 ρ σ_h``), the density errors of the
    layers, the depth error of snow and firn and, for readings away from
    the year's dates, the balance rate times the days off (Zemp et al.
    2013, doi:10.5194/tc-7-1227-2013).
    """
    return _stake_balances(wb, params, _chain_all(wb["stake_readings"]))


def _stake_balances(
    wb: Workbook, params: Parameters, readings: _Chained
) -> tuple[pd.DataFrame, list[Issue]]:
    """:func:`stake_balances` of the readings chained (:func:`_chain_all`)."""
    years = balance_years(wb)
    pits = workbook_pits(wb)
    stakes = wb["stakes"].dropna(subset=["stake_id"]).drop_duplicates("stake_id")
    places = _stake_places(stakes.set_index("stake_id"), readings.stake_ids)
    dates = [
        (_ns(y.begin), _ns(y.end), None if y.winter_end is None else _ns(y.winter_end))
        for y in years
    ]
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    for k in range(len(readings.stake_ids)):
        where = {name: float(places[name][k]) for name in PLACE}
        _stake_years(wb, readings, k, where, years, dates, pits, params, rows, issues)
    return _frame(rows), issues


def _stake_years(wb: Workbook, ch: _Chained, k: int, where: dict[str, float], years: list[Year],
                 dates: list[tuple[int, int, int | None]], pits: list[Pit], params: Parameters,
                 rows: list[dict[str, Any]], issues: list[Issue]) -> None:  # fmt: skip
    """The balances of stake ``k`` of ``ch`` in every balance year (:func:`stake_balances`),
    appended to ``rows`` and ``issues``; ``dates``: each year's begin, end and end of winter
    [ns]."""
    sid = ch.stake_ids[k]
    tol = params.date_tolerance
    margin = tol * DAY_NS
    date = ch.date
    own = np.arange(ch.start[k], ch.start[k + 1])
    lost_rows = own[ch.event[own] == "lost"]
    lost_at = int(date[lost_rows].min()) if lost_rows.size else None
    alive = own[ch.event[own] != "lost"]
    usable = alive[~np.isnan(ch.c[alive])]
    # their dates once per stake; each year takes its slice by binary search (_between)
    alive_d, usable_d = date[alive], date[usable]
    # firn left below the summer surface by earlier years [m] and its density [kg m-3]: a start
    # reading records only the year before's firn (or, where the stake was drilled, all of it)
    older, older_rho, older_eps = 0.0, params.firn_density, params.estimated_density_error
    previous: int | None = None  # the last year with an annual balance (older is known after it)
    for y, (begin, end, winter_end) in zip(years, dates, strict=True):
        if lost_at is not None and lost_at <= begin:
            continue
        if previous != y.year - 1:
            older = 0.0
        # the readings r0 (near the begin), rw (winter) and r1 (near the end) can be
        alive_y, alive_yd = _between(alive_d, alive, begin - margin, end + margin)
        usable_y, usable_yd = _between(usable_d, usable, begin - margin, end + margin)
        r0 = _nearest_dated(usable_yd, usable_y, begin, tol)
        # d0: new snow on the summer surface at the start reading (snow_depth there is the
        # previous year's firn, below the summer surface this year starts from)
        d0 = _z(ch.new_snow[r0]) if r0 is not None else 0.0
        swe0 = 0.0
        if d0 > 0 and r0 is not None:
            start_density = density_for(pits, ch.when(r0), where, params, params.new_snow_density,
                                        "new snow")  # fmt: skip
            swe0 = start_density.swe(d0)
        count0 = 0.0 if y.stratigraphic else swe0
        rw = None
        if winter_end is not None and r0 is not None:
            pick = (alive_yd > date[r0]) & (alive_yd < end)
            later, later_d = alive_y[pick], alive_yd[pick]
            depth_known = ~np.isnan(ch.snow_depth[later])
            rw = _nearest_dated(later_d[depth_known], later[depth_known], winter_end, tol)
            if rw is None:
                same = later[(ch.segment[later] == ch.segment[r0]) & ~np.isnan(ch.c[later])]
                rw = _nearest(date, same, winter_end, tol)
        b_w = w_unc = math.nan
        winter_row: dict[str, Any] | None = None
        if rw is not None and r0 is not None:
            if not math.isnan(ch.snow_depth[rw]):
                depth, remark = float(ch.snow_depth[rw]), None
            else:
                depth = d0 + max(float(ch.c[r0]) - float(ch.c[rw]), 0.0)
                remark = "snow depth from the exposure drop (no winter melt assumed)"
            dens = density_for(pits, ch.when(rw), where, params, params.snow_density)
            swe_w, rho, eps = _snow_swe(depth, dens)
            b_w = swe_w - count0
            w_unc = math.hypot(rho * params.depth_error, swe_w * eps)
            notes = [remark, dens.note]
            if d0 > 0:
                notes.append(f"{d0:g} m of snow at the start ({swe0:.0f} kg m-2) "
                             + ("counted: stratigraphic year" if y.stratigraphic else "subtracted"))  # fmt: skip
            winter_row = _row(sid, y.year, ch.when(r0), ch.when(rw), "winter", b_w, w_unc, rho, rho * eps,
                              where, "stake", "; ".join(n for n in notes if n))  # fmt: skip
            rows.append(winter_row)
        if lost_at is not None and lost_at <= end + margin:
            issues.append(_issue(wb, "stake-lost", f"stake {sid} was lost on {pd.Timestamp(lost_at).date()}: "
                                 f"no annual balance for {y.year}", ch.label[lost_rows[0]], "event", y.year,
                                 sid))  # fmt: skip
            continue
        start = date[r0] if r0 is not None else begin
        after = alive_yd > start
        r1 = _nearest_dated(alive_yd[after], alive_y[after], end, tol)
        if r0 is None or r1 is None:
            there = r1 if r0 is None else r0
            if there is not None:
                missing = "begin" if r0 is None else "end"
                when = y.begin if r0 is None else y.end
                issues.append(_issue(wb, "no-annual-reading", f"stake {sid} has no reading near the "
                                     f"{missing} of balance year {y.year} ({when.date()} ± {tol} d)",
                                     ch.label[there], "date", y.year, sid))  # fmt: skip
            continue
        t0, t1 = ch.when(r0), ch.when(r1)
        snow = _z(ch.snow_depth[r1])
        new = min(_z(ch.new_snow[r1]), snow)
        superimposed = _z(ch.superimposed_ice[r1])
        remark = None
        if not math.isnan(ch.c[r1]) and ch.segment[r1] == ch.segment[r0]:
            E = float(ch.c[r1]) - float(ch.c[r0])
        elif math.isnan(ch.exposure[r1]) and snow > 0:
            E, remark = (
                d0 - snow - superimposed,
                "stake buried: snow depth only, no loss below the summer surface assumed",
            )
        else:
            issues.append(_issue(wb, "broken-chain", f"stake {sid}: the exposure on {t1.date()} "
                                 f"cannot be chained to {t0.date()} (a re-drill or extension "
                                 f"without both exposures); no annual balance for {y.year}",
                                 ch.label[r1], "exposure", y.year, sid))  # fmt: skip
            continue
        material = loss_material(ch.surface[r1], ch.surface[r0], d0)
        kept_guess = snow - new + max(-(E - d0 + snow + superimposed), 0.0)
        end_density = density_for(pits, t1, where, params, params.firn_density, "firn",
                                  winter=False)  # fmt: skip
        _, firn_rho, eps = _snow_swe(kept_guess, end_density)
        loss_rho = params.firn_density if material == "firn" else params.ice_density
        loss_eps = (
            params.estimated_density_error if material == "firn" else params.ice_density_error
        )
        # the previous year's firn, recorded at the start on a firn surface, melts first
        f0 = 0.0
        f0_rho, f0_eps = params.firn_density, params.estimated_density_error
        f0_density: Density | None = None
        if ch.surface[r0] == "firn" and not math.isnan(ch.snow_depth[r0]):
            f0 = max(float(ch.snow_depth[r0]) - d0, 0.0)
            if f0 > 0:
                f0_density = density_for(pits, t0, where, params, params.firn_density, "firn",
                                         winter=False)  # fmt: skip
                _, f0_rho, f0_eps = _snow_swe(f0, f0_density)
        recorded = f0
        if older > 0:  # the older firn below it melts next, before what lies below
            total = f0 + older
            f0_rho = (f0_rho * f0 + older_rho * older) / total
            f0_eps = (f0_eps * f0 + older_eps * older) / total
            f0 = total
        b_a, lost, kept = annual_stake_balance(
            E, snow, superimposed, firn_rho, params, loss_rho, start_snow=d0, start_swe=swe0,
            new_snow=new, stratigraphic=y.stratigraphic, start_firn=f0, start_firn_density=f0_rho,
        )  # fmt: skip
        firn_lost = min(lost, f0)
        # what is left of the old firn lies below next year's recorded firn; none on ice
        older = 0.0 if ch.surface[r1] == "ice" else max(f0 - lost, 0.0)
        older_rho, older_eps = f0_rho, f0_eps
        previous = y.year
        days = max(int(date[r1] - date[r0]) // DAY_NS, 1)
        off_days = abs(int(date[r0] - begin) // DAY_NS) + abs(int(date[r1] - end) // DAY_NS)
        density = loss_rho if lost >= kept else firn_rho
        counted_new = 0.0 if y.stratigraphic else new
        unc = math.sqrt(
            2 * (density * params.stake_reading_error) ** 2
            + (loss_rho * loss_eps * (lost - firn_lost)) ** 2
            + (f0_rho * f0_eps * firn_lost) ** 2
            + ((firn_rho * params.depth_error) ** 2 if kept > 0 else 0.0)
            + (firn_rho * eps * kept) ** 2
            + (params.new_snow_density * params.estimated_density_error * counted_new) ** 2
            + (count0 * params.estimated_density_error) ** 2
            + (params.ice_density * params.stake_reading_error if superimposed > 0 else 0.0) ** 2
            + (abs(b_a) / days * off_days) ** 2
        )
        density_unc = density * (loss_eps if lost >= kept else eps)
        notes = [remark]
        if min(firn_lost, recorded) > 0 and f0_density is not None:
            notes.append(f"{min(firn_lost, recorded):.2f} m of the previous year's firn lost: "
                         f"{f0_density.note}")  # fmt: skip
        if firn_lost > recorded:
            notes.append(f"{firn_lost - recorded:.2f} m of firn left by earlier years lost")
        if lost > firn_lost:
            notes.append(
                f"{lost - firn_lost:.2f} m of {material} lost below the summer surface"
                + (" and its firn" if firn_lost > 0 else "")
                + f" at {loss_rho:g} kg m-3"
            )
        if kept > 0:
            notes.append(f"{kept:.2f} m of firn and old snow left: {end_density.note}")
        if new > 0:
            notes.append(f"{new:g} m of new snow "
                         + ("left to the next year (stratigraphic)" if y.stratigraphic
                            else f"at {params.new_snow_density:g} kg m-3"))  # fmt: skip
        if d0 > 0:
            notes.append(f"{d0:g} m of snow at the start ({swe0:.0f} kg m-2) "
                         + ("counted: stratigraphic year" if y.stratigraphic else "subtracted"))  # fmt: skip
        annual_row = _row(sid, y.year, t0, t1, "annual", b_a, unc, density, density_unc,
                          where, "stake", "; ".join(n for n in notes if n) or None)  # fmt: skip
        rows.append(annual_row)
        summer_row = None
        if rw is not None and math.isfinite(b_w):
            summer_row = _row(sid, y.year, ch.when(rw), t1, "summer", b_a - b_w,
                              math.hypot(unc, w_unc), density, density_unc, where, "stake", remark)  # fmt: skip
            rows.append(summer_row)
        if params.fixed_date_correction:
            fixed_date(y, annual_row, winter_row, summer_row)


def fixed_date(
    y: Year,
    annual: dict[str, Any],
    winter: dict[str, Any] | None = None,
    summer: dict[str, Any] | None = None,
) -> None:
    """Move a stake's balances of one year from its reading dates to the year's dates (in place).

    Parameters
    ----------
    y
        The balance year (its begin, end of winter and end dates).
    annual, winter, summer
        The stake's rows of the year (:func:`stake_balances`); ``balance``
        [kg m-2], ``from_date`` and ``to_date`` are changed and the
        correction is added to the remarks.

    Notes
    -----
    The balance rate is taken as constant over each season at the point
    (the linear "rate" correction; Kaser et al. 2003, ch. 5): summer rate
    ``r_s = b_s / (t1 - tw)``, or ``b_a / (t1 - t0)`` without a winter
    reading, winter rate ``r_w = b_w / (tw - t0)`` [kg m-2 d-1]. With the
    reading dates t and the year's dates t',

    .. math::

        b_a' = b_a + r_s (t_1' - t_1) - r_s (t_0' - t_0), \\quad
        b_w' = b_w + r_w (t_w' - t_w) - r_s (t_0' - t_0), \\quad
        b_s' = b_a' - b_w'.

    The days between the start reading and the year's begin fall at the
    end of the previous ablation season, hence ``r_s`` at both ends of the
    year. The correction is an estimate: the date term stays in the
    uncertainty.
    """
    t0, t1 = annual["from_date"], annual["to_date"]
    if winter is not None and summer is not None and y.winter_end is not None:
        tw = winter["to_date"]
        r_s = summer["balance"] / max((t1 - tw).days, 1)
        r_w = winter["balance"] / max((tw - t0).days, 1)
    else:
        r_s = annual["balance"] / max((t1 - t0).days, 1)
        r_w = math.nan
    start_shift = (y.begin - t0).days
    d_a = r_s * (y.end - t1).days - r_s * start_shift
    rows = [(annual, d_a, y.begin, y.end)]
    if winter is not None and summer is not None and y.winter_end is not None:
        d_w = r_w * (y.winter_end - winter["to_date"]).days - r_s * start_shift
        rows += [(winter, d_w, y.begin, y.winter_end), (summer, d_a - d_w, y.winter_end, y.end)]
    for row, change, begin, end in rows:
        note = (f"fixed-date correction {change:+.0f} kg m-2 from the readings of "
                f"{row['from_date'].date()} - {row['to_date'].date()} to {begin.date()} - {end.date()}")  # fmt: skip
        row["balance"] = row["balance"] + change
        row["from_date"], row["to_date"] = begin, end
        row["remarks"] = f"{row['remarks']}; {note}" if row["remarks"] else note


def _zeros(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN (blank) as 0."""
    return np.where(np.isnan(values), 0.0, values)


def _near_boundaries(boundaries: np.ndarray, dates: np.ndarray, tolerance: int) -> np.ndarray:
    """Whether each date [ns] lies within ``tolerance`` whole days of a balance year's begin or end
    (``boundaries``: those dates sorted [ns]; a binary search)."""
    near = np.zeros(len(dates), dtype=bool)
    if boundaries.size == 0:
        return near
    i = np.searchsorted(boundaries, dates)
    for j in (i - 1, i):
        inside = (j >= 0) & (j < boundaries.size)
        other = boundaries[np.clip(j, 0, boundaries.size - 1)]
        near |= inside & (np.abs(np.trunc((dates - other) / DAY_NS)) <= tolerance)
    return near


def _within(sorted_dates: np.ndarray, dates: np.ndarray, limit: int) -> np.ndarray:
    """Whether each date [ns] lies within ``limit`` [ns] of one of ``sorted_dates`` [ns]."""
    if sorted_dates.size == 0:
        return np.zeros(len(dates), dtype=bool)
    i = np.searchsorted(sorted_dates, dates)
    before = sorted_dates[np.maximum(i - 1, 0)]
    after = sorted_dates[np.minimum(i, sorted_dates.size - 1)]
    return (np.abs(dates - before) <= limit) | (np.abs(after - dates) <= limit)


def _nearest_per_stake(
    ch: _Chained, rows: np.ndarray, when: np.ndarray, tolerance: int
) -> np.ndarray:
    """Per stake, of its readings among ``rows``, the one dated nearest to the stake's ``when`` [ns]
    if within ``tolerance`` days (the first of ties; :func:`_nearest`), else -1."""
    found = np.full(len(ch.stake_ids), -1, dtype=np.int64)
    if rows.size == 0:
        return found
    stake = ch.stake[rows]
    days = np.abs(ch.date[rows] - when[stake]) // DAY_NS
    order = np.lexsort((days, stake))  # stable: by stake, then days, then reading order
    best = order[np.append(True, stake[order][1:] != stake[order][:-1])]
    ok = days[best] <= tolerance
    found[stake[best][ok]] = rows[best][ok]
    return found


def _loss_is_firn(
    surface_end: np.ndarray, surface_start: np.ndarray, start_snow: np.ndarray
) -> np.ndarray:
    """:func:`loss_material` of many readings: True where firn was lost, False for ice."""
    ice = (surface_end == "ice") | (surface_end == "superimposed_ice")
    firn = (surface_end == "firn") | (surface_start == "firn")
    return ~ice & (firn | ((surface_start == "snow") & (start_snow <= 0)))


def _stake_places(stakes: pd.DataFrame, ids: list[str]) -> dict[str, np.ndarray]:
    """Elevation [m], x, y [m], latitude and longitude [°] of each stake of ``ids`` (:func:`_where`)."""
    return {k: pd.to_numeric(stakes[k]).reindex(ids).to_numpy(dtype=float, na_value=np.nan)
            for k in PLACE}  # fmt: skip


def _texts(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    """A column of text, ``names[code]`` in each row (-1: blank), as a categorical: the schema's
    conversion (:func:`_frame`) then converts each name once, not each row."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))


def _index_swe(ch: _Chained, rows: np.ndarray, stakes: pd.DataFrame, years: list[Year],
               pits: list[Pit], params: Parameters) -> np.ndarray:  # fmt: skip
    """SWE [kg m-2] of the snow depth at each reading of ``rows`` (NaN at the other readings), for
    :func:`index_balances`: through the nearest pit of the survey (:func:`density_for`), the firn
    density near a year's begin or end, else the snow density."""
    boundaries = np.unique(
        np.array([_ns(d) for y in years for d in (y.begin, y.end)], dtype=np.int64)
    )
    near_end = _near_boundaries(boundaries, ch.date[rows], params.date_tolerance)
    depth = _zeros(ch.snow_depth[rows])
    default = np.where(near_end, params.firn_density, params.snow_density)
    swe = np.where(depth > 0, default * depth, 0.0)
    # readings that may have a pit of their survey: through its profile, one reading at a time
    pit_dates = np.sort(np.array([_ns(p.date) for p in pits], dtype=np.int64))
    for j in np.flatnonzero(_within(pit_dates, ch.date[rows], (params.pit_window + 1) * DAY_NS)):
        i = int(rows[j])
        where = _where(stakes, ch.stake_ids[ch.stake[i]])
        dens = density_for(
            pits, ch.when(i), where, params, float(default[j]), winter=not bool(near_end[j])
        )
        swe[j] = _snow_swe(float(depth[j]), dens)[0]
    out = np.full(len(ch.date), np.nan)
    out[rows] = swe
    return out


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

    with SWE through the nearest pit of each survey (:func:`density_for`;
    the default snow density without one, the firn density near a year's
    begin or end) and ``ρ_l`` the ice or firn density by
    :func:`loss_material`.
    """
    return _index_balances(wb, params, _chain_all(wb["stake_readings"]), start, end)


def _index_balances(wb: Workbook, params: Parameters, ch: _Chained, start: pd.Timestamp | None = None,
                    end: pd.Timestamp | None = None) -> pd.DataFrame:  # fmt: skip
    """:func:`index_balances` of the readings chained (:func:`_chain_all`)."""
    years = balance_years(wb)
    pits = workbook_pits(wb)
    stakes = wb["stakes"].dropna(subset=["stake_id"]).drop_duplicates("stake_id")
    stakes = stakes.set_index("stake_id")
    tol = params.date_tolerance
    # readings that can be differenced: not a loss, an exposure, the first of its date
    alive = np.flatnonzero((ch.event != "lost") & ~np.isnan(ch.c))
    first = np.ones(alive.size, dtype=bool)
    first[1:] = (ch.stake[alive][1:] != ch.stake[alive][:-1]) | (
        ch.date[alive][1:] != ch.date[alive][:-1]
    )
    alive = alive[first]
    if start is not None and end is not None:
        a = _nearest_per_stake(ch, alive, np.full(len(ch.stake_ids), _ns(start)), tol)
        after = np.where(a >= 0, ch.date[np.maximum(a, 0)], _ns(start))
        b = _nearest_per_stake(ch, alive[ch.date[alive] > after[ch.stake[alive]]], np.full(len(after), _ns(end)),
                               tol)  # fmt: skip
        both = (a >= 0) & (b >= 0)
        a, b = a[both], b[both]
    else:  # consecutive readings of a stake
        same = ch.stake[alive][1:] == ch.stake[alive][:-1]
        a, b = alive[:-1][same], alive[1:][same]
    keep = ch.segment[a] == ch.segment[b]
    a, b = a[keep], b[keep]
    paired = np.zeros(len(ch.date), dtype=bool)
    paired[a] = paired[b] = True
    swe = _index_swe(ch, np.flatnonzero(paired), stakes, years, pits, params)
    depth_a, depth_b = _zeros(ch.snow_depth[a]), _zeros(ch.snow_depth[b])
    ds = _zeros(ch.superimposed_ice[b]) - _zeros(ch.superimposed_ice[a])
    rest = -(ch.c[b] - ch.c[a]) - (depth_b - depth_a) - ds
    firn = _loss_is_firn(ch.surface[b], ch.surface[a], depth_a)
    loss_rho = np.where(firn, params.firn_density, params.ice_density)
    balance = (swe[b] - swe[a] + params.ice_density * ds + loss_rho * np.minimum(rest, 0.0)
               + params.firn_density * np.maximum(rest, 0.0))  # fmt: skip
    # math.hypot (correctly rounded) rather than np.hypot, which differs in the last bit
    unc = np.fromiter(map(math.hypot, math.sqrt(2) * loss_rho * params.stake_reading_error,
                          np.abs(balance) * params.estimated_density_error), float, len(b))  # fmt: skip
    # the balance year of the end reading, else its calendar year
    found = _year_index(years, ch.date[b], tol)
    year = pd.DatetimeIndex(ch.date[b].view("datetime64[ns]")).year.to_numpy(dtype=np.int64)
    year[found >= 0] = np.array([y.year for y in years], dtype=np.int64)[found[found >= 0]]
    where = _stake_places(stakes, ch.stake_ids)
    same = np.zeros(len(b), dtype=np.int64)
    columns = {
        "point_id": _texts(ch.stake[b], ch.stake_ids), "year": year,
        "from_date": ch.date[a].view("datetime64[ns]"), "to_date": ch.date[b].view("datetime64[ns]"),
        "balance_code": _texts(same, ["index"]), "balance": balance, "balance_unc": unc,
        "density": np.nan, "density_unc": np.nan, **{k: v[ch.stake[b]] for k, v in where.items()},
        "source": _texts(same, ["stake"]), "remarks": _texts(same - 1, []),
    }  # fmt: skip
    return _frame(pd.DataFrame(columns, index=pd.RangeIndex(len(b)), columns=COLUMNS))


def _site_depths(wb: Workbook, params: Parameters) -> pd.DataFrame:
    """Snow depths measured by stakes and probes: date, x, y, depth [m], what (for pit checks)."""
    stakes = (
        wb["stakes"].dropna(subset=["stake_id"]).drop_duplicates("stake_id").set_index("stake_id")
    )
    r = wb["stake_readings"].dropna(subset=["stake_id", "date", "snow_depth"])
    frames = []
    if len(r):
        frames.append(pd.DataFrame({
            "date": r["date"].to_numpy(), "depth": r["snow_depth"].to_numpy(float),
            "x": r["stake_id"].map(stakes["x"]).to_numpy(float) if len(stakes) else np.nan,
            "y": r["stake_id"].map(stakes["y"]).to_numpy(float) if len(stakes) else np.nan,
            "what": ("stake " + r["stake_id"].astype(str)).to_numpy(),
        }))  # fmt: skip
    pr = wb["probes"].dropna(subset=["date", "snow_depth"])
    if len(pr):
        frames.append(pd.DataFrame({
            "date": pr["date"].to_numpy(), "depth": pr["snow_depth"].to_numpy(float),
            "x": pr["x"].to_numpy(float), "y": pr["y"].to_numpy(float),
            "what": ("probe " + pr["probe_id"].fillna("?").astype(str)).to_numpy(),
        }))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=["date", "depth", "x", "y", "what"])
    return pd.concat(frames, ignore_index=True)


def pit_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Point balances from snow pits: ``SWE = Σ h_k ρ_k`` over the layers [kg m-2].

    Parameters
    ----------
    wb
        The workbook (``snow_pits``, ``balance_years``; ``stake_readings``
        and ``probes`` for the depth of the snow at the pit).
    params
        ``date_tolerance``, ``pit_window``, ``winter_site_distance``,
        ``depth_error`` and ``measured_density_error``.

    Returns
    -------
    tuple
        Point balances and issues: pits outside every balance year, gaps
        filled (``pit-gap``), pits short of the summer surface
        (``pit-short``).

    Notes
    -----
    A pit is dug down to the last summer surface, so its SWE is the balance
    since the begin of the balance year: a winter balance when dug within
    ``date_tolerance`` days of the end of winter (only the snow above the
    first firn or ice layer: :func:`pit_record`), an annual balance (the
    snow and firn left in the accumulation area, all layers) when dug near
    the end of the year, an ``index`` balance otherwise. Gaps between
    layers are filled with the mean density of their neighbours and
    reported. A winter pit whose bottom is snow while a stake or probe
    within ``winter_site_distance`` of it (same survey, ``pit_window``)
    measured more snow did not reach the summer surface: its SWE is
    extended to that depth with the tail density (mean of its lowest two
    layers) and the pit is flagged. Uncertainty
    ``σ² = (ρ̄ σ_d)² + (SWE ε_ρ)²`` with the mean density ``ρ̄``.
    """
    years = balance_years(wb)
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    pits = workbook_pits(wb)
    depths = _site_depths(wb, params) if pits else pd.DataFrame()
    for pit in pits:
        y = year_of(years, pit.date, params.date_tolerance)
        layers = wb["snow_pits"][
            (wb["snow_pits"]["pit_id"] == pit.pit_id) & (wb["snow_pits"]["date"] == pit.date)
        ]
        where = {"elevation": pit.elevation, "x": pit.x, "y": pit.y,
                 "latitude": _f(layers["latitude"].iloc[0]), "longitude": _f(layers["longitude"].iloc[0])}  # fmt: skip
        sheet = wb.sheet_name("snow_pits")
        if y is None:
            row, _ = wb.locate("snow_pits", layers.index[0], "date")
            issues.append(Issue("pit-outside-years", "warning",
                                f"pit {pit.pit_id} dug on {pit.date.date()} falls in no balance year",
                                sheet=sheet, row=row, column="date", value=pit.pit_id))  # fmt: skip
            continue
        tol = params.date_tolerance
        if y.winter_end is not None and abs((pit.date - y.winter_end).days) <= tol:
            code = "winter"
        elif abs((pit.date - y.end).days) <= tol:
            code = "annual"
        else:
            code = "index"
        record = pit.record if pit.record is not None else pit_record(layers)
        profile = record.snow if code == "winter" else record.profile
        remarks = []
        if code == "winter" and record.reached:
            remarks.append(
                f"snow above the summer surface at {record.snow_depth:g} m (firn or ice below)"
            )
        if profile is None:
            row, _ = wb.locate("snow_pits", layers.index[0], "layer")
            issues.append(Issue("pit-no-snow", "warning", f"pit {pit.pit_id} of {pit.date.date()} has no snow "
                                "above its first firn or ice layer: no winter balance", sheet=sheet, row=row,
                                column="layer", value=pit.pit_id, year=y.year))  # fmt: skip
            continue
        swe = float(profile.mass[-1])
        depth = float(profile.depth[-1])
        gaps = [g for g in record.gaps if g[1] <= depth + 1e-9]
        if gaps:
            filled = sum((b - t) * r for t, b, r in gaps)
            text = ", ".join(f"{t:g}-{b:g} m at {r:.0f}" for t, b, r in gaps)
            remarks.append(f"gaps filled: {text} kg m-3 (+{filled:.0f} kg m-2)")
            row, _ = wb.locate("snow_pits", layers.index[0], "top_depth")
            issues.append(Issue("pit-gap", "warning", f"pit {pit.pit_id} of {pit.date.date()}: "
                                f"{len(gaps)} gap(s) between sampled layers ({text} kg m-3) filled by "
                                f"interpolating the density: +{filled:.0f} kg m-2", sheet=sheet, row=row,
                                column="top_depth", value=pit.pit_id, year=y.year))  # fmt: skip
        if (
            code == "winter"
            and not record.reached
            and len(depths)
            and not math.isnan(pit.x + pit.y)
        ):
            near = depths[((depths["date"] - pit.date).abs().dt.days <= params.pit_window)
                          & (np.hypot(depths["x"] - pit.x, depths["y"] - pit.y) <= params.winter_site_distance)]  # fmt: skip
            if len(near) and near["depth"].max() > depth + params.depth_error:
                deepest = near.loc[near["depth"].idxmax()]
                site = float(deepest["depth"])
                extra = (site - depth) * profile.tail_density
                swe += extra
                remarks.append(f"pit short of the summer surface: extended from {depth:g} to {site:g} m "
                               f"({deepest['what']}) at {profile.tail_density:.0f} kg m-3")  # fmt: skip
                row, _ = wb.locate("snow_pits", layers.index[-1], "bottom_depth")
                issues.append(Issue("pit-short", "warning", f"pit {pit.pit_id} of {pit.date.date()} ends in snow at "
                                    f"{depth:g} m but {deepest['what']} beside it measured {site:g} m of snow: it did "
                                    f"not reach the summer surface; extended at the tail density "
                                    f"{profile.tail_density:.0f} kg m-3 (+{extra:.0f} kg m-2)", sheet=sheet,
                                    row=row, column="bottom_depth", value=depth, year=y.year))  # fmt: skip
                depth = site
        rho = swe / depth if depth else math.nan
        unc = math.hypot(
            rho * params.depth_error if depth else 0.0, swe * params.measured_density_error
        )
        rows.append(_row(pit.pit_id, y.year, y.begin, pit.date, code, swe, unc, rho,
                         rho * params.measured_density_error, where, "pit", "; ".join(remarks) or None))  # fmt: skip
    return _frame(rows), issues


def probe_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Point balances from probed snow depths.

    Parameters
    ----------
    wb
        The workbook (``probes``, ``snow_pits``, ``balance_years``).
    params
        Densities, errors, ``date_tolerance``, ``pit_window`` and the pit
        distance limits.

    Returns
    -------
    tuple
        Point balances and issues (probes outside every balance year).

    Notes
    -----
    A depth ``D`` converts to SWE through the cumulative mass-depth curve
    ``M(D)`` of the nearest pit of the same survey within the distance
    limits, or the mean curve of equally near pits or, beyond the limits,
    of all the survey's pits (:func:`density_for`), interpolated linearly
    between layer boundaries; below a pit's bottom
    ``M(D) = M(D_pit) + (D - D_pit) ρ_tail`` with ``ρ_tail`` the mean
    density of the pit's lowest two layers (said in the remarks). Winter
    probes use the pits' snow above the summer surface; end-of-summer
    probes all layers. Without a pit, the default snow density (winter) or
    firn density (end of summer). The remarks say which. Balance code as
    for pits (:func:`pit_balances`).
    """
    years = balance_years(wb)
    pits = workbook_pits(wb)
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    probes = wb["probes"].dropna(subset=["date", "snow_depth"])
    for i, p in zip(probes.index, probes.to_dict("records"), strict=True):
        date = pd.Timestamp(p["date"])
        y = year_of(years, date, params.date_tolerance)
        if y is None:
            row, _ = wb.locate("probes", i, "date")
            issues.append(Issue("probe-outside-years", "warning", f"probe {p['probe_id'] or ''} on {date.date()} "
                                "falls in no balance year", sheet=wb.sheet_name("probes"), row=row,
                                column="date", value=str(date.date())))  # fmt: skip
            continue
        where = {k: _f(p[k]) for k in PLACE}
        tol = params.date_tolerance
        if y.winter_end is not None and abs((date - y.winter_end).days) <= tol:
            code = "winter"
        elif abs((date - y.end).days) <= tol:
            code = "annual"
        else:
            code = "index"
        winter = code != "annual"
        dens = density_for(pits, date, where, params,
                           params.snow_density if winter else params.firn_density,
                           "snow" if winter else "firn", winter=winter)  # fmt: skip
        depth = float(p["snow_depth"])
        swe, rho, eps = _snow_swe(depth, dens)
        remark = dens.note
        below = [pr for pr in dens.profiles if depth > pr.depth[-1]]
        if len(dens.profiles) == 1 and below:
            pr = below[0]
            remark = (f"below pit {dens.note.removeprefix('density from pit ')} ({pr.depth[-1]:g} m): "
                      f"tail density {pr.tail_density:.0f} kg m-3")  # fmt: skip
        elif below:
            remark += f"; below {len(below)} of them: their tail densities"
        unc = math.hypot(rho * params.depth_error, swe * eps)
        pid = p["probe_id"] if isinstance(p["probe_id"], str) else f"probe-{int(str(i)) + 1}"
        rows.append(_row(str(pid), y.year, y.begin, date, code, swe, unc, rho, rho * eps, where, "probe",
                         remark))  # fmt: skip
    return _frame(rows), issues


def _frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Point balances from row dicts or a frame, in the columns and dtypes of the schema."""
    from mbpack.workbook.model import conform

    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=COLUMNS)
    return conform("point_balance", frame)


def winter_sites(points: pd.DataFrame, params: Parameters = DEFAULT) -> pd.DataFrame:
    """One winter balance per site: a stake's snow depth, pits and probes beside it combined.

    Parameters
    ----------
    points
        Point balances (:func:`point_balances`' columns).
    params
        ``winter_site_distance`` [m].

    Returns
    -------
    pandas.DataFrame
        ``points`` with every winter pit or probe that lies within
        ``winter_site_distance`` of a winter stake (else of a winter pit)
        of the same year merged into it: the site keeps the stake's (pit's)
        id and position, its balance is the mean of the members' [kg m-2],
        its uncertainty ``√Σσ² / n``, and its remarks name the members.
        Points without x/y stay as they are.

    Examples
    --------
    >>> pts = pd.DataFrame({"point_id": ["A", "p1", "p2"], "year": 2001, "balance_code": "winter",
    ...                     "balance": [300.0, 330.0, 500.0], "balance_unc": [30.0, 40.0, 40.0],
    ...                     "x": [0.0, 3.0, 80.0], "y": 0.0, "source": ["stake", "probe", "probe"],
    ...                     "remarks": None})
    >>> winter_sites(pts)[["point_id", "balance"]].values.tolist()
    [['A', 315.0], ['p2', 500.0]]
    """
    from scipy.spatial import cKDTree

    if points.empty:
        return points
    out = points.copy(deep=False)  # copy-on-write: the columns changed are copied, not all
    drop: list[Any] = []
    rank = {"stake": 0, "pit": 1, "probe": 2}
    winter = out[(out["balance_code"] == "winter") & out["x"].notna() & out["y"].notna()]
    for _, group in winter.groupby("year"):
        anchors: list[Any] = []
        members: dict[Any, list[Any]] = {}
        for kind in (0, 1, 2):
            rows = group[group["source"].map(rank).fillna(2) == kind]
            if rows.empty:
                continue
            if anchors:
                tree = cKDTree(out.loc[anchors, ["x", "y"]].to_numpy(float))
                dist, idx = tree.query(rows[["x", "y"]].to_numpy(float))
            else:
                dist, idx = np.full(len(rows), np.inf), np.zeros(len(rows), int)
            new_anchors = []
            for label, d, k in zip(rows.index, dist, idx, strict=True):
                if d <= params.winter_site_distance:
                    members[anchors[int(k)]].append(label)
                elif kind < 2:
                    new_anchors.append(label)
                    members[label] = []
            anchors += new_anchors
        for anchor, joined in members.items():
            if not joined:
                continue
            every = [anchor, *joined]
            values = out.loc[every, "balance"].astype(float)
            names = ", ".join(
                f"{out.at[i, 'source']} {out.at[i, 'point_id']} {out.at[i, 'balance']:.0f}"
                for i in every
            )
            note = f"one winter site (within {params.winter_site_distance:g} m): mean of {names} kg m-2"
            out.at[anchor, "balance"] = float(values.mean())
            sig = out.loc[every, "balance_unc"].astype(float)
            if sig.notna().all():
                out.at[anchor, "balance_unc"] = float(np.sqrt((sig**2).sum()) / len(every))
            old = out.at[anchor, "remarks"]
            out.at[anchor, "remarks"] = f"{old}; {note}" if isinstance(old, str) and old else note
            drop += joined
    return (out.drop(index=drop) if drop else out).reset_index(drop=True)


def point_balances(wb: Workbook, params: Parameters = DEFAULT) -> tuple[pd.DataFrame, list[Issue]]:
    """Every point balance of the workbook: stakes (seasonal and index), pits and probes.

    Parameters
    ----------
    wb
        The workbook: ``stakes``, ``stake_readings``, ``snow_pits``,
        ``probes`` and ``balance_years``.
    params
        Densities [kg m-3], errors, ``date_tolerance`` and ``pit_window``
        [days], ``winter_site_distance`` [m], passed to
        :func:`stake_balances`, :func:`index_balances`,
        :func:`pit_balances`, :func:`probe_balances` and
        :func:`winter_sites`.

    Returns
    -------
    tuple
        The point balances sorted by year, balance code, point and date
        (columns of ``schemas/point_balance.json``, balances [kg m-2];
        empty when there are none), one winter balance per site
        (:func:`winter_sites`), and the issues of :func:`stake_balances`,
        :func:`pit_balances` and :func:`probe_balances`.
    """
    readings = _chain_all(wb["stake_readings"])  # once, for the stake and the index balances
    stakes, issues = _stake_balances(wb, params, readings)
    pits, pit_issues = pit_balances(wb, params)
    probes, probe_issues = probe_balances(wb, params)
    issues = issues + pit_issues + probe_issues
    index = _index_balances(wb, params, readings)
    frames = [f for f in (stakes, index, pits, probes) if not f.empty]
    del stakes, index, pits, probes  # a million index balances: one copy at a time
    if not frames:
        return _frame([]), issues
    joined = pd.concat(frames, ignore_index=True)
    frames.clear()
    out = winter_sites(joined, params)
    del joined
    out = out.sort_values(
        ["year", "balance_code", "point_id", "from_date"], kind="stable"
    ).reset_index(drop=True)
    return out, issues

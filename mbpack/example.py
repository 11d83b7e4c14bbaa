r"""The bundled example: a synthetic workbook of Glacier No. 51, Kuitun River (Haxilegen No. 51).

**These are synthetic demonstration data**, modelled on the published summary
statistics of the glacier (Zhang et al. 2018: mean 1999-2015 B_a -0.37,
B_s -0.54, B_w +0.16 m w.e. a-1), not the station's observations.
``mbpack example DIR`` copies the shipped workbook
(``mbpack/data/haxilegen51.xlsx``, no pyproj needed);
``python -m mbpack.example --regenerate`` rewrites it from
:func:`make_example` (which needs pyproj, from the ``geo`` extra, for the
latitude and longitude of stakes, pits and probes).

Every number of the model is a field of :class:`Model` (:data:`MODEL`),
with its unit and source; the ice density is mbpack's
(:data:`mbpack.params.DEFAULT`).

Notes
-----
**Surface.**  A north-east-facing cirque glacier on a 25 m grid in UTM zone
45N (EPSG:32645) centred on 43.731°N, 84.391°E.  With ``s`` the position
along the flow line (0 at the headwall, 1 at the snout) and ``v`` the
across-glacier coordinate (-1 to 1), the elevation is

.. math::

    z = z_0 + (z_1 - z_0)(1 - s)^{0.8} + 15\,|v|,

clipped to [z_0, z_1] = [3490, 4000] m.  The outline is an ellipse
``(2s - 1)^2 + v^2 <= 1`` whose length shortens by 12 m a-1 (snout retreat).
Three surveys (2000, 2005, 2010) give the ``surface_grid`` and its 50 m
``hypsometry``; a balance year uses the latest survey at or before it (as
:mod:`mbpack.balance.compute` does).

**True balance field** of year ``y`` (a function of elevation only):

.. math::

    b_a(z) = \begin{cases}
        g_{abl}\,(z - \mathrm{ELA}_y) & z < \mathrm{ELA}_y \\
        g_{acc}\,(z - \mathrm{ELA}_y) & z \ge \mathrm{ELA}_y
    \end{cases}, \qquad
    b_w(z) = W_y + g_w\,(z - z_0), \qquad b_s = b_a - b_w,

with ``g_abl`` = 6 kg m-2 m-1 (0.6 m w.e. per 100 m), ``g_acc`` = 1.5 and
``g_w`` = 0.3 kg m-2 m-1.  The yearly glacier-wide targets are
``B_a,y = -370 + a_y`` and ``B_w,y = 160 + w_y`` with normal anomalies
``a_y``, ``w_y`` (standard deviations 300 and 30 kg m-2) shifted to zero
mean over 2000-2011; ``ELA_y`` and ``W_y`` are solved so that the
area-weighted mean over the survey's grid cells,
``B = Σ_i b(z_i) A_i / Σ_i A_i`` (equal cells: the plain mean), equals them.
The 2000-2011 means of the true field are therefore exactly B_a -370,
B_w +160 and B_s -530 kg m-2 a-1 (the published means are rounded:
-0.37 ≠ 0.16 - 0.54).

**Observations.**  Eighteen stakes (twelve between 3510 and 3700 m, six
between 3740 and 3940 m) sample ``b(z)`` plus a lateral anomaly fixed per
stake (normal, 60 kg m-2) and a yearly one (normal, 40 kg m-2 annual,
30 kg m-2 winter), which stand for the spatial variability the field does
not resolve.  Balances become readings with the densities a glaciologist
would use, so that the readings imply them (Kaser et al. 2003):

* end of winter: snow depth ``d_w`` with ``SWE(d_w) = b_w`` through the
  nearest (horizontally) winter pit of that year, exposure ``h_0 - d_w``;
* end of summer, ``b_a < 0``: exposure ``h_0 - b_a / ρ_i`` (ice,
  ``ρ_i`` = 900 kg m-3);
  ``0 <= b_a < 60``: superimposed ice ``b_a / ρ_i``;
  otherwise firn ``d_1`` with ``SWE(d_1) = b_a`` through the nearest
  end-of-summer pit (or mbpack's default firn density when there is none);
* ``SWE(d) = Σ_k ρ_k Δh_k`` down to ``d`` (linear inside a layer, the mean
  of the lowest two layers below the pit), the rule of :mod:`mbpack.balance.points`.

Exposures are read to 0.01 m with 0.01 m noise, snow depths to 0.01 m.
A stake is re-drilled when it shows more than 3.5 m and extended by 2 m
when less than 1.2 m is left; stakes 05 and 14 are lost (2006, 2009).
Pits have 3-5 layers of equal thickness, denser with depth (winter snow
300-440, end-of-summer firn 540-640 kg m-3, normal noise 10 kg m-3).

References
----------
Zhang et al. (2018). Journal of Glaciology 64, 689-699.
doi:10.1017/jog.2018.58 (glaciological mass balance of Glacier No. 51,
1999-2015: the published means used here).
Kaser, G., Fountain, A. and Jansson, P. (2003). A manual for monitoring the
mass balance of mountain glaciers. IHP-VI Technical Documents in Hydrology
No. 59, UNESCO, Paris.
Cogley, J. G. et al. (2011). Glossary of Glacier Mass Balance and Related
Terms. IHP-VII Technical Documents in Hydrology No. 86, UNESCO-IHP, Paris.
WGMS Fluctuations of Glaciers database: Urumqi Glacier No. 1 (WGMS 1511,
1512), glacier-wide series (``tests/data/wgms-oggm``) and balance profiles
of the same OGGM sample data, used for the accumulation-area gradient and
the year-to-year variability.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbpack.params import DEFAULT
from mbpack.workbook.model import Workbook
from mbpack.workbook.writer import write_workbook

#: Default seed of the generator.
SEED = 51
#: File name of the shipped workbook (``mbpack/data``) and of ``mbpack example DIR``.
FILE_NAME = "haxilegen51.xlsx"
#: Coordinate reference system of x/y: WGS 84 / UTM zone 45N.
CRS = "EPSG:32645"
#: Latitude, longitude of the glacier [degree] (Zhang et al. 2018).
CENTRE = (43.731, 84.391)
#: Balance years (the calendar year in which each ends).
YEARS = tuple(range(2000, 2012))
#: Survey years of the surface grid and hypsometry.
SURVEYS = (2000, 2005, 2010)
#: Start of the first balance year: the stake network was set up in late August 1999.
FIRST_BEGIN = pd.Timestamp("1999-08-30")
#: Stakes lost, with the year they were lost in (in July, before the end of summer).
LOST = {"05": 2006, "14": 2009}

SYNTHETIC = (
    "These are synthetic demonstration data generated by mbpack (seed 51), modelled on the "
    "published summary statistics of Glacier No. 51 (Zhang et al. 2018, J. Glaciol., "
    "doi:10.1017/jog.2018.58); they are not the station's observations."
)

#: The same in Chinese (the example's Chinese dataset fields).
SYNTHETIC_ZH = (
    "本数据为 mbpack 生成的合成演示数据（种子 51），依据已发表的哈希勒根51号冰川统计特征"
    "（Zhang et al. 2018, J. Glaciol., doi:10.1017/jog.2018.58）建模，并非该站的观测数据。"
)


@dataclass(frozen=True)
class Model:
    """Parameters of the generative model, each with its unit and source.

    Attributes
    ----------
    snout_elevation, headwall_elevation
        Lowest and highest elevation of the glacier [m] (Zhang et al. 2018:
        3490-4000 m a.s.l.).
    flow_length
        Length along the flow line in 2000 [m]; with ``half_width`` it gives
        about 1.4 km² (Zhang et al. 2018: about 1.4 km²).
    half_width
        Half the width of the outline [m].
    profile_exponent
        Concavity of the long profile [1] (a cirque: steep headwall).
    side_rise
        Rise of the surface from the centre line to the margins [m].
    retreat
        Shortening of the glacier [m a-1] (assumed; about 0.9 % area loss a
        year, of the order of small Tien Shan glaciers).
    spacing
        Cell size of the surface grid [m].
    band_width
        Height of the hypsometry bands [m].
    annual_balance, winter_balance
        Targets of the 2000-2011 mean glacier-wide balances [kg m-2 a-1]
        (Zhang et al. 2018: -0.37 and +0.16 m w.e. a-1).
    ablation_gradient
        db_a/dz below the ELA [kg m-2 m-1] (0.6 m w.e. per 100 m, Urumqi
        Glacier No. 1; glaciology primer).
    accumulation_gradient
        db_a/dz above the ELA [kg m-2 m-1] (about 0.16 m w.e. per 100 m in
        the 1990-2011 mean profile of Urumqi No. 1 east branch, WGMS FoG).
    winter_gradient
        db_w/dz [kg m-2 m-1] (assumed: winter snow increasing gently).
    annual_sd, winter_sd
        Year-to-year standard deviation of B_a and B_w [kg m-2] (assumed;
        Urumqi No. 1 east branch 1990-2011: about 440 and 70, WGMS FoG).
    stake_sd
        Lateral anomaly of b_a fixed per stake [kg m-2] (assumed).
    point_sd, point_winter_sd
        Anomaly of b_a and b_w per stake and year [kg m-2] (assumed).
    reading_sd
        Noise of an exposure reading [m]; readings are written to 0.01 m
        (the dataset's 0.01 m per 10 kg m-2).
    snow_density, firn_density
        Density of the top and bottom layer of a winter-snow pit and of an
        end-of-summer firn pit [kg m-3] (Kaser et al. 2003: late-winter snow
        300-500; one-year firn 500-700).
    density_sd
        Noise of a layer density [kg m-3].
    superimposed_max
        A positive b_a below this is superimposed ice rather than firn
        [kg m-2] (assumed: refrozen melt near the ELA).
    redrill_above, redrill_exposure
        A stake showing more than this is re-drilled [m], to an exposure
        drawn between the two values [m].
    extend_below, extension
        A stake with less than this left is extended [m], by this length [m].
    start_exposure
        Exposures at installation, drawn between the two values [m].
    min_pit_depth
        Shallowest snow or firn worth a pit [m].
    initial_firn
        Firn at the stakes above the mean ELA in 1999 [m] (assumed), at
        mbpack's default firn density.
    pit_sampling
        Aimed thickness of a pit layer [m] (a 3-5 layer profile; Kaser et
        al. 2003 sample densities in 0.1-0.2 m layers).
    """

    snout_elevation: float = 3490.0
    headwall_elevation: float = 4000.0
    flow_length: float = 1900.0
    half_width: float = 470.0
    profile_exponent: float = 0.8
    side_rise: float = 15.0
    retreat: float = 12.0
    spacing: float = 25.0
    band_width: float = 50.0
    annual_balance: float = -370.0
    winter_balance: float = 160.0
    ablation_gradient: float = 6.0
    accumulation_gradient: float = 1.5
    winter_gradient: float = 0.3
    annual_sd: float = 300.0
    winter_sd: float = 30.0
    stake_sd: float = 60.0
    point_sd: float = 40.0
    point_winter_sd: float = 30.0
    reading_sd: float = 0.01
    snow_density: tuple[float, float] = (300.0, 440.0)
    firn_density: tuple[float, float] = (540.0, 640.0)
    density_sd: float = 10.0
    superimposed_max: float = 60.0
    redrill_above: float = 3.5
    redrill_exposure: tuple[float, float] = (1.2, 1.6)
    extend_below: float = 1.2
    extension: float = 2.0
    start_exposure: tuple[float, float] = (1.5, 2.0)
    min_pit_depth: float = 0.2
    initial_firn: float = 1.0
    pit_sampling: float = 0.15


#: The model of the shipped example.
MODEL = Model()

#: Target elevations of the stakes [m]: mostly in the ablation area.
STAKE_ELEVATIONS = (
    *np.linspace(3510.0, 3700.0, 12).tolist(),
    *np.linspace(3740.0, 3940.0, 6).tolist(),
)
#: Target elevations of the winter pits and of the end-of-summer pits [m].
WINTER_PITS = (3650.0, 3780.0, 3900.0)
SUMMER_PITS = (3800.0, 3920.0)
#: Probe soundings per year at the end of winter.
PROBES_PER_YEAR = 6


def shipped_path() -> Path:
    """The workbook shipped with the package (``mbpack/data/haxilegen51.xlsx``)."""
    return Path(str(resources.files("mbpack"))) / "data" / FILE_NAME


def example_rows() -> dict[str, dict[str, Any]]:
    """One row per table sheet: the bundled example's first row, and its computed results.

    These are the example rows of the blank template's instructions sheet
    (:func:`mbpack.workbook.template.write_template`).
    """
    from mbpack.balance.compute import compute
    from mbpack.workbook import schema
    from mbpack.workbook.reader import read

    wb = read(shipped_path())
    results = compute(wb)
    rows = {}
    for sheet in schema.SHEETS:
        if sheet in schema.KEY_VALUE_SHEETS:
            continue
        frame = getattr(results, sheet) if sheet in schema.RESULT_SHEETS else wb.tables[sheet]
        if not frame.empty:
            rows[sheet] = frame.iloc[0].to_dict()
    return rows


def write_example(directory: str | os.PathLike[str]) -> Path:
    """Copy the shipped example workbook into ``directory``, atomically.

    Parameters
    ----------
    directory
        Folder to write ``haxilegen51.xlsx`` into (created if missing).

    Returns
    -------
    pathlib.Path
        The workbook written.
    """
    from mbpack.atomic import atomic_file

    target = Path(directory) / FILE_NAME
    with atomic_file(target) as tmp:
        shutil.copyfile(shipped_path(), tmp)
    return target


# --- the true field --------------------------------------------------------------------------


def annual_balance_profile(
    elevation: np.ndarray | float, ela: float, model: Model = MODEL
) -> np.ndarray:
    """Annual balance of the true field at ``elevation`` [kg m-2].

    Parameters
    ----------
    elevation
        Surface elevation [m].
    ela
        Equilibrium-line altitude of the year [m].
    model
        Gradients below and above the ELA [kg m-2 m-1].

    Notes
    -----
    Piecewise linear, continuous, zero at the ELA:
    ``b_a = g_abl (z - ELA)`` below it and ``g_acc (z - ELA)`` above it.

    Examples
    --------
    >>> annual_balance_profile(np.array([3600.0, 3800.0, 4000.0]), 3800.0).tolist()
    [-1200.0, 0.0, 300.0]
    """
    dz = np.asarray(elevation, dtype=float) - ela
    return np.where(dz < 0, model.ablation_gradient * dz, model.accumulation_gradient * dz)


def winter_balance_profile(
    elevation: np.ndarray | float, intercept: float, model: Model = MODEL
) -> np.ndarray:
    """Winter balance of the true field at ``elevation`` [kg m-2].

    ``b_w = W + g_w (z - z_0)`` with ``W`` the ``intercept`` [kg m-2] at the
    snout elevation ``z_0`` [m].

    >>> winter_balance_profile(np.array([3490.0, 3990.0]), 100.0).tolist()
    [100.0, 250.0]
    """
    z = np.asarray(elevation, dtype=float)
    return intercept + model.winter_gradient * (z - model.snout_elevation)


def solve_ela(elevation: np.ndarray, annual_balance: float, model: Model = MODEL) -> float:
    """ELA [m] at which the mean of :func:`annual_balance_profile` over the cells is ``annual_balance``.

    Parameters
    ----------
    elevation
        Elevations of equal-area grid cells [m].
    annual_balance
        Glacier-wide annual balance wanted [kg m-2].

    Notes
    -----
    ``B_a(ELA) = mean_i b_a(z_i; ELA)`` decreases strictly with the ELA, so
    the root is unique; it is found with Brent's method in a bracket of
    2000 m about the glacier (an ELA outside the glacier is allowed).
    """
    from scipy.optimize import brentq

    z = np.asarray(elevation, dtype=float)
    lo, hi = float(z.min()) - 2000.0, float(z.max()) + 2000.0
    return float(
        brentq(
            lambda e: float(annual_balance_profile(z, e, model).mean()) - annual_balance,
            lo,
            hi,
            xtol=1e-9,
        )
    )


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent random streams: climate, stakes, pits, readings, probes, dates."""
    names = ("climate", "stakes", "pits", "readings", "probes", "dates")
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {n: np.random.default_rng(c) for n, c in zip(names, children, strict=True)}


def _survey_of(year: int) -> int:
    return max(s for s in SURVEYS if s <= year)


def surface(year: int, centre: tuple[float, float], model: Model = MODEL) -> pd.DataFrame:
    """Grid cells of the glacier surface surveyed in ``year``.

    Parameters
    ----------
    year
        Survey year (the glacier shortens by ``model.retreat`` a year from 2000).
    centre
        x, y of the glacier centre in EPSG:32645 [m], on the grid.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``x``, ``y`` (cell centres [m]) and ``elevation`` [m].
    """
    cx, cy = centre
    length = model.flow_length - model.retreat * (year - SURVEYS[0])
    diag = 1.0 / math.sqrt(2.0)
    head = (cx - diag * model.flow_length / 2, cy - diag * model.flow_length / 2)
    reach = model.flow_length / 2 + 4 * model.spacing
    xs = np.arange(cx - reach, cx + reach, model.spacing) + model.spacing / 2
    ys = np.arange(cy - reach, cy + reach, model.spacing) + model.spacing / 2
    x, y = np.meshgrid(xs, ys)
    u = ((x - head[0]) + (y - head[1])) * diag  # along the flow, towards the north-east
    v = ((x - head[0]) - (y - head[1])) * diag
    s = u / length
    across = v / model.half_width
    inside = (s >= 0) & (s <= 1) & ((2 * s - 1) ** 2 + across**2 <= 1.0)
    relief = model.headwall_elevation - model.snout_elevation
    z = (
        model.snout_elevation
        + relief * (1 - np.clip(s, 0, 1)) ** model.profile_exponent
        + model.side_rise * np.abs(across)
    )
    z = np.clip(z, model.snout_elevation, model.headwall_elevation)
    return pd.DataFrame(
        {"year": year, "x": x[inside], "y": y[inside], "elevation": np.round(z[inside], 1)}
    )


def hypsometry(grid: pd.DataFrame, model: Model = MODEL) -> pd.DataFrame:
    """Band areas [km2] of each survey's grid, in ``model.band_width`` bands.

    The areas are cell counts times the cell area, so they sum to the
    grid's area exactly (a 25 m cell is 0.000625 km²).
    """
    rows = []
    cell = model.spacing**2 / 1e6
    for year, g in grid.groupby("year", sort=True):
        lower = np.floor(g["elevation"].to_numpy() / model.band_width) * model.band_width
        values, counts = np.unique(lower, return_counts=True)
        for lo, n in zip(values, counts, strict=True):
            rows.append(
                {
                    "year": int(year),
                    "lower_elevation": float(lo),
                    "upper_elevation": float(lo) + model.band_width,
                    "area": round(int(n) * cell, 6),
                }
            )
    return pd.DataFrame(rows)


def _climate(
    seed: int, grids: dict[int, np.ndarray], model: Model
) -> dict[int, tuple[float, float]]:
    """ELA [m] and winter intercept [kg m-2] of every balance year."""
    rng = _streams(seed)["climate"]
    annual = rng.normal(0.0, model.annual_sd, len(YEARS))
    winter = rng.normal(0.0, model.winter_sd, len(YEARS))
    annual += model.annual_balance - annual.mean()
    winter += model.winter_balance - winter.mean()
    out = {}
    for k, year in enumerate(YEARS):
        z = grids[_survey_of(year)]
        ela = solve_ela(z, float(annual[k]), model)
        out[year] = (
            ela,
            float(winter[k]) - model.winter_gradient * float(np.mean(z - model.snout_elevation)),
        )
    return out


def _centre() -> tuple[float, float]:
    """x, y [m] of :data:`CENTRE` in EPSG:32645, snapped to the grid (needs pyproj)."""
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    cx, cy = to_utm.transform(CENTRE[1], CENTRE[0])
    step = MODEL.spacing
    return round(cx / step) * step, round(cy / step) * step


def true_balances(seed: int = SEED, model: Model = MODEL) -> pd.DataFrame:
    """Glacier-wide balances of the true field, one row per balance year.

    Parameters
    ----------
    seed
        Seed of the generator (the climate stream of :func:`make_example`).
    model
        Model parameters.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``survey_year``, ``ela`` [m], ``winter_intercept``,
        ``winter_balance``, ``summer_balance``, ``annual_balance``
        [kg m-2], ``area`` [km2] and ``aar`` [1] (area at or above the ELA).

    Notes
    -----
    ``B = Σ_i b(z_i) A_i / Σ_i A_i`` over the cells of the survey used for
    the year; the cells have equal areas.  ``B_s = B_a - B_w``.
    """
    centre = _centre()
    grids = {s: surface(s, centre, model)["elevation"].to_numpy() for s in SURVEYS}
    climate = _climate(seed, grids, model)
    rows = []
    for year in YEARS:
        z = grids[_survey_of(year)]
        ela, w0 = climate[year]
        b_a = float(annual_balance_profile(z, ela, model).mean())
        b_w = float(winter_balance_profile(z, w0, model).mean())
        rows.append(
            {
                "year": year,
                "survey_year": _survey_of(year),
                "ela": ela,
                "winter_intercept": w0,
                "winter_balance": b_w,
                "summer_balance": b_a - b_w,
                "annual_balance": b_a,
                "area": len(z) * model.spacing**2 / 1e6,
                "aar": float(np.mean(z >= ela)),
            }
        )
    return pd.DataFrame(rows)


# --- densities: snow and firn depth against water equivalent ---------------------------------

Layers = list[tuple[float, float, float]]


def swe_of_depth(depth: float, layers: Layers) -> float:
    """Water equivalent [kg m-2] of snow or firn down to ``depth`` [m] through a pit's layers.

    ``layers`` are (top, bottom, density) [m, m, kg m-3], contiguous from the
    surface.  Linear inside a layer; below the pit, the mean density of the
    lowest two layers (the rule of :class:`mbpack.balance.points` profiles).

    >>> swe_of_depth(1.0, [(0.0, 0.5, 300.0), (0.5, 1.5, 400.0)])
    350.0
    >>> swe_of_depth(2.0, [(0.0, 0.5, 300.0), (0.5, 1.5, 400.0)])
    725.0
    """
    bounds = np.array([0.0] + [b for _, b, _ in layers])
    mass = np.concatenate([[0.0], np.cumsum([(b - t) * d for t, b, d in layers])])
    if depth <= bounds[-1]:
        return float(np.interp(depth, bounds, mass))
    tail = float(np.mean([d for _, _, d in layers[-2:]]))
    return float(mass[-1] + (depth - bounds[-1]) * tail)


def depth_of_swe(swe: float, layers: Layers) -> float:
    """Depth [m] whose water equivalent through the layers is ``swe`` [kg m-2].

    The inverse of :func:`swe_of_depth`.

    >>> depth_of_swe(350.0, [(0.0, 0.5, 300.0), (0.5, 1.5, 400.0)])
    1.0
    """
    bounds = np.array([0.0] + [b for _, b, _ in layers])
    mass = np.concatenate([[0.0], np.cumsum([(b - t) * d for t, b, d in layers])])
    if swe <= mass[-1]:
        return float(np.interp(swe, mass, bounds))
    tail = float(np.mean([d for _, _, d in layers[-2:]]))
    return float(bounds[-1] + (swe - mass[-1]) / tail)


def _pit_layers(
    rng: np.random.Generator, swe: float, density: tuple[float, float], model: Model
) -> Layers:
    """Layers of a pit holding about ``swe`` [kg m-2]: equal thickness, denser with depth."""
    depth = swe / (sum(density) / 2)
    n = int(np.clip(round(depth / model.pit_sampling), 3, 5))
    dens = np.round(np.linspace(*density, n) + rng.normal(0.0, model.density_sd, n), 0)
    depth = swe / float(dens.mean())
    edges = np.round(np.linspace(0.0, depth, n + 1), 2)
    return [(float(edges[i]), float(edges[i + 1]), float(dens[i])) for i in range(n)]


def melt(store: list[tuple[float, float]], loss: float, ice_density: float) -> float:
    """Surface lowering [m] when ``loss`` [kg m-2] melts from a stake's firn store, then ice.

    ``store`` holds (thickness [m], density [kg m-3]) of the firn and
    superimposed ice above the glacier ice, top last; it is melted from the
    top and updated in place.  Below it, ice of ``ice_density`` [kg m-3].

    Notes
    -----
    ``Δh = Σ_k m_k / ρ_k + (loss - Σ_k m_k) / ρ_i`` with ``m_k`` the mass
    melted from layer ``k`` (Cogley et al. 2011: b = Σ ρ_k Δh_k).

    >>> store = [(0.5, 600.0)]
    >>> melt(store, 480.0, 900.0), store
    (0.7, [])
    """
    lowering = 0.0
    while loss > 0 and store:
        thickness, density = store[-1]
        mass = thickness * density
        if mass <= loss:
            store.pop()
            loss -= mass
            lowering += thickness
        else:
            store[-1] = (thickness - loss / density, density)
            lowering += loss / density
            loss = 0.0
    return lowering + max(loss, 0.0) / ice_density


def _nearest(pits: list[dict[str, Any]], x: float, y: float) -> dict[str, Any] | None:
    """The pit nearest horizontally to (x, y), as :func:`mbpack.balance.points.nearest_pit` picks it."""
    if not pits:
        return None
    return min(pits, key=lambda p: (math.hypot(p["x"] - x, p["y"] - y), p["pit_id"]))


def _depth(swe: float, pits: list[dict[str, Any]], x: float, y: float, season: str) -> float:
    """Snow (winter) or firn (summer) depth [m] holding ``swe`` [kg m-2] at (x, y).

    Through the nearest pit of the season, else mbpack's default density
    (what :mod:`mbpack.balance.points` uses when no pit is near).
    """
    pit = _nearest(pits, x, y)
    if pit is not None:
        return depth_of_swe(swe, pit["layers"])
    return swe / (DEFAULT.snow_density if season == "winter" else DEFAULT.firn_density)


# --- the workbook ----------------------------------------------------------------------------


def make_example(seed: int = SEED, model: Model = MODEL) -> Workbook:
    """Generate the example workbook (deterministic for a seed).

    Parameters
    ----------
    seed
        Seed of the random streams (climate, stakes, pits, readings,
        probes, dates); the shipped workbook is seed 51.
    model
        Parameters of the generative model.

    Returns
    -------
    Workbook
        Every observation sheet: glacier, dataset, authors, balance_years,
        stakes, stake_readings, snow_pits, probes, hypsometry, surface_grid.

    Notes
    -----
    The model and the conversion of balances to readings are described in
    the module's docstring; :func:`true_balances` gives the field's
    glacier-wide balances, which the readings imply.  Needs pyproj (the
    ``geo`` extra) for latitude and longitude.
    """
    tables, _ = _generate(seed, model)
    return Workbook.from_tables(tables)


def true_stake_balances(seed: int = SEED, model: Model = MODEL) -> pd.DataFrame:
    """The point balances the readings of :func:`make_example` were made from.

    Returns
    -------
    pandas.DataFrame
        ``stake_id``, ``year``, ``elevation`` [m], ``winter_balance`` and
        ``annual_balance`` [kg m-2] (annual missing for a stake lost that
        year): the true field plus the stake's lateral and yearly anomalies.
    """
    _, truth = _generate(seed, model)
    return pd.DataFrame(truth)


def _generate(seed: int, model: Model) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The workbook's tables and the true stake balances behind the readings."""
    from pyproj import Transformer

    streams = _streams(seed)
    to_geo = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)

    def lat_lon(x: float, y: float) -> dict[str, float]:
        lon, lat = to_geo.transform(x, y)
        return {"latitude": round(float(lat), 6), "longitude": round(float(lon), 6)}

    centre = _centre()
    grids = {s: surface(s, centre, model) for s in SURVEYS}
    grid = pd.concat(grids.values(), ignore_index=True)
    hyps = hypsometry(grid, model)
    climate = _climate(seed, {s: g["elevation"].to_numpy() for s, g in grids.items()}, model)
    first = grids[SURVEYS[0]]

    def cell_near(elevation: float, rng: np.random.Generator | None = None) -> pd.Series:
        order = (first["elevation"] - elevation).abs().to_numpy().argsort(kind="stable")
        return first.iloc[int(order[rng.integers(0, 40)] if rng is not None else order[0])]

    def elevation_at(year: int, x: float, y: float) -> float:
        g = grids[_survey_of(year)]
        k = int(np.argmin(np.hypot(g["x"].to_numpy() - x, g["y"].to_numpy() - y)))
        return float(g["elevation"].iloc[k])

    # stakes
    srng = streams["stakes"]
    stakes = []
    for i, target in enumerate(STAKE_ELEVATIONS):
        cell = cell_near(target, srng)
        stakes.append(
            {
                "stake_id": f"{i + 1:02d}",
                "x": float(cell["x"]),
                "y": float(cell["y"]),
                **lat_lon(cell["x"], cell["y"]),
                "elevation": float(cell["elevation"]),
                "installed_date": FIRST_BEGIN,
            }
        )
    lateral = srng.normal(0.0, model.stake_sd, len(stakes))
    lateral -= lateral.mean()
    pit_sites = {z: cell_near(z) for z in {*WINTER_PITS, *SUMMER_PITS}}

    drng, prng, rrng, qrng = (
        streams["dates"],
        streams["pits"],
        streams["readings"],
        streams["probes"],
    )

    def day(year: int, month: int, mid: int) -> pd.Timestamp:
        return pd.Timestamp(year, month, mid) + pd.Timedelta(days=int(drng.integers(-3, 4)))

    years: list[dict[str, Any]] = []
    readings: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    pits: list[dict[str, Any]] = []
    probes: list[dict[str, Any]] = []
    exposure = {s["stake_id"]: round(float(rrng.uniform(*model.start_exposure)), 2) for s in stakes}
    begin = FIRST_BEGIN
    ice = DEFAULT.ice_density
    # firn (and superimposed ice) above the glacier ice at each stake: (thickness [m], density
    # [kg m-3]), top last; stakes above the mean ELA start on old firn
    mean_ela = float(np.mean([climate[y][0] for y in YEARS]))
    store: dict[str, list[tuple[float, float]]] = {
        s["stake_id"]: [(model.initial_firn, DEFAULT.firn_density)]
        if s["elevation"] >= mean_ela
        else []
        for s in stakes
    }
    surface_of = {sid: "firn" if layers else "ice" for sid, layers in store.items()}
    for year in YEARS:
        winter_end, end = day(year, 5, 15), day(year, 8, 30)
        years.append(
            {
                "year": year,
                "time_system": "FLO",
                "begin_date": begin,
                "winter_end_date": winter_end,
                "end_date": end,
            }
        )
        ela, w0 = climate[year]

        # pits: winter snow everywhere, firn of the year where some is left at the end of summer
        season_pits: dict[str, list[dict[str, Any]]] = {"winter": [], "summer": []}
        for season, sites, date, density in (
            ("winter", WINTER_PITS, winter_end, model.snow_density),
            ("summer", SUMMER_PITS, end, model.firn_density),
        ):
            for k, target in enumerate(sites):
                site = pit_sites[target]
                x, y = float(site["x"]), float(site["y"])
                z = elevation_at(year, x, y)
                swe = float(
                    winter_balance_profile(z, w0, model)
                    if season == "winter"
                    else annual_balance_profile(z, ela, model)
                )
                if swe / (sum(density) / 2) < model.min_pit_depth:
                    continue
                layers = _pit_layers(prng, swe, density, model)
                pit_id = f"{'W' if season == 'winter' else 'S'}{year}-{k + 1}"
                season_pits[season].append({"pit_id": pit_id, "x": x, "y": y, "layers": layers})
                for top, bottom, rho in layers:
                    layer = "snow" if season == "winter" or rho < 550 else "firn"
                    pits.append(
                        {
                            "pit_id": pit_id,
                            "date": date,
                            "x": x,
                            "y": y,
                            **lat_lon(x, y),
                            "elevation": z,
                            "top_depth": top,
                            "bottom_depth": bottom,
                            "density": rho,
                            "layer": layer,
                        }
                    )

        def snow_depth(swe: float, x: float, y: float, season: str) -> float:
            return _depth(swe, season_pits[season], x, y, season)  # noqa: B023 (used in this loop)

        for p in range(PROBES_PER_YEAR):
            g = grids[_survey_of(year)]
            cell = g.iloc[int(qrng.integers(0, len(g)))]
            x, y, z = float(cell["x"]), float(cell["y"]), float(cell["elevation"])
            b_w = float(winter_balance_profile(z, w0, model)) + qrng.normal(
                0, model.point_winter_sd
            )
            probes.append(
                {
                    "probe_id": f"{year}-{p + 1}",
                    "date": winter_end,
                    "x": x,
                    "y": y,
                    **lat_lon(x, y),
                    "elevation": z,
                    "snow_depth": round(snow_depth(max(b_w, 0.0), x, y, "winter"), 2),
                }
            )

        for i, st in enumerate(stakes):
            sid = st["stake_id"]
            if sid in LOST and year > LOST[sid]:
                continue
            x, y, z = st["x"], st["y"], st["elevation"]
            b_a = float(annual_balance_profile(z, ela, model)) + lateral[i]
            b_a += rrng.normal(0.0, model.point_sd)
            b_w = float(winter_balance_profile(z, w0, model))
            b_w = max(b_w + rrng.normal(0.0, model.point_winter_sd), 0.0)
            truth.append(
                {
                    "stake_id": sid,
                    "year": year,
                    "elevation": z,
                    "winter_balance": b_w,
                    "annual_balance": math.nan if LOST.get(sid) == year else b_a,
                    "old_surface": surface_of[sid],
                }
            )
            h0 = exposure[sid]
            if year == YEARS[0]:
                readings.append(
                    {"stake_id": sid, "date": begin, "exposure": h0, "surface": surface_of[sid]}
                )
            d_w = round(snow_depth(b_w, x, y, "winter"), 2)
            readings.append(
                {
                    "stake_id": sid,
                    "date": winter_end,
                    "exposure": _read(rrng, h0 - d_w, model),
                    "snow_depth": d_w,
                    "surface": "snow",
                }
            )
            if sid in LOST and year == LOST[sid]:
                readings.append(
                    {
                        "stake_id": sid,
                        "date": pd.Timestamp(year, 7, 18),
                        "event": "lost",
                        "remarks": "stake not found; melted out and fallen",
                    }
                )
                continue
            row: dict[str, Any] = {"stake_id": sid, "date": end}
            if b_a < 0:
                lowering = melt(store[sid], -b_a, ice)
                row |= {
                    "exposure": _read(rrng, h0 + lowering, model),
                    "surface": "firn" if store[sid] else "ice",
                }
            elif b_a < model.superimposed_max:
                s1 = round(b_a / ice, 2)
                store[sid].append((s1, ice))
                row |= {
                    "exposure": _read(rrng, h0 - s1, model),
                    "superimposed_ice": s1,
                    "surface": "superimposed_ice",
                }
            else:
                d1 = round(snow_depth(b_a, x, y, "summer"), 2)
                store[sid].append((d1, b_a / d1))
                row |= {
                    "exposure": _read(rrng, h0 - d1, model),
                    "snow_depth": d1,
                    "surface": "firn",
                }
            exposure[sid] = row["exposure"]
            surface_of[sid] = row["surface"]
            if row["exposure"] > model.redrill_above:
                new = round(float(rrng.uniform(*model.redrill_exposure)), 2)
                row |= {"event": "redrill", "new_exposure": new, "remarks": "re-drilled"}
                exposure[sid] = new
            elif row["exposure"] < model.extend_below:
                new = round(row["exposure"] + model.extension, 2)
                row |= {
                    "event": "extension",
                    "new_exposure": new,
                    "remarks": f"extended by {model.extension:g} m",
                }
                exposure[sid] = new
            readings.append(row)
        begin = end

    tables = {
        "glacier": _glacier_record(hyps),
        "dataset": _dataset_record(),
        "authors": [{"name": "mbpack developers", "affiliation": "mbpack project"}],
        "balance_years": pd.DataFrame(years),
        "stakes": pd.DataFrame(stakes),
        "stake_readings": pd.DataFrame(readings),
        "snow_pits": pd.DataFrame(pits),
        "probes": pd.DataFrame(probes),
        "hypsometry": hyps,
        "surface_grid": grid,
    }
    return tables, truth


def _read(rng: np.random.Generator, exposure: float, model: Model) -> float:
    """An exposure as read in the field: ``reading_sd`` noise, 0.01 m resolution [m]."""
    return round(exposure + float(rng.normal(0.0, model.reading_sd)), 2)


def _glacier_record(hyps: pd.DataFrame) -> dict[str, Any]:
    latest = hyps[hyps["year"] == hyps["year"].max()]
    return {
        "name": "Haxilegen Glacier No. 51",
        "wgi_id": "CN5Y741C0051",
        "country": "CN",
        # GTN-G region ASC (Central Asia); subregion ASC-04 = RGI 13-04 East Tien Shan (Dzhungaria)
        "gtng_region": "ASC",
        "gtng_subregion": "ASC-04",
        "latitude": CENTRE[0],
        "longitude": CENTRE[1],
        "crs": CRS,
        "min_elevation": MODEL.snout_elevation,
        "max_elevation": MODEL.headwall_elevation,
        "area": round(float(latest["area"].sum()), 6),
        "gen_location": "Tien Shan",
        "spec_location": "Kuitun River",
        "exposition_accumulation": "NE",
        "exposition_ablation": "NE",
        "investigators": "mbpack developers (synthetic data)",
        "agencies": "mbpack",
        "references": "Zhang et al. 2018, J. Glaciol. 64, 689-699, doi:10.1017/jog.2018.58",
        "remarks": "Synthetic example. The WGMS id is left empty on purpose: it is not known "
        "to the makers of this example.",
    }


def _dataset_record() -> dict[str, Any]:
    return {
        "title": "Synthetic mass-balance observations of Glacier No. 51, Kuitun River, Tien Shan "
        "(2000-2011), an mbpack demonstration dataset",
        "publisher": "National Tibetan Plateau / Third Pole Environment Data Center",
        "licence": "CC-BY-4.0",
        "version": "1.0",
        "publication_year": 2026,
        "language": "en",
        # 10.5072 is DataCite's test prefix: the example has no real DOI
        "doi": "10.5072/mbpack.example.haxilegen51",
        "keywords": "glacier mass balance; glaciological method; Tien Shan; Kuitun River; "
        "synthetic data",
        "description": "Stake, snow-pit and probe observations of Glacier No. 51 of the Kuitun "
        "River (Haxilegen No. 51), eastern Tien Shan, for the balance years 2000-2011 "
        "(floating-date time system), with the glacier's hypsometry and surface grid, from which "
        "glacier-wide winter, summer and annual balances are computed. " + SYNTHETIC,
        "data_source": "Synthetic observations from the seeded generator mbpack.example (seed 51): "
        "18 stakes read at the start of each balance year (late August or early September) and "
        "at the end of winter (May), layered snow pits at the end of winter and firn pits at the "
        "end of summer, probe soundings. The glacier has no WGMS id here: it is left empty "
        "rather than invented. " + SYNTHETIC,
        "processing_method": "Point balances from stake exposure changes (ice at 900 kg m-3) and "
        "snow and firn depths converted with the snow-pit densities; glacier-wide balances by "
        "the contour-line (isoline) method on the surface grid and by the altitude-band "
        "(contour zoning) method on the 50 m hypsometry.",
        "quality": "Glacier-wide uncertainty about 200 kg m-2 a-1; point balances resolved to "
        "10 kg m-2 (0.01 m of stake reading). " + SYNTHETIC,
        "title_zh": "奎屯河哈希勒根51号冰川物质平衡合成观测数据（2000-2011年），mbpack 演示数据集",
        "publisher_zh": "国家青藏高原科学数据中心",
        "keywords_zh": "冰川物质平衡; 冰川学方法; 天山; 奎屯河; 合成数据",
        "description_zh": "天山东段奎屯河哈希勒根51号冰川2000-2011物质平衡年（浮动日期时间系统）的花杆、"
        "雪坑和测深观测，以及冰川面积-高程分布和表面格网，据此计算冰川冬季、夏季和年物质平衡。"
        + SYNTHETIC_ZH,
        "data_source_zh": "由 mbpack.example 的固定种子生成器（种子 51）合成的观测：18 根花杆，每个物质平衡年"
        "开始（8月下旬或9月初）和冬季结束（5月）各观测一次；冬末的分层雪坑、夏末的粒雪坑以及测深。"
        "此处冰川没有 WGMS 编号：留空而不编造。" + SYNTHETIC_ZH,
        "processing_method_zh": "由花杆出露高度变化计算点物质平衡（冰密度 900 kg m-3），雪和粒雪深度用雪坑密度"
        "换算；冰川物质平衡用表面格网上的等值线法和 50 m 面积-高程分布上的高程带法计算。",
        "quality_zh": "冰川物质平衡不确定性约 200 kg m-2 a-1；点物质平衡分辨率 10 kg m-2（花杆读数 0.01 m）。"
        + SYNTHETIC_ZH,
        "balance_uncertainty": 200.0,
        "point_resolution": 10.0,
        "synthetic": True,
    }


def repository_package(root: Path) -> dict[str, Any]:
    """Write the example's data package into ``root/example`` and return its descriptor.

    The descriptor is the repository's top-level ``datapackage.json``
    (resource paths under ``example/``).
    """
    from mbpack.balance.compute import compute
    from mbpack.formats.datapackage import descriptor, export_tables
    from mbpack.publish.metadata import context
    from mbpack.workbook.reader import read

    wb = read(shipped_path())
    results = compute(wb)
    folder = root / "example"
    shutil.rmtree(folder / "data", ignore_errors=True)
    paths = export_tables(wb, folder, results)
    files = {
        p.relative_to(folder).as_posix(): p.stat().st_size for p in sorted(folder.rglob("*.csv"))
    }
    package = descriptor(wb, paths, context(wb, results, None, files), results)
    for resource in package["resources"]:
        resource["path"] = f"example/{resource['path']}"
    return package


def regenerate() -> Path:
    """Rewrite the shipped workbook from :func:`make_example`, and the repository's example package.

    It also rewrites ``example/data`` and the top-level ``datapackage.json``
    (:func:`repository_package`).  Only in a source checkout: an installed
    package is never written into.

    Raises
    ------
    mbpack.errors.MbpackError
        When mbpack runs from an installed package, not from a checkout.
    """
    import json

    from mbpack.errors import MbpackError

    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file() or not (root / "example").is_dir():
        raise MbpackError(
            f"{root} is not a source checkout of mbpack; the shipped example is regenerated "
            "only from one (use --output PATH to write a workbook elsewhere)"
        )
    path = write_workbook(make_example(), Path(__file__).resolve().parent / "data" / FILE_NAME)
    package = repository_package(root)
    (root / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mbpack.example [--regenerate | --output PATH [--seed N]]``."""
    parser = argparse.ArgumentParser(
        prog="python -m mbpack.example",
        description="Regenerate the bundled example workbook (needs pyproj).",
    )
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="rewrite mbpack/data/haxilegen51.xlsx (and, in a checkout, example/ and "
        "datapackage.json); the default",
    )
    parser.add_argument("--output", type=Path, help="write a workbook here instead")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed (default {SEED})")
    args = parser.parse_args(argv)
    if args.output is not None:
        print(write_workbook(make_example(args.seed), args.output))
    elif args.seed != SEED:
        parser.error("the shipped workbook is seed 51; give --output for another seed")
    else:
        print(regenerate())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

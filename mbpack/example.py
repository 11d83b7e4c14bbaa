r"""The bundled example: a synthetic workbook of Glacier No. 51, Kuitun River (Haxilegen No. 51).

**These are synthetic demonstration data**, modelled on the published summary
statistics of the glacier (Zhang et al. 2018: mean B_a -0.37, B_s -0.54,
B_w +0.16 m w.e. a-1), not the station's observations.
``mbpack example DIR`` copies the shipped workbook
(``mbpack/data/haxilegen51.xlsx``) with its truth files (``truth.csv``,
``truth_points.csv``; no pyproj needed); ``python -m mbpack.example``
rewrites them from :func:`make_example`, ``python -m mbpack.example --seed N
DIR`` writes another realisation into DIR (both need pyproj, from the
``geo`` extra, for the latitude and longitude of stakes, pits and probes).

Every number of the model is a field of :class:`Model` (:data:`MODEL`),
with its unit and source; the true densities are mbpack's
(:data:`mbpack.params.DEFAULT`) off by one systematic error per
realisation, of the size compute's uncertainty assumes.  The glacier's geometry is fixed (the
``geometry_seed``); a seed draws the weather of every year, the stake
network's exact positions, the local noise and the readings.

Notes
-----
The truth is meant to be as hard as a real glacier's, so that recovering it
means something: a curved balance profile whose shape changes from year to
year, balance that departs from b(z) across the glacier on a length scale of
a few hundred metres, a cirque-shaped outline, and a stake network dense on
the tongue and sparse above the ELA.

**Surface.**  A north-east-facing cirque glacier on a 25 m grid in UTM zone
45N (EPSG:32645) centred on 43.731°N, 84.391°E.  ``u`` is the distance
along the flow line from the head (north-east), ``s = u / L`` with ``L`` the
length in 2000, ``v`` the distance across it.  The centre line bends,
``v_c = B sin(π s)``; the glacier reaches ``w_l(s)`` to the left and
``w_r(s)`` to the right of it,

.. math::

    w(s) = [w_t + (w_b - w_t) e^{-((s - s_b)/σ_b)^2}]
           \sqrt{\min(s / r_h, 1)}\sqrt{\min((s_e - s) / r_s, 1)}
           (1 + \sum_k a_k \cos(2π k s + φ_k)) - δ (y - 2000),

a wide cirque basin (``w_b``) and a narrow tongue (``w_t``), rounded at the
headwall and at the snout ``s_e``, with irregular margins (fixed harmonics
``a_k, φ_k``, different on either side).  The snout retreats by
``retreat`` m a-1 and the margins by ``δ``.  The elevation is

.. math::

    z = z_0 + (Δz - H)(1 - s)^p + H e^{-s / s_H}
        + (R_m + R_c (1 - s)^2) ((v - v_c) / w)^2 + ε(x, y),

a long profile flattening towards the snout, a steep headwall (``H`` in the
last ``s_H``), a bowl rising to the margins most in the cirque, and smooth
bumps ``ε`` (a Gaussian random field, ``dem_roughness``), clipped to
[z_0, z_1] = [3490, 4000] m.  Surveys in 2000, 2005 and 2010 give the
``surface_grid`` and its 50 m ``hypsometry``; a balance year uses the
latest survey at or before it (as :mod:`mbpack.balance.compute` does).

**True balance field** of year ``y`` on every cell:

.. math::

    b_a = P_y(z - \mathrm{ELA}_y) + D_y + S_y + G_p + G_{a,y}, \qquad
    b_w = \max(W_y + g_{w,y} (z - z_0) + D_y + G_{w,y}, 0), \qquad
    b_s = b_a - b_w,

with the curved profile (continuous, zero at the ELA)

.. math::

    P(Δz) = \begin{cases} g_{abl} Δz - q Δz^2 & Δz < 0 \\
            g_{acc} h \tanh(Δz / h) + g_{top} Δz & Δz \ge 0 \end{cases}

steepening down the ablation area (curvature ``q``), breaking at the ELA
and flattening above it towards ``g_acc h``, fitted to the WGMS band
profiles of Urumqi Glacier No. 1 (the neighbouring Tien Shan glacier,
1989-2012) and Hintereisferner (1995-2015), both in ``tests/data``
(:class:`Model` gives the numbers; ``tests/test_example.py`` compares).
Each year draws its own ``g_abl``, ``q``, ``g_acc``, ``h`` (log-normal
about the fitted values) and winter gradient ``g_w``, so the profile
changes shape and not only its offset.  The drift, avalanche and shading
terms are departures from b(z): their mean over each 50 m band is removed,
so the true field's band profile is P, as the WGMS band profiles are band
means that hold them.
``D_y`` is snow drifted and avalanched to the foot of the headwall and into
three avalanche cones at the cirque walls, ``S_y`` less melt in the shade
of the walls (stronger on the south-east side), both scaled every year by
a log-normal factor; ``G_p`` (persistent) and ``G_a,y``, ``G_w,y`` (one a
year) are Gaussian random fields of ``anomaly_length`` (random Fourier
features; Rahimi & Recht 2007).  The yearly targets are ``B_a,y = -370 +
a_y`` and ``B_w,y = 160 + w_y`` with normal anomalies ``a_y``, ``w_y``
shifted to zero mean over 2000-2011; ``ELA_y`` and ``W_y`` are solved so
that the mean over the survey's (equal-area) cells equals them.  The
2000-2011 means of the true field are therefore exactly B_a -370, B_w
+160, B_s -530 kg m-2 a-1 (the published means are rounded: -0.37 ≠ 0.16 -
0.54).  :func:`true_balances` (``truth.csv``) gives per year the true
glacier-wide balances, the ELA of the true field (the zero of its 50 m band
means) and its AAR (share of cells with b_a ≥ 0).

**Observations.**  Eighteen stakes in transverse lines: eleven on the tongue,
four near the mean ELA, three in the cirque (positions jittered by the
seed, on grid cells).  A point's true balance is the field at its cell plus
a local part the 25 m field does not hold (fixed per stake, ``stake_sd``,
and yearly, ``point_sd``, ``point_winter_sd``); ``truth_points.csv``
(:func:`true_point_balances`) gives both.  Balances become readings with the
densities a glaciologist would use, so that the readings imply them (Kaser
et al. 2003):

* first reading of a stake drilled in old firn: the firn's depth to the
  ice as its ``snow_depth`` (the drill meets the ice), so that the firn a
  stake melts through is counted at the firn's density;
* end of winter: snow depth ``d_w`` with ``SWE(d_w) = b_w`` through the
  nearest (horizontally) winter pit of that year, exposure ``h_0 - d_w``;
  a winter reading is missed with probability ``missed_reading``;
* end of summer, ``b_a < 0``: exposure ``h_0 - b_a / ρ_i`` (ice,
  ``ρ_i`` = 900 kg m-3) after the stake's firn has melted;
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
WGMS (2021). Fluctuations of Glaciers Database. doi:10.5904/wgms-fog-2021-05
(Hintereisferner's band profiles, the profile shape; Urumqi Glacier No. 1,
the ablation gradient and the year-to-year variability).
Rahimi, A. and Recht, B. (2007). Random features for large-scale kernel
machines. Advances in Neural Information Processing Systems 20.
"""

from __future__ import annotations

import argparse
import functools
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
#: File names of the truth written beside the workbook.
TRUTH_FILE = "truth.csv"
TRUTH_POINTS_FILE = "truth_points.csv"
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
        Length along the flow line in 2000 [m]; with the widths it gives
        about 1.4 km² (Zhang et al. 2018: about 1.4 km²).
    basin_half_width, tongue_half_width
        Half the width of the cirque basin and of the tongue [m].
    basin_position, basin_extent
        Where the basin is widest and how far it reaches along the flow
        line [1, fractions of the length].
    head_rounding, snout_rounding
        Length of the rounded headwall and snout [1, fractions of the
        length].
    flow_bend
        Sideways bend of the centre line [m] (``B sin(π s)``).
    outline_roughness
        Amplitude of the outline's harmonics ``a_k = r / k``, k = 2-5 [1]
        (fixed phases from ``geometry_seed``, different on either side).
    headwall_height, headwall_scale
        Rise of the headwall [m] over its length [1, fraction of the
        length].
    profile_exponent
        Shape of the long profile below the headwall [1] (> 1: flattening
        towards the snout).
    side_rise, cirque_side_rise
        Rise of the surface from the centre line to the margins on the
        tongue [m], and its increase towards the head [m] (a bowl).
    dem_roughness, dem_length
        Standard deviation [m] and length scale [m] of the surface's bumps.
    geometry_seed
        Seed of the outline's harmonics and of the surface's bumps: the
        glacier is the same in every realisation [1].
    retreat
        Snout retreat [m a-1] (assumed; with ``lateral_retreat`` about 0.7 %
        area loss a year, of the order of small Tien Shan glaciers).
    lateral_retreat
        Retreat of the lateral margins [m a-1] (assumed).
    spacing
        Cell size of the surface grid [m].
    band_width
        Height of the hypsometry bands [m].
    annual_balance, winter_balance
        Targets of the 2000-2011 mean glacier-wide balances [kg m-2 a-1]
        (Zhang et al. 2018: -0.37 and +0.16 m w.e. a-1).
    annual_sd, winter_sd
        Year-to-year standard deviation of B_a and B_w [kg m-2] (assumed;
        Urumqi No. 1 east branch 1990-2011: about 440 and 70, WGMS FoG).
    ablation_gradient
        db_a/dz just below the ELA [kg m-2 m-1]: 6.0 (Urumqi Glacier No. 1
        east branch, WGMS band profiles 1989-2012, the neighbouring Tien
        Shan glacier: 6.9 in the 50 m below the ELA; 0.6 m w.e. per 100 m).
    curvature
        ``q`` of the ablation profile ``g_abl Δz - q Δz²`` [kg m-2 m-2]:
        0.006, from Urumqi's mean profile 200 m below the ELA (-1470
        kg m-2); Hintereisferner's WGMS profiles 1995-2015 steepen the same
        way (gradient 4.4, 7.7 and 11 kg m-2 m-1 50, 200 and 400 m below the
        ELA).
    accumulation_gradient
        db_a/dz just above the ELA [kg m-2 m-1]: 3.0 (Urumqi: 3.0 in the
        50 m above the ELA; Hintereisferner 2.7).
    accumulation_scale
        ``h`` of the accumulation profile ``g_acc h tanh(Δz / h)`` [m]: 115;
        both profiles flatten at about 330-350 kg m-2 (≈ g_acc h) 200-300 m
        above the ELA (Urumqi +264, +332, +349 and Hintereisferner +271,
        +344, +347 at 100, 200, 300 m above it).
    summit_gradient
        Gradient left far above the ELA [kg m-2 m-1]: 0.2 (Urumqi: +17
        kg m-2 from 200 to 300 m above the ELA); it also lets a very
        positive year reach its target.
    shape_sd
        Year-to-year log-normal spread of ``g_abl``, ``q``, ``g_acc`` and
        ``h`` [1]: 0.2, 0.3, 0.2, 0.3 (Hintereisferner 1995-2015: the
        gradient 200 m below the ELA varies by 35 %, the balance 200 m
        above it by 75 %; Urumqi: 40 % at 200 m above it).
    winter_gradient, winter_gradient_sd
        db_w/dz and its year-to-year standard deviation [kg m-2 m-1]
        (assumed: winter snow increasing gently).
    drift_amplitude, drift_length
        Extra winter snow at the foot of the headwall [kg m-2] (drifted by
        wind and avalanched), decaying down-glacier over this length [m]
        (assumed; drift and avalanche deposits on cirque glaciers double
        the snow locally, Kaser et al. 2003).
    cone_amplitude, cone_radius
        Extra snow at the centre of each of three avalanche cones at the
        cirque walls [kg m-2] and their radius [m] (assumed).
    drift_sd
        Year-to-year log-normal spread of the drift and avalanche deposits
        [1] (assumed).
    shade_amplitude, shade_length
        Less melt at the foot of the cirque walls [kg m-2], decaying away
        from the margin over this length [m] and down the glacier
        (assumed: topographic shading).
    shade_asymmetry
        Shading stronger on the south-east (right) side, weaker on the
        north-west [1]: the factor ``1 + a (v - v_c) / w``.
    shade_sd
        Year-to-year log-normal spread of the shading [1] (assumed).
    anomaly_length
        Correlation length of the random departures from b(z) [m] (a few
        hundred metres; assumed).
    persistent_sd, yearly_sd, winter_anomaly_sd
        Standard deviation of the persistent and yearly random departures
        of b_a, and of the yearly departures of b_w [kg m-2] (assumed).
    fourier_modes
        Number of random Fourier features of a random field [1].
    stake_layout
        Where the stakes stand: ``"lines"`` (default) — on the transverse
        lines of :data:`STAKE_LINES`, across each line by systematic sampling
        with a random start drawn by the seed, ``n`` stakes at
        ``side = r (-1 + 2 (k + u) / n)``, ``k = 0 … n-1``, ``u ~ U(0, 1)``,
        ``r`` = :data:`STAKE_REACH` (a site the glacier leaves by the last
        survey moves towards the centre line), so that over realisations
        the whole width, the cirque walls included, is sampled (a network
        meant to be representative); ``"fixed"`` — the sites of
        :data:`STAKE_SITES` jittered by the seed, lines that keep away from
        the walls, where drift, avalanche snow and shading make the balance
        higher than the band's mean (the siting bias of a real network:
        -24 kg m-2 in B_a through the departures alone over 1000 networks,
        against -0.5 for ``"lines"``).
    stake_sd
        Local part of b_a fixed per stake (below the 25 m cell) [kg m-2].
    point_sd, point_winter_sd
        Local part of b_a and b_w per point and year [kg m-2] (assumed).
    missed_reading
        Probability that a stake's end-of-winter reading is missing [1]
        (assumed).
    reading_sd
        Noise of an exposure reading [m]; readings are written to 0.01 m
        (the dataset's 0.01 m per 10 kg m-2).
    snow_density, firn_density
        Density of the top and bottom layer of a winter-snow pit and of an
        end-of-summer firn pit [kg m-3] (Kaser et al. 2003: late-winter snow
        300-500; one-year firn 500-700).
    density_sd
        Noise of a layer density [kg m-3].
    ice_density_error, firn_density_error, pit_density_error
        Relative standard deviation [1] of the systematic density errors a
        realisation draws once for its whole series, the errors compute's
        uncertainty assumes (``Parameters.ice_density_error``,
        ``estimated_density_error``, ``measured_density_error``; Zemp et al.
        2013): the true density of the ice under the stakes departs from
        compute's 900 kg m-3 by the first, that of the old firn the stakes
        above the mean ELA start on from compute's 600 by the second, and
        every layer density written in the pits from the true one by the
        third (one sampling bias: a cutter's volume). 0.02, 0.10, 0.05.
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
    basin_half_width: float = 560.0
    tongue_half_width: float = 220.0
    basin_position: float = 0.3
    basin_extent: float = 0.28
    head_rounding: float = 0.1
    snout_rounding: float = 0.06
    flow_bend: float = 120.0
    outline_roughness: float = 0.08
    headwall_height: float = 80.0
    headwall_scale: float = 0.05
    profile_exponent: float = 0.9
    side_rise: float = 10.0
    cirque_side_rise: float = 60.0
    dem_roughness: float = 6.0
    dem_length: float = 150.0
    geometry_seed: int = 51
    retreat: float = 12.0
    lateral_retreat: float = 1.0
    spacing: float = 25.0
    band_width: float = 50.0
    annual_balance: float = -370.0
    winter_balance: float = 160.0
    annual_sd: float = 300.0
    winter_sd: float = 30.0
    ablation_gradient: float = 6.0
    curvature: float = 0.006
    accumulation_gradient: float = 3.0
    accumulation_scale: float = 115.0
    summit_gradient: float = 0.2
    shape_sd: tuple[float, float, float, float] = (0.2, 0.3, 0.2, 0.3)
    winter_gradient: float = 0.3
    winter_gradient_sd: float = 0.1
    drift_amplitude: float = 250.0
    drift_length: float = 200.0
    cone_amplitude: float = 250.0
    cone_radius: float = 90.0
    drift_sd: float = 0.4
    shade_amplitude: float = 300.0
    shade_length: float = 120.0
    shade_asymmetry: float = 0.6
    shade_sd: float = 0.2
    anomaly_length: float = 250.0
    persistent_sd: float = 60.0
    yearly_sd: float = 60.0
    winter_anomaly_sd: float = 30.0
    fourier_modes: int = 120
    stake_layout: str = "lines"
    stake_sd: float = 30.0
    point_sd: float = 40.0
    point_winter_sd: float = 30.0
    missed_reading: float = 0.03
    reading_sd: float = 0.01
    snow_density: tuple[float, float] = (300.0, 440.0)
    firn_density: tuple[float, float] = (540.0, 640.0)
    density_sd: float = 10.0
    ice_density_error: float = 0.02
    firn_density_error: float = 0.10
    pit_density_error: float = 0.05
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

#: The stake network in 2000: transverse lines (s, n) with s the position along the flow line
#: (0 head, 1 snout) and n the stakes on the line; dense on the tongue, sparse in the cirque.
STAKE_LINES = ((0.88, 2), (0.80, 3), (0.72, 3), (0.64, 3), (0.54, 2), (0.45, 2),
               (0.26, 1), (0.15, 1), (0.06, 1))  # fmt: skip
#: The share of the half-width the stakes of a line may reach [1] (``"lines"`` layout): 1, the
#: whole width, so that a line is a stratified sample of it.  With 0.95 (5 % of each half kept
#: free at the margins, where the walls shade the ice and the avalanches end) the network's
#: expected siting bias in B_a was -5.3 kg m-2, with 1 it is -0.5 (the band method through the
#: drift, avalanche and shading departures at the stakes' cells, 1000 networks:
#: ``tests/test_calibration.py::test_network_samples_the_departures_evenly``).
STAKE_REACH = 1.0
#: The former fixed sites (s, side), side the fraction of the half-width right (+) or left (-)
#: of the centre line: the lines' stakes kept 0.3-0.6 of the half-width from the centre, away
#: from the cirque walls (``Model.stake_layout = "fixed"``).
STAKE_SITES = (
    (0.88, -0.3), (0.88, 0.3),
    (0.80, -0.6), (0.80, 0.0), (0.80, 0.6),
    (0.72, -0.6), (0.72, 0.0), (0.72, 0.6),
    (0.64, -0.6), (0.64, 0.0), (0.64, 0.6),
    (0.54, -0.4), (0.54, 0.4),
    (0.45, -0.35), (0.45, 0.35),
    (0.26, 0.1), (0.15, -0.3), (0.06, 0.2),
)  # fmt: skip
#: Jitter of the stake sites drawn by the seed: along [1] and across [1] (fixed layout).
STAKE_JITTER = (0.015, 0.08)
#: Sites (s, side) of the winter pits and of the end-of-summer pits.
WINTER_PITS = ((0.76, 0.0), (0.48, 0.0), (0.24, 0.1))
SUMMER_PITS = ((0.26, 0.0), (0.08, -0.1))
#: Avalanche cones at the cirque walls: (s, side of the margin: -1 left, +1 right).
CONES = ((0.16, -1.0), (0.3, 1.0), (0.42, -1.0))
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
    """Copy the shipped example workbook and its truth files into ``directory``, atomically.

    Parameters
    ----------
    directory
        Folder to write ``haxilegen51.xlsx``, ``truth.csv`` and
        ``truth_points.csv`` into (created if missing).

    Returns
    -------
    pathlib.Path
        The workbook written.
    """
    from mbpack.atomic import atomic_file

    target = Path(directory) / FILE_NAME
    for name in (FILE_NAME, TRUTH_FILE, TRUTH_POINTS_FILE):
        with atomic_file(Path(directory) / name) as tmp:
            shutil.copyfile(shipped_path().parent / name, tmp)
    return target


# --- the glacier's surface -------------------------------------------------------------------


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent random streams: climate, stakes, pits, readings, probes, dates, field, density.

    Each stream's draws do not depend on how many streams follow it (``SeedSequence.spawn``).
    """
    names = ("climate", "stakes", "pits", "readings", "probes", "dates", "field", "density")
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {n: np.random.default_rng(c) for n, c in zip(names, children, strict=True)}


@dataclass(frozen=True)
class RandomField:
    """A stationary Gaussian random field by random Fourier features.

    ``f(x, y) = σ sqrt(2/M) Σ_k cos(ω_k · (x, y) + φ_k)`` with ``ω_k`` drawn
    from N(0, I / L²) and ``φ_k`` uniform: mean 0, standard deviation ``σ``
    and covariance ``σ² exp(-r² / 2L²)`` as M grows (Rahimi & Recht 2007).

    Attributes
    ----------
    omega
        Frequencies [rad m-1], shape (M, 2).
    phase
        Phases [rad], shape (M,).
    sd
        Standard deviation ``σ`` [the field's unit].
    """

    omega: np.ndarray
    phase: np.ndarray
    sd: float

    @classmethod
    def draw(cls, rng: np.random.Generator, sd: float, length: float, modes: int) -> RandomField:
        """A field of standard deviation ``sd`` and correlation length ``length`` [m]."""
        return cls(
            rng.normal(0.0, 1.0 / length, (modes, 2)), rng.uniform(0, 2 * math.pi, modes), sd
        )

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The field at ``x``, ``y`` [m] (relative to any fixed origin)."""
        arg = np.outer(x, self.omega[:, 0]) + np.outer(y, self.omega[:, 1]) + self.phase
        return self.sd * math.sqrt(2.0 / self.phase.size) * np.cos(arg).sum(axis=1)


@dataclass(frozen=True)
class Cells:
    """The glacier's grid cells of one survey and where they lie on the glacier.

    Attributes
    ----------
    x, y
        Cell centres in EPSG:32645 [m].
    elevation
        Surface elevation [m].
    s
        Position along the flow line [1] (0 at the head, 1 at the snout in 2000).
    side
        Position across: ``(v - v_c) / w`` [1], -1 at the left margin, +1 at the right.
    margin
        Distance to the nearest margin (outside cell) [m].
    u_head
        Distance along the flow line from the head [m].
    """

    x: np.ndarray
    y: np.ndarray
    elevation: np.ndarray
    s: np.ndarray
    side: np.ndarray
    margin: np.ndarray
    u_head: np.ndarray


def _harmonics(model: Model) -> tuple[np.ndarray, np.ndarray, RandomField]:
    """The outline's fixed harmonics (left, right) and the surface's bumps."""
    rng = np.random.default_rng(model.geometry_seed)
    k = np.arange(2, 6)
    left = np.stack([model.outline_roughness / k, rng.uniform(0, 2 * math.pi, k.size)])
    right = np.stack([model.outline_roughness / k, rng.uniform(0, 2 * math.pi, k.size)])
    bumps = RandomField.draw(rng, model.dem_roughness, model.dem_length, model.fourier_modes)
    return left, right, bumps


def _half_width(s: np.ndarray, end: float, harmonics: np.ndarray, year: int,
                model: Model) -> np.ndarray:  # fmt: skip
    """Distance [m] from the centre line to one margin at ``s`` (0 outside 0 <= s <= end)."""
    core = model.tongue_half_width + (model.basin_half_width - model.tongue_half_width) * np.exp(
        -(((s - model.basin_position) / model.basin_extent) ** 2)
    )
    head = np.sqrt(np.clip(s / model.head_rounding, 0.0, 1.0))
    snout = np.sqrt(np.clip((end - s) / model.snout_rounding, 0.0, 1.0))
    k = np.arange(2, 2 + harmonics.shape[1])
    wiggle = 1.0 + np.sum(
        harmonics[0][:, None] * np.cos(2 * math.pi * k[:, None] * s[None, :] + harmonics[1][:, None]),
        axis=0,
    )  # fmt: skip
    width = core * head * snout * wiggle - model.lateral_retreat * (year - SURVEYS[0])
    return np.where((s >= 0) & (s <= end), np.maximum(width, 0.0), 0.0)


def _cells(year: int, centre: tuple[float, float], model: Model = MODEL) -> Cells:
    """Grid cells of the glacier surveyed in ``year`` (see the module's Notes)."""
    from scipy import ndimage

    cx, cy = centre
    left_h, right_h, bumps = _harmonics(model)
    diag = 1.0 / math.sqrt(2.0)
    length = model.flow_length
    head = (cx - diag * length / 2, cy - diag * length / 2)
    reach = length / 2 + model.basin_half_width + 4 * model.spacing
    xs = np.arange(cx - reach, cx + reach, model.spacing) + model.spacing / 2
    ys = np.arange(cy - reach, cy + reach, model.spacing) + model.spacing / 2
    x, y = np.meshgrid(xs, ys)
    u = ((x - head[0]) + (y - head[1])) * diag  # along the flow, towards the north-east
    v = ((x - head[0]) - (y - head[1])) * diag  # across, + to the right (south-east)
    s = u / length
    end = 1.0 - model.retreat * (year - SURVEYS[0]) / length
    flat_s = s.ravel()
    across = v.ravel() - model.flow_bend * np.sin(math.pi * np.clip(flat_s, 0, 1))
    wl = _half_width(flat_s, end, left_h, year, model)
    wr = _half_width(flat_s, end, right_h, year, model)
    inside = ((across >= 0) & (across <= wr)) | ((across < 0) & (-across <= wl))
    inside &= (wl > 0) & (wr > 0)
    mask = inside.reshape(x.shape)
    margin = ndimage.distance_transform_edt(mask) * model.spacing
    side = np.where(across >= 0, across / np.maximum(wr, 1e-9), across / np.maximum(wl, 1e-9))
    sc = np.clip(flat_s[inside], 0.0, 1.0)
    relief = model.headwall_elevation - model.snout_elevation
    xi, yi, side = x.ravel()[inside], y.ravel()[inside], side[inside]
    z = (
        model.snout_elevation
        + (relief - model.headwall_height) * (1 - sc) ** model.profile_exponent
        + model.headwall_height * np.exp(-sc / model.headwall_scale)
        + (model.side_rise + model.cirque_side_rise * (1 - sc) ** 2) * np.clip(side, -1, 1) ** 2
        + bumps(xi - cx, yi - cy)
    )
    z = np.clip(z, model.snout_elevation, model.headwall_elevation)
    return Cells(
        xi, yi, np.round(z, 1), flat_s[inside], side, margin.ravel()[inside], u.ravel()[inside]
    )


def surface(year: int, centre: tuple[float, float], model: Model = MODEL) -> pd.DataFrame:
    """Grid cells of the glacier surface surveyed in ``year``.

    Parameters
    ----------
    year
        Survey year (the snout retreats by ``model.retreat`` and the margins by
        ``model.lateral_retreat`` a year from 2000).
    centre
        x, y of the glacier centre in EPSG:32645 [m], on the grid.
    model
        The geometry's parameters.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``x``, ``y`` (cell centres [m]) and ``elevation`` [m].
    """
    c = _cells(year, centre, model)
    return pd.DataFrame({"year": year, "x": c.x, "y": c.y, "elevation": c.elevation})


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


def _survey_of(year: int) -> int:
    return max(s for s in SURVEYS if s <= year)


def _centre() -> tuple[float, float]:
    """x, y [m] of :data:`CENTRE` in EPSG:32645, snapped to the grid (needs pyproj)."""
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    cx, cy = to_utm.transform(CENTRE[1], CENTRE[0])
    step = MODEL.spacing
    return round(cx / step) * step, round(cy / step) * step


# --- the true field --------------------------------------------------------------------------


def annual_balance_profile(
    elevation: np.ndarray | float,
    ela: float,
    model: Model = MODEL,
    *,
    ablation: float | None = None,
    curvature: float | None = None,
    accumulation: float | None = None,
    scale: float | None = None,
) -> np.ndarray:
    """Annual balance of the curved profile at ``elevation`` [kg m-2].

    Parameters
    ----------
    elevation
        Surface elevation [m].
    ela
        Equilibrium-line altitude of the profile [m].
    model
        The default shape: ``ablation_gradient``, ``curvature``,
        ``accumulation_gradient``, ``accumulation_scale``.
    ablation, curvature, accumulation, scale
        The year's shape, when not the model's: ``g_abl`` [kg m-2 m-1] just
        below the ELA, ``q`` [kg m-2 m-2], ``g_acc`` [kg m-2 m-1] just
        above it, ``h`` [m].

    Notes
    -----
    ``P(Δz) = g_abl Δz - q Δz²`` below the ELA (steepening downwards) and
    ``g_acc h tanh(Δz / h) + g_top Δz`` above it (flattening to the
    small ``summit_gradient`` ``g_top``); continuous, zero at the ELA,
    with a break of gradient there.

    Examples
    --------
    >>> annual_balance_profile(np.array([3600.0, 3800.0, 3900.0]), 3800.0).round(1).tolist()
    [-1440.0, 0.0, 261.9]
    """
    ga = model.ablation_gradient if ablation is None else ablation
    q = model.curvature if curvature is None else curvature
    gc = model.accumulation_gradient if accumulation is None else accumulation
    h = model.accumulation_scale if scale is None else scale
    dz = np.asarray(elevation, dtype=float) - ela
    up = np.maximum(dz, 0.0)
    return np.where(
        dz < 0, ga * dz - q * dz**2, gc * h * np.tanh(up / h) + model.summit_gradient * up
    )


def winter_balance_profile(
    elevation: np.ndarray | float,
    intercept: float,
    model: Model = MODEL,
    *,
    gradient: float | None = None,
) -> np.ndarray:
    """Winter balance of the profile at ``elevation`` [kg m-2].

    ``b_w = W + g_w (z - z_0)`` with ``W`` the ``intercept`` [kg m-2] at the
    snout elevation ``z_0`` [m] and ``g_w`` the ``gradient`` (default the
    model's ``winter_gradient``) [kg m-2 m-1].

    >>> winter_balance_profile(np.array([3490.0, 3990.0]), 100.0).tolist()
    [100.0, 250.0]
    """
    g = model.winter_gradient if gradient is None else gradient
    z = np.asarray(elevation, dtype=float)
    return intercept + g * (z - model.snout_elevation)


def solve_ela(
    elevation: np.ndarray,
    annual_balance: float,
    model: Model = MODEL,
    *,
    anomaly: np.ndarray | float = 0.0,
    shape: dict[str, float] | None = None,
) -> float:
    """ELA [m] at which the mean over the cells of the profile plus ``anomaly`` is ``annual_balance``.

    Parameters
    ----------
    elevation
        Elevations of equal-area grid cells [m].
    annual_balance
        Glacier-wide annual balance wanted [kg m-2].
    model
        The default profile shape.
    anomaly
        Departure of every cell from the profile [kg m-2].
    shape
        ``gradient``, ``curvature``, ``scale`` of the year
        (:func:`annual_balance_profile`).

    Notes
    -----
    ``B_a(ELA) = mean_i (P(z_i - ELA) + d_i)`` decreases strictly with the
    ELA, so the root is unique; it is found with Brent's method in a
    bracket of 2000 m about the glacier (an ELA outside the glacier is
    allowed).
    """
    from scipy.optimize import brentq

    z = np.asarray(elevation, dtype=float)
    extra = float(np.mean(anomaly))
    kw = shape or {}
    lo, hi = float(z.min()) - 2000.0, float(z.max()) + 2000.0
    return float(
        brentq(
            lambda e: float(annual_balance_profile(z, e, model, **kw).mean()) + extra
            - annual_balance,
            lo,
            hi,
            xtol=1e-9,
        )
    )  # fmt: skip


@dataclass(frozen=True)
class Weather:
    """What one balance year draws (see the module's Notes).

    Attributes
    ----------
    annual_target, winter_target
        Glacier-wide B_a and B_w of the year [kg m-2].
    shape
        ``gradient`` [kg m-2 m-1], ``curvature`` [kg m-2 m-2], ``scale`` [m] of the profile.
    winter_gradient
        db_w/dz [kg m-2 m-1].
    drift, shade
        Factors of the drift and avalanche deposits and of the shading [1].
    annual_field, winter_field
        The year's random departures of b_a and b_w.
    """

    annual_target: float
    winter_target: float
    shape: dict[str, float]
    winter_gradient: float
    drift: float
    shade: float
    annual_field: RandomField
    winter_field: RandomField


def _weather(seed: int, model: Model) -> tuple[dict[int, Weather], RandomField]:
    """Every year's weather and the persistent random departure of b_a."""
    streams = _streams(seed)
    rng, frng = streams["climate"], streams["field"]
    annual = rng.normal(0.0, model.annual_sd, len(YEARS))
    winter = rng.normal(0.0, model.winter_sd, len(YEARS))
    annual += model.annual_balance - annual.mean()
    winter += model.winter_balance - winter.mean()
    persistent = RandomField.draw(
        frng, model.persistent_sd, model.anomaly_length, model.fourier_modes
    )
    out = {}
    for k, year in enumerate(YEARS):
        factor = [float(np.exp(rng.normal(0, sd) - sd**2 / 2)) for sd in model.shape_sd]
        shape = {
            "ablation": model.ablation_gradient * factor[0],
            "curvature": model.curvature * factor[1],
            "accumulation": model.accumulation_gradient * factor[2],
            "scale": model.accumulation_scale * factor[3],
        }
        out[year] = Weather(
            float(annual[k]),
            float(winter[k]),
            shape,
            float(max(model.winter_gradient + rng.normal(0, model.winter_gradient_sd), 0.0)),
            float(np.exp(rng.normal(0, model.drift_sd) - model.drift_sd**2 / 2)),
            float(np.exp(rng.normal(0, model.shade_sd) - model.shade_sd**2 / 2)),
            RandomField.draw(frng, model.yearly_sd, model.anomaly_length, model.fourier_modes),
            RandomField.draw(
                frng, model.winter_anomaly_sd, model.anomaly_length, model.fourier_modes
            ),
        )
    return out, persistent


def deposits(cells: Cells, model: Model = MODEL) -> np.ndarray:
    """Drift and avalanche deposits of an average winter [kg m-2] on every cell.

    ``A_d exp(-u / L_d)`` below the headwall (``u`` the distance from the
    head) plus three avalanche cones ``A_c exp(-r² / 2 R²)`` centred on the
    cirque walls (:data:`CONES`, ``r`` the distance from a cone's apex).
    """
    out = model.drift_amplitude * np.exp(-np.maximum(cells.u_head, 0.0) / model.drift_length)
    for s0, side in CONES:
        # the apex: the margin cell nearest to (s0, side)
        near = np.abs(cells.s - s0) < 0.03
        pick = near & (np.sign(cells.side) == side)
        if not pick.any():
            continue
        k = np.flatnonzero(pick)[np.argmin(cells.margin[pick])]
        r2 = (cells.x - cells.x[k]) ** 2 + (cells.y - cells.y[k]) ** 2
        out = out + model.cone_amplitude * np.exp(-r2 / (2 * model.cone_radius**2))
    return out


def shading(cells: Cells, model: Model = MODEL) -> np.ndarray:
    """Less melt in the shade of the cirque walls in an average summer [kg m-2] on every cell.

    ``A_s exp(-m / L_s) (1 - s)² (1 + a side)``: ``m`` the distance to the
    margin [m], strongest in the cirque, and on the right (south-east) side.
    """
    s = np.clip(cells.s, 0.0, 1.0)
    return (
        model.shade_amplitude
        * np.exp(-cells.margin / model.shade_length)
        * (1 - s) ** 2
        * (1 + model.shade_asymmetry * np.clip(cells.side, -1, 1))
    )


@dataclass(frozen=True)
class YearField:
    """The true balance of every cell in one year, and the year's profile.

    Attributes
    ----------
    winter, annual
        b_w and b_a of every cell [kg m-2].
    ela
        ELA of the year's profile P [m] (not the field's ELA).
    winter_intercept
        ``W`` of the year [kg m-2].
    weather
        What the year drew.
    """

    winter: np.ndarray
    annual: np.ndarray
    ela: float
    winter_intercept: float
    weather: Weather


def _departure(values: np.ndarray, elevation: np.ndarray, width: float) -> np.ndarray:
    """``values`` less their mean over the cells of each elevation band of ``width`` [m].

    The drift, avalanche and shading terms are departures from b(z): the
    band profile of the true field is then the curved profile P (as
    Hintereisferner's WGMS band profiles are band means, which hold them).

    >>> _departure(np.array([1.0, 3.0, 5.0]), np.array([10.0, 20.0, 60.0]), 50.0).tolist()
    [-1.0, 1.0, 0.0]
    """
    _, inverse = np.unique(np.floor(elevation / width), return_inverse=True)
    inverse = inverse.ravel()
    means = np.bincount(inverse, weights=values) / np.bincount(inverse)
    return values - means[inverse]


def _year_field(cells: Cells, weather: Weather, persistent: RandomField, centre: tuple[float, float],
                model: Model) -> YearField:  # fmt: skip
    """Solve the year's ELA and winter intercept on the cells and return the field."""
    from scipy.optimize import brentq

    x, y = cells.x - centre[0], cells.y - centre[1]
    drift = weather.drift * _departure(deposits(cells, model), cells.elevation, model.band_width)
    w_rest = (
        weather.winter_gradient * (cells.elevation - model.snout_elevation)
        + drift
        + weather.winter_field(x, y)
    )
    w0 = float(
        brentq(
            lambda w: float(np.maximum(w + w_rest, 0.0).mean()) - weather.winter_target,
            weather.winter_target - 5000.0,
            weather.winter_target + 5000.0,
            xtol=1e-9,
        )
    )
    shade = weather.shade * _departure(shading(cells, model), cells.elevation, model.band_width)
    anomaly = drift + shade + persistent(x, y)
    anomaly = anomaly + weather.annual_field(x, y)
    e = solve_ela(cells.elevation, weather.annual_target, model, anomaly=anomaly,
                  shape=weather.shape)  # fmt: skip
    annual = annual_balance_profile(cells.elevation, e, model, **weather.shape) + anomaly
    return YearField(np.maximum(w0 + w_rest, 0.0), annual, e, w0, weather)


def field_ela(elevation: np.ndarray, balance: np.ndarray, width: float = 50.0) -> float:
    """ELA [m] of a cell field: the zero of its band means, linear between band-mean elevations.

    Parameters
    ----------
    elevation, balance
        Elevation [m] and annual balance [kg m-2] of equal-area cells.
    width
        Band height [m].

    Returns
    -------
    float
        The lowest elevation where the band means cross zero upwards; the
        glacier's lowest (highest) cell elevation when every band mean is
        positive (negative).

    Examples
    --------
    >>> field_ela(np.array([10.0, 60.0, 110.0]), np.array([-100.0, 0.0, 100.0]))
    60.0
    """
    _, inverse = np.unique(np.floor(elevation / width), return_inverse=True)
    inverse = inverse.ravel()
    n = np.bincount(inverse)
    z = np.bincount(inverse, weights=elevation) / n
    b = np.bincount(inverse, weights=balance) / n
    up = np.flatnonzero((b[:-1] < 0) & (b[1:] >= 0))
    if up.size == 0:  # no band mean crosses zero upwards: all above or all below
        return float(elevation.min()) if b[0] >= 0 else float(elevation.max())
    k = int(up[0])
    return float(z[k] + (0.0 - b[k]) * (z[k + 1] - z[k]) / (b[k + 1] - b[k]))


@dataclass
class _Truth:
    """The generator's truth: glacier-wide per year and at the points."""

    years: pd.DataFrame
    points: pd.DataFrame


@functools.lru_cache(maxsize=4)
def _surveys(centre: tuple[float, float], model: Model) -> dict[int, Cells]:
    """The cells of every survey (the geometry is the same for every seed: computed once)."""
    return {s: _cells(s, centre, model) for s in SURVEYS}


def _fields(seed: int, cells: dict[int, Cells], centre: tuple[float, float],
            model: Model) -> dict[int, YearField]:  # fmt: skip
    weather, persistent = _weather(seed, model)
    return {y: _year_field(cells[_survey_of(y)], weather[y], persistent, centre, model)
            for y in YEARS}  # fmt: skip


def _glacier_wide(
    cells: dict[int, Cells], fields: dict[int, YearField], model: Model
) -> pd.DataFrame:
    rows = []
    for year in YEARS:
        c, f = cells[_survey_of(year)], fields[year]
        b_a, b_w = float(f.annual.mean()), float(f.winter.mean())
        rows.append(
            {
                "year": year,
                "survey_year": _survey_of(year),
                "area": len(c.x) * model.spacing**2 / 1e6,
                "winter_balance": b_w,
                "summer_balance": b_a - b_w,
                "annual_balance": b_a,
                "ela": field_ela(c.elevation, f.annual, model.band_width),
                "aar": float(np.mean(f.annual >= 0)),
                "profile_ela": f.ela,
                "ablation_gradient": f.weather.shape["ablation"],
                "curvature": f.weather.shape["curvature"],
                "accumulation_gradient": f.weather.shape["accumulation"],
                "accumulation_scale": f.weather.shape["scale"],
                "winter_intercept": f.winter_intercept,
                "winter_gradient": f.weather.winter_gradient,
                "drift_factor": f.weather.drift,
                "shade_factor": f.weather.shade,
            }
        )
    return pd.DataFrame(rows)


def true_balances(seed: int = SEED, model: Model = MODEL) -> pd.DataFrame:
    """Glacier-wide balances of the true field, one row per balance year (``truth.csv``).

    Parameters
    ----------
    seed
        Seed of the generator (the climate and field streams of :func:`make_example`).
    model
        Model parameters.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``survey_year``, ``area`` [km2], ``winter_balance``,
        ``summer_balance``, ``annual_balance`` [kg m-2], ``ela`` [m] (the
        zero of the true field's 50 m band means) and ``aar`` [1] (share
        of the area with b_a >= 0), and the year's draw: ``profile_ela``
        [m], ``ablation_gradient`` [kg m-2 m-1], ``curvature``
        [kg m-2 m-2], ``accumulation_gradient`` [kg m-2 m-1],
        ``accumulation_scale`` [m], ``winter_intercept`` [kg m-2],
        ``winter_gradient`` [kg m-2 m-1], ``drift_factor`` and
        ``shade_factor`` [1].

    Notes
    -----
    ``B = Σ_i b(x_i) A_i / Σ_i A_i`` over the cells of the survey used for
    the year; the cells have equal areas.  ``B_s = B_a - B_w``.
    """
    centre = _centre()
    cells = _surveys(centre, model)
    return _glacier_wide(cells, _fields(seed, cells, centre, model), model)


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
        Seed of the random streams (climate, field, stakes, pits, readings,
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
    glacier-wide balances and :func:`true_point_balances` the balances at
    the points, which the readings imply.  Needs pyproj (the ``geo``
    extra) for latitude and longitude.
    """
    tables, _ = _generate(seed, model)
    return Workbook.from_tables(tables)


def make_example_with_truth(
    seed: int = SEED, model: Model = MODEL
) -> tuple[Workbook, pd.DataFrame, pd.DataFrame]:
    """The workbook, :func:`true_balances` and :func:`true_point_balances` of one realisation.

    One run of the generator (the three functions each run it once).
    """
    tables, truth = _generate(seed, model)
    return Workbook.from_tables(tables), truth.years, truth.points


def true_point_balances(seed: int = SEED, model: Model = MODEL) -> pd.DataFrame:
    """The true balances at the stakes, pits and probes (``truth_points.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per point and year: ``point_id``, ``source`` (stake, pit,
        probe), ``year``, ``x``, ``y`` [m], ``elevation`` [m];
        ``field_winter_balance``, ``field_annual_balance`` [kg m-2], the
        true field at the point's cell (what the glacier-wide truth
        averages); ``winter_balance``, ``annual_balance`` [kg m-2], the
        point's own true balance (the field plus its local part), which
        its readings were made from: for a stake both (annual missing in
        the year it was lost, winter missing when its winter reading was
        missed), for a winter pit or a probe the winter balance, for an
        end-of-summer pit the annual; ``old_surface`` of a stake at the
        start of the year (ice or firn).
    """
    _, truth = _generate(seed, model)
    return truth.points


def true_stake_balances(seed: int = SEED, model: Model = MODEL) -> pd.DataFrame:
    """The stakes' rows of :func:`true_point_balances`, with ``stake_id`` for ``point_id``."""
    points = true_point_balances(seed, model)
    stakes = points[points["source"] == "stake"].rename(columns={"point_id": "stake_id"})
    return stakes.reset_index(drop=True)


def _staying(first: Cells, last: Cells) -> np.ndarray:
    """Which cells of the survey ``first`` are still glacier in the survey ``last`` (the cells
    a stake may stand on)."""
    kept = set(zip(last.x.tolist(), last.y.tolist(), strict=True))
    return np.array([xy in kept for xy in zip(first.x.tolist(), first.y.tolist(), strict=True)])


def _stake_cells(
    rng: np.random.Generator, first: Cells, stays: np.ndarray, model: Model
) -> list[int]:
    """Indices of the stakes' cells in the first survey, by ``model.stake_layout``.

    ``stays``: which cells of the first survey are still glacier in the last.
    """
    if model.stake_layout == "lines":
        cells: list[int] = []
        for s0, n in STAKE_LINES:
            u = float(rng.uniform())
            for k in range(n):
                side = STAKE_REACH * (-1.0 + 2.0 * (k + u) / n)
                for _ in range(20):
                    c = _site(first, s0 + float(rng.normal(0, STAKE_JITTER[0])), side)
                    if stays[c]:
                        break
                    side *= 0.9  # a site that the glacier leaves moves towards the centre line
                cells.append(c)
        return cells
    if model.stake_layout != "fixed":
        raise ValueError(f"stake_layout={model.stake_layout!r}; choices: 'lines', 'fixed'")
    cells = []
    for s0, side0 in STAKE_SITES:
        for _ in range(20):
            k = _site(first, s0 + float(rng.normal(0, STAKE_JITTER[0])),
                      side0 + float(rng.normal(0, STAKE_JITTER[1])))  # fmt: skip
            if stays[k]:
                break
        cells.append(k)
    return cells


def _site(cells: Cells, s: float, side: float) -> int:
    """Index of the cell nearest to the position (s, side) on the glacier."""
    d = (cells.s - s) ** 2 * 25.0 + (cells.side - side) ** 2 * 0.25
    return int(np.argmin(d))


def _generate(seed: int, model: Model) -> tuple[dict[str, Any], _Truth]:
    """The workbook's tables and the truth behind the readings."""
    from pyproj import Transformer

    streams = _streams(seed)
    to_geo = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)

    def lat_lon(x: float, y: float) -> dict[str, float]:
        lon, lat = to_geo.transform(x, y)
        return {"latitude": round(float(lat), 6), "longitude": round(float(lon), 6)}

    centre = _centre()
    cells = _surveys(centre, model)
    grids = {
        s: pd.DataFrame({"year": s, "x": c.x, "y": c.y, "elevation": c.elevation})
        for s, c in cells.items()
    }
    grid = pd.concat(grids.values(), ignore_index=True)
    hyps = hypsometry(grid, model)
    fields = _fields(seed, cells, centre, model)
    index = {s: {(float(x), float(y)): i for i, (x, y) in enumerate(zip(c.x, c.y, strict=True))}
             for s, c in cells.items()}  # fmt: skip
    first = cells[SURVEYS[0]]

    def at(year: int, x: float, y: float) -> tuple[float, float, float]:
        """Elevation [m], b_w and b_a [kg m-2] of the true field at the cell (x, y) in ``year``."""
        s = _survey_of(year)
        k = index[s].get((x, y))
        if k is None:  # not on this survey's glacier (never for the sites used)
            c = cells[s]
            k = int(np.argmin(np.hypot(c.x - x, c.y - y)))
        f = fields[year]
        return float(cells[s].elevation[k]), float(f.winter[k]), float(f.annual[k])

    # stakes: on a cell that stays on the glacier to the end
    srng = streams["stakes"]
    stays = _staying(first, cells[SURVEYS[-1]])
    stakes = [
        {
            "stake_id": f"{i + 1:02d}",
            "x": float(first.x[k]),
            "y": float(first.y[k]),
            **lat_lon(first.x[k], first.y[k]),
            "elevation": float(first.elevation[k]),
            "installed_date": FIRST_BEGIN,
        }
        for i, k in enumerate(_stake_cells(srng, first, stays, model))
    ]
    local = srng.normal(0.0, model.stake_sd, len(stakes))
    local -= local.mean()
    pit_sites = {site: _site(first, *site) for site in (*WINTER_PITS, *SUMMER_PITS)}

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
    # the true densities, off compute's values by the series' systematic errors
    erng = streams["density"]
    ice = DEFAULT.ice_density * (1.0 + float(erng.normal(0.0, model.ice_density_error)))
    old_firn = DEFAULT.firn_density * (1.0 + float(erng.normal(0.0, model.firn_density_error)))
    pit_bias = 1.0 + float(erng.normal(0.0, model.pit_density_error))
    # firn (and superimposed ice) above the glacier ice at each stake: (thickness [m], density
    # [kg m-3]), top last; stakes above the mean ELA start on old firn
    mean_ela = float(np.mean([f.ela for f in fields.values()]))
    store: dict[str, list[tuple[float, float]]] = {
        s["stake_id"]: [(model.initial_firn, old_firn)] if s["elevation"] >= mean_ela else []
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

        # pits: winter snow everywhere, firn of the year where some is left at the end of summer
        season_pits: dict[str, list[dict[str, Any]]] = {"winter": [], "summer": []}
        for season, sites, date, density in (
            ("winter", WINTER_PITS, winter_end, model.snow_density),
            ("summer", SUMMER_PITS, end, model.firn_density),
        ):
            for k, target in enumerate(sites):
                c = pit_sites[target]
                x, y = float(first.x[c]), float(first.y[c])
                z, f_w, f_a = at(year, x, y)
                sd = model.point_winter_sd if season == "winter" else model.point_sd
                swe = (f_w if season == "winter" else f_a) + float(prng.normal(0.0, sd))
                if swe / (sum(density) / 2) < model.min_pit_depth:
                    continue
                layers = _pit_layers(prng, swe, density, model)
                pit_id = f"{'W' if season == 'winter' else 'S'}{year}-{k + 1}"
                season_pits[season].append({"pit_id": pit_id, "x": x, "y": y, "layers": layers})
                truth.append(
                    {
                        "point_id": pit_id, "source": "pit", "year": year, "x": x, "y": y,
                        "elevation": z, "field_winter_balance": f_w, "field_annual_balance": f_a,
                        "winter_balance": swe if season == "winter" else math.nan,
                        "annual_balance": swe if season == "summer" else math.nan,
                    }
                )  # fmt: skip
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
                            "density": round(rho * pit_bias),
                            "layer": layer,
                        }
                    )

        def snow_depth(swe: float, x: float, y: float, season: str) -> float:
            return _depth(swe, season_pits[season], x, y, season)  # noqa: B023 (used in this loop)

        survey = cells[_survey_of(year)]
        for p in range(PROBES_PER_YEAR):
            c = int(qrng.integers(0, len(survey.x)))
            x, y = float(survey.x[c]), float(survey.y[c])
            z, f_w, f_a = at(year, x, y)
            b_w = max(f_w + float(qrng.normal(0, model.point_winter_sd)), 0.0)
            depth = round(snow_depth(b_w, x, y, "winter"), 2)
            probe_id = f"{year}-{p + 1}"
            probes.append(
                {
                    "probe_id": probe_id,
                    "date": winter_end,
                    "x": x,
                    "y": y,
                    **lat_lon(x, y),
                    "elevation": z,
                    "snow_depth": depth,
                }
            )
            truth.append(
                {
                    "point_id": probe_id, "source": "probe", "year": year, "x": x, "y": y,
                    "elevation": z, "field_winter_balance": f_w, "field_annual_balance": f_a,
                    "winter_balance": b_w, "annual_balance": math.nan,
                }
            )  # fmt: skip

        for i, st in enumerate(stakes):
            sid = st["stake_id"]
            if sid in LOST and year > LOST[sid]:
                continue
            x, y = st["x"], st["y"]
            z, f_w, f_a = at(year, x, y)
            b_a = f_a + local[i] + float(rrng.normal(0.0, model.point_sd))
            b_w = max(f_w + float(rrng.normal(0.0, model.point_winter_sd)), 0.0)
            missed = bool(rrng.random() < model.missed_reading)
            truth.append(
                {
                    "point_id": sid, "source": "stake", "year": year, "x": x, "y": y,
                    "elevation": z, "field_winter_balance": f_w, "field_annual_balance": f_a,
                    "winter_balance": math.nan if missed else b_w,
                    "annual_balance": math.nan if LOST.get(sid) == year else b_a,
                    "old_surface": surface_of[sid],
                }
            )  # fmt: skip
            h0 = exposure[sid]
            if year == YEARS[0]:
                first_row = {
                    "stake_id": sid,
                    "date": begin,
                    "exposure": h0,
                    "surface": surface_of[sid],
                }
                if store[sid]:  # drilled through the firn: its depth to the ice is known
                    first_row["snow_depth"] = round(sum(t for t, _ in store[sid]), 2)
                readings.append(first_row)
            d_w = round(snow_depth(b_w, x, y, "winter"), 2)
            if not missed:
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
    columns = ["point_id", "source", "year", "x", "y", "elevation", "field_winter_balance",
               "field_annual_balance", "winter_balance", "annual_balance", "old_surface"]  # fmt: skip
    points = pd.DataFrame(truth, columns=columns).sort_values(
        ["year", "source", "point_id"], kind="stable"
    )
    return tables, _Truth(_glacier_wide(cells, fields, model), points.reset_index(drop=True))


def write_truth(
    years: pd.DataFrame, points: pd.DataFrame, directory: str | os.PathLike[str]
) -> None:
    """Write ``truth.csv`` and ``truth_points.csv`` into ``directory`` (balances [kg m-2], 0.1).

    Balances and elevations are rounded to 0.1 (kg m-2, m), the AAR and the
    profile's parameters to 4 significant decimals; a missing value is
    empty.
    """
    from mbpack.atomic import atomic_file

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    decimals = {"area": 6, "aar": 4, "ablation_gradient": 4, "accumulation_gradient": 4, "curvature": 6, "accumulation_scale": 2,
                "winter_gradient": 4, "drift_factor": 4, "shade_factor": 4}  # fmt: skip
    out = years.copy()
    for col in out.columns:
        if col not in ("year", "survey_year"):
            out[col] = out[col].round(decimals.get(col, 1))
    pts = points.copy()
    for col in ("x", "y", "elevation", "field_winter_balance", "field_annual_balance",
                "winter_balance", "annual_balance"):  # fmt: skip
        pts[col] = pts[col].round(1)
    for frame, name in ((out, TRUTH_FILE), (pts, TRUTH_POINTS_FILE)):
        with atomic_file(folder / name) as tmp:
            frame.to_csv(tmp, index=False, lineterminator="\n")


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
    """Rewrite the shipped workbook and its truth from :func:`make_example`, and the example package.

    It writes ``mbpack/data/haxilegen51.xlsx`` with ``truth.csv`` and
    ``truth_points.csv`` beside it, copies the truth files into
    ``example/`` and rewrites ``example/data`` and the top-level
    ``datapackage.json`` (:func:`repository_package`).  Only in a source
    checkout: an installed package is never written into.

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
            "only from one (give a folder: python -m mbpack.example DIR)"
        )
    data = Path(__file__).resolve().parent / "data"
    path = write_realisation(SEED, data)
    for name in (TRUTH_FILE, TRUTH_POINTS_FILE):
        shutil.copyfile(data / name, root / "example" / name)
    package = repository_package(root)
    (root / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    return path


def write_realisation(seed: int, directory: str | os.PathLike[str], model: Model = MODEL) -> Path:
    """Write one realisation: ``haxilegen51.xlsx``, ``truth.csv`` and ``truth_points.csv``.

    Parameters
    ----------
    seed
        Seed of the generator.
    directory
        Folder to write into (created if missing).
    model
        Parameters of the generative model.

    Returns
    -------
    pathlib.Path
        The workbook written.
    """
    wb, years, points = make_example_with_truth(seed, model)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = write_workbook(wb, folder / FILE_NAME)
    write_truth(years, points, folder)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mbpack.example [--seed N] [DIR]`` (or ``--output PATH`` for a workbook alone)."""
    parser = argparse.ArgumentParser(
        prog="python -m mbpack.example",
        description="Regenerate the bundled example, or write another realisation into DIR "
        "(needs pyproj).",
    )
    parser.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help="write haxilegen51.xlsx, truth.csv and truth_points.csv here; without it, "
        "rewrite the shipped example (mbpack/data, and in a checkout example/ and "
        "datapackage.json)",
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite the shipped example (the default)"
    )
    parser.add_argument("--output", type=Path, help="write only the workbook, to this path")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed (default {SEED})")
    args = parser.parse_args(argv)
    if args.output is not None:
        print(write_workbook(make_example(args.seed), args.output))
    elif args.directory is not None:
        print(write_realisation(args.seed, args.directory))
    elif args.seed != SEED:
        parser.error("the shipped example is seed 51; give a folder (DIR) for another seed")
    else:
        print(regenerate())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

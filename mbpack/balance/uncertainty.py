"""Uncertainty of glacier-wide balances after Zemp et al. (2013).

Notes
-----
For one year the glacier-wide uncertainty combines independent components

.. math::

    \\sigma = \\sqrt{\\sigma_{point}^2 + \\sigma_{spatial}^2 + \\sigma_{ref}^2}

* point (:func:`point_components`): the random part of the N point errors
  (readings, depths) averages as ``sqrt(Σ r_i²) / N``; the systematic
  part (the density error, the same at every stake) as ``Σ s_i / N``;
* spatial (:func:`pooled_spatial`): how much the glacier-wide balance
  depends on where the points stand and how they are integrated, estimated
  twice — by the jackknife standard error of the method run N times, each
  time without one point (:func:`leave_one_out`), less the random point
  part it holds, and by the spread between the two independent
  glacier-wide methods, ``|B_band - B_contour| / √2``
  (:func:`spatial_component`) — and taken as the quadratic mean of the two
  estimates (not their quadratic sum: they measure the same error);
* reference area: using the area of a survey other than the year's,
  ``σ_ref = |B| |A_year - A_used| / A_used``.

Over N years random components (point random, spatial) add as
``√N``, systematic ones (point density part, reference area, which err the
same way every year) as ``N``.

References
----------
Zemp, M. et al. (2013). Reanalysing glacier mass balance measurement
series. The Cryosphere 7, 1227-1245. doi:10.5194/tc-7-1227-2013
"""

from __future__ import annotations

import math

import numpy as np


def point_component(point_unc: np.ndarray) -> float:
    """Glacier-wide effect of random point errors [kg m-2].

    Parameters
    ----------
    point_unc
        Uncertainty of every point balance used [kg m-2]; NaN left out.

    Returns
    -------
    float
        ``sqrt(Σ σ_i²) / N``: the error of a mean of N independent points
        (NaN without points).

    Examples
    --------
    >>> point_component(np.array([100.0, 100.0, 100.0, 100.0]))
    50.0
    """
    unc = np.asarray(point_unc, dtype=float)
    unc = unc[np.isfinite(unc)]
    return float(math.sqrt(np.sum(unc**2)) / unc.size) if unc.size else math.nan


def spatial_component(band: float, contour: float) -> float:
    """Spatial (integration) uncertainty [kg m-2]: the spread of the two methods.

    Parameters
    ----------
    band, contour
        Glacier-wide balance by the altitude-band and the contour-line
        methods [kg m-2].

    Returns
    -------
    float
        ``|B_band - B_contour|``; NaN when one is missing.

    >>> spatial_component(-520.0, -505.0)
    15.0
    """
    return abs(band - contour) if math.isfinite(band) and math.isfinite(contour) else math.nan


def pooled_spatial(jackknife: float, spread: float, random: float = 0.0) -> float:
    """Spatial uncertainty [kg m-2] from its two estimates.

    Parameters
    ----------
    jackknife
        Leave-one-out (jackknife) standard error of the method [kg m-2]
        (:func:`leave_one_out`).
    spread
        ``|B_band - B_contour|`` [kg m-2] (:func:`spatial_component`).
    random
        Random part of the point errors [kg m-2] (:func:`point_components`),
        counted on its own beside the spatial part.

    Returns
    -------
    float
        ``sqrt((σ_J² + σ_S²) / 2)``, the quadratic mean of the finite
        estimates, with ``σ_J² = max(J² - σ_random², 0)`` and ``σ_S² = S² /
        2``; the one finite estimate when the other is NaN; NaN when neither
        is finite.

    Notes
    -----
    Both estimate the one spatial error of Zemp et al. (2013, their
    σ_glac.spatial), so they are pooled, not added. Each is first made an
    estimate of that error alone:

    * the jackknife resamples the point values as they are, random errors
      and all, so its variance holds the random point part too (for a mean
      of N points ``J² = (s_field² + s_random²) / N``); as ``σ_random`` is
      counted on its own, its variance is taken out of ``J²``;
    * two methods that err independently and alike differ by
      ``E[(B_band - B_contour)²] = 2 σ²``: one method's error is
      ``S / √2``.

    Over 120 realisations of the synthetic example (1440 glacier-years)
    the truth lies within ±1σ of B_a in 76 % (band) and 78 % (contour) of
    years and within ±2σ in 98 %; with ``J`` and ``S`` as they are, 81 and
    83 % (measured with the contour field of one elevation gradient);
    added in quadrature as independent errors, 86-92 %.

    References
    ----------
    Zemp, M. et al. (2013). Reanalysing glacier mass balance measurement
    series. The Cryosphere 7, 1227-1245. doi:10.5194/tc-7-1227-2013
    Efron, B. and Stein, C. (1981). The jackknife estimate of variance.
    Ann. Statist. 9(3), 586-596. doi:10.1214/aos/1176345462

    Examples
    --------
    >>> pooled_spatial(50.0, 40.0, 30.0), pooled_spatial(30.0, float("nan"))
    (34.64101615137755, 30.0)

    A jackknife no larger than the random point part adds nothing of its own:

    >>> pooled_spatial(20.0, 40.0, 30.0)
    20.0
    """
    r2 = random * random if math.isfinite(random) else 0.0
    parts = []
    if math.isfinite(jackknife):
        parts.append(max(jackknife * jackknife - r2, 0.0))
    if math.isfinite(spread):
        parts.append(spread * spread / 2.0)
    return math.sqrt(sum(parts) / len(parts)) if parts else math.nan


def reference_area_component(balance: float, area_used: float, area_year: float) -> float:
    """Error from a reference area other than the year's [kg m-2].

    Parameters
    ----------
    balance
        Glacier-wide balance [kg m-2].
    area_used
        Area the balance was integrated over [km2].
    area_year
        Best estimate of the year's area [km2].

    Returns
    -------
    float
        ``|B| |A_year - A_used| / A_used``.

    Examples
    --------
    >>> round(reference_area_component(-500.0, 1.40, 1.36), 6)
    14.285714
    """
    return abs(balance) * abs(area_year - area_used) / area_used


def combined(*components: float) -> float:
    """Quadratic sum of the finite components [kg m-2].

    ``σ = sqrt(Σ σ_k²)`` over the finite components (NaN when none is).

    Parameters
    ----------
    *components
        Uncertainty components [kg m-2], taken as independent; NaN and
        infinite ones are left out.

    Returns
    -------
    float
        ``sqrt(Σ σ_k²)`` of the finite components [kg m-2]; NaN when none
        is finite.

    References
    ----------
    Zemp, M. et al. (2013). Reanalysing glacier mass balance measurement
    series. The Cryosphere 7, 1227-1245. doi:10.5194/tc-7-1227-2013

    Examples
    --------
    >>> combined(30.0, 40.0, float("nan"))
    50.0
    """
    finite = [c for c in components if math.isfinite(c)]
    return math.sqrt(sum(c * c for c in finite)) if finite else math.nan


def cumulative(random: np.ndarray, systematic: np.ndarray) -> float:
    """Uncertainty of a sum of N yearly balances [kg m-2].

    Parameters
    ----------
    random
        Random (year-to-year independent) uncertainty of each year [kg m-2].
    systematic
        Systematic uncertainty of each year [kg m-2] (same sign every year).

    Returns
    -------
    float
        ``sqrt(Σ σ_r,i²) + Σ σ_s,i``: random errors add as √N, systematic
        ones as N (Zemp et al. 2013). NaN are left out.

    Examples
    --------
    >>> cumulative(np.array([200.0] * 4), np.array([10.0] * 4))
    440.0
    """
    r = np.asarray(random, float)
    s = np.asarray(systematic, float)
    return float(math.sqrt(np.nansum(r**2)) + np.nansum(s))


def point_components(
    balance: np.ndarray, balance_unc: np.ndarray, density: np.ndarray, density_unc: np.ndarray
) -> tuple[float, float]:
    """Glacier-wide effect of point errors [kg m-2], random and systematic parts apart.

    Parameters
    ----------
    balance, balance_unc
        Point balances and their uncertainties [kg m-2].
    density, density_unc
        Density used at each point and its uncertainty [kg m-3] (NaN: no
        density part known).

    Returns
    -------
    tuple of float
        ``(σ_random, σ_systematic)``. The density part of each point,
        ``s_i = |b_i| σ_ρ,i / ρ_i``, is the same error at every stake (one
        density assumed or measured in a few pits for all of them), so it
        averages as ``Σ s_i / N``; the rest, ``r_i = sqrt(σ_i² − s_i²)``
        (readings, depths), is independent between points:
        ``sqrt(Σ r_i²) / N``. NaN without points.

    References
    ----------
    Zemp, M. et al. (2013). Reanalysing glacier mass balance measurement
    series. The Cryosphere 7, 1227-1245. doi:10.5194/tc-7-1227-2013

    Examples
    --------
    >>> point_components(np.array([-1000.0, -1000.0]), np.array([100.0, 100.0]),
    ...                  np.array([900.0, 900.0]), np.array([54.0, 54.0]))
    (56.568542494923804, 60.0)
    """
    b, u = np.asarray(balance, float), np.asarray(balance_unc, float)
    rho, rho_unc = np.asarray(density, float), np.asarray(density_unc, float)
    ok = np.isfinite(b) & np.isfinite(u)
    if not ok.any():
        return math.nan, math.nan
    b, u, rho, rho_unc = b[ok], u[ok], rho[ok], rho_unc[ok]
    rel = np.where(np.isfinite(rho) & np.isfinite(rho_unc) & (rho > 0), rho_unc / rho, 0.0)
    s = np.minimum(np.abs(b) * rel, u)
    r = np.sqrt(u**2 - s**2)
    return float(math.sqrt(np.sum(r**2)) / b.size), float(np.sum(s) / b.size)


def leave_one_out(estimates: np.ndarray) -> float:
    """Spatial uncertainty [kg m-2] from leave-one-out estimates of the glacier-wide balance.

    Parameters
    ----------
    estimates
        The glacier-wide balance computed N times, each time without one of
        the N points, through the method used [kg m-2].

    Returns
    -------
    float
        The jackknife standard error
        ``sqrt((N-1)/N Σ (B_(-j) - B̄)²)``: how much the result depends on
        where the points stand (NaN with fewer than three finite
        estimates).

    References
    ----------
    Efron, B. and Stein, C. (1981). The jackknife estimate of variance.
    Ann. Statist. 9(3), 586-596. doi:10.1214/aos/1176345462

    Examples
    --------
    >>> leave_one_out(np.array([-500.0, -520.0, -480.0, -500.0]))
    24.49489742783178
    """
    e = np.asarray(estimates, float)
    e = e[np.isfinite(e)]
    if e.size < 3:
        return math.nan
    return float(math.sqrt((e.size - 1) / e.size * np.sum((e - e.mean()) ** 2)))

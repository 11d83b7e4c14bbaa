"""Uncertainty of glacier-wide balances after Zemp et al. (2013).

Notes
-----
For one year the glacier-wide uncertainty combines independent components

.. math::

    \\sigma = \\sqrt{\\sigma_{point}^2 + \\sigma_{spatial}^2 + \\sigma_{ref}^2}

* point: the random errors of the N point balances, averaged over the
  glacier, ``σ_point = sqrt(Σ σ_i²) / N``;
* spatial: the spread between the two glacier-wide methods,
  ``σ_spatial = |B_band - B_contour|`` (the spread of independent
  integrations is an estimate of the error of either);
* reference area: using the area of a survey other than the year's,
  ``σ_ref = |B| |A_year - A_used| / A_used``.

Over N years random components add as ``√N``, systematic ones (the
reference area, which errs the same way every year) as ``N``.

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

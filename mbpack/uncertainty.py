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

    >>> point_component(np.array([100.0, 100.0, 100.0, 100.0]))
    50.0
    """
    unc = np.asarray(point_unc, dtype=float)
    unc = unc[np.isfinite(unc)]
    return float(math.sqrt(np.sum(unc**2)) / unc.size) if unc.size else math.nan


def spatial_component(band: float, contour: float) -> float:
    """Spread of the two methods [kg m-2] (NaN when one is missing)."""
    return abs(band - contour) if math.isfinite(band) and math.isfinite(contour) else math.nan


def reference_area_component(balance: float, area_used: float, area_year: float) -> float:
    """Error from an outdated reference area [kg m-2].

    >>> round(reference_area_component(-500.0, 1.40, 1.36), 6)
    14.285714
    """
    return abs(balance) * abs(area_year - area_used) / area_used


def combined(*components: float) -> float:
    """Quadratic sum of the finite components [kg m-2].

    >>> combined(30.0, 40.0, float("nan"))
    50.0
    """
    finite = [c for c in components if math.isfinite(c)]
    return math.sqrt(sum(c * c for c in finite)) if finite else math.nan


def cumulative(random: np.ndarray, systematic: np.ndarray) -> float:
    """Uncertainty of a sum over years [kg m-2]: random as √N, systematic as N.

    >>> cumulative(np.array([200.0] * 4), np.array([10.0] * 4))
    440.0
    """
    r = np.asarray(random, float)
    s = np.asarray(systematic, float)
    return float(math.sqrt(np.nansum(r**2)) + np.nansum(s))

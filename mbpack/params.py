"""Densities, errors and thresholds of the computation, each with its unit and source.

Every number the computation uses is a field of :class:`Parameters`;
functions take ``params: Parameters = DEFAULT`` and a user can change any
of them (``dataclasses.replace(DEFAULT, firn_density=550.0)``).

References
----------
Cogley, J. G. et al. (2011). Glossary of Glacier Mass Balance and Related
Terms. IHP-VII Technical Documents in Hydrology No. 86, UNESCO-IHP, Paris.
Kaser, G., Fountain, A. and Jansson, P. (2003). A manual for monitoring the
mass balance of mountain glaciers. IHP-VI Technical Documents in Hydrology
No. 59, UNESCO, Paris.
Zemp, M. et al. (2013). Reanalysing glacier mass balance measurement
series. The Cryosphere 7, 1227-1245. doi:10.5194/tc-7-1227-2013
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameters:
    """Parameters of the point and glacier-wide computations.

    Attributes
    ----------
    ice_density
        Bulk density of glacier ice and of superimposed ice [kg m-3]
        (900, Cogley et al. 2011).
    firn_density
        Density of snow and firn left at the end of summer when no pit gives
        it [kg m-3] (primer: 550-600).
    snow_density
        Density of winter snow when no pit gives it [kg m-3] (Kaser et al.
        2003 give 300-500 for late-winter snow).
    ice_density_error
        Relative error of the ice density [1] (Zemp et al. 2013: 1.5-2 %).
    measured_density_error
        Relative error of a density measured in a pit [1] (5 %).
    estimated_density_error
        Relative error of a default density [1] (8-12 %; 10 % used).
    stake_reading_error
        Error of one exposure reading [m] (about 5 cm).
    depth_error
        Error of a snow depth from probing or a pit [m] (about 10 cm).
    date_tolerance
        A reading counts as the survey at a balance year's date when it is
        at most this far from it [d].
    pit_window
        A pit serves a reading when dug at most this far from it [d].
    min_points
        Fewest points a year needs for a glacier-wide balance [1].
    contour_interval
        Spacing of the balance isolines of the contour-line method [kg m-2].
    idw_neighbours, idw_power
        Inverse-distance weighting of the residuals from the b(z) profile:
        number of nearest points and power of the distance [1].
    profile
        b(z) used by the altitude-band method: ``"linear"`` (least-squares
        line) or ``"piecewise"`` (band means, interpolated between bands,
        extrapolated with the linear fit's gradient).
    dem_resolution
        Cell size [m] a DEM named in the ``surfaces`` sheet is resampled to
        before the contour-line method (``None``: the DEM's own).
    area_change_per_year
        Relative change of glacier area per year assumed for the
        reference-area uncertainty when a year has no hypsometry of its own
        [1 a-1] (0.5 %, typical of small Tien Shan glaciers).
    """

    ice_density: float = 900.0
    firn_density: float = 600.0
    snow_density: float = 400.0
    ice_density_error: float = 0.02
    measured_density_error: float = 0.05
    estimated_density_error: float = 0.10
    stake_reading_error: float = 0.05
    depth_error: float = 0.10
    date_tolerance: int = 30
    pit_window: int = 20
    min_points: int = 2
    contour_interval: float = 250.0
    idw_neighbours: int = 8
    idw_power: float = 2.0
    profile: str = "linear"
    area_change_per_year: float = 0.005
    dem_resolution: float | None = None

    def __post_init__(self) -> None:
        if self.profile not in ("linear", "piecewise"):
            raise ValueError(f"profile={self.profile!r} is invalid; choices: 'linear', 'piecewise'")


#: The documented defaults.
DEFAULT = Parameters()

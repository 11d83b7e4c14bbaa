"""Densities, errors, tolerances and options of the computation, each with its unit and source.

Every number the computation uses is a field of :class:`Parameters`;
functions take ``params: Parameters = DEFAULT`` and a user can change any
of them (``dataclasses.replace(DEFAULT, firn_density=550.0)``).

References
----------
Cogley, J. G., Hock, R., Rasmussen, L. A. et al. (2011). Glossary of Glacier
Mass Balance and Related Terms. IHP-VII Technical Documents in Hydrology
No. 86, IACS Contribution No. 2, UNESCO-IHP, Paris.
Kaser, G., Fountain, A. and Jansson, P. (2003). A manual for monitoring the
mass balance of mountain glaciers. IHP-VI Technical Documents in Hydrology
No. 59, UNESCO, Paris.
Østrem, G. and Brugman, M. (1991). Glacier mass-balance measurements: a
manual for field and office work. NHRI Science Report No. 4, Environment
Canada, Saskatoon.
Zemp, M., Thibert, E., Huss, M. et al. (2013). Reanalysing glacier mass
balance measurement series. The Cryosphere 7, 1227-1245.
doi:10.5194/tc-7-1227-2013
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: b(z) profiles the altitude-band method and the ELA can use.
PROFILES = ("pchip", "piecewise", "linear")
#: How the contour-line method integrates between isolines.
CONTOUR_INTEGRATIONS = ("isolines", "cells")
#: How the contour-line method interpolates the points over the grid.
CONTOUR_FIELDS = ("rbf", "profile-idw")


@dataclass(frozen=True)
class Parameters:
    """Parameters of the point and glacier-wide computations.

    Attributes
    ----------
    ice_density
        Bulk density of glacier ice and of superimposed ice [kg m-3].
        900: the conventional bulk value (Cogley et al. 2011, "density of
        ice"; pure ice is 917).
    firn_density
        Density of snow and firn left above the last summer surface at the
        end of summer, and of firn lost below it, when no pit gives it
        [kg m-3]. 600: inside the 400-830 firn range of Cogley et al.
        (2011, "firn"), the value of the primer (550-600) used for one-year
        firn.
    snow_density
        Density of winter snow when no pit of the survey gives it [kg m-3].
        400: project default, a typical end-of-winter value inside the
        usual 300-500 range of a seasonal snowpack (Cogley et al. 2011,
        "snow"; to be replaced by pit densities wherever there are pits).
    new_snow_density
        Density of new snow lying on the surface at a stake reading near
        the begin or end of a balance year (``snow_depth`` at the start
        reading, ``new_snow`` at the end) when no pit gives it [kg m-3].
        300: project default, settled autumn snow a few days to weeks old
        (fresh snow 50-200, seasonal snowpack 300-500; Cogley et al. 2011,
        "snow").
    ice_density_error
        Relative error of the ice density [1]. 0.02 (Zemp et al. 2013:
        1.5-2 %).
    measured_density_error
        Relative error of a density measured in a pit [1]. 0.05 (Zemp et
        al. 2013).
    estimated_density_error
        Relative error of a default (not measured) density [1]. 0.10 (Zemp
        et al. 2013: 8-12 %).
    stake_reading_error
        Error of one exposure reading [m]. 0.05 (Zemp et al. 2013; about
        5 cm for a stake).
    depth_error
        Error of a snow depth from probing or a pit [m]. 0.10 (Zemp et al.
        2013; about 10 cm).
    date_tolerance
        A reading counts as the survey at a balance year's begin, end of
        winter or end date when it is at most this far from it [d]. 30:
        project default, half the usual spacing of surveys.
    pit_window
        A pit belongs to the survey of a reading, and may give its density,
        when dug at most this far from it [d]; among those pits the nearest
        in space (x/y, else elevation) is used, then the nearest in time.
        20: project default.
    pit_max_distance
        A pit gives a point its density only when at most this far away
        horizontally [m]. 2000: project default, the size of the glaciers
        the method is used on (a pit farther away stands for another part of
        the glacier); beyond it the fallback of :func:`nearest_pit` is used.
    pit_max_elevation_difference
        ... and at most this much higher or lower [m]. 200: project default,
        four 50 m bands (snow density changes little over that height).
    winter_site_distance
        A stake's end-of-winter snow depth, probes and pits of the same
        survey within this distance of each other are one winter site
        [m]: one winter balance, their mean, not several points. 10:
        project default, a probe or pit "beside" a stake (Kaser et al.
        2003 dig pits and probe within a few metres of stakes).
    fixed_date_correction
        Correct stake balances read away from the balance year's dates to
        those dates (``False``: off, the default; the balances stay
        floating-date and the date error enters the uncertainty). When on,
        every stake balance is scaled by the ratio of the season lengths,
        ``b_fixed = b · (t1' - t0') / (t1 - t0)``, with the seasonal rate
        taken as constant over the season (the "b(z) rate" method of
        Kaser et al. 2003, ch. 5; see :func:`mbpack.balance.points.fixed_date`)
        and the correction reported in the point's remarks.
    min_points
        Fewest point balances a year and season needs for a glacier-wide
        balance [1]. 2: a b(z) line needs two elevations.
    contour_interval
        Spacing of the balance isolines of the contour-line method
        [kg m-2]. 250: project default, a quarter of 1 m w.e., which
        gives 5-15 isolines over the balance range of a small glacier.
    contour_isolines
        Fewest intervals between isolines over a field's range [1]: where
        ``contour_interval`` gives fewer (a winter field of a few hundred
        kg m-2), the interval is the largest step of 1, 2, 2.5 or 5 × 10^k
        that gives as many. 8: within 2.5 kg m-2 of the field's mean on the
        example generator's true winter fields (60 glacier-years; 59 at 250).
    contour_integration
        ``"isolines"``: the glacier-wide balance is Σ A_k (b_k + b_k+1)/2
        over the areas A_k between successive isolines traced on the field
        (contourpy), the lowest and highest areas bounded by the extreme
        cell values (the classical isoline integration, Østrem & Brugman
        1991); ``"cells"``: the mean of the field's cells. The first tends
        to the second as the interval shrinks.
    contour_field
        How the contour-line method interpolates the points over the grid:
        ``"rbf"`` (default): a drift linear in x, y and elevation, its
        elevation gradient broken at the points' equilibrium line, plus a
        thin-plate-spline radial basis function of the residuals over
        (x, y, elevation) (scipy's RBFInterpolator), independent of the
        band method's b(z);
        ``"profile-idw"``: the b(z) profile plus inverse-distance-weighted
        residuals (shares its main term with the band method).
    rbf_elevation_scale
        1 m of elevation counts as this many metres of horizontal distance
        in the RBF of the drift's residuals [1]. 3: the drift carries the
        balance's change with height, so the residuals are interpolated
        mostly across the glacier; measured end to end over 120 seeds of
        the example generator, the contour method's mean |error| of B_a is
        27.3 kg m-2 at 3; before the drift's gradients were bounded, 27.6
        at 1, 27.4 at 3 and 28.6 at 10; 38.1 at 300 without the drift (the
        former default).
    rbf_smoothing
        Smoothing of the RBF [kg2 m-4 in scipy's sense; 0 = the field passes
        through the points]. 0: project default.
    loo_cells
        The leave-one-out uncertainty of the contour-line method evaluates
        its N reduced fields on every k-th grid cell, at most this many
        [1]. 1000: the jackknife spread of a mean over 1000 regularly spaced
        cells stands for the full grid's on
        smooth fields (project default); keeps 100 refits near 1 s.
    idw_neighbours, idw_power
        Inverse-distance weighting of the residuals from the b(z) profile
        over the grid (``"profile-idw"``): number of nearest points [1] and
        power of the distance [1]. 8 and 2: the usual Shepard weighting.
    profile
        b(z) used by the altitude-band method and the ELA: ``"pchip"``
        (default: the mean balance of the points of every band at their
        mean elevation, joined by the shape-preserving cubic of Fritsch &
        Carlson 1980, doi:10.1137/0717021, extrapolated beyond them by the
        rule of ``profile_gradient_cap``), ``"piecewise"`` (the same knots
        joined by straight lines) or ``"linear"`` (least-squares line).
        PCHIP is the default by measured accuracy: on Hintereisferner's
        WGMS band profiles 1995-2015, sampled at 36 stake-like elevations,
        its worst year is 22 kg m-2 without noise (piecewise 28, the line
        252) and within 50 kg m-2 every year with 50 kg m-2 of point noise
        (``tests/test_profiles_real.py``); over 50 realisations of the
        synthetic example its mean error of B_a is -17 kg m-2, the line's
        -42 (``tests/test_calibration.py``; on an earlier draw of the stake
        network PCHIP erred by -11 where straight segments erred by -19).
    profile_gradient_cap
        Extrapolation of the pchip and piecewise profiles beyond their
        lowest and highest knot [kg m-2 m-1]: the gradient of the
        outermost segment, clipped to [0, cap]. 20: 2 m w.e. per 100 m, about the
        steepest gradient between the lowest bands of Hintereisferner's
        WGMS profiles (1964, 2425-2475 m: 2.06 m w.e. per 100 m).
    band_width
        Width of the elevation bands [m] derived from a surface grid when
        the workbook has no hypsometry. 50: project default, the band
        width of the glaciology primer (e.g. 50 m).
    dem_resolution
        Cell size [m] a DEM named in the ``surfaces`` sheet is resampled to
        before the contour-line method (``None``: the DEM's own).
    area_change_per_year
        Relative change of glacier area per year assumed for the
        reference-area uncertainty when only one survey gives the area
        [a-1]. 0.005: project default, typical of small Tien Shan glaciers
        in the 2000s.
    grid_area_tolerance
        The hypsometry's total area and the surface grid's may differ by
        this fraction before a warning [1]. 0.02: the area of a 25 m grid
        of a 1-2 km2 glacier differs from its outline's by about 1 %.
    """

    ice_density: float = 900.0
    firn_density: float = 600.0
    snow_density: float = 400.0
    new_snow_density: float = 300.0
    ice_density_error: float = 0.02
    measured_density_error: float = 0.05
    estimated_density_error: float = 0.10
    stake_reading_error: float = 0.05
    depth_error: float = 0.10
    date_tolerance: int = 30
    pit_window: int = 20
    pit_max_distance: float = 2000.0
    pit_max_elevation_difference: float = 200.0
    winter_site_distance: float = 10.0
    fixed_date_correction: bool = False
    min_points: int = 2
    contour_interval: float = 250.0
    contour_isolines: int = 8
    contour_integration: str = "isolines"
    contour_field: str = "rbf"
    rbf_elevation_scale: float = 3.0
    rbf_smoothing: float = 0.0
    loo_cells: int = 1000
    idw_neighbours: int = 8
    idw_power: float = 2.0
    profile: str = "pchip"
    profile_gradient_cap: float = 20.0
    band_width: float = 50.0
    area_change_per_year: float = 0.005
    dem_resolution: float | None = None
    grid_area_tolerance: float = 0.02

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile={self.profile!r} is invalid; choices: {PROFILES}")
        if self.contour_integration not in CONTOUR_INTEGRATIONS:
            raise ValueError(
                f"contour_integration={self.contour_integration!r} is invalid; "
                f"choices: {CONTOUR_INTEGRATIONS}"
            )
        if self.contour_field not in CONTOUR_FIELDS:
            raise ValueError(
                f"contour_field={self.contour_field!r} is invalid; choices: {CONTOUR_FIELDS}"
            )
        positive = (
            "ice_density",
            "firn_density",
            "snow_density",
            "new_snow_density",
            "contour_interval",
            "band_width",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r} is invalid; it must be > 0")
        if self.contour_isolines < 1:
            raise ValueError(
                f"contour_isolines={self.contour_isolines!r} is invalid; it must be >= 1"
            )
        if self.min_points < 2:
            raise ValueError(f"min_points={self.min_points!r} is invalid; a b(z) fit needs >= 2")


#: The documented defaults.
DEFAULT = Parameters()


@dataclass(frozen=True)
class Thresholds:
    """Thresholds of the workbook checks (:mod:`mbpack.checks.rules`).

    Attributes
    ----------
    balance_sum_tolerance
        Allowed |B_a − (B_w + B_s)| [kg m-2]. 1.5: results rounded to whole
        kg m-2 can differ by up to 1.5 (three roundings of 0.5).
    band_area_tolerance
        Band areas must sum to the glacier area within this fraction [1].
        0.01: the workbook's own hypsometry, not rounded for publication.
    max_annual_lowering
        Largest plausible surface lowering at a stake in one year [m of
        ice]. 12: the most negative annual balances observed are about
        −10 m w.e. (WGMS Fluctuations of Glaciers).
    max_daily_lowering
        Largest plausible surface lowering at a stake per day of an
        interval [m d-1]: ``(summer, winter)``. Summer 0.15: above the
        largest daily ice melt measured on mid-latitude and subtropical
        glaciers (about 0.1 m w.e. d-1, i.e. 0.11 m of ice; Kaser et al.
        2003); winter 0.05: wind scour and compaction of fresh snow, melt
        being small. The lowering allowed over an interval is the sum over
        its days, capped at ``max_annual_lowering`` per year.
    summer_months
        Calendar months of the ablation season in the northern hemisphere
        [1]: May to September; shifted by six months for a glacier with a
        negative latitude (``glacier!latitude``).
    max_raising
        Largest plausible surface raising between two readings [m] (snow
        on a stake). 8: project default, a very snowy winter.
    max_snow_density
        Snow denser than this is unusual [kg m-3]. 700: above the densest
        seasonal snow and below firn (Cogley et al. 2011, "snow", "firn").
    elevation_margin
        Stakes and pits may stand this far outside the glacier's elevation
        range [m]. 50: one usual band width.
    max_distance
        Points farther than this from the glacier's position are
        suspicious [km]. 10: larger than any glacier of the method's scale.
    layer_tolerance
        Layers of a pit must meet within this distance [m]. 0.005: half a
        centimetre, the reading precision of a pit wall.
    off_grid_cells
        Points with x/y farther than this many grid spacings from the
        nearest cell of the glacier grid are reported [1]. 2: a stake at
        the glacier's edge lies within one cell of it.
    year_days
        Plausible length of a balance year [d]: 9 to 15 months of 30.4 d.
    winter_days
        Plausible length of a winter season [d]: 4 to 9 months of 30.4 d.
    """

    balance_sum_tolerance: float = 1.5
    band_area_tolerance: float = 0.01
    max_annual_lowering: float = 12.0
    max_daily_lowering: tuple[float, float] = (0.15, 0.05)
    summer_months: tuple[int, ...] = (5, 6, 7, 8, 9)
    max_raising: float = 8.0
    max_snow_density: float = 700.0
    elevation_margin: float = 50.0
    max_distance: float = 10.0
    layer_tolerance: float = 0.005
    off_grid_cells: float = 2.0
    year_days: tuple[float, float] = (273.6, 456.0)
    winter_days: tuple[float, float] = (121.6, 273.6)


@dataclass(frozen=True)
class FogChecks:
    """Thresholds of the WGMS FoG release checks (:mod:`mbpack.checks.fog_rules`).

    Attributes
    ----------
    balance_sum_tolerance
        Allowed |B_a − (B_w + B_s)| [mm w.e.]. 1.5: FoG balances are whole
        mm w.e., so three roundings can differ by 1.5.
    band_area_tolerance
        Band areas may differ from the glacier-wide area by this fraction
        [1]. 0.02: FoG band areas are published rounded to 0.001 km2, which
        on small glaciers with many bands adds up to about 1-2 %.
    chunk_rows
        A table is read and checked this many rows at a time [rows]; only its
        keys, ids, names, years, parsed numbers and the few text columns the
        cross-table checks read are kept (bounded memory on a full release).
        100 000: a chunk of a point table as text is about 100 MB.
    year_months
        Plausible length of a balance year [months of 30.44 d]: 9 to 15, as
        ``Thresholds.year_days`` for workbooks.
    winter_months
        Plausible length of a winter season [months of 30.44 d]: 4 to 9, as
        ``Thresholds.winter_days``.
    band_mean_tolerance
        Allowed difference between the area-weighted mean of a glacier-year's band
        balances and its glacier-wide balance [mm w.e.]. 10: FoG band balances are
        whole mm w.e. on bands of areas rounded to 0.001 km2.
    aar_tolerance
        Allowed difference between the AAR and the fraction of the band areas above
        the ELA [1]. 0.1: the ELA splits its band linearly, which on bands of 50-100 m
        is good to about one tenth of the area.
    elevation_typo_margin
        A point this far outside its glacier's band range is reported as a likely
        typo [m]. 300: larger than a band's width and than a point's usual offset
        from the band edges, smaller than a wrong digit (3520 for 5320).
    """

    balance_sum_tolerance: float = 1.5
    band_area_tolerance: float = 0.02
    chunk_rows: int = 100_000
    year_months: tuple[float, float] = (9.0, 15.0)
    winter_months: tuple[float, float] = (4.0, 9.0)
    band_mean_tolerance: float = 10.0
    aar_tolerance: float = 0.1
    elevation_typo_margin: float = 300.0


@dataclass(frozen=True)
class FileLimits:
    """Limits on the workbook files mbpack reads (:mod:`mbpack.workbook.reader`).

    Attributes
    ----------
    max_file_bytes
        Largest workbook file read [bytes]. 100 MiB: ten times a
        1 000 000-row sheet of a few columns.
    max_uncompressed_bytes
        Largest total uncompressed size of the zip members [bytes]. 1 GiB.
    max_compression_ratio
        Largest ratio of uncompressed to compressed size above 50 MiB [1]
        (zip-bomb guard). 200: real xlsx files compress 5-20 times.
    max_cells
        Most cells (rows × columns of the used range) a sheet read cell by cell may span
        [1]. 20 000 000: a full 1 048 575-row sheet of 19 columns; a stray cell in
        column XFD of row 3 000 (49 million) is refused instead of allocated.
    earliest_date
        Dates before this are refused at their cell. 1800-01-01: before any
        glaciological mass-balance measurement (the longest series start in
        the late 19th century; Zemp et al. 2015, doi:10.3189/2015JoG15J017).
    years_ahead
        Dates more than this many years after today are refused at their
        cell [a]. 1: a workbook may hold the planned dates of the coming year.
    """

    max_file_bytes: int = 100 * 1024**2
    max_uncompressed_bytes: int = 1024**3
    max_compression_ratio: float = 200.0
    max_cells: int = 20_000_000
    earliest_date: date = date(1800, 1, 1)
    years_ahead: int = 1

    def date_range(self) -> tuple[date, date]:
        """The plausible dates: ``earliest_date`` to today plus ``years_ahead``."""
        today = date.today()
        try:
            latest = today.replace(year=today.year + self.years_ahead)
        except ValueError:  # 29 February
            latest = today.replace(year=today.year + self.years_ahead, day=28)
        return self.earliest_date, latest


@dataclass(frozen=True)
class Batch:
    """How ``mbpack validate`` runs many files (:func:`mbpack.api.validate_many`).

    Attributes
    ----------
    scheduler_timeout
        Seconds to wait for a dask scheduler to answer before giving up [s].
        10: a scheduler on the same network answers in well under a second;
        longer only delays the message when the address is wrong.
    """

    scheduler_timeout: float = 10.0


@dataclass(frozen=True)
class StationMapping:
    """How a station's own field workbook is read through a mapping (:mod:`mbpack.formats.station`).

    Attributes
    ----------
    header_search_rows
        Rows after a block's title searched for its header row [rows]. 10: a title is
        followed by a few constant rows (``DATE:``, ``SITE:``) before the header.
    summary_pattern
        Regular expression of a summary row (ignored, not read as data): averages,
        extremes and totals a station writes under a table.
    density_tolerance
        Allowed relative difference between a density written by the station and the one
        recomputed from the sample's mass, diameter and length [1]. 0.05: the 5 % error of
        a measured snow density (Zemp et al. 2013, doi:10.5194/tc-7-1227-2013).
    length_cm_above
        A length column (exposure, snow depth, depths) without a unit whose largest value
        exceeds this is taken as centimetres [value]. 30: no stake is 30 m long, few
        exposures are under 30 cm.
    balance_m_below
        A balance column without a unit whose largest absolute value is below this is
        taken as m w.e., otherwise as mm w.e. [value]. 20: no glacier-wide balance reaches
        20 m w.e. a-1, few annual ones stay under 20 mm w.e.
    header_min_fields
        Cells of a row that must name a known field for ``mbpack map`` to take it as a
        header row [cells].
    """

    header_search_rows: int = 10
    summary_pattern: str = r"^\s*(average|mean|min(imum)?|max(imum)?|sum|total|std|avg|平均|平均值|最小|最小值|最大|最大值|合计|总计)\b"
    density_tolerance: float = 0.05
    length_cm_above: float = 30.0
    balance_m_below: float = 20.0
    header_min_fields: int = 2


@dataclass(frozen=True)
class Serve:
    """Limits of the validator page ``mbpack serve`` (:mod:`mbpack.serve`).

    Attributes
    ----------
    max_upload_bytes
        Largest upload accepted, counted while it streams in [bytes]. 100 MiB: the
        largest workbook the reader reads (:attr:`FileLimits.max_file_bytes`).
    job_seconds
        Wall time one job (validate, compute or package one upload) may take
        before its worker process is killed [s]. 120: the bundled example
        validates in about 3 s and is validated, computed and packaged in about 15 s
        on one core (measured for ``mbpack serve``'s result page).
    job_memory_bytes
        Address space of one worker process (``RLIMIT_AS``) [bytes]. 4 GiB: a
        process that has read, computed and packaged the example maps about 0.6 GiB
        (numpy, pandas and matplotlib included); the rest is room for workbooks up to
        the reader's 100 MiB file limit, and the machine's bound on a hostile file.
    grid_rows
        Rows of each sheet drawn in the page's grid [1]; rows below that are drawn
        only when they hold a fault. 500: a station's sheets of a few years; the
        example's 6531-row ``surface_grid`` is cut to its first 500 rows.
    grid_columns
        Columns of each sheet drawn in the grid [1]. 60: the widest table sheet of the
        canonical workbook (``glacier_balance``) has 19 columns.
    page_issues
        Issues listed in the result page's table and marked on its grids [1]; the JSON
        report holds all of them. 1000: a page of a few megabytes at most.
    result_seconds
        How long a result's downloads (JSON report, CSVs, package zip) stay on the
        server after the page was made [s]. 1800: half an hour to click a button.
    result_count
        Most results kept at once; the oldest is dropped first [1]. 50.
    """

    max_upload_bytes: int = 100 * 1024**2
    job_seconds: float = 120.0
    job_memory_bytes: int = 4 * 1024**3
    grid_rows: int = 500
    grid_columns: int = 60
    page_issues: int = 1000
    result_seconds: float = 1800.0
    result_count: int = 50


@dataclass(frozen=True)
class Buffers:
    """How much of a large sheet or table is held at once while it is read or written; they
    bound memory, never change a value read or a byte written.

    Attributes
    ----------
    scan_block_bytes
        Decompressed sheet XML searched at a time for formulas, error cells and repeated
        rows (:func:`mbpack.workbook.reader.scan_sheet`) [bytes]. 4 MiB: the XML of a
        million-row sheet is about 300 MB, which held whole sat on top of the cells read.
    csv_block_rows
        Rows of a table joined into text at a time by the CSV export
        (:func:`mbpack.formats.datapackage.write_csv`) [1]. 100 000: some 10 MB of text.
    """

    scan_block_bytes: int = 4 * 1024**2
    csv_block_rows: int = 100_000


#: The documented thresholds of the checks and limits of the reader.
THRESHOLDS = Thresholds()
FOG_CHECKS = FogChecks()
FILE_LIMITS = FileLimits()
BATCH = Batch()
STATION = StationMapping()
SERVE = Serve()
BUFFERS = Buffers()

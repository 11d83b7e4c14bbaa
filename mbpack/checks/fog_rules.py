"""The FoG release checks as rules of the one registry (:mod:`mbpack.checks.registry`).

Each check is a vectorised function over the columns of a set of rows, a :class:`View`
of the release (the glacier-years of the overview table, the glacier-wide balance rows,
the band rows, the point rows, the named rows of every table; and, for the field checks,
one column of a chunk).  A view names its columns by role (``annual``, ``begin``) and maps
each role to the column of either generation (``ANNUAL_BALANCE`` in upper-case
``EE-MASS_BALANCE``, ``annual_balance`` in lower-case ``mass_balance``), so one rule serves
both.  A rule's test returns the mask of the bad rows and the fields its message template
is formatted with; :func:`mbpack.checks.wgms.validate_fog` builds the views table by table
(the large tables chunk by chunk) and applies every registered rule of each view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mbpack.checks.registry import Rule, register, rules
from mbpack.formats import wgms
from mbpack.issues import Severity
from mbpack.params import FOG_CHECKS

#: A rule's result: the bad-row mask and its message fields (per row: a Series or array
#: aligned with the view's rows, or a function of the row's position; or one value for all
#: rows; dates are shown as ``YYYY-MM-DD``).  ``value`` is the issue's value.
Found = tuple[np.ndarray, dict[str, Any]]


@dataclass(frozen=True)
class View:
    """A set of rows of a FoG table the rules apply to, its columns named by role.

    Attributes
    ----------
    name
        The view's name (a rule's :attr:`~mbpack.checks.registry.Rule.view`).
    description
        Which rows of which tables it holds.
    tables
        Per generation (``upper``, ``lower``), the tables it takes rows from.
    columns
        Per generation, the column of each role.
    """

    name: str
    description: str
    tables: dict[str, tuple[str, ...]]
    columns: dict[str, dict[str, str]]


_FIELDS_UPPER = {"glacier_id": "WGMS_ID", "year": "YEAR"}
_FIELDS_LOWER = {"glacier_id": "glacier_id", "year": "year"}
_BALANCE_UPPER = {"winter": "WINTER_BALANCE", "summer": "SUMMER_BALANCE", "annual": "ANNUAL_BALANCE",
                  "area": "AREA"}  # fmt: skip
_BALANCE_LOWER = {"winter": "winter_balance", "summer": "summer_balance", "annual": "annual_balance",
                  "area": "area"}  # fmt: skip

#: The views of a release, by name.
VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("field", "one column of a table, chunk by chunk (which columns: the rule says)",
             {"upper": ("every table",), "lower": ("every table",)},
             {"upper": {"cell": "the column"}, "lower": {"cell": "the column"}}),
        View("named", "every row of every table but the glacier table, with the glacier's name there",
             {"upper": tuple(t for t in wgms.UPPER if t != "A-GLACIER"),
              "lower": tuple(t for t in wgms.LOWER if t != "glacier")},
             {"upper": {"name": "NAME"}, "lower": {"name": "glacier_name"}}),
        View("glacier-year", "the glacier-years of the overview table",
             {"upper": ("E-MASS_BALANCE_OVERVIEW",), "lower": ("mass_balance",)},
             {"upper": _FIELDS_UPPER | {"begin": "BEGIN_PERIOD", "winter_end": "END_WINTER", "end": "END_PERIOD",
                                        "ela": "ELA", "ela_limit": "ELA_PREFIX", "aar": "AAR"},
              "lower": _FIELDS_LOWER | {"begin": "begin_date", "winter_end": "midseason_date", "end": "end_date",
                                        "ela": "ela", "ela_limit": "ela_position", "aar": "aar"}}),
        View("glacier-wide", "the glacier-wide balances (upper case: the rows with bounds 9999 or none)",
             {"upper": ("EE-MASS_BALANCE",), "lower": ("mass_balance",)},
             {"upper": _FIELDS_UPPER | _BALANCE_UPPER, "lower": _FIELDS_LOWER | _BALANCE_LOWER}),
        View("band", "the elevation-band balances (upper case: the rows with bounds other than 9999)",
             {"upper": ("EE-MASS_BALANCE",), "lower": ("mass_balance_band",)},
             {"upper": _FIELDS_UPPER | _BALANCE_UPPER | {"lower": "LOWER_BOUND", "upper": "UPPER_BOUND"},
              "lower": _FIELDS_LOWER | _BALANCE_LOWER | {"lower": "lower_elevation", "upper": "upper_elevation"}}),
        View("point", "the point balances",
             {"upper": ("EEE-MASS_BALANCE_POINT",), "lower": ("mass_balance_point",)},
             {"upper": {"glacier_id": "WGMS_ID", "code": "BALANCE_CODE", "begin": "FROM_DATE", "end": "TO_DATE",
                        "elevation": "POINT_ELEVATION"},
              "lower": {"glacier_id": "glacier_id", "code": "balance_code", "begin": "begin_date", "end": "end_date",
                        "elevation": "elevation"}}),
    )
}  # fmt: skip

#: Per generation: the unit of the balances, its factor to mm w.e. and the point balance codes.
GENERATIONS: dict[str, dict[str, Any]] = {
    "upper": {"unit": "mm", "factor": 1.0, "annual_code": "BA", "winter_code": "BW"},
    "lower": {"unit": "m", "factor": 0.001, "annual_code": "annual", "winter_code": "winter"},
}


@dataclass
class Bands:
    """The bands of the release, kept for the cross-table rules.

    Attributes
    ----------
    agg
        Per (glacier id, year): ``area`` (sum of the band areas [km2]), ``mean`` (area-weighted
        band balance), ``zmin``, ``zmax`` (lowest and highest band bound [m]), ``n`` (bands),
        ``area_known``, ``ba_known`` (bands with an area, a balance).
    frame
        The bands: ``g``, ``y`` (glacier id, year), ``lo``, ``hi`` (bounds [m]), ``a`` (area).
    """

    agg: pd.DataFrame
    frame: pd.DataFrame


@dataclass
class Rows:
    """The rows of one view of one table that a rule's test reads.

    Attributes
    ----------
    view, generation, table
        What the rows are.
    data
        The columns by role (Series, parsed numbers and dates where the schema has them;
        field rules also get ``number``, the cell as a number, and ``pattern_failed``, the
        mask of the cells that fail the field's pattern).
    columns
        The table's column of each role (an issue points to ``columns[rule.column]``).
    tolerance
        Allowed |B_a - (B_w + B_s)| in the table's unit (mm w.e. or m w.e.).
    bands
        The release's bands (``None`` without a band table or band rows): the rules that
        compare with the bands are not applied without them.
    positions
        The table rows the view's rows are (``None``: all, in order).
    constraints
        Field rules: the field's Table Schema constraints.
    """

    view: str
    generation: str
    table: str
    data: dict[str, Any]
    columns: dict[str, str]
    tolerance: float = FOG_CHECKS.balance_sum_tolerance
    bands: Bands | None = None
    positions: np.ndarray | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Any:
        return self.data[role]

    def constant(self, name: str) -> Any:
        """A generation's constant of :data:`GENERATIONS` (``unit``, ``factor``, ``annual_code``)."""
        return GENERATIONS[self.generation][name]

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        """``make()``, computed once for the rules of these rows that share it."""
        if name not in self.memo:
            self.memo[name] = make()
        return self.memo[name]


FogTest = Callable[[Rows], Found]


def fog_rule(
    code: str,
    severity: Severity,
    view: str,
    column: str,
    message: str,
    *,
    reads: tuple[str, ...] = (),
    params: tuple[str, ...] = (),
    needs_bands: bool = False,
    tables: tuple[str, ...] | None = None,
    columns: tuple[str, ...] | None = None,
) -> Callable[[FogTest], FogTest]:
    """Register a FoG rule in :data:`mbpack.checks.registry.REGISTRY`; the decorated test's
    docstring is its description.

    Parameters
    ----------
    code, severity
        Issue code and severity of its failures.
    view
        The :data:`VIEWS` it applies to.
    column
        The role of the column a failure points to.
    message
        Message template, formatted with the fields the test returns.
    reads
        The other roles it reads (for the documentation).
    params
        The thresholds it reads, as ``Class.field`` of :mod:`mbpack.params`.
    needs_bands
        It compares with the bands: not applied without band rows.
    tables, columns
        Field rules: the tables and columns it applies to (by default those of the view).

    Returns
    -------
    Callable
        A decorator registering the test (``test(rows)`` returning the bad-row mask and the
        message fields) and returning it unchanged.
    """
    v = VIEWS[view]

    def add(test: FogTest) -> FogTest:
        roles = (column, *reads)
        named = columns or tuple(
            dict.fromkeys(v.columns[g][r] for g in ("upper", "lower") for r in roles)
        )
        where = tables or tuple(dict.fromkeys(t for g in ("upper", "lower") for t in v.tables[g]))
        register(Rule(code, severity, "fog", where, column, message, (test.__doc__ or "").strip(), test,
                      columns=named, params=params, view=view, extra={"needs_bands": needs_bands}))  # fmt: skip
        return test

    return add


def view_rules(view: str) -> list[Rule]:
    """The registered FoG rules of a view, in the order of registration."""
    return rules("fog", view=view)


def _months(a: pd.Series, b: pd.Series) -> pd.Series:
    return (b - a).dt.days / 30.44


def _outside(values: pd.Series, bounds: tuple[float, float]) -> pd.Series:
    return (values < bounds[0]) | (values > bounds[1])


# --- one column of a chunk (the schema's field checks call these) ---------------------------


@fog_rule("sentinel", "warning", "field", "cell", "{column} {value} is a no-data sentinel; leave the cell empty",
          columns=("integer and number fields but identifiers (id, *_id)",))  # fmt: skip
def number_sentinel(rows: Rows) -> Found:
    """A number is not a no-data sentinel: -9999 or ±99999 anywhere, 9999 or -999 outside the
    field's range (the cell is read as empty)."""
    num, cons = rows["number"], rows.constraints
    always = num.isin(wgms.SENTINELS_ALWAYS).to_numpy()
    outside = np.zeros(len(num), dtype=bool)
    if "minimum" in cons:
        outside |= (num < cons["minimum"]).to_numpy()
    if "maximum" in cons:
        outside |= (num > cons["maximum"]).to_numpy()
    mask = np.asarray(
        always | (outside & num.isin(wgms.SENTINELS_OUT_OF_RANGE).to_numpy()), dtype=bool
    )
    return mask, {"value": rows["cell"], "column": rows.columns["cell"]}


@fog_rule("sentinel", "warning", "field", "cell", "{column} {value!r} is a no-data sentinel; leave the cell empty",
          columns=("text fields with a pattern (POLITICAL_UNIT, region codes)",))  # fmt: skip
def text_sentinel(rows: Rows) -> Found:
    """A code-like text that fails its pattern is not a number of nines (``99`` as a country)."""
    col = rows["cell"]
    nines = col.str.fullmatch(wgms.TEXT_SENTINEL_PATTERN).fillna(False).astype(bool).to_numpy()
    return rows["pattern_failed"] & nines, {"value": col, "column": rows.columns["cell"]}


@fog_rule("date-invalid", "error", "field", "cell", "{column}: {fault}",
          tables=("every upper-case table",), columns=tuple(sorted(wgms.UPPER_DATE_FIELDS)))  # fmt: skip
def date_invalid(rows: Rows) -> Found:
    """A YYYYMMDD date is a calendar date (99 for an unknown month or day)."""
    errors, _ = rows.once("date_faults", lambda: wgms.upper_date_faults(rows["cell"]))
    return errors.notna().to_numpy(), {
        "value": rows["cell"],
        "column": rows.columns["cell"],
        "fault": errors,
    }


@fog_rule("date-unknown-00", "warning", "field", "cell", "{column}: {fault}",
          tables=("every upper-case table",), columns=tuple(sorted(wgms.UPPER_DATE_FIELDS)))  # fmt: skip
def date_unknown_00(rows: Rows) -> Found:
    """00 for an unknown month or day (old data; WGMS writes 99): a warning."""
    errors, warnings = rows.once("date_faults", lambda: wgms.upper_date_faults(rows["cell"]))
    mask = (warnings.notna() & errors.isna()).to_numpy()
    return mask, {"value": rows["cell"], "column": rows.columns["cell"], "fault": warnings}


def _text(rows: Rows) -> pd.Series:
    return rows.once("text", lambda: rows["cell"].astype("string"))


def _has_control(rows: Rows) -> np.ndarray:
    return rows.once("control", lambda: _text(rows).str.contains(wgms.CONTROL_PATTERN, regex=True)
                     .fillna(False).astype(bool).to_numpy())  # fmt: skip


@fog_rule("text-suspicious", "warning", "field", "cell", "{column} holds a control character",
          columns=tuple(sorted(wgms.FREE_TEXT)))  # fmt: skip
def text_control(rows: Rows) -> Found:
    """Free text holds no control character."""
    return _has_control(rows), {"value": rows["cell"], "column": rows.columns["cell"]}


@fog_rule("text-suspicious", "warning", "field", "cell",
          "{column} starts with {first!r}: a spreadsheet reads it as a formula",
          columns=tuple(sorted(wgms.FREE_TEXT)))  # fmt: skip
def text_formula(rows: Rows) -> Found:
    """Free text does not start like a spreadsheet formula (``=``, ``@``, ``+`` or ``-`` before a
    letter)."""
    formula = (
        _text(rows)
        .str.contains(wgms.FORMULA_PATTERN, regex=True)
        .fillna(False)
        .astype(bool)
        .to_numpy()
    )
    col = rows["cell"]
    first = lambda i: str(col.iloc[i])[0]  # noqa: E731  (only for the cells reported)
    return formula & ~_has_control(rows), {
        "value": col,
        "column": rows.columns["cell"],
        "first": first,
    }


# --- names ------------------------------------------------------------------------------------


@fog_rule(
    "name-mismatch",
    "warning",
    "named",
    "name",
    "name {value!r} differs from {expected!r} in the glacier table",
)
def name_mismatch(rows: Rows) -> Found:
    """A glacier's name (for one WGMS_ID) is the same in every table."""
    expected, name = rows["expected"], rows["name"]
    bad = expected.notna() & (expected != name)
    return bad.to_numpy(), {"value": name, "expected": expected}


# --- glacier-years: dates, ELA, AAR -----------------------------------------------------------


def _date_order(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """(end not after begin, end of winter not between begin and end but the end is fine)."""

    def make() -> tuple[np.ndarray, np.ndarray]:
        begin, winter, end = rows["begin"], rows["winter_end"], rows["end"]
        bad_end = (end <= begin).fillna(False).to_numpy()
        bad_winter = (winter.notna() & ((winter <= begin) | (winter >= end))).fillna(
            False
        ).to_numpy() & ~bad_end
        return bad_end, bad_winter

    return rows.once("date_order", make)


@fog_rule("date-order", "error", "glacier-year", "end", "balance year ends {end}, not after it begins {begin}",
          reads=("begin",))  # fmt: skip
def year_end_after_begin(rows: Rows) -> Found:
    """A balance year ends after it begins."""
    return _date_order(rows)[0], {"begin": rows["begin"], "end": rows["end"]}


@fog_rule("date-order", "error", "glacier-year", "winter_end",
          "end of winter {winter_end} is not between begin {begin} and end {end}", reads=("begin", "end"))  # fmt: skip
def winter_inside_year(rows: Rows) -> Found:
    """The end of winter lies between the begin and the end of the balance year."""
    return _date_order(rows)[1], {
        "begin": rows["begin"],
        "end": rows["end"],
        "winter_end": rows["winter_end"],
    }


@fog_rule("period-length", "warning", "glacier-year", "end", "balance year lasts {months:.1f} months",
          reads=("begin",), params=("FogChecks.year_months",))  # fmt: skip
def year_length(rows: Rows) -> Found:
    """A balance year lasts 9 to 15 months (not reported where its dates are out of order)."""
    bad_end, bad_winter = _date_order(rows)
    months = _months(rows["begin"], rows["end"])
    mask = _outside(months, FOG_CHECKS.year_months).fillna(False).to_numpy() & ~(
        bad_end | bad_winter
    )
    return mask, {"months": months}


@fog_rule("period-length", "warning", "glacier-year", "winter_end", "winter lasts {months:.1f} months",
          reads=("begin",), params=("FogChecks.winter_months",))  # fmt: skip
def winter_length(rows: Rows) -> Found:
    """A winter lasts 4 to 9 months (not reported where the year's dates are out of order)."""
    bad_end, bad_winter = _date_order(rows)
    months = _months(rows["begin"], rows["winter_end"])
    mask = _outside(months, FOG_CHECKS.winter_months).fillna(False).to_numpy() & ~(
        bad_end | bad_winter
    )
    return mask, {"months": months}


def _ela_range(rows: Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ELA, lowest and highest band bound of its glacier-year, whether the ELA has a limit flag)."""

    def make() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        assert rows.bands is not None
        idx = pd.MultiIndex.from_arrays([rows["glacier_id"], rows["year"]])
        rng = rows.bands.agg.reindex(idx)
        limit = rows["ela_limit"]
        flagged = (
            limit.notna().to_numpy()
            if limit is not None
            else np.zeros(len(rows["ela"]), dtype=bool)
        )
        return rows["ela"].to_numpy(float), rng["zmin"].to_numpy(), rng["zmax"].to_numpy(), flagged

    return rows.once("ela_range", make)


@fog_rule("ela-outside", "warning", "glacier-year", "ela", "ELA {value} m lies outside the bands' range {zmin:g}-{zmax:g} m",
          reads=("ela_limit",), needs_bands=True)  # fmt: skip
def ela_inside_bands(rows: Rows) -> Found:
    """The ELA lies within the glacier-year's band range (unless flagged as below or above it)."""
    e, zmin, zmax, flagged = _ela_range(rows)
    outside = ~flagged & ((e < zmin - 1e-6) | (e > zmax + 1e-6))
    return np.nan_to_num(outside, nan=False).astype(bool), {
        "value": rows["ela"],
        "zmin": zmin,
        "zmax": zmax,
    }


@fog_rule("ela-outside", "warning", "glacier-year", "ela",
          "ELA {value} m with {flag} should be the glacier's lowest or highest elevation",
          reads=("ela_limit",), needs_bands=True)  # fmt: skip
def ela_at_limit(rows: Rows) -> Found:
    """An ELA flagged as below or above the glacier (ELA_PREFIX, ela_position) equals its lowest
    or highest band bound (within 1 m)."""
    e, zmin, zmax, flagged = _ela_range(rows)
    wrong = (
        flagged & ~(np.isclose(e, zmin, atol=1) | np.isclose(e, zmax, atol=1)) & np.isfinite(zmin)
    )
    # the flag's column by name: ELA_PREFIX upper case, ela_position lower case
    return np.nan_to_num(wrong, nan=False).astype(bool), {
        "value": rows["ela"],
        "flag": rows.columns["ela_limit"],
    }


@fog_rule("aar-mismatch", "warning", "glacier-year", "aar",
          "AAR {value} disagrees with the band areas above the ELA ({computed:.2f})",
          reads=("ela", "ela_limit"), params=("FogChecks.aar_tolerance",), needs_bands=True)  # fmt: skip
def aar_from_bands(rows: Rows) -> Found:
    """The AAR agrees with the fraction of the band areas above the ELA (bands split linearly)."""
    assert rows.bands is not None
    e, _, _, flagged = _ela_range(rows)
    idx = pd.MultiIndex.from_arrays([rows["glacier_id"], rows["year"]])
    b = rows.bands.frame.join(
        pd.DataFrame({"ela": e}, index=idx).groupby(level=[0, 1]).first(), on=["g", "y"]
    )
    frac = ((b["hi"] - b["ela"]) / (b["hi"] - b["lo"])).clip(0, 1)
    above = (frac * b["a"]).groupby([b["g"], b["y"]]).sum(min_count=1)
    total = b["a"].groupby([b["g"], b["y"]]).sum(min_count=1)
    computed = (above / total).reindex(idx).to_numpy()
    a = rows["aar"].to_numpy(float)
    bad = (
        np.isfinite(computed)
        & np.isfinite(a)
        & ~flagged
        & (np.abs(computed - a) > FOG_CHECKS.aar_tolerance)
    )
    return bad, {"value": rows["aar"], "computed": computed}


# --- balances ---------------------------------------------------------------------------------


_BALANCE_SUM = (
    "annual balance {annual:g} is not winter {winter:g} + summer {summer:g} "
    "(tolerance {tolerance:g} {unit} w.e.)"
)


@fog_rule("balance-sum", "error", "glacier-wide", "annual", _BALANCE_SUM, reads=("winter", "summer"),
          params=("FogChecks.balance_sum_tolerance",))  # fmt: skip
def balance_sum(rows: Rows) -> Found:
    """B_a = B_w + B_s within the tolerance (1.5 mm w.e.: three roundings of whole mm)."""
    bw, bs, ba = rows["winter"], rows["summer"], rows["annual"]
    bad = ((ba - (bw + bs)).abs() > rows.tolerance + 1e-9).to_numpy()
    return bad, {"value": ba, "annual": ba, "winter": bw, "summer": bs, "tolerance": rows.tolerance,
                 "unit": rows.constant("unit")}  # fmt: skip


# the same rule on the band rows (a band's balances sum as the glacier-wide ones)
fog_rule("balance-sum", "error", "band", "annual", _BALANCE_SUM, reads=("winter", "summer"),
         params=("FogChecks.balance_sum_tolerance",))(balance_sum)  # fmt: skip


@fog_rule(
    "winter-negative", "warning", "glacier-wide", "winter", "winter balance {value:g} is negative"
)
def winter_not_negative(rows: Rows) -> Found:
    """A glacier-wide winter balance is not negative (plausibility)."""
    return (rows["winter"] < 0).to_numpy(), {"value": rows["winter"]}


@fog_rule(
    "summer-positive", "warning", "glacier-wide", "summer", "summer balance {value:g} is positive"
)
def summer_not_positive(rows: Rows) -> Found:
    """A glacier-wide summer balance is not positive (plausibility)."""
    return (rows["summer"] > 0).to_numpy(), {"value": rows["summer"]}


def _band_of_glacier_wide(rows: Rows) -> tuple[pd.DataFrame, np.ndarray]:
    """The bands' aggregate of each glacier-wide row, and whether its bands all have area and balance."""

    def make() -> tuple[pd.DataFrame, np.ndarray]:
        assert rows.bands is not None
        band = rows.bands.agg.reindex(pd.MultiIndex.from_arrays([rows["glacier_id"], rows["year"]]))
        complete = (band["n"] == band["area_known"]).to_numpy() & (
            band["n"] == band["ba_known"]
        ).to_numpy()
        return band, complete

    return rows.once("band_of_glacier_wide", make)


@fog_rule("area-mismatch", "warning", "glacier-wide", "area",
          "bands sum to {band_area:.4g} km², the glacier-wide row says {value:.4g} km²",
          params=("FogChecks.band_area_tolerance",), needs_bands=True)  # fmt: skip
def area_from_bands(rows: Rows) -> Found:
    """The band areas of a glacier-year sum to its glacier-wide area (within 2 %)."""
    band, complete = _band_of_glacier_wide(rows)
    total, area = band["area"].to_numpy(), rows["area"].to_numpy()
    tol = FOG_CHECKS.band_area_tolerance * area
    bad = complete & ((total - area) > tol) | complete & ((area - total) > tol)
    return np.nan_to_num(bad, nan=False).astype(bool), {
        "value": rows["area"],
        "band_area": band["area"],
    }


@fog_rule("band-mean-mismatch", "warning", "glacier-wide", "annual",
          "area-weighted band mean {band_mean:.4g} differs from the glacier-wide {value:g}",
          params=("FogChecks.band_mean_tolerance",), needs_bands=True)  # fmt: skip
def mean_of_bands(rows: Rows) -> Found:
    """The area-weighted mean of the band balances equals the glacier-wide balance (10 mm w.e.)."""
    band, complete = _band_of_glacier_wide(rows)
    off = np.abs(band["mean"].to_numpy() - rows["annual"].to_numpy())
    bad = complete & (off > FOG_CHECKS.band_mean_tolerance * rows.constant("factor"))
    return bad, {"value": rows["annual"], "band_mean": band["mean"]}


# --- bands ------------------------------------------------------------------------------------


def _band_gaps(rows: Rows) -> pd.Series:
    """Per band, its lower bound minus the upper bound of the band below it in its glacier-year."""

    def make() -> pd.Series:
        frame = pd.DataFrame(
            {"g": rows["glacier_id"], "y": rows["year"], "lo": rows["lower"], "hi": rows["upper"]}
        )
        order = frame.sort_values(["g", "y", "lo"], kind="stable")
        prev = order.groupby(["g", "y"], sort=False)["hi"].shift()
        return (order["lo"] - prev).reindex(frame.index)

    return rows.once("band_gaps", make)


@fog_rule("band-overlap", "error", "band", "upper", "band upper bound {upper:g} is not above its lower bound {lower:g}",
          reads=("lower",))  # fmt: skip
def band_bounds_ordered(rows: Rows) -> Found:
    """A band's upper bound is above its lower bound."""
    return (rows["lower"] >= rows["upper"]).to_numpy(), {
        "lower": rows["lower"],
        "upper": rows["upper"],
    }


@fog_rule("band-overlap", "error", "band", "lower", "band starting at {lower:g} m overlaps the band below it",
          reads=("upper",))  # fmt: skip
def bands_do_not_overlap(rows: Rows) -> Found:
    """The bands of a glacier-year do not overlap."""
    return (_band_gaps(rows) < -1e-6).to_numpy(), {"lower": rows["lower"]}


@fog_rule("band-gap", "warning", "band", "lower", "band starting at {lower:g} m leaves a gap of {gap:g} m below it",
          reads=("upper",))  # fmt: skip
def bands_contiguous(rows: Rows) -> Found:
    """The bands of a glacier-year are contiguous."""
    gap = _band_gaps(rows)
    return (gap > 1e-6).to_numpy(), {"lower": rows["lower"], "gap": gap}


# --- points -----------------------------------------------------------------------------------


@fog_rule("date-order", "error", "point", "end", "point period ends {end}, not after it begins {begin}",
          reads=("begin",))  # fmt: skip
def point_period_forward(rows: Rows) -> Found:
    """A point balance's period ends after it begins."""
    return (rows["end"] <= rows["begin"]).fillna(False).to_numpy(), {
        "begin": rows["begin"],
        "end": rows["end"],
    }


@fog_rule("code-period", "warning", "point", "code", "balance code {value} but the period lasts {months:.1f} months",
          reads=("begin", "end"), params=("FogChecks.year_months", "FogChecks.winter_months"))  # fmt: skip
def point_code_agrees(rows: Rows) -> Found:
    """A point's balance code agrees with the length of its period (annual 9-15 months, winter 4-9)."""
    code = rows["code"]
    months = _months(rows["begin"], rows["end"])
    bad = ((code == rows.constant("annual_code")) & _outside(months, FOG_CHECKS.year_months)) | (
        (code == rows.constant("winter_code")) & _outside(months, FOG_CHECKS.winter_months)
    )
    return bad.fillna(False).to_numpy(), {"value": code, "months": months}


@fog_rule("elevation-typo", "warning", "point", "elevation",
          "point elevation {value} m is far outside the glacier's {zmin:g}-{zmax:g} m",
          reads=("glacier_id",), params=("FogChecks.elevation_typo_margin",), needs_bands=True)  # fmt: skip
def point_elevation_plausible(rows: Rows) -> Found:
    """A point lies within 300 m of its glacier's band range (farther is a likely typo)."""
    assert rows.bands is not None
    rng = (
        rows.bands.agg.groupby(level=0)
        .agg(zmin=("zmin", "min"), zmax=("zmax", "max"))
        .reindex(rows["glacier_id"])
    )
    z, margin = rows["elevation"].to_numpy(float), FOG_CHECKS.elevation_typo_margin
    typo = (z < rng["zmin"].to_numpy() - margin) | (z > rng["zmax"].to_numpy() + margin)
    return np.nan_to_num(typo, nan=False).astype(bool), {"value": rows["elevation"], "zmin": rng["zmin"],
                                                         "zmax": rng["zmax"]}  # fmt: skip


def rule_of(test: FogTest) -> Rule:
    """The registered rule of a test function."""
    return next(r for r in rules("fog") if r.test is test)


def field_value(value: Any, i: int) -> Any:
    """Row ``i`` of a message field of :data:`Found` (a date as :class:`datetime.date`)."""
    if callable(value):
        value = value(i)
    elif isinstance(value, pd.Series):
        value = value.iloc[i]
    elif isinstance(value, np.ndarray):
        value = value[i]
    return value.date() if isinstance(value, pd.Timestamp) else value

"""WGMS submission tables of both generations, written from a workbook and its results.

Generation up to 2024 (upper case: A, AA, B, E, EE, EEE; mm w.e., YYYYMMDD
dates, AAR in %) and 2025+ (lower case: glacier, mass_balance,
mass_balance_band, mass_balance_point; m w.e., ISO dates, AAR a fraction).
The table definitions, the vocabularies and the reading side are in
:mod:`mbpack.formats.wgms`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mbpack.errors import MissingMetadata
from mbpack.escape import neutralise
from mbpack.formats.wgms import (
    ELA_POSITION,
    FILE_NAME,
    GLACIER_WIDE,
    LOWER,
    TEMPORARY_ID_RANGE,
    UPPER,
    UPPER_CODES,
    Generation,
    clean_text,
    columns,
    gtng_long_code,
    load,
    temporary_wgms_id,
    transliterate,
    unit_factor,
    upper_date,
)
from mbpack.issues import Issue
from mbpack.workbook.model import Workbook
from mbpack.workbook.surface import survey_rows

if TYPE_CHECKING:
    from mbpack.balance.compute import Results


def missing_metadata(workbook: Workbook) -> list[str]:
    """What a WGMS submission needs that the workbook lacks, as ``sheet!field ...: why``.

    The WGMS id is listed too, although :func:`wgms_tables` writes the tables
    without it unless asked not to (WGMS numbers a glacier new to the database).
    """
    g = workbook.record("glacier")
    out = []
    for field, why in (("name", "the glacier name"), ("country", "POLITICAL_UNIT (ISO 3166 alpha-2)"),
                       ("latitude", "LATITUDE"), ("longitude", "LONGITUDE"),
                       ("wgms_id", "the WGMS glacier id (WGMS assigns it to a glacier new to the database; "
                                   "the tables carry a temporary id 900000-999999, the same in every table)")):  # fmt: skip
        if g.get(field) is None:
            out.append(f"glacier!{field} is empty: WGMS tables need {why}")
    if g.get("name") is not None:
        try:
            transliterate(str(g["name"]))
        except ValueError as exc:
            out.append(f"glacier!name {exc}: give the name in Latin letters (ASCII), at most 60 "
                       "characters, for WGMS")  # fmt: skip
    return out


def _pick(glacier_balance: pd.DataFrame, method: str) -> pd.DataFrame:
    """Rows of one method, and the reported row of every year that method lacks."""
    if glacier_balance.empty:
        return glacier_balance
    chosen = glacier_balance[glacier_balance["method"] == method]
    reported = glacier_balance[
        (glacier_balance["method"].isna() | (glacier_balance["method"] == "reported"))
        & ~glacier_balance["year"].isin(chosen["year"])
    ]
    return pd.concat([chosen, reported]).sort_values("year", kind="stable")


def wgms_tables(workbook: Workbook, generation: Generation, *, results: Results | None = None, method: str = "band",
                require_wgms_id: bool = False) -> dict[str, pd.DataFrame]:  # fmt: skip
    """The WGMS tables of a workbook (and its computed results) in one generation.

    Parameters
    ----------
    workbook
        Glacier record, ``balance_years`` and ``hypsometry`` come from here,
        and the result sheets (``glacier_balance``, ``band_balance``,
        ``point_balance``, balances in kg m-2) when ``results`` is not given.
    generation
        ``upper`` (mm w.e. integers, ``YYYYMMDD``, AAR %) or ``lower``
        (m w.e. with three decimals, ISO dates, AAR fraction).
    results
        :class:`mbpack.balance.compute.Results` whose result tables replace the workbook's.
    method
        Glacier-wide method to submit (``band``, ``contour`` or
        ``reported``); a year without a row of that method uses its reported row.
    require_wgms_id
        Raise when the glacier has no WGMS id (by default the tables are
        written without it, with a remark in A-GLACIER).

    Returns
    -------
    dict of pandas.DataFrame
        One frame per table (:data:`UPPER` or :data:`LOWER`), columns of the
        table's schema; integer columns ``Int64``, number columns ``Float64``.

    Raises
    ------
    MissingMetadata
        Naming every ``sheet!field`` to fill: glacier name (or an ASCII form
        of it), country, latitude, longitude, the WGMS id when required, and
        the time system and begin and end dates of every submitted year.

    Notes
    -----
    Upper: a balance ``b`` [kg m-2] is written as ``round(b)`` mm w.e.
    (1 kg m-2 = 1 mm w.e.), AAR as ``round(100 AAR)`` %; the glacier-wide
    row of a year follows its bands in EE with LOWER_BOUND = UPPER_BOUND =
    9999; B-STATE gives, per hypsometry year, the area, the lowest and
    highest band limits and the median elevation (the elevation with half
    the area below it, band areas spread evenly over each band).  Points
    with balance code ``index`` go to EEE as ``IN``; the lower generation
    has no such code and leaves them out.
    """
    if generation not in ("upper", "lower"):
        raise ValueError(f"generation={generation!r} is invalid; choices: 'upper', 'lower'")
    if method not in ("band", "contour", "reported"):
        raise ValueError(f"method={method!r} is invalid; choices: 'band', 'contour', 'reported'")
    problems = [p for p in missing_metadata(workbook) if require_wgms_id or "wgms_id" not in p]
    g = workbook.record("glacier")
    points = _with_lonlat(points_of(results, workbook), g.get("crs"))
    gb = _pick(
        results.glacier_balance if results is not None else workbook["glacier_balance"], method
    )
    bands = results.band_balance if results is not None else workbook["band_balance"]
    years = workbook["balance_years"].drop_duplicates("year").set_index("year")
    for year in gb["year"].astype(int).unique() if not gb.empty else []:
        y = years.loc[year] if year in years.index else None
        for field in ("time_system", "begin_date", "end_date"):
            if y is None or pd.isna(y[field]):
                problems.append(f"balance_years!{field} is empty for {year}: WGMS tables need the time "
                                "system and the begin and end dates of every balance year")  # fmt: skip
    if problems:
        raise MissingMetadata("; ".join(problems))
    # only the submitted years' points are written: the others are left out before the
    # per-point work (a point's key holds its year, so the choice of index points is the same)
    points = _submitted_points(
        points[points["year"].isin(gb["year"])] if not points.empty else points
    )
    state = _state(g, workbook["hypsometry"], workbook["surface_grid"])
    if generation == "upper":
        return _upper(g, gb, bands, points, years, state)
    return _lower(g, gb, bands, points, years, state)


def points_of(results: Results | None, workbook: Workbook) -> pd.DataFrame:
    """The point balances of the results, or the workbook's point_balance sheet."""
    frame: pd.DataFrame = (
        results.point_balance if results is not None else workbook["point_balance"]
    )
    return frame


def _with_lonlat(points: pd.DataFrame, crs: str | None) -> pd.DataFrame:
    """Points with latitude/longitude (WGS84) from x/y where missing (needs pyproj, the geo extra)."""
    need = points["latitude"].isna() & points["x"].notna() & points["y"].notna()
    if not need.any() or not crs or crs == "EPSG:4326":
        return points
    from mbpack.errors import ComputationError
    from mbpack.formats.geo import to_lonlat

    try:
        lon, lat = to_lonlat(
            points.loc[need, "x"].to_numpy(), points.loc[need, "y"].to_numpy(), crs
        )
    except ComputationError:
        return points  # without pyproj the coordinates stay empty
    out = points.copy()
    out.loc[need, "longitude"], out.loc[need, "latitude"] = np.round(lon, 6), np.round(lat, 6)
    return out


#: pandas dtype written for each Table Schema type (integers stay integers next to blanks).
_CSV_DTYPES = {"integer": "Int64", "number": "Float64"}


def _frame(generation: Generation, table: str,
           rows: list[dict[str, Any]] | dict[str, list[Any]]) -> pd.DataFrame:  # fmt: skip
    """Rows (or columns) as a frame with the table's columns in order and nullable dtypes."""
    fields = load(generation, table)["fields"]
    frame = pd.DataFrame(rows, columns=[f["name"] for f in fields])
    for f in fields:
        col = frame[f["name"]].astype(object).where(frame[f["name"]].notna(), None)
        kind = f["type"]
        if generation == "upper" and kind == "number" and _whole(rows, f["name"]):
            kind = "integer"  # mm w.e., kg m-3 rounded to whole numbers stay so (WGMS: number)
        frame[f["name"]] = col.astype(_CSV_DTYPES[kind]) if kind in _CSV_DTYPES else col
    return frame


def _whole(rows: list[dict[str, Any]] | dict[str, list[Any]], name: str) -> bool:
    """Whether every value given for column ``name`` is a Python or numpy integer (as
    :func:`_value` rounds to without ``digits``), with at least one value."""
    values = rows.get(name, []) if isinstance(rows, dict) else [r.get(name) for r in rows]
    given = [v for v in values if v is not None]
    return bool(given) and all(isinstance(v, int | np.integer) for v in given)


def _value(value: Any, divide: float = 1.0, digits: int | None = None) -> Any:
    """A canonical value in a WGMS unit (``value / divide``), rounded; ``None`` when missing."""
    if value is None or pd.isna(value):
        return None
    number = float(value) / divide
    return round(number) if digits is None else round(number, digits)


def _period(r: Any, y: Any, column: str) -> Any:
    """A date of a glacier-wide row, or of its balance year where the row has none."""
    value = getattr(r, column)
    return value if pd.notna(value) else y[column]


def _wgms_id(g: dict[str, Any]) -> tuple[int, str | None]:
    """The glacier's WGMS id, or a temporary one, and a remark when it is temporary.

    A glacier new to WGMS has no id yet; its submission carries a temporary id,
    the same in every table (:data:`mbpack.formats.wgms.TEMPORARY_ID_RANGE`,
    ``900000``-``999999``): the one set in the glacier sheet's ``wgms_id``, or
    :func:`mbpack.formats.wgms.temporary_wgms_id` of the glacier's name.
    """
    lo, hi = TEMPORARY_ID_RANGE
    given = g.get("wgms_id")
    if given is not None and not pd.isna(given):
        wid = int(given)
        return wid, (
            f"temporary WGMS_ID {wid}, to be replaced by WGMS" if lo <= wid <= hi else None
        )
    wid = temporary_wgms_id(str(g["name"]))
    return wid, f"temporary WGMS_ID {wid} (mbpack convention {lo}-{hi}), to be replaced by WGMS"


def _median_elevation(h: pd.DataFrame) -> float:
    """Elevation with half the area below it [m], band areas spread evenly over each band."""
    h = h.sort_values("lower_elevation")
    cum = np.concatenate([[0.0], h["area"].cumsum().to_numpy() / h["area"].sum()])
    limits = np.concatenate([[h["lower_elevation"].iloc[0]], h["upper_elevation"].to_numpy()])
    return float(np.interp(0.5, cum, limits))


def _submitted_points(points: pd.DataFrame) -> pd.DataFrame:
    """Points as WGMS wants them: an index point once, and not where it repeats a BW/BS/BA period.

    mbpack's ``index`` rows are the balances between successive readings of a
    stake; one that covers the same period as the point's winter, summer or
    annual balance (same point, year, from and to date) repeats that
    measurement with another value and is left out; duplicates are dropped.
    """
    if points.empty:
        return points
    key = ["point_id", "year", "from_date", "to_date"]
    index = points["balance_code"] == "index"
    used = pd.MultiIndex.from_frame(points.loc[~index, key].astype(str))
    repeats = index & pd.MultiIndex.from_frame(points[key].astype(str)).isin(used)
    kept = points[~repeats]
    return kept[~(kept["balance_code"] == "index") | ~kept.duplicated([*key, "balance_code"])]


def _state(g: dict[str, Any], hyps: pd.DataFrame, grid: pd.DataFrame) -> list[dict[str, Any]]:
    """Per survey year of the hypsometry: area [km2] and the glacier's highest, median, lowest elevation [m].

    The elevations come from the glacier surface: the survey's ``surface_grid``
    cells (highest and lowest cell, median cell elevation: cells have equal
    areas), else the glacier sheet's ``min_elevation``/``max_elevation`` with
    the hypsometry's area-median; band limits only when neither is given
    (with a remark saying so).
    """
    rows = []
    for year, h in hyps.dropna(subset=["area"]).groupby("year"):
        cells = (
            survey_rows(grid.dropna(subset=["elevation"]), int(year)) if not grid.empty else grid
        )
        remark, high, low = None, None, None
        if len(cells):
            z = cells["elevation"].to_numpy(float)
            high, median, low = z.max(), float(np.median(z)), z.min()
        else:
            median = _median_elevation(h)
            high, low = g.get("max_elevation"), g.get("min_elevation")
            if high is None or low is None:
                high, low = float(h["upper_elevation"].max()), float(h["lower_elevation"].min())
                remark = "highest and lowest elevation are the hypsometry's band limits"
        rows.append({"year": int(year), "highest": round(float(high), 1), "median": round(median),
                     "lowest": round(float(low), 1), "area": round(float(h["area"].sum()), 6), "remarks": remark})  # fmt: skip
    return rows


def _upper(g: dict[str, Any], gb: pd.DataFrame, bands: pd.DataFrame, points: pd.DataFrame, years: pd.DataFrame,
           state_rows: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:  # fmt: skip
    mm = unit_factor("upper", "EE-MASS_BALANCE", "ANNUAL_BALANCE", "kg m-2")
    pct = unit_factor("upper", "E-MASS_BALANCE_OVERVIEW", "AAR", "1")
    wgms_id, remark = _wgms_id(g)
    base = {
        "POLITICAL_UNIT": g["country"],
        "NAME": transliterate(str(g["name"])),
        "WGMS_ID": wgms_id,
    }
    people = {"INVESTIGATOR": clean_text(g.get("investigators")), "SPONS_AGENCY": clean_text(g.get("agencies")),
              "REFERENCE": clean_text(g.get("references"))}  # fmt: skip
    rgi = g.get("rgi_id")
    out = {
        "A-GLACIER": _frame("upper", "A-GLACIER", [{
            **base, "GEN_LOCATION": clean_text(g.get("gen_location")),
            "SPEC_LOCATION": clean_text(g.get("spec_location")),
            "LATITUDE": round(float(g["latitude"]), 6), "LONGITUDE": round(float(g["longitude"]), 6),
            "PRIM_CLASSIFIC": g.get("primary_class"), "FORM": g.get("form"), "FRONTAL_CHARS": g.get("frontal_chars"),
            "EXPOS_ACC_AREA": g.get("exposition_accumulation"), "EXPOS_ABL_AREA": g.get("exposition_ablation"),
            "PARENT_GLACIER": g.get("parent_glacier"), "GLACIER_REGION_CODE": g.get("gtng_region"),
            "GLACIER_SUBREGION_CODE": g.get("gtng_subregion"), "REMARKS": clean_text(g.get("remarks") or remark),
        }]),
        "AA-GLACIER_ID_LUT": _frame("upper", "AA-GLACIER_ID_LUT", [{
            **base, "WGI_ID": g.get("wgi_id"), "GLIMS_ID": g.get("glims_id"),
            "RGI50_ID": rgi if str(rgi or "").startswith("RGI50") else None,
            "RGI60_ID": rgi if str(rgi or "").startswith("RGI60") else None,
        }]),
    }  # fmt: skip
    state = [{**base, "YEAR": s["year"], "HIGHEST_ELEVATION": s["highest"], "MEDIAN_ELEVATION": s["median"],
              "LOWEST_ELEVATION": s["lowest"], "AREA": s["area"], **people, "REMARKS": s["remarks"]}
             for s in state_rows]  # fmt: skip
    out["B-STATE"] = _frame("upper", "B-STATE", state)
    overview, balance = [], []
    for r in gb.itertuples():
        y = years.loc[r.year]
        extra = r._asdict()
        overview.append({
            **base, "YEAR": int(r.year), "TIME_SYSTEM": y["time_system"],
            "BEGIN_PERIOD": upper_date(_period(r, y, "begin_date")),
            "END_WINTER": upper_date(_period(r, y, "winter_end_date")),
            "END_PERIOD": upper_date(_period(r, y, "end_date")),
            "ELA_PREFIX": r.ela_position if isinstance(r.ela_position, str) else None,
            "ELA": _value(r.ela), "ELA_UNC": _value(r.ela_unc),
            **{k.upper(): _value(extra.get(k)) for k in ("min_sites_acc", "max_sites_acc", "min_sites_abl",
                                                        "max_sites_abl")},
            "ACC_AREA": _value(r.accumulation_area, digits=6), "ABL_AREA": _value(r.ablation_area, digits=6),
            "AAR": _value(r.aar, pct), **people, "REMARKS": clean_text(r.remarks),
        })  # fmt: skip
        for b in bands[bands["year"] == r.year].sort_values("lower_elevation").itertuples():
            balance.append({**base, "YEAR": int(r.year), "LOWER_BOUND": _value(b.lower_elevation),
                            "UPPER_BOUND": _value(b.upper_elevation), "AREA": _value(b.area, digits=6),
                            **_balances(b, mm, upper=True), "REMARKS": clean_text(getattr(b, "remarks", None))})  # fmt: skip
        balance.append({**base, "YEAR": int(r.year), "LOWER_BOUND": GLACIER_WIDE, "UPPER_BOUND": GLACIER_WIDE,
                        "AREA": _value(r.area, digits=6), **_balances(r, mm, upper=True),
                        "REMARKS": clean_text(f"glacier-wide, {r.method} method" if isinstance(r.method, str)
                                              else None)})  # fmt: skip
    out["E-MASS_BALANCE_OVERVIEW"] = _frame("upper", "E-MASS_BALANCE_OVERVIEW", overview)
    out["EE-MASS_BALANCE"] = _frame("upper", "EE-MASS_BALANCE", balance)
    pts = points[points["year"].isin(gb["year"])] if not points.empty else points

    def value(column: str, divide: float = 1.0, digits: int | None = None) -> list[Any]:
        return [_value(v, divide, digits) for v in pts[column]]

    out["EEE-MASS_BALANCE_POINT"] = _frame("upper", "EEE-MASS_BALANCE_POINT", {  # column by column
        **{k: [v] * len(pts) for k, v in base.items()}, "YEAR": [int(v) for v in pts["year"]],
        "POINT_ID": [str(v) for v in pts["point_id"]], "FROM_DATE": [upper_date(v) for v in pts["from_date"]],
        "TO_DATE": [upper_date(v) for v in pts["to_date"]], "POINT_LAT": value("latitude", digits=6),
        "POINT_LON": value("longitude", digits=6), "POINT_ELEVATION": value("elevation", digits=1),
        "POINT_BALANCE": value("balance", mm), "POINT_BALANCE_UNCERTAINTY": value("balance_unc", mm),
        "DENSITY": value("density"), "DENSITY_UNCERTAINTY": value("density_unc"),
        "BALANCE_CODE": [UPPER_CODES.get(v, v) for v in pts["balance_code"]],
        "REMARKS": [clean_text(v) for v in pts["remarks"]],
    })  # fmt: skip
    return out


def _balances(r: Any, divide: float, upper: bool) -> dict[str, Any]:
    """Winter, summer, annual balance and uncertainties of a row in a WGMS unit."""
    out = {}
    for name in ("winter_balance", "summer_balance", "annual_balance"):
        for key in (name, f"{name}_unc"):
            value = getattr(r, key, None)
            out[key.upper() if upper else key] = _value(value, divide, None if upper else 3)
    return out


def _lower(g: dict[str, Any], gb: pd.DataFrame, bands: pd.DataFrame, points: pd.DataFrame,
           years: pd.DataFrame, state_rows: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:  # fmt: skip
    m_we = unit_factor("lower", "mass_balance", "annual_balance", "kg m-2")
    name = clean_text(g["name"])
    wgms_id, remark = _wgms_id(g)
    base = {"country": g["country"], "glacier_name": name, "glacier_id": wgms_id}
    people = {"investigators": clean_text(g.get("investigators")), "agencies": clean_text(g.get("agencies")),
              "references": clean_text(g.get("references"))}  # fmt: skip
    out: dict[str, pd.DataFrame] = {}
    out["glacier"] = _frame("lower", "glacier", [{
        "id": wgms_id, "country": g["country"], "short_name": name,
        "latitude": round(float(g["latitude"]), 6), "longitude": round(float(g["longitude"]), 6),
        "gtng_region": _gtng_region(g), "glims_id": g.get("glims_id"),
        "rgi50_ids": g.get("rgi_id") if str(g.get("rgi_id") or "").startswith("RGI50") else None,
        "rgi60_ids": g.get("rgi_id") if str(g.get("rgi_id") or "").startswith("RGI60") else None,
        "rgi70_ids": g.get("rgi_id") if str(g.get("rgi_id") or "").startswith("RGI2000") else None,
        "wgi_id": g.get("wgi_id"), "parent_glacier_id": g.get("parent_glacier"),
        "references": people["references"], "remarks": clean_text(g.get("remarks") or remark),
    }])  # fmt: skip
    out["state"] = _frame("lower", "state", [
        {**base, "year": s["year"], "highest_elevation": s["highest"], "median_elevation": s["median"],
         "lowest_elevation": s["lowest"], "area": s["area"], **people, "remarks": s["remarks"]}
        for s in state_rows
    ])  # fmt: skip
    rows, band_rows = [], []
    for r in gb.itertuples():
        y = years.loc[r.year]
        rows.append({
            **base, "year": int(r.year), "time_system": y["time_system"],
            "begin_date": _iso(_period(r, y, "begin_date")), "midseason_date": _iso(_period(r, y, "winter_end_date")),
            "end_date": _iso(_period(r, y, "end_date")), **_balances(r, m_we, upper=False),
            "ela_position": ELA_POSITION.get(r.ela_position) if isinstance(r.ela_position, str) else None,
            "ela": _value(r.ela), "ela_unc": _value(r.ela_unc, digits=1), "aar": _value(r.aar, digits=3),
            "area": _value(r.area, digits=6), **people,
            "remarks": clean_text(f"{r.method} method" if isinstance(r.method, str) else None),
        })  # fmt: skip
        for b in bands[bands["year"] == r.year].sort_values("lower_elevation").itertuples():
            band_rows.append({**base, "year": int(r.year), "lower_elevation": _value(b.lower_elevation, digits=1),
                              "upper_elevation": _value(b.upper_elevation, digits=1), "area": _value(b.area, digits=6),
                              **_balances(b, m_we, upper=False), "remarks": clean_text(getattr(b, "remarks", None))})  # fmt: skip
    out["mass_balance"] = _frame("lower", "mass_balance", rows)
    out["mass_balance_band"] = _frame("lower", "mass_balance_band", band_rows)
    pts = points[points["year"].isin(gb["year"])] if not points.empty else points
    systems = years["time_system"].to_dict()

    def value(column: str, divide: float = 1.0, digits: int | None = None) -> list[Any]:
        return [_value(v, divide, digits) for v in pts[column]]

    out["mass_balance_point"] = _frame("lower", "mass_balance_point", {  # column by column
        **{k: [v] * len(pts) for k, v in base.items()}, "year": [int(v) for v in pts["year"]],
        "id": list(range(1, len(pts) + 1)), "original_id": [str(v) for v in pts["point_id"]],
        "time_system": [systems.get(v) for v in pts["year"]],
        "begin_date": [_iso(v) for v in pts["from_date"]], "end_date": [_iso(v) for v in pts["to_date"]],
        "latitude": value("latitude", digits=6), "longitude": value("longitude", digits=6),
        "elevation": value("elevation", digits=1), "balance": value("balance", m_we, 3),
        "balance_unc": value("balance_unc", m_we, 3), "density": value("density", digits=1),
        "density_unc": value("density_unc", digits=1),
        "method": [v if isinstance(v, str) else None for v in pts["source"]],
        "balance_code": list(pts["balance_code"]), "remarks": [clean_text(v) for v in pts["remarks"]],
    })  # fmt: skip
    return out


def _gtng_region(g: dict[str, Any]) -> str | None:
    """The 2025+ ``gtng_region`` (``13_central_asia``) of the glacier sheet's ``ASC``/``ASC-04`` codes.

    :func:`mbpack.formats.wgms.gtng_long_code`; an unknown code is written as given (the
    checks then name it).
    """
    region, sub = g.get("gtng_region"), g.get("gtng_subregion")
    if not region and not sub:
        return None
    return gtng_long_code(region, sub) or str(region or sub)


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def write_wgms(tables: dict[str, pd.DataFrame], directory: str | os.PathLike[str],
               generation: Generation, *, mark: bool = True) -> list[Path]:  # fmt: skip
    """Write WGMS tables as CSV files in a folder that appears whole or not at all.

    Parameters
    ----------
    tables
        From :func:`wgms_tables`.
    directory
        The folder to write (replaced when mbpack wrote it, see :mod:`mbpack.atomic`).
    generation
        ``upper``: one file per table named after it, ``A-GLACIER.csv`` ...
        ``EEE-MASS_BALANCE_POINT.csv`` (the release files
        ``WGMS-FoG-<version>-<LETTER>-<NAME>.csv`` without the release
        prefix, which WGMS gives on publication; :func:`read_wgms` reads both
        names).  ``lower``: ``data/<table>.csv`` and a ``datapackage.json``
        (Data Package v2) whose resources carry the tables' Table Schemas.
    mark
        Leave mbpack's output marker in the folder (see :mod:`mbpack.atomic`).

    Returns
    -------
    list of pathlib.Path
        The files written (CSV files, then ``datapackage.json``).

    Notes
    -----
    The files are UTF-8, not the Latin-1 of the releases up to 2021-05:
    the 2022-09 and later releases are UTF-8, names are ASCII anyway and
    free text (investigators, references, remarks) may hold characters
    Latin-1 cannot encode.  :func:`read_wgms` reads both encodings.
    """
    from mbpack.atomic import atomic_folder

    if generation not in ("upper", "lower"):
        raise ValueError(f"generation={generation!r} is invalid; choices: 'upper', 'lower'")
    known = UPPER if generation == "upper" else LOWER
    unknown = [name for name in tables if name not in known]
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)}: not {generation}-case WGMS tables ({', '.join(known)})"
        )
    target = Path(directory)
    written = []
    with atomic_folder(target, mark=mark) as tmp:
        for name, frame in tables.items():
            path = tmp / FILE_NAME[name]
            path.parent.mkdir(exist_ok=True)
            # text from the workbook (NAME, INVESTIGATOR, REMARKS, POINT_ID ...) is never run as
            # a formula by the spreadsheet a WGMS correspondent opens the file in
            text = frame.select_dtypes(include=["object", "string"]).columns
            frame.assign(**{c: frame[c].map(neutralise) for c in text}).to_csv(
                path, index=False, lineterminator="\n", encoding="utf-8"
            )
            written.append(target / FILE_NAME[name])
        if generation == "lower":
            package = {
                "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
                "name": "wgms-fog-submission", "title": "WGMS FoG submission (lower-case generation)",
                "resources": [{"name": n, "path": FILE_NAME[n], "format": "csv", "mediatype": "text/csv",
                               "encoding": "utf-8", "schema": resource_schema("lower", n)} for n in tables],
            }  # fmt: skip
            (tmp / "datapackage.json").write_text(
                json.dumps(package, indent=2, ensure_ascii=False) + "\n", "utf-8"
            )
            written.append(target / "datapackage.json")
    return written


def resource_schema(generation: Generation, table: str) -> dict[str, Any]:
    """A table's schema as a resource's ``schema`` (without name, title, description)."""
    descriptor = load(generation, table)
    for key in ("name", "title", "description"):
        descriptor.pop(key, None)
    return descriptor


# --------------------------------------------------------------------------------------- checking


def validate_wgms_tables(tables: dict[str, pd.DataFrame], generation: Generation) -> list[Issue]:
    """Check WGMS tables against their Table Schemas, vectorised, as they would be written.

    Each frame is turned into the CSV text :func:`write_wgms` writes and
    checked column by column with pandas: header (the schema's columns in
    order), types, required values, enumerations, patterns, minimum and
    maximum, maximum length, primary-key uniqueness and foreign keys between
    the tables given.  The same engine validates FoG releases
    (:mod:`mbpack.checks.wgms`), which adds the consistency checks.

    Returns
    -------
    list of Issue
        ``sheet`` is the table, ``row`` the line of the CSV file (header =
        1, so the frame's index + 2), ``column``, ``value``, ``message`` and
        a machine-readable ``code`` (``type-error``, ``missing-value``,
        ``not-in-enum``, ``pattern``, ``out-of-range``, ``too-long``,
        ``duplicate-key``, ``foreign-key``, ``header``, ``missing-column``,
        ``unknown-table``).
    """
    from mbpack.checks import wgms as fog
    from mbpack.issues import Report

    if generation not in ("upper", "lower"):
        raise ValueError(f"generation={generation!r} is invalid; choices: 'upper', 'lower'")
    report = Report()
    known = UPPER if generation == "upper" else LOWER
    checked: dict[str, Any] = {}
    for key, frame in tables.items():
        if key not in known:
            report.add(Issue("unknown-table", "error", f"{key} is not a {generation}-case WGMS table "
                             f"({', '.join(known)})", sheet=key))  # fmt: skip
            continue
        file = FILE_NAME[key]
        text = frame.to_csv(index=False, lineterminator="\n")
        table = fog.Table(key, fog.read_table(text.encode("utf-8"), file), file)
        expected = columns(generation, key)
        if list(table.frame.columns) != expected:
            report.add(Issue("header", "error", f"{key} columns {list(table.frame.columns)} are not the "
                             f"schema's {expected}", sheet=key, row=1, file=file))  # fmt: skip
        checked[key] = table
    ctx: dict[str, Any] = {}
    for key, table in checked.items():
        ctx[key] = fog.TableIssues(report, table, *fog.id_name_year(generation, key))
        fog.check_schema(table, load(generation, key), ctx[key])
    fog.foreign_keys(checked, generation, report, ctx)
    return report.issues

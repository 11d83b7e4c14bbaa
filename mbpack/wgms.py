"""WGMS Fluctuations of Glaciers (FoG) tables, both generations: write, read, check.

* **upper** case (releases up to 2024-01): ``A-GLACIER``, ``AA-GLACIER_ID_LUT``,
  ``B-STATE``, ``E-MASS_BALANCE_OVERVIEW``, ``EE-MASS_BALANCE`` (the
  glacier-wide row at LOWER_BOUND = UPPER_BOUND = 9999) and
  ``EEE-MASS_BALANCE_POINT``; balances in mm w.e. (integers), dates
  ``YYYYMMDD`` with ``99`` for an unknown month or day, AAR in %;
* **lower** case (releases 2025-02 and later): ``glacier``, ``mass_balance``,
  ``mass_balance_band``, ``mass_balance_point``; balances in m w.e. (three
  decimals), ISO dates, AAR as a fraction.

Their Table Schemas are ``schemas/wgms/upper/*.json`` and
``schemas/wgms/lower/*.json``; every unit conversion reads the schema's
``unit`` property (:func:`unit_factor`), at this edge only: inside mbpack
balances are kg m-2 (= mm w.e.), AAR a fraction.

Vocabulary kept here, in one place, with tests that the schemas agree:
:data:`UPPER_DATE_PATTERN`, :data:`NAME_PATTERN`, :data:`UPPER_CODES`,
:data:`ELA_POSITION` and :data:`LOWER_ENUMS`.  The lower generation's
enumerations of ``ela_position``, ``method`` and ``time_system`` were not
confirmed from a primary WGMS source (see :data:`LOWER_ENUMS`).

References
----------
WGMS (2021). Fluctuations of Glaciers Database. World Glacier Monitoring
Service, Zurich, Switzerland. doi:10.5904/wgms-fog-2021-05
WGMS (2024). Fluctuations of Glaciers Database. World Glacier Monitoring
Service, Zurich, Switzerland. doi:10.5904/wgms-fog-2024-01
Cogley, J. G. et al. (2011). Glossary of Glacier Mass Balance and Related
Terms. IHP-VII Technical Documents in Hydrology No. 86, UNESCO-IHP, Paris.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from mbpack import schema, units
from mbpack.errors import MissingMetadata, UnreadableWorkbook
from mbpack.report import Issue
from mbpack.workbook import Workbook, conform

Generation = Literal["upper", "lower"]

#: Upper-case tables in release order; the file of each is ``<TABLE>.csv``.
UPPER = ("A-GLACIER", "AA-GLACIER_ID_LUT", "B-STATE", "E-MASS_BALANCE_OVERVIEW", "EE-MASS_BALANCE",
         "EEE-MASS_BALANCE_POINT")  # fmt: skip
#: Lower-case tables; the file of each is ``data/<table>.csv``.
LOWER = ("glacier", "mass_balance", "mass_balance_band", "mass_balance_point")

#: Enumerations of the lower generation.  ``ela_position``, ``method`` and
#: ``time_system`` are NOT confirmed from a primary WGMS source: they follow
#: the upper generation's codes (TIME_SYSTEM, ELA_PREFIX) and mbpack's point
#: sources.  Correct them here; a test fails until the schemas agree.
#: ``balance_code`` is documented (annual, winter, summer).
LOWER_ENUMS: dict[str, list[str]] = {
    "ela_position": ["below", "above"],
    "method": ["stake", "pit", "probe", "other"],
    "balance_code": ["annual", "winter", "summer"],
    "time_system": ["FLO", "FXD", "STR", "COM", "OTH"],
}
#: mbpack point ``balance_code`` → upper-generation BALANCE_CODE (BA/BW/BS: used for
#: that glacier-wide balance; IN: index point, not used).
UPPER_CODES = {"winter": "BW", "summer": "BS", "annual": "BA", "index": "IN"}
#: ELA position: mbpack and upper ELA_PREFIX (``<`` below, ``>`` above the glacier) → lower.
ELA_POSITION = {"<": "below", ">": "above"}
#: LOWER_BOUND = UPPER_BOUND of the glacier-wide row of EE-MASS_BALANCE [m].
GLACIER_WIDE = 9999
#: Upper-generation date ``YYYYMMDD`` (years 1600-2099): a real date (leap years
#: included), or ``99`` for an unknown day (``20100199``) or month and day (``20109999``).
UPPER_DATE_PATTERN = (
    r"^(?:(?:1[6-9]|20)\d{2}(?:9999|(?:0[1-9]|1[0-2])(?:99|0[1-9]|1\d|2[0-8])"
    r"|(?:0[13-9]|1[0-2])(?:29|30)|(?:0[13578]|1[02])31)"
    r"|(?:(?:1[6-9]|20)(?:0[48]|[2468][048]|[13579][26])|(?:16|20)00)0229)$"
)
#: Characters of a WGMS NAME besides capitals, digits and single spaces.
NAME_PUNCTUATION = ".,'()/&-"
#: Upper-generation NAME: capitals, digits and :data:`NAME_PUNCTUATION`, single spaces inside
#: (at most 60 characters: the schema's ``maxLength``).
NAME_PATTERN = r"^[A-Z0-9.,'()/&-]+(?: [A-Z0-9.,'()/&-]+)*$"
#: Free text (REMARKS, INVESTIGATOR ...): no leading, trailing or double spaces.
TEXT_PATTERN = r"^(\S+( \S+)*)?$"
#: Where each table's file goes inside the folder :func:`write_wgms` writes.
FILE_NAME = {**{t: f"{t}.csv" for t in UPPER}, **{t: f"data/{t}.csv" for t in LOWER}}

#: Latin letters NFKD does not reduce to ASCII, and typographic punctuation, with their
#: usual transliteration (applied before NFKD).
_TRANSLITERATION = str.maketrans({
    "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe",
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th",
    "ı": "i", "Ħ": "H", "ħ": "h", "Ŋ": "NG", "ŋ": "ng", "ĸ": "q",
    "‘": "'", "’": "'", "ʼ": "'", "´": "'", "‐": "-", "‑": "-", "–": "-", "—": "-",
})  # fmt: skip


def load(generation: Generation, table: str) -> dict[str, Any]:
    """The Table Schema of one WGMS table (a fresh dict)."""
    if generation not in ("upper", "lower"):
        raise ValueError(f"generation={generation!r} is invalid; choices: 'upper', 'lower'")
    path = schema.data_path("schemas") / "wgms" / generation / f"{table}.json"
    if not path.is_file():
        names = UPPER if generation == "upper" else LOWER
        raise KeyError(f"no {generation}-case WGMS table {table!r}; choices: {', '.join(names)}")
    descriptor: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return descriptor


def columns(generation: Generation, table: str) -> list[str]:
    """Column names of a WGMS table, in order."""
    return [f["name"] for f in load(generation, table)["fields"]]


def unit_factor(generation: Generation, table: str, column: str, canonical: str) -> float:
    """Factor turning a WGMS column's values (in its schema ``unit``) into ``canonical`` units.

    >>> unit_factor("lower", "mass_balance", "annual_balance", "kg m-2")
    1000.0
    >>> unit_factor("upper", "E-MASS_BALANCE_OVERVIEW", "AAR", "1")
    0.01
    """
    field = next(f for f in load(generation, table)["fields"] if f["name"] == column)
    return units.factor(field["unit"], canonical)


def transliterate(name: str) -> str:
    """A glacier name in WGMS capitals: ASCII letters, digits, ``.,'()/&-``, single spaces.

    Accents are dropped (Unicode NFKD), Latin letters without a decomposition
    (ß, Ø, Æ, Ł ...) are spelled out, other punctuation becomes a space.

    Raises
    ------
    ValueError
        When a letter or digit has no ASCII form (e.g. Chinese characters),
        when nothing is left, or when the result is longer than 60 characters.

    Examples
    --------
    >>> transliterate("Glacier No. 51, Kuitun  River")
    'GLACIER NO. 51, KUITUN RIVER'
    >>> transliterate("Grosser Aletschgletscher (Märjelen)")
    'GROSSER ALETSCHGLETSCHER (MARJELEN)'
    >>> transliterate("Østre Memurubre")
    'OSTRE MEMURUBRE'
    """
    text = unicodedata.normalize("NFKD", str(name).translate(_TRANSLITERATION))
    out, lost = [], []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch.isascii() and (ch.isalnum() or ch in NAME_PUNCTUATION):
            out.append(ch.upper())
        elif not ch.isascii() and unicodedata.category(ch)[0] in "LN":
            lost.append(ch)
        else:
            out.append(" ")
    if lost:
        raise ValueError(f"{name!r} has no ASCII transliteration of {''.join(lost)!r}")
    result = " ".join("".join(out).split())
    if not result:
        raise ValueError(f"{name!r} has no letter or digit to write")
    if len(result) > 60:
        raise ValueError(f"{result!r} is longer than the 60 characters of a WGMS NAME")
    return result


def clean_text(value: Any) -> str | None:
    """Free text without leading, trailing or double spaces (WGMS rule); ``None`` when empty.

    >>> clean_text("  A.  Person ")
    'A. Person'
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = " ".join(str(value).split())
    return text or None


def upper_date(value: Any) -> str | None:
    """``YYYYMMDD`` of a date (``None`` for a missing one).

    >>> upper_date(pd.Timestamp("2005-08-01"))
    '20050801'
    """
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y%m%d")


def parse_upper_date(text: Any) -> tuple[date | None, str | None]:
    """A ``YYYYMMDD`` date where ``99`` marks an unknown day, or month and day.

    The unknown part is read as the first day of the month (or of the year):
    the best date available; the second value is a remark that says so.

    Raises
    ------
    ValueError
        When the text is not such a date (also ``YYYY99DD`` with a known day).

    Examples
    --------
    >>> parse_upper_date("20100199")
    (datetime.date(2010, 1, 1), 'day unknown in 20100199, read as 2010-01-01')
    >>> parse_upper_date("20050801")
    (datetime.date(2005, 8, 1), None)
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return None, None
    raw = str(text).strip()
    raw = raw[:-2] if raw.endswith(".0") else raw  # a date column read as numbers
    if not re.fullmatch(r"\d{8}", raw):
        raise ValueError(f"{text!r} is not a WGMS date (YYYYMMDD)")
    year, month, day = int(raw[:4]), int(raw[4:6]), int(raw[6:])
    what = None
    if month == 99:
        if day != 99:
            raise ValueError(f"{raw}: an unknown month (99) needs an unknown day (99)")
        month, day, what = 1, 1, "month and day unknown"
    elif day == 99:
        day, what = 1, "day unknown"
    try:
        when = date(year, month, day)
    except ValueError:
        raise ValueError(f"{raw!r} is not a WGMS date (YYYYMMDD)") from None
    return when, (f"{what} in {raw}, read as {when.isoformat()}" if what else None)


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
                                   "the tables are written without it)")):  # fmt: skip
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


def wgms_tables(workbook: Workbook, generation: Generation, *, results: Any = None, method: str = "band",
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
        :class:`mbpack.compute.Results` whose result tables replace the workbook's.
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
    if generation == "upper":
        return _upper(g, gb, bands, points, years, workbook["hypsometry"])
    return _lower(g, gb, bands, points, years)


def points_of(results: Any, workbook: Workbook) -> pd.DataFrame:
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
    from mbpack.geo import to_lonlat

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


def _frame(generation: Generation, table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a frame with the table's columns in order and nullable dtypes."""
    fields = load(generation, table)["fields"]
    frame = pd.DataFrame(rows, columns=[f["name"] for f in fields])
    for f in fields:
        col = frame[f["name"]].astype(object).where(frame[f["name"]].notna(), None)
        frame[f["name"]] = col.astype(_CSV_DTYPES[f["type"]]) if f["type"] in _CSV_DTYPES else col
    return frame


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


def _median_elevation(h: pd.DataFrame) -> float:
    """Elevation with half the area below it [m], band areas spread evenly over each band."""
    h = h.sort_values("lower_elevation")
    cum = np.concatenate([[0.0], h["area"].cumsum().to_numpy() / h["area"].sum()])
    limits = np.concatenate([[h["lower_elevation"].iloc[0]], h["upper_elevation"].to_numpy()])
    return float(np.interp(0.5, cum, limits))


def _upper(g: dict[str, Any], gb: pd.DataFrame, bands: pd.DataFrame, points: pd.DataFrame, years: pd.DataFrame,
           hyps: pd.DataFrame) -> dict[str, pd.DataFrame]:  # fmt: skip
    mm = unit_factor("upper", "EE-MASS_BALANCE", "ANNUAL_BALANCE", "kg m-2")
    pct = unit_factor("upper", "E-MASS_BALANCE_OVERVIEW", "AAR", "1")
    base = {"POLITICAL_UNIT": g["country"], "NAME": transliterate(str(g["name"])),
            "WGMS_ID": g.get("wgms_id")}  # fmt: skip
    remark = None if g.get("wgms_id") is not None else "WGMS_ID to be assigned by WGMS"
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
    state = [{**base, "YEAR": int(year), "HIGHEST_ELEVATION": float(h["upper_elevation"].max()),
              "MEDIAN_ELEVATION": round(_median_elevation(h)), "LOWEST_ELEVATION": float(h["lower_elevation"].min()),
              "AREA": round(float(h["area"].sum()), 6), **people}
             for year, h in hyps.dropna(subset=["area"]).groupby("year")]  # fmt: skip
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
    out["EEE-MASS_BALANCE_POINT"] = _frame("upper", "EEE-MASS_BALANCE_POINT", [
        {**base, "YEAR": int(p.year), "POINT_ID": str(p.point_id), "FROM_DATE": upper_date(p.from_date),
         "TO_DATE": upper_date(p.to_date), "POINT_LAT": _value(p.latitude, digits=6),
         "POINT_LON": _value(p.longitude, digits=6), "POINT_ELEVATION": _value(p.elevation, digits=1),
         "POINT_BALANCE": _value(p.balance, mm), "POINT_BALANCE_UNCERTAINTY": _value(p.balance_unc, mm),
         "DENSITY": _value(p.density), "DENSITY_UNCERTAINTY": _value(p.density_unc),
         "BALANCE_CODE": UPPER_CODES.get(p.balance_code, p.balance_code), "REMARKS": clean_text(p.remarks)}
        for p in pts.itertuples()
    ])  # fmt: skip
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
           years: pd.DataFrame) -> dict[str, pd.DataFrame]:  # fmt: skip
    m_we = unit_factor("lower", "mass_balance", "annual_balance", "kg m-2")
    name = clean_text(g["name"])
    base = {"country": g["country"], "glacier_name": name, "glacier_id": g.get("wgms_id")}
    people = {"investigators": clean_text(g.get("investigators")), "agencies": clean_text(g.get("agencies")),
              "references": clean_text(g.get("references"))}  # fmt: skip
    out: dict[str, pd.DataFrame] = {}
    out["glacier"] = _frame("lower", "glacier", [{
        "id": g.get("wgms_id"), "country": g["country"], "short_name": name,
        "latitude": round(float(g["latitude"]), 6), "longitude": round(float(g["longitude"]), 6),
        "gtng_region": g.get("gtng_subregion") or g.get("gtng_region"), "glims_id": g.get("glims_id"),
        "rgi50_ids": g.get("rgi_id") if str(g.get("rgi_id") or "").startswith("RGI50") else None,
        "rgi60_ids": g.get("rgi_id") if str(g.get("rgi_id") or "").startswith("RGI60") else None,
        "rgi70_ids": g.get("rgi_id") if str(g.get("rgi_id") or "").startswith("RGI2000") else None,
        "wgi_id": g.get("wgi_id"), "parent_glacier_id": g.get("parent_glacier"),
        "references": people["references"], "remarks": clean_text(g.get("remarks")),
    }])  # fmt: skip
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
    pts = (
        points[points["year"].isin(gb["year"]) & (points["balance_code"] != "index")]
        if not points.empty
        else points
    )
    out["mass_balance_point"] = _frame("lower", "mass_balance_point", [
        {**base, "year": int(p.year), "id": str(p.point_id), "original_id": str(p.point_id),
         "time_system": years.loc[p.year, "time_system"] if p.year in years.index else None,
         "begin_date": _iso(p.from_date), "end_date": _iso(p.to_date),
         "latitude": _value(p.latitude, digits=6), "longitude": _value(p.longitude, digits=6),
         "elevation": _value(p.elevation, digits=1), "balance": _value(p.balance, m_we, 3),
         "balance_unc": _value(p.balance_unc, m_we, 3), "density": _value(p.density, digits=1),
         "density_unc": _value(p.density_unc, digits=1),
         "method": p.source if isinstance(p.source, str) else None, "balance_code": p.balance_code,
         "remarks": clean_text(p.remarks)}
        for p in pts.itertuples()
    ])  # fmt: skip
    return out


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def write_wgms(tables: dict[str, pd.DataFrame], directory: str | os.PathLike[str],
               generation: Generation) -> list[Path]:  # fmt: skip
    """Write WGMS tables as CSV files in a folder that appears whole or not at all.

    Parameters
    ----------
    tables
        From :func:`wgms_tables`.
    directory
        The folder to write (replaced when it exists).
    generation
        ``upper``: one file per table named after it, ``A-GLACIER.csv`` ...
        ``EEE-MASS_BALANCE_POINT.csv`` (the release files
        ``WGMS-FoG-<version>-<LETTER>-<NAME>.csv`` without the release
        prefix, which WGMS gives on publication; :func:`read_wgms` reads both
        names).  ``lower``: ``data/<table>.csv`` and a ``datapackage.json``
        (Data Package v2) whose resources carry the tables' Table Schemas.

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
    with atomic_folder(target) as tmp:
        for name, frame in tables.items():
            path = tmp / FILE_NAME[name]
            path.parent.mkdir(exist_ok=True)
            frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
            written.append(target / FILE_NAME[name])
        if generation == "lower":
            package = {
                "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
                "name": "wgms-fog-submission", "title": "WGMS FoG submission (lower-case generation)",
                "resources": [{"name": n, "path": FILE_NAME[n], "format": "csv", "mediatype": "text/csv",
                               "encoding": "utf-8", "schema": _resource_schema("lower", n)} for n in tables],
            }  # fmt: skip
            (tmp / "datapackage.json").write_text(
                json.dumps(package, indent=2, ensure_ascii=False) + "\n", "utf-8"
            )
            written.append(target / "datapackage.json")
    return written


def _resource_schema(generation: Generation, table: str) -> dict[str, Any]:
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
    (:mod:`mbpack.fog`), which adds the consistency checks.

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
    from mbpack import fog
    from mbpack.report import Report

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
        table = fog.Table(key, fog._read(text.encode("utf-8"), file), file)
        expected = columns(generation, key)
        if list(table.frame.columns) != expected:
            report.add(Issue("header", "error", f"{key} columns {list(table.frame.columns)} are not the "
                             f"schema's {expected}", sheet=key, row=1, file=file))  # fmt: skip
        checked[key] = table
    ctx: dict[str, Any] = {}
    for key, table in checked.items():
        if generation == "upper":
            names: tuple[str, str, str | None] = ("WGMS_ID", "NAME", "YEAR")
        else:
            names = (
                ("id", "short_name", None)
                if key == "glacier"
                else ("glacier_id", "glacier_name", "year")
            )
        ctx[key] = fog._Issues(report, table, *names)
        fog.check_schema(table, load(generation, key), ctx[key])
    fog._foreign_keys(checked, generation, report, ctx)
    return report.issues


# ---------------------------------------------------------------------------------------- reading


def detect_generation(header: list[str]) -> Generation:
    """``upper`` when the columns are upper case (POLITICAL_UNIT, WGMS_ID ...), else ``lower``.

    >>> detect_generation(["YEAR", "WGMS_ID", "ANNUAL_BALANCE"]), detect_generation(["year", "glacier_id"])
    ('upper', 'lower')
    """
    letters = "".join(h for h in header if h)
    return (
        "upper"
        if letters.isupper() or any(h in ("WGMS_ID", "POLITICAL_UNIT", "YEAR") for h in header)
        else "lower"
    )


def _read_csv(data: bytes, where: str) -> pd.DataFrame:
    """A CSV table as text, UTF-8 (with or without BOM) or else Latin-1 (releases up to 2021-05)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UnreadableWorkbook(f"{where}: not a readable CSV table ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _sources(path: Path) -> dict[str, tuple[bytes, str]]:
    """CSV files of a folder, a zip or a single file: file stem → (bytes, where)."""
    found: dict[str, tuple[bytes, str]] = {}
    if path.is_dir():
        for f in sorted(path.rglob("*.csv")):
            found[f.stem] = (f.read_bytes(), str(f))
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.lower().endswith(".csv"):
                    found[Path(name).stem] = (archive.read(name), f"{path}:{name}")
    elif path.is_file():
        found[path.stem] = (path.read_bytes(), str(path))
    else:
        raise UnreadableWorkbook(f"{path}: no such file or folder")
    return found


def _table_key(stem: str, generation: Generation) -> str:
    """Which WGMS table a file holds, from its name (``WGMS-FoG-2021-05-EE-MASS-BALANCE`` → EE-MASS_BALANCE).

    >>> _table_key("WGMS-FoG-2021-05-EEE-MASS-BALANCE-POINT", "upper"), _table_key("mbdata_WGMS-01511", "upper")
    ('EEE-MASS_BALANCE_POINT', 'EE-MASS_BALANCE')
    """
    if generation == "upper":
        up = stem.upper().replace("_", "-")
        by_label = sorted(UPPER, key=lambda t: len(t.split("-", 1)[1]), reverse=True)
        for table in by_label:  # longest label first: MASS_BALANCE_POINT before MASS_BALANCE
            letter, label = table.split("-", 1)
            if up.endswith(label.replace("_", "-")) or up == letter:
                return table
        if "MBDATA" in up:  # a glacier-wide extract (OGGM's FoG sample files)
            return "EE-MASS_BALANCE"
        return stem
    low = stem.lower()
    for table in sorted(LOWER, key=len, reverse=True):
        if low.endswith(table):
            return table
    return stem


def read_wgms(path: str | os.PathLike[str], generation: Generation | None = None,
              wgms_id: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Read WGMS tables of either generation back into workbook tables of one glacier.

    Parameters
    ----------
    path
        A folder (searched recursively), a zip, or one CSV table: release
        files ``WGMS-FoG-<version>-EE-MASS-BALANCE.csv``, ``data/<table>.csv``,
        files written by :func:`write_wgms`, or a glacier-wide FoG extract
        (YEAR, WGMS_ID, ... ANNUAL_BALANCE, read as EE glacier-wide rows).
        Files may be UTF-8 or Latin-1.
    generation
        ``upper`` or ``lower``; detected from the case of the columns when
        not given.
    wgms_id
        The glacier to read when the tables hold several.

    Returns
    -------
    dict
        ``glacier`` (a record dict) and, for the tables found, workbook
        sheets as DataFrames (:func:`mbpack.workbook.conform`) in canonical
        units: ``balance_years`` (from E / mass_balance), ``glacier_balance``
        (method ``reported``), ``band_balance``, ``point_balance`` and
        ``hypsometry``.

    Raises
    ------
    UnreadableWorkbook
        No table found, tables of both generations, several glaciers without
        ``wgms_id`` (or an id not present), or a date that is not a date.

    Notes
    -----
    A ``YYYYMMDD`` date with ``99`` for an unknown day (or month and day) is
    read as the first of the month (or of the year), the best date
    available, and a remark naming the column and the original text is
    added to the row's ``remarks``.  ``hypsometry`` comes from B-STATE, which
    holds the area and the lowest and highest elevation of each survey
    year only: one band per year from LOWEST_ELEVATION to
    HIGHEST_ELEVATION; the band areas of each balance year are in
    ``band_balance``.
    """
    where = str(path)
    frames: dict[str, pd.DataFrame] = {}
    generations: set[str] = set()
    for stem, (data, place) in _sources(Path(path)).items():
        frame = _read_csv(data, place)
        gen = generation or detect_generation(list(frame.columns))
        key = _table_key(stem, gen)
        if key in (UPPER if gen == "upper" else LOWER):
            frames[key] = frame
            generations.add(gen)
    if not frames:
        raise UnreadableWorkbook(f"{where}: no WGMS tables (CSV files named after them) found")
    if len(generations) > 1:
        raise UnreadableWorkbook(f"{where}: holds tables of both WGMS generations; read them apart")
    try:
        if generations == {"upper"}:
            return _read_upper(frames, wgms_id, where)
        return _read_lower(frames, wgms_id, where)
    except ValueError as exc:
        raise UnreadableWorkbook(f"{where}: {exc}") from None


def _select(frames: dict[str, pd.DataFrame], id_col: dict[str, str], wgms_id: int | None,
            where: str) -> dict[str, pd.DataFrame]:  # fmt: skip
    """The rows of one glacier in every table (all rows when the tables hold one)."""
    ids: set[int] = set()
    for key, frame in frames.items():
        if id_col[key] in frame:
            ids |= {int(float(v)) for v in frame[id_col[key]].dropna()}
    if wgms_id is None:
        if len(ids) > 1:
            raise UnreadableWorkbook(f"{where}: the tables hold {len(ids)} glaciers (WGMS ids "
                                     f"{', '.join(map(str, sorted(ids)[:10]))}...); choose one by WGMS id")  # fmt: skip
        return frames
    if wgms_id not in ids:
        raise UnreadableWorkbook(f"{where}: no glacier with WGMS id {wgms_id}; ids present: "
                                 f"{', '.join(map(str, sorted(ids)[:10])) or 'none'}")  # fmt: skip
    return {
        key: frame[pd.to_numeric(frame[id_col[key]], errors="coerce") == wgms_id].reset_index(
            drop=True
        )
        if id_col[key] in frame
        else frame
        for key, frame in frames.items()
    }


def _f(value: Any, factor: float = 1.0) -> float | None:
    """A number of a text cell times ``factor`` (``None`` when blank or not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number * factor


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _join(*parts: Any) -> str | None:
    """Remarks joined with ``; `` (``None`` when all are empty)."""
    text = "; ".join(p for p in parts if isinstance(p, str) and p)
    return text or None


def _dates(row: dict[str, Any], cols: tuple[str, ...]) -> tuple[list[date | None], str | None]:
    """Upper dates of a row and a remark for those with unknown parts."""
    values, notes = [], []
    for col in cols:
        value, note = parse_upper_date(row.get(col))
        values.append(value)
        if note:
            notes.append(f"{col} {note}")
    return values, _join(*notes)


def _table(sheet: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return conform(sheet, pd.DataFrame(rows, columns=schema.field_names(sheet)))


def _read_upper(frames: dict[str, pd.DataFrame], wgms_id: int | None, where: str) -> dict[str, Any]:
    frames = _select(frames, dict.fromkeys(frames, "WGMS_ID"), wgms_id, where)
    mm = unit_factor("upper", "EE-MASS_BALANCE", "ANNUAL_BALANCE", "kg m-2")
    pct = unit_factor("upper", "E-MASS_BALANCE_OVERVIEW", "AAR", "1")
    out: dict[str, Any] = {}
    first: dict[str, Any] = next((f.iloc[0].to_dict() for f in frames.values() if len(f)), {})
    a = frames.get("A-GLACIER")
    r = a.iloc[0].to_dict() if a is not None and len(a) else first
    glacier = {
        "name": _text(r.get("NAME")), "country": _text(r.get("POLITICAL_UNIT")),
        "wgms_id": None if _f(r.get("WGMS_ID")) is None else int(float(r["WGMS_ID"])),
        "latitude": _f(r.get("LATITUDE")), "longitude": _f(r.get("LONGITUDE")),
        "gen_location": _text(r.get("GEN_LOCATION")), "spec_location": _text(r.get("SPEC_LOCATION")),
        "primary_class": _f(r.get("PRIM_CLASSIFIC")), "form": _f(r.get("FORM")),
        "frontal_chars": _f(r.get("FRONTAL_CHARS")), "exposition_accumulation": _text(r.get("EXPOS_ACC_AREA")),
        "exposition_ablation": _text(r.get("EXPOS_ABL_AREA")), "parent_glacier": _f(r.get("PARENT_GLACIER")),
        "gtng_region": _text(r.get("GLACIER_REGION_CODE")), "gtng_subregion": _text(r.get("GLACIER_SUBREGION_CODE")),
        "rgi_id": _text(r.get("RGI_ID")), "remarks": _text(r.get("REMARKS")) if a is not None else None,
    }  # fmt: skip
    aa = frames.get("AA-GLACIER_ID_LUT")
    if aa is not None and len(aa):
        lut = aa.iloc[0].to_dict()
        glacier |= {"wgi_id": _text(lut.get("WGI_ID")), "glims_id": _text(lut.get("GLIMS_ID")),
                    "rgi_id": _text(lut.get("RGI60_ID")) or _text(lut.get("RGI50_ID"))}  # fmt: skip
    e = frames.get("E-MASS_BALANCE_OVERVIEW")
    overview: dict[int, dict[str, Any]] = {}
    if e is not None:
        years = []
        for row in e.to_dict("records"):
            (begin, winter, end), note = _dates(row, ("BEGIN_PERIOD", "END_WINTER", "END_PERIOD"))
            year = int(float(row["YEAR"]))
            overview[year] = row | {"dates": (begin, winter, end), "note": note}
            years.append({"year": year, "time_system": _text(row.get("TIME_SYSTEM")), "begin_date": begin,
                          "winter_end_date": winter, "end_date": end, "remarks": note})  # fmt: skip
        out["balance_years"] = _table("balance_years", years)
    ee = frames.get("EE-MASS_BALANCE")
    if ee is not None:
        lower, upper = _num(ee, "LOWER_BOUND"), _num(ee, "UPPER_BOUND")
        # 9999 rows, and rows without bounds (glacier-wide extracts), are glacier-wide
        wide = ((lower == GLACIER_WIDE) & (upper == GLACIER_WIDE)) | (lower.isna() & upper.isna())
        rows = []
        for row in ee[wide].to_dict("records"):
            year = int(float(row["YEAR"]))
            o = overview.get(year, {})
            begin, winter, end = o.get("dates", (None, None, None))
            rows.append({
                "year": year, "method": "reported", "begin_date": begin, "winter_end_date": winter,
                "end_date": end, **_read_balances(row, mm, upper=True), "ela": _f(o.get("ELA")),
                "ela_position": _text(o.get("ELA_PREFIX")), "ela_unc": _f(o.get("ELA_UNC")),
                "aar": _f(o.get("AAR"), pct), "area": _f(row.get("AREA")),
                "accumulation_area": _f(o.get("ACC_AREA")), "ablation_area": _f(o.get("ABL_AREA")),
                "remarks": _join(_text(row.get("REMARKS")), o.get("note")),
            })  # fmt: skip
        out["glacier_balance"] = _table("glacier_balance", rows)
        out["band_balance"] = _table("band_balance", [
            {"year": int(float(b["YEAR"])), "lower_elevation": _f(b["LOWER_BOUND"]),
             "upper_elevation": _f(b["UPPER_BOUND"]), "area": _f(b.get("AREA")),
             **_read_balances(b, mm, upper=True), "remarks": _text(b.get("REMARKS"))}
            for b in ee[~wide].to_dict("records")
        ])  # fmt: skip
    eee = frames.get("EEE-MASS_BALANCE_POINT")
    if eee is not None:
        codes = {v: k for k, v in UPPER_CODES.items()}
        points = []
        for p in eee.to_dict("records"):
            (start, stop), note = _dates(p, ("FROM_DATE", "TO_DATE"))
            points.append({
                "point_id": _text(p.get("POINT_ID")), "year": int(float(p["YEAR"])), "from_date": start,
                "to_date": stop, "balance_code": codes.get(p.get("BALANCE_CODE"), _text(p.get("BALANCE_CODE"))),
                "balance": _f(p.get("POINT_BALANCE"), mm), "balance_unc": _f(p.get("POINT_BALANCE_UNCERTAINTY"), mm),
                "density": _f(p.get("DENSITY")), "density_unc": _f(p.get("DENSITY_UNCERTAINTY")),
                "elevation": _f(p.get("POINT_ELEVATION")), "latitude": _f(p.get("POINT_LAT")),
                "longitude": _f(p.get("POINT_LON")), "remarks": _join(_text(p.get("REMARKS")), note),
            })  # fmt: skip
        out["point_balance"] = _table("point_balance", points)
    b = frames.get("B-STATE")
    if b is not None and len(b):
        state = b.assign(_year=_num(b, "YEAR")).sort_values("_year")
        out["hypsometry"] = _table("hypsometry", [
            {"year": int(s["_year"]), "lower_elevation": _f(s.get("LOWEST_ELEVATION")),
             "upper_elevation": _f(s.get("HIGHEST_ELEVATION")), "area": _f(s.get("AREA"))}
            for s in state.to_dict("records")
            if None not in (_f(s.get("LOWEST_ELEVATION")), _f(s.get("HIGHEST_ELEVATION")), _f(s.get("AREA")))
        ])  # fmt: skip
        glacier["area"] = (
            _f(state["AREA"].dropna().iloc[-1]) if state["AREA"].notna().any() else None
        )
    out["glacier"] = {k: v for k, v in glacier.items() if v is not None}
    return out


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce")


def _read_balances(row: dict[str, Any], factor: float, upper: bool) -> dict[str, float | None]:
    out = {}
    for name in ("winter_balance", "summer_balance", "annual_balance"):
        for key in (name, f"{name}_unc"):
            out[key] = _f(row.get(key.upper() if upper else key), factor)
    return out


def _d(value: Any, column: str) -> date | None:
    """An ISO date of a lower-generation cell (``None`` when blank)."""
    if (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or str(value).strip() == ""
    ):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a date YYYY-MM-DD") from None


def _read_lower(frames: dict[str, pd.DataFrame], wgms_id: int | None, where: str) -> dict[str, Any]:
    ids = {k: ("id" if k == "glacier" else "glacier_id") for k in frames}
    frames = _select(frames, ids, wgms_id, where)
    m_we = unit_factor("lower", "mass_balance", "annual_balance", "kg m-2")
    aar = unit_factor("lower", "mass_balance", "aar", "1")
    out: dict[str, Any] = {}
    glacier: dict[str, Any] = {}
    g = frames.get("glacier")
    if g is not None and len(g):
        row = g.iloc[0].to_dict()
        region = _text(row.get("gtng_region"))
        sub = region is not None and re.fullmatch(r"[A-Z]{3}-\d{2}", region) is not None
        glacier = {
            "name": _text(row.get("short_name")), "country": _text(row.get("country")),
            "wgms_id": None if _f(row.get("id")) is None else int(float(row["id"])),
            "latitude": _f(row.get("latitude")), "longitude": _f(row.get("longitude")),
            "gtng_region": region[:3] if sub and region else region, "gtng_subregion": region if sub else None,
            "glims_id": _text(row.get("glims_id")), "wgi_id": _text(row.get("wgi_id")),
            "rgi_id": _text(row.get("rgi60_ids")) or _text(row.get("rgi70_ids")) or _text(row.get("rgi50_ids")),
            "parent_glacier": _f(row.get("parent_glacier_id")), "references": _text(row.get("references")),
            "remarks": _text(row.get("remarks")),
        }  # fmt: skip
    inverse = {v: k for k, v in ELA_POSITION.items()}
    mb = frames.get("mass_balance")
    if mb is not None:
        records = mb.to_dict("records")
        if not glacier and records:
            glacier = {"name": _text(records[0].get("glacier_name")), "country": _text(records[0].get("country")),
                       "wgms_id": None if _f(records[0].get("glacier_id")) is None
                       else int(float(records[0]["glacier_id"]))}  # fmt: skip
        out["balance_years"] = _table("balance_years", [
            {"year": int(float(r["year"])), "time_system": _text(r.get("time_system")),
             "begin_date": _d(r.get("begin_date"), "begin_date"),
             "winter_end_date": _d(r.get("midseason_date"), "midseason_date"),
             "end_date": _d(r.get("end_date"), "end_date")}
            for r in records
        ])  # fmt: skip
        out["glacier_balance"] = _table("glacier_balance", [
            {"year": int(float(r["year"])), "method": "reported", "begin_date": _d(r.get("begin_date"), "begin_date"),
             "winter_end_date": _d(r.get("midseason_date"), "midseason_date"),
             "end_date": _d(r.get("end_date"), "end_date"), **_read_balances(r, m_we, upper=False),
             "ela": _f(r.get("ela")), "ela_unc": _f(r.get("ela_unc")),
             "ela_position": inverse.get(r.get("ela_position")), "aar": _f(r.get("aar"), aar),
             "area": _f(r.get("area")), "remarks": _text(r.get("remarks"))}
            for r in records
        ])  # fmt: skip
    band = frames.get("mass_balance_band")
    if band is not None:
        out["band_balance"] = _table("band_balance", [
            {"year": int(float(r["year"])), "lower_elevation": _f(r.get("lower_elevation")),
             "upper_elevation": _f(r.get("upper_elevation")), "area": _f(r.get("area")),
             **_read_balances(r, m_we, upper=False), "remarks": _text(r.get("remarks"))}
            for r in band.to_dict("records")
        ])  # fmt: skip
    pt = frames.get("mass_balance_point")
    if pt is not None:
        out["point_balance"] = _table("point_balance", [
            {"point_id": _text(r.get("id")), "year": int(float(r["year"])),
             "from_date": _d(r.get("begin_date"), "begin_date"), "to_date": _d(r.get("end_date"), "end_date"),
             "balance_code": _text(r.get("balance_code")), "balance": _f(r.get("balance"), m_we),
             "balance_unc": _f(r.get("balance_unc"), m_we), "density": _f(r.get("density")),
             "density_unc": _f(r.get("density_unc")), "elevation": _f(r.get("elevation")),
             "latitude": _f(r.get("latitude")), "longitude": _f(r.get("longitude")),
             "source": r.get("method") if r.get("method") in ("stake", "pit", "probe") else None,
             "remarks": _text(r.get("remarks"))}
            for r in pt.to_dict("records")
        ])  # fmt: skip
    out["glacier"] = {k: v for k, v in glacier.items() if v is not None}
    return out

"""WGMS Fluctuations of Glaciers (FoG) tables, both generations: write, read, check.

* **upper** case (releases up to 2024-01): ``A-GLACIER``, ``AA-GLACIER_ID_LUT``,
  ``B-STATE``, ``E-MASS_BALANCE_OVERVIEW``, ``EE-MASS_BALANCE`` (with the
  glacier-wide row at LOWER_BOUND = UPPER_BOUND = 9999) and
  ``EE-MASS_BALANCE_POINT``; balances in mm w.e. (integers), dates
  ``YYYYMMDD`` with ``99`` for unknown parts, AAR in %;
* **lower** case (releases 2025-02 and later): ``glacier``, ``mass_balance``,
  ``mass_balance_band``, ``mass_balance_point``; balances in m w.e., ISO
  dates, AAR as a fraction.

Their Table Schemas are ``schemas/wgms/upper/*.json`` and
``schemas/wgms/lower/*.json``.  Units change here, at the edge: inside
mbpack balances are kg m-2 (= mm w.e.).

The enumerations of the lower generation's ``ela_position``, ``method`` and
``balance_code`` were not confirmed from a primary WGMS source; they are
:data:`LOWER_ENUMS`, kept in this one place (a test checks the schemas
agree) so that they are easy to correct.

Files are written in UTF-8: the 2022-09 to 2024-01 releases and the
current ones are UTF-8; readers of the older Latin-1 files are handled by
:func:`read_wgms`, which tries UTF-8 first and falls back to Latin-1.
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

from mbpack import schema
from mbpack.errors import MissingMetadata, UnreadableWorkbook
from mbpack.workbook import Workbook

Generation = Literal["upper", "lower"]

UPPER = ("A-GLACIER", "AA-GLACIER_ID_LUT", "B-STATE", "E-MASS_BALANCE_OVERVIEW", "EE-MASS_BALANCE",
         "EEE-MASS_BALANCE_POINT")  # fmt: skip
LOWER = ("glacier", "mass_balance", "mass_balance_band", "mass_balance_point")

#: Enumerations of the lower generation not confirmed from a primary source (see module notes).
LOWER_ENUMS: dict[str, list[str]] = {
    "ela_position": ["below", "above"],
    "method": ["stake", "pit", "probe", "other"],
    "balance_code": ["annual", "winter", "summer"],
    "time_system": ["FLO", "FXD", "STR", "COM", "OTH"],
}
#: mbpack balance codes → upper-generation BALANCE_CODE.
UPPER_CODES = {"winter": "BW", "summer": "BS", "annual": "BA", "index": "IN"}
#: ELA position: mbpack / upper ('<', '>') → lower.
ELA_POSITION = {"<": "below", ">": "above"}
GLACIER_WIDE = 9999


def load(generation: Generation, table: str) -> dict[str, Any]:
    """The Table Schema of one WGMS table."""
    path = schema.data_path("schemas") / "wgms" / generation / f"{table}.json"
    descriptor: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return descriptor


def columns(generation: Generation, table: str) -> list[str]:
    return [f["name"] for f in load(generation, table)["fields"]]


def transliterate(name: str) -> str:
    """A glacier name in WGMS capitals: ASCII, upper case, single spaces.

    >>> transliterate("Glacier No. 51, Kuitun  River")
    'GLACIER NO. 51, KUITUN RIVER'
    >>> transliterate("Grosser Aletschgletscher (Märjelen)")
    'GROSSER ALETSCHGLETSCHER (MARJELEN)'
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.upper().split())[:60]


def clean_text(value: Any) -> str | None:
    """Free text without leading, trailing or double spaces (WGMS rule)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
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
    """A ``YYYYMMDD`` date where ``99`` marks an unknown month or day.

    Unknown parts become the first month or day; the second value says so.

    >>> parse_upper_date("20100199")
    (datetime.date(2010, 1, 1), 'day unknown in 20100199')
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return None, None
    raw = str(text).strip().split(".")[0]
    if not re.fullmatch(r"\d{8}", raw):
        raise ValueError(f"{text!r} is not a WGMS date (YYYYMMDD)")
    year, month, day = int(raw[:4]), int(raw[4:6]), int(raw[6:])
    note = None
    if month == 99:
        month, day, note = 1, 1, f"month and day unknown in {raw}"
    elif day == 99:
        day, note = 1, f"day unknown in {raw}"
    return date(year, month, day), note


def missing_metadata(workbook: Workbook) -> list[str]:
    """Fields a WGMS submission needs that the workbook leaves empty, as ``sheet!field: why``."""
    g = workbook.record("glacier")
    out = []
    for field, why in (("name", "the glacier name"), ("country", "POLITICAL_UNIT"), ("latitude", "LATITUDE"),
                       ("longitude", "LONGITUDE"), ("wgms_id", "the WGMS glacier id (WGMS assigns it to a glacier "
                                                                  "new to the database; the tables are written without it)")):  # fmt: skip
        if g.get(field) is None:
            out.append(f"glacier!{field} is empty: WGMS tables need {why}")
    if g.get("name") is not None and not transliterate(str(g["name"])):
        out.append(
            "glacier!name has no ASCII transliteration: give the name in Latin letters for WGMS"
        )
    return out


def _mm(value: Any) -> Any:
    return None if value is None or pd.isna(value) else round(float(value))


def _m(value: Any) -> Any:
    return None if value is None or pd.isna(value) else round(float(value) / 1000.0, 3)


def _int(value: Any) -> Any:
    return None if value is None or pd.isna(value) else round(float(value))


def _pick(glacier_balance: pd.DataFrame, method: str) -> pd.DataFrame:
    """Rows of one method (or the reported ones where that method is absent)."""
    if glacier_balance.empty:
        return glacier_balance
    chosen = glacier_balance[glacier_balance["method"] == method]
    if chosen.empty:
        chosen = glacier_balance[
            glacier_balance["method"].isna() | (glacier_balance["method"] == "reported")
        ]
    return chosen.sort_values("year")


def wgms_tables(workbook: Workbook, generation: Generation, *, results: Any = None,
                method: str = "band") -> dict[str, pd.DataFrame]:  # fmt: skip
    """The WGMS tables of a workbook (and its computed results) in one generation.

    Parameters
    ----------
    workbook
        Glacier, balance years and hypsometry come from here, and the result
        sheets when ``results`` is not given.
    results
        :class:`mbpack.compute.Results` (``glacier_balance``, ``band_balance``,
        ``point_balance``).
    method
        Which glacier-wide method's rows to submit (``band`` or ``contour``);
        reported rows are used where the method has none.

    Raises
    ------
    MissingMetadata
        When the glacier's name, country or position is missing.
    """
    problems = [p for p in missing_metadata(workbook) if "wgms_id" not in p]
    if problems:
        raise MissingMetadata("; ".join(problems))
    g = workbook.record("glacier")
    points = _with_lonlat(points_of(results, workbook), g.get("crs"))
    gb = _pick(
        results.glacier_balance if results is not None else workbook["glacier_balance"], method
    )
    bands = results.band_balance if results is not None else workbook["band_balance"]
    years = workbook["balance_years"].set_index("year")
    if generation == "upper":
        return _upper(g, gb, bands, points, years, workbook["hypsometry"])
    if generation == "lower":
        return _lower(g, gb, bands, points, years)
    raise ValueError(f"generation={generation!r} is invalid; choices: 'upper', 'lower'")


#: pandas dtype written for each Table Schema type (integers stay integers next to blanks).
_CSV_DTYPES = {"integer": "Int64", "number": "Float64", "string": "object", "date": "object"}


def points_of(results: Any, workbook: Workbook) -> pd.DataFrame:
    return results.point_balance if results is not None else workbook["point_balance"]


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


def _frame(generation: Generation, table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    fields = load(generation, table)["fields"]
    frame = pd.DataFrame(rows, columns=[f["name"] for f in fields])
    for f in fields:
        col = frame[f["name"]].astype(object).where(frame[f["name"]].notna(), None)
        frame[f["name"]] = (
            col.astype(_CSV_DTYPES[f["type"]]) if f["type"] in ("integer", "number") else col
        )
    return frame


def _upper(g: dict[str, Any], gb: pd.DataFrame, bands: pd.DataFrame, points: pd.DataFrame, years: pd.DataFrame,
           hyps: pd.DataFrame) -> dict[str, pd.DataFrame]:  # fmt: skip
    name = transliterate(str(g["name"]))
    base = {"POLITICAL_UNIT": g["country"], "NAME": name, "WGMS_ID": g.get("wgms_id")}
    remark = None if g.get("wgms_id") is not None else "WGMS_ID to be assigned by WGMS"
    out: dict[str, pd.DataFrame] = {}
    out["A-GLACIER"] = _frame("upper", "A-GLACIER", [{
        **base, "GEN_LOCATION": clean_text(g.get("gen_location")), "SPEC_LOCATION": clean_text(g.get("spec_location")),
        "LATITUDE": round(float(g["latitude"]), 6), "LONGITUDE": round(float(g["longitude"]), 6),
        "PRIM_CLASSIFIC": g.get("primary_class"), "FORM": g.get("form"), "FRONTAL_CHARS": g.get("frontal_chars"),
        "EXPOS_ACC_AREA": g.get("exposition_accumulation"), "EXPOS_ABL_AREA": g.get("exposition_ablation"),
        "PARENT_GLACIER": g.get("parent_glacier"), "GLACIER_REGION_CODE": g.get("gtng_region"),
        "GLACIER_SUBREGION_CODE": g.get("gtng_subregion"), "REMARKS": clean_text(g.get("remarks") or remark),
    }])  # fmt: skip
    out["AA-GLACIER_ID_LUT"] = _frame("upper", "AA-GLACIER_ID_LUT", [{
        **base, "WGI_ID": g.get("wgi_id"), "GLIMS_ID": g.get("glims_id"),
        "RGI60_ID": g.get("rgi_id") if str(g.get("rgi_id") or "").startswith("RGI60") else None,
    }])  # fmt: skip
    people = {"INVESTIGATOR": clean_text(g.get("investigators")), "SPONS_AGENCY": clean_text(g.get("agencies")),
              "REFERENCE": clean_text(g.get("references"))}  # fmt: skip
    state = []
    for year, h in hyps.groupby("year"):
        area = h["area"].sum()
        cum = h.sort_values("lower_elevation")["area"].cumsum().to_numpy() / area
        lows = h.sort_values("lower_elevation")
        median = float(np.interp(0.5, np.concatenate([[0.0], cum]), np.concatenate(
            [[lows["lower_elevation"].iloc[0]], lows["upper_elevation"].to_numpy()])))  # fmt: skip
        state.append({**base, "YEAR": int(year), "HIGHEST_ELEVATION": float(h["upper_elevation"].max()),
                      "MEDIAN_ELEVATION": round(median), "LOWEST_ELEVATION": float(h["lower_elevation"].min()),
                      "AREA": round(float(area), 6), **people})  # fmt: skip
    out["B-STATE"] = _frame("upper", "B-STATE", state)
    overview, balance = [], []
    for r in gb.itertuples():
        y = years.loc[r.year] if r.year in years.index else None
        begin = (
            r.begin_date if pd.notna(r.begin_date) else (y["begin_date"] if y is not None else None)
        )
        winter = (
            r.winter_end_date
            if pd.notna(r.winter_end_date)
            else (y["winter_end_date"] if y is not None else None)
        )
        end = r.end_date if pd.notna(r.end_date) else (y["end_date"] if y is not None else None)
        extra = r._asdict()
        overview.append({
            **base, "YEAR": int(r.year), "TIME_SYSTEM": y["time_system"] if y is not None else "OTH",
            "BEGIN_PERIOD": upper_date(begin), "END_WINTER": upper_date(winter), "END_PERIOD": upper_date(end),
            "ELA_PREFIX": r.ela_position if isinstance(r.ela_position, str) else None, "ELA": _int(r.ela),
            "ELA_UNC": _int(r.ela_unc), "MIN_SITES_ACC": _int(extra.get("min_sites_acc")),
            "MAX_SITES_ACC": _int(extra.get("max_sites_acc")), "MIN_SITES_ABL": _int(extra.get("min_sites_abl")),
            "MAX_SITES_ABL": _int(extra.get("max_sites_abl")),
            "ACC_AREA": None if pd.isna(r.accumulation_area) else round(float(r.accumulation_area), 6),
            "ABL_AREA": None if pd.isna(r.ablation_area) else round(float(r.ablation_area), 6),
            "AAR": None if pd.isna(r.aar) else round(float(r.aar) * 100), **people,
            "REMARKS": clean_text(r.remarks),
        })  # fmt: skip
        year_bands = (
            bands[bands["year"] == r.year].sort_values("lower_elevation")
            if not bands.empty
            else bands
        )
        for b in year_bands.itertuples():
            balance.append({**base, "YEAR": int(r.year), "LOWER_BOUND": _int(b.lower_elevation),
                            "UPPER_BOUND": _int(b.upper_elevation),
                            "AREA": None if pd.isna(b.area) else round(float(b.area), 6),
                            "WINTER_BALANCE": _mm(b.winter_balance), "SUMMER_BALANCE": _mm(b.summer_balance),
                            "ANNUAL_BALANCE": _mm(b.annual_balance)})  # fmt: skip
        balance.append({**base, "YEAR": int(r.year), "LOWER_BOUND": GLACIER_WIDE, "UPPER_BOUND": GLACIER_WIDE,
                        "AREA": None if pd.isna(r.area) else round(float(r.area), 6),
                        "WINTER_BALANCE": _mm(r.winter_balance), "WINTER_BALANCE_UNC": _mm(r.winter_balance_unc),
                        "SUMMER_BALANCE": _mm(r.summer_balance), "SUMMER_BALANCE_UNC": _mm(r.summer_balance_unc),
                        "ANNUAL_BALANCE": _mm(r.annual_balance), "ANNUAL_BALANCE_UNC": _mm(r.annual_balance_unc),
                        "REMARKS": clean_text(f"glacier-wide, {r.method} method" if isinstance(r.method, str) else None)})  # fmt: skip
    out["E-MASS_BALANCE_OVERVIEW"] = _frame("upper", "E-MASS_BALANCE_OVERVIEW", overview)
    out["EE-MASS_BALANCE"] = _frame("upper", "EE-MASS_BALANCE", balance)
    done = set(gb["year"].astype(int)) if not gb.empty else set()
    pts = points[points["year"].isin(done)] if not points.empty else points
    out["EEE-MASS_BALANCE_POINT"] = _frame("upper", "EEE-MASS_BALANCE_POINT", [
        {**base, "YEAR": int(p.year), "POINT_ID": str(p.point_id), "FROM_DATE": upper_date(p.from_date),
         "TO_DATE": upper_date(p.to_date), "POINT_LAT": None if pd.isna(p.latitude) else round(float(p.latitude), 6),
         "POINT_LON": None if pd.isna(p.longitude) else round(float(p.longitude), 6),
         "POINT_ELEVATION": None if pd.isna(p.elevation) else round(float(p.elevation), 1),
         "POINT_BALANCE": _mm(p.balance), "POINT_BALANCE_UNCERTAINTY": _mm(p.balance_unc),
         "DENSITY": _int(p.density), "DENSITY_UNCERTAINTY": _int(p.density_unc),
         "BALANCE_CODE": UPPER_CODES[p.balance_code], "REMARKS": clean_text(p.remarks)}
        for p in pts.itertuples()
    ])  # fmt: skip
    return out


def _lower(g: dict[str, Any], gb: pd.DataFrame, bands: pd.DataFrame, points: pd.DataFrame,
           years: pd.DataFrame) -> dict[str, pd.DataFrame]:  # fmt: skip
    name = str(g["name"])
    base = {"country": g["country"], "glacier_name": name, "glacier_id": g.get("wgms_id")}
    people = {"investigators": clean_text(g.get("investigators")), "agencies": clean_text(g.get("agencies")),
              "references": clean_text(g.get("references"))}  # fmt: skip
    out: dict[str, pd.DataFrame] = {}
    out["glacier"] = _frame("lower", "glacier", [{
        "id": g.get("wgms_id"), "country": g["country"], "short_name": name, "latitude": round(float(g["latitude"]), 6),
        "longitude": round(float(g["longitude"]), 6),
        "gtng_region": g.get("gtng_subregion") or g.get("gtng_region"), "glims_id": g.get("glims_id"),
        "rgi60_ids": g.get("rgi_id"), "wgi_id": g.get("wgi_id"), "parent_glacier_id": g.get("parent_glacier"),
        "references": people["references"], "remarks": clean_text(g.get("remarks")),
    }])  # fmt: skip
    rows, band_rows = [], []
    for r in gb.itertuples():
        y = years.loc[r.year] if r.year in years.index else None
        rows.append({
            **base, "year": int(r.year), "time_system": y["time_system"] if y is not None else "OTH",
            "begin_date": _iso(r.begin_date if pd.notna(r.begin_date) else (y["begin_date"] if y is not None else None)),
            "midseason_date": _iso(r.winter_end_date if pd.notna(r.winter_end_date) else
                                   (y["winter_end_date"] if y is not None else None)),
            "end_date": _iso(r.end_date if pd.notna(r.end_date) else (y["end_date"] if y is not None else None)),
            "winter_balance": _m(r.winter_balance), "winter_balance_unc": _m(r.winter_balance_unc),
            "summer_balance": _m(r.summer_balance), "summer_balance_unc": _m(r.summer_balance_unc),
            "annual_balance": _m(r.annual_balance), "annual_balance_unc": _m(r.annual_balance_unc),
            "ela_position": ELA_POSITION.get(r.ela_position) if isinstance(r.ela_position, str) else None,
            "ela": None if pd.isna(r.ela) else round(float(r.ela)), "ela_unc": None if pd.isna(r.ela_unc) else float(r.ela_unc),
            "aar": None if pd.isna(r.aar) else round(float(r.aar), 3), "area": None if pd.isna(r.area) else round(float(r.area), 6),
            **people, "remarks": clean_text(f"{r.method} method" if isinstance(r.method, str) else None),
        })  # fmt: skip
        year_bands = (
            bands[bands["year"] == r.year].sort_values("lower_elevation")
            if not bands.empty
            else bands
        )
        for b in year_bands.itertuples():
            band_rows.append({**base, "year": int(r.year), "lower_elevation": float(b.lower_elevation),
                              "upper_elevation": float(b.upper_elevation),
                              "area": None if pd.isna(b.area) else round(float(b.area), 6),
                              "winter_balance": _m(b.winter_balance), "summer_balance": _m(b.summer_balance),
                              "annual_balance": _m(b.annual_balance)})  # fmt: skip
    out["mass_balance"] = _frame("lower", "mass_balance", rows)
    out["mass_balance_band"] = _frame("lower", "mass_balance_band", band_rows)
    done = set(gb["year"].astype(int)) if not gb.empty else set()
    pts = (
        points[points["year"].isin(done) & (points["balance_code"] != "index")]
        if not points.empty
        else points
    )
    out["mass_balance_point"] = _frame("lower", "mass_balance_point", [
        {**base, "year": int(p.year), "id": str(p.point_id), "original_id": str(p.point_id),
         "time_system": years.loc[p.year, "time_system"] if p.year in years.index else None,
         "begin_date": _iso(p.from_date), "end_date": _iso(p.to_date),
         "latitude": None if pd.isna(p.latitude) else round(float(p.latitude), 6),
         "longitude": None if pd.isna(p.longitude) else round(float(p.longitude), 6),
         "elevation": None if pd.isna(p.elevation) else round(float(p.elevation), 1),
         "balance": _m(p.balance), "balance_unc": _m(p.balance_unc),
         "density": None if pd.isna(p.density) else float(p.density),
         "density_unc": None if pd.isna(p.density_unc) else float(p.density_unc),
         "method": p.source if isinstance(p.source, str) else None, "balance_code": p.balance_code,
         "remarks": clean_text(p.remarks)}
        for p in pts.itertuples()
    ])  # fmt: skip
    return out


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def write_wgms(tables: dict[str, pd.DataFrame], directory: str | os.PathLike[str],
               generation: Generation) -> list[Path]:  # fmt: skip
    """Write the tables as CSV, atomically: upper as ``<TABLE>.csv``, lower as ``data/<table>.csv``
    with a ``datapackage.json`` describing them with their Table Schemas."""
    from mbpack.atomic import atomic_folder

    target = Path(directory)
    with atomic_folder(target) as tmp:
        written = []
        sub = tmp / "data" if generation == "lower" else tmp
        sub.mkdir(exist_ok=True)
        for name, frame in tables.items():
            path = sub / f"{name}.csv"
            frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
            written.append(path)
        if generation == "lower":
            package = {
                "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
                "name": "wgms-fog-submission", "title": "WGMS FoG submission (lower-case generation)",
                "resources": [{"name": n, "path": f"data/{n}.csv", "format": "csv",
                               "mediatype": "text/csv", "encoding": "utf-8", "schema": _resource_schema("lower", n)}
                              for n in tables],
            }  # fmt: skip
            (tmp / "datapackage.json").write_text(
                json.dumps(package, indent=2, ensure_ascii=False) + "\n", "utf-8"
            )
    return [target / p.relative_to(tmp) for p in written]


def _resource_schema(generation: Generation, table: str) -> dict[str, Any]:
    descriptor = dict(load(generation, table))
    for key in ("name", "title", "description"):
        descriptor.pop(key, None)
    return descriptor


def detect_generation(header: list[str]) -> Generation:
    """``upper`` when the columns are upper case (POLITICAL_UNIT, WGMS_ID ...), else ``lower``."""
    letters = "".join(h for h in header if h)
    return (
        "upper"
        if letters.isupper() or any(h in ("WGMS_ID", "POLITICAL_UNIT", "YEAR") for h in header)
        else "lower"
    )


def _read_csv(data: bytes, where: str) -> pd.DataFrame:
    for encoding in ("utf-8", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UnreadableWorkbook(f"{where}: not a readable CSV table ({exc})") from None


def _sources(path: Path) -> dict[str, tuple[bytes, str]]:
    """CSV files of a folder, a zip or a single file: table key → (bytes, where)."""
    found: dict[str, tuple[bytes, str]] = {}
    if path.is_dir():
        for f in sorted(path.rglob("*.csv")):
            found[f.stem] = (f.read_bytes(), str(f))
    elif zipfile.is_zipfile(path):
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
    """Which WGMS table a file holds, from its name (``WGMS-FoG-2021-05-EE-MASS-BALANCE`` → EE-MASS_BALANCE)."""
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
    """Read WGMS tables of either generation back into workbook tables.

    Returns ``glacier`` (a record), ``balance_years``, ``glacier_balance``
    (method ``reported``), ``band_balance``, ``point_balance`` and
    ``hypsometry`` (from B-STATE areas, when present) in canonical units.
    A table holding several glaciers needs ``wgms_id`` to pick one.
    """
    raw = {k: _read_csv(data, where) for k, (data, where) in _sources(Path(path)).items()}
    if not raw:
        raise UnreadableWorkbook(f"{path}: no WGMS tables (CSV files) found")
    gen = generation or detect_generation(list(next(iter(raw.values())).columns))
    frames = {_table_key(k, gen): v for k, v in raw.items()}
    if gen == "upper":
        return _read_upper(frames, wgms_id, str(path))
    return _read_lower(frames, wgms_id, str(path))


def _select(frame: pd.DataFrame, id_col: str, wgms_id: int | None, where: str) -> pd.DataFrame:
    if id_col not in frame.columns:
        return frame
    ids = frame[id_col].dropna().unique()
    if wgms_id is not None:
        return frame[frame[id_col].astype(float) == float(wgms_id)]
    if len(ids) > 1:
        raise UnreadableWorkbook(
            f"{where}: tables hold {len(ids)} glaciers ({', '.join(ids[:5])}...); choose one by WGMS id"
        )
    return frame


def _num(series: pd.Series | None, factor: float = 1.0) -> pd.Series:
    return (
        pd.to_numeric(series, errors="coerce") * factor
        if series is not None
        else pd.Series(dtype=float)
    )


def _read_upper(frames: dict[str, pd.DataFrame], wgms_id: int | None, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    a = frames.get("A-GLACIER")
    glacier: dict[str, Any] = {}
    if a is not None:
        a = _select(a, "WGMS_ID", wgms_id, where).iloc[0]
        glacier = {"name": a.get("NAME"), "country": a.get("POLITICAL_UNIT"),
                   "wgms_id": None if pd.isna(a.get("WGMS_ID")) else int(float(a["WGMS_ID"])),
                   "latitude": _f(a.get("LATITUDE")), "longitude": _f(a.get("LONGITUDE")),
                   "gen_location": a.get("GEN_LOCATION"), "spec_location": a.get("SPEC_LOCATION"),
                   "gtng_region": a.get("GLACIER_REGION_CODE"), "gtng_subregion": a.get("GLACIER_SUBREGION_CODE"),
                   "exposition_accumulation": a.get("EXPOS_ACC_AREA"), "exposition_ablation": a.get("EXPOS_ABL_AREA"),
                   "remarks": a.get("REMARKS")}  # fmt: skip
    aa = frames.get("AA-GLACIER_ID_LUT")
    if aa is not None and len(aa):
        row = _select(aa, "WGMS_ID", wgms_id, where).iloc[0]
        glacier |= {
            "wgi_id": row.get("WGI_ID"),
            "glims_id": row.get("GLIMS_ID"),
            "rgi_id": row.get("RGI60_ID"),
        }
    e = frames.get("E-MASS_BALANCE_OVERVIEW")
    ee = frames.get("EE-MASS_BALANCE")
    eee = frames.get("EEE-MASS_BALANCE_POINT")
    years, gb_rows = [], []
    overview = _select(e, "WGMS_ID", wgms_id, where) if e is not None else None
    if overview is not None:
        for r in overview.itertuples():
            begin, n1 = parse_upper_date(r.BEGIN_PERIOD)
            winter, n2 = parse_upper_date(getattr(r, "END_WINTER", None))
            end, n3 = parse_upper_date(r.END_PERIOD)
            notes = "; ".join(n for n in (n1, n2, n3) if n) or None
            years.append({"year": int(r.YEAR), "time_system": r.TIME_SYSTEM, "begin_date": begin,
                          "winter_end_date": winter, "end_date": end, "remarks": notes})  # fmt: skip
        out["balance_years"] = years
    if ee is not None:
        ee = _select(ee, "WGMS_ID", wgms_id, where)
        lower, upper = _num(ee.get("LOWER_BOUND")), _num(ee.get("UPPER_BOUND"))
        wide = ee[(lower == GLACIER_WIDE) & (upper == GLACIER_WIDE)] if "LOWER_BOUND" in ee else ee
        bands = (
            ee[~((lower == GLACIER_WIDE) & (upper == GLACIER_WIDE))]
            if "LOWER_BOUND" in ee
            else ee.iloc[0:0]
        )
        ov = overview.set_index(overview["YEAR"].astype(int)) if overview is not None else None
        for r in wide.itertuples(index=False):
            row = r._asdict()
            year = int(float(row["YEAR"]))
            o = ov.loc[year] if ov is not None and year in ov.index else None
            gb_rows.append({
                "year": year, "method": "reported",
                "winter_balance": _f(row.get("WINTER_BALANCE")), "winter_balance_unc": _f(row.get("WINTER_BALANCE_UNC")),
                "summer_balance": _f(row.get("SUMMER_BALANCE")), "summer_balance_unc": _f(row.get("SUMMER_BALANCE_UNC")),
                "annual_balance": _f(row.get("ANNUAL_BALANCE")), "annual_balance_unc": _f(row.get("ANNUAL_BALANCE_UNC")),
                "area": _f(row.get("AREA")), "remarks": row.get("REMARKS"),
                "ela": _f(o["ELA"]) if o is not None else None,
                "ela_position": o["ELA_PREFIX"] if o is not None and isinstance(o["ELA_PREFIX"], str) else None,
                "aar": _f(o["AAR"], 0.01) if o is not None else None,
                "accumulation_area": _f(o["ACC_AREA"]) if o is not None else None,
                "ablation_area": _f(o["ABL_AREA"]) if o is not None else None,
                "begin_date": parse_upper_date(o["BEGIN_PERIOD"])[0] if o is not None else None,
                "winter_end_date": parse_upper_date(o["END_WINTER"])[0] if o is not None else None,
                "end_date": parse_upper_date(o["END_PERIOD"])[0] if o is not None else None,
            })  # fmt: skip
        out["band_balance"] = [
            {"year": int(float(b["YEAR"])), "lower_elevation": _f(b["LOWER_BOUND"]), "upper_elevation": _f(b["UPPER_BOUND"]),
             "area": _f(b.get("AREA")), "winter_balance": _f(b.get("WINTER_BALANCE")),
             "summer_balance": _f(b.get("SUMMER_BALANCE")), "annual_balance": _f(b.get("ANNUAL_BALANCE"))}
            for b in bands.to_dict("records")
        ]  # fmt: skip
        out["glacier_balance"] = gb_rows
    if eee is not None:
        eee = _select(eee, "WGMS_ID", wgms_id, where)
        codes = {v: k for k, v in UPPER_CODES.items()}
        out["point_balance"] = [
            {"point_id": p["POINT_ID"], "year": int(float(p["YEAR"])), "from_date": parse_upper_date(p["FROM_DATE"])[0],
             "to_date": parse_upper_date(p["TO_DATE"])[0], "balance_code": codes.get(p["BALANCE_CODE"], p["BALANCE_CODE"]),
             "balance": _f(p["POINT_BALANCE"]), "balance_unc": _f(p.get("POINT_BALANCE_UNCERTAINTY")),
             "density": _f(p.get("DENSITY")), "density_unc": _f(p.get("DENSITY_UNCERTAINTY")),
             "elevation": _f(p.get("POINT_ELEVATION")), "latitude": _f(p.get("POINT_LAT")),
             "longitude": _f(p.get("POINT_LON")), "remarks": p.get("REMARKS")}
            for p in eee.to_dict("records")
        ]  # fmt: skip
    b = frames.get("B-STATE")
    if b is not None and len(b):
        b = _select(b, "WGMS_ID", wgms_id, where)
        glacier.setdefault("area", _f(b.sort_values("YEAR")["AREA"].iloc[-1]))
    if (
        not glacier and ee is not None and len(ee)
    ):  # a lone glacier-wide table (e.g. an FoG extract)
        first = ee.iloc[0]
        glacier = {"name": first.get("NAME"), "country": first.get("POLITICAL_UNIT"),
                   "wgms_id": int(float(first["WGMS_ID"])) if "WGMS_ID" in ee and pd.notna(first["WGMS_ID"]) else None}  # fmt: skip
    out["glacier"] = {
        k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in glacier.items()
    }
    return out


def _read_lower(frames: dict[str, pd.DataFrame], wgms_id: int | None, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    g = frames.get("glacier")
    glacier: dict[str, Any] = {}
    if g is not None and len(g):
        row = _select(g, "id", wgms_id, where).iloc[0]
        glacier = {"name": row.get("short_name"), "country": row.get("country"),
                   "wgms_id": None if pd.isna(row.get("id")) else int(float(row["id"])),
                   "latitude": _f(row.get("latitude")), "longitude": _f(row.get("longitude")),
                   "glims_id": row.get("glims_id"), "rgi_id": row.get("rgi60_ids"), "wgi_id": row.get("wgi_id"),
                   "references": row.get("references"), "remarks": row.get("remarks")}  # fmt: skip
        glacier = {
            k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in glacier.items()
        }
    inverse = {v: k for k, v in ELA_POSITION.items()}
    mb = frames.get("mass_balance")
    if mb is not None:
        mb = _select(mb, "glacier_id", wgms_id, where)
        out["balance_years"] = [{"year": int(r["year"]), "time_system": r["time_system"], "begin_date": _d(r["begin_date"]),
                                 "winter_end_date": _d(r.get("midseason_date")), "end_date": _d(r["end_date"])}
                                for r in mb.to_dict("records")]  # fmt: skip
        out["glacier_balance"] = [
            {"year": int(r["year"]), "method": "reported", "begin_date": _d(r["begin_date"]),
             "winter_end_date": _d(r.get("midseason_date")), "end_date": _d(r["end_date"]),
             **{k: _f(r.get(k), 1000.0) for k in ("winter_balance", "winter_balance_unc", "summer_balance",
                                                  "summer_balance_unc", "annual_balance", "annual_balance_unc")},
             "ela": _f(r.get("ela")), "ela_unc": _f(r.get("ela_unc")), "ela_position": inverse.get(r.get("ela_position")),
             "aar": _f(r.get("aar")), "area": _f(r.get("area")), "remarks": r.get("remarks")}
            for r in mb.to_dict("records")
        ]  # fmt: skip
    band = frames.get("mass_balance_band")
    if band is not None:
        band = _select(band, "glacier_id", wgms_id, where)
        out["band_balance"] = [
            {"year": int(r["year"]), "lower_elevation": _f(r["lower_elevation"]), "upper_elevation": _f(r["upper_elevation"]),
             "area": _f(r.get("area")), **{k: _f(r.get(k), 1000.0) for k in ("winter_balance", "summer_balance", "annual_balance")}}
            for r in band.to_dict("records")
        ]  # fmt: skip
    pt = frames.get("mass_balance_point")
    if pt is not None:
        pt = _select(pt, "glacier_id", wgms_id, where)
        out["point_balance"] = [
            {"point_id": r["id"], "year": int(r["year"]), "from_date": _d(r["begin_date"]), "to_date": _d(r["end_date"]),
             "balance_code": r["balance_code"], "balance": _f(r["balance"], 1000.0),
             "balance_unc": _f(r.get("balance_unc"), 1000.0), "density": _f(r.get("density")),
             "density_unc": _f(r.get("density_unc")), "elevation": _f(r.get("elevation")),
             "latitude": _f(r.get("latitude")), "longitude": _f(r.get("longitude")),
             "source": r.get("method") if r.get("method") in ("stake", "pit", "probe") else None, "remarks": r.get("remarks")}
            for r in pt.to_dict("records")
        ]  # fmt: skip
    out["glacier"] = glacier
    return out


def _f(value: Any, factor: float = 1.0) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number * factor


def _d(value: Any) -> date | None:
    if (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or str(value).strip() == ""
    ):
        return None
    return date.fromisoformat(str(value)[:10])

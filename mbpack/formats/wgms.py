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
confirmed from a primary WGMS source (see :data:`LOWER_ENUMS`); its ``gtng_region`` values
and the columns of ``mass_balance`` and ``mass_balance_point`` are those of a real release
(tests/data/wgms-fog-2026-02-10).  The upper generation's required fields, types,
enumerations and lengths are WGMS's attribute definitions (FoG 2023-09 data package,
tests/data/wgms-fog-2023-09).

References
----------
WGMS (2021). Fluctuations of Glaciers Database. World Glacier Monitoring
Service, Zurich, Switzerland. doi:10.5904/wgms-fog-2021-05
WGMS (2023). Fluctuations of Glaciers Database. World Glacier Monitoring
Service, Zurich, Switzerland. doi:10.5904/wgms-fog-2023-09
WGMS (2024). Fluctuations of Glaciers Database. World Glacier Monitoring
Service, Zurich, Switzerland. doi:10.5904/wgms-fog-2024-01
GTN-G (2017). GTN-G Glacier Regions. doi:10.5904/gtng-glacreg-2017-07
RGI 7.0 Consortium (2023). Randolph Glacier Inventory 7.0. doi:10.5067/f6jmovy5navz
Cogley, J. G. et al. (2011). Glossary of Glacier Mass Balance and Related
Terms. IHP-VII Technical Documents in Hydrology No. 86, UNESCO-IHP, Paris.
"""

from __future__ import annotations

import calendar
import io
import json
import math
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from mbpack import units
from mbpack.errors import UnreadableWorkbook
from mbpack.workbook import schema
from mbpack.workbook.model import conform

Generation = Literal["upper", "lower"]

#: Upper-case tables in release order; the file of each is ``<TABLE>.csv``.
UPPER = ("A-GLACIER", "AA-GLACIER_ID_LUT", "B-STATE", "E-MASS_BALANCE_OVERVIEW", "EE-MASS_BALANCE",
         "EEE-MASS_BALANCE_POINT")  # fmt: skip
#: Lower-case tables; the file of each is ``data/<table>.csv``.
LOWER = ("glacier", "state", "mass_balance", "mass_balance_band", "mass_balance_point")

#: Enumerations of the lower generation.  ``ela_position``, ``method`` and
#: ``time_system`` are NOT confirmed from a primary WGMS source: they follow
#: the upper generation's codes (TIME_SYSTEM, ELA_PREFIX) and mbpack's point
#: sources.  Correct them here; a test fails until the schemas agree.
#: ``balance_code`` is documented (annual, winter, summer, index: index points are part of
#: the release); ``gtng_region`` is :data:`GTNG_LONG_CODES`, the values of a real 2026-02-10
#: release; ``time_system`` is the classic TIME_SYSTEM (:data:`TIME_SYSTEMS`).
LOWER_ENUMS: dict[str, list[str]] = {
    "ela_position": ["below", "above"],
    "method": ["stake", "pit", "probe", "other"],
    "balance_code": ["annual", "winter", "summer", "index"],
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
#: Characters of a WGMS NAME besides capitals, digits and single spaces: ``- . : ( ) / ' + & , * = _``
#: (the NAME pattern of the FoG 2023-09 data package, doi:10.5904/wgms-fog-2023-09).
NAME_PUNCTUATION = "-.:()/'+&,*=_"
#: Upper-generation NAME: capitals, digits and :data:`NAME_PUNCTUATION`, single spaces inside
#: (at most 60 characters: the schema's ``maxLength``).  What mbpack writes; the check leaves
#: names free (real releases hold mixed case).
_NAME_CHARS = "A-Z0-9" + re.escape(NAME_PUNCTUATION)
NAME_PATTERN = rf"^[{_NAME_CHARS}]+(?: [{_NAME_CHARS}]+)*$"
#: Free text as mbpack writes it (:func:`clean_text`): no leading, trailing or double spaces.
#: Not a rule of the tables: real releases hold such spaces, and free text is free.
TEXT_PATTERN = r"^(\S+( \S+)*)?$"
#: Free-text columns of both generations: only control characters and a formula-like leading
#: character (``= + - @``, read as a formula by spreadsheets) are warned about.
FREE_TEXT = frozenset({
    "NAME", "GEN_LOCATION", "SPEC_LOCATION", "REMARKS", "INVESTIGATOR", "SPONS_AGENCY", "REFERENCE",
    "PSFG_ID", "glacier_name", "short_name", "names", "investigators", "agencies", "references", "remarks",
    "original_id",
})  # fmt: skip
#: A control character (tab, line breaks inside a quoted cell included) in free text.
CONTROL_PATTERN = r"[\x00-\x1f\x7f]"
#: Leading characters a spreadsheet reads as a formula (``=SUM(...)``, ``@cmd``, ``+A1``,
#: ``-A1``); ``-`` or ``+`` followed by a digit is a number, not a formula.
FORMULA_PATTERN = r"^(?:[=@]|[+-](?![\d.\s]))"
#: Upper-generation date columns (``YYYYMMDD``).
UPPER_DATE_FIELDS = frozenset(
    {"SURVEY_DATE", "BEGIN_PERIOD", "END_WINTER", "END_PERIOD", "FROM_DATE", "TO_DATE"}
)
#: Numbers real releases use for "no data": always a sentinel (``-9999``, ``±99999``), or a
#: sentinel when outside the column's range (``9999``, ``-999``; 9999 is also the glacier-wide
#: LOWER_BOUND/UPPER_BOUND, which is in range there).
SENTINELS_ALWAYS = (-9999.0, -99999.0, 99999.0)
SENTINELS_OUT_OF_RANGE = (9999.0, -999.0)
#: A code-like text cell (country, region code) holding a number of nines: a sentinel (``99``).
TEXT_SENTINEL_PATTERN = r"^-?9{2,}$"
#: GTN-G first-order glacier regions (GTN-G 2017, doi:10.5904/gtng-glacreg-2017-07): the
#: GLACIER_REGION_CODE enumeration of WGMS's FoG 2023-09 data package (its README, section
#: ``GLACIER``), the classic generation's vocabulary.
GTNG_REGION_CODES = ("ACN", "ACS", "ALA", "ANT", "ASC", "ASE", "ASN", "ASW", "CAU", "CEU", "GRL", "ISL",
                     "NZL", "RUA", "SAN", "SCA", "SJM", "TRP", "WNA")  # fmt: skip
#: Second-order regions per first-order region (GTN-G 2017), as numbers ``ACN-01`` ...: the
#: GLACIER_SUBREGION_CODE enumeration of the FoG 2023-09 data package (91 codes).
_SUBREGION_NUMBERS = {
    "ACN": range(1, 8), "ACS": range(1, 10), "ALA": range(1, 7), "ANT": (*range(1, 6), *range(11, 25), 31),
    "ASC": range(1, 10), "ASE": range(1, 4), "ASN": range(1, 8), "ASW": range(1, 4), "CAU": (1, 2),
    "CEU": (1, 2), "GRL": (1, 11), "ISL": (1,), "NZL": (1,), "RUA": (1, 2, 3), "SAN": (1, 2),
    "SCA": (1, 2, 3), "SJM": (1, 2), "TRP": (1, 2, 3, 4), "WNA": range(1, 6),
}  # fmt: skip
GTNG_SUBREGION_CODES = tuple(
    f"{r}-{n:02d}" for r in GTNG_REGION_CODES for n in _SUBREGION_NUMBERS[r]
)
#: SURVEY_PLATFORM_METHOD of B-STATE (FoG 2023-09 data package): platform (t terrestrial, a
#: airborne, s spaceborne, c combined, x unknown) then method (R reconstructed, M maps, G ground
#: survey, P photogrammetry, L laser, Z radar, C combined, X unknown), 40 codes.
SURVEY_PLATFORM_METHODS = tuple(p + m for p in "tasc" + "x" for m in "RMGPLZCX")
#: TIME_SYSTEM of the overview table (FoG 2023-09 data package): floating-date, fixed-date,
#: stratigraphic, combined, other.
TIME_SYSTEMS = ("FLO", "FXD", "STR", "COM", "OTH")
#: ``gtng_region`` of the 2025+ generation: the long codes of the 20 first-order regions of
#: RGI 7.0 (``01_alaska`` ... ``20_antarctic_mainland``), as they stand in a real 2025+
#: release's ``data/glacier.csv`` (DOI-WGMS-FoG-2026-02-10: all 20 values occur; see
#: tests/data/README.md, ``wgms-2026``).  RGI 7.0 split GTN-G 2017's region 19 (ANT, Antarctic
#: and Subantarctic) in two: the former subregion 19-31 (ANT-31, the Antarctic ice sheet) is
#: region 20, the other ANT subregions stay in 19 (RGI 7.0 user guide, region 19).
GTNG_LONG_CODES = (
    "01_alaska", "02_western_canada_usa", "03_arctic_canada_north", "04_arctic_canada_south",
    "05_greenland_periphery", "06_iceland", "07_svalbard_jan_mayen", "08_scandinavia", "09_russian_arctic",
    "10_north_asia", "11_central_europe", "12_caucasus_middle_east", "13_central_asia", "14_south_asia_west",
    "15_south_asia_east", "16_low_latitudes", "17_southern_andes", "18_new_zealand",
    "19_subantarctic_antarctic_islands", "20_antarctic_mainland",
)  # fmt: skip
#: The 2025+ ``gtng_region`` of each classic GLACIER_REGION_CODE, in the order of the regions'
#: numbers (ANT: see :func:`gtng_long_code`, which reads the subregion).
GTNG_REGIONS: dict[str, str] = dict(
    zip(
        ("ALA", "WNA", "ACN", "ACS", "GRL", "ISL", "SJM", "SCA", "RUA", "ASN", "CEU", "CAU", "ASC",
         "ASW", "ASE", "TRP", "SAN", "NZL", "ANT"),
        GTNG_LONG_CODES[:19],
        strict=True,
    )
)  # fmt: skip


def gtng_long_code(region: str | None, subregion: str | None = None) -> str | None:
    """The 2025+ ``gtng_region`` of classic GTN-G codes (``ASC``, ``ASC-04`` → ``13_central_asia``).

    ``ANT-31`` (the Antarctic ice sheet) is ``20_antarctic_mainland``, every other ANT
    subregion ``19_subantarctic_antarctic_islands``; a value already in
    :data:`GTNG_LONG_CODES` is kept; ``None`` for an unknown or missing code.

    >>> gtng_long_code("ASC", "ASC-04")
    '13_central_asia'
    >>> gtng_long_code(None, "ANT-31")
    '20_antarctic_mainland'
    """
    for code in (region, subregion):
        if code in GTNG_LONG_CODES:
            return code
    sub = str(subregion).upper() if subregion else None
    if sub == "ANT-31":
        return GTNG_LONG_CODES[19]
    first = str(region).upper()[:3] if region else (sub[:3] if sub else None)
    return GTNG_REGIONS.get(first) if first else None


LOWER_ENUMS["gtng_region"] = list(GTNG_LONG_CODES)
LOWER_ENUMS["time_system"] = list(TIME_SYSTEMS)
#: Temporary WGMS ids of a new glacier's submission: ``900000`` to ``999999`` (mbpack's
#: convention, inside WGMS_ID's range; WGMS replaces it when it assigns the glacier's id).
TEMPORARY_ID_RANGE = (900000, 999999)
#: Where each table's file goes inside the folder :func:`write_wgms` writes.
FILE_NAME = {**{t: f"{t}.csv" for t in UPPER}, **{t: f"data/{t}.csv" for t in LOWER}}

#: Latin letters WGMS spells out (FoG 2023-09 data package, NAME: Å → AA, Æ → AE, Ä → AE,
#: ð → D, Ø → OE, œ → OE, Ö → OE, ß → SS, þ → TH, Ü → UE; other accents are dropped), letters
#: NFKD does not reduce to ASCII, and typographic punctuation, with their usual transliteration
#: (applied before NFKD).
_TRANSLITERATION = str.maketrans({
    "Å": "AA", "å": "aa", "Ä": "AE", "ä": "ae", "Ö": "OE", "ö": "oe", "Ü": "UE", "ü": "ue",
    "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Ø": "OE", "ø": "oe", "Œ": "OE", "œ": "oe",
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
    """A glacier name in WGMS capitals: ASCII letters, digits, :data:`NAME_PUNCTUATION`, single spaces.

    WGMS's rules (FoG 2023-09 data package, NAME): Å Æ Ä Ø Œ Ö Ü ß þ ð spelled out (AA, AE,
    AE, OE, OE, OE, UE, SS, TH, D), other accents dropped (Unicode NFKD); Latin letters
    without a decomposition (Ł ...) are spelled out, other punctuation becomes a space.

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
    'GROSSER ALETSCHGLETSCHER (MAERJELEN)'
    >>> transliterate("Østre Memurubre")
    'OESTRE MEMURUBRE'
    >>> transliterate("Glaciar Upsala + Cono")
    'GLACIAR UPSALA + CONO'
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
    """A ``YYYYMMDD`` date where ``99`` marks an unknown day, or month and day (``00`` in old data).

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
    >>> parse_upper_date("19650800")[1]
    'day unknown (00, old data) in 19650800, read as 1965-08-01'
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
    elif month == 0:  # old data: 00 for unknown (the day is then of no use either)
        month, day, what = 1, 1, "month unknown (00, old data)"
    elif day in (0, 99):
        what = "day unknown" if day == 99 else "day unknown (00, old data)"
        day = 1
    try:
        when = date(year, month, day)
    except ValueError:
        raise ValueError(f"{raw!r} is not a WGMS date (YYYYMMDD)") from None
    return when, (f"{what} in {raw}, read as {when.isoformat()}" if what else None)


def header_key(name: str) -> str:
    """A column name compared case- and space-insensitively (``Year`` = ``YEAR`` = `` year``).

    >>> header_key(" Wgms id "), header_key("ELA_UNC")
    ('WGMS_ID', 'ELA_UNC')
    """
    return re.sub(r"[\s_]+", "_", str(name).strip()).upper()


def normalise_header(frame: pd.DataFrame, names: list[str]) -> dict[str, str]:
    """Rename ``frame``'s columns in place to the schema spelling ``names`` (case and spaces ignored).

    Returns the renamings made (original → schema name), for a note to the user.
    """
    wanted = {header_key(n): n for n in names}
    renamed = {c: wanted[header_key(c)] for c in frame.columns
               if header_key(c) in wanted and wanted[header_key(c)] != c}  # fmt: skip
    if renamed:
        frame.columns = [renamed.get(c, c) for c in frame.columns]
    return renamed


def upper_date_faults(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Faults of ``YYYYMMDD`` cells: (error text or ``None``, warning text or ``None``) per cell.

    An error is a cell that is no calendar date: not eight digits, month 13-98
    (with a hint when the day would be a month: day and month swapped), a day
    beyond the month's end (``20150431``: April has 30 days), an unknown month
    ``99`` with a known day.  A warning is ``00`` for an unknown month or day
    (old data; WGMS writes ``99``).  ``99`` for an unknown day, or month and
    day, is valid (the attribute description's rule).

    >>> err, warn = upper_date_faults(pd.Series(["20150431", "20103108", "20100100", "20109999"]))
    >>> list(err)[:2]
    ['20150431 is not a date: month 04 has 30 days', '20103108 is not a date: month 31 (day and month swapped?)']
    >>> list(warn)[2], list(err)[3], list(warn)[3]
    ('20100100: day 00 read as unknown (WGMS writes 99)', None, None)
    """
    text = col.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    present = text.notna().to_numpy()
    ok_shape = text.str.fullmatch(r"\d{8}").fillna(False).astype(bool).to_numpy()
    year = pd.to_numeric(text.str[:4], errors="coerce").to_numpy()
    month = pd.to_numeric(text.str[4:6], errors="coerce").to_numpy()
    day = pd.to_numeric(text.str[6:8], errors="coerce").to_numpy()
    errors: list[str | None] = [None] * len(col)
    warnings: list[str | None] = [None] * len(col)
    values = text.to_numpy()
    for i in np.flatnonzero(present):
        raw = values[i]
        if not ok_shape[i]:
            errors[i] = f"{raw} is not a date YYYYMMDD"
            continue
        y, m, d = int(year[i]), int(month[i]), int(day[i])
        if m == 0 or d == 0:
            what = "month and day 00" if m == d == 0 else ("month 00" if m == 0 else "day 00")
            warnings[i] = f"{raw}: {what} read as unknown (WGMS writes 99)"
        mm = None if m in (0, 99) else m
        dd = None if d in (0, 99) else d
        if m == 99 and dd is not None:
            errors[i] = f"{raw} is not a date: an unknown month (99) needs an unknown day (99)"
        elif mm is not None and not 1 <= mm <= 12:
            hint = " (day and month swapped?)" if dd is not None and 1 <= dd <= 12 else ""
            errors[i] = f"{raw} is not a date: month {m:02d}{hint}"
        elif mm is not None and dd is not None:
            last = calendar.monthrange(y, mm)[1]
            if dd > last:
                errors[i] = f"{raw} is not a date: month {m:02d} has {last} days"
        elif dd is not None and dd > 31:
            errors[i] = f"{raw} is not a date: day {d:02d}"
    return pd.Series(errors, index=col.index, dtype=object), pd.Series(
        warnings, index=col.index, dtype=object
    )


def temporary_wgms_id(name: str) -> int:
    """A temporary WGMS id for a glacier new to WGMS: 9xxxxx from its name (stable across runs).

    The convention (:data:`TEMPORARY_ID_RANGE`): ``900000 + crc32(name) mod 100000``; set one
    yourself in the glacier sheet's ``wgms_id`` (any id from 900000 to 999999 is temporary).

    >>> temporary_wgms_id("Example Glacier") == temporary_wgms_id("Example Glacier")
    True
    >>> 900000 <= temporary_wgms_id("Example Glacier") <= 999999
    True
    """
    lo, hi = TEMPORARY_ID_RANGE
    return lo + zlib.crc32(str(name).encode("utf-8")) % (hi - lo + 1)


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


def _encoding(data: bytes) -> str:
    """``utf-8-sig`` when ``data`` is UTF-8 (with or without a byte-order mark), else ``latin-1``."""
    try:
        data.decode("utf-8")  # a temporary: the text is parsed from the bytes
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig"


def read_csv_table(data: bytes, where: str) -> pd.DataFrame:
    """A CSV table as text, UTF-8 (with or without BOM) or else Latin-1 (releases up to 2021-05)."""
    frames = list(read_csv_chunks(data, where, None))
    return frames[0]


def read_csv_chunks(data: bytes, where: str, rows: int | None) -> Iterator[pd.DataFrame]:
    """A CSV table as text (see :func:`read_csv_table`) in frames of at most ``rows`` rows
    (all in one without ``rows``), indexed by row position in the whole table.

    Raises
    ------
    UnreadableWorkbook
        When the text is not a CSV table, naming ``where``.
    """
    # parsed from the bytes: a StringIO of the decoded text holds four bytes per character
    options: dict[str, Any] = {"dtype": str, "keep_default_na": False, "na_values": [""],
                               "encoding": _encoding(data)}  # fmt: skip
    try:
        if rows is None:
            chunks: Any = [pd.read_csv(io.BytesIO(data), **options)]
        else:
            chunks = pd.read_csv(io.BytesIO(data), chunksize=rows, **options)
        empty = True
        for frame in chunks:
            frame.columns = [str(c).strip() for c in frame.columns]
            empty = False
            yield frame
        if empty:  # a header without rows: one empty frame with the header's columns
            frame = pd.read_csv(io.BytesIO(data), nrows=0, **options)
            frame.columns = [str(c).strip() for c in frame.columns]
            yield frame
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UnreadableWorkbook(f"{where}: not a readable CSV table ({exc})") from None


def sources(path: Path) -> Iterator[tuple[str, bytes, str]]:
    """The CSV tables of a folder, a zip or a single file, read one at a time:
    (file stem, bytes, where)."""
    if path.is_dir():
        files = sorted(path.rglob("*.csv"))
        if not files:
            raise UnreadableWorkbook(f"{path}: no CSV tables found")
        for f in files:
            yield f.stem, f.read_bytes(), str(f)
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            from mbpack.workbook.reader import check_inflation

            check_inflation(path, archive.infolist(), "release")  # a zip bomb is refused
            names = sorted(n for n in archive.namelist() if n.lower().endswith(".csv"))
            if not names:
                raise UnreadableWorkbook(f"{path}: no CSV tables found")
            for name in names:
                yield Path(name).stem, archive.read(name), f"{path}:{name}"
    elif path.is_file():
        yield path.stem, path.read_bytes(), str(path)
    else:
        raise UnreadableWorkbook(f"{path}: no such file or folder")


def table_key(stem: str, generation: Generation) -> str:
    """Which WGMS table a file holds, from its name (``WGMS-FoG-2021-05-EE-MASS-BALANCE`` → EE-MASS_BALANCE).

    >>> table_key("WGMS-FoG-2021-05-EEE-MASS-BALANCE-POINT", "upper"), table_key("mbdata_WGMS-01511", "upper")
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
    for stem, data, place in sources(Path(path)):
        frame = read_csv_table(data, place)
        gen = generation or detect_generation(list(frame.columns))
        key = table_key(stem, gen)
        if key in (UPPER if gen == "upper" else LOWER):
            normalise_header(frame, columns(gen, key))
            frames[key] = frame
            generations.add(gen)
    if not frames:
        raise UnreadableWorkbook(f"{where}: no WGMS tables (CSV files named after them) found")
    if len(generations) > 1:
        raise UnreadableWorkbook(f"{where}: holds tables of both WGMS generations; read them apart")
    try:
        if generations == {"upper"}:
            return _band_hypsometry(_read_upper(frames, wgms_id, where))
        return _band_hypsometry(_read_lower(frames, wgms_id, where))
    except ValueError as exc:
        raise UnreadableWorkbook(f"{where}: {exc}") from None


def _band_hypsometry(out: dict[str, Any]) -> dict[str, Any]:
    """The hypsometry of every year with band areas (EE / mass_balance_band), the state's otherwise.

    The band areas of a balance year are that year's hypsometry: with them
    the point balances (EEE / mass_balance_point) can be integrated by the
    altitude-band method again. B-STATE rows (one band from the lowest to
    the highest elevation) are kept for the years without bands.
    """
    bands = out.get("band_balance")
    if bands is None or bands.empty:
        return out
    bands = bands.dropna(subset=["year", "lower_elevation", "upper_elevation", "area"])
    if bands.empty:
        return out
    rows = bands[["year", "lower_elevation", "upper_elevation", "area"]]
    state = out.get("hypsometry")
    if state is not None and len(state):
        rows = pd.concat([rows, state[~state["year"].isin(set(bands["year"]))]], ignore_index=True)
    out["hypsometry"] = conform("hypsometry", rows.sort_values(["year", "lower_elevation"]))
    return out


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
        if region == GTNG_LONG_CODES[19]:  # 20_antarctic_mainland: GTN-G 2017 ANT-31
            region = "ANT-31"
        region = {v: k for k, v in GTNG_REGIONS.items()}.get(region or "", region)
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
            {"point_id": _text(r.get("original_id")) or _text(r.get("id")), "year": int(float(r["year"])),
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

"""WGMS FoG tables of both generations: exact rows, schema checks (ours and frictionless'),
read-back of written tables, legacy files (zip, Latin-1, 99 dates) and real FoG extracts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbpack.atomic import MARKER
from mbpack.errors import MissingMetadata, UnreadableWorkbook
from mbpack.formats import wgms
from mbpack.publish import wgms as submission
from mbpack.workbook import Workbook

DATA = Path(__file__).parent / "data" / "wgms-oggm"


def small() -> Workbook:
    """2 balance years, 3 bands, 4 point balances; balances in kg m-2 (= mm w.e.).

    tests/test_fog.py builds its releases from this workbook: keep the first
    rows of every table as they are.
    """
    return Workbook.from_tables({
        "glacier": {"name": "Glacier Nº 51, Kuitun", "wgms_id": 4321, "country": "CN", "latitude": 43.731,
                    "longitude": 84.391, "investigators": "A.  Person ", "wgi_id": "CN5Y741C0051",
                    "rgi_id": "RGI60-13.45335", "spec_location": "Kuitun  River",
                    "gtng_region": "ASC", "gtng_subregion": "ASC-04"},
        "balance_years": [
            {"year": 2001, "time_system": "FLO", "begin_date": "2000-08-30", "winter_end_date": "2001-05-10",
             "end_date": "2001-08-31"},
            {"year": 2002, "time_system": "FXD", "begin_date": "2001-09-01", "end_date": "2002-08-31"},
        ],
        "hypsometry": [{"year": 2000, "lower_elevation": 3500.0 + 50 * i, "upper_elevation": 3550.0 + 50 * i,
                        "area": a} for i, a in enumerate([0.3, 0.5, 0.2])],
        "glacier_balance": [
            {"year": 2001, "method": "band", "winter_balance": 160.4, "summer_balance": -530.6,
             "annual_balance": -370.2, "annual_balance_unc": 200.0, "ela": 3580.4, "aar": 0.456, "area": 1.0,
             "accumulation_area": 0.456, "ablation_area": 0.544},
            {"year": 2001, "method": "contour", "annual_balance": -400.0, "area": 1.0},
            {"year": 2002, "method": "reported", "annual_balance": -1200.0, "ela": 3650.0, "ela_position": ">",
             "aar": 0.0, "area": 1.0},
        ],
        "band_balance": [{"year": 2001, "lower_elevation": 3500.0 + 50 * i, "upper_elevation": 3550.0 + 50 * i,
                          "area": a, "winter_balance": w, "summer_balance": b - w, "annual_balance": b}
                         for i, (a, w, b) in enumerate([(0.3, 100, -900), (0.5, 160, -300), (0.2, 240, 250)])],
        "point_balance": [
            {"point_id": "S1", "year": 2001, "from_date": "2000-08-30", "to_date": "2001-08-31",
             "balance_code": "annual", "balance": -1350.0, "density": 900.0, "elevation": 3520.0, "source": "stake",
             "latitude": 43.7301, "longitude": 84.3902},
            {"point_id": "S1", "year": 2001, "from_date": "2000-08-30", "to_date": "2001-05-10",
             "balance_code": "winter", "balance": 270.0, "balance_unc": 30.4, "elevation": 3520.0, "source": "stake"},
            {"point_id": "S1", "year": 2001, "from_date": "2001-05-10", "to_date": "2001-08-31",
             "balance_code": "summer", "balance": -1620.0, "elevation": 3520.0, "source": "stake"},
            {"point_id": "P7", "year": 2002, "from_date": "2001-09-01", "to_date": "2002-08-31",
             "balance_code": "index", "balance": 410.0, "density": 550.0, "elevation": 3630.0, "source": "pit",
             "remarks": "pit  at the top"},
        ],
    })  # fmt: skip


def rows(frame: pd.DataFrame, cols: list[str]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, missing values as None."""
    return [
        tuple(None if pd.isna(v) else v for v in r) for r in frame[cols].itertuples(index=False)
    ]


NAME = "GLACIER NO 51, KUITUN"
BASE = ("CN", NAME, 4321)


# ------------------------------------------------------------------------------------------ writing


def test_upper_tables_exact() -> None:
    t = submission.wgms_tables(small(), "upper")
    assert list(t) == list(wgms.UPPER)
    cols = ["POLITICAL_UNIT", "NAME", "WGMS_ID", "YEAR", "LOWER_BOUND", "UPPER_BOUND", "AREA",
            "WINTER_BALANCE", "WINTER_BALANCE_UNC", "SUMMER_BALANCE", "SUMMER_BALANCE_UNC", "ANNUAL_BALANCE",
            "ANNUAL_BALANCE_UNC", "REMARKS"]  # fmt: skip
    assert list(t["EE-MASS_BALANCE"].columns) == cols
    # bands of 2001, then its glacier-wide row (band method: 160.4, -530.6, -370.2 kg m-2 rounded to
    # mm w.e.), then 2002's reported row; the contour row of 2001 is not submitted
    assert rows(t["EE-MASS_BALANCE"], cols) == [
        (*BASE, 2001, 3500, 3550, 0.3, 100, None, -1000, None, -900, None, None),
        (*BASE, 2001, 3550, 3600, 0.5, 160, None, -460, None, -300, None, None),
        (*BASE, 2001, 3600, 3650, 0.2, 240, None, 10, None, 250, None, None),
        (
            *BASE,
            2001,
            9999,
            9999,
            1.0,
            160,
            None,
            -531,
            None,
            -370,
            200,
            "glacier-wide, band method",
        ),
        (
            *BASE,
            2002,
            9999,
            9999,
            1.0,
            None,
            None,
            None,
            None,
            -1200,
            None,
            "glacier-wide, reported method",
        ),
    ]
    assert str(t["EE-MASS_BALANCE"]["ANNUAL_BALANCE"].dtype) == "Int64"
    e = ["YEAR", "TIME_SYSTEM", "BEGIN_PERIOD", "END_WINTER", "END_PERIOD", "ELA_PREFIX", "ELA",
         "ACC_AREA", "ABL_AREA", "AAR", "INVESTIGATOR"]  # fmt: skip
    assert rows(t["E-MASS_BALANCE_OVERVIEW"], e) == [
        (
            2001,
            "FLO",
            "20000830",
            "20010510",
            "20010831",
            None,
            3580,
            0.456,
            0.544,
            46,
            "A. Person",
        ),
        (2002, "FXD", "20010901", None, "20020831", ">", 3650, None, None, 0, "A. Person"),
    ]
    p = ["YEAR", "POINT_ID", "FROM_DATE", "TO_DATE", "POINT_LAT", "POINT_LON", "POINT_ELEVATION",
         "POINT_BALANCE", "POINT_BALANCE_UNCERTAINTY", "DENSITY", "BALANCE_CODE", "REMARKS"]  # fmt: skip
    assert rows(t["EEE-MASS_BALANCE_POINT"], p) == [
        (
            2001,
            "S1",
            "20000830",
            "20010831",
            43.7301,
            84.3902,
            3520.0,
            -1350,
            None,
            900,
            "BA",
            None,
        ),
        (2001, "S1", "20000830", "20010510", None, None, 3520.0, 270, 30, None, "BW", None),
        (2001, "S1", "20010510", "20010831", None, None, 3520.0, -1620, None, None, "BS", None),
        (
            2002,
            "P7",
            "20010901",
            "20020831",
            None,
            None,
            3630.0,
            410,
            None,
            550,
            "IN",
            "pit at the top",
        ),
    ]
    # B-STATE from the hypsometry: half of the 1.0 km2 lies below 3550 + 50 * 0.2 / 0.5 = 3570 m
    b = ["YEAR", "AREA", "LOWEST_ELEVATION", "MEDIAN_ELEVATION", "HIGHEST_ELEVATION"]
    assert rows(t["B-STATE"], b) == [(2000, 1.0, 3500.0, 3570.0, 3650.0)]
    a = ["POLITICAL_UNIT", "NAME", "WGMS_ID", "SPEC_LOCATION", "LATITUDE", "LONGITUDE", "REMARKS"]
    assert rows(t["A-GLACIER"], a) == [(*BASE, "Kuitun River", 43.731, 84.391, None)]
    assert rows(t["AA-GLACIER_ID_LUT"], ["WGI_ID", "RGI60_ID"]) == [
        ("CN5Y741C0051", "RGI60-13.45335")
    ]


def test_upper_csv_text(tmp_path: Path) -> None:
    """Integers without decimals, blanks for missing values, dates as YYYYMMDD text."""
    submission.write_wgms(submission.wgms_tables(small(), "upper"), tmp_path / "u", "upper")
    lines = (tmp_path / "u" / "EE-MASS_BALANCE.csv").read_text(encoding="utf-8").splitlines()
    assert lines[4] == (
        f'CN,"{NAME}",4321,2001,9999,9999,1.0,160,,-531,,-370,200,"glacier-wide, band method"'
    )
    lines = (
        (tmp_path / "u" / "E-MASS_BALANCE_OVERVIEW.csv").read_text(encoding="utf-8").splitlines()
    )
    assert lines[2].startswith(f'CN,"{NAME}",4321,2002,FXD,20010901,,20020831,>,3650,')


def test_lower_tables_exact() -> None:
    t = submission.wgms_tables(small(), "lower")
    assert list(t) == list(wgms.LOWER)
    mb = ["year", "time_system", "begin_date", "midseason_date", "end_date", "winter_balance",
          "summer_balance", "annual_balance", "annual_balance_unc", "ela_position", "ela", "aar", "area"]  # fmt: skip
    assert rows(t["mass_balance"], mb) == [
        (2001, "FLO", "2000-08-30", "2001-05-10", "2001-08-31", 0.16, -0.531, -0.37, 0.2, None, 3580.0, 0.456, 1.0),
        (2002, "FXD", "2001-09-01", None, "2002-08-31", None, None, -1.2, None, "above", 3650.0, 0.0, 1.0),
    ]  # fmt: skip
    band = ["year", "lower_elevation", "upper_elevation", "area", "winter_balance", "summer_balance",
            "annual_balance"]  # fmt: skip
    assert rows(t["mass_balance_band"], band) == [
        (2001, 3500.0, 3550.0, 0.3, 0.1, -1.0, -0.9),
        (2001, 3550.0, 3600.0, 0.5, 0.16, -0.46, -0.3),
        (2001, 3600.0, 3650.0, 0.2, 0.24, 0.01, 0.25),
    ]
    pt = ["year", "id", "original_id", "time_system", "begin_date", "end_date", "balance", "balance_unc",
          "density", "method", "balance_code"]  # fmt: skip
    # integer ids, the station's point name in original_id; the index point is part of the table
    assert rows(t["mass_balance_point"], pt) == [
        (2001, 1, "S1", "FLO", "2000-08-30", "2001-08-31", -1.35, None, 900.0, "stake", "annual"),
        (2001, 2, "S1", "FLO", "2000-08-30", "2001-05-10", 0.27, 0.03, None, "stake", "winter"),
        (2001, 3, "S1", "FLO", "2001-05-10", "2001-08-31", -1.62, None, None, "stake", "summer"),
        (2002, 4, "P7", "FXD", "2001-09-01", "2002-08-31", 0.41, None, 550.0, "pit", "index"),
    ]  # fmt: skip
    assert rows(t["glacier"], ["id", "country", "short_name", "rgi60_ids", "wgi_id"]) == [
        (4321, "CN", "Glacier Nº 51, Kuitun", "RGI60-13.45335", "CN5Y741C0051")
    ]


def test_units_come_from_the_schemas() -> None:
    def unit(generation: wgms.Generation, table: str, column: str) -> str:
        return next(
            f["unit"] for f in wgms.load(generation, table)["fields"] if f["name"] == column
        )

    assert unit("upper", "EE-MASS_BALANCE", "ANNUAL_BALANCE") == "mm w.e."
    assert unit("upper", "EEE-MASS_BALANCE_POINT", "POINT_BALANCE") == "mm w.e."
    assert unit("upper", "E-MASS_BALANCE_OVERVIEW", "AAR") == "%"
    assert unit("upper", "EE-MASS_BALANCE", "AREA") == "km2"
    assert unit("lower", "mass_balance", "annual_balance") == "m w.e."
    assert unit("lower", "mass_balance_point", "balance") == "m w.e."
    assert unit("lower", "mass_balance", "aar") == "1"
    assert unit("lower", "mass_balance", "begin_date_unc") == "d"
    assert wgms.unit_factor("upper", "EE-MASS_BALANCE", "WINTER_BALANCE", "kg m-2") == 1.0
    assert wgms.unit_factor("lower", "mass_balance_band", "annual_balance", "kg m-2") == 1000.0


def test_method_choice_falls_back_to_reported() -> None:
    t = submission.wgms_tables(small(), "upper", method="contour")
    wide = t["EE-MASS_BALANCE"][t["EE-MASS_BALANCE"]["LOWER_BOUND"] == 9999]
    assert rows(wide, ["YEAR", "ANNUAL_BALANCE", "REMARKS"]) == [
        (2001, -400, "glacier-wide, contour method"),
        (2002, -1200, "glacier-wide, reported method"),
    ]
    with pytest.raises(
        ValueError, match=r"method='profile' is invalid; choices: 'band', 'contour'"
    ):
        submission.wgms_tables(small(), "upper", method="profile")
    with pytest.raises(ValueError, match=r"generation='UPPER' is invalid"):
        submission.wgms_tables(small(), "UPPER")  # type: ignore[arg-type]


def test_missing_metadata_names_sheet_and_field() -> None:
    wb = small()
    wb.tables["glacier"].loc[0, "country"] = None
    with pytest.raises(
        MissingMetadata, match=r"^glacier!country is empty: WGMS tables need POLITICAL_UNIT"
    ):
        submission.wgms_tables(wb, "upper")
    wb = small()
    wb.tables["glacier"].loc[0, "wgms_id"] = None
    assert submission.missing_metadata(wb) == [
        "glacier!wgms_id is empty: WGMS tables need the WGMS glacier id (WGMS assigns it to a glacier new "
        "to the database; the tables carry a temporary id 900000-999999, the same in every table)"
    ]
    tables = submission.wgms_tables(wb, "upper")
    a = tables["A-GLACIER"].iloc[0]
    temporary = wgms.temporary_wgms_id("Glacier Nº 51, Kuitun")
    assert 900000 <= temporary <= 999999 and a["WGMS_ID"] == temporary
    assert (
        a["REMARKS"]
        == f"temporary WGMS_ID {temporary} (mbpack convention 900000-999999), to be replaced by WGMS"
    )
    for name, frame in tables.items():  # one temporary id in every table
        assert set(frame["WGMS_ID"]) == {temporary}, name
    lower = submission.wgms_tables(wb, "lower")
    assert (
        set(lower["glacier"]["id"]) == {temporary} == set(lower["mass_balance_point"]["glacier_id"])
    )
    chosen = small()
    chosen.tables["glacier"].loc[0, "wgms_id"] = 912345  # a temporary id set in the glacier sheet
    assert set(submission.wgms_tables(chosen, "upper")["EE-MASS_BALANCE"]["WGMS_ID"]) == {912345}
    with pytest.raises(
        MissingMetadata, match=r"^glacier!wgms_id is empty: WGMS tables need the WGMS glacier id"
    ):
        submission.wgms_tables(wb, "lower", require_wgms_id=True)
    wb = small()
    wb.tables["balance_years"].loc[1, "begin_date"] = pd.NaT
    with pytest.raises(MissingMetadata, match=r"balance_years!begin_date is empty for 2002"):
        submission.wgms_tables(wb, "lower")


def test_name_without_ascii_form_asks_for_one() -> None:
    wb = small()
    wb.tables["glacier"].loc[0, "name"] = "哈希勒根51号冰川"
    with pytest.raises(MissingMetadata, match=r"glacier!name '哈希勒根51号冰川' has no ASCII transliteration "
                                              r"of '哈希勒根号冰川': give the name in Latin letters \(ASCII\)"):  # fmt: skip
        submission.wgms_tables(wb, "upper")
    assert wgms.transliterate("Glacier d’Argentière – Lognan") == "GLACIER D'ARGENTIERE - LOGNAN"
    assert wgms.transliterate("Storbreen; Jotunheimen #2") == "STORBREEN JOTUNHEIMEN 2"


def test_write_replaces_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "u"
    out.mkdir()
    (out / MARKER).write_text("written by mbpack\n")  # an earlier run's folder
    (out / "stale.csv").write_text("x\n")
    paths = submission.write_wgms(submission.wgms_tables(small(), "upper"), out, "upper")
    assert [p.name for p in paths] == [f"{t}.csv" for t in wgms.UPPER]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MARKER, *(f"{t}.csv" for t in wgms.UPPER)]
    )
    with pytest.raises(
        ValueError,
        match=r"^glacier, state, mass_balance, mass_balance_band, mass_balance_point: not upper-case WGMS tables",
    ):
        submission.write_wgms(submission.wgms_tables(small(), "lower"), out, "upper")
    assert (out / "A-GLACIER.csv").exists()  # left as it was


def test_lower_datapackage(tmp_path: Path) -> None:
    paths = submission.write_wgms(
        submission.wgms_tables(small(), "lower"), tmp_path / "low", "lower"
    )
    assert [p.relative_to(tmp_path / "low").as_posix() for p in paths] == [
        *(f"data/{t}.csv" for t in wgms.LOWER),
        "datapackage.json",
    ]
    descriptor = json.loads((tmp_path / "low" / "datapackage.json").read_text())
    assert [r["path"] for r in descriptor["resources"]] == [f"data/{t}.csv" for t in wgms.LOWER]
    assert (
        descriptor["resources"][2]["schema"]["fields"]
        == wgms.load("lower", "mass_balance")["fields"]
    )


# ------------------------------------------------------------------------------------ the schemas


def test_lower_enumerations_live_in_one_place() -> None:
    seen = set()
    for table in wgms.LOWER:
        for field in wgms.load("lower", table)["fields"]:
            if field["name"] in wgms.LOWER_ENUMS:
                seen.add(field["name"])
                assert field["constraints"]["enum"] == wgms.LOWER_ENUMS[field["name"]], (
                    table,
                    field,
                )
    assert seen == set(wgms.LOWER_ENUMS)


def test_upper_patterns_and_codes_live_in_one_place() -> None:
    dates = {"SURVEY_DATE", "BEGIN_PERIOD", "END_WINTER", "END_PERIOD", "FROM_DATE", "TO_DATE"}
    found = set()
    for table in wgms.UPPER:
        for field in wgms.load("upper", table)["fields"]:
            cons = field.get("constraints", {})
            if field["name"] in dates:
                found.add(field["name"])
                assert cons["pattern"] == wgms.UPPER_DATE_PATTERN, (table, field["name"])
            if (
                field["name"] == "NAME"
            ):  # WGMS's names are free (UPSALA + CONO): no pattern, not a key
                assert ("pattern" not in cons, cons["maxLength"], cons["required"]) == (
                    True,
                    60,
                    True,
                )
                assert "NAME" not in wgms.load("upper", table)["primaryKey"]
            if field["name"] in ("REMARKS", "INVESTIGATOR", "SPONS_AGENCY", "REFERENCE"):
                assert "pattern" not in cons and field["name"] in wgms.FREE_TEXT
            if field["name"] == "BALANCE_CODE":
                assert cons["enum"] == list(wgms.UPPER_CODES.values())
            if field["name"] == "ELA_PREFIX":
                assert cons["enum"] == list(wgms.ELA_POSITION)
            if field["name"] == "TIME_SYSTEM":
                assert cons["enum"] == wgms.LOWER_ENUMS["time_system"]
    assert found == dates


def test_keys_of_the_upper_tables() -> None:
    ee = wgms.load("upper", "EE-MASS_BALANCE")
    assert ee["primaryKey"] == ["WGMS_ID", "YEAR", "LOWER_BOUND", "UPPER_BOUND"]
    assert ee["foreignKeys"] == [{"fields": ["WGMS_ID", "YEAR"],
                                  "reference": {"resource": "e-mass-balance-overview",
                                                "fields": ["WGMS_ID", "YEAR"]}}]  # fmt: skip
    for table in ("AA-GLACIER_ID_LUT", "B-STATE", "E-MASS_BALANCE_OVERVIEW"):
        (fk,) = wgms.load("upper", table)["foreignKeys"]
        assert fk["reference"] == {"resource": "a-glacier", "fields": ["WGMS_ID"]}


@given(year=st.integers(1600, 2099), month=st.integers(0, 99), day=st.integers(0, 99))
def test_date_pattern_accepts_exactly_the_dates_the_reader_reads(
    year: int, month: int, day: int
) -> None:
    text = f"{year:04d}{month:02d}{day:02d}"
    try:
        wgms.parse_upper_date(text)
        readable = True
    except ValueError:
        readable = False
    # what mbpack writes (the pattern), and old data's 00 for an unknown month or day
    written = re.fullmatch(wgms.UPPER_DATE_PATTERN, text) is not None
    old = (month == 0 and day <= 99) or (day == 0 and 1 <= month <= 12)
    assert (written or old) == readable, text


@given(st.dates(min_value=date(1600, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_round_trip(day: date) -> None:
    assert wgms.parse_upper_date(wgms.upper_date(day)) == (day, None)


def test_dates_with_unknown_parts() -> None:
    assert wgms.parse_upper_date("20109999") == (
        date(2010, 1, 1),
        "month and day unknown in 20109999, read as 2010-01-01",
    )
    assert wgms.parse_upper_date("20100399") == (
        date(2010, 3, 1),
        "day unknown in 20100399, read as 2010-03-01",
    )
    for bad in ("2010-01-01", "20109901", "20100230", "201001", "20101300"):
        with pytest.raises(ValueError, match=re.escape(bad)):
            wgms.parse_upper_date(bad)


@given(st.text(max_size=80))
def test_transliteration_is_a_valid_name_or_refused(text: str) -> None:
    try:
        name = wgms.transliterate(text)
    except ValueError:
        return
    assert re.fullmatch(wgms.NAME_PATTERN, name) and len(name) <= 60
    assert wgms.transliterate(name) == name


LATIN = st.characters(codec="latin-1", categories=["Lu", "Ll", "Nd", "Zs"], exclude_characters="µ")


@given(st.text(LATIN, min_size=1, max_size=25).filter(lambda s: any(c.isalnum() for c in s)))
def test_latin_names_always_transliterate(text: str) -> None:
    assert re.fullmatch(wgms.NAME_PATTERN, wgms.transliterate(text))


# -------------------------------------------------------------------------------------- checking


def frictionless_errors(
    directory: Path, generation: str
) -> list[tuple[str, int | None, str | None]]:
    """Errors frictionless finds in written tables: (type, row number, field name)."""
    from frictionless import Package, Resource, Schema

    if generation == "lower":
        package = Package(str(directory / "datapackage.json"))
    else:
        package = Package(resources=[
            Resource(path=f"{t}.csv", basepath=str(directory), name=t.lower().replace("_", "-"),
                     schema=Schema.from_descriptor(submission.resource_schema("upper", t)))
            for t in wgms.UPPER
        ])  # fmt: skip
    report = package.validate()
    return [(e[0], e[1], e[2]) for e in report.flatten(["type", "rowNumber", "fieldName"])]


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_emitted_tables_are_valid(tmp_path: Path, generation: wgms.Generation) -> None:
    tables = submission.wgms_tables(small(), generation)
    assert submission.validate_wgms_tables(tables, generation) == []
    submission.write_wgms(tables, tmp_path / "out", generation)
    assert frictionless_errors(tmp_path / "out", generation) == []


def test_frictionless_cli_validates_the_lower_package(tmp_path: Path) -> None:
    submission.write_wgms(submission.wgms_tables(small(), "lower"), tmp_path / "low", "lower")
    cli = shutil.which("frictionless") or str(Path(sys.executable).parent / "frictionless")
    result = subprocess.run([cli, "validate", "datapackage.json"], cwd=tmp_path / "low", capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def broken(
    generation: wgms.Generation, table: str, index: int, column: str, value: Any
) -> dict[str, pd.DataFrame]:
    tables = submission.wgms_tables(small(), generation)
    frame = tables[table]
    frame[column] = frame[column].astype(object)
    frame.loc[index, column] = value
    return tables


#: One case per check: (generation, table, frame index, column, new value, code, issue column, line).
BROKEN = [
    ("upper", "EEE-MASS_BALANCE_POINT", 0, "POINT_BALANCE", "x", "type-error", "POINT_BALANCE", 2),
    ("upper", "E-MASS_BALANCE_OVERVIEW", 0, "MIN_SITES_ACC", "4.5", "type-error", "MIN_SITES_ACC", 2),
    ("lower", "mass_balance", 1, "begin_date", "2001-02-30", "type-error", "begin_date", 3),
    ("upper", "A-GLACIER", 0, "POLITICAL_UNIT", None, "missing-value", "POLITICAL_UNIT", 2),
    ("lower", "mass_balance_point", 2, "balance", None, "missing-value", "balance", 4),
    ("upper", "E-MASS_BALANCE_OVERVIEW", 0, "TIME_SYSTEM", "XYZ", "not-in-enum", "TIME_SYSTEM", 2),
    ("upper", "EEE-MASS_BALANCE_POINT", 3, "BALANCE_CODE", "index", "not-in-enum", "BALANCE_CODE", 5),
    ("lower", "mass_balance", 1, "ela_position", "sideways", "not-in-enum", "ela_position", 3),
    ("upper", "E-MASS_BALANCE_OVERVIEW", 1, "END_PERIOD", "20029901", "date-invalid", "END_PERIOD", 3),
    ("upper", "EEE-MASS_BALANCE_POINT", 1, "TO_DATE", "2001-05-10", "date-invalid", "TO_DATE", 3),
    ("upper", "A-GLACIER", 0, "POLITICAL_UNIT", "XX", "not-in-enum", "POLITICAL_UNIT", 2),
    ("upper", "AA-GLACIER_ID_LUT", 0, "WGI_ID", "CN5Y741C005", "pattern", "WGI_ID", 2),
    ("upper", "E-MASS_BALANCE_OVERVIEW", 0, "AAR", 120, "out-of-range", "AAR", 2),
    ("upper", "EEE-MASS_BALANCE_POINT", 3, "DENSITY", 0, "out-of-range", "DENSITY", 5),
    ("upper", "EE-MASS_BALANCE", 3, "ANNUAL_BALANCE_UNC", -5, "out-of-range", "ANNUAL_BALANCE_UNC", 5),
    ("upper", "A-GLACIER", 0, "FRONTAL_CHARS", 10, "out-of-range", "FRONTAL_CHARS", 2),
    ("lower", "mass_balance", 0, "aar", 46.0, "out-of-range", "aar", 2),
    ("upper", "A-GLACIER", 0, "SPEC_LOCATION", "K" * 31, "too-long", "SPEC_LOCATION", 2),
    ("upper", "EE-MASS_BALANCE", 4, "YEAR", 2001, "duplicate-key", "WGMS_ID", 6),
    ("lower", "mass_balance_band", 2, "lower_elevation", 3550.0, "duplicate-key", "glacier_id", 4),
    ("upper", "EEE-MASS_BALANCE_POINT", 3, "YEAR", 1999, "foreign-key", "WGMS_ID", 5),
    ("upper", "EE-MASS_BALANCE", 0, "WGMS_ID", 4322, "foreign-key", "WGMS_ID", 2),
    ("lower", "mass_balance_band", 0, "year", 2003, "foreign-key", "glacier_id", 2),
]  # fmt: skip
#: frictionless' error type for each of our codes.
FRICTIONLESS_TYPE = {"type-error": "type-error", "missing-value": "constraint-error", "not-in-enum": "constraint-error",
                     "pattern": "constraint-error", "date-invalid": "constraint-error", "out-of-range": "constraint-error", "too-long": "constraint-error",
                     "duplicate-key": "primary-key", "foreign-key": "foreign-key"}  # fmt: skip


@pytest.mark.parametrize(("generation", "table", "index", "column", "value", "code", "issue_column", "line"),
                         BROKEN, ids=[f"{b[5]}-{b[1]}-{b[3]}" for b in BROKEN])  # fmt: skip
def test_broken_table_gives_the_issue_frictionless_gives(tmp_path: Path, generation: wgms.Generation, table: str,
                                                         index: int, column: str, value: Any, code: str,
                                                         issue_column: str, line: int) -> None:  # fmt: skip
    tables = broken(generation, table, index, column, value)
    issues = submission.validate_wgms_tables(tables, generation)
    assert [(i.code, i.severity, i.sheet, i.row, i.column) for i in issues] == [
        (code, "error", table, line, issue_column)
    ]
    (issue,) = issues
    if code not in ("duplicate-key", "foreign-key", "missing-value"):
        assert issue.value == str(value)
    assert issue.message
    submission.write_wgms(tables, tmp_path / "out", generation)
    found = frictionless_errors(tmp_path / "out", generation)
    assert [(kind, row) for kind, row, _ in found] == [(FRICTIONLESS_TYPE[code], line)]
    if code not in ("duplicate-key", "foreign-key"):
        assert found[0][2] == issue_column


def test_too_long_name_and_messages() -> None:
    tables = broken("upper", "A-GLACIER", 0, "NAME", "A" * 61)
    issues = submission.validate_wgms_tables(tables, "upper")
    by_code = {i.code: i for i in issues if i.sheet == "A-GLACIER"}
    assert by_code["too-long"].message == f"NAME {'A' * 61!r} is longer than 60 characters"
    assert {i.code for i in issues} == {"too-long"}  # keys are WGMS_ID: the name is no key
    tables = broken("upper", "E-MASS_BALANCE_OVERVIEW", 0, "AAR", 120)
    (issue,) = submission.validate_wgms_tables(tables, "upper")
    assert (issue.message, issue.value, issue.wgms_id, issue.year) == (
        "AAR 120 % is above the maximum 100 %",
        "120",
        4321,
        2001,
    )


def test_header_and_unknown_tables() -> None:
    tables = submission.wgms_tables(small(), "upper")
    tables["E-MASS_BALANCE_OVERVIEW"] = tables["E-MASS_BALANCE_OVERVIEW"].drop(
        columns="POLITICAL_UNIT"
    )
    tables["F-FRONT_VARIATION"] = pd.DataFrame({"X": [1]})
    issues = submission.validate_wgms_tables(tables, "upper")
    assert sorted((i.code, i.sheet, i.row, i.column) for i in issues) == [
        ("header", "E-MASS_BALANCE_OVERVIEW", 1, None),
        ("missing-column", "E-MASS_BALANCE_OVERVIEW", None, "POLITICAL_UNIT"),
        ("unknown-table", "F-FRONT_VARIATION", None, None),
    ]
    # TIME_SYSTEM is optional in WGMS's definition (FoG 2023-09): without it only the header
    tables = submission.wgms_tables(small(), "upper")
    e = tables["E-MASS_BALANCE_OVERVIEW"]
    tables["E-MASS_BALANCE_OVERVIEW"] = e.drop(columns="TIME_SYSTEM")
    issues = submission.validate_wgms_tables(tables, "upper")
    assert [(i.code, i.sheet) for i in issues] == [("header", "E-MASS_BALANCE_OVERVIEW")]


# -------------------------------------------------------------------------------------- reading


def picked(generation: str) -> dict[str, pd.DataFrame]:
    """What the workbook submits, rounded as the generation writes it [kg m-2]."""
    wb = small()
    gb = wb["glacier_balance"]
    gb = gb[gb["method"] != "contour"].reset_index(drop=True)
    dates = ["begin_date", "winter_end_date", "end_date"]
    gb[dates] = (
        wb["balance_years"].set_index("year").loc[gb["year"], dates].to_numpy()
    )  # dates of the year
    balances = [c for c in gb.columns if "balance" in c]
    if generation == "upper":
        gb[balances] = gb[balances].round()
        gb[["ela", "aar"]] = gb[["ela"]].round().assign(aar=(gb["aar"] * 100).round() / 100)
    else:
        gb[balances] = (gb[balances] / 1000).round(3) * 1000
        gb["ela"] = gb["ela"].round()
    points = wb["point_balance"]  # index points in both generations
    points = points.assign(
        balance_unc=points["balance_unc"].round(-1 if generation == "lower" else 0)
    )
    return {"glacier_balance": gb, "band_balance": wb["band_balance"], "point_balance": points,
            "balance_years": wb["balance_years"]}  # fmt: skip


COMPARED = {
    "glacier_balance": ["year", "begin_date", "winter_end_date", "end_date", "winter_balance", "winter_balance_unc",
                        "summer_balance", "summer_balance_unc", "annual_balance", "annual_balance_unc", "ela",
                        "ela_position", "aar", "area"],
    "band_balance": ["year", "lower_elevation", "upper_elevation", "area", "winter_balance", "summer_balance",
                     "annual_balance"],
    "point_balance": ["point_id", "year", "from_date", "to_date", "balance_code", "balance", "balance_unc",
                      "density", "elevation", "latitude", "longitude"],
    "balance_years": ["year", "time_system", "begin_date", "winter_end_date", "end_date"],
}  # fmt: skip


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_round_trip(tmp_path: Path, generation: wgms.Generation) -> None:
    submission.write_wgms(submission.wgms_tables(small(), generation), tmp_path / "x", generation)
    back = wgms.read_wgms(tmp_path / "x")
    expected = picked(generation)
    for sheet, cols in COMPARED.items():
        pd.testing.assert_frame_equal(back[sheet][cols], expected[sheet][cols], check_dtype=False,
                                      atol=1e-9, obj=sheet)  # fmt: skip
    assert back["glacier_balance"]["method"].tolist() == ["reported", "reported"]
    glacier = back["glacier"]
    assert (glacier["country"], glacier["wgms_id"], glacier["latitude"], glacier["rgi_id"]) == (
        "CN", 4321, 43.731, "RGI60-13.45335")  # fmt: skip
    if generation == "upper":
        assert glacier["name"] == NAME and glacier["area"] == 1.0
        assert back["point_balance"]["remarks"].tolist()[3] == "pit at the top"
    else:
        assert glacier["name"] == "Glacier Nº 51, Kuitun"
    # every year's band areas are its hypsometry (B-STATE's one band 3500-3650 m only without bands)
    band_cols = ["year", "lower_elevation", "upper_elevation", "area"]
    state = (
        [(2000, 3500.0, 3650.0, 1.0)] if generation == "upper" else []
    )  # B-STATE: no bands in 2000
    assert rows(back["hypsometry"], band_cols) == state + rows(
        expected["band_balance"].sort_values(["year", "lower_elevation"]), band_cols
    )
    Workbook.from_tables(back)  # the tables make a workbook


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balance=st.floats(-15000, 15000), generation=st.sampled_from(["upper", "lower"]))
def test_balances_round_trip_within_the_rounding(
    balance: float, generation: wgms.Generation
) -> None:
    wb = small()
    wb.tables["glacier_balance"].loc[0, "annual_balance"] = balance
    with tempfile.TemporaryDirectory() as tmp:
        submission.write_wgms(submission.wgms_tables(wb, generation), Path(tmp) / "x", generation)
        back = wgms.read_wgms(Path(tmp) / "x")["glacier_balance"]
    assert abs(back["annual_balance"].iloc[0] - balance) <= 0.5 + 1e-9


def release_files(tmp_path: Path) -> Path:
    """The upper tables under release names, in a zip, A-GLACIER in Latin-1 with 99 dates in E and EEE."""
    out = tmp_path / "u"
    tables = submission.wgms_tables(small(), "upper")
    tables["A-GLACIER"].loc[0, "GEN_LOCATION"] = "Tien Shan, Xinjiang (Zürich data)"
    tables["E-MASS_BALANCE_OVERVIEW"].loc[0, "END_WINTER"] = "20010599"
    tables["EEE-MASS_BALANCE_POINT"].loc[0, "FROM_DATE"] = "20009999"
    submission.write_wgms(tables, out, "upper")
    a = out / "A-GLACIER.csv"
    a.write_bytes(a.read_text(encoding="utf-8").encode("latin-1"))
    archive = tmp_path / "WGMS-FoG-2021-05.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in out.glob("*.csv"):
            letter, label = f.stem.split("-", 1)
            z.write(f, f"WGMS-FoG-2021-05/WGMS-FoG-2021-05-{letter}-{label.replace('_', '-')}.csv")
    return archive


def test_reads_a_latin1_release_zip_with_unknown_dates(tmp_path: Path) -> None:
    back = wgms.read_wgms(release_files(tmp_path))
    assert back["glacier"]["gen_location"] == "Tien Shan, Xinjiang (Zürich data)"
    years = back["balance_years"]
    assert years["winter_end_date"].iloc[0] == pd.Timestamp("2001-05-01")
    assert years["remarks"].iloc[0] == "END_WINTER day unknown in 20010599, read as 2001-05-01"
    gb = back["glacier_balance"]
    assert gb["remarks"].iloc[0] == (
        "glacier-wide, band method; END_WINTER day unknown in 20010599, read as 2001-05-01"
    )
    p = back["point_balance"].iloc[0]
    assert p["from_date"] == pd.Timestamp("2000-01-01")
    assert p["remarks"] == "FROM_DATE month and day unknown in 20009999, read as 2000-01-01"
    assert len(back["band_balance"]) == 3 and len(back["point_balance"]) == 4


def test_several_glaciers_need_a_wgms_id(tmp_path: Path) -> None:
    out = tmp_path / "two"
    one = submission.wgms_tables(small(), "lower")
    wb = small()
    wb.tables["glacier"].loc[0, ["wgms_id", "name"]] = [77, "Other"]
    wb.tables["glacier_balance"].loc[0, "annual_balance"] = 55.0
    two = submission.wgms_tables(wb, "lower")
    tables = {k: pd.concat([one[k], two[k]], ignore_index=True) for k in one}
    assert submission.validate_wgms_tables(tables, "lower") == []
    submission.write_wgms(tables, out, "lower")
    with pytest.raises(
        UnreadableWorkbook, match=r"hold 2 glaciers \(WGMS ids 77, 4321\.\.\.\); choose one"
    ):
        wgms.read_wgms(out)
    other = wgms.read_wgms(out, wgms_id=77)
    assert other["glacier"]["name"] == "Other"
    assert other["glacier_balance"]["annual_balance"].tolist() == [55.0, -1200.0]
    assert len(other["band_balance"]) == 3
    with pytest.raises(
        UnreadableWorkbook, match=r"no glacier with WGMS id 5; ids present: 77, 4321"
    ):
        wgms.read_wgms(out, wgms_id=5)


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(UnreadableWorkbook, match=r"no such file or folder"):
        wgms.read_wgms(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(UnreadableWorkbook, match=r"no WGMS tables"):
        wgms.read_wgms(tmp_path / "empty")
    out = tmp_path / "u"
    tables = submission.wgms_tables(small(), "upper")
    tables["E-MASS_BALANCE_OVERVIEW"].loc[1, "END_PERIOD"] = "20021301"
    submission.write_wgms(tables, out, "upper")
    with pytest.raises(UnreadableWorkbook, match=r"'20021301' is not a WGMS date"):
        wgms.read_wgms(out)
    submission.write_wgms(submission.wgms_tables(small(), "lower"), tmp_path / "l", "lower")
    shutil.copy(out / "EE-MASS_BALANCE.csv", tmp_path / "l" / "data")
    with pytest.raises(UnreadableWorkbook, match=r"both WGMS generations"):
        wgms.read_wgms(tmp_path / "l")


def test_reads_real_fog_extract() -> None:
    """OGGM's FoG extract of Urumqi Glacier No. 1 (mm w.e.): glacier-wide rows without bounds."""
    back = wgms.read_wgms(DATA / "mbdata_WGMS-01511.csv")
    assert back["glacier"] == {"name": "URUMQI GLACIER NO. 1 E-BRANCH", "country": "CN", "wgms_id": 1511,
                               "rgi_id": "RGI60-13.45335"}  # fmt: skip
    gb = back["glacier_balance"].set_index("year")
    assert (gb.loc[1988, "annual_balance"], gb.loc[1988, "area"]) == (-646.0, 1.163)
    assert gb.loc[1989, "annual_balance"] == 99.0 and gb.index.min() == 1988
    assert set(gb["method"]) == {"reported"} and back["band_balance"].empty
    assert gb.loc[1991, "remarks"].startswith("Mass balance vs altitude recalculated")
    west = wgms.read_wgms(DATA / "mbdata_WGMS-01512.csv")["glacier_balance"].set_index("year")
    # a real fault kept as published: B_a 37 is not B_w 66 + B_s 30
    assert tuple(west.loc[1996, ["winter_balance", "summer_balance", "annual_balance"]]) == (
        66,
        30,
        37,
    )


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_shipped_example_validates_in_both_generations(
    tmp_path: Path, generation: wgms.Generation
) -> None:
    """The example workbook's computed results (no WGMS id: a temporary 9xxxxx id in every table) are valid."""
    import mbpack
    from mbpack.balance.compute import compute
    from mbpack.workbook import read_workbook

    wb = read_workbook(Path(mbpack.__file__).parent / "data" / "haxilegen51.xlsx")
    tables = submission.wgms_tables(wb, generation, results=compute(wb))
    assert all(len(frame) for frame in tables.values())
    assert submission.validate_wgms_tables(tables, generation) == []
    submission.write_wgms(tables, tmp_path / "out", generation)
    assert frictionless_errors(tmp_path / "out", generation) == []

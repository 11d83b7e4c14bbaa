"""Validating WGMS FoG releases: a clean release passes, every injected fault is found at its line."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_wgms import small

from mbpack.checks import registry
from mbpack.checks.wgms import validate_fog
from mbpack.cli import main
from mbpack.publish import wgms as submission

DATA = Path(__file__).parent / "data" / "wgms-oggm"


def release(tmp_path: Path, generation: str) -> Path:
    out = tmp_path / generation
    submission.write_wgms(submission.wgms_tables(small(), generation), out, generation)  # type: ignore[arg-type]
    return out


def edit(path: Path, change: Callable[[pd.DataFrame], None]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_clean_release_has_no_issue(tmp_path: Path, generation: str) -> None:
    report = validate_fog(release(tmp_path, generation))
    assert report.issues == []


def set_cell(row: int, column: str, value: str) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[row, column] = value

    return change


UPPER_FAULTS = [
    # (file, change, code, line, column)
    ("EE-MASS_BALANCE", set_cell(3, "ANNUAL_BALANCE", "-300"), "balance-sum", 5, "ANNUAL_BALANCE"),
    (
        "EE-MASS_BALANCE",
        set_cell(3, "WINTER_BALANCE", "-10"),
        "winter-negative",
        5,
        "WINTER_BALANCE",
    ),
    (
        "EE-MASS_BALANCE",
        set_cell(3, "SUMMER_BALANCE", "20"),
        "summer-positive",
        5,
        "SUMMER_BALANCE",
    ),
    ("EE-MASS_BALANCE", set_cell(1, "LOWER_BOUND", "3520"), "band-overlap", 3, "LOWER_BOUND"),
    ("EE-MASS_BALANCE", set_cell(1, "LOWER_BOUND", "3560"), "band-gap", 3, "LOWER_BOUND"),
    ("EE-MASS_BALANCE", set_cell(3, "AREA", "1.5"), "area-mismatch", 5, "AREA"),
    (
        "EE-MASS_BALANCE",
        set_cell(0, "ANNUAL_BALANCE", "-1900"),
        "band-mean-mismatch",
        5,
        "ANNUAL_BALANCE",
    ),
    ("EE-MASS_BALANCE", set_cell(0, "NAME", "OTHER GLACIER"), "name-mismatch", 2, "NAME"),
    (
        "E-MASS_BALANCE_OVERVIEW",
        set_cell(0, "END_WINTER", "20000701"),
        "date-order",
        2,
        "END_WINTER",
    ),
    (
        "E-MASS_BALANCE_OVERVIEW",
        set_cell(0, "END_PERIOD", "20011231"),
        "period-length",
        2,
        "END_PERIOD",
    ),
    ("E-MASS_BALANCE_OVERVIEW", set_cell(0, "ELA", "4200"), "ela-outside", 2, "ELA"),
    ("E-MASS_BALANCE_OVERVIEW", set_cell(0, "AAR", "90"), "aar-mismatch", 2, "AAR"),
    (
        "E-MASS_BALANCE_OVERVIEW",
        set_cell(0, "END_PERIOD", "20011399"),
        "date-invalid",
        2,
        "END_PERIOD",
    ),
    (
        "E-MASS_BALANCE_OVERVIEW",
        set_cell(0, "END_PERIOD", "20010900"),
        "date-unknown-00",
        2,
        "END_PERIOD",
    ),
    ("E-MASS_BALANCE_OVERVIEW", set_cell(0, "ELA", "-9999"), "sentinel", 2, "ELA"),
    (
        "E-MASS_BALANCE_OVERVIEW",
        set_cell(0, "REMARKS", "=HYPERLINK(1)"),
        "text-suspicious",
        2,
        "REMARKS",
    ),
    ("A-GLACIER", set_cell(0, "POLITICAL_UNIT", "99"), "sentinel", 2, "POLITICAL_UNIT"),
    ("E-MASS_BALANCE_OVERVIEW", set_cell(0, "TIME_SYSTEM", "XYZ"), "not-in-enum", 2, "TIME_SYSTEM"),
    ("E-MASS_BALANCE_OVERVIEW", set_cell(0, "AAR", "120"), "out-of-range", 2, "AAR"),
    ("E-MASS_BALANCE_OVERVIEW", set_cell(1, "YEAR", "2001"), "duplicate-key", 3, "WGMS_ID"),
    ("EEE-MASS_BALANCE_POINT", set_cell(1, "BALANCE_CODE", "BA"), "code-period", 3, "BALANCE_CODE"),
    (
        "EEE-MASS_BALANCE_POINT",
        set_cell(0, "POINT_ELEVATION", "35200"),
        "out-of-range",
        2,
        "POINT_ELEVATION",
    ),
    (
        "EEE-MASS_BALANCE_POINT",
        set_cell(0, "POINT_ELEVATION", "5200"),
        "elevation-typo",
        2,
        "POINT_ELEVATION",
    ),
    ("EEE-MASS_BALANCE_POINT", set_cell(0, "TO_DATE", "20000801"), "date-order", 2, "TO_DATE"),
    ("EEE-MASS_BALANCE_POINT", set_cell(0, "POINT_BALANCE", "x"), "type-error", 2, "POINT_BALANCE"),
    ("EEE-MASS_BALANCE_POINT", set_cell(0, "YEAR", "1999"), "foreign-key", 2, "WGMS_ID"),
    ("A-GLACIER", set_cell(0, "POLITICAL_UNIT", ""), "missing-value", 2, "POLITICAL_UNIT"),
]


@pytest.mark.parametrize(("file", "change", "code", "line", "column"), UPPER_FAULTS,
                         ids=[f"{f[2]}-{f[0]}" for f in UPPER_FAULTS])  # fmt: skip
def test_upper_fault_is_found_at_its_line(tmp_path: Path, file: str, change: Callable[[pd.DataFrame], None],
                                          code: str, line: int, column: str) -> None:  # fmt: skip
    path = release(tmp_path, "upper")
    edit(path / f"{file}.csv", change)
    report = validate_fog(path)
    hits = [i for i in report.issues if i.code == code and i.line == line and i.column == column]
    assert hits, sorted((i.code, i.sheet, i.line, i.column) for i in report.issues)
    issue = hits[0]
    assert issue.file.endswith(f"{file}.csv") and issue.sheet == file
    kind = "fog" if code in {r.code for r in registry.rules("fog")} else "schema"
    assert issue.severity == registry.severity(code, kind)  # type: ignore[arg-type]
    if file != "A-GLACIER":
        assert issue.wgms_id == 4321 and issue.year in (2001, 2002, 1999)


def test_every_check_has_a_case() -> None:
    """Every code of a FoG rule and of a schema rule is injected and found above."""
    assert {r.code for r in registry.rules("fog")} <= {f[2] for f in UPPER_FAULTS}
    assert {r.code for r in registry.rules("schema")} - {
        "missing-column",
        "pattern",
        "too-long",
    } <= {f[2] for f in UPPER_FAULTS}


LOWER_FAULTS = [
    ("mass_balance", set_cell(0, "annual_balance", "-0.3"), "balance-sum", 2),
    ("mass_balance", set_cell(0, "midseason_date", "2000-07-01"), "date-order", 2),
    ("mass_balance", set_cell(0, "ela", "4200"), "ela-outside", 2),
    ("mass_balance", set_cell(0, "ela_position", "sideways"), "not-in-enum", 2),
    ("mass_balance", set_cell(0, "begin_date", "2000-13-01"), "type-error", 2),
    ("mass_balance_band", set_cell(1, "lower_elevation", "3520"), "band-overlap", 3),
    ("mass_balance_point", set_cell(1, "balance_code", "annual"), "code-period", 3),
]


@pytest.mark.parametrize(
    ("file", "change", "code", "line"), LOWER_FAULTS, ids=[f[2] for f in LOWER_FAULTS]
)
def test_lower_fault_is_found(tmp_path: Path, file: str, change: Callable[[pd.DataFrame], None], code: str,
                              line: int) -> None:  # fmt: skip
    path = release(tmp_path, "lower")
    edit(path / "data" / f"{file}.csv", change)
    report = validate_fog(path)
    assert any(i.code == code and i.line == line and i.sheet == file for i in report.issues), [
        (i.code, i.sheet, i.line) for i in report.issues
    ]


def test_zip_latin1_and_json_report(tmp_path: Path) -> None:
    path = release(tmp_path, "upper")
    edit(path / "A-GLACIER.csv", set_cell(0, "GEN_LOCATION", "Zürich"))
    a = path / "A-GLACIER.csv"
    a.write_bytes(a.read_text(encoding="utf-8").encode("latin-1"))
    edit(path / "EE-MASS_BALANCE.csv", set_cell(3, "ANNUAL_BALANCE", "-300"))
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in path.glob("*.csv"):
            z.write(f, f"WGMS-FoG-2021-05-{f.name}")
    result = CliRunner().invoke(main, ["validate", str(archive), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    (issue,) = [i for i in data["issues"] if i["code"] == "balance-sum"]
    assert issue["file"].endswith("WGMS-FoG-2021-05-EE-MASS_BALANCE.csv") and issue["line"] == 5
    assert (issue["wgms_id"], issue["glacier_name"], issue["year"]) == (
        4321,
        "GLACIER NO 51, KUITUN",
        2001,
    )
    # the changed glacier-wide value also departs from the area-weighted band mean
    assert data["summary"]["by_check"] == {"error:balance-sum": 1, "warning:band-mean-mismatch": 1}
    assert data["summary"]["by_glacier"] == {
        "4321 GLACIER NO 51, KUITUN": {"errors": 1, "warnings": 1}
    }


def test_generation_override(tmp_path: Path) -> None:
    path = release(tmp_path, "lower")
    result = CliRunner().invoke(main, ["validate", str(path), "--generation", "lower"])
    assert result.exit_code == 0, result.output


def test_real_fog_faults_are_found() -> None:
    report = validate_fog(DATA / "mbdata_WGMS-01512.csv")
    sums = {(i.year, i.code) for i in report.issues}
    assert (1996, "balance-sum") in sums and (1996, "summer-positive") in sums
    assert (1998, "winter-negative") in sums


@pytest.mark.parametrize(("generation", "file", "column"), [("lower", "mass_balance_point", "id"),
                                                            ("upper", "A-GLACIER", "WGMS_ID")])  # fmt: skip
def test_an_identifier_of_99999_is_not_a_sentinel(
    tmp_path: Path, generation: str, file: str, column: str
) -> None:
    """99999 is a no-data sentinel in a value column, but as an identifier it is the 99 999th
    point (a full-size release reaches it; the benchmark release flagged its point 99999)."""
    path = release(tmp_path, generation)
    tables = {p.stem: p for p in path.rglob("*.csv")}
    target = tables[next(k for k in tables if k.endswith(file))]
    frame = pd.read_csv(target, dtype=str, keep_default_na=False)
    old = frame.loc[0, column]
    for p in tables.values():  # the same id everywhere it is referenced
        edit(p, lambda f: f.replace({column: {old: "99999"}}, inplace=True))
    assert pd.read_csv(target, dtype=str)[column].iloc[0] == "99999"
    assert [i.code for i in validate_fog(path).issues] == []

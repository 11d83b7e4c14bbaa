"""Every validation rule, with a failing case at an exact cell; the clean workbook passes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import write

from mbpack.checks.rules import workbook_rules
from mbpack.checks.validate import validate
from mbpack.issues import Report
from mbpack.workbook import Workbook

Tables = dict[str, Any]


def run(tables: Tables, tmp_path: Path) -> Report:
    return validate(write(tables, tmp_path / "wb.xlsx"))


def found(report: Report) -> set[tuple[str, str | None]]:
    return {(i.code, i.cell) for i in report.issues}


def test_clean_workbook_has_no_issue(clean_xlsx: Path) -> None:
    report = validate(clean_xlsx)
    assert report.issues == []
    assert report.valid
    assert report.sheets["stake_readings"].rows == 12


def test_tables_made_in_code_validate_the_same(tables: Tables) -> None:
    assert validate(Workbook.from_tables(tables)).issues == []


def _set(sheet: str, index: int, **values: Any) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        target = t[sheet] if sheet in ("glacier", "dataset") else t[sheet][index]
        target.update(values)

    return mutate


def _append(sheet: str, row: dict[str, Any]) -> Callable[[Tables], None]:
    return lambda t: t.setdefault(sheet, []).append(row)


def _many(*steps: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        for step in steps:
            step(t)

    return mutate


_POINT = {
    "point_id": "S1",
    "year": 2001,
    "from_date": "2000-08-30",
    "to_date": "2001-08-31",
    "balance_code": "annual",
    "balance": -1350.0,
    "elevation": 3550.0,
}
_BAND = {
    "year": 2001,
    "lower_elevation": 3490.0,
    "upper_elevation": 3600.0,
    "area": 0.3,
    "winter_balance": 300.0,
    "summer_balance": -1500.0,
    "annual_balance": -1200.0,
}

GRID = [
    {"year": 2000, "x": 500000.0 + 25 * i, "y": 4842000.0 + 25 * j, "elevation": 3600.0}
    for i in range(10)
    for j in range(2)
]

CASES: list[tuple[str, Callable[[Tables], None], str, str, str]] = [
    # (id, mutation, code, severity, cell)
    (
        "winter-before-begin",
        _set("balance_years", 0, winter_end_date="2000-07-01"),
        "date-order",
        "error",
        "balance_years!D2",
    ),
    (
        "end-before-begin",
        _set("balance_years", 0, end_date="2000-08-01"),
        "date-order",
        "error",
        "balance_years!E2",
    ),
    (
        "year-not-end",
        _set("balance_years", 1, year=2003),
        "year-mismatch",
        "error",
        "balance_years!A3",
    ),
    (
        "year-too-long",
        _set("balance_years", 0, end_date="2001-12-31"),
        "period-length",
        "warning",
        "balance_years!E2",
    ),
    (
        "winter-too-short",
        _set("balance_years", 0, winter_end_date="2000-10-15"),
        "period-length",
        "warning",
        "balance_years!D2",
    ),
    (
        "years-overlap",
        _set("balance_years", 1, begin_date="2001-06-01"),
        "years-overlap",
        "error",
        "balance_years!C3",
    ),
    (
        "stake-elevation",
        _set("stakes", 0, elevation=3000.0),
        "elevation-outside",
        "warning",
        "stakes!F2",
    ),
    ("stake-far", _set("stakes", 1, latitude=44.5), "position-far", "warning", "stakes!D3"),
    (
        "stake-off-grid",
        _many(
            _set("stakes", 0, x=500000.0, y=4841000.0),
            lambda t: t.__setitem__("surface_grid", GRID),
        ),
        "off-glacier",
        "warning",
        "stakes!B2",
    ),
    (
        "probe-off-grid",
        _many(
            _append(
                "probes",
                {
                    "probe_id": "Q1",
                    "date": "2001-05-10",
                    "x": 500000.0,
                    "y": 4840000.0,
                    "snow_depth": 1.0,
                },
            ),
            lambda t: t.__setitem__("surface_grid", GRID),
        ),
        "off-glacier",
        "warning",
        "probes!C2",
    ),
    (
        "stake-no-position",
        _set("stakes", 2, x=None, y=None, latitude=None, longitude=None),
        "missing-position",
        "warning",
        "stakes!B4",
    ),
    (
        "unknown-stake",
        _set("stake_readings", 0, stake_id="S9"),
        "unknown-stake",
        "error",
        "stake_readings!A2",
    ),
    (
        "reading-outside",
        _set("stake_readings", 0, date="1999-01-01"),
        "reading-outside-years",
        "warning",
        "stake_readings!B2",
    ),
    (
        "redrill-unchained",
        _set("stake_readings", 3, new_exposure=None),
        "unchained-redrill",
        "error",
        "stake_readings!I5",
    ),
    (
        "reading-empty",
        _set("stake_readings", 6, exposure=None),
        "missing-reading",
        "error",
        "stake_readings!C8",
    ),
    (
        "after-lost",
        _append("stake_readings", {"stake_id": "S3", "date": "2001-06-01", "event": "lost"}),
        "reading-after-lost",
        "warning",
        "stake_readings!B13",
    ),
    (
        "implausible",
        _set("stake_readings", 8, exposure=16.0),
        "implausible-change",
        "warning",
        "stake_readings!C10",
    ),
    (
        "buried",
        _set("stake_readings", 10, exposure=-0.5, snow_depth=None),
        "buried-without-snow",
        "warning",
        "stake_readings!C12",
    ),
    (
        "new-exposure-plain",
        _set("stake_readings", 0, new_exposure=0.5),
        "new-exposure-without-event",
        "warning",
        "stake_readings!I2",
    ),
    ("layer-order", _set("snow_pits", 0, bottom_depth=0.0), "layer-order", "error", "snow_pits!I2"),
    (
        "layer-overlap",
        _set("snow_pits", 1, top_depth=0.4),
        "layer-overlap",
        "error",
        "snow_pits!H3",
    ),
    ("layer-gap", _set("snow_pits", 1, top_depth=0.6), "layer-gap", "warning", "snow_pits!H3"),
    (
        "snow-dense",
        _set("snow_pits", 0, density=750.0),
        "snow-density-high",
        "warning",
        "snow_pits!J2",
    ),
    (
        "pit-elevation",
        _many(_set("snow_pits", 0, elevation=4500.0), _set("snow_pits", 1, elevation=4500.0)),
        "elevation-outside",
        "warning",
        "snow_pits!G2",
    ),
    (
        "pit-inconsistent",
        _set("snow_pits", 1, elevation=3860.0),
        "pit-inconsistent",
        "warning",
        "snow_pits!G3",
    ),
    (
        "band-order",
        _set("hypsometry", 0, upper_elevation=3400.0),
        "band-order",
        "error",
        "hypsometry!C2",
    ),
    (
        "band-gap",
        _set("hypsometry", 1, lower_elevation=3610.0),
        "band-gap",
        "error",
        "hypsometry!B3",
    ),
    (
        "band-overlap",
        _set("hypsometry", 1, lower_elevation=3590.0),
        "band-overlap",
        "error",
        "hypsometry!B3",
    ),
    ("area-sum", _set("glacier", 0, area=1.5), "area-mismatch", "warning", "hypsometry!D2"),
    (
        "no-area",
        _many(*(_set("hypsometry", i, area=0.0) for i in range(3))),
        "no-area",
        "error",
        "hypsometry!D2",
    ),
    (
        "grid-one-row",
        lambda t: t.__setitem__("surface_grid", [c for c in GRID if c["y"] == 4842000.0]),
        "grid-spacing",
        "error",
        "surface_grid!B2",
    ),
    (
        "balance-sum",
        _set("glacier_balance", 0, annual_balance=-450.0),
        "balance-sum",
        "error",
        "glacier_balance!J2",
    ),
    (
        "winter-negative",
        _set("glacier_balance", 0, winter_balance=-100.0, annual_balance=-1000.0),
        "winter-negative",
        "warning",
        "glacier_balance!F2",
    ),
    (
        "summer-positive",
        _set("glacier_balance", 0, summer_balance=100.0, annual_balance=500.0),
        "summer-positive",
        "warning",
        "glacier_balance!H2",
    ),
    (
        "ela-outside",
        _set("glacier_balance", 0, ela=4200.0),
        "ela-outside",
        "warning",
        "glacier_balance!L2",
    ),
    (
        "band-balance-sum",
        _append("band_balance", {**_BAND, "annual_balance": -1000.0}),
        "balance-sum",
        "error",
        "band_balance!I2",
    ),
    (
        "band-balance-order",
        _append("band_balance", {**_BAND, "upper_elevation": 3400.0}),
        "band-order",
        "error",
        "band_balance!C2",
    ),
    (
        "point-period",
        _append("point_balance", {**_POINT, "to_date": "2000-08-01"}),
        "period-order",
        "error",
        "point_balance!D2",
    ),
    (
        "point-code",
        _append("point_balance", {**_POINT, "to_date": "2001-02-01"}),
        "code-period",
        "warning",
        "point_balance!E2",
    ),
    (
        "point-elevation",
        _append("point_balance", {**_POINT, "elevation": 5000.0}),
        "elevation-outside",
        "warning",
        "point_balance!J2",
    ),
    # constraints of the Table Schemas
    ("minimum", _set("snow_pits", 0, density=30.0), "out-of-range", "error", "snow_pits!J2"),
    (
        "maximum",
        _set("glacier_balance", 0, aar=0.3, ela=9500.0),
        "out-of-range",
        "error",
        "glacier_balance!L2",
    ),
    ("enum", _set("stake_readings", 0, surface="mud"), "not-in-enum", "error", "stake_readings!G2"),
    ("pattern", _set("glacier", 0, country="China"), "pattern", "error", "glacier!B7"),
    ("max-length", _set("glacier", 0, spec_location="x" * 31), "too-long", "error", "glacier!B17"),
    ("required", _set("stakes", 0, elevation=None), "missing-value", "error", "stakes!F2"),
    ("duplicate-id", _set("stakes", 1, stake_id="S1"), "duplicate-key", "error", "stakes!A3"),
    (
        "dem-outside",
        _append("surfaces", {"year": 2000, "dem": "/etc/passwd"}),
        "unsafe-path",
        "error",
        "surfaces!B2",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "code", "severity", "cell"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_reports_the_cell(
    tables: Tables,
    tmp_path: Path,
    mutate: Callable[[Tables], None],
    code: str,
    severity: str,
    cell: str,
) -> None:
    mutate(tables)
    report = run(tables, tmp_path)
    hits = [i for i in report.issues if i.code == code and i.cell == cell]
    assert hits, f"{code} at {cell} not in {sorted(found(report), key=str)}"
    assert hits[0].severity == severity
    assert hits[0].message
    assert report.valid == (severity == "warning" and report.errors == 0)


def test_every_rule_has_a_failing_case() -> None:
    tested = {c[2] for c in CASES}
    assert {r.code for r in workbook_rules()} <= tested


def test_ela_outside_with_prefix_passes(tables: Tables, tmp_path: Path) -> None:
    tables["glacier_balance"][0].update(ela=4000.0, ela_position=">")
    assert run(tables, tmp_path).issues == []


def test_messages_name_the_value(tables: Tables, tmp_path: Path) -> None:
    tables["snow_pits"][0]["density"] = 30.0
    tables["stake_readings"][0]["stake_id"] = "S9"
    report = run(tables, tmp_path)
    messages = {i.code: i.message for i in report.issues}
    assert messages["out-of-range"] == "density 30 kg m-3 is below the minimum 50 kg m-3"
    assert messages["unknown-stake"] == "stake 'S9' is not in the stakes sheet"


def test_missing_required_field_of_key_value_sheet(tables: Tables, tmp_path: Path) -> None:
    tables["glacier"]["country"] = None
    report = run(tables, tmp_path)
    (issue,) = [i for i in report.issues if i.code == "missing-value"]
    assert issue.cell == "glacier!B7"
    assert issue.column == "country"


def test_lazy_every_fault_in_one_run(tables: Tables, tmp_path: Path) -> None:
    for case in CASES:
        if case[0] in {"duplicate-id", "unknown-stake", "year-not-end"}:
            case[1](tables)
    report = run(tables, tmp_path)
    codes = {i.code for i in report.issues}
    assert {"duplicate-key", "unknown-stake", "year-mismatch"} <= codes


SEEDED = [
    "winter-before-begin", "year-not-end", "stake-elevation", "stake-far", "stake-no-position",
    "unknown-stake", "redrill-unchained", "reading-empty", "implausible", "buried", "after-lost",
    "layer-order", "snow-dense", "band-order", "area-sum", "balance-sum", "enum", "pattern",
    "duplicate-id", "point-code", "band-balance-sum", "max-length",
]  # fmt: skip


def test_seeded_workbook_reports_every_fault_in_one_run(tables: Tables, tmp_path: Path) -> None:
    """One workbook with one example of (nearly) every rule and odd cells: all found, by cell."""
    import json

    import openpyxl
    from click.testing import CliRunner

    from mbpack.cli import main

    cases = {c[0]: c for c in CASES}
    for name in SEEDED:
        cases[name][1](tables)
    path = write(tables, tmp_path / "seeded.xlsx")
    book = openpyxl.load_workbook(path)
    book["stake_readings"]["I2"] = "=1+1"  # formula never calculated
    book["stake_readings"]["B5"] = "2001年8月31日"
    book["stake_readings"]["D7"] = "0,70"
    book["stakes"]["H2"] = "moved"
    book["stakes"].merge_cells("H2:H3")
    book.save(path)
    expected = {(cases[n][2], cases[n][4]) for n in SEEDED} | {
        ("formula-without-value", "stake_readings!I2"),
        ("date-as-text", "stake_readings!B5"),
        ("number-as-text", "stake_readings!D7"),
        ("merged-cells", "stakes!H2:H3"),
    }
    text = CliRunner().invoke(main, ["validate", str(path)])
    assert text.exit_code == 1
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    got = {(i["code"], i["cell"]) for i in report["issues"]}
    assert expected <= got, sorted(expected - got)
    for code, cell in expected:
        assert cell in text.output and code in text.output
    assert report["errors"] == sum(i["severity"] == "error" for i in report["issues"])


def test_every_code_is_one_of_the_described_codes() -> None:
    """One set of codes for workbook rules, reader notes, FoG checks and computation
    (mbpack.codes); an issue made with any other code warns, and the test suite makes that
    warning an error (pyproject filterwarnings), so every test that meets a new code fails."""
    import warnings

    from mbpack.checks import fog_rules  # noqa: F401  (registers the FoG rules)
    from mbpack.checks.registry import REGISTRY
    from mbpack.codes import CODES, Code, UnknownCode
    from mbpack.issues import Issue

    assert {r.code for r in REGISTRY} <= set(CODES)
    assert Code("date-order") is Code.DATE_ORDER and Code.DATE_ORDER == "date-order"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UnknownCode, match="'no-such-code'"):
            Issue("no-such-code", "error", "x")


@pytest.mark.parametrize(
    ("start", "end", "change", "flagged"),
    [
        # 1.5 m in 45 summer days: 12.2 m a-1 annualised (flagged before), 6.75 m allowed
        ("2001-06-01", "2001-07-16", 1.5, False),
        # 3 m in 10 January days: 0.05 x 10 = 0.5 m allowed
        ("2001-01-05", "2001-01-15", 3.0, True),
        # 30 July days: 0.15 x 30 = 4.5 m allowed; 4 m is fine, 5 m is not
        ("2001-07-01", "2001-07-31", 4.0, False),
        ("2001-07-01", "2001-07-31", 5.0, True),
    ],
)
def test_plausible_change_is_judged_for_the_interval_and_season(
    tmp_path: Path, start: str, end: str, change: float, flagged: bool
) -> None:
    """The lowering allowed is 0.15 m per ablation-season day (May-Sep) and 0.05 m per other day."""
    tables: Tables = {
        "glacier": {"name": "G", "country": "CN", "latitude": 43.7, "longitude": 84.4},
        "balance_years": [{"year": 2001, "time_system": "FLO", "begin_date": "2000-09-01",
                           "winter_end_date": "2001-05-15", "end_date": "2001-09-01"}],
        "stakes": [{"stake_id": "A", "x": 0.0, "y": 0.0, "elevation": 3600.0}],
        "stake_readings": [{"stake_id": "A", "date": start, "exposure": 1.0},
                           {"stake_id": "A", "date": end, "exposure": 1.0 + change}],
    }  # fmt: skip
    report = validate(write(tables, tmp_path / "w.xlsx"))
    found = [i for i in report.issues if i.code == "implausible-change"]
    assert bool(found) == flagged
    if flagged:
        assert f"{change:.2f} m in" in found[0].message

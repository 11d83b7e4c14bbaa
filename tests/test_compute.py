"""compute(): refusals per year, reported-vs-recomputed, survey intervals, quality flags, CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from builders import stake_workbook
from click.testing import CliRunner
from conftest import write

from mbpack.balance.compute import compute
from mbpack.cli import main
from mbpack.params import DEFAULT
from mbpack.workbook import Workbook

POS = [(100.0, 150.0), (500.0, 900.0), (900.0, 1700.0), (400.0, 2300.0)]
ANNUAL = [-2000.0, -1100.0, -100.0, 500.0]
WINTER = [200.0, 300.0, 400.0, 450.0]


def test_year_without_grid_is_refused_for_the_contour_method_only() -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER)
    wb.tables["surface_grid"] = wb.tables["surface_grid"].iloc[0:0]
    result = compute(wb)
    assert list(result.glacier_balance["method"]) == ["band"]
    assert [i.message for i in result.issues] == ["contour method needs a surface_grid for 2001"]


def test_year_with_too_few_stakes_is_refused_and_others_go_on() -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER, years=2)
    readings = wb.tables["stake_readings"]
    late = (readings["date"] >= "2001-09-02") & (readings["stake_id"] != "S00")
    wb.tables["stake_readings"] = readings[~late].reset_index(drop=True)
    result = compute(wb, method="band")
    assert list(result.glacier_balance["year"]) == [2001]
    assert any(
        i.code == "not-computed" and i.message.startswith("2002: 1 annual point") and i.year == 2002
        for i in result.issues
    )


def test_reported_values_are_compared_with_recomputed_ones() -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER)
    computed = compute(wb, method="band").glacier_balance.iloc[0]
    wb.tables["glacier_balance"] = Workbook.from_tables({"glacier_balance": [
        {"year": 2001, "method": "reported", "winter_balance": 300.0, "summer_balance": -900.0,
         "annual_balance": -600.0}]}).tables["glacier_balance"]  # fmt: skip
    comparison = compute(wb, method="band").comparison.set_index("quantity")
    assert comparison.loc["annual_balance", "reported"] == -600.0
    assert comparison.loc["annual_balance", "difference"] == pytest.approx(
        computed["annual_balance"] + 600.0
    )


def test_band_balance_sheet_without_points() -> None:
    wb = Workbook.from_tables({
        "glacier": {"name": "G", "country": "CH", "latitude": 46.0, "longitude": 7.8},
        "band_balance": [
            {"year": 2010, "lower_elevation": 3000.0, "upper_elevation": 3100.0, "area": 1.0,
             "winter_balance": 400.0, "summer_balance": -1400.0, "annual_balance": -1000.0},
            {"year": 2010, "lower_elevation": 3100.0, "upper_elevation": 3200.0, "area": 3.0,
             "winter_balance": 800.0, "summer_balance": -600.0, "annual_balance": 200.0},
        ],
    })  # fmt: skip
    gb = compute(wb).glacier_balance.iloc[0]
    assert (gb["method"], gb["winter_balance"], gb["annual_balance"]) == ("band", 700.0, -100.0)
    assert gb["ela"] == pytest.approx(3050.0 + 100.0 * 1000.0 / 1200.0)


def test_survey_interval_and_index_balances() -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER)
    result = compute(wb, period=(date(2000, 9, 1), date(2001, 5, 15)))
    interval = result.interval.set_index("method")
    # every stake gained only its winter snow, counted at the snow density: the winter balance
    winter = compute(wb).glacier_balance.set_index("method")["winter_balance"]
    assert interval.loc["band", "balance"] == pytest.approx(winter["band"])
    assert interval.loc["band", "n_points"] == 4
    index = result.point_balance[result.point_balance["balance_code"] == "index"]
    assert len(index) == 3 * 4  # two consecutive pairs per stake, plus the named interval


def test_survey_interval_without_hypsometry() -> None:
    """Without a hypsometry the default (PCHIP) profile takes bands of ``band_width`` over the
    points' elevations, and the contour method integrates the interval on the grid (it had
    raised "a pchip profile needs the band edges" from the interval computation).

    Winter snow linear in elevation, b_w = 100 + 0.5 (z - 3500) [kg m-2], on the planar grid
    (z = 3500 + y / 5, y = 12.5 ... 2487.5 m, mean z 3750 m): the RBF field reproduces it, so the
    field's mean (``contour_integration="cells"``) is 100 + 0.5 x 250 = 225, to the 0.01 m
    reading resolution of the snow depths (0.01 m x 400 kg m-3 = 4 kg m-2).
    """
    winter = [100.0 + 0.5 * (y / 5.0) for _, y in POS]
    wb = stake_workbook(POS, ANNUAL, winter)
    wb.tables["hypsometry"] = wb.tables["hypsometry"].iloc[0:0]
    cells = replace(DEFAULT, contour_integration="cells")
    result = compute(wb, period=(date(2000, 9, 1), date(2001, 5, 15)), params=cells)
    interval = result.interval.set_index("method")
    assert interval.loc["contour", "balance"] == pytest.approx(225.0, abs=4.0)
    assert interval.loc["contour", "n_points"] == 4


def test_quality_bound_and_resolution() -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER)
    wb.tables["dataset"] = Workbook.from_tables({"dataset": {"title": "t", "balance_uncertainty": 1.0,
                                                             "point_resolution": 10.0}}).tables["dataset"]  # fmt: skip
    result = compute(wb, method="band")
    assert any(i.code == "uncertainty-above-stated" for i in result.issues)
    assert (result.point_balance["balance"] % 10 == 0).all()


def test_results_to_json_in_kg_per_m2() -> None:
    data = compute(stake_workbook(POS, ANNUAL, WINTER)).to_json()
    row = data["glacier_balance"][0]
    assert {
        "year",
        "method",
        "winter_balance",
        "summer_balance",
        "annual_balance",
        "ela",
        "aar",
    } <= set(row)
    assert isinstance(row["begin_date"], str) and row["begin_date"] == "2000-09-01"
    json.dumps(data)


def test_cli_compute(tmp_path: Path) -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER)
    path = write(wb.tables, tmp_path / "w.xlsx")
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["compute", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {r["method"] for r in data["glacier_balance"]} == {"band", "contour"}
    assert (out / "glacier_balance.csv").exists() and (out / "point_balance.csv").exists()
    table = pd.read_csv(out / "glacier_balance.csv")
    assert list(table["year"]) == [2001, 2001]
    text = CliRunner().invoke(main, ["compute", str(path), "--method", "band"])
    assert text.exit_code == 0 and "Glacier-wide balance" in text.output


def test_cli_compute_refuses_invalid_workbook(tmp_path: Path) -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER)
    wb.tables["stake_readings"].loc[0, "stake_id"] = "nope"
    path = write(wb.tables, tmp_path / "w.xlsx")
    result = CliRunner().invoke(main, ["compute", str(path)])
    assert result.exit_code == 1
    assert "validation errors" in result.stderr


def test_workbook_of_point_balances_only_validates_and_computes_both_methods(
    tmp_path: Path,
) -> None:
    """Archived point balances, no readings: b_a = 4 (z - 3800), b_w = 0.5 (z - 3500) + 100 [kg m-2].

    The planar glacier has equal areas per elevation (3500-4000 m, mean 3750 m), so for b linear in z
    B = b(3750): B_a = 4 x (-50) = -200, B_w = 0.5 x 250 + 100 = 225, B_s = -425, by both methods
    (the contour method integrating its cells; between 250 kg m-2 isolines it is 2.6 off). The
    points span the grid's elevations: both fields are held constant beyond the outermost points.
    """
    from dataclasses import replace

    from builders import planar_grid, planar_hypsometry

    from mbpack.checks.validate import validate
    from mbpack.workbook import read_workbook

    rows = []
    for i, (x, y) in enumerate(
        [(100, 12.5), (900, 400), (300, 900), (700, 1400), (200, 1900), (800, 2487.5)]
    ):
        z = 3500.0 + y / 5.0
        for code, start, end, b in (
            ("annual", "2000-09-01", "2001-09-01", 4 * (z - 3800)),
            ("winter", "2000-09-01", "2001-05-15", 0.5 * (z - 3500) + 100),
        ):
            rows.append({"point_id": f"P{i}", "year": 2001, "from_date": start, "to_date": end,
                         "balance_code": code, "balance": b, "balance_unc": 50.0, "density": 900.0,
                         "elevation": z, "x": float(x), "y": float(y), "source": "stake"})  # fmt: skip
    path = write({
        "glacier": {"name": "Planar", "country": "CN", "latitude": 43.7, "longitude": 84.4, "crs": "EPSG:32645"},
        "balance_years": [{"year": 2001, "time_system": "FLO", "begin_date": "2000-09-01",
                           "winter_end_date": "2001-05-15", "end_date": "2001-09-01"}],
        "hypsometry": planar_hypsometry(2000), "surface_grid": planar_grid(2000), "point_balance": rows,
    }, tmp_path / "points.xlsx")  # fmt: skip
    report = validate(path)
    assert report.errors == 0, report.sorted_issues()[:5]
    results = compute(read_workbook(path), params=replace(DEFAULT, contour_integration="cells"))
    table = results.glacier_balance.set_index("method")
    for method in ("band", "contour"):
        got = table.loc[method, ["winter_balance", "summer_balance", "annual_balance"]].tolist()
        assert got == pytest.approx([225.0, -425.0, -200.0], abs=1.0), method
    assert any(i.code == "points-from-sheet" for i in results.issues)

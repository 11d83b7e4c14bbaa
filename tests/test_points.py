"""Point balances at a stake, one test per reading situation, against hand computation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from mbpack.balance.points import (
    DensityProfile,
    annual_stake_balance,
    chain,
    nearest_pit,
    pit_balances,
    pit_profile,
    point_balances,
    workbook_pits,
    year_of,
)
from mbpack.params import DEFAULT
from mbpack.workbook import Workbook

YEAR = {"year": 2001, "time_system": "FLO", "begin_date": "2000-09-01", "winter_end_date": "2001-05-15",
        "end_date": "2001-09-01"}  # fmt: skip


def workbook(readings: list[dict[str, Any]], pits: list[dict[str, Any]] | None = None) -> Workbook:
    return Workbook.from_tables({
        "glacier": {"name": "G", "country": "CN", "latitude": 43.7, "longitude": 84.4},
        "balance_years": [YEAR],
        "stakes": [{"stake_id": "A", "x": 0.0, "y": 0.0, "elevation": 3600.0}],
        "stake_readings": [{"stake_id": "A", **r} for r in readings],
        "snow_pits": pits or [],
    })  # fmt: skip


def balances(wb: Workbook) -> dict[str, float]:
    points, _ = point_balances(wb)
    seasonal = points[points["source"] == "stake"].set_index("balance_code")["balance"]
    return {k: float(v) for k, v in seasonal.items() if k != "index"}


def test_ice_melt() -> None:
    # exposure 1.20 -> 3.05 m: 1.85 m of ice at 900 kg m-3; winter snow 0.80 m at 400 kg m-3
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.20},
        {"date": "2001-05-15", "exposure": 0.40, "snow_depth": 0.80},
        {"date": "2001-09-01", "exposure": 3.05, "surface": "ice"},
    ])  # fmt: skip
    assert balances(wb) == pytest.approx({"winter": 320.0, "annual": -1665.0, "summer": -1985.0})


def test_snow_left_at_the_end_of_summer() -> None:
    # 0.50 m of firn left above the summer surface, exposure down by 0.50 m: +0.50 x 600
    wb = workbook([
        {"date": "2000-09-01", "exposure": 2.00},
        {"date": "2001-09-01", "exposure": 1.50, "snow_depth": 0.50, "surface": "firn"},
    ])  # fmt: skip
    assert balances(wb) == pytest.approx({"annual": 300.0})


def test_snow_left_density_from_end_of_summer_pit() -> None:
    pit = {"pit_id": "P", "date": "2001-09-02", "x": 10.0, "y": 0.0, "top_depth": 0.0, "bottom_depth": 0.5,
           "density": 500.0, "layer": "firn"}  # fmt: skip
    wb = workbook([{"date": "2000-09-01", "exposure": 2.0},
                   {"date": "2001-09-01", "exposure": 1.5, "snow_depth": 0.5}], [pit])  # fmt: skip
    assert balances(wb)["annual"] == pytest.approx(250.0)


def test_superimposed_ice_is_a_gain() -> None:
    # 0.10 m superimposed ice formed on the old surface, stake 0.10 m less exposed: +0.10 x 900
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.00},
        {"date": "2001-09-01", "exposure": 0.90, "superimposed_ice": 0.10, "surface": "superimposed_ice"},
    ])  # fmt: skip
    assert balances(wb) == pytest.approx({"annual": 90.0})


def test_redrill_is_chained() -> None:
    # 1.0 -> 4.2 m, re-drilled to 0.8 m, then 2.1 m: lowering 3.2 + 1.3 = 4.5 m of ice
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.0},
        {"date": "2001-07-01", "exposure": 4.2, "new_exposure": 0.8, "event": "redrill"},
        {"date": "2001-09-01", "exposure": 2.1},
    ])  # fmt: skip
    assert balances(wb)["annual"] == pytest.approx(-4050.0)


def test_extension_is_chained() -> None:
    # buried top extended by 2 m: exposure -0.3 (top 0.3 m under the snow) becomes 1.7 m
    wb = workbook([
        {"date": "2000-09-01", "exposure": 0.5},
        {"date": "2001-05-15", "exposure": -0.3, "new_exposure": 1.7, "event": "extension", "snow_depth": 0.8},
        {"date": "2001-09-01", "exposure": 1.2, "snow_depth": 0.5},
    ])  # fmt: skip
    # continuous exposure: 0.5 -> -0.3 (offset +2.0) -> 1.2 - 2.0 = -0.8: raised 1.3 m with 0.5 m snow
    # recorded: L = -1.3 + 0.5 = -0.8 -> 0.8 m more counted as firn: (0.5 + 0.8) x 600
    assert balances(wb)["annual"] == pytest.approx(780.0)
    assert balances(wb)["winter"] == pytest.approx(320.0)


def test_buried_stake_gives_winter_balance_from_snow_depth() -> None:
    wb = workbook([
        {"date": "2000-09-01", "exposure": 0.6},
        {"date": "2001-05-15", "exposure": -0.4, "snow_depth": 1.0},
        {"date": "2001-09-01", "exposure": 2.0},
    ])  # fmt: skip
    assert balances(wb) == pytest.approx({"winter": 400.0, "annual": -1260.0, "summer": -1660.0})


def test_buried_stake_without_exposure_at_the_end() -> None:
    wb = workbook([
        {"date": "2000-09-01", "exposure": 0.3},
        {"date": "2001-09-01", "snow_depth": 0.9, "surface": "snow"},
    ])  # fmt: skip
    points, _ = point_balances(wb)
    row = points[points["balance_code"] == "annual"].iloc[0]
    assert row["balance"] == pytest.approx(540.0)
    assert "buried" in row["remarks"]


def test_lost_stake_has_no_annual_balance_and_is_reported() -> None:
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.0},
        {"date": "2001-05-15", "exposure": 0.2, "snow_depth": 0.8},
        {"date": "2001-07-20", "event": "lost"},
    ])  # fmt: skip
    points, issues = point_balances(wb)
    assert set(points[points["source"] == "stake"]["balance_code"]) == {"winter", "index"}
    (issue,) = [i for i in issues if i.code == "stake-lost"]
    assert issue.message == "stake A was lost on 2001-07-20: no annual balance for 2001"
    assert (issue.year, issue.sheet, issue.column) == (2001, "stake_readings", "event")


def test_winter_density_from_pit_profile() -> None:
    pits = [
        {
            "pit_id": "P",
            "date": "2001-05-14",
            "top_depth": 0.0,
            "bottom_depth": 0.5,
            "density": 300.0,
        },
        {
            "pit_id": "P",
            "date": "2001-05-14",
            "top_depth": 0.5,
            "bottom_depth": 1.0,
            "density": 450.0,
        },
    ]
    wb = workbook([{"date": "2000-09-01", "exposure": 1.0},
                   {"date": "2001-05-15", "exposure": 0.3, "snow_depth": 1.3}], pits)  # fmt: skip
    points, _ = point_balances(wb)
    winter = points[(points["balance_code"] == "winter") & (points["source"] == "stake")].iloc[0]
    # 0.5 x 300 + 0.5 x 450 + 0.3 x 375 (below the pit: mean of its lowest two layers)
    assert winter["balance"] == pytest.approx(487.5)
    pit = points[points["source"] == "pit"].iloc[0]
    assert (pit["balance_code"], pit["balance"]) == ("winter", pytest.approx(375.0))


def test_profile_and_chain_helpers() -> None:
    prof = pit_profile(
        pd.DataFrame(
            {"top_depth": [0.5, 0.0], "bottom_depth": [1.0, 0.5], "density": [400.0, 200.0]}
        )
    )
    assert isinstance(prof, DensityProfile)
    assert prof.swe(0.75) == pytest.approx(200.0)
    readings = pd.DataFrame({"date": pd.to_datetime(["2001-01-01", "2001-01-01", "2001-02-01"]),
                             "exposure": [3.0, 3.0, 1.5], "new_exposure": [1.0, None, None],
                             "event": ["redrill", "reading", "reading"]})  # fmt: skip
    assert list(chain(readings)["c"]) == [3.0, 3.0, 3.5]


def test_annual_formula_is_sum_of_layers() -> None:
    b, ice, kept = annual_stake_balance(1.0, 0.2, 0.1, 550.0, DEFAULT)
    # ice lost below the old surface: 1.0 + 0.2 + 0.1 = 1.3 m; gains: 0.1 m superimposed, 0.2 m firn
    assert (ice, kept) == pytest.approx((1.3, 0.2))
    assert b == pytest.approx(-900 * 1.3 + 900 * 0.1 + 550 * 0.2)


def test_firn_lost_below_a_firn_summer_surface() -> None:
    # the old summer surface was firn: 0.5 m lowering loses firn at 600 kg m-3, not ice
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.0, "surface": "firn"},
        {"date": "2001-09-01", "exposure": 1.5, "surface": "firn"},
    ])  # fmt: skip
    assert balances(wb) == pytest.approx({"annual": -300.0})


def test_winter_snow_from_the_exposure_drop_without_a_snow_depth() -> None:
    # no snow depth at the end of winter: exposure 1.2 -> 0.5 m, 0.7 m of snow at 400 kg m-3
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.2},
        {"date": "2001-05-15", "exposure": 0.5},
        {"date": "2001-09-01", "exposure": 2.1},
    ])  # fmt: skip
    points, _ = point_balances(wb)
    winter = points[(points["balance_code"] == "winter") & (points["source"] == "stake")].iloc[0]
    assert winter["balance"] == pytest.approx(280.0)
    assert winter["remarks"].startswith("snow depth from the exposure drop")
    assert balances(wb) == pytest.approx({"winter": 280.0, "annual": -810.0, "summer": -1090.0})


def test_redrill_without_both_exposures_breaks_the_chain_for_that_year_only() -> None:
    years = [YEAR, {"year": 2002, "time_system": "FLO", "begin_date": "2001-09-01",
                    "winter_end_date": "2002-05-15", "end_date": "2002-09-01"}]  # fmt: skip
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.0},
        {"date": "2001-07-01", "exposure": 3.0, "event": "redrill"},  # new exposure not written
        {"date": "2001-09-01", "exposure": 1.5},
        {"date": "2002-09-01", "exposure": 2.5},
    ])  # fmt: skip
    wb.tables["balance_years"] = Workbook.from_tables({"balance_years": years}).tables[
        "balance_years"
    ]
    points, issues = point_balances(wb)
    annual = points[(points["balance_code"] == "annual")].set_index("year")["balance"]
    assert list(annual.index) == [2002] and annual[2002] == pytest.approx(-900.0)
    (issue,) = [i for i in issues if i.code == "broken-chain"]
    assert issue.year == 2001 and "cannot be chained to 2000-09-01" in issue.message


def test_index_balances_between_consecutive_readings_add_up_to_the_annual() -> None:
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.20},
        {"date": "2001-05-15", "exposure": 0.40, "snow_depth": 0.80},
        {"date": "2001-09-01", "exposure": 3.05, "surface": "ice"},
    ])  # fmt: skip
    points, _ = point_balances(wb)
    index = points[points["balance_code"] == "index"].sort_values("from_date")
    # +0.80 m snow at 400; then the snow melts (-320) and 1.85 m of ice (-1665)
    assert list(index["balance"]) == pytest.approx([320.0, -1985.0])
    assert index["balance"].sum() == pytest.approx(-1665.0)


def test_stakes_are_chained_each_on_its_own_whatever_the_order_of_the_sheet() -> None:
    """Readings of two stakes interleaved in the sheet; A is re-drilled, B is not.

    A: 1.0 m, re-drilled at 4.0 m to 1.0 m (offset +3.0), then 2.0 m: continuous exposure
    1.0, 4.0, 5.0, so 4.0 m of ice lost, -3600 kg m-2 (index: 3.0 m, -2700, then 1.0 m,
    -900). B: 1.5 m then 2.0 m, 0.5 m of ice, -450 kg m-2; had A's re-drill offset carried
    over to B (the readings of all stakes are chained in one pass) B would show 3.5 m.
    """
    readings = [
        {"stake_id": "B", "date": "2001-09-01", "exposure": 2.0, "surface": "ice"},
        {"stake_id": "A", "date": "2000-09-01", "exposure": 1.0},
        {"stake_id": "B", "date": "2000-09-01", "exposure": 1.5},
        {"stake_id": "A", "date": "2001-07-01", "exposure": 4.0, "new_exposure": 1.0, "event": "redrill"},
        {"stake_id": "A", "date": "2001-09-01", "exposure": 2.0, "surface": "ice"},
    ]  # fmt: skip
    wb = Workbook.from_tables({
        "glacier": {"name": "G", "country": "CN", "latitude": 43.7, "longitude": 84.4},
        "balance_years": [YEAR],
        "stakes": [{"stake_id": "A", "x": 0.0, "y": 0.0, "elevation": 3600.0},
                   {"stake_id": "B", "x": 500.0, "y": 0.0, "elevation": 3700.0}],
        "stake_readings": readings,
    })  # fmt: skip
    points, issues = point_balances(wb)
    assert issues == []
    annual = points[points["balance_code"] == "annual"].set_index("point_id")
    assert annual["balance"].to_dict() == pytest.approx({"A": -3600.0, "B": -450.0})
    assert annual["elevation"].to_dict() == {"A": 3600.0, "B": 3700.0}
    index = points[points["balance_code"] == "index"].sort_values(["point_id", "from_date"])
    assert list(index["point_id"]) == ["A", "A", "B"]
    assert list(index["balance"]) == pytest.approx([-2700.0, -900.0, -450.0])
    assert list(index["x"]) == [0.0, 0.0, 500.0]


def test_a_workbook_without_readings_has_no_stake_balances() -> None:
    points, issues = point_balances(workbook([]))
    assert points.empty and issues == []
    assert list(points.columns)[:6] == [
        "point_id",
        "year",
        "from_date",
        "to_date",
        "balance_code",
        "balance",
    ]


def test_year_of_a_date_near_the_end_of_one_year_and_the_begin_of_the_next() -> None:
    """A date up to ``tolerance`` days after a year's end counts for the year ending, in
    years that follow one another (a binary search) and in years that overlap (a scan)."""
    wb = Workbook.from_tables({"balance_years": [
        {"year": 2001, "begin_date": "2000-09-01", "end_date": "2001-09-01"},
        {"year": 2002, "begin_date": "2001-09-01", "end_date": "2002-09-01"},
    ]})  # fmt: skip
    from mbpack.balance.points import balance_years

    following = balance_years(wb)
    overlapping = [following[0], replace(following[1], begin=pd.Timestamp("2001-05-01"))]
    for years in (following, overlapping):
        found = {d: year_of(years, pd.Timestamp(d), 10) for d in
                 ("2000-08-25", "2001-06-01", "2001-09-05", "2001-09-11", "2001-09-12", "2002-09-11",
                  "2002-09-12", "2000-08-21")}  # fmt: skip
        assert {d: y.year if y else None for d, y in found.items()} == {
            "2000-08-25": 2001, "2001-06-01": 2001, "2001-09-05": 2001, "2001-09-11": 2001,
            "2001-09-12": 2002, "2002-09-11": 2002, "2002-09-12": None, "2000-08-21": None,
        }  # fmt: skip


def test_probe_below_the_pit_uses_the_tail_density() -> None:
    pits = [{"pit_id": "P", "date": "2001-05-14", "x": 5.0, "y": 0.0, "top_depth": 0.0, "bottom_depth": 0.5,
             "density": 300.0},
            {"pit_id": "P", "date": "2001-05-14", "x": 5.0, "y": 0.0, "top_depth": 0.5, "bottom_depth": 1.0,
             "density": 450.0}]  # fmt: skip
    wb = workbook([{"date": "2000-09-01", "exposure": 1.0}], pits)
    wb.tables["probes"] = Workbook.from_tables({"probes": [
        {"probe_id": "p1", "date": "2001-05-16", "x": 50.0, "y": 0.0, "elevation": 3610.0, "snow_depth": 1.3},
        {"probe_id": "p2", "date": "2001-05-16", "x": 60.0, "y": 0.0, "elevation": 3620.0, "snow_depth": 0.75},
    ]}).tables["probes"]  # fmt: skip
    points, _ = point_balances(wb)
    probes = points[points["source"] == "probe"].set_index("point_id")
    # 0.5 x 300 + 0.5 x 450 + 0.3 x 375 (mean of the lowest two layers)
    assert probes.loc["p1", "balance"] == pytest.approx(487.5)
    assert probes.loc["p1", "remarks"] == "below pit P (1 m): tail density 375 kg m-3"
    # inside the pit: 150 + 0.25 x 450
    assert probes.loc["p2", "balance"] == pytest.approx(262.5)
    assert set(probes["balance_code"]) == {"winter"}


def test_end_of_summer_pit_gives_the_annual_balance() -> None:
    pit = {"pit_id": "P", "date": "2001-09-03", "x": 0.0, "y": 0.0, "elevation": 3900.0, "top_depth": 0.0,
           "bottom_depth": 0.6, "density": 550.0, "layer": "firn"}  # fmt: skip
    wb = workbook([{"date": "2000-09-01", "exposure": 1.0}], [pit])
    points, _ = point_balances(wb)
    row = points[points["source"] == "pit"].iloc[0]
    assert (row["balance_code"], row["balance"], row["density"]) == (
        "annual",
        pytest.approx(330.0),
        550.0,
    )


# --- field situations (issue 12), every number worked out by hand -----------------------------

FXD = {"year": 2001, "time_system": "FXD", "begin_date": "2000-10-01", "winter_end_date": "2001-04-30",
       "end_date": "2001-09-30"}  # fmt: skip


def with_year(wb: Workbook, **year: Any) -> Workbook:
    wb.tables["balance_years"] = Workbook.from_tables({"balance_years": [YEAR | year]}).tables[
        "balance_years"
    ]
    return wb


@pytest.mark.parametrize(("surface", "expected"), [("firn", -1392.0), ("ice", -2088.0)])
def test_surface_at_the_end_reading_decides_firn_or_ice(surface: str, expected: float) -> None:
    """2.32 m lowering below the old summer surface: firn 2.32 x 600 = 1392, ice 2.32 x 900 = 2088.

    (The real firn-area stake of the issue: -2088 counted as ice instead of -1392.)
    """
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.00},
        {"date": "2001-09-01", "exposure": 3.32, "surface": surface},
    ])  # fmt: skip
    points, _ = point_balances(wb)
    row = points[points["balance_code"] == "annual"].iloc[0]
    assert row["balance"] == pytest.approx(expected)
    assert f"2.32 m of {surface} lost below the summer surface" in row["remarks"]


@pytest.mark.parametrize(
    ("start", "expected", "remark"),
    [
        # 0.8 m of last year's firn at the default 600 kg m-3, then 1.52 m of ice
        (
            {"snow_depth": 0.8, "surface": "firn"},
            -(0.8 * 600 + 1.52 * 900),
            "0.80 m of the previous",
        ),
        # firn of unknown depth (no snow_depth at the start): the end surface decides, all ice
        ({"surface": "firn"}, -2.32 * 900, "2.32 m of ice lost"),
        # more firn than was lost: all of it at the firn density
        ({"snow_depth": 3.0, "surface": "firn"}, -2.32 * 600, "2.32 m of the previous"),
    ],
)
def test_firn_recorded_at_the_start_melts_first(
    start: dict[str, object], expected: float, remark: str
) -> None:
    """A stake that melts through the previous year's firn into ice: b = -(ρ_f f0 + ρ_i (L - f0)).

    2.32 m lowering, ending on ice; the start reading records f0 of firn above the ice (its
    ``snow_depth`` on a firn surface).  f0 = 0.8 m: -(0.8 x 600 + 1.52 x 900) = -1848; the former
    rule counted all 2.32 m as ice, -2088, 240 = (900 - 600) x 0.8 too low (and the firn had
    been counted at 600 kg m-3 when it was gained, so mass was not conserved).
    """
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.00, **start},
        {"date": "2001-09-01", "exposure": 3.32, "surface": "ice"},
    ])  # fmt: skip
    points, _ = point_balances(wb)
    row = points[points["balance_code"] == "annual"].iloc[0]
    assert row["balance"] == pytest.approx(expected)
    assert remark in row["remarks"]


def test_firn_left_by_earlier_years_melts_before_the_ice() -> None:
    """Older firn below the firn a start reading records is carried from the stake's own years.

    Drilled through 1.0 m of firn (recorded at the first reading).  2001: 0.5 m of new firn on
    top (exposure 1.50 -> 1.00, firn at the end): +0.5 x 600 = +300.  2002: the start reading
    (the 2001 end reading) records only that 0.5 m; the stake then lowers 2.30 m and ends on
    ice, so it melted the 0.5 m, the 1.0 m of firn below it, and 0.8 m of ice: -(1.5 x 600 +
    0.8 x 900) = -1620.  Counting the 1.0 m of older firn as ice gave -(0.5 x 600 + 1.8 x 900)
    = -1920.  2003: on ice from the start, 1.0 m of ice: -900.
    """
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.50, "snow_depth": 1.0, "surface": "firn"},
        {"date": "2001-09-01", "exposure": 1.00, "snow_depth": 0.5, "surface": "firn"},
        {"date": "2002-09-01", "exposure": 3.30, "surface": "ice"},
        {"date": "2003-09-01", "exposure": 4.30, "surface": "ice"},
    ])  # fmt: skip
    years = [YEAR | {"year": y, "begin_date": f"{y - 1}-09-01", "winter_end_date": f"{y}-05-15",
                     "end_date": f"{y}-09-01"} for y in (2001, 2002, 2003)]  # fmt: skip
    wb.tables["balance_years"] = Workbook.from_tables({"balance_years": years}).tables[
        "balance_years"
    ]
    points, _ = point_balances(wb)
    annual = points[points["balance_code"] == "annual"].set_index("year")
    assert annual["balance"].to_dict() == pytest.approx({2001: 300.0, 2002: -1620.0, 2003: -900.0})
    assert "1.00 m of firn left by earlier years lost" in annual.loc[2002, "remarks"]


def test_snow_at_the_start_reading_floating_date() -> None:
    """d0 = 0.2 m of new snow at the start reading (no pit: new-snow density 300, SWE 60 kg m-2).

    Exposure 1.0 -> 2.7 m: 1.7 m more stake, of which 0.2 m was the start snow, so 1.5 m of ice:
    b_a = -1.5 x 900 - 60 = -1410 (the snow was there at the start of the floating-date period;
    the former arithmetic took 1.7 m of ice, -1530, 120 = (900 - 300) x 0.2 too low).
    Winter: 1.0 m of snow above the summer surface at 400 = 400, minus the 60 there at the start:
    b_w = 340; b_s = -1410 - 340 = -1750.
    """
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.0, "snow_depth": 0.2, "new_snow": 0.2, "surface": "snow"},
        {"date": "2001-05-15", "exposure": 0.4, "snow_depth": 1.0},
        {"date": "2001-09-01", "exposure": 2.7, "surface": "ice"},
    ])  # fmt: skip
    assert balances(wb) == pytest.approx({"winter": 340.0, "annual": -1410.0, "summer": -1750.0})


def test_snow_at_the_start_reading_stratigraphic() -> None:
    """The same stake in a stratigraphic year: the start snow is this year's accumulation.

    b_a = -1.5 x 900 = -1350 (the column between summer surfaces); b_w = 1.0 x 400 = 400;
    b_s = -1750 (the same melt as in the floating-date year).
    """
    wb = with_year(workbook([
        {"date": "2000-09-01", "exposure": 1.0, "snow_depth": 0.2, "new_snow": 0.2, "surface": "snow"},
        {"date": "2001-05-15", "exposure": 0.4, "snow_depth": 1.0},
        {"date": "2001-09-01", "exposure": 2.7, "surface": "ice"},
    ]), time_system="STR")  # fmt: skip
    assert balances(wb) == pytest.approx({"winter": 400.0, "annual": -1350.0, "summer": -1750.0})


def test_autumn_snow_split_from_the_old_firn() -> None:
    """End of summer: 0.5 m above the old (firn) summer surface, 0.2 m of it new autumn snow.

    Exposure 2.0 -> 1.6 m (E = -0.4); L = -0.4 + 0.5 = 0.1 m of firn lost below the old surface
    (surface snow at the end, firn at the start): -0.1 x 600 = -60; old firn kept 0.3 m x 600 =
    +180; new snow 0.2 m x 300 = +60: floating-date b_a = 180 (the former arithmetic took all
    0.5 m at 600: 240). Stratigraphic: the new snow is the next year's, b_a = -60 + 180 = 120.
    """
    readings = [
        {"date": "2000-09-01", "exposure": 2.0, "surface": "firn"},
        {
            "date": "2001-09-01",
            "exposure": 1.6,
            "snow_depth": 0.5,
            "new_snow": 0.2,
            "surface": "snow",
        },
    ]
    assert balances(workbook(readings)) == pytest.approx({"annual": 180.0})
    assert balances(with_year(workbook(readings), time_system="STR")) == pytest.approx(
        {"annual": 120.0}
    )


def test_one_winter_value_per_site() -> None:
    """Stake A (0, 0) with 1.0 m of snow and probe p1 3 m from it (1.1 m) are one site; p2 at 50 m is not.

    Default snow density 400: stake 400, p1 440 -> site A = (400 + 440) / 2 = 420; p2 0.9 x 400 = 360.
    """
    wb = workbook([
        {"date": "2000-09-01", "exposure": 1.2},
        {"date": "2001-05-15", "exposure": 0.2, "snow_depth": 1.0},
    ])  # fmt: skip
    wb.tables["probes"] = Workbook.from_tables({"probes": [
        {"probe_id": "p1", "date": "2001-05-15", "x": 3.0, "y": 0.0, "elevation": 3600.0, "snow_depth": 1.1},
        {"probe_id": "p2", "date": "2001-05-15", "x": 50.0, "y": 0.0, "elevation": 3605.0, "snow_depth": 0.9},
    ]}).tables["probes"]  # fmt: skip
    points, _ = point_balances(wb)
    winter = points[points["balance_code"] == "winter"].set_index("point_id")
    assert winter["balance"].to_dict() == pytest.approx({"A": 420.0, "p2": 360.0})
    assert "mean of stake A 400, probe p1 440" in winter.loc["A", "remarks"]


def test_nearest_pit_has_distance_and_elevation_limits() -> None:
    """A pit 5 km away gives no density by itself: the survey's mean profile is used, and said.

    Stake snow 1.0 m; the only pit (5000 m away, 300 kg m-3 down to 1.2 m) is beyond
    pit_max_distance (2000 m), so the fallback is the survey's mean profile: 1.0 x 300 = 300, an
    estimated density. Without any pit of the survey: the default 400.
    """
    far = {"pit_id": "FAR", "date": "2001-05-14", "x": 5000.0, "y": 0.0, "elevation": 3650.0,
           "top_depth": 0.0, "bottom_depth": 1.2, "density": 300.0, "layer": "snow"}  # fmt: skip
    readings = [{"date": "2000-09-01", "exposure": 1.2},
                {"date": "2001-05-15", "exposure": 0.2, "snow_depth": 1.0}]  # fmt: skip
    pits = workbook_pits(workbook(readings, [far]))
    assert nearest_pit(pits, pd.Timestamp("2001-05-15"), 0.0, 0.0, 3600.0, 20) is pits[0]
    assert (
        nearest_pit(pits, pd.Timestamp("2001-05-15"), 0.0, 0.0, 3600.0, 20, 2000.0, 200.0) is None
    )
    points, _ = point_balances(workbook(readings, [far]))
    winter = points[(points["balance_code"] == "winter") & (points["source"] == "stake")].iloc[0]
    assert winter["balance"] == pytest.approx(300.0)
    assert (
        "no pit within 2000 m and 200 m of elevation: mean profile of the survey's pits FAR"
        in (winter["remarks"])
    )
    assert winter["density_unc"] == pytest.approx(300.0 * DEFAULT.estimated_density_error)
    none, _ = point_balances(workbook(readings))
    row = none[none["balance_code"] == "winter"].iloc[0]
    assert row["balance"] == pytest.approx(400.0) and "default snow density 400" in row["remarks"]


def test_pit_gaps_are_filled_and_reported() -> None:
    """Layers 0-0.25 (300), 0.30-0.55 (400), 0.60-0.85 (420) with 5 cm gaps between them.

    Gaps at the neighbours' mean density: 0.05 x 350 = 17.5 and 0.05 x 410 = 20.5, so
    SWE = 75 + 17.5 + 100 + 20.5 + 105 = 318 kg m-2 (counting the gaps as empty: 280, 12 % low).
    """
    layers = [(0.0, 0.25, 300.0), (0.30, 0.55, 400.0), (0.60, 0.85, 420.0)]
    pits = [{"pit_id": "P", "date": "2001-05-15", "x": 500.0, "y": 0.0, "top_depth": t, "bottom_depth": b,
             "density": r, "layer": "snow"} for t, b, r in layers]  # fmt: skip
    wb = workbook([{"date": "2000-09-01", "exposure": 1.0}], pits)
    points, issues = pit_balances(wb)
    assert points.iloc[0]["balance"] == pytest.approx(318.0)
    (gap,) = [i for i in issues if i.code == "pit-gap"]
    assert "2 gap(s)" in gap.message and "+38 kg m-2" in gap.message


def test_firn_below_the_summer_surface_ends_the_winter_record() -> None:
    """A winter pit: 0.5 m snow at 300, then 0.3 m of firn at 550: b_w = 150, not 150 + 165."""
    pits = [{"pit_id": "P", "date": "2001-05-15", "x": 500.0, "y": 0.0, "top_depth": t, "bottom_depth": b,
             "density": r, "layer": k} for t, b, r, k in [(0.0, 0.5, 300.0, "snow"), (0.5, 0.8, 550.0, "firn")]]  # fmt: skip
    points, _ = pit_balances(workbook([{"date": "2000-09-01", "exposure": 1.0}], pits))
    assert points.iloc[0]["balance"] == pytest.approx(150.0)


def test_pit_short_of_the_summer_surface_is_flagged() -> None:
    """A pit ending in snow at 1.0 m (0-0.5 at 300, 0.5-1.0 at 400) beside stake A with 1.6 m of snow.

    The pit did not reach the summer surface: extended to 1.6 m at its tail density (300 + 400) / 2
    = 350: SWE = 150 + 200 + 0.6 x 350 = 560 kg m-2 (the pit alone: 350, 38 % low).
    """
    pits = [{"pit_id": "P", "date": "2001-05-15", "x": 5.0, "y": 0.0, "top_depth": t, "bottom_depth": b,
             "density": r, "layer": "snow"} for t, b, r in [(0.0, 0.5, 300.0), (0.5, 1.0, 400.0)]]  # fmt: skip
    wb = workbook([{"date": "2000-09-01", "exposure": 1.8},
                   {"date": "2001-05-15", "exposure": 0.2, "snow_depth": 1.6}], pits)  # fmt: skip
    points, issues = pit_balances(wb)
    assert points.iloc[0]["balance"] == pytest.approx(560.0)
    (short,) = [i for i in issues if i.code == "pit-short"]
    assert "did not reach the summer surface" in short.message and "stake A" in short.message


def test_off_date_reading_with_and_without_the_fixed_date_correction() -> None:
    """Fixed-date year 1 Oct - 30 Apr - 30 Sep; the end reading is 10 days early (20 Sep).

    Exposure 1.0 -> 0.2 (0.8 m snow: b_w = 320) -> 2.8 m of ice: b_a = -1.8 x 900 = -1620,
    b_s = -1940 over 30 Apr - 20 Sep (143 d): r_s = -1940 / 143 = -13.566 kg m-2 d-1.
    Corrected to 30 Sep: b_a' = -1620 - 10 x 13.566 = -1755.66, b_w' = 320 (read on its date),
    b_s' = -2075.66. Without the correction (the default) the balances keep the reading dates.
    """
    from dataclasses import replace

    readings = [
        {"date": "2000-10-01", "exposure": 1.0},
        {"date": "2001-04-30", "exposure": 0.2, "snow_depth": 0.8},
        {"date": "2001-09-20", "exposure": 2.8, "surface": "ice"},
    ]
    wb = workbook(readings)
    wb.tables["balance_years"] = Workbook.from_tables({"balance_years": [FXD]}).tables[
        "balance_years"
    ]
    assert balances(wb) == pytest.approx({"winter": 320.0, "annual": -1620.0, "summer": -1940.0})
    points, _ = point_balances(wb)
    assert str(points[points["balance_code"] == "annual"]["to_date"].iloc[0].date()) == "2001-09-20"
    fixed, _ = point_balances(wb, replace(DEFAULT, fixed_date_correction=True))
    seasonal = fixed[(fixed["source"] == "stake") & (fixed["balance_code"] != "index")]
    got = seasonal.set_index("balance_code")
    assert got["balance"].to_dict() == pytest.approx(
        {
            "winter": 320.0,
            "annual": -1620.0 - 1940.0 / 143 * 10,
            "summer": -1940.0 - 1940.0 / 143 * 10,
        }
    )
    assert str(got.loc["annual", "to_date"].date()) == "2001-09-30"
    assert "fixed-date correction -136 kg m-2" in got.loc["annual", "remarks"]

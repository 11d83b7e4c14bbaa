"""Point balances at a stake, one test per reading situation, against hand computation."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from mbpack.balance.points import (
    DensityProfile,
    annual_stake_balance,
    chain,
    pit_profile,
    point_balances,
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

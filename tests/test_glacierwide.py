"""Both glacier-wide methods against analytic answers and invariants (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import planar_grid, stake_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbpack.compute import compute
from mbpack.glacierwide import Grid, Hypsometry, band_method, contour_method
from mbpack.profile import Profile, fit_profile

POSITIONS = [(100.0, 150.0), (500.0, 400.0), (900.0, 700.0), (300.0, 1000.0), (700.0, 1300.0),
             (200.0, 1600.0), (800.0, 1900.0), (400.0, 2200.0), (600.0, 2450.0)]  # fmt: skip
Z = np.array([3500.0 + y / 5.0 for _, y in POSITIONS])


def linear(c0: float, c1: float) -> list[float]:
    return list(c0 + c1 * Z)


def test_linear_profile_both_methods_agree_and_ela_aar_are_analytic() -> None:
    c1, ela0 = 6.0, 3800.0  # 0.6 m w.e. per 100 m, ELA 3800 m
    c0 = -c1 * ela0
    wb = stake_workbook(POSITIONS, linear(c0, c1), linear(-1650.0, 0.5))
    result = compute(wb)
    gb = result.glacier_balance.set_index("method")
    band, contour = gb.loc["band"], gb.loc["contour"]
    expected = c0 + c1 * 3750.0  # mean elevation of the planar glacier
    assert band["annual_balance"] == pytest.approx(expected, abs=1e-6)
    assert abs(band["annual_balance"] - contour["annual_balance"]) < 1.0
    assert abs(band["winter_balance"] - contour["winter_balance"]) < 1.0
    assert band["ela"] == pytest.approx(ela0)
    assert band["ela_position"] is None or pd.isna(band["ela_position"])
    assert band["aar"] == pytest.approx((4000.0 - ela0) / 500.0)
    assert contour["aar"] == pytest.approx((4000.0 - ela0) / 500.0, abs=0.011)  # one 5 m grid row
    assert band["ablation_gradient"] == pytest.approx(600.0)
    assert band["area"] == pytest.approx(2.5)
    assert (band["min_sites_acc"], band["min_sites_abl"]) == (4, 5)  # 3820-3990 m above the ELA
    iso = result.isoline_areas[result.isoline_areas["balance_code"] == "annual"]
    assert iso["area"].sum() == pytest.approx(2.5)
    assert iso["lower_balance"].diff().dropna().eq(250.0).all()


def test_ela_outside_the_glacier() -> None:
    wb = stake_workbook(POSITIONS, linear(-30000.0, 6.0), linear(-1650.0, 0.5))  # all negative
    gb = compute(wb, method="band").glacier_balance.iloc[0]
    assert (gb["ela"], gb["ela_position"], gb["aar"]) == (4000.0, ">", 0.0)


def test_piecewise_profile_through_band_means() -> None:
    edges = np.arange(3500.0, 4050.0, 50.0)
    z = np.array([3525.0, 3575.0, 3725.0])
    b = np.array([-1000.0, -800.0, -200.0])
    prof = fit_profile(z, b, "piecewise", edges)
    assert prof(np.array([3525.0, 3575.0, 3650.0])) == pytest.approx([-1000.0, -800.0, -500.0])
    assert prof(np.array([3775.0]))[0] == pytest.approx(
        -200.0 + prof.c1 * 50.0
    )  # extrapolated with c1


@st.composite
def balances(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    annual = draw(
        st.lists(
            st.floats(-4000, 1500, allow_nan=False),
            min_size=len(POSITIONS),
            max_size=len(POSITIONS),
        )
    )
    winter = draw(
        st.lists(
            st.floats(1, 1500, allow_nan=False), min_size=len(POSITIONS), max_size=len(POSITIONS)
        )
    )
    return annual, winter


PROPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(balances())
def test_components_add_up(values: tuple[list[float], list[float]]) -> None:
    gb = compute(stake_workbook(POSITIONS, *values)).glacier_balance
    assert np.allclose(gb["annual_balance"], gb["winter_balance"] + gb["summer_balance"], atol=1e-9)


@PROPS
@given(balances(), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(
    values: tuple[list[float], list[float]], rnd: object
) -> None:
    wb = stake_workbook(POSITIONS, *values)
    base = compute(wb).glacier_balance
    for sheet in ("stakes", "stake_readings", "surface_grid", "hypsometry"):
        wb.tables[sheet] = (
            wb.tables[sheet]
            .sample(frac=1.0, random_state=rnd.randint(0, 10**6))
            .reset_index(drop=True)
        )  # type: ignore[attr-defined]
    again = compute(wb).glacier_balance
    cols = ["winter_balance", "summer_balance", "annual_balance", "ela", "aar"]
    pd.testing.assert_frame_equal(base[cols], again[cols], check_exact=False, rtol=1e-9)


@PROPS
@given(balances())
def test_doubling_areas_changes_no_specific_balance(
    values: tuple[list[float], list[float]],
) -> None:
    one = compute(stake_workbook(POSITIONS, *values), method="band").glacier_balance
    two = compute(
        stake_workbook(POSITIONS, *values, hypsometry_scale=2.0), method="band"
    ).glacier_balance
    assert two["area"].iloc[0] == pytest.approx(2 * one["area"].iloc[0])
    for col in ("winter_balance", "summer_balance", "annual_balance", "aar"):
        assert two[col].iloc[0] == pytest.approx(one[col].iloc[0], abs=1e-9, nan_ok=True)
    # contour: a grid stretched by √2 in both directions has twice the area and the same balance
    grid = planar_grid()
    z = grid["elevation"].to_numpy()
    prof = Profile(-22800.0, 6.0, np.array([]), np.array([]))
    px, py = np.array([100.0, 900.0]), np.array([200.0, 2000.0])
    pz, pb = 3500 + py / 5, np.array(values[0][:2])
    g1 = Grid(grid["x"].to_numpy(), grid["y"].to_numpy(), z, 625e-6)
    g2 = Grid(g1.x * 2**0.5, g1.y * 2**0.5, z, 1250e-6)
    b1 = contour_method(g1, prof, px, py, pz, pb)[0]
    b2 = contour_method(g2, prof, px * 2**0.5, py * 2**0.5, pz, pb)[0]
    assert b2 == pytest.approx(b1, abs=1e-9)


@PROPS
@given(balances(), st.floats(3500.0, 4000.0))
def test_point_on_the_fitted_profile_changes_nothing(
    values: tuple[list[float], list[float]], z_new: float
) -> None:
    annual = np.array(values[0])
    prof = fit_profile(Z, annual, "linear")
    hyps = Hypsometry.from_frame(pd.DataFrame({"lower_elevation": np.arange(3500.0, 4000.0, 50.0),
                                               "upper_elevation": np.arange(3550.0, 4050.0, 50.0), "area": 0.25}))  # fmt: skip
    before = band_method(prof, hyps)[0]
    more = fit_profile(np.append(Z, z_new), np.append(annual, prof(z_new)), "linear")
    assert band_method(more, hyps)[0] == pytest.approx(before, abs=1e-6)

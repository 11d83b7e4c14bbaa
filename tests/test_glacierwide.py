"""Both glacier-wide methods against analytic answers and invariants (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from builders import planar_grid, stake_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbpack.balance.compute import compute
from mbpack.balance.glacierwide import (
    Grid,
    Hypsometry,
    band_method,
    contour_method,
    integrate_isolines,
    isoline_areas,
    isoline_interval,
)
from mbpack.balance.profile import Profile, fit_profile
from mbpack.params import DEFAULT

POSITIONS = [(100.0, 150.0), (500.0, 400.0), (900.0, 700.0), (300.0, 1000.0), (700.0, 1300.0),
             (200.0, 1600.0), (800.0, 1900.0), (400.0, 2200.0), (600.0, 2450.0)]  # fmt: skip
Z = np.array([3500.0 + y / 5.0 for _, y in POSITIONS])


def linear(c0: float, c1: float) -> list[float]:
    return list(c0 + c1 * Z)


def test_linear_profile_both_methods_agree_and_ela_aar_are_analytic() -> None:
    c1, ela0 = 6.0, 3800.0  # 0.6 m w.e. per 100 m, ELA 3800 m
    c0 = -c1 * ela0
    wb = stake_workbook(POSITIONS, linear(c0, c1), linear(-1650.0, 0.5))
    # the analytic case of the linear profile (the default piecewise one holds b constant
    # above the highest stake, 3990 m, where the field is in accumulation)
    result = compute(wb, params=replace(DEFAULT, profile="linear"))
    gb = result.glacier_balance.set_index("method")
    band, contour = gb.loc["band"], gb.loc["contour"]
    expected = c0 + c1 * 3750.0  # mean elevation of the planar glacier
    assert band["annual_balance"] == pytest.approx(expected, abs=1e-6)
    # the contour field is not extrapolated above the highest stake's balance (3990 m):
    # the 3990-4000 m strip, 2 % of the area, lacks 30 kg m-2 on average = 0.6 kg m-2, and
    # the isoline integration adds about 1 more (its top area bounded by the highest value)
    assert abs(band["annual_balance"] - contour["annual_balance"]) < 2.0
    assert abs(band["winter_balance"] - contour["winter_balance"]) < 2.0
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
    # (the profile-plus-residual field: the RBF's elevation scale is a metric of its own,
    # so stretching x and y alone changes it by design)
    idw = replace(DEFAULT, contour_field="profile-idw")
    b1 = contour_method(g1, prof, px, py, pz, pb, idw)[0]
    b2 = contour_method(g2, prof, px * 2**0.5, py * 2**0.5, pz, pb, idw)[0]
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


def test_isoline_integration_tends_to_the_grid_mean() -> None:
    # a field that is not linear in z: the profile plus residuals spread over the grid
    grid = planar_grid()
    g = Grid(grid["x"].to_numpy(), grid["y"].to_numpy(), grid["elevation"].to_numpy(), 625e-6)
    prof = Profile(-22800.0, 6.0, np.array([]), np.array([]))
    px, py = np.array([100.0, 900.0, 500.0]), np.array([200.0, 2000.0, 1200.0])
    pz, pb = 3500 + py / 5, np.array([-3000.0, 1500.0, 300.0])
    exact = None
    for interval, tolerance in ((250.0, 25.0), (10.0, 1.0), (0.5, 0.05)):
        cells = replace(DEFAULT, contour_field="profile-idw", contour_interval=interval,
                        contour_integration="cells")  # fmt: skip
        isolines = replace(cells, contour_integration="isolines")
        b_cells, table, values = contour_method(g, prof, px, py, pz, pb, cells)
        assert b_cells == pytest.approx(values.mean(), abs=1e-9)  # Σ A_k b̄_k is the grid mean
        assert table["area"].sum() == pytest.approx(2.5)
        exact = values.mean()
        b_iso = contour_method(g, prof, px, py, pz, pb, isolines)[0]
        assert abs(b_iso - exact) < tolerance, interval
    assert exact is not None


def test_isoline_areas_by_hand() -> None:
    """Traced areas of a field rising 1 kg m-2 per metre eastwards, on 40 x 10 cells of 25 m.

    Cell centres x = 0 ... 975 m, so the field runs from 0 to 975 and the traced surface from
    x = -12.5 to 987.5 m (held at the margin cells' values in the outermost half cells).  The
    isoline at b lies at x = b, so the area between 250 and 500 is 250 m x 250 m = 0.0625 km2,
    the lowest area (0, 250] reaches back to -12.5 m: 262.5 x 250 m, the highest (750, 1000]
    to 987.5 m: 237.5 x 250 m.  The isoline integration bounds them by 0 and 975:
    (125 x 262.5 + 375 x 250 + 625 x 250 + 862.5 x 237.5) / 1000 = 487.66 kg m-2.
    """
    x, y = np.meshgrid(np.arange(40) * 25.0, np.arange(10) * 25.0)
    g = Grid(x.ravel(), y.ravel(), np.zeros(x.size), 625e-6)
    table = isoline_areas(g, x.ravel(), 250.0)
    assert list(table["lower_balance"]) == [0.0, 250.0, 500.0, 750.0]
    assert list(table["area"]) == pytest.approx([262.5 * 250e-6, 0.0625, 0.0625, 237.5 * 250e-6])
    assert table["area"].sum() == pytest.approx(g.area)
    # the cells' means between the isolines: 0..250 holds x = 0, 25, ..., 250
    assert table["mean_balance"].iloc[0] == pytest.approx(125.0)
    expected = (125.0 * 262.5 + 375.0 * 250.0 + 625.0 * 250.0 + 862.5 * 237.5) / 1000.0
    assert integrate_isolines(table, 0.0, 975.0) == pytest.approx(expected)


def test_isoline_areas_of_rings() -> None:
    """A cone b = -r [kg m-2, r in m] on a disc of radius 500 m of 10 m cells: the area between the
    isolines -300 and -200 is the annulus π (300² - 200²) = 0.1571 km2, a polygon with a hole (its
    hole must count negatively), and the areas add up to the cells' area."""
    x, y = np.meshgrid(np.arange(-495.0, 500.0, 10.0), np.arange(-495.0, 500.0, 10.0))
    r = np.hypot(x, y).ravel()
    inside = r < 500.0
    g = Grid(x.ravel()[inside], y.ravel()[inside], np.zeros(int(inside.sum())), 1e-4)
    table = isoline_areas(g, -r[inside], 100.0).set_index("lower_balance")
    assert table.loc[-300.0, "area"] == pytest.approx(np.pi * (300.0**2 - 200.0**2) / 1e6, rel=0.01)
    assert table.loc[-100.0, "area"] == pytest.approx(np.pi * 100.0**2 / 1e6, rel=0.01)
    assert table["area"].sum() == pytest.approx(g.area)


def test_piecewise_band_method_extrapolates_by_the_stated_rule() -> None:
    """Knots at the band means; beyond them the outermost segment's gradient, capped.

    Knots (3050, -1000), (3150, -500), (3250, 0). Above 3250 m the top segment's gradient (5)
    carries on: 0 + 5 x 100 = 500 at 3350 m, the top band's middle; with a top knot of -100 the
    gradient is 4: -100 + 4 x 100 = 300. Below 3050 m the lowest segment's gradient (5): -1000
    - 5 x 75 = -1375 at 2975 m (the band 2950-3000). Capped at 2, both are 2.
    """
    z = np.array([3010.0, 3090.0, 3150.0, 3250.0])
    b = np.array([-1100.0, -900.0, -500.0, 0.0])
    hyps = Hypsometry(np.array([2950.0, 3000.0, 3100.0, 3200.0, 3300.0]),
                      np.array([3000.0, 3100.0, 3200.0, 3300.0, 3400.0]), np.ones(5))  # fmt: skip
    edges = np.array([3000.0, 3100.0, 3200.0, 3300.0, 3400.0])
    prof = fit_profile(z, b, "piecewise", edges)
    total, bands = band_method(prof, hyps)
    assert list(bands) == pytest.approx([-1375.0, -1000.0, -500.0, 0.0, 500.0])
    assert total == pytest.approx(bands.mean())
    negative = fit_profile(z, np.array([-1100.0, -900.0, -500.0, -100.0]), "piecewise", edges)
    assert negative(3350.0) == pytest.approx(-100.0 + 4.0 * 100.0)
    capped = fit_profile(z, b, "piecewise", edges, replace(DEFAULT, profile_gradient_cap=2.0))
    assert capped(2950.0) == pytest.approx(-1000.0 - 2.0 * 100.0)
    assert capped(3350.0) == pytest.approx(0.0 + 2.0 * 100.0)
    # PCHIP: the same knots and rule outside them; between knots on a line it is that line
    smooth = fit_profile(z, b, "pchip", edges)
    assert list(band_method(smooth, hyps)[1]) == pytest.approx(
        [-1375.0, -1000.0, -500.0, 0.0, 500.0]
    )
    assert capped.observed == (3050.0, 3250.0)


def test_points_with_latitude_longitude_only() -> None:
    pytest.importorskip("pyproj")
    from pyproj import Transformer

    wb = stake_workbook(POSITIONS, linear(-22800.0, 6.0), linear(-1650.0, 0.5))
    base = compute(wb, method="contour").glacier_balance.iloc[0]
    # the planar grid sits at the origin of EPSG:32645; give the stakes as latitude/longitude only
    to_geo = Transformer.from_crs("EPSG:32645", "EPSG:4326", always_xy=True)
    stakes = wb.tables["stakes"]
    lon, lat = to_geo.transform(
        stakes["x"].to_numpy() + 500000.0, stakes["y"].to_numpy() + 4800000.0
    )
    grid = wb.tables["surface_grid"]
    wb.tables["surface_grid"] = grid.assign(x=grid["x"] + 500000.0, y=grid["y"] + 4800000.0)
    wb.tables["stakes"] = stakes.assign(x=np.nan, y=np.nan, latitude=lat, longitude=lon)
    again = compute(wb, method="contour").glacier_balance.iloc[0]
    assert again["annual_balance"] == pytest.approx(base["annual_balance"], abs=1e-6)


def test_latitude_longitude_without_pyproj_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    wb = stake_workbook(POSITIONS, linear(-22800.0, 6.0), linear(-1650.0, 0.5))
    wb.tables["stakes"] = wb.tables["stakes"].assign(
        x=np.nan, y=np.nan, latitude=43.7, longitude=84.4
    )
    monkeypatch.setitem(sys.modules, "pyproj", None)  # import pyproj raises ImportError
    result = compute(wb)
    assert list(result.glacier_balance["method"]) == ["band"]
    (issue,) = [i for i in result.issues if i.code == "not-computed"]
    assert issue.message.startswith("contour method for 2001: points have only latitude/longitude")
    assert "mbpack[geo]" in issue.message and issue.year == 2001


def test_series_aar0_and_ela0_by_regression() -> None:
    from mbpack.balance.compute import series

    ba = np.array([-800.0, -400.0, 0.0, 300.0, -200.0])
    table = pd.DataFrame({"year": range(2001, 2006), "method": "band", "winter_balance": 500.0,
                          "summer_balance": ba - 500.0, "annual_balance": ba, "aar": 0.55 + ba / 4000.0,
                          "ela": 3700.0 - 0.25 * ba, "ela_position": None,
                          "cumulative_balance_unc": [1.0, 2.0, 3.0, 4.0, 5.0]})  # fmt: skip
    row = series(table).iloc[0]
    assert (row["aar0"], row["ela0"]) == (pytest.approx(0.55), pytest.approx(3700.0))
    assert (row["aar0_r2"], row["ela0_r2"]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert row["mean_annual_balance"] == pytest.approx(-220.0)
    assert row["cumulative_balance"] == pytest.approx(-1100.0)
    assert row["cumulative_balance_unc"] == 5.0


@pytest.mark.parametrize("shift", [-3500.0, -3600.0])
def test_glacier_at_or_below_sea_level(shift: float) -> None:
    """Moving the planar glacier down to 0-500 m (a tidewater glacier) or -100-400 m moves the
    ELA by the same amount and changes no balance and no AAR."""
    annual, winter = linear(-22800.0, 6.0), linear(-1650.0, 0.5)
    high = compute(stake_workbook(POSITIONS, annual, winter)).glacier_balance
    wb = stake_workbook(POSITIONS, annual, winter)
    tables = {name: frame.copy() for name, frame in wb.tables.items()}
    tables["stakes"]["elevation"] += shift
    tables["surface_grid"]["elevation"] += shift
    tables["hypsometry"][["lower_elevation", "upper_elevation"]] += shift
    tables["glacier"]["min_elevation"] = 3500.0 + shift
    tables["glacier"]["max_elevation"] = 4000.0 + shift
    low = compute(type(wb).from_tables(tables)).glacier_balance
    for col in ("annual_balance", "winter_balance", "aar"):
        assert low[col].to_numpy() == pytest.approx(high[col].to_numpy(), abs=1e-6), col
    assert (low["ela"] - high["ela"]).to_numpy() == pytest.approx([shift, shift], abs=1e-6)


def test_ela_and_aar_of_each_method_from_its_own_field() -> None:
    """The contour method's AAR is its share of cells with b >= 0 and its ELA the zero of its
    field's band means, not the band method's: one stake far above its neighbours' trend
    (+1500 kg m-2 at 3530 m) raises the field near it only."""
    annual = linear(-22800.0, 6.0)
    annual[0] += 1500.0
    result = compute(stake_workbook(POSITIONS, annual, linear(-1650.0, 0.5)))
    gb = result.glacier_balance
    contour = gb.set_index("method").loc["contour"]
    cells = result.fields[(2001, "annual")].balance
    assert contour["aar"] == pytest.approx(float(np.mean(cells >= 0)))
    assert contour["accumulation_area"] == pytest.approx(
        contour["area"] * float(np.mean(cells >= 0))
    )


def _undulating(
    seed: int, points: int
) -> tuple[Grid, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The planar grid made undulating (z not affine in x, y), and ``points`` random points on it:
    the grid, its elevations [m], and the points' x, y [m] and elevations [m]."""
    grid = planar_grid()
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    z = 3500.0 + y / 5.0 + 15.0 * np.sin(x / 150.0)
    rng = np.random.default_rng(seed)
    px, py = rng.uniform(0, 1000, points), rng.uniform(0, 2500, points)
    pz = 3500.0 + py / 5.0 + 15.0 * np.sin(px / 150.0)
    return Grid(x, y, z, 625e-6), z, px, py, pz


def test_rbf_field_reproduces_a_linear_field_of_x_y_and_elevation() -> None:
    """b = -20000 + 5 z + 0.3 x on an undulating surface (z not affine in x, y): the drift, linear
    in x, y and z (its break at the points' equilibrium line gets a coefficient of 0), holds it
    exactly, so the residuals are 0 inside the points' elevations; above them the field is
    bounded by the stated rule: never above the highest point value plus the drift's gradient
    above the equilibrium line (here the field's own 5 kg m-2 m-1) times the height above."""
    from mbpack.balance.glacierwide import rbf_field

    g, z, px, py, pz = _undulating(4, 12)
    pb = -20000.0 + 5.0 * pz + 0.3 * px
    field = rbf_field(g, px, py, pz, pb)
    truth = -20000.0 + 5.0 * z + 0.3 * g.x
    inside = (z >= pz.min()) & (z <= pz.max())
    assert inside.mean() > 0.5
    assert field[inside] == pytest.approx(truth[inside], abs=0.05)
    above = z > pz.max()
    bound = pb.max() + 5.0 * (z[above] - pz.max())
    assert above.any() and (truth[above] > bound).any()  # the bound is met somewhere
    assert field[above] == pytest.approx(np.minimum(truth[above], bound), abs=0.05)


def test_rbf_field_follows_a_break_of_gradient_at_the_equilibrium_line() -> None:
    """b = 6 (z - E) below the equilibrium line E and 2 (z - E) above it, the shape of real
    profiles (steep in the ablation area, flat above): one point stands at E itself, so the
    points' own equilibrium line is E and the broken drift holds b exactly; a drift with one
    gradient cuts the corner and errs by tens of kg m-2 near E.  Expected: b at every cell."""
    from mbpack.balance.glacierwide import BREAK_POINTS, equilibrium_elevation, rbf_field

    g, z, px, py, pz = _undulating(5, 12)
    e = float(np.sort(pz)[4])  # the fifth point from the bottom stands on the equilibrium line

    def profile(h: np.ndarray) -> np.ndarray:
        return np.where(h < e, 6.0, 2.0) * (h - e)

    assert px.size >= BREAK_POINTS
    assert equilibrium_elevation(pz, profile(pz)) == pytest.approx(e)
    field = rbf_field(g, px, py, pz, profile(pz))
    inside = (z >= pz.min()) & (z <= pz.max())
    assert field[inside] == pytest.approx(profile(z)[inside], abs=0.05)
    # with too few points for the break the drift is straight, and the corner is cut
    few = np.argsort(pz)[:: 12 // (BREAK_POINTS - 1)][: BREAK_POINTS - 1]
    straight = rbf_field(g, px[few], py[few], pz[few], profile(pz[few]))
    span = (z >= pz[few].min()) & (z <= pz[few].max())
    assert np.max(np.abs(straight - profile(z))[span]) > 20.0


def test_rbf_field_takes_points_at_one_place_once() -> None:
    """A stake and a pit at one (x, y) whose elevations differ by 0.1 m (as a workbook records
    them: 3907.3 and 3907.4 m) and whose balances differ by 50 kg m-2 are one point, at their
    mean elevation and balance: as two, a thin-plate spline of (x, y, 3 z) had to change by 50
    kg m-2 over 0.3 m, and swung by thousands across the glacier (an example year, seed 209,
    2007: from -5760 to +11230 kg m-2).  Expected: the field of the one merged point."""
    from mbpack.balance.glacierwide import rbf_field

    g, z, px, py, pz = _undulating(6, 11)
    rng = np.random.default_rng(6)
    pb = 6.0 * (pz - 3800.0) + rng.normal(0.0, 30.0, px.size)
    pair_z, pair_b = np.array([pz[0] - 0.05, pz[0] + 0.05]), np.array([pb[0] - 25.0, pb[0] + 25.0])
    both = rbf_field(
        g,
        np.r_[px[0], px],
        np.r_[py[0], py],
        np.r_[pair_z[0], pair_z[1], pz[1:]],
        np.r_[pair_b[0], pair_b[1], pb[1:]],
    )
    merged = rbf_field(g, px, py, pz, pb)
    assert both == pytest.approx(merged, abs=1e-6)
    assert np.ptp(both) < 1.5 * (6.0 * np.ptp(z) + 200.0)


def test_contour_method_is_independent_of_the_band_profile() -> None:
    """Balance that also changes across the glacier, b = 6 (z - 3800) + 1.5 (x - 500), with every
    stake on the west side (x < 500): the band method, a function of z only, inherits the
    stakes' bias, -1.5 x 500 + 1.5 x mean(x) ≈ -420 kg m-2; the RBF field recovers the trend
    in x and the grid mean (B = 6 (3750 - 3800) = -300) within 10 kg m-2."""
    positions = [(x / 2.5, y) for x, y in POSITIONS]  # x from 40 to 360 m
    annual = [6.0 * (3500.0 + y / 5.0 - 3800.0) + 1.5 * (x - 500.0) for x, y in positions]
    gb = compute(  # isolines every 10 kg m-2: the field, not the integration, is tested here
        stake_workbook(positions, annual, [300.0] * 9),
        params=replace(DEFAULT, profile="linear", contour_interval=10.0),
    )
    rows = gb.glacier_balance.set_index("method")
    mean_x = float(np.mean([x for x, _ in positions]))
    assert rows.loc["band", "annual_balance"] == pytest.approx(
        -300.0 + 1.5 * (mean_x - 500.0),
        abs=10.0,  # ≈: the stakes' x is not quite uncorrelated with z
    )
    # (-309 measured, with isolines every 10 kg m-2)
    assert rows.loc["contour", "annual_balance"] == pytest.approx(-300.0, abs=10.0)
    assert rows.loc["contour", "method_unc"] > 300.0  # the spread of the two methods shows it


def test_band_balance_at_the_mean_elevation_of_its_cells() -> None:
    """A band whose area lies mostly above its mid: b(z) = z - 3500 over cells at 3500-3590 m.

    One 100 m band (3500-3600 m) with cells at 3500, 3560, 3570, 3580 and 3590 m: the mean of b
    over the cells is (0 + 60 + 70 + 80 + 90) / 5 = 60 kg m-2, which b at the band's mean
    elevation (3560 m) gives exactly for a linear profile; b at the band's mid (3550 m) gives 50.
    Without a grid the mid is all there is.
    """
    cells = np.array([3500.0, 3560.0, 3570.0, 3580.0, 3590.0])
    line = Profile(-3500.0, 1.0, np.array([]), np.array([]))
    sheet = Hypsometry(np.array([3500.0]), np.array([3600.0]), np.array([5 * 625e-6]))
    assert band_method(line, sheet)[0] == pytest.approx(50.0)
    assert band_method(line, sheet.with_centres(cells))[0] == pytest.approx(60.0)
    assert band_method(line, Hypsometry.from_grid(cells, 625e-6, 100.0))[0] == pytest.approx(60.0)


def test_isoline_interval_follows_a_narrow_field() -> None:
    """A winter field cut every 250 kg m-2 has two or three areas between isolines; the
    isoline integration (each area at the mean of its two isolines) then misses the field's
    mean by tens of kg m-2, and an interval fine enough for eight intervals over the field's
    range (``contour_isolines``) brings it within a few.  On the example generator's true winter fields (the truth's
    field itself, so the interpolation plays no part), seeds 1-5: at 250, +9 on average and
    up to 59 in a year (measured); by the rule (25 or 50 there), within 2.5.  The annual
    fields keep 100-250.
    """
    from mbpack import example

    centre = example._centre()
    cells = example._surveys(centre, example.MODEL)
    coarse, fine = [], []
    for seed in range(1, 6):
        fields = example._fields(seed, cells, centre, example.MODEL)
        for year in example.YEARS:
            c, f = cells[example._survey_of(year)], fields[year]
            grid = Grid(c.x, c.y, c.elevation, 625e-6)
            assert isoline_interval(f.annual, 250.0, DEFAULT.contour_isolines) >= 100.0
            winter, exact = f.winter, float(f.winter.mean())
            lo, hi = float(winter.min()), float(winter.max())
            interval = isoline_interval(winter, 250.0, DEFAULT.contour_isolines)
            assert interval < 250.0
            fine.append(integrate_isolines(isoline_areas(grid, winter, interval), lo, hi) - exact)
            coarse.append(integrate_isolines(isoline_areas(grid, winter, 250.0), lo, hi) - exact)
    assert max(abs(e) for e in fine) <= 3.0, max(fine, key=abs)
    assert max(abs(e) for e in coarse) > 30.0

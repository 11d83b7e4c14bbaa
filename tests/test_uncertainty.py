"""Uncertainty after Zemp et al. (2013): components, combination, cumulation, and what compute() reports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from builders import stake_workbook
from hypothesis import given
from hypothesis import strategies as st

from mbpack.balance import uncertainty as unc
from mbpack.balance.compute import compute
from mbpack.balance.points import point_balances
from mbpack.workbook import Workbook

POS = [(100.0, 150.0), (500.0, 900.0), (900.0, 1700.0), (400.0, 2300.0)]
ANNUAL = [-2000.0, -1100.0, -100.0, 500.0]
WINTER = [200.0, 300.0, 400.0, 450.0]

sigma = st.floats(0.0, 1e4, allow_nan=False)


def test_point_component_is_the_error_of_a_mean() -> None:
    assert unc.point_component(np.array([30.0, 40.0])) == pytest.approx(25.0)  # √(900+1600)/2
    assert unc.point_component(np.array([100.0, np.nan, 100.0])) == pytest.approx(
        100 / math.sqrt(2)
    )
    assert math.isnan(unc.point_component(np.array([])))


def test_spatial_and_reference_area_components() -> None:
    assert unc.spatial_component(-520.0, -480.0) == 40.0
    assert math.isnan(unc.spatial_component(-520.0, math.nan))
    # 1 % too large an area: 1 % of the balance
    assert unc.reference_area_component(-800.0, 2.0, 1.98) == pytest.approx(8.0)
    assert unc.reference_area_component(300.0, 2.0, 2.0) == 0.0


def test_combined_and_cumulative_analytic() -> None:
    assert unc.combined(30.0, 40.0) == 50.0
    assert math.isnan(unc.combined(math.nan, math.nan))
    # 9 years of 100 random and 5 systematic: 100 √9 + 5 × 9
    assert unc.cumulative(np.full(9, 100.0), np.full(9, 5.0)) == pytest.approx(345.0)


@given(st.lists(sigma, min_size=1, max_size=6))
def test_combined_lies_between_the_largest_and_the_sum(components: list[float]) -> None:
    total = unc.combined(*components)
    assert max(components) - 1e-9 <= total <= sum(components) + 1e-9


@given(sigma, sigma, st.integers(1, 60))
def test_random_adds_as_root_n_and_systematic_as_n(
    random: float, systematic: float, n: int
) -> None:
    assert unc.cumulative(np.full(n, random), np.zeros(n)) == pytest.approx(random * math.sqrt(n))
    assert unc.cumulative(np.zeros(n), np.full(n, systematic)) == pytest.approx(systematic * n)


def test_point_uncertainty_by_hand() -> None:
    wb = Workbook.from_tables({
        "glacier": {"name": "G", "country": "CN", "latitude": 43.7, "longitude": 84.4},
        "balance_years": [{"year": 2001, "time_system": "FLO", "begin_date": "2000-09-01",
                           "winter_end_date": "2001-05-15", "end_date": "2001-09-01"}],
        "stakes": [{"stake_id": "A", "x": 0.0, "y": 0.0, "elevation": 3600.0}],
        "stake_readings": [
            {"stake_id": "A", "date": "2000-09-01", "exposure": 1.20},
            {"stake_id": "A", "date": "2001-05-15", "exposure": 0.40, "snow_depth": 0.80},
            {"stake_id": "A", "date": "2001-09-11", "exposure": 3.05},
        ],
    })  # fmt: skip
    points, _ = point_balances(wb)
    by_code = points[points["source"] == "stake"].set_index("balance_code")
    # winter: 0.80 m at the default 400 kg m-3 (±10 %), depth ±0.10 m: √(40² + 32²)
    assert by_code.loc["winter", "balance_unc"] == pytest.approx(math.hypot(40.0, 32.0))
    # annual: -1665 over 375 days, read 10 days after the end date; two readings ±0.05 m of ice,
    # 1.85 m of ice ±2 %: √(2 × 45² + 33.3² + (1665 × 10 / 375)²)
    annual = by_code.loc["annual"]
    assert annual["balance"] == pytest.approx(-1665.0)
    expected = math.sqrt(2 * 45.0**2 + 33.3**2 + (1665.0 * 10 / 375) ** 2)
    assert annual["balance_unc"] == pytest.approx(expected)
    assert (annual["density"], annual["density_unc"]) == (900.0, pytest.approx(18.0))
    assert by_code.loc["summer", "balance_unc"] == pytest.approx(
        math.hypot(expected, math.hypot(40.0, 32.0))
    )


def test_glacier_wide_components_in_compute() -> None:
    """Point (random and systematic), leave-one-out, method-spread and reference-area parts.

    The spatial part is the quadratic mean of the jackknife and the method spread, two
    estimates of one error, each made an estimate of it alone: ``sqrt((max(J² - R², 0) + S² /
    2) / 2)`` with ``R`` the random point part (the jackknife resamples the points' random
    errors too) and ``S / √2`` one method's share of the spread of two. The leave-one-out part of
    the band method is recomputed here by hand: the band method run once without each stake,
    through the same profile and hypsometry.
    """
    from mbpack.balance.glacierwide import Hypsometry, band_method
    from mbpack.balance.profile import fit_profile

    wb = stake_workbook(POS, ANNUAL, WINTER, years=3)
    result = compute(wb)
    gb = result.glacier_balance
    points = result.point_balance  # as compute uses them: uncertainties and densities rounded to 1
    hyps = Hypsometry.from_frame(wb["hypsometry"])
    for year in (2001, 2002, 2003):
        rows = gb[gb["year"] == year].set_index("method")
        annual = points[(points["year"] == year) & (points["balance_code"] == "annual")]
        b, u = annual["balance"].to_numpy(), annual["balance_unc"].to_numpy()
        rel = (annual["density_unc"] / annual["density"]).to_numpy()
        systematic = float(np.mean(np.abs(b) * rel))  # the same density error at every stake
        random = float(np.sqrt(np.sum(u**2 - (np.abs(b) * rel) ** 2)) / len(b))
        z = annual["elevation"].to_numpy()
        loo = np.array([band_method(fit_profile(np.delete(z, j), np.delete(b, j), "pchip", hyps.edges), hyps)[0]
                        for j in range(len(b))])  # fmt: skip
        jackknife = float(np.sqrt((len(b) - 1) / len(b) * np.sum((loo - loo.mean()) ** 2)))
        spread = abs(rows.loc["band", "annual_balance"] - rows.loc["contour", "annual_balance"])
        assert rows.loc["band", "spatial_unc"] == pytest.approx(jackknife)
        for method, row in rows.iterrows():
            assert row["point_unc"] == pytest.approx(random)
            assert row["point_unc_systematic"] == pytest.approx(systematic)
            assert row["method_unc"] == pytest.approx(spread)
            # one hypsometry survey (2000): the area is taken to shrink 0.5 % a year after it
            share = 0.005 * (year - 2000)
            assert row["reference_area_unc"] == pytest.approx(abs(row["annual_balance"]) * share)
            spatial = math.sqrt((max(row["spatial_unc"] ** 2 - random**2, 0.0) + spread**2 / 2) / 2)
            assert row["annual_balance_unc"] == pytest.approx(
                math.sqrt(random**2 + systematic**2 + spatial**2 + row["reference_area_unc"] ** 2)
            ), method
    for method, rows in gb.groupby("method"):
        jack = np.maximum(rows["spatial_unc"] ** 2 - rows["point_unc"] ** 2, 0.0)
        random_part = np.sqrt(rows["point_unc"] ** 2 + (jack + rows["method_unc"] ** 2 / 2) / 2)
        systematic_part = rows["point_unc_systematic"] + rows["reference_area_unc"]
        expected = float(np.sqrt(np.sum(random_part**2)) + np.sum(systematic_part))
        assert rows["cumulative_balance_unc"].iloc[-1] == pytest.approx(expected), method
        series = result.series.set_index("method")
        assert series.loc[method, "cumulative_balance_unc"] == pytest.approx(expected)


def test_two_surveys_interpolate_the_reference_area() -> None:
    wb = stake_workbook(POS, ANNUAL, WINTER, years=2)
    later = wb["hypsometry"].assign(year=2004, area=0.25 * 0.96)  # 4 % smaller in 2004
    wb.tables["hypsometry"] = pd.concat([wb["hypsometry"], later], ignore_index=True)
    gb = compute(wb, method="band").glacier_balance.set_index("year")
    # 2002 uses the 2000 survey (2.5 km2); its area is 2.5 × (1 - 0.04 × 2 / 4)
    row = gb.loc[2002]
    assert row["area"] == pytest.approx(2.5)
    assert row["reference_area_unc"] == pytest.approx(abs(row["annual_balance"]) * 0.02)

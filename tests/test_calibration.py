"""Calibration of compute against the example generator's known truth (issues 13 item 4, 19).

The generator (:mod:`mbpack.example`) writes the true glacier-wide balances (``truth.csv``) and
the true point balances (``truth_points.csv``) beside every workbook; these tests compare
compute's results with them.  The calibration over many realisations runs over
``MBPACK_CALIBRATION_SEEDS`` seeds (default 8, about 50 s; the README's numbers are from 50).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mbpack import example
from mbpack.balance.compute import compute
from mbpack.params import DEFAULT
from mbpack.workbook import read_workbook

#: Realisations of the calibration (seeds 1 ... N; the shipped example is seed 51).
SEEDS = int(os.environ.get("MBPACK_CALIBRATION_SEEDS", "8"))
COMPONENTS = ("winter_balance", "summer_balance", "annual_balance")


def _shipped_truth() -> pd.DataFrame:
    return pd.read_csv(example.shipped_path().parent / example.TRUTH_FILE).set_index("year")


@pytest.fixture(scope="module")
def shipped() -> Any:
    return compute(read_workbook(example.shipped_path()))


@pytest.fixture(scope="module")
def shipped_linear() -> Any:
    """The shipped example by the band method with the straight-line profile."""
    return compute(
        read_workbook(example.shipped_path()),
        method="band",
        params=dataclasses.replace(DEFAULT, profile="linear"),
    )


def test_truth_files_are_the_generators() -> None:
    """The shipped truth.csv and truth_points.csv are what the generator gives for seed 51."""
    pytest.importorskip("pyproj")
    _, years, points = example.make_example_with_truth()
    shipped = _shipped_truth().reset_index()
    assert list(shipped["year"]) == list(example.YEARS)
    for column in ("winter_balance", "summer_balance", "annual_balance", "ela"):
        assert np.allclose(shipped[column], years[column], atol=0.051), column
    assert np.allclose(shipped["aar"], years["aar"], atol=5e-5)
    pts = pd.read_csv(example.shipped_path().parent / example.TRUTH_POINTS_FILE)
    assert len(pts) == len(points) and set(pts["source"]) == {"stake", "pit", "probe"}
    assert np.allclose(pts["annual_balance"], points["annual_balance"], atol=0.051, equal_nan=True)


def test_profile_errors_on_the_true_profile() -> None:
    """The truth's band profile is curved: a straight line through it misses by 100-250 kg m-2.

    Fitted to the true 50 m band means of every year and integrated over the bands (as
    tests/test_profiles_real.py does on Hintereisferner), the least-squares line errs by -134
    kg m-2 on average (worst 245) over 10 seeds; the piecewise-linear profile through the same
    band means (the default's rule) by a few kg m-2.  Measured on the shipped seed here.
    """
    pytest.importorskip("pyproj")
    centre = example._centre()
    cells = example._surveys(centre, example.MODEL)
    fields = example._fields(example.SEED, cells, centre, example.MODEL)
    line, piecewise = [], []
    for year in example.YEARS:
        c, f = cells[example._survey_of(year)], fields[year]
        band = np.floor(c.elevation / 50.0)
        table = pd.DataFrame({"z": c.elevation, "b": f.annual}).groupby(band)
        z, b, n = table["z"].mean(), table["b"].mean(), table["b"].size()
        true = float(f.annual.mean())
        fit = np.polyfit(z, b, 1)
        line.append(float(np.sum(np.polyval(fit, z) * n) / n.sum()) - true)
        piecewise.append(float(np.sum(np.interp(z, z, b) * n) / n.sum()) - true)
    line_error, piece_error = np.mean(np.abs(line)), np.mean(np.abs(piecewise))
    assert line_error > 80.0, line
    assert piece_error < 1.0  # the band means themselves
    assert np.mean(line) < -60.0  # the line runs below a concave profile where the area is


def _errors(result: Any, method: str = "band") -> pd.Series:
    truth = _shipped_truth()
    rows = result.glacier_balance.query(f"method == '{method}'").set_index("year")
    return rows["annual_balance"] - truth["annual_balance"]


def test_straight_line_visibly_worse(shipped: Any, shipped_linear: Any) -> None:
    """Through the stake network the line errs twice as much as the default (PCHIP) profile.

    Measured on the shipped example (B_a against truth.csv, 2000-2011): default mean |error|
    22.7 kg m-2 (mean +3), the line 74.6 (mean -74.6, every year below the truth: it runs under
    the concave profile where most of the area lies); the straight-segment profile 17.9.  Over
    50 seeds: default mean error -10.5, the line -39.
    """
    e_default, e_line = _errors(shipped).abs().mean(), _errors(shipped_linear).abs().mean()
    assert e_default == pytest.approx(22.7, abs=3.0)
    assert e_line == pytest.approx(74.6, abs=3.0)
    assert e_line > 2.0 * e_default
    assert (_errors(shipped_linear) < 0).all()


def test_methods_differ_more_than_a_shared_profile(shipped: Any) -> None:
    """Band and contour (RBF) B_a differ by tens of kg m-2; with a shared profile they do not.

    Measured on the shipped example: |B_band - B_contour| up to 119 kg m-2, above 30 in 5 of 12
    years; against the former contour field that shares the band method's b(z)
    (``contour_field="profile-idw"``) at most 22.
    """
    table = shipped.glacier_balance.set_index(["method", "year"])["annual_balance"]
    spread = (table["band"] - table["contour"]).abs()
    shared = compute(
        read_workbook(example.shipped_path()),
        method="contour",
        params=dataclasses.replace(DEFAULT, contour_field="profile-idw"),
    ).glacier_balance.set_index("year")["annual_balance"]
    artefact = (table["band"] - shared).abs()
    assert spread.max() > 60.0 and (spread > 30.0).sum() >= 4
    assert artefact.max() < 30.0
    assert spread.max() > 2 * artefact.max()


# --- over many realisations ------------------------------------------------------------------


def _point_errors(results: Any, truth_points: pd.DataFrame) -> pd.DataFrame:
    """Compute's point balances minus the true ones, by source and balance code [kg m-2]."""
    pb = results.point_balance
    out = []
    for source, code, column in (
        ("stake", "winter", "winter_balance"),
        ("stake", "annual", "annual_balance"),
        ("pit", "winter", "winter_balance"),
        ("probe", "winter", "winter_balance"),
    ):
        got = pb[(pb["source"] == source) & (pb["balance_code"] == code)]
        merged = got.merge(truth_points.dropna(subset=[column]), on=["point_id", "year"])
        out.append(
            pd.DataFrame(
                {
                    "source": source,
                    "code": code,
                    "surface": merged.get("old_surface", pd.Series("", index=merged.index)),
                    "error": merged["balance"] - merged[column],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


@pytest.fixture(scope="module")
def calibration() -> dict[str, pd.DataFrame]:
    """Errors of compute's glacier-wide balances against the truth for seeds 1 ... SEEDS."""
    pytest.importorskip("pyproj")
    wide = []
    for seed in range(1, SEEDS + 1):
        wb, years, _ = example.make_example_with_truth(seed)
        truth = years.set_index("year")
        results = compute(wb)
        for row in results.glacier_balance.to_dict("records"):
            out = {"seed": seed, "year": row["year"], "method": row["method"]}
            for c in COMPONENTS:
                out[c] = row[c] - truth.loc[row["year"], c]
                out[f"{c}_unc"] = row[f"{c}_unc"]
            out["systematic"] = row["point_unc_systematic"]
            wide.append(out)
    return {"wide": pd.DataFrame(wide)}


def test_calibration_coverage(calibration: dict[str, pd.DataFrame]) -> None:
    """The truth within ±1σ and ±2σ of compute's stated uncertainty.

    The generator draws the systematic density errors compute's σ assumes (2 % ice, 10 % old
    firn, 5 % pit densities, once per realisation), so σ can be judged whole.  Measured over 50
    seeds (600 glacier-years), within ±1σ / ±2σ: B_a band 83 / 99 %, contour 82 / 99 %; B_w 76
    / 96 and 71 / 97 %; B_s 89 / 100 and 85 / 100 % (σ_s = sqrt(σ_w² + σ_a²) takes the two as
    independent, though they share the network).  Over the default 8 seeds (standard error of a
    coverage near 0.8 about 0.04, the years of a seed correlated) B_a is 88 and 84 %.  Issue 13
    asks 60-80 % within ±1σ and at least 95 % within ±2σ: the ±2σ part and the lower bound hold;
    the upper bound, 80 %, is missed by a few points over 50 seeds (σ a little wide since the
    firn fix made the points better), held by ``test_calibration_coverage_at_most_80``; this
    test bounds ±1σ at 90 %.
    """
    wide = calibration["wide"]
    for method, rows in wide.groupby("method"):
        for c in COMPONENTS:
            z = (rows[c] / rows[f"{c}_unc"]).abs()
            assert (z <= 2).mean() >= 0.95, (method, c)
            assert 0.6 <= (z <= 1).mean() <= 0.9, (method, c)


@pytest.mark.skipif(SEEDS < 40, reason="a coverage of 80 % needs 40 seeds or more to judge")
@pytest.mark.xfail(
    strict=True, reason="issue 13 item 4: B_a within ±1σ in 83 % (band), 82 % (contour)"
)
def test_calibration_coverage_at_most_80(calibration: dict[str, pd.DataFrame]) -> None:
    wide = calibration["wide"]
    for _, rows in wide.groupby("method"):
        z = (rows["annual_balance"] / rows["annual_balance_unc"]).abs()
        assert (z <= 1).mean() <= 0.8


def test_point_arithmetic_is_unbiased() -> None:
    """Compute's point balances against the true point balances the readings were made from.

    With the generator's systematic density errors switched off (they are an error of the
    measurement, not of the arithmetic), seeds 1-3.  Mean errors measured: stakes winter
    -0.3, annual -0.7 (on ice +0.3, on firn -4.2 over 126 stake-years; compute knows only the
    firn of the year before, not older firn below it); winter pits +0.3; probes -0.0 kg m-2
    (readings at 0.01 m, results rounded to 10 kg m-2).  Before firn recorded at the start was
    counted at the firn's density the stakes on firn erred by -17.  So the glacier-wide bias
    below is not in the point arithmetic.
    """
    pytest.importorskip("pyproj")
    exact = dataclasses.replace(
        example.MODEL, ice_density_error=0.0, firn_density_error=0.0, pit_density_error=0.0
    )
    errors = []
    for seed in range(1, 4):
        wb, _, truth_points = example.make_example_with_truth(seed, exact)
        errors.append(_point_errors(compute(wb, method="band"), truth_points))
    points = pd.concat(errors, ignore_index=True)
    for (source, code), rows in points.groupby(["source", "code"]):
        assert abs(rows["error"].mean()) <= 5.0, (source, code, rows["error"].mean())
    # the stakes that start the year on firn, alone (a fifth of the stake-years): -17 when the
    # firn recorded at the start was counted as ice once the stake melted through into ice
    stakes = points[(points["source"] == "stake") & (points["code"] == "annual")]
    for surface, rows in stakes.groupby(stakes["surface"].fillna("")):
        assert abs(rows["error"].mean()) <= 5.0, (surface, rows["error"].mean())


def test_calibration_bias(calibration: dict[str, pd.DataFrame]) -> None:
    """Mean error of the glacier-wide balances over all glacier-years, stated.

    Measured over 50 seeds: band B_a -10.5, B_w -1.4, B_s -9.1 kg m-2 (standard error of the
    B_a mean 3.0: the per-seed means scatter by 21); contour B_a -17.3, B_w -9.2, B_s -8.1.
    Seeds 1-8: band B_a -2.7.  The points are unbiased (test_point_arithmetic_is_unbiased);
    what is left is the network's: across the transverse lines the stakes sample the glacier's
    width evenly, but an elevation band of the bowl-shaped cirque is not a transverse line, and
    the band method through the true field at the stakes' own cells errs by -9.5 kg m-2 over 40
    seeds (standard error 3.4), through random cells of the same bands, drawn anew each year,
    by +2 (1.8); with the drift, avalanche and shading departures switched off most of the bias
    is gone (test_bias_is_the_networks).  It was -17 before firn recorded at the start was counted at
    the firn's density (test_points.py::test_firn_recorded_at_the_start_melts_first) and the
    band balances were taken at the mean elevation of each band's cells, and -32 with the
    former network, which kept away from the cirque walls (``stake_layout="fixed"``), and the
    straight-segment profile.  Issue 13's |mean error| <= 5 is not met over 50 seeds:
    ``test_calibration_unbiased`` holds it.
    """
    wide = calibration["wide"]
    band = wide[wide["method"] == "band"]
    assert -30.0 < band["annual_balance"].mean() < 0.0
    assert abs(band["winter_balance"].mean()) < 10.0


@pytest.mark.skipif(
    SEEDS < 40,
    reason="a mean error within 5 kg m-2 needs 40 seeds or more to judge "
    "(standard error 3 over 50 seeds, about 8 over 8)",
)
@pytest.mark.xfail(
    strict=True,
    reason="issue 13 item 4: band B_a mean error -10.5 kg m-2 over 50 seeds (the network)",
)
def test_calibration_unbiased(calibration: dict[str, pd.DataFrame]) -> None:
    wide = calibration["wide"]
    band = wide[wide["method"] == "band"]
    assert abs(band["annual_balance"].mean()) <= 5.0


def test_bias_is_the_networks(calibration: dict[str, pd.DataFrame]) -> None:
    """Without the drift, avalanche and shading departures the band method is unbiased.

    The same seeds with ``drift_amplitude``, ``cone_amplitude`` and ``shade_amplitude`` set to
    0 (the random departures and density errors kept): band B_a mean error -4 kg m-2 over
    seeds 1-3 (-6 over 1-5, measured), against -24 with them (-14 over 1-5).  So most of the
    bias comes from where the stakes stand among the departures, not from the points or the
    profile rule.
    """
    pytest.importorskip("pyproj")
    flat = dataclasses.replace(
        example.MODEL, drift_amplitude=0.0, cone_amplitude=0.0, shade_amplitude=0.0
    )
    errors = []
    for seed in range(1, 4):
        wb, years, _ = example.make_example_with_truth(seed, flat)
        got = compute(wb, method="band").glacier_balance.set_index("year")["annual_balance"]
        errors.append((got - years.set_index("year")["annual_balance"]).to_numpy())
    without = float(np.mean(np.concatenate(errors)))
    wide = calibration["wide"]
    full = wide[(wide["method"] == "band") & (wide["seed"] <= 3)]["annual_balance"].mean()
    assert abs(without) <= 10.0, without
    assert full < without - 10.0, (full, without)

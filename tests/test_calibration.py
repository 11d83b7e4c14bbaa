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


def test_profile_errors_from_the_stakes(shipped: Any, shipped_linear: Any) -> None:
    """Through the stake network the line is NOT worse than the piecewise default here.

    Measured on the shipped example (mean |error| of B_a over 2000-2011 against truth.csv):
    piecewise (default) 45, linear 34 kg m-2; over 50 seeds -32 and -27 mean error, 43 and 45
    rms.  On a 510 m high glacier sampled from 3546 to 3900 m the line's overshoot above the
    highest stakes and below the lowest cancels its deficit in the middle; both share the
    network's sampling bias (test_calibration_bias).  Issue 19's criterion (the line visibly
    worse) is not met on this glacier: ``test_straight_line_visibly_worse`` holds it.
    """
    truth = _shipped_truth()
    linear = shipped_linear.glacier_balance.set_index("year")
    band = shipped.glacier_balance.query("method == 'band'").set_index("year")
    e_piece = (band["annual_balance"] - truth["annual_balance"]).abs().mean()
    e_line = (linear["annual_balance"] - truth["annual_balance"]).abs().mean()
    assert e_piece == pytest.approx(44.8, abs=5.0)
    assert e_line == pytest.approx(33.5, abs=5.0)


@pytest.mark.xfail(reason="issue 19: on this glacier the line errs 34, the piecewise 45 kg m-2")
def test_straight_line_visibly_worse(shipped: Any, shipped_linear: Any) -> None:
    truth = _shipped_truth()
    linear = shipped_linear.glacier_balance.set_index("year")
    band = shipped.glacier_balance.query("method == 'band'").set_index("year")
    e_piece = (band["annual_balance"] - truth["annual_balance"]).abs().mean()
    e_line = (linear["annual_balance"] - truth["annual_balance"]).abs().mean()
    assert e_line > 1.5 * e_piece


def test_methods_differ_more_than_a_shared_profile(shipped: Any) -> None:
    """Band and contour (RBF) B_a differ by tens of kg m-2; with a shared profile they do not.

    Measured on the shipped example: |B_band - B_contour| up to 109 kg m-2, above 30 in 8 of 12
    years; against the former contour field that shares the band method's b(z)
    (``contour_field="profile-idw"``) at most 20.
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


@pytest.fixture(scope="module")
def calibration() -> dict[str, pd.DataFrame]:
    """Errors of compute against the truth for seeds 1 ... SEEDS: glacier-wide and at points."""
    pytest.importorskip("pyproj")
    wide, points = [], []
    for seed in range(1, SEEDS + 1):
        wb, years, truth_points = example.make_example_with_truth(seed)
        truth = years.set_index("year")
        results = compute(wb)
        for row in results.glacier_balance.to_dict("records"):
            out = {"seed": seed, "year": row["year"], "method": row["method"]}
            for c in COMPONENTS:
                out[c] = row[c] - truth.loc[row["year"], c]
                out[f"{c}_unc"] = row[f"{c}_unc"]
            wide.append(out)
        pb = results.point_balance
        for source, code, column in (
            ("stake", "winter", "winter_balance"),
            ("stake", "annual", "annual_balance"),
            ("pit", "winter", "winter_balance"),
            ("probe", "winter", "winter_balance"),
        ):
            got = pb[(pb["source"] == source) & (pb["balance_code"] == code)]
            merged = got.merge(truth_points.dropna(subset=[column]), on=["point_id", "year"])
            points.append(
                pd.DataFrame(
                    {"source": source, "code": code, "error": merged["balance"] - merged[column]}
                )
            )
    return {"wide": pd.DataFrame(wide), "points": pd.concat(points, ignore_index=True)}


def test_calibration_coverage(calibration: dict[str, pd.DataFrame]) -> None:
    """The truth within ±1σ and ±2σ of compute's stated uncertainty.

    Measured over 50 seeds (600 glacier-years): band (default profile) B_a within ±1σ 78 %,
    ±2σ 98 %; B_w 91 / 100 %, B_s 87 / 99 %; contour B_a 91 / 100 % (its σ is too wide: the
    leave-one-out part of an interpolating field), B_w 91 / 100 %, B_s 94 / 100 %.  Over the
    default 8 seeds (96 glacier-years, standard error of a coverage near 0.75 about 0.045) band
    B_a is 84 / 100 %; the ±1σ bound is therefore 60-90 % here, 60-80 % over 50 seeds.
    """
    wide = calibration["wide"]
    upper = 0.8 if SEEDS >= 40 else 0.9
    for method, rows in wide.groupby("method"):
        for c in COMPONENTS:
            z = (rows[c] / rows[f"{c}_unc"]).abs()
            assert (z <= 2).mean() >= 0.95, (method, c)
            assert (z <= 1).mean() >= 0.6, (method, c)
    band = wide[wide["method"] == "band"]
    z = (band["annual_balance"] / band["annual_balance_unc"]).abs()
    assert 0.6 <= (z <= 1).mean() <= upper


def test_point_arithmetic_is_unbiased(calibration: dict[str, pd.DataFrame]) -> None:
    """Compute's point balances against the true point balances the readings were made from.

    Mean errors measured on the shipped seed: stakes winter +0.4, annual +1.6; winter pits -0.3;
    probes -0.5 kg m-2 (readings at 0.01 m, results rounded to 10 kg m-2).  So the glacier-wide
    bias below is not in the point arithmetic.
    """
    points = calibration["points"]
    for (source, code), rows in points.groupby(["source", "code"]):
        assert abs(rows["error"].mean()) <= 5.0, (source, code, rows["error"].mean())


def test_calibration_bias(calibration: dict[str, pd.DataFrame]) -> None:
    """Mean error of the glacier-wide balances over all glacier-years, stated.

    Measured over 50 seeds: band B_a -32, B_w -5, B_s -27 kg m-2; contour B_a -22, B_w -12,
    B_s -10.  The points are unbiased (test_point_arithmetic_is_unbiased); the bias is the
    network's: with the drift, avalanche and shading departures switched off it is +1 (seeds
    1-5; test_bias_is_the_networks).  Stakes stand away from the cirque walls, where shading and avalanche snow make
    the balance higher than the band's mean, and the piecewise profile runs below a concave
    b(z) between sparse knots near the ELA.  Issue 13's |mean error| <= 5 is not met:
    ``test_calibration_unbiased`` holds it.
    """
    wide = calibration["wide"]
    band = wide[wide["method"] == "band"]
    assert -60.0 < band["annual_balance"].mean() < -10.0
    assert abs(band["winter_balance"].mean()) < 15.0


@pytest.mark.xfail(reason="issue 13 item 4: band B_a mean error -32 kg m-2 over 50 seeds")
def test_calibration_unbiased(calibration: dict[str, pd.DataFrame]) -> None:
    wide = calibration["wide"]
    band = wide[wide["method"] == "band"]
    assert abs(band["annual_balance"].mean()) <= 5.0


def test_bias_is_the_networks(calibration: dict[str, pd.DataFrame]) -> None:
    """Without the drift, avalanche and shading departures the band method is unbiased.

    The same seeds with ``drift_amplitude``, ``cone_amplitude`` and ``shade_amplitude`` set to
    0 (the random departures kept): band B_a mean error +1.3 kg m-2 over seeds 1-5 (measured),
    against -26 with them.  So the bias comes from where the stakes stand, not from the points
    or the profile rule.
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

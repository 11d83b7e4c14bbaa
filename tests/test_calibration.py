"""Calibration of compute against the example generator's known truth (issues 13 item 4, 19).

The generator (:mod:`mbpack.example`) writes the true glacier-wide balances (``truth.csv``) and
the true point balances (``truth_points.csv``) beside every workbook; these tests compare
compute's results with them.  The calibration over many realisations runs over
``MBPACK_CALIBRATION_SEEDS`` seeds (default 8, about 50 s; the README's numbers are from 120).
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
    33.1 kg m-2 (mean +28), the line 79.4 (mean -79.4, every year below the truth: it runs under
    the concave profile where most of the area lies); the straight-segment profile 22.2 (mean
    +12).  Over 120 seeds: default mean error -0.4, the line -33.6.
    """
    e_default, e_line = _errors(shipped).abs().mean(), _errors(shipped_linear).abs().mean()
    assert e_default == pytest.approx(33.1, abs=3.0)
    assert e_line == pytest.approx(79.4, abs=3.0)
    assert e_line > 2.0 * e_default
    assert (_errors(shipped_linear) < 0).all()


def test_methods_differ_more_than_a_shared_profile(shipped: Any) -> None:
    """Band and contour (RBF) B_a differ by tens of kg m-2; with a shared profile they do not.

    Measured on the shipped example: |B_band - B_contour| up to 130 kg m-2, above 30 in 8 of 12
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
    firn, 5 % pit densities, once per realisation), so σ can be judged whole.  Measured over 120
    seeds (1440 glacier-years), within ±1σ / ±2σ: B_a band 76 / 98 %, contour 78 / 98 %; B_w
    66 / 92.5 and 71 / 97 %; B_s 81 / 99 and 82 / 99 % (σ_s = sqrt(σ_w² + σ_a²) takes the two as
    independent, though they share the network).  Seeds 1-50: B_a 75.5 / 98 and 77.5 / 98 %,
    B_w 62 / 89.5 and 67.5 / 95 %.  Seeds 121-240 (not used to choose the contour field): B_a
    80 / 97 and 83 / 98 %, B_w 67 / 94 and 72 / 96 %.  Seeds 1-8 (the default here; the
    standard error of a coverage near 0.8 is about 0.04, the years of a seed correlated): B_a
    79 / 97 and 75 / 98 %.  Issue 13 asks 60-80 % within ±1σ and at least 95 % within ±2σ of
    the glacier-years' balance, B_a: held here, the upper bound by
    ``test_calibration_coverage_at_most_80`` over 40 seeds or more.  B_w's errors have heavier
    tails than σ allows (the years the network misses a large drift, persistent within a
    seed); the band method's B_w is held to 88 % within ±2σ: it was 93.6 % over 120 seeds
    before the contour field followed the break of gradient at the ELA, whose winter field now
    agrees better with the band method's, so their spread, one of σ_spatial's two estimates,
    is smaller (band σ_w 17.0 → 16.2 kg m-2 on average).
    """
    wide = calibration["wide"]
    for method, rows in wide.groupby("method"):
        for c in COMPONENTS:
            z = (rows[c] / rows[f"{c}_unc"]).abs()
            assert (z <= 2).mean() >= (0.95 if c == "annual_balance" else 0.88), (method, c)
            assert 0.6 <= (z <= 1).mean() <= (0.85 if c == "annual_balance" else 0.9), (method, c)


@pytest.mark.skipif(SEEDS < 40, reason="a coverage of 80 % needs 40 seeds or more to judge")
def test_calibration_coverage_at_most_80(calibration: dict[str, pd.DataFrame]) -> None:
    """B_a within ±1σ in at most 80 % of glacier-years (band and contour 75.5 and 77.5 % over
    seeds 1-50, 76 and 78 % over 1-120, measured; 80 and 83 % over 121-240, so the contour
    method's σ is on the wide side)."""
    wide = calibration["wide"]
    for _, rows in wide.groupby("method"):
        z = (rows["annual_balance"] / rows["annual_balance_unc"]).abs()
        assert (z <= 1).mean() <= 0.8


def test_point_arithmetic_is_unbiased() -> None:
    """Compute's point balances against the true point balances the readings were made from.

    With the generator's systematic density errors switched off (they are an error of the
    measurement, not of the arithmetic), seeds 1-3.  Mean errors measured: stakes winter
    -0.1, annual -0.1 (on ice -0.2, on firn +0.1 over 127 stake-years, -0.6 over 337 of seeds
    1-8); winter pits +0.3; probes -0.0 kg m-2 (readings at 0.01 m, results rounded to 10 kg
    m-2).  The stakes on firn erred by -17 before firn recorded at the start was counted at the
    firn's density, and by -5.3 (a few stake-years by 50-160) before the firn that earlier years
    left below the recorded firn was carried from the stake's own years
    (test_points.py::test_firn_left_by_earlier_years_melts_before_the_ice).  So the
    glacier-wide bias below is not in the point arithmetic.
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

    Measured over 120 seeds: band B_a -0.4, B_w -0.9, B_s +0.4 kg m-2 (standard error of the B_a
    mean 2.5: the per-seed means scatter by 27); contour B_a -1.4 (2.1), B_w -1.7, B_s +0.3.
    Seeds 1-50: band B_a -3.5 (4.1), contour -3.2 (3.5).  Seeds 1-8: band +1.0, contour +3.7.
    Seeds 121-240, which were not used to choose the contour field: band +0.6 (2.0), contour
    -2.7 (1.7).
    The points are unbiased (test_point_arithmetic_is_unbiased) and the network samples the
    glacier evenly (test_network_samples_the_departures_evenly).  It was -10.5 over 50 seeds
    when the network's lines kept 5 % of each half-width from the margins, -17 before firn
    recorded at the start was counted at the firn's density
    (test_points.py::test_firn_recorded_at_the_start_melts_first) and the band balances were
    taken at the mean elevation of each band's cells, and -32 with the fixed sites that keep
    away from the cirque walls and the straight-segment profile.  The contour method's B_a was
    -9.5 (2.9) over seeds 1-120 when its field had one elevation gradient (a thin-plate spline
    of x, y and 300 x elevation): it cut the corner of the profile's break of gradient at the
    ELA, where the cirque basin's wide area lies with one or two stakes a year; its drift now
    breaks there
    (test_glacierwide.py::test_rbf_field_follows_a_break_of_gradient_at_the_equilibrium_line).
    Its B_w was -8.7 before the isolines were drawn closer on a narrow
    field (test_glacierwide.py::test_isoline_interval_follows_a_narrow_field).
    """
    wide = calibration["wide"]
    band = wide[wide["method"] == "band"]
    assert abs(band["annual_balance"].mean()) < 15.0
    assert abs(band["winter_balance"].mean()) < 10.0


@pytest.mark.skipif(
    SEEDS < 40,
    reason="a mean error within 5 kg m-2 needs 40 seeds or more to judge "
    "(standard error 4 over 50 seeds, about 13 over 8)",
)
def test_calibration_unbiased(calibration: dict[str, pd.DataFrame]) -> None:
    """Issue 13 item 4 for the band method, the one ``package`` and the WGMS tables submit by
    default: |mean error| <= 5 kg m-2 (B_a -3.5 over seeds 1-50, -0.4 over 1-120; B_w +0.1 and
    -0.9, measured)."""
    wide = calibration["wide"]
    band = wide[wide["method"] == "band"]
    assert abs(band["annual_balance"].mean()) <= 5.0
    assert abs(band["winter_balance"].mean()) <= 5.0


@pytest.mark.skipif(SEEDS < 40, reason="a mean error within 5 kg m-2 needs 40 seeds or more")
def test_calibration_unbiased_contour(calibration: dict[str, pd.DataFrame]) -> None:
    """Issue 13 item 4 for the contour method: |mean error| <= 5 kg m-2 (B_a -3.2 over seeds
    1-50, -1.4 over 1-120, -2.7 over 121-240; B_w -1.3, -1.7 and -2.5, measured)."""
    wide = calibration["wide"]
    contour = wide[wide["method"] == "contour"]
    assert abs(contour["annual_balance"].mean()) <= 5.0
    assert abs(contour["winter_balance"].mean()) <= 5.0


def _siting_bias(model: example.Model, networks: int) -> float:
    """Mean glacier-wide B_a [kg m-2] of the drift, avalanche and shading departures alone, by the
    band method through their values at the stakes' cells, over ``networks`` networks drawn as
    the generator draws them (each departure at its average-year size, on all three surveys)."""
    from mbpack.balance.glacierwide import band_method
    from mbpack.balance.profile import fit_profile
    from mbpack.workbook.surface import Hypsometry

    centre = example._centre()
    cells = example._surveys(centre, model)
    first, last = cells[example.SURVEYS[0]], cells[example.SURVEYS[-1]]
    stays = example._staying(first, last)
    surveys = []
    for c in cells.values():
        departures = sum(
            example._departure(term(c, model), c.elevation, model.band_width)
            for term in (example.deposits, example.shading)
        )
        hyps = Hypsometry.from_grid(c.elevation, model.spacing**2 / 1e6, model.band_width)
        surveys.append((c, hyps, departures))
    rng = np.random.default_rng(2000)
    errors = []
    for _ in range(networks):
        stakes = example._stake_cells(rng, first, stays, model)
        for c, hyps, departures in surveys:
            at = [int(np.argmin(np.hypot(c.x - first.x[k], c.y - first.y[k]))) for k in stakes]
            profile = fit_profile(c.elevation[at], departures[at], "pchip", hyps.edges, DEFAULT)
            errors.append(band_method(profile, hyps)[0] - float(departures.mean()))
    return float(np.mean(errors))


def test_network_samples_the_departures_evenly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's stake network has no siting bias of its own.

    The drift, avalanche and shading departures have a mean of 0 over every 50 m band by
    construction (``example._departure``), so a network that samples the glacier evenly gives
    them a glacier-wide balance of 0. Measured by ``_siting_bias`` over 1000 networks: the
    transverse lines that reach the whole width (``STAKE_REACH`` 1, the default) -0.5 kg m-2
    (standard error about 0.6); the same lines kept 5 % of each half-width from the margins
    (``STAKE_REACH`` 0.95, the network before) -5.3, the margins being where the walls shade the
    ice and the avalanches end; the fixed sites that keep away from the walls
    (``stake_layout="fixed"``) -24.  Over the first 300 of them, as here: +1.4, -5.1, -24.1.
    The rest of the calibration's mean error is then compute's own, and the random fields'
    scatter.
    """
    pytest.importorskip("pyproj")
    model = example.MODEL
    assert example.STAKE_REACH == 1.0
    assert abs(_siting_bias(model, 300)) <= 2.5
    monkeypatch.setattr(example, "STAKE_REACH", 0.95)
    assert _siting_bias(model, 300) < -2.5
    assert _siting_bias(dataclasses.replace(model, stake_layout="fixed"), 300) < -15.0

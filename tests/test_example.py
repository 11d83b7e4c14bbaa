"""The bundled example: realistic against the published record, and reproducible from its generator."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mbpack import example
from mbpack.cli import main
from mbpack.example import (
    FILE_NAME,
    MODEL,
    SYNTHETIC,
    YEARS,
    annual_balance_profile,
    depth_of_swe,
    hypsometry,
    make_example,
    melt,
    shipped_path,
    solve_ela,
    surface,
    swe_of_depth,
    true_balances,
    true_stake_balances,
    winter_balance_profile,
)
from mbpack.workbook import Workbook, read_workbook

#: The generator needs pyproj (the geo extra); the shipped workbook does not.
needs_pyproj = pytest.mark.skipif(
    importlib.util.find_spec("pyproj") is None, reason="the generator needs pyproj"
)

# Zhang et al. (2018), doi:10.1017/jog.2018.58: means 1999-2015 [kg m-2 a-1]
PUBLISHED = {"annual_balance": -370.0, "summer_balance": -540.0, "winter_balance": 160.0}
#: Ablation-zone gradient of nearby Urumqi Glacier No. 1 [kg m-2 per 100 m] (the model's).
GRADIENT = 600.0
#: The same measured on Urumqi's real WGMS band profiles 1989-2019 (tests/data/wgms-oggm):
#: mean and year-to-year sd of the least-squares gradient of the bands with b < 0.
URUMQI_ABLATION_GRADIENT = (966.9, 281.9)


@pytest.fixture(scope="module")
def made() -> Workbook:
    pytest.importorskip("pyproj")
    return make_example()


@pytest.fixture(scope="module")
def results() -> object:
    compute = pytest.importorskip("mbpack.balance.compute")
    return compute.compute(read_workbook(shipped_path()))


# --- the true field ----------------------------------------------------------------------------

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def field() -> tuple[dict[int, example.Cells], dict[int, example.YearField]]:
    """The shipped realisation's cells (per survey) and true fields (per year)."""
    pytest.importorskip("pyproj")
    centre = example._centre()
    cells = example._surveys(centre, MODEL)
    return cells, example._fields(example.SEED, cells, centre, MODEL)


@needs_pyproj
def test_true_field_means_are_the_targets() -> None:
    """The generator's field, integrated over the grid cells, has the published means."""
    truth = true_balances()
    assert list(truth["year"]) == list(YEARS)
    means = truth[["winter_balance", "summer_balance", "annual_balance"]].mean()
    assert means["annual_balance"] == pytest.approx(-370.0, abs=1e-6)
    assert means["winter_balance"] == pytest.approx(160.0, abs=1e-6)
    assert means["summer_balance"] == pytest.approx(-530.0, abs=1e-6)
    for column, value in PUBLISHED.items():
        assert abs(means[column] - value) <= 100.0, column
    assert np.allclose(
        truth["annual_balance"], truth["winter_balance"] + truth["summer_balance"], atol=1e-9
    )
    assert MODEL.ablation_gradient * 100 == GRADIENT
    assert MODEL.accumulation_gradient < MODEL.ablation_gradient
    # the ELA lies on the glacier every year, so both zones are sampled
    assert truth["ela"].between(MODEL.snout_elevation, MODEL.headwall_elevation).all()
    assert truth["aar"].between(0.05, 0.95).all()
    assert truth["annual_balance"].std() > 100.0  # years differ


@needs_pyproj
def test_truth_is_the_mean_of_the_cells(field: tuple[dict, dict]) -> None:
    """truth.csv's balances, ELA and AAR are those of the field on the survey's cells."""
    cells, fields = field
    truth = true_balances().set_index("year")
    grid = make_example()["surface_grid"]
    for year in (2003, 2007, 2011):
        row, f = truth.loc[year], fields[year]
        c = cells[int(row["survey_year"])]
        on_grid = grid[grid["year"] == row["survey_year"]]
        assert np.array_equal(on_grid["x"].to_numpy(), c.x)
        assert row["area"] == pytest.approx(len(c.x) * 625e-6, abs=1e-12)
        assert (row["annual_balance"], row["winter_balance"]) == pytest.approx(
            (f.annual.mean(), f.winter.mean())
        )
        assert row["aar"] == pytest.approx(np.mean(f.annual >= 0))
        # the ELA: band means (50 m) below it are negative, above it positive
        band = np.floor(c.elevation / 50.0)
        means = pd.Series(f.annual).groupby(band).mean()
        centre = pd.Series(c.elevation).groupby(band).mean()
        assert (means[centre < row["ela"] - 30] < 0).all()
        assert (means[centre > row["ela"] + 30] > 0).all()


def test_annual_profile_shape() -> None:
    """Hand-computed: 200 m below the ELA 6 × (-200) - 0.006 × 200² = -1440; 100 m above it
    3 × 115 × tanh(100/115) + 0.2 × 100 = 345 × 0.70117 + 20 = 261.9 kg m-2."""
    z = np.array([3600.0, 3700.0, 3800.0, 3900.0])
    b = annual_balance_profile(z, 3800.0)
    assert b.tolist()[:3] == pytest.approx([-1440.0, -660.0, 0.0])
    assert b[3] == pytest.approx(261.9, abs=0.05)
    assert winter_balance_profile(np.array([3490.0, 3590.0]), 50.0).tolist() == [50.0, 80.0]


def _real_profile(name: str, years: slice) -> pd.DataFrame:
    """Balance of a WGMS band profile at fixed heights about its ELA, one row a year."""
    table = pd.read_csv(DATA / name, index_col=0).loc[years]
    z = np.array([float(c) for c in table.columns])
    rows = {}
    for year, row in table.iterrows():
        ok = row.notna().to_numpy()
        zz, bb = z[ok], row.to_numpy(float)[ok]
        order = np.argsort(zz)
        zz, bb = zz[order], bb[order]
        up = np.flatnonzero((bb[:-1] < 0) & (bb[1:] >= 0))
        if up.size == 0:
            continue
        k = up[0]
        ela = zz[k] - bb[k] * (zz[k + 1] - zz[k]) / (bb[k + 1] - bb[k])
        dz = np.array([-200.0, 100.0, 200.0, 300.0])
        inside = (ela + dz >= zz[0]) & (ela + dz <= zz[-1])
        rows[year] = np.where(inside, np.interp(ela + dz, zz, bb), np.nan)
    return pd.DataFrame.from_dict(rows, orient="index", columns=[-200, 100, 200, 300])


def test_profile_shape_is_that_of_real_profiles() -> None:
    """The curved profile against the WGMS band profiles of Urumqi No. 1 and Hintereisferner.

    Measured on the real files (tests/data; heights about each year's ELA where the profile
    reaches them): Urumqi No. 1 east branch 1989-2019, -200 and +100 m: -1258 ± 452 and
    +254 ± 108 kg m-2 (mean ± year-to-year sd); Hintereisferner 1995-2015, +100, +200,
    +300 m: +271, +344, +347. The model: -1440, +262, +364, +401. A straight line through the
    model's -200 and +100 m values would give +1020 at +300 m.
    """
    urumqi = _real_profile("wgms-oggm/profile_WGMS-01511.csv", slice(None))
    hef = _real_profile("hintereisferner/profile_WGMS-00491.csv", slice(1995, 2015)).mean()
    model = annual_balance_profile(np.array([-200.0, 100.0, 200.0, 300.0]), 0.0)
    for k, dz in enumerate((-200, 100)):
        assert abs(model[k] - urumqi[dz].mean()) <= urumqi[dz].std(), dz
    assert np.all(np.abs(model[1:] - hef.to_numpy()[1:]) <= 60.0), (model, hef)
    # flattening above the ELA: the third 100 m add less than a fifth of the first 100
    assert model[3] - model[2] < 0.2 * model[1]


@needs_pyproj
def test_profile_changes_shape_from_year_to_year(field: tuple[dict, dict]) -> None:
    """The true band profiles of two years differ by more than an offset.

    The difference of two years' band means is far from constant over the bands (its standard
    deviation over the bands above 100 kg m-2), and the yearly shape parameters differ.
    """
    cells, fields = field
    profiles = {}
    for year in YEARS:
        c = cells[example._survey_of(year)]
        band = np.floor(c.elevation / 50.0)
        profiles[year] = pd.Series(fields[year].annual).groupby(band).mean()
    spread = [
        float((profiles[a] - profiles[b]).dropna().std()) for a in YEARS for b in YEARS if a < b
    ]
    assert np.median(spread) > 100.0
    truth = true_balances()
    for column in ("ablation_gradient", "curvature", "accumulation_scale"):
        assert truth[column].std() / truth[column].mean() > 0.1, column


@needs_pyproj
def test_departures_from_bz_are_spatially_correlated(field: tuple[dict, dict]) -> None:
    """Departures of the field from the year's profile: a few hundred metres of correlation.

    Correlation of the departures of cell pairs about 50 m apart above 0.6, about 1500 m apart
    below 0.3; their standard deviation is tens to hundreds of kg m-2.
    """
    cells, fields = field
    c, f = cells[2000], fields[2003]
    dep = f.annual - annual_balance_profile(c.elevation, f.ela, MODEL, **f.weather.shape)
    assert 50.0 < dep.std() < 400.0
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, c.x.size, (2, 200_000))
    dist = np.hypot(c.x[i] - c.x[j], c.y[i] - c.y[j])

    def corr(lo: float, hi: float) -> float:
        k = (dist >= lo) & (dist < hi)
        return float(np.corrcoef(dep[i[k]], dep[j[k]])[0, 1])

    assert corr(25.0, 75.0) > 0.6
    assert corr(1300.0, 1700.0) < 0.3


@needs_pyproj
def test_solve_ela_analytic() -> None:
    """Without curvature and with every cell below the ELA, b = g (z - ELA): ELA = mean(z) - B / g."""
    straight = example.Model(curvature=0.0)
    z = np.array([3500.0, 3600.0, 3750.0, 3900.0])
    ela = solve_ela(z, -1500.0, straight)
    assert ela == pytest.approx(z.mean() + 1500.0 / MODEL.ablation_gradient, abs=1e-6)
    assert ela > z.max()


@settings(max_examples=50, deadline=None)
@given(st.floats(-2000.0, 300.0))
def test_solve_ela_hits_any_target(target: float) -> None:
    z = np.linspace(3490.0, 4000.0, 60)
    ela = solve_ela(z, target)
    assert annual_balance_profile(z, ela).mean() == pytest.approx(target, abs=1e-4)


# --- densities and melt ------------------------------------------------------------------------

layers_strategy = st.lists(
    st.tuples(st.floats(0.01, 1.0), st.floats(100.0, 900.0)), min_size=1, max_size=6
).map(
    lambda items: [
        (float(sum(t for t, _ in items[:k])), float(sum(t for t, _ in items[: k + 1])), rho)
        for k, (_, rho) in enumerate(items)
    ]
)


@settings(max_examples=100, deadline=None)
@given(layers_strategy, st.floats(0.0, 3000.0))
def test_depth_inverts_swe(layers: list[tuple[float, float, float]], swe: float) -> None:
    depth = depth_of_swe(swe, layers)
    assert depth >= 0.0
    assert swe_of_depth(depth, layers) == pytest.approx(swe, rel=1e-9, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(layers_strategy, st.floats(0.0, 5.0))
def test_swe_matches_mbpack_points(layers: list[tuple[float, float, float]], depth: float) -> None:
    """The generator converts with the profile rule the computation reads back."""
    from mbpack.balance.points import pit_profile

    frame = pd.DataFrame(layers, columns=["top_depth", "bottom_depth", "density"])
    assert swe_of_depth(depth, layers) == pytest.approx(
        pit_profile(frame).swe(depth), rel=1e-9, abs=1e-9
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.01, 2.0), st.floats(300.0, 900.0)), max_size=4),
    st.floats(0.0, 4000.0),
)
def test_melt_conserves_mass(store: list[tuple[float, float]], loss: float) -> None:
    before = sum(t * rho for t, rho in store)
    thick = sum(t for t, _ in store)
    left = list(store)
    lowering = melt(left, loss, 900.0)
    after = sum(t * rho for t, rho in left)
    ice = max(loss - before, 0.0)
    assert before - after + ice == pytest.approx(loss, abs=1e-6)
    assert lowering == pytest.approx(thick - sum(t for t, _ in left) + ice / 900.0, abs=1e-9)
    assert all(t > 0 for t, _ in left)


def test_melt_firn_then_ice() -> None:
    store = [(0.2, 900.0), (0.5, 600.0)]  # superimposed ice under firn (top last)
    assert melt(store, 390.0, 900.0) == pytest.approx(0.6)  # 0.5 m firn, 0.1 m ice
    assert store == [(pytest.approx(0.1), 900.0)]
    assert melt(store, 270.0, 900.0) == pytest.approx(0.3)  # the rest, then 0.2 m of glacier ice
    assert store == []


# --- surface and hypsometry --------------------------------------------------------------------


def test_hypsometry_sums_to_the_grid(made: Workbook) -> None:
    wb = made
    grid, hyps = wb["surface_grid"], wb["hypsometry"]
    assert len(grid) < 15_000
    for year, g in grid.groupby("year"):
        bands = hyps[hyps["year"] == year].sort_values("lower_elevation")
        assert bands["area"].sum() == pytest.approx(len(g) * 625e-6, abs=1e-12)
        assert (bands["upper_elevation"] - bands["lower_elevation"] == 50.0).all()
        assert (
            bands["lower_elevation"].iloc[1:].to_numpy()
            == bands["upper_elevation"].iloc[:-1].to_numpy()
        ).all()
        assert g["elevation"].between(3490.0, 4000.0).all()
        # 25 m cells of one grid
        assert set(np.diff(np.unique(g["x"]))) == {25.0} and set(np.diff(np.unique(g["y"]))) == {
            25.0
        }
    pd.testing.assert_frame_equal(hypsometry(grid), hyps, check_dtype=False)
    areas = hyps.groupby("year")["area"].sum()
    assert list(areas.index) == [2000, 2005, 2010]
    assert areas.is_monotonic_decreasing and 1.3 <= areas.iloc[0] <= 1.5


def test_surface_faces_north_east() -> None:
    g = surface(2000, (0.0, 0.0))
    slope = np.linalg.lstsq(
        np.column_stack([g["x"], g["y"], np.ones(len(g))]), g["elevation"], rcond=None
    )[0]
    # the surface falls towards +x and +y: downhill (the aspect) is north-east, within 20°
    assert slope[0] < 0 and slope[1] < 0
    assert 25.0 < math.degrees(math.atan2(-slope[1], -slope[0])) < 65.0
    assert g["elevation"].min() < 3500 and g["elevation"].max() > 3950


def test_outline_is_a_shrinking_cirque() -> None:
    """Not an ellipse: a wide basin in the upper part, a tongue under half its width, a bent
    centre line; the snout retreats and the area shrinks between surveys."""
    c = example._cells(2000, (0.0, 0.0))
    s = np.round(c.s * 20) / 20
    width = pd.Series(c.x).groupby(s).size() * MODEL.spacing**2 / MODEL.flow_length * 20
    basin, tongue = width.loc[0.2:0.45].max(), width.loc[0.75:0.9].mean()
    assert tongue < 0.5 * basin
    assert width.idxmax() < 0.5  # widest in the upper half (an ellipse: the middle)
    # the centre line bends: the middle of the glacier lies off the line joining its ends
    across = (c.x - c.y) / math.sqrt(2.0)
    middle = across[np.abs(c.s - 0.5) < 0.05].mean()
    ends = 0.5 * (across[np.abs(c.s - 0.1) < 0.05].mean() + across[np.abs(c.s - 0.9) < 0.05].mean())
    assert middle - ends > 50.0
    later = example._cells(2010, (0.0, 0.0))
    assert len(later.x) < 0.96 * len(c.x) and later.s.max() < c.s.max() - 0.05


# --- the workbook ------------------------------------------------------------------------------


def test_make_example_is_deterministic(made: Workbook) -> None:
    again, other = make_example(), make_example(52)
    for sheet, frame in made.tables.items():
        pd.testing.assert_frame_equal(again[sheet], frame, obj=sheet)
    assert not other["stake_readings"].equals(made["stake_readings"])


def test_readings(made: Workbook) -> None:
    wb = made
    readings, stakes = wb["stake_readings"], wb["stakes"]
    assert len(stakes) == 18 and stakes["elevation"].between(3490, 4000).all()
    # an uneven network: dense on the tongue, sparse above the ELA (2-4 stakes)
    ela = true_balances()["ela"].mean()
    above = int((stakes["elevation"] > ela).sum())
    assert 2 <= above <= 4
    grid = wb["surface_grid"]
    cells = grid[grid["year"] == 2000]["elevation"]
    density_above = above / float((cells > ela).mean())
    density_below = (18 - above) / float((cells <= ela).mean())
    assert density_below > 2.5 * density_above
    assert set(readings["event"]) == {"reading", "redrill", "extension", "lost"}
    assert (readings["event"] == "lost").sum() == 2
    changes = readings[readings["event"].isin(["redrill", "extension"])]
    assert changes["exposure"].notna().all() and changes["new_exposure"].notna().all()
    assert (changes.loc[changes["event"] == "redrill", "exposure"] > 3.5).all()
    extended = changes[changes["event"] == "extension"]
    assert set(extended["stake_id"]) <= set(stakes.loc[stakes["elevation"] > 3700, "stake_id"])
    for column in ("exposure", "snow_depth", "new_exposure", "superimposed_ice"):
        values = readings[column].dropna().to_numpy(float)
        assert np.allclose(values * 100, np.round(values * 100), atol=1e-9), column
    assert (readings["exposure"].dropna() > 0).all()  # no buried stake
    assert set(readings["surface"].dropna()) == {"snow", "firn", "ice", "superimposed_ice"}
    winter = readings[readings["date"].dt.month == 5]
    missed = true_stake_balances()["winter_balance"].isna().sum()
    assert 0 < missed < 20  # missed end-of-winter readings, besides the lost stakes
    assert winter["snow_depth"].notna().all() and len(winter) == 12 * 18 - 2 - 5 - missed
    years = wb["balance_years"]
    assert list(years["year"]) == list(YEARS) and set(years["time_system"]) == {"FLO"}
    assert (years["begin_date"].iloc[1:].to_numpy() == years["end_date"].iloc[:-1].to_numpy()).all()
    assert years["begin_date"].dt.month.isin([8, 9]).all()
    assert years["winter_end_date"].dt.month.eq(5).all()


def test_pits_and_probes(made: Workbook) -> None:
    pits, probes = made["snow_pits"], made["probes"]
    for (_, _), layers in pits.groupby(["pit_id", "date"]):
        layers = layers.sort_values("top_depth")
        assert 3 <= len(layers) <= 5
        assert layers["top_depth"].iloc[0] == 0.0
        assert (
            layers["top_depth"].iloc[1:].to_numpy() == layers["bottom_depth"].iloc[:-1].to_numpy()
        ).all()
        assert layers["density"].is_monotonic_increasing or layers["density"].diff().min() > -30
    snow, firn = pits[pits["layer"] == "snow"], pits[pits["layer"] == "firn"]
    assert snow["density"].between(250, 550).all() and firn["density"].between(550, 800).all()
    assert len(firn) and pits["pit_id"].str.startswith("S").any()
    per_year = probes.groupby(probes["date"].dt.year).size()
    assert list(per_year.index) == list(YEARS) and (per_year == 6).all()


def test_coordinates_agree(made: Workbook) -> None:
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32645", always_xy=True)
    for sheet in ("stakes", "snow_pits", "probes"):
        frame = made[sheet]
        x, y = to_utm.transform(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
        assert np.abs(x - frame["x"]).max() < 0.1 and np.abs(y - frame["y"]).max() < 0.2, sheet
    assert made.record("glacier")["crs"] == "EPSG:32645"


def test_example_facts() -> None:
    wb = read_workbook(shipped_path())
    glacier, dataset = wb.record("glacier"), wb.record("dataset")
    assert (glacier["wgi_id"], glacier["latitude"], glacier["longitude"]) == (
        "CN5Y741C0051",
        43.731,
        84.391,
    )
    assert glacier["wgms_id"] is None and "WGMS id" in glacier["remarks"]
    assert (glacier["country"], glacier["gtng_region"], glacier["gtng_subregion"]) == (
        "CN",
        "ASC",
        "ASC-04",
    )
    assert dataset["synthetic"] is True
    for key in ("description", "data_source", "quality"):
        assert SYNTHETIC in dataset[key], key
    assert "Synthetic" in dataset["title"]
    assert dataset["publisher"] == "National Tibetan Plateau / Third Pole Environment Data Center"
    assert (dataset["licence"], dataset["balance_uncertainty"], dataset["point_resolution"]) == (
        "CC-BY-4.0",
        200.0,
        10.0,
    )
    assert list(wb["authors"]["name"]) == ["mbpack developers"]


def test_shipped_workbook_is_what_the_generator_makes(made: Workbook) -> None:
    shipped = read_workbook(shipped_path())
    for sheet, frame in made.tables.items():
        pd.testing.assert_frame_equal(shipped[sheet], frame, check_dtype=False, obj=sheet)


def test_example_validates_clean() -> None:
    from mbpack.checks.validate import validate

    report = validate(shipped_path())
    assert (report.errors, report.warnings) == (0, 0), report.sorted_issues()[:5]
    assert report.sheets["stakes"].rows == 18


def test_example_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["example", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / FILE_NAME).read_bytes() == shipped_path().read_bytes()
    names = sorted(p.name for p in tmp_path.iterdir())  # no temporary left
    assert names == sorted([FILE_NAME, example.TRUTH_FILE, example.TRUTH_POINTS_FILE])
    for name in names:
        assert (tmp_path / name).read_bytes() == (shipped_path().parent / name).read_bytes()


def test_example_command_needs_no_pyproj(tmp_path: Path) -> None:
    """Users without the geo extra get the shipped workbook: the copy never imports pyproj."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pyproj'] = None\n"
        "from mbpack.cli import main\n"
        f"main(['example', {str(tmp_path)!r}])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / FILE_NAME).read_bytes() == shipped_path().read_bytes()


@needs_pyproj
def test_module_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seed52.xlsx"
    assert example.main(["--output", str(out), "--seed", "52"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    back = read_workbook(out)
    pd.testing.assert_frame_equal(
        back["stake_readings"], make_example(52)["stake_readings"], check_dtype=False
    )
    with pytest.raises(SystemExit):
        example.main(["--seed", "52"])  # the shipped file is seed 51


@needs_pyproj
def test_another_realisation_with_its_truth(tmp_path: Path) -> None:
    """``python -m mbpack.example --seed 52 DIR`` writes the workbook and both truth files."""
    assert example.main(["--seed", "52", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([FILE_NAME, example.TRUTH_FILE, example.TRUTH_POINTS_FILE])
    truth = pd.read_csv(tmp_path / example.TRUTH_FILE)
    assert list(truth["year"]) == list(YEARS)
    assert truth["annual_balance"].mean() == pytest.approx(-370.0, abs=0.1)
    assert truth["winter_balance"].mean() == pytest.approx(160.0, abs=0.1)
    shipped = pd.read_csv(shipped_path().parent / example.TRUTH_FILE)
    assert not np.allclose(truth["annual_balance"], shipped["annual_balance"])
    points = pd.read_csv(tmp_path / example.TRUTH_POINTS_FILE)
    stakes = read_workbook(tmp_path / FILE_NAME)["stakes"]
    assert set(points.loc[points["source"] == "stake", "point_id"].astype(str).str.zfill(2)) == set(
        stakes["stake_id"]
    )


# --- against the computation -------------------------------------------------------------------


def test_readings_imply_the_stake_balances(made: Workbook) -> None:
    """Point balances computed from the readings are the balances the readings were made from."""
    compute = pytest.importorskip("mbpack.balance.compute")
    points = compute.compute(made).point_balance
    stakes = points[points["source"] == "stake"]
    truth = true_stake_balances()
    winter = stakes[stakes["balance_code"] == "winter"].merge(
        truth, left_on=["point_id", "year"], right_on=["stake_id", "year"]
    )
    assert winter["winter_balance"].notna().all()
    # stake 05 lost in 2006, 14 in 2009, and the missed winter readings
    assert len(winter) == 12 * 18 - 7 - truth["winter_balance"].isna().sum()
    # a stake with a probe within winter_site_distance is one winter site, at the mean of the
    # two (stake 11 and probe 2000-3 in 2000); the others are the stake's own reading
    alone = ~winter["remarks"].fillna("").str.contains("one winter site")
    assert (~alone).sum() <= 3
    # snow depths are read to 0.01 m (≤ 2.3 kg m-2) and results rounded to 10 kg m-2
    own = winter[alone]
    assert (own["balance"] - own["winter_balance"]).abs().max() <= 8.0
    annual = stakes[stakes["balance_code"] == "annual"].merge(
        truth, left_on=["point_id", "year"], right_on=["stake_id", "year"]
    )
    # none in the years they were lost
    assert len(annual) == 12 * 18 - 7 - 2
    # melting through old firn into ice: the computation takes the whole loss as firn
    # (or through superimposed ice into older firn): compute takes the loss at the density of the
    # surface the year began on, the generator melts the stake's layers one by one
    layered = annual["old_surface"].isin(["firn", "superimposed_ice"])
    plain = annual[~(layered & (annual["annual_balance"] < 0))]
    diff = (plain["balance"] - plain["annual_balance"]).abs()
    # two exposure readings with 0.01 m noise and 0.01 m resolution, ice at 900 kg m-3
    assert diff.max() <= 60.0 and diff.mean() <= 15.0
    assert len(plain) >= 0.9 * len(annual)


@pytest.mark.parametrize("method", ["band", "contour"])
def test_means_match_the_published_record(results: object, method: str) -> None:
    table = results.glacier_balance
    rows = table[table["method"] == method]
    assert list(rows["year"]) == list(YEARS)
    for column, value in PUBLISHED.items():
        assert abs(rows[column].mean() - value) <= 100.0, column
    # Urumqi No. 1's real WGMS profiles 1989-2019: least-squares gradient of the bands with
    # b < 0, 967 ± 282 kg m-2 per 100 m (mean ± sd of the years; URUMQI_ABLATION_GRADIENT)
    assert (
        abs(rows["ablation_gradient"].mean() - URUMQI_ABLATION_GRADIENT[0])
        <= (URUMQI_ABLATION_GRADIENT[1])
    )


@needs_pyproj
@pytest.mark.parametrize("method", ["band", "contour"])
def test_years_follow_the_true_field(results: object, method: str) -> None:
    table = results.glacier_balance
    rows = table[table["method"] == method].set_index("year")
    truth = true_balances().set_index("year")
    assert (rows["winter_balance"] - truth["winter_balance"]).abs().max() <= 100.0
    error = (rows["annual_balance"] - truth["annual_balance"]).abs()
    # B_a every year within twice its stated uncertainty and within 100 kg m-2 (measured: band
    # at most 80, contour 62; the contour field with one elevation gradient erred by up to 185)
    assert (error <= 2 * rows["annual_balance_unc"]).all()
    assert error.max() <= 100.0
    assert np.corrcoef(rows["annual_balance"], truth["annual_balance"])[0, 1] > 0.95
    assert not math.isnan(rows["ela"].mean())


def test_repository_datapackage_describes_the_example(tmp_path: Path) -> None:
    """The top-level datapackage.json and example/data are what the example gives (python -m mbpack.example)."""
    from mbpack.example import repository_package

    root = Path(__file__).resolve().parent.parent
    made = repository_package(tmp_path)
    assert made == json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for resource in made["resources"]:
        rel = resource["path"]
        assert (tmp_path / rel).read_bytes() == (root / rel).read_bytes(), rel


def test_repository_datapackage_validates() -> None:
    from frictionless import Package

    root = Path(__file__).resolve().parent.parent
    report = Package(str(root / "datapackage.json")).validate()
    assert report.valid

"""The GLAMOS/VAW reader against the published Adler glacier files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mbpack.balance.compute import compute
from mbpack.cli import main
from mbpack.errors import UnreadableWorkbook
from mbpack.formats.glamos import import_glamos, read_glamos
from mbpack.workbook import Workbook, read_workbook

DATA = Path(__file__).parent / "data" / "glamos"


def workbook(name: str) -> Workbook:
    tables = read_glamos(DATA / name)
    assert tables.pop("unmapped") == ["glacier!country", "glacier!latitude", "glacier!longitude"]
    return Workbook.from_tables(tables)


@pytest.mark.parametrize("name", ["adler_obs.dat", "adler_fix.dat"])
def test_band_balances_reproduce_published_glacier_wide_values(name: str) -> None:
    wb = workbook(name)
    published = wb["glacier_balance"].set_index("year")
    assert len(published) == 12
    result = compute(wb)
    computed = result.glacier_balance.set_index("year")
    assert list(computed["method"].unique()) == ["band"]
    for col in ("winter_balance", "annual_balance"):
        assert (computed[col] - published[col]).abs().max() <= 2.0, col
    # the reported rows are listed against the recomputed ones, year by year
    comparison = result.comparison
    balances = comparison[comparison["quantity"].isin(["winter_balance", "annual_balance"])]
    assert len(balances) == 2 * 12 and set(balances["method"]) == {"band"}
    assert balances["difference"].abs().max() <= 2.0
    # ELA and AAR from the band profile agree with the published ones (2012 has a reversed
    # profile near the top, where the two ELA definitions part by up to ~90 m)
    ela_diff = (computed["ela"] - published["ela"]).abs()
    assert ela_diff.median() <= 15.0 and ela_diff.max() <= 100.0
    assert (computed["aar"] - published["aar"]).abs().median() <= 0.02


def test_header_and_dates() -> None:
    tables = read_glamos(DATA / "adler_obs.dat")
    assert tables["glacier"]["name"] == "Adler"
    first = tables["glacier_balance"].iloc[0]
    assert (first["year"], str(first["begin_date"]), str(first["end_date"])) == (
        2006,
        "2005-10-17",
        "2006-10-11",
    )
    assert first["aar"] == 0.35 and first["annual_balance"] == -600.0
    assert (first["winter_balance"], first["summer_balance"]) == (553.0, -1153.0)
    assert first["remarks"] == "GLAMOS method id 6; date_f 0928"
    years = tables["balance_years"]
    assert set(years["time_system"]) == {"FLO"}
    assert pd.isna(years["winter_end_date"].iloc[0])
    assert str(years["winter_end_date"].iloc[3]) == "2009-04-15"  # date_s 0415 of 20091006
    fixed = read_glamos(DATA / "adler_fix.dat")["balance_years"]
    assert set(fixed["time_system"]) == {"FXD"}
    bands = tables["band_balance"]
    # N = 13 bands between 2900 and 4200 m: 100 m bands
    first_year = bands[bands["year"] == 2006]
    assert list(first_year["lower_elevation"]) == [2900.0 + 100.0 * i for i in range(13)]
    assert list(first_year["upper_elevation"]) == [3000.0 + 100.0 * i for i in range(13)]
    assert first_year["winter_balance"].iloc[0] == 493.0
    assert tables["glacier"] == {"name": "Adler", "min_elevation": 2981.0, "max_elevation": 4119.0,
                                 "area": 1.97938,  # of the last year (2017)
                                 "references": "2017; Huss et al. 2015, Journal of Glaciology"}  # fmt: skip
    assert tables["hypsometry"]["area"].sum() == pytest.approx(bands["area"].sum())


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dat"
    lines = (DATA / "adler_obs.dat").read_bytes().decode("latin-1").splitlines()
    lines[5] = lines[5].rsplit(" ", 3)[0]
    bad.write_text("\n".join(lines), encoding="latin-1")
    with pytest.raises(UnreadableWorkbook, match=r"bad\.dat:6: 49 values, expected 51"):
        read_glamos(bad)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (1, r"bad\.dat:1: header .* lacks name; id; kind; N; lowest; highest"),
        (5, r"bad\.dat:5: date1 '20061311' is not a date \(yyyymmdd\)"),
        (6, r"bad\.dat:6: winter balance 'x' is not a number"),
        (7, r"bad\.dat:7: date_s '0231' is not a date \(mmdd\)"),
    ],
)
def test_malformed_values_name_file_line_and_column(
    tmp_path: Path, line: int, message: str
) -> None:
    lines = (DATA / "adler_obs.dat").read_bytes().decode("latin-1").splitlines()
    cells = lines[line - 1].split()
    if line == 1:
        lines[0] = "# Mass Balance; Adler; 16; gl; many; 2900; 4200;"
    elif line == 5:
        cells[4] = "20061311"
    elif line == 6:
        cells[5] = "x"
    else:
        cells[3] = "0231"
    if line > 1:
        lines[line - 1] = " ".join(cells)
    bad = tmp_path / "bad.dat"
    bad.write_text("\n".join(lines), encoding="latin-1")
    with pytest.raises(UnreadableWorkbook, match=message):
        read_glamos(bad)


def test_not_a_glamos_file(tmp_path: Path) -> None:
    other = tmp_path / "other.dat"
    other.write_text("year;balance\n2001;-500\n", encoding="latin-1")
    with pytest.raises(UnreadableWorkbook, match=r"other\.dat:1: not a GLAMOS mass-balance file"):
        read_glamos(other)


def test_import_glamos_writes_a_workbook(tmp_path: Path) -> None:
    out = import_glamos(DATA / "adler_obs.dat", tmp_path / "adler.xlsx")
    wb = read_workbook(out)
    assert wb.record("glacier")["name"] == "Adler"
    assert len(wb["glacier_balance"]) == 12 and set(wb["glacier_balance"]["method"]) == {"reported"}
    assert len(wb["band_balance"]) == 12 * 13


def test_import_command_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "adler.xlsx"
    result = CliRunner().invoke(
        main, ["import", "glamos", str(DATA / "adler_fix.dat"), "-o", str(out)]
    )
    assert result.exit_code == 0
    assert "glacier!country" in result.stderr
    wb = read_workbook(out)
    assert len(wb["band_balance"]) == 12 * 13
    assert compute(wb).glacier_balance["annual_balance"].iloc[0] == pytest.approx(-517.0, abs=2.0)


def test_zero_area_bands_without_balance_are_ignored_with_a_note(tmp_path: Path) -> None:
    """A 14th band (4200-4300 m) the glacier has left — area 0, balances NaN, as GLAMOS files
    carry them — is ignored with a note; every year is computed within 2 mm of the published
    value, as without it."""
    lines = (DATA / "adler_obs.dat").read_text(encoding="latin-1").splitlines()
    out = []
    for line in lines:
        if line.startswith("# Mass Balance"):
            line = line.replace("; 13; 2900; 4200;", "; 14; 2900; 4300;")
        elif line.strip() and not line.startswith("#"):
            cells = line.split()
            w, a, s = cells[12:25], cells[25:38], cells[38:51]
            cells = cells[:12] + w + ["NaN"] + a + ["NaN"] + s + ["0.0"]
            line = " ".join(cells)
        out.append(line)
    path = tmp_path / "adler_left.dat"
    path.write_text("\n".join(out) + "\n", encoding="latin-1")
    tables = read_glamos(path)
    tables.pop("unmapped")
    wb = Workbook.from_tables(tables)
    assert (wb["band_balance"]["area"] == 0).sum() == 12
    result = compute(wb)
    computed = result.glacier_balance.set_index("year")
    published = wb["glacier_balance"].set_index("year")
    assert len(computed) == 12 and computed["annual_balance"].notna().all()
    for col in ("winter_balance", "annual_balance"):
        assert (computed[col] - published[col]).abs().max() <= 2.0, col
    notes = [i for i in result.issues if i.code == "zero-area-band"]
    assert len(notes) == 12 and "4300" not in notes[0].message and "4200 m" in notes[0].message


POINT_FILE = """# Mass Balance; Testgletscher; 999; annual point measurement
# name; date0; time0; date1; time1; period; date_quality; x_pos; y_pos; z_pos; position_quality; mb_raw; density; density_quality; mb_we; measurement_quality; measurement_type; mb_error; reading_error; density_error; error_evaluation_method; source
# -; yyyymmdd; hhmm; yyyymmdd; hhmm; d; -; m; m; m a.s.l.; -; cm; kg m-3; -; mm w.e.; -; -; mm w.e.; mm w.e.; mm w.e.; -; -
# GLAMOS; 2024; test file in the documented layout
{rows}
"""
#: name, date0, date1, x_pos, y_pos, z, mb_raw, density, mb_we, type, error
POINTS = [
    ("P1", "20140925", "20150928", 640100.0, 150200.0, 2800.0, -222.0, 900, -2000, 1, 120),
    ("P2", "20140926", "20150928", 640300.0, 150500.0, 3000.0, -111.0, 900, -1000, 1, 90),
    ("P3", "20140925", "20151002", 150800.0, 640500.0, 3200.0, 0.0, 600, 0, 1, 80),
    ("S4", "20140925", "20150928", 640700.0, 151000.0, 3400.0, 100.0, 500, 500, 2, 100),
]


def _point_lines() -> str:
    return "\n".join(
        f"{n}; {d0}; 1200; {d1}; 1200; 368.0; 1; {x}; {y}; {z}; 1; {raw}; {rho}; 2; {b}; 1; {t}; {e}; 50; 60; 1; ab"
        for n, d0, d1, x, y, z, raw, rho, b, t, e in POINTS
    )


def test_glamos_point_file_is_read(tmp_path: Path) -> None:
    """The GLAMOS point layout (22 ;-separated columns): balances mm w.e. = kg m-2, CH1903 x/y.

    P3's coordinates are written northing first (150800, 640500): the easting is the one above
    400 000. The year's dates are the earliest begin (25 Sep 2014) and the latest end (2 Oct 2015).
    """
    path = tmp_path / "testgletscher_annual.dat"
    path.write_text(POINT_FILE.format(rows=_point_lines()), encoding="latin-1")
    tables = read_glamos(path)
    points = tables["point_balance"].set_index("point_id")
    assert points["balance"].tolist() == [-2000, -1000, 0, 500]
    assert set(points["balance_code"]) == {"annual"}
    assert points.loc["P3", ["x", "y"]].tolist() == [640500.0, 150800.0]
    assert points["source"].tolist() == ["stake", "stake", "stake", "probe"]
    assert points.loc["S4", "balance_unc"] == 100 and points.loc["S4", "density"] == 500
    year = tables["balance_years"].iloc[0]
    assert (year["year"], str(year["begin_date"]), str(year["end_date"])) == (
        2015,
        "2014-09-25",
        "2015-10-02",
    )
    assert tables["glacier"] == {"name": "Testgletscher", "crs": "EPSG:21781"}


def test_glamos_point_file_imports_and_computes(tmp_path: Path) -> None:
    """``mbpack import glamos`` on a point file; with a hypsometry added the band method runs.

    Four equal 200 m bands 2700-3500 m whose mid-elevations are the points' (2800, 3000, 3200,
    3400 m): the band method takes b(z) at each band's mid-elevation, the point's balance, so
    B_a = (-2000 - 1000 + 0 + 500) / 4 = -625 kg m-2.
    """
    path = tmp_path / "testgletscher_annual.dat"
    path.write_text(POINT_FILE.format(rows=_point_lines()), encoding="latin-1")
    out = tmp_path / "points.xlsx"
    result = CliRunner().invoke(main, ["import", "glamos", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = read_workbook(out)
    assert len(wb["point_balance"]) == 4
    lower = [2700.0, 2900.0, 3100.0, 3300.0]
    wb.tables["hypsometry"] = Workbook.from_tables({"hypsometry": [
        {"year": 2015, "lower_elevation": lo, "upper_elevation": lo + 200, "area": 0.5} for lo in lower
    ]}).tables["hypsometry"]  # fmt: skip
    table = compute(wb, method="band").glacier_balance
    assert table.loc[table["method"] == "band", "annual_balance"].iloc[0] == pytest.approx(
        -625.0, abs=1.0
    )

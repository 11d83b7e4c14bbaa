"""The GLAMOS/VAW reader against the published Adler glacier files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mbpack.cli import main
from mbpack.compute import compute
from mbpack.errors import UnreadableWorkbook
from mbpack.glamos import read_glamos
from mbpack.workbook import Workbook, read_workbook

DATA = Path(__file__).parent / "data" / "glamos"


def workbook(name: str) -> Workbook:
    tables = read_glamos(DATA / name)
    tables.pop("unmapped")
    return Workbook.from_tables(
        {k: pd.DataFrame(v) if isinstance(v, list) else v for k, v in tables.items()}
    )


@pytest.mark.parametrize("name", ["adler_obs.dat", "adler_fix.dat"])
def test_band_balances_reproduce_published_glacier_wide_values(name: str) -> None:
    wb = workbook(name)
    published = wb["glacier_balance"].set_index("year")
    assert len(published) == 12
    computed = compute(wb).glacier_balance.set_index("year")
    assert list(computed["method"].unique()) == ["band"]
    for col in ("winter_balance", "annual_balance"):
        assert (computed[col] - published[col]).abs().max() <= 2.0, col
    # ELA and AAR from the band profile agree with the published ones (2012 has a reversed
    # profile near the top, where the two ELA definitions part by up to ~90 m)
    ela_diff = (computed["ela"] - published["ela"]).abs()
    assert ela_diff.median() <= 15.0 and ela_diff.max() <= 100.0
    assert (computed["aar"] - published["aar"]).abs().median() <= 0.02


def test_header_and_dates() -> None:
    tables = read_glamos(DATA / "adler_obs.dat")
    assert tables["glacier"]["name"] == "Adler"
    first = tables["glacier_balance"][0]
    assert (first["year"], str(first["begin_date"]), str(first["end_date"])) == (
        2006,
        "2005-10-17",
        "2006-10-11",
    )
    assert first["aar"] == 0.35 and first["annual_balance"] == -600.0
    assert tables["balance_years"][0]["time_system"] == "FLO"
    assert read_glamos(DATA / "adler_fix.dat")["balance_years"][0]["time_system"] == "FXD"
    bands = pd.DataFrame(tables["band_balance"])
    assert bands["lower_elevation"].min() == 2900.0 and bands["upper_elevation"].max() == 4200.0


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dat"
    lines = (DATA / "adler_obs.dat").read_bytes().decode("latin-1").splitlines()
    lines[5] = lines[5].rsplit(" ", 3)[0]
    bad.write_text("\n".join(lines), encoding="latin-1")
    with pytest.raises(UnreadableWorkbook, match=r"bad\.dat:6: 49 values, expected 51"):
        read_glamos(bad)


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

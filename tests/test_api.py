"""The front door: one read-validate gate for every command, and the same compute options
reaching what compute, package and report produce."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import clean_tables, write

import mbpack
from mbpack.cli import main
from mbpack.errors import InvalidWorkbook
from mbpack.example import shipped_path


def _invalid(tmp_path: Path) -> Path:
    """The clean workbook with one reading of a stake that is not in the stakes sheet."""
    tables: dict[str, Any] = clean_tables()
    tables["stake_readings"][0]["stake_id"] = "NOPE"
    return write(tables, tmp_path / "invalid.xlsx")


def test_load_gates_on_errors(tmp_path: Path) -> None:
    path = _invalid(tmp_path)
    with pytest.raises(InvalidWorkbook) as caught:
        mbpack.load(path)
    report: Any = caught.value.report
    assert report.errors >= 1 and any(i.code == "unknown-stake" for i in report.issues)
    loaded = mbpack.load(path, ignore_errors=True)
    assert loaded.report.errors == report.errors and not loaded.workbook["stakes"].empty


def test_load_of_a_clean_workbook(clean_xlsx: Path) -> None:
    loaded = mbpack.load(clean_xlsx)
    assert loaded.report.valid and loaded.report.errors == 0


@pytest.mark.parametrize("command", ["compute", "package", "report"])
def test_every_computing_command_gates_alike(tmp_path: Path, command: str) -> None:
    """compute, package and report all refuse a workbook with errors (exit 1, nothing written)."""
    path = _invalid(tmp_path)
    out = tmp_path / ("out.html" if command == "report" else "out")
    args = [command, str(path)] + (["-o", str(out)] if command != "compute" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "validation errors" in result.output and "--ignore-errors" in result.output
    assert not out.exists()


def test_package_takes_the_compute_options(tmp_path: Path) -> None:
    """`package --profile piecewise` publishes the piecewise results, the ones `compute
    --profile piecewise` gives; with the default linear profile the band balances differ."""
    runner = CliRunner()
    for profile in ("linear", "piecewise"):
        result = runner.invoke(main, ["package", str(shipped_path()), "-o", str(tmp_path / profile),
                                      "--profile", profile, "-q"])  # fmt: skip
        assert result.exit_code == 0, result.output
    computed = mbpack.compute(
        mbpack.load(shipped_path()).workbook, mbpack.ComputeOptions(profile="piecewise")
    ).glacier_balance
    band = computed[computed["method"] == "band"].set_index("year")["annual_balance"]
    band.index = band.index.astype(int)

    def published(profile: str) -> pd.Series:
        table = pd.read_csv(tmp_path / profile / "data" / "results" / "glacier_balance.csv")
        return table[table["method"] == "band"].set_index("year")["annual_balance"]

    pd.testing.assert_series_equal(published("piecewise"), band.round(0), check_dtype=False,
                                   check_names=False, atol=1.0)  # fmt: skip
    assert (published("piecewise") - published("linear")).abs().max() > 1.0


def test_api_validate_sends_releases_to_the_fog_validator(tmp_path: Path) -> None:
    table = tmp_path / "WGMS-FoG-2023-09-A-GLACIER.csv"
    table.write_text("POLITICAL_UNIT,NAME,WGMS_ID\nCH,TEST,1\n", encoding="utf-8")
    report = mbpack.validate(table)
    assert report.file == str(table) and "A-GLACIER" in report.sheets

"""The command line: exit codes, JSON report, help, and the installed entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner
from conftest import clean_tables, write

from mbpack.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_valid_workbook_exits_0(clean_xlsx: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(clean_xlsx)])
    assert result.exit_code == 0, result.output
    assert "valid: 0 errors, 0 warnings in" in result.output


def test_invalid_workbook_exits_1_with_json(tmp_path: Path) -> None:
    tables = clean_tables()
    tables["stake_readings"][0]["stake_id"] = "S9"
    tables["snow_pits"][0]["density"] = 750.0
    path = write(tables, tmp_path / "bad.xlsx")
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert set(report) >= {"valid", "errors", "warnings", "issues"}
    assert (report["valid"], report["errors"], report["warnings"]) == (False, 1, 1)
    issue = next(i for i in report["issues"] if i["code"] == "unknown-stake")
    assert issue == {
        "code": "unknown-stake",
        "severity": "error",
        "sheet": "stake_readings",
        "row": 2,
        "column": "stake_id",
        "cell": "stake_readings!A2",
        "value": "S9",
        "message": "stake 'S9' is not in the stakes sheet",
        "file": None,
    }


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    tables = clean_tables()
    tables["snow_pits"][0]["density"] = 750.0
    result = CliRunner().invoke(main, ["validate", str(write(tables, tmp_path / "w.xlsx"))])
    assert result.exit_code == 0
    assert "snow-density-high" in result.output


def test_unreadable_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "not.xlsx"
    path.write_text("hello")
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert "not an .xlsx workbook" in result.stderr
    report = json.loads(result.stdout)
    assert report["issues"][0]["code"] == "unreadable-file"


def test_usage_error_exits_2() -> None:
    assert CliRunner().invoke(main, ["validate"]).exit_code == 2
    assert CliRunner().invoke(main, ["frobnicate"]).exit_code == 2


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert command.help
        assert f"mbpack {name}" in readme, f"`mbpack {name}` is not documented in README.md"


def test_every_command_in_the_readme_exists() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`mbpack ([a-z]+)", readme))
    assert named <= set(main.commands), named - set(main.commands)


def test_report_command(tmp_path: Path, clean_xlsx: Path) -> None:
    out = tmp_path / "r" / "report.html"
    result = CliRunner().invoke(main, ["report", str(clean_xlsx), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from mbpack.cli import main\n"
        "heavy = {'pandas', 'numpy', 'pandera', 'frictionless', 'scipy', 'matplotlib', 'openpyxl'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_installed_wheel_runs_from_any_directory(tmp_path: Path, clean_xlsx: Path) -> None:
    """A plain (non-editable) wheel ships schemas/ and templates/ and validates from elsewhere."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("mbpack-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mbpack/_data/schemas/stake_readings.json" in names
    assert "mbpack/py.typed" in names
    assert "mbpack/data/haxilegen51.xlsx" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [sys.executable, "-m", "mbpack", "validate", str(clean_xlsx)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    check = subprocess.run(
        [sys.executable, "-c", "import mbpack.workbook.schema as s; print(s.data_path('schemas'))"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.strip().startswith(str(target))

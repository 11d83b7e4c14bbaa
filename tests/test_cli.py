"""The command line: exit codes, JSON report, help, and the installed entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
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


# --- many files: mbpack validate FILE|DIR|GLOB… ----------------------------------------------


def _batch(tmp_path: Path) -> dict[str, Path]:
    """Two valid workbooks (one in a sub-folder), one with an error, one that is not a workbook."""
    from mbpack.example import shipped_path

    good = tmp_path / "archive" / "good.xlsx"
    deep = tmp_path / "archive" / "1990s" / "deep.xlsx"
    deep.parent.mkdir(parents=True)
    shutil.copy(shipped_path(), good)
    shutil.copy(shipped_path(), deep)
    book = openpyxl.load_workbook(shipped_path())
    book["stakes"]["A2"] = None  # a required stake_id left blank
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a zip")
    return {"good": good, "deep": deep, "bad": bad, "broken": broken}


def test_validate_many_text_lines_summary_and_worst_exit(tmp_path: Path) -> None:
    files = _batch(tmp_path)
    result = CliRunner().invoke(
        main, ["validate", str(tmp_path / "archive"), str(files["bad"]), "--jobs", "2"]
    )
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output  # the worst: one file has errors
    assert [line.split(": ")[0] for line in lines[:3]] == [
        str(files["deep"]),
        str(files["good"]),
        str(files["bad"]),
    ]  # a folder's workbooks sorted, then the next argument
    assert lines[0].split(": ")[1] == "valid" and lines[2].split(": ")[1] == "invalid"
    assert lines[-1].startswith("3 files: 2 valid, 1 invalid, 0 unreadable;")
    everything = CliRunner().invoke(main, ["validate", str(tmp_path / "**" / "*.xlsx"), "-j", "1"])
    assert everything.exit_code == 2, everything.output  # broken.xlsx cannot be read
    assert (
        everything.output.strip()
        .splitlines()[-1]
        .startswith("4 files: 2 valid, 1 invalid, 1 unreadable;")
    )
    assert f"{files['broken']}: unreadable: 1 errors" in everything.output


def test_validate_many_jsonl_one_line_per_file(tmp_path: Path) -> None:
    files = _batch(tmp_path)
    result = CliRunner().invoke(
        main, ["validate", str(files["good"]), str(files["bad"]), "--format", "jsonl"]
    )
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [(r["file"], r["status"], r["exit_code"]) for r in rows] == [
        (str(files["good"]), "valid", 0),
        (str(files["bad"]), "invalid", 1),
    ]
    assert rows[0]["errors"] == 0
    bad_cells = {i["cell"] for i in rows[1]["issues"] if i["severity"] == "error"}
    assert "stakes!A2" in bad_cells
    missing = CliRunner().invoke(main, ["validate", str(tmp_path / "nothing-*.xlsx"), "-q"])
    assert missing.exit_code == 2


def test_validate_file_in_a_pool_equals_serial(tmp_path: Path) -> None:
    from mbpack import api

    files = _batch(tmp_path)
    order = [files["bad"], files["good"], files["broken"]]
    serial = [(r.file, r.status, r.errors) for r in api.validate_many(order, jobs=1)]
    pooled = [(r.file, r.status, r.errors) for r in api.validate_many(order, jobs=2)]
    assert serial == pooled
    assert [s[1] for s in serial] == ["invalid", "valid", "unreadable"]


def test_validate_on_a_dask_cluster(tmp_path: Path) -> None:
    """--scheduler: the same per-file results from a dask LocalCluster as from the process pool."""
    distributed = pytest.importorskip("distributed")
    from mbpack import api

    files = _batch(tmp_path)
    order = [files["good"], files["bad"], files["broken"]]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        on_cluster = [
            (r.file, r.status, r.errors) for r in api.validate_many(order, scheduler=address)
        ]
        result = CliRunner().invoke(
            main, ["validate", *map(str, order), "--scheduler", address, "--format", "jsonl"]
        )
    assert on_cluster == [(r.file, r.status, r.errors) for r in api.validate_many(order, jobs=1)]
    assert result.exit_code == 2, result.output
    assert [json.loads(line)["status"] for line in result.output.strip().splitlines()] == [
        "valid",
        "invalid",
        "unreadable",
    ]
    nowhere = CliRunner().invoke(
        main, ["validate", *map(str, order), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert nowhere.exit_code == 2 and "no dask scheduler" in nowhere.output

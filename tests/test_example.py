"""The bundled example: realistic against the published record, and reproducible from its generator."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mbpack.cli import main
from mbpack.compute import compute
from mbpack.example import FILE_NAME, SYNTHETIC, shipped_path
from mbpack.validate import validate
from mbpack.workbook import read_workbook

# Zhang et al. (2018), doi:10.1017/jog.2018.58: means 1999-2015 [kg m-2 a-1]
PUBLISHED = {"annual_balance": -370.0, "summer_balance": -540.0, "winter_balance": 160.0}


@pytest.fixture(scope="module")
def results() -> object:
    return compute(read_workbook(shipped_path()))


def test_example_validates_clean() -> None:
    report = validate(shipped_path())
    assert (report.errors, report.warnings) == (0, 0)
    assert report.sheets["stakes"].rows == 18


@pytest.mark.parametrize("method", ["band", "contour"])
def test_means_match_the_published_record(results: object, method: str) -> None:
    table = results.glacier_balance  # type: ignore[attr-defined]
    rows = table[table["method"] == method]
    assert list(rows["year"]) == list(range(2000, 2012))
    for column, value in PUBLISHED.items():
        assert abs(rows[column].mean() - value) <= 100.0, column
    assert rows["ablation_gradient"].mean() == pytest.approx(600.0, abs=60.0)


def test_example_facts() -> None:
    wb = read_workbook(shipped_path())
    glacier, dataset = wb.record("glacier"), wb.record("dataset")
    assert (glacier["wgi_id"], glacier["latitude"], glacier["longitude"]) == (
        "CN5Y741C0051",
        43.731,
        84.391,
    )
    assert dataset["synthetic"] is True and SYNTHETIC in dataset["description"]
    areas = wb["hypsometry"].groupby("year")["area"].sum()
    assert list(areas.index) == [2000, 2005, 2010]
    assert areas.is_monotonic_decreasing and 1.3 <= areas.iloc[0] <= 1.5
    readings = wb["stake_readings"]
    assert set(readings["event"]) == {"reading", "redrill", "extension", "lost"}
    assert (readings["event"] == "lost").sum() == 2
    assert wb["stakes"]["elevation"].between(3490, 4000).all()


def test_shipped_workbook_is_what_the_generator_makes() -> None:
    pytest.importorskip("pyproj")
    from mbpack.example import make_example

    made = make_example()
    shipped = read_workbook(shipped_path())
    for sheet, frame in made.tables.items():
        pd.testing.assert_frame_equal(shipped[sheet], frame, check_dtype=False, obj=sheet)


def test_example_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["example", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / FILE_NAME).read_bytes() == shipped_path().read_bytes()


def test_repository_datapackage_describes_the_example(tmp_path: Path) -> None:
    """The top-level datapackage.json and example/data are what the example gives (python -m mbpack.example)."""
    import json

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

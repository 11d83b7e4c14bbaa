"""The validator page of ``mbpack serve`` in a real headless Chromium (Debian's ``chromium``).

Upload the example → valid, the glacier-wide table and the report show, the package downloads
and frictionless validates it; upload a workbook with three seeded faults → the grid marks
exactly those cells; upload a text file → a clear error page.  The result page of the example is
kept in tests/artifacts/ (serve.png, serve-faults.png; docs/serve-faults.png in the README is a
copy of the second).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from serving import SEEDED, faulty_workbook, live  # noqa: E402

from mbpack.example import shipped_path  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FRICTIONLESS = Path(sys.executable).parent / "frictionless"
ARTIFACTS = Path(__file__).parent / "artifacts"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, str]]:
    with live() as base, sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )  # fmt: skip
        yield chromium, base
        chromium.close()


def upload(browser: tuple[Any, str], path: Path, errors: list[str]) -> Any:
    chromium, base = browser
    page = chromium.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page.set_default_timeout(180_000)  # packaging the example takes 15 s, more on a loaded machine
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/")
    page.set_input_files("#file", str(path))
    with page.expect_navigation(timeout=180_000):
        page.click("#send")
    return page


def test_the_example_is_valid_and_its_package_validates(
    browser: tuple[Any, str], tmp_path: Path
) -> None:
    """The example holds 2000-2011: 12 years of both methods, 24 rows of the glacier-wide table."""
    errors: list[str] = []
    page = upload(browser, shipped_path(), errors)
    assert page.text_content("#verdict") == "valid"
    assert page.text_content("#counts").startswith("0 errors, 0 warnings")
    assert page.is_visible("#no-issues")
    rows = page.eval_on_selector_all(
        "#glacier tbody tr",
        "rows => rows.map(r => r.cells[0].textContent + ' ' + r.cells[1].textContent)",
    )
    assert sorted(rows) == sorted(
        f"{y} {m}" for y in range(2000, 2012) for m in ("band", "contour")
    )
    assert page.eval_on_selector_all("td.fault", "cells => cells.length") == 0
    report = page.frame_locator("#report")
    assert report.locator("h1").text_content() == "Haxilegen Glacier No. 51: mass-balance report"
    images = report.locator("img").evaluate_all(
        "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
    )
    assert len(images) == 2 + 12 and all(images)  # series plots + one figure per balance year
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve.png"), full_page=False)
    with page.expect_download() as caught:
        page.click("#get-package")
    saved = tmp_path / "package.zip"
    caught.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        archive.extractall(tmp_path / "package")
    with page.expect_download() as caught:
        page.click("#get-results")
    caught.value.save_as(tmp_path / "results.zip")
    assert "glacier_balance.csv" in zipfile.ZipFile(tmp_path / "results.zip").namelist()
    page.close()
    assert errors == []
    result = subprocess.run([str(FRICTIONLESS), "validate", str(tmp_path / "package" / "datapackage.json")],
                            capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_grid_marks_exactly_the_seeded_cells(browser: tuple[Any, str], tmp_path: Path) -> None:
    errors: list[str] = []
    page = upload(browser, faulty_workbook(tmp_path / "faulty.xlsx"), errors)
    assert page.text_content("#verdict") == "invalid"
    marked = page.eval_on_selector_all(
        "td.fault",
        "cells => cells.map(c => [c.closest('details').dataset.sheet, c.dataset.cell, c.className, c.title])",
    )
    assert {(sheet, cell) for sheet, cell, _, _ in marked} == SEEDED and len(marked) == 3
    by_cell = {(sheet, cell): (kind, title) for sheet, cell, kind, title in marked}
    assert by_cell["stake_readings", "C4"] == (
        "fault error",
        "error type-error: 'abc' is not a number (expected m)",
    )
    assert by_cell["stakes", "F2"][0] == "fault warning" and "3000 m" in by_cell["stakes", "F2"][1]
    density = by_cell["snow_pits", "J3"]  # one cell, two findings: the worse one colours it
    assert density[0] == "fault error" and density[1].count("\n") == 1
    assert (
        page.locator("details[data-sheet=stake_readings] td[data-cell=C4]").text_content() == "abc"
    )
    # the issues table: filter by severity, then by sheet; sort by cell
    assert page.text_content("#shown-count") == "4"
    page.select_option("#f-severity", "warning")
    assert page.text_content("#shown-count") == "2"
    page.select_option("#f-severity", "")
    page.select_option("#f-sheet", "snow_pits")
    assert page.text_content("#shown-count") == "2"
    page.select_option("#f-sheet", "")
    page.click("#issues th:nth-child(2)")
    cells = page.eval_on_selector_all(
        "#issues tbody tr", "rows => rows.map(r => r.cells[1].textContent)"
    )
    assert cells == ["F2", "J3", "J3", "C4"]  # by row, then column
    page.click("#issues a[href$='-C4']")
    assert page.locator("td.target").get_attribute("data-cell") == "C4"
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.set_viewport_size({"width": 1200, "height": 1300})
    page.screenshot(path=str(ARTIFACTS / "serve-faults.png"), full_page=False)
    page.close()
    assert errors == []


def test_a_text_file_gets_a_clear_error_page(browser: tuple[Any, str]) -> None:
    """The file is dropped on the drop zone (a drop event with a DataTransfer, as a browser
    sends it), which submits the form."""
    chromium, base = browser
    errors: list[str] = []
    page = chromium.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/")
    dropped = page.evaluate_handle(
        "() => { const dt = new DataTransfer(); "
        "dt.items.add(new File(['stake S1 2.5 m\\n'], 'notes.txt', {type: 'text/plain'})); return dt; }"
    )
    with page.expect_navigation(timeout=60_000):
        page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
    assert page.title() == "mbpack validator: the file was refused"
    assert (
        page.text_content("#message")
        == "notes.txt: not an .xlsx workbook (the file starts with 'stake S1')"
    )
    assert "Traceback" not in page.content()
    page.close()  # the browser logs the page's own status; nothing else went wrong
    assert errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]

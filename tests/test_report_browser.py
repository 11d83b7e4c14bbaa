"""The HTML report in a real headless browser: it loads without console errors and every image decodes.

Needs Chromium (Debian's ``chromium`` package; CI installs it). A screenshot is kept in
tests/artifacts/report.png.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mbpack.balance.compute import compute
from mbpack.checks.validate import validate
from mbpack.example import shipped_path
from mbpack.publish import package as publish
from mbpack.workbook import read_workbook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)
def test_report_loads_and_every_image_decodes(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    wb = read_workbook(shipped_path())
    publish.package(wb, tmp_path / "pkg", results=compute(wb), report=validate(shipped_path()))
    page_path = tmp_path / "pkg" / "report.html"
    html = page_path.read_text()
    assert (
        "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    )  # self-contained
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        images = page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.alt])"
        )
        title = page.title()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
        browser.close()
    assert errors == []
    assert title == "Haxilegen Glacier No. 51: mass-balance report"
    assert len(images) == 2 + 12  # series plots + one figure per balance year
    assert all(complete and width > 0 for complete, width, _ in images), images

"""mbpack package: every target written and valid, round trips, escaping, atomicity, missing metadata.

Golden files in tests/golden pin each template's output for a small workbook; regenerate them with
``MBPACK_REGEN_GOLDEN=1 pytest tests/test_publish.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from builders import stake_workbook
from click.testing import CliRunner
from conftest import write
from official import bib_entry, cff_validate, datacite_errors

from mbpack.atomic import MARKER
from mbpack.balance.compute import compute
from mbpack.cli import main
from mbpack.errors import MissingMetadata
from mbpack.formats.datapackage import equal_tables, read_package
from mbpack.publish import package as publish
from mbpack.workbook import Workbook

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"

POS = [(100.0, 150.0), (500.0, 900.0), (900.0, 1700.0), (400.0, 2300.0)]


def small(**dataset: Any) -> Workbook:
    wb = stake_workbook(POS, [-2000.0, -1100.0, -100.0, 500.0], [200.0, 300.0, 400.0, 450.0])
    record = {"title": "Mass balance of Planar Glacier <test> & \"friends\"", "publisher": "Test Repository",
              "publication_year": 2024, "licence": "CC-BY-4.0", "doi": "10.5072/planar", "version": "2",
              "keywords": "glacier; mass balance", "description": "Stakes on a planar glacier.",
              "data_source": "Stakes.", "processing_method": "Both methods.", "quality": "Good: 200 kg m-2.",
              **dataset}  # fmt: skip
    tables = {**wb.tables, "dataset": record,
              "authors": [{"name": "Person, Ada", "affiliation": "Institute", "orcid": "0000-0002-1825-0097"},
                          {"name": "Second, B.", "affiliation": None, "orcid": None}]}  # fmt: skip
    out = Workbook.from_tables(tables)
    out.tables["glacier"].loc[0, ["wgms_id", "remarks"]] = [1234, "=cmd|' /C calc'!A0"]
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workbook, Path, publish.Summary]:
    wb = small()
    out = tmp_path_factory.mktemp("pkg") / "package"
    summary = publish.package(wb, out, results=compute(wb), html=False)
    return wb, out, summary


def test_everything_is_written(built: tuple[Workbook, Path, publish.Summary]) -> None:
    _, out, summary = built
    assert summary.skipped == {} and summary.notes == []
    for rel in ("datapackage.json", "data/stake_readings.csv", "data/results/glacier_balance.csv",
                "wgms/upper/EE-MASS_BALANCE.csv", "wgms/lower/datapackage.json", "metadata/datacite.xml",
                "metadata/schemaorg.jsonld", "metadata/CITATION.cff", "metadata/description.md", "citation.txt",
                "citation.bib", "report.md"):  # fmt: skip
        assert (out / rel).is_file(), rel


def test_frictionless_validates_the_packages(built: tuple[Workbook, Path, publish.Summary]) -> None:
    from frictionless import Package

    _, out, _ = built
    for path in (out / "datapackage.json", out / "wgms" / "lower" / "datapackage.json"):
        report = Package(str(path)).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_round_trip_of_the_data_folder(built: tuple[Workbook, Path, publish.Summary]) -> None:
    wb, out, _ = built
    back = read_package(out)
    assert equal_tables(wb, back) == []
    assert back.record("glacier")["remarks"] == "=cmd|' /C calc'!A0"  # restored after neutralising
    assert "'=cmd|" in (out / "data" / "glacier.csv").read_text()


def test_datacite_is_valid_by_the_official_xsd(
    built: tuple[Workbook, Path, publish.Summary],
) -> None:
    from lxml import etree

    _, out, _ = built
    text = (out / "metadata" / "datacite.xml").read_text()
    assert datacite_errors(text) == []
    ns = {"d": "http://datacite.org/schema/kernel-4"}
    ours = etree.fromstring(text.encode())
    assert ours.xpath("//d:identifier", namespaces=ns)[0].text == "10.5072/planar"
    assert (
        ours.xpath("//d:title", namespaces=ns)[0].text
        == 'Mass balance of Planar Glacier <test> & "friends"'
    )
    assert "&lt;test&gt; &amp; &#34;friends&#34;" in text


def test_cff_is_valid(built: tuple[Workbook, Path, publish.Summary]) -> None:
    _, out, _ = built
    cff = cff_validate((out / "metadata" / "CITATION.cff").read_text())
    assert cff["authors"][0] == {"family-names": "Person", "given-names": "Ada", "affiliation": "Institute",
                                 "orcid": "https://orcid.org/0000-0002-1825-0097"}  # fmt: skip
    assert cff["title"] == 'Mass balance of Planar Glacier <test> & "friends"'


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example's package, as a new user makes it (``mbpack package`` on it)."""
    from mbpack.workbook import read_workbook

    path = Path(__file__).parents[1] / "mbpack" / "data" / "haxilegen51.xlsx"
    wb = read_workbook(path)
    out = tmp_path_factory.mktemp("example") / "package"
    publish.package(wb, out, results=compute(wb), html=False)
    return out


def test_the_examples_package_passes_the_official_validators(example: Path) -> None:
    """DataCite XSD, CFF schema (as cffconvert --validate), pybtex, frictionless."""
    from frictionless import Package
    from lxml import etree

    xml = (example / "metadata" / "datacite.xml").read_text()
    assert datacite_errors(xml) == []
    ns = {"d": "http://datacite.org/schema/kernel-4"}
    related = etree.fromstring(xml.encode()).xpath("//d:relatedIdentifier", namespaces=ns)
    assert [(r.text, r.get("relationType")) for r in related] == [
        ("10.1017/jog.2018.58", "References")
    ]
    cff = cff_validate((example / "metadata" / "CITATION.cff").read_text())
    assert cff["authors"] == [{"name": "mbpack developers"}]  # an entity, no affiliation key
    for name, kind in (("citation.bib", "misc"), ("citation.biblatex.bib", "dataset")):
        entry = bib_entry((example / name).read_text())
        assert entry.type == kind and entry.key == "haxilegen_glacier_no_51_2026"
        assert [p.last_names for p in entry.persons["author"]] == [["{mbpack developers}"]]
    report = Package(str(example / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_organisations_with_affiliations_pass_the_official_validators(tmp_path: Path) -> None:
    from frictionless import Package

    wb = small()
    wb.tables["authors"] = Workbook.from_tables({"authors": [
        {"name": "Tianshan Glaciological Station", "affiliation": "Chinese Academy of Sciences"},
        {"name": "mbpack developers", "affiliation": "mbpack project"}]}).tables["authors"]  # fmt: skip
    out = tmp_path / "p"
    publish.package(wb, out, results=compute(wb), html=False)
    assert datacite_errors((out / "metadata" / "datacite.xml").read_text()) == []
    cff = cff_validate((out / "metadata" / "CITATION.cff").read_text())
    assert cff["authors"] == [
        {"name": "Tianshan Glaciological Station"},
        {"name": "mbpack developers"},
    ]
    for name in ("citation.bib", "citation.biblatex.bib"):
        entry = bib_entry((out / name).read_text())
        assert [p.last_names for p in entry.persons["author"]] == [
            ["{Tianshan Glaciological Station}"], ["{mbpack developers}"]]  # fmt: skip
        assert [p.first_names for p in entry.persons["author"]] == [[], []]
    assert Package(str(out / "datapackage.json")).validate().valid


def test_schemaorg_jsonld(built: tuple[Workbook, Path, publish.Summary]) -> None:
    _, out, _ = built
    doc = json.loads((out / "metadata" / "schemaorg.jsonld").read_text())
    assert doc["@type"] == "Dataset" and doc["identifier"] == "https://doi.org/10.5072/planar"
    assert doc["creator"][0]["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert doc["temporalCoverage"] == "2000-09-01/2001-09-01"
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_citation_and_bibtex(built: tuple[Workbook, Path, publish.Summary]) -> None:
    _, out, _ = built
    text = (out / "citation.txt").read_text()
    assert text.startswith('Person, Ada; Second, B. Mass balance of Planar Glacier <test> & "friends". '
                           "Test Repository, 2024. DOI: 10.5072/planar.")  # fmt: skip
    assert (
        "(2024). Mass balance" in text
        and "[Data set]. Test Repository. https://doi.org/10.5072/planar" in text
    )
    bib = (out / "citation.bib").read_text()
    assert bib.startswith("@misc{planar_2024,")
    assert 'title        = {Mass balance of Planar Glacier <test> \\& "friends"},' in bib
    assert (out / "citation.biblatex.bib").read_text().startswith("@dataset{planar_2024,")


def test_description_has_the_repository_layout_with_measured_facts(
    built: tuple[Workbook, Path, publish.Summary],
) -> None:
    _, out, _ = built
    md = (out / "metadata" / "description.md").read_text()
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## Dataset description", "## Data source", "## Processing method", "## Data quality",
                        "## Base information", "## File naming and required software", "## Citation"]  # fmt: skip
    assert "| Time | 2000-09-01 to 2001-09-01 (balance years 2001–2001) |" in md
    assert "| Altitude | 3502–3998 m a.s.l. |" in md  # grid cell centres
    zh = (out / "metadata" / "description.zh.md").read_text()
    assert "（dataset!description_zh 为空：暂无中文描述，英文描述见 description.md。）" in zh
    assert "| Coordinate system | EPSG:32645" in md


def test_rerun_is_byte_identical(tmp_path: Path) -> None:
    wb = small()
    a, b = tmp_path / "a", tmp_path / "b"
    publish.package(wb, a, results=compute(wb), html=False)
    publish.package(wb, b, results=compute(wb), html=False)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_failure_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("written by mbpack\n")  # an earlier package
    (out / "keep.txt").write_text("old")

    def boom(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish, "render", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        publish.package(small(), out, results=compute(small()), html=False)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "keep.txt"]


def test_missing_metadata_is_reported_and_other_targets_written(tmp_path: Path) -> None:
    wb = small(licence=None, doi=None)
    wb.tables["glacier"].loc[0, "wgms_id"] = None
    summary = publish.package(wb, tmp_path / "p", results=compute(wb), html=False)
    assert summary.skipped == {"datacite": ["dataset!doi (Identifier (the DOI the repository reserved))",
                                            "dataset!licence (Rights)"]}  # fmt: skip
    assert summary.notes[0].startswith("glacier!wgms_id is empty")
    assert (tmp_path / "p" / "metadata" / "CITATION.cff").exists()
    assert not (tmp_path / "p" / "metadata" / "datacite.xml").exists()
    with pytest.raises(MissingMetadata, match=r"dataset!licence"):
        publish.package(wb, tmp_path / "strict", results=compute(wb), html=False, strict=True)
    assert not (tmp_path / "strict").exists()


def test_workbook_text_cannot_inject_a_template(tmp_path: Path) -> None:
    wb = small(title="{{ 7*7 }} {% raw %}", description="{{ glacier.__class__ }}")
    publish.package(wb, tmp_path / "p", results=compute(wb), html=False)
    md = (tmp_path / "p" / "metadata" / "description.md").read_text()
    assert "# {{ 7\\*7 }} {% raw %}" in md  # the text as typed; only its Markdown "*" escaped


HOSTILE = {
    "title": "Glacier <script>alert(1)</script> & [link](javascript:alert(2))",
    "description": "First line\n# Not a heading\n- not a list\n    not code\n<img src=x onerror=alert(3)>\n***\n| a | b |",
    "quality": "1. not a numbered list\n===",
}


def _rendered(md: str) -> str:
    """The HTML a CommonMark + GitHub-tables renderer (markdown-it-py, rich's own parser) makes."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(md)


def test_workbook_text_is_text_in_markdown_and_plain_text(tmp_path: Path) -> None:
    """Hostile workbook text in description.md, description.zh.md and report.md renders as the
    characters typed (markdown-it-py is the independent parser): the rendered page has exactly
    the elements (script, img, links, headings, lists, code, rules, tables) of the same page made
    from plain text, and every word of the hostile text is there.  In citation.txt it stays on
    its line."""
    import html

    wb = small(**HOSTILE)
    publish.package(wb, tmp_path / "p", results=compute(wb), html=False)
    publish.package(small(), tmp_path / "plain", results=compute(small()), html=False)
    tags = ("<script", "<img", "<a ", "<ul", "<ol", "<li", "<pre", "<code", "<hr", "<h1", "<h2",
            "<h3", "<table", "<tr", "<em", "<strong", "<p>")  # fmt: skip
    for name in ("metadata/description.md", "metadata/description.zh.md", "report.md"):
        page = _rendered((tmp_path / "p" / name).read_text())
        plain = _rendered((tmp_path / "plain" / name).read_text())
        counts = {t: page.count(t) for t in tags}
        assert counts == {t: plain.count(t) for t in tags} | {"<p>": counts["<p>"]}, name
        assert "<script" not in page and "<img" not in page
        text = html.unescape(page)
        assert "Glacier <script>alert(1)</script> & [link](javascript:alert(2))" in text, name
    page = _rendered((tmp_path / "p" / "metadata" / "description.md").read_text())
    text = html.unescape(page)
    for line in ("# Not a heading", "- not a list", "<img src=x onerror=alert(3)>", "| a | b |",
                 "1. not a numbered list"):  # fmt: skip
        assert line in text
    assert [h for h in page.splitlines() if h.startswith("<h2>")][:4] == [
        "<h2>Dataset description</h2>", "<h2>Data source</h2>", "<h2>Processing method</h2>",
        "<h2>Data quality</h2>"]  # fmt: skip
    citation = (tmp_path / "p" / "citation.txt").read_text()
    assert not any(line.startswith(("# Not", "- not", "===")) for line in citation.splitlines())
    assert "Glacier <script>alert(1)</script> & [link](javascript:alert(2))." in citation


def test_template_override_and_missing_field(tmp_path: Path) -> None:
    templates = tmp_path / "t"
    templates.mkdir()
    (templates / "citation.txt.j2").write_text("{{ title }} ({{ year }})\n")
    publish.package(
        small(), tmp_path / "p", results=compute(small()), html=False, templates=templates
    )
    assert (
        (tmp_path / "p" / "citation.txt").read_text().startswith("Mass balance of Planar Glacier")
    )
    (templates / "citation.txt.j2").write_text("{{ title }} {{ funder }}\n")
    with pytest.raises(
        MissingMetadata, match=r"template citation.txt.j2 line 1: 'funder' is undefined"
    ):
        publish.package(
            small(), tmp_path / "q", results=compute(small()), html=False, templates=templates
        )
    assert not (tmp_path / "q").exists()


@pytest.mark.parametrize("name", ["metadata/datacite.xml", "metadata/schemaorg.jsonld", "metadata/CITATION.cff",
                                  "metadata/description.md", "metadata/description.zh.md", "citation.txt", "citation.bib",
                                  "citation.biblatex.bib",
                                  "report.md"])  # fmt: skip
def test_golden_files(built: tuple[Workbook, Path, publish.Summary], name: str) -> None:
    _, out, _ = built
    golden = GOLDEN / Path(name).name
    text = (out / name).read_text()
    if os.environ.get("MBPACK_REGEN_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), (
        f"{name} changed; regenerate with MBPACK_REGEN_GOLDEN=1 if intended"
    )


def test_package_command_with_a_base_url(tmp_path: Path) -> None:
    path = write(small().tables, tmp_path / "w.xlsx")
    args = [
        "package",
        str(path),
        "-o",
        str(tmp_path / "out"),
        "--base-url",
        "https://example.org/mb51",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "metadata" / "schemaorg.jsonld").read_text())
    urls = [d["contentUrl"] for d in doc["distribution"]]
    assert "https://example.org/mb51/data/stake_readings.csv" in urls
    assert all(u.startswith("https://example.org/mb51/") for u in urls)
    bad = CliRunner().invoke(main, [*args[:4], "--base-url", "data/here"])
    assert bad.exit_code != 0 and "not an absolute http:// or https:// URL" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "out2").exists()


def test_package_command(tmp_path: Path) -> None:
    path = write(small().tables, tmp_path / "w.xlsx")
    result = CliRunner().invoke(main, ["package", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "mbpack: computing" not in result.output  # no progress bar when not on a terminal
    assert (tmp_path / "out" / "report.html").exists()
    assert "wrote" in result.stdout
    from mbpack.workbook import read_workbook

    assert (
        read_workbook(path).record("glacier")["remarks"] == "=cmd|' /C calc'!A0"
    )  # text, not a formula


def test_package_and_report_of_an_empty_template(tmp_path: Path) -> None:
    """A blank template validates; package writes what it can and names what is missing."""
    blank = tmp_path / "blank.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["template", str(blank)]).exit_code == 0
    result = runner.invoke(main, ["package", str(blank), "-o", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert result.exception is None and "Traceback" not in result.output
    assert (
        "not written: citation: missing dataset!title (title), authors!name (authors)"
        in result.stderr
    )
    assert "not written: datacite: missing dataset!title (Title)" in result.stderr
    assert (tmp_path / "p" / "datapackage.json").is_file()
    md = (tmp_path / "p" / "report.md").read_text()
    assert (
        "No glacier-wide balance" in md
        and "- cff: dataset!title (title), authors!name (authors)" in md
    )
    assert not (tmp_path / "p" / "citation.bib").exists()
    report = runner.invoke(main, ["report", str(blank), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 0 and report.exception is None, report.output
    html = (tmp_path / "r.html").read_text()
    assert "unknown (no elevations in the workbook)" in html and "Missing for publishing" in html


def test_package_and_report_of_a_results_only_workbook(tmp_path: Path) -> None:
    """Only reported glacier-wide balances (no stakes): the results are published as reported."""
    tables = {
        "glacier": {"name": "Reported Glacier", "country": "CN", "latitude": 43.1, "longitude": 86.8},
        "dataset": {"title": "Reported balances", "publisher": "Test Repository", "publication_year": 2024,
                    "description": "Published glacier-wide balances.", "licence": "CC-BY-4.0"},
        "authors": [{"name": "Person, Ada"}],
        "glacier_balance": [
            {"year": 2001, "method": "reported", "winter_balance": 300.0, "summer_balance": -900.0,
             "annual_balance": -600.0},
            {"year": 2002, "method": "reported", "winter_balance": 250.0, "summer_balance": -700.0,
             "annual_balance": -450.0}],
    }  # fmt: skip
    path = write(Workbook.from_tables(tables).tables, tmp_path / "reported.xlsx")
    runner = CliRunner()
    result = runner.invoke(main, ["package", str(path), "-o", str(tmp_path / "p")])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "not written: datacite: missing dataset!doi" in result.stderr
    cff = cff_validate((tmp_path / "p" / "metadata" / "CITATION.cff").read_text())
    assert cff["title"] == "Reported balances"
    assert bib_entry((tmp_path / "p" / "citation.bib").read_text()).type == "misc"
    md = (tmp_path / "p" / "report.md").read_text()
    assert "| 2001 | reported | 0.30 | -0.90 | -0.60 |" in md  # kg m-2 / 1000
    assert "- datacite: dataset!doi" in md
    assert "As reported in the workbook (no stake readings to recompute them from)." in md
    report = runner.invoke(main, ["report", str(path), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 0 and report.exception is None, report.output


def test_the_report_map_is_decimated_and_keeps_a_concave_outline() -> None:
    """A 5 m grid of 1200 x 800 cells (a 6 x 4 km glacier) is shown as at most 250 display cells
    along a side, each the mean of its block: the field 2x + 3y [any unit] averaged over a
    block is 2x + 3y at the block's mean cell centre (linear), which the test computes itself.
    An L-shaped glacier keeps its notch empty (a triangulation would have filled it)."""
    import numpy as np

    from mbpack.publish.htmlreport import display_grid

    x, y = np.meshgrid(np.arange(1200) * 5.0, np.arange(800) * 5.0)
    inside = ~((x > 3000) & (y > 2000))  # the notch of the L
    x, y = x[inside], y[inside]
    xs, ys, z = display_grid(x, y, 2 * x + 3 * y)
    assert z.shape == (160, 240)  # blocks of 5 x 5 cells
    expected = 2 * xs[None, :] + 3 * ys[:, None]
    ok = ~np.isnan(z)
    whole = ok & ((xs[None, :] < 2990) | (ys[:, None] < 1990))  # blocks away from the notch's edge
    assert whole.sum() > 0.9 * ok.sum() and np.allclose(z[whole], expected[whole])
    notch = (xs[None, :] > 3010) & (ys[:, None] > 2010)
    assert np.isnan(z[notch]).all() and ok[~notch & (xs[None, :] < 2990)].all()

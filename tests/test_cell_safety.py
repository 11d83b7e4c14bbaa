"""Nothing lost, nothing silently changed: bad cells are reported at their cell and only that
cell is dropped.

Each workbook is the clean test workbook (conftest) with one cell or one part of the XML
changed by the test itself; the expected outcome (code, cell, the other rows kept) is read off
the change, not off mbpack's output.
"""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import clean_tables, write

from mbpack.api import validate
from mbpack.cli import main
from mbpack.workbook.reader import read_workbook

N_READINGS = len(clean_tables()["stake_readings"])


def _column(ws: Any, name: str) -> int:
    for cell in ws[1]:
        if str(cell.value).split(" (")[0] == name:
            return int(cell.column)
    raise KeyError(name)


def _edit(
    path: Path, sheet: str, row: int, column: str, value: Any, kind: str | None = None
) -> str:
    """Set one cell with openpyxl; return its reference, e.g. ``G3``."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    cell = ws.cell(row=row, column=_column(ws, column))
    cell.value = value
    if kind is not None:
        cell.data_type = kind
    book.save(path)
    return str(cell.coordinate)


def _rewrite_sheet_xml(path: Path, sheet_index: int, change: Any) -> None:
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _sheet_index(path: Path, sheet: str) -> int:
    return openpyxl.load_workbook(path).sheetnames.index(sheet) + 1


def _issues(path: Path) -> list[dict[str, Any]]:
    return [i.as_dict() for i in validate(path).issues]


@pytest.fixture
def xlsx(tmp_path: Path) -> Path:
    return write(clean_tables(), tmp_path / "w.xlsx")


@pytest.mark.parametrize("error", ["#N/A", "#REF!", "#DIV/0!"])
def test_error_cell_in_a_number_column(xlsx: Path, error: str) -> None:
    ref = _edit(xlsx, "stake_readings", 3, "exposure", error, kind="e")
    issues = _issues(xlsx)
    at = [i for i in issues if i["cell"] == f"stake_readings!{ref}"]
    assert [i["code"] for i in at] == ["error-cell"], at  # not "required but empty" as well
    assert at[0]["value"] == error and error in at[0]["message"]
    wb = read_workbook(xlsx)
    assert len(wb["stake_readings"]) == N_READINGS  # the row is kept, only the cell is missing
    assert wb["stake_readings"]["exposure"].isna().sum() == 1


def test_error_cell_in_a_column_with_a_default_is_not_defaulted(xlsx: Path) -> None:
    """`event` defaults to `reading` when blank; an error cell is not blank."""
    ref = _edit(xlsx, "stake_readings", 5, "event", "#DIV/0!", kind="e")
    wb = read_workbook(xlsx)
    assert wb["stake_readings"]["event"].isna().sum() == 1  # was silently `reading`
    assert any(
        i["code"] == "error-cell" and i["cell"] == f"stake_readings!{ref}" for i in _issues(xlsx)
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1600-05-15", "date-out-of-range"),  # was published as 2184-12-02
        (datetime(9999, 12, 31), "date-out-of-range"),  # was read as 1816-03-29
        ("2015-04-31", "type-error"),  # 31 April
    ],
)
def test_implausible_dates_are_errors_at_their_cell(xlsx: Path, value: Any, code: str) -> None:
    ref = _edit(xlsx, "stake_readings", 2, "date", value)
    issues = _issues(xlsx)
    at = [i for i in issues if i["cell"] == f"stake_readings!{ref}"]
    assert code in [i["code"] for i in at]
    assert not any(i["code"] == "date-as-text" for i in at)  # never "read as"
    wb = read_workbook(xlsx)
    assert wb["stake_readings"]["date"].isna().sum() == 1
    assert wb["stake_readings"]["date"].dropna().min() >= datetime(1800, 1, 1)


@pytest.mark.parametrize(("text", "code"), [("1,530", "ambiguous-number"), ("1_7", "type-error")])
def test_numbers_that_python_but_no_person_would_read(xlsx: Path, text: str, code: str) -> None:
    """1,530 could be 1.53 or 1530; Python's float() reads 1_7 as 17."""
    ref = _edit(xlsx, "stake_readings", 2, "exposure", text)
    at = [i for i in _issues(xlsx) if i["cell"] == f"stake_readings!{ref}"]
    assert [i["code"] for i in at] == [code]
    assert read_workbook(xlsx)["stake_readings"]["exposure"].isna().sum() == 1


def test_a_huge_year_is_an_error_not_a_wrapped_integer(xlsx: Path) -> None:
    ref = _edit(xlsx, "balance_years", 2, "year", 1e20)
    at = [i for i in _issues(xlsx) if i["cell"] == f"balance_years!{ref}"]
    assert at and at[0]["code"] == "type-error" and "too large" in at[0]["message"]
    assert read_workbook(xlsx)["balance_years"]["year"].dropna().tolist() == [2002]


@pytest.mark.parametrize("text", ["INF", "NaN"])
def test_non_finite_number_cells(xlsx: Path, text: str) -> None:
    """<v>INF</v> in a number cell: calamine reads it as blank; mbpack reports it."""
    ref = _edit(xlsx, "stake_readings", 4, "exposure", 1234.5)
    _rewrite_sheet_xml(xlsx, _sheet_index(xlsx, "stake_readings"),
                       lambda x: x.replace(b"<v>1234.5</v>", f"<v>{text}</v>".encode()))  # fmt: skip
    at = [i for i in _issues(xlsx) if i["cell"] == f"stake_readings!{ref}"]
    assert [i["code"] for i in at] == ["type-error"], at


def test_entity_declarations_are_refused_not_expanded(xlsx: Path) -> None:
    index = _sheet_index(xlsx, "stake_readings")

    def add_dtd(x: bytes) -> bytes:
        return b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>' + x

    _rewrite_sheet_xml(xlsx, index, add_dtd)
    result = CliRunner().invoke(main, ["validate", str(xlsx), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (1, 2), result.output
    assert "unscanned-sheet" in result.output or "unreadable" in result.output


def test_header_below_many_blank_rows(tmp_path: Path) -> None:
    path = write(clean_tables(), tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(path)
    book["stake_readings"].insert_rows(1, amount=25)
    book.save(path)
    wb = read_workbook(path)
    assert len(wb["stake_readings"]) == N_READINGS
    assert wb.excel_rows["stake_readings"][0] == 27  # header on row 26, first reading on 27


def test_stakes_without_readings_are_reported(tmp_path: Path) -> None:
    tables = clean_tables()
    tables.pop("stake_readings")
    path = write(tables, tmp_path / "w.xlsx")
    issues = _issues(path)
    assert any(i["code"] == "missing-sheet" and i["sheet"] == "stake_readings" for i in issues)


def test_import_package_of_the_data_folder_is_refused(tmp_path: Path, clean_xlsx: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["compute", str(clean_xlsx)]).exit_code == 0
    pkg = tmp_path / "pkg"
    assert runner.invoke(main, ["package", str(clean_xlsx), "-o", str(pkg), "-q"]).exit_code == 0
    result = runner.invoke(
        main, ["import", "package", str(pkg / "data"), "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2 and "not a package folder" in result.output
    assert f"give its parent folder {pkg}" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_dates_in_range_are_untouched(xlsx: Path) -> None:
    wb = read_workbook(xlsx)
    assert wb["balance_years"]["begin_date"].dt.date.tolist() == [
        date(2000, 8, 30),
        date(2001, 8, 31),
    ]


def _break_cell(path: Path, old: bytes, new: bytes) -> None:
    _rewrite_sheet_xml(path, _sheet_index(path, "stake_readings"), lambda x: x.replace(old, new, 1))


def test_one_unreadable_number_cell_drops_that_cell_not_the_sheet(xlsx: Path) -> None:
    """calamine refuses the whole sheet for <v>abc</v>; mbpack reads it cell by cell."""
    ref = _edit(xlsx, "stake_readings", 4, "exposure", 4321.0)
    _break_cell(xlsx, b"<v>4321</v>", b"<v>abc</v>")
    issues = _issues(xlsx)
    assert any(i["code"] == "sheet-read-cell-by-cell" for i in issues)
    at = [i for i in issues if i["cell"] == f"stake_readings!{ref}"]
    assert [i["code"] for i in at] == ["type-error"] and at[0]["value"] == "abc"
    wb = read_workbook(xlsx)
    readings = wb["stake_readings"]
    assert len(readings) == N_READINGS and readings["exposure"].isna().sum() == 1
    # the dates are dates again (their cell style), not serial numbers
    assert readings["date"].iloc[0] == datetime(2000, 8, 30)
    assert not any(i["code"] == "date-as-serial" for i in issues)


def test_a_shared_string_index_out_of_range(xlsx: Path) -> None:
    """A text cell pointing at shared string 999999 of a workbook that has no shared-strings
    part: that cell is reported, the other rows are read."""
    _break_cell(
        xlsx,
        b'<c r="A2" t="inlineStr"><is><t>S1</t></is></c>',
        b'<c r="A2" t="s"><v>999999</v></c>',
    )
    wb = read_workbook(xlsx)
    assert len(wb["stake_readings"]) == N_READINGS
    at = [i for i in _issues(xlsx) if i["cell"] == "stake_readings!A2"]
    assert at and at[0]["code"] == "unknown-stake"
    assert "missing shared string 999999" in str(at[0]["value"])


def test_a_stray_cell_far_away_is_refused_before_allocating(xlsx: Path) -> None:
    """One value in column XFD of row 3000: 49 million cells; refused with the extent named."""
    _edit(xlsx, "stake_readings", 2, "exposure", 2.0)
    book = openpyxl.load_workbook(xlsx)
    book["stake_readings"]["XFD3000"] = "x"
    book.save(xlsx)
    issues = _issues(xlsx)
    (bad,) = [i for i in issues if i["code"] == "unreadable-sheet"]
    assert "3000 rows × 16384 columns" in bad["message"]
    assert validate(xlsx).sheets.get("stakes") is not None  # the other sheets are read


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (["validate", "{missing}", "--format", "json"], 2, None),
        (["compute", "{invalid}", "--format", "json"], 1, "invalid-workbook"),
        (["compute", "{notxlsx}", "--format=json"], 2, "UnreadableWorkbook"),
    ],
)
def test_json_is_printed_for_every_outcome(
    tmp_path: Path, args: list[str], code: int, kind: str | None
) -> None:
    """--format json prints one JSON object on standard output, failures included."""
    import json

    tables = clean_tables()
    tables["stake_readings"][0]["stake_id"] = "NOPE"
    paths = {
        "missing": str(tmp_path / "nothing.xlsx"),
        "invalid": str(write(tables, tmp_path / "invalid.xlsx")),
        "notxlsx": str(tmp_path / "text.xlsx"),
    }
    Path(paths["notxlsx"]).write_text("not a workbook")
    result = CliRunner().invoke(main, [a.format(**paths) for a in args])
    assert result.exit_code == code
    out = json.loads(result.stdout.strip().splitlines()[0] if kind else result.stdout)
    assert out["valid"] is False
    if kind:
        assert out["fatal"]["kind"] == kind and out["fatal"]["message"]
    if kind == "invalid-workbook":
        assert out["errors"] >= 1 and any(i["code"] == "unknown-stake" for i in out["issues"])


def test_escape_sequences_from_the_workbook_do_not_reach_the_terminal(tmp_path: Path) -> None:
    tables = clean_tables()
    # how a spreadsheet stores control characters (OOXML _xHHHH_); calamine decodes them
    tables["stake_readings"][0]["stake_id"] = "B9_x001B_[2J_x001B_]0;pwned_x0007_"
    path = write(tables, tmp_path / "w.xlsx")
    assert read_workbook(path)["stake_readings"]["stake_id"].iloc[0] == "B9\x1b[2J\x1b]0;pwned\x07"
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "B9\\x1b[2J" in result.output


@pytest.mark.parametrize(
    "dem",
    ["../outside.tif", "/etc/passwd", "/proc/self/environ", "/vsicurl/http://example.org/d.tif",
     "http://example.org/d.tif", "fifo.tif", "nothing-here.tif"],
)  # fmt: skip
def test_surfaces_paths_stay_inside_the_workbook_folder(tmp_path: Path, dem: str) -> None:
    folder = tmp_path / "station"
    folder.mkdir()
    (tmp_path / "outside.tif").write_bytes(b"II*\x00")
    (folder / "dem.tif").write_bytes(b"II*\x00")
    os.mkfifo(folder / "fifo.tif")
    tables = clean_tables()
    tables["surfaces"] = [{"year": 2000, "dem": dem}, {"year": 2001, "dem": "dem.tif"}]
    path = write(tables, folder / "w.xlsx")
    bad = [i for i in _issues(path) if i["code"] == "unsafe-path"]
    assert len(bad) == 1 and bad[0]["sheet"] == "surfaces" and bad[0]["value"] == dem
    assert bad[0]["row"] == 2  # the first survey's row; dem.tif beside the workbook is fine


def test_compute_csv_neutralises_formulas_from_the_workbook(tmp_path: Path) -> None:
    tables = clean_tables()
    for row in tables["stake_readings"]:
        if row["stake_id"] == "S2":
            row["stake_id"] = '=HYPERLINK("http://x","S2")'
    for stake in tables["stakes"]:
        if stake["stake_id"] == "S2":
            stake["stake_id"] = '=HYPERLINK("http://x","S2")'
    path = write(tables, tmp_path / "w.xlsx")
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["compute", str(path), "-o", str(out), "--ignore-errors"])
    assert result.exit_code == 0, result.output
    text = (out / "point_balance.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text


def test_a_duplicate_zip_member_is_refused(xlsx: Path) -> None:
    index = _sheet_index(xlsx, "stake_readings")
    member = f"xl/worksheets/sheet{index}.xml"
    with zipfile.ZipFile(xlsx) as z:
        data = z.read(member)
    with zipfile.ZipFile(xlsx, "a") as z, pytest.warns(UserWarning, match="Duplicate name"):
        z.writestr(member, data.replace(b"<v>1</v>", b"<v>7</v>", 1))
    result = CliRunner().invoke(main, ["validate", str(xlsx)])
    assert result.exit_code == 2 and f"holds {member} twice" in result.output


def test_a_duplicate_row_element_is_reported(xlsx: Path) -> None:
    index = _sheet_index(xlsx, "stake_readings")

    def twice(x: bytes) -> bytes:
        row = re.search(rb'<row r="3".*?</row>', x, re.S)
        assert row is not None
        return x.replace(row.group(0), row.group(0) + row.group(0), 1)

    _rewrite_sheet_xml(xlsx, index, twice)
    at = [i for i in _issues(xlsx) if i["code"] == "duplicate-row"]
    assert len(at) == 1 and at[0]["row"] == 3 and at[0]["sheet"] == "stake_readings"


def test_a_doi_cannot_inject_bibtex_fields(tmp_path: Path) -> None:
    """`10.5072/x},title={PWNED},note={` is refused by the DOI pattern at its cell; packaged
    anyway (--ignore-errors), citation.bib still parses to one entry with the real title."""
    from pybtex.database import parse_string

    tables = clean_tables()
    tables["dataset"]["doi"] = "10.5072/x},title={PWNED},note={"
    tables["dataset"] |= {"publisher": "Test Repository", "publication_year": 2024,
                          "description": "Stake balances."}  # fmt: skip
    path = write(tables, tmp_path / "w.xlsx")
    bad = [i for i in _issues(path) if i["sheet"] == "dataset" and i["code"] == "pattern"]
    assert bad and bad[0]["value"] == "10.5072/x},title={PWNED},note={"
    out = tmp_path / "pkg"
    result = CliRunner().invoke(
        main, ["package", str(path), "-o", str(out), "-q", "--ignore-errors"]
    )
    assert result.exit_code == 0, result.output
    for name in ("citation.bib", "citation.biblatex.bib"):
        entries = parse_string((out / name).read_text(encoding="utf-8"), "bibtex").entries
        (entry,) = entries.values()
        assert "PWNED" not in entry.fields["title"]
        assert entry.fields["title"].startswith("Test dataset")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_sheet_stored_as_utf16_xml_is_read(xlsx: Path, codec: str) -> None:
    """ECMA-376 allows UTF-16 parts; calamine reads them as empty sheets.  The stake_readings
    sheet re-encoded (with a byte-order mark, and without one in either byte order) reads the
    same rows as the UTF-8 original, with one warning naming the part."""
    before = read_workbook(xlsx).tables["stake_readings"]
    index = _sheet_index(xlsx, "stake_readings")

    def to_utf16(data: bytes) -> bytes:
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
        return text.encode(codec)

    _rewrite_sheet_xml(xlsx, index, to_utf16)
    issues = _issues(xlsx)
    assert [i["value"] for i in issues if i["code"] == "repaired-part"] == [
        f"xl/worksheets/sheet{index}.xml"
    ]
    after = read_workbook(xlsx).tables["stake_readings"]
    assert len(after) == N_READINGS
    assert after.equals(before)


def _surface_case(tmp_path: Path, change: Any) -> Path:
    """The planar stake workbook (tests/builders.py) with its surface sheets changed."""
    from builders import planar_hypsometry, stake_workbook

    from mbpack.workbook import Workbook
    from mbpack.workbook.writer import write_workbook

    wb = stake_workbook([(500.0, 100.0), (500.0, 900.0), (500.0, 1700.0), (500.0, 2400.0)],
                        [-2000.0, -1100.0, -100.0, 500.0], [200.0, 300.0, 400.0, 450.0])  # fmt: skip
    tables = {k: v.copy() for k, v in wb.tables.items()}
    change(tables, planar_hypsometry)
    return write_workbook(Workbook.from_tables(tables), tmp_path / "w.xlsx")


def _huge_x(tables: dict[str, Any], _: Any) -> None:
    tables["surface_grid"].loc[0, "x"] = 1e308


def _one_cell(tables: dict[str, Any], _: Any) -> None:
    tables["surface_grid"] = tables["surface_grid"].iloc[:1]


def _zero_area(tables: dict[str, Any], hypsometry: Any) -> None:
    tables.pop("surface_grid")
    bands = hypsometry()
    bands["area"] = 0.0
    tables["hypsometry"] = bands


@pytest.mark.parametrize(
    ("change", "code", "cell", "after"),
    [
        (_huge_x, "out-of-range", "surface_grid!B2", "not-computed"),  # the contour field
        (_one_cell, "grid-spacing", "surface_grid!B2", "grid-spacing"),
        (_zero_area, "no-area", "hypsometry!D2", "not-computed"),
    ],
)
def test_surfaces_that_cannot_be_a_glacier(
    tmp_path: Path, change: Any, code: str, cell: str, after: str
) -> None:
    """A grid cell at x = 1e308, a grid one cell across (no measurable cell size: mbpack took
    1 m and so 1e-6 km²) and bands whose areas sum to 0 (a division by zero in compute) are
    errors at their cell; `compute --ignore-errors` then skips what cannot be computed with
    a warning, exit 0, no traceback."""
    path = _surface_case(tmp_path, change)
    errors = [i for i in _issues(path) if i["severity"] == "error"]
    assert [(i["code"], i["cell"]) for i in errors] == [(code, cell)]
    result = CliRunner().invoke(
        main, ["compute", str(path), "--ignore-errors", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"warning: {after}:" in result.output
    assert "nan" not in result.output.split("band:")[0].lower()  # no NaN row in the table


def _shared_strings_workbook(source: Path, target: Path, declared: int | None = None) -> int:
    """``source`` with its inline strings moved to a shared-strings part, as Excel writes them
    (openpyxl writes inline strings); ``declared`` replaces the true count and uniqueCount."""
    strings: list[str] = []

    def share(m: re.Match[str]) -> str:
        strings.append(m.group(2))
        return f'{m.group(1)} t="s"><v>{len(strings) - 1}</v></c>'

    with zipfile.ZipFile(source) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    cell = r'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t(?: [^>]*)?>([^<]*)</t></is></c>'
    for name in [n for n in parts if n.startswith("xl/worksheets/")]:
        parts[name] = re.sub(cell, share, parts[name].decode()).encode()
    n = len(strings) if declared is None else declared
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts["xl/sharedStrings.xml"] = (
        f'<sst xmlns="{main_ns}" count="{n}" uniqueCount="{n}">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"
    ).encode()  # fmt: skip
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>'.encode()
    )  # fmt: skip
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Type="{rel}" Target="sharedStrings.xml" Id="rIdS"/></Relationships>'.encode(),
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return len(strings)


def test_a_shared_strings_count_of_four_billion_is_not_allocated(
    xlsx: Path, tmp_path: Path
) -> None:
    """``uniqueCount="4000000000"`` made calamine allocate 4e9 strings (96 GB) and abort the
    process.  Run in a child process under a 3 GB address-space limit, so that a regression
    fails this test instead of the test run: the workbook reads every row, with one warning."""
    import subprocess
    import sys

    honest = tmp_path / "honest.xlsx"
    n = _shared_strings_workbook(xlsx, honest)
    assert n > 100 and read_workbook(honest).tables["stake_readings"].equals(
        read_workbook(xlsx).tables["stake_readings"]
    )
    lying = tmp_path / "lying.xlsx"
    _shared_strings_workbook(xlsx, lying, declared=4_000_000_000)
    child = (
        "import resource, sys, json\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))\n"
        "from mbpack.api import validate\n"
        "report = validate(sys.argv[1])\n"
        "rows = {k: v.rows for k, v in report.sheets.items()}\n"
        "print(json.dumps([rows, [i.code for i in report.issues]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(lying)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-500:]
    import json

    rows, codes = json.loads(done.stdout)
    assert codes == ["repaired-part"]
    assert rows == {k: v.rows for k, v in validate(xlsx).sheets.items()}
    assert rows["stake_readings"] == N_READINGS


def test_a_date_cell_calamine_panics_on_is_read_cell_by_cell(
    xlsx: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """-1e308 in a date-formatted cell makes calamine panic (chrono: "TimeDelta::milliseconds
    out of bounds"), a BaseException that escaped mbpack with a Rust backtrace.  The sheet is
    read cell by cell instead: every row is kept, the cell is an error at its cell, and the
    backtrace does not reach the terminal."""
    book = openpyxl.load_workbook(xlsx)
    ws = book["stake_readings"]
    cell = ws.cell(row=2, column=_column(ws, "date"))
    cell.value = -1e308
    cell.number_format = "yyyy-mm-dd"
    book.save(xlsx)
    capfd.readouterr()
    wb = read_workbook(xlsx)
    assert len(wb.tables["stake_readings"]) == N_READINGS
    issues = _issues(xlsx)
    assert "sheet-read-cell-by-cell" in {i["code"] for i in issues}
    assert any(
        i["cell"] == f"stake_readings!{cell.coordinate}" and i["severity"] == "error"
        for i in issues
    )
    assert "panicked" not in capfd.readouterr().err

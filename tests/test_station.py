"""Station workbooks read through a mapping: draft (mbpack map), import, validate, accounting.

The field workbooks are written by tests/station_books.py in the layouts stations keep;
every expected value below is the number typed there, converted by hand (cm / 100 = m,
g cm-3 × 1000 = kg m-3, % / 100 = fraction).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
import station_books as sb
from click.testing import CliRunner

from mbpack.checks.station import validate_station
from mbpack.cli import main
from mbpack.errors import MappingError
from mbpack.formats import station
from mbpack.workbook.reader import read_workbook

YEARS = [
    (2016, date(2015, 9, 25), date(2016, 5, 5), date(2016, 9, 22)),
    (2018, date(2017, 9, 25), date(2018, 5, 2), date(2018, 9, 20)),
    (2019, date(2018, 9, 20), date(2019, 4, 28), date(2019, 9, 26)),
]


@pytest.fixture
def meta(tmp_path: Path) -> Path:
    return sb.metadata_workbook(tmp_path, YEARS)


def _map(tmp_path: Path, field: Path, meta: Path | None) -> Path:
    out = tmp_path / (field.stem + ".toml")
    args = ["map", str(field), "-o", str(out)] + (["--metadata", str(meta)] if meta else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


def _import(tmp_path: Path, field: Path, mapping: Path) -> dict[str, list[dict]]:
    out = tmp_path / (field.stem + "-canonical.xlsx")
    result = CliRunner().invoke(
        main, ["import", "excel", str(field), "--map", str(mapping), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    wb = read_workbook(out)
    tables = {}
    for name, frame in wb.tables.items():
        rows = []
        for rec in frame.to_dict("records"):
            rows.append({k: _plain(v) for k, v in rec.items() if _plain(v) is not None})
        tables[name] = rows
    return tables


def _plain(v):
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v.item() if hasattr(v, "item") else v


def _non_empty_cells(path: Path) -> dict[str, int]:
    """Non-empty cells per sheet, counted independently with openpyxl."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {ws.title: sum(1 for row in ws.iter_rows() for c in row if c.value not in (None, ""))
            for ws in wb.worksheets}  # fmt: skip


def _accounted(report) -> None:
    for sheet, c in report.cells.items():
        assert c["read"] + c["ignored"] + c["reported"] == c["non_empty"], (sheet, c)


# ------------------------------------------------------------------------ the 2018 workbook


def test_stacked_blocks_drafted_imported_and_accounted(tmp_path: Path, meta: Path) -> None:
    """Winter, re-drill, summer and coordinates blocks of one sheet, a density sheet with two
    pit blocks, a probe sheet dated in its title: the draft needs no edit and the import
    gives exactly these tables."""
    field = sb.field_2018(tmp_path)
    mapping = _map(tmp_path, field, meta)
    text = mapping.read_text(encoding="utf-8")
    assert "# Everything was placed." in text
    tables = _import(tmp_path, field, mapping)
    readings = [(r["stake_id"], r["date"], r.get("exposure"), r.get("snow_depth"), r.get("event"),
                 r.get("new_exposure"), r.get("remarks")) for r in tables["stake_readings"]]  # fmt: skip
    assert readings == [
        # winter block: STAKE HEIGHT and SNOW DEPTH in cm, date from the cell after DATE:
        ("A1", date(2018, 5, 2), 1.2, 2.5, "reading", None, None),
        ("A2", date(2018, 5, 2), 0.955, 3.1, "reading", None, "windy"),
        ("A3", date(2018, 5, 2), None, 2.8, "reading", None, None),  # #N/A: no exposure
        # re-drill: old 180 cm, new 150 cm
        ("A2", date(2018, 7, 15), 1.8, None, "redrill", 1.5, None),
        # summer round
        ("A1", date(2018, 9, 20), 3.1, None, "reading", None, None),
        ("A2", date(2018, 9, 20), 3.3, None, "reading", None, None),
        ("A3", date(2018, 9, 20), 4.05, None, "reading", None, "bent"),
    ]
    assert [(r["stake_id"], r["x"], r["y"], r["elevation"]) for r in tables["stakes"]] == [
        ("A1", 500100, 4840200, 3600), ("A2", 500300, 4840500, 3700), ("A3", 500500, 4840800, 3800)]  # fmt: skip
    pits = [
        (r["pit_id"], r["date"], r["top_depth"], r["bottom_depth"], r["density"])
        for r in tables["snow_pits"]
    ]
    assert pits[:2] == [
        ("P1", date(2018, 5, 3), 0.0, 0.2, 400.0),
        ("P1", date(2018, 5, 3), 0.2, 0.4, 450.0),
    ]
    # P2 has no DENSITY column: 282.74 g over pi * (6 cm / 2)^2 * 25 cm = 706.858 cm3 is
    # 0.399995 g cm-3; 353.43 g over the same volume is 0.500001 g cm-3
    assert [p[:4] for p in pits[2:]] == [
        ("P2", date(2018, 5, 4), 0.0, 0.25),
        ("P2", date(2018, 5, 4), 0.25, 0.5),
    ]
    assert pits[2][4] == pytest.approx(399.995, abs=0.01)
    assert pits[3][4] == pytest.approx(500.001, abs=0.01)
    assert [(r["probe_id"], r["date"], r["x"], r["y"], r["snow_depth"]) for r in tables["probes"]] == [
        ("1", date(2018, 5, 3), 500150, 4840250, 2.4), ("2", date(2018, 5, 3), 500250, 4840450, 3.05),
        ("3", date(2018, 5, 3), 500450, 4840750, 2.62)]  # fmt: skip
    assert tables["glacier"][0]["name"] == "Glacier No. 51"  # from the metadata file
    assert tables["authors"] == [{"name": "A. Observer", "affiliation": "Station"}]

    report = validate_station(field, mapping)
    assert [(i.cell, i.code) for i in report.sorted_issues()] == [("Stakes 2018!B6", "error-cell")]
    assert {k: v["non_empty"] for k, v in report.cells.items()} == _non_empty_cells(field)
    _accounted(report)
    # the 12 summary cells (Average, Max rows) and 1 in Density are ignored, not read
    data = station.read_station(field, mapping)
    assert data.ledger[("Stakes 2018", 7, 1)] == ("ignored", "summary row")
    assert data.ledger[("Stakes 2018", 6, 2)] == ("reported", "error-cell")
    assert data.ledger[("Stakes 2018", 5, 4)] == ("read", "stake_readings.remarks")
    assert data.ledger[("Probing", 1, 1)] == ("read", "probes.date")


def test_validate_names_the_source_cells(tmp_path: Path, meta: Path) -> None:
    """A text exposure, a reading of a stake not in the stake table, a stray note and an
    unmapped column: each issue names the cell as the station wrote it."""
    rows = [list(r) for r in sb.STAKES_2018]
    rows[4] = ["A2", "abc", 310, "windy"]  # row 5: exposure is text
    rows[17] = ["A9", 330]  # row 18: summer reading of a stake that is not in the stake table
    rows[22] = ["STAKE", "E", "N", "ELEVATION (m)", "COLOUR"]
    rows[23] = ["A1", 500100, 4840200, 3600, "red"]
    rows.append([])
    rows.append(["measured by the station team"])
    field = sb.write_xlsx(
        tmp_path / "f.xlsx", {"Stakes 2018": rows, "Density": sb.DENSITY, "Probing": sb.PROBING}
    )
    (tmp_path / "clean").mkdir()
    clean = sb.field_2018(tmp_path / "clean")
    mapping = _map(tmp_path, clean, meta)
    result = CliRunner().invoke(
        main, ["validate", str(field), "--map", str(mapping), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    import json

    out = json.loads(result.output)
    found = {(i["cell"], i["code"]) for i in out["issues"]}
    assert ("Stakes 2018!B5", "type-error") in found
    assert ("Stakes 2018!B6", "error-cell") in found
    assert ("Stakes 2018!A18", "unknown-stake") in found
    assert ("Stakes 2018!E23", "unmapped-column") in found
    assert ("Stakes 2018!A28", "unmapped-cell") in found
    counts = out["cells"]["Stakes 2018"]
    assert counts["non_empty"] == _non_empty_cells(field)["Stakes 2018"]
    assert counts["read"] + counts["ignored"] + counts["reported"] == counts["non_empty"]


# ------------------------------------------------------------------- other layouts and files


def test_chinese_headers(tmp_path: Path, meta: Path) -> None:
    field = sb.write_xlsx(
        tmp_path / "zh.xlsx", {"花杆观测": sb.ZH_READINGS, "花杆": sb.ZH_STAKES, "雪坑": sb.ZH_PITS}
    )
    mapping = _map(tmp_path, field, meta)
    assert "# Everything was placed." in mapping.read_text(encoding="utf-8")
    tables = _import(tmp_path, field, mapping)
    assert [(r["stake_id"], r["date"], r["exposure"], r.get("snow_depth"), r.get("remarks"))
            for r in tables["stake_readings"]] == [
        ("B1", date(2019, 4, 28), 1.3, 2.0, None), ("B2", date(2019, 4, 28), 0.88, 2.45, "杆斜"),
        ("B1", date(2019, 9, 26), 2.9, None, None), ("B2", date(2019, 9, 26), 2.62, None, None)]  # fmt: skip
    assert [(r["stake_id"], r["x"], r["y"], r["elevation"]) for r in tables["stakes"]] == [
        ("B1", 500100, 4840200, 3620), ("B2", 500300, 4840500, 3710)]  # fmt: skip
    assert [(r["pit_id"], r["top_depth"], r["bottom_depth"], r["density"]) for r in tables["snow_pits"]] == [
        ("S1", 0.0, 0.3, 380.0), ("S1", 0.3, 0.6, 420.0)]  # fmt: skip
    report = validate_station(field, mapping)
    assert report.valid, [(i.cell, i.message) for i in report.issues]
    assert {k: v["non_empty"] for k, v in report.cells.items()} == _non_empty_cells(field)
    _accounted(report)


def test_legacy_xls(tmp_path: Path, meta: Path) -> None:
    """A BIFF8 .xls (an OLE container, as Excel 97-2003 saves) read through calamine."""
    field = sb.write_xls(tmp_path / "stakes-2016.xls", {"Stakes 2016": sb.XLS_2016})
    assert field.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    mapping = _map(tmp_path, field, meta)
    assert "# Everything was placed." in mapping.read_text(encoding="utf-8")
    tables = _import(tmp_path, field, mapping)
    assert [(r["stake_id"], r["date"], r.get("exposure"), r.get("snow_depth")) for r in tables["stake_readings"]] == [
        ("A1", date(2016, 5, 5), 1.4, 2.3), ("A2", date(2016, 5, 5), 1.01, 2.95), ("A3", date(2016, 5, 5), None, 2.6),
        ("A1", date(2016, 9, 22), 2.98, None), ("A2", date(2016, 9, 22), 3.15, None),
        ("A3", date(2016, 9, 22), None, None)]  # fmt: skip
    report = validate_station(field, mapping)
    # the BIFF error cells, which calamine reads as blank, are reported as what they are
    assert [(i.cell, i.code, i.value) for i in report.sorted_issues()] == [
        ("Stakes 2016!B6", "error-cell", "#N/A"), ("Stakes 2016!B13", "error-cell", "#DIV/0!")]  # fmt: skip
    # every value typed into XLS_2016, the two error cells included, is a non-empty cell
    typed = sum(1 for row in sb.XLS_2016 for v in row if v is not None)
    assert report.cells["Stakes 2016"]["non_empty"] == typed
    _accounted(report)


def test_ods(tmp_path: Path, meta: Path) -> None:
    field = sb.write_ods(tmp_path / "f.ods", {"Stakes 2018": sb.STAKES_2018})
    mapping = _map(tmp_path, field, meta)
    tables = _import(tmp_path, field, mapping)
    assert [r.get("exposure") for r in tables["stake_readings"]] == [
        1.2,
        0.955,
        None,
        1.8,
        3.1,
        3.3,
        4.05,
    ]
    report = validate_station(field, mapping)
    assert [(i.cell, i.code) for i in report.sorted_issues()] == [("Stakes 2018!B6", "error-cell")]
    typed = sum(1 for row in sb.STAKES_2018 for v in row if v is not None)
    assert report.cells["Stakes 2018"]["non_empty"] == typed
    _accounted(report)


def test_results_only(tmp_path: Path, meta: Path) -> None:
    """Yearly glacier-wide balances in mm w.e., ELA in m, AAR in %: the mean row is ignored."""
    field = sb.write_xlsx(tmp_path / "results.xlsx", {"Mass balance": sb.RESULTS})
    mapping = _map(tmp_path, field, meta)
    assert "# Everything was placed." in mapping.read_text(encoding="utf-8")
    tables = _import(tmp_path, field, mapping)
    assert [(r["year"], r["method"], r["winter_balance"], r["summer_balance"], r["annual_balance"],
             r["ela"], r["aar"]) for r in tables["glacier_balance"]] == [
        (2000, "reported", 250, -700, -450, 3800, 0.35), (2001, "reported", 310, -520, -210, 3760, 0.48),
        (2002, "reported", 190, -880, -690, 3850, 0.22)]  # fmt: skip
    report = validate_station(field, mapping)
    assert report.valid, [(i.cell, i.message) for i in report.issues]
    data = station.read_station(field, mapping)
    assert all(
        data.ledger[("Mass balance", 6, c)] == ("ignored", "summary row") for c in range(1, 7)
    )
    _accounted(report)


def test_metadata_toml_serves_the_year(tmp_path: Path) -> None:
    """The metadata as TOML; a glacier error is traced to its line."""
    field = sb.write_xlsx(tmp_path / "results.xlsx", {"Mass balance": sb.RESULTS})
    meta = tmp_path / "station.toml"
    meta.write_text('[glacier]\nname = "Glacier No. 51"\ncountry = "CN"\nlatitude = 143.7\n'
                    'longitude = 84.39\n\n[dataset]\ntitle = "Mass balance"\n', encoding="utf-8")  # fmt: skip
    mapping = _map(tmp_path, field, meta)
    report = validate_station(field, mapping)
    bad = [i for i in report.issues if i.column == "latitude"]
    assert bad and bad[0].file == str(meta) and bad[0].line == 4, bad


def test_no_metadata_is_listed_and_reported(tmp_path: Path) -> None:
    field = sb.write_xlsx(tmp_path / "results.xlsx", {"Mass balance": sb.RESULTS})
    mapping = _map(tmp_path, field, None)
    assert "no metadata file" in mapping.read_text(encoding="utf-8").split("version = 1")[0]
    report = validate_station(field, mapping)
    assert any(i.code == "missing-sheet" and i.sheet == "glacier" for i in report.issues)


def test_density_mismatch_is_a_warning(tmp_path: Path, meta: Path) -> None:
    rows = [list(r) for r in sb.DENSITY]
    rows[2] = [0, 20, 226.2, 6, 0.30]  # the weight says 0.40 g cm-3
    field = sb.write_xlsx(tmp_path / "d.xlsx", {"Density": rows})
    mapping = _map(tmp_path, field, meta)
    report = validate_station(field, mapping)
    assert [(i.cell, i.code) for i in report.issues if i.code == "density-mismatch"] == [
        ("Density!E3", "density-mismatch")
    ]


def test_sample_density() -> None:
    # pi * (0.03 m)^2 * 0.2 m = 5.6549e-4 m3; 0.2262 kg / 5.6549e-4 m3 = 400.0 kg m-3
    assert station.sample_density(0.2262, 0.06, 0.2) == pytest.approx(400.0, rel=1e-4)
    assert station.sample_density(1.0, 2 / math.sqrt(math.pi), 1.0) == pytest.approx(1.0)


# ----------------------------------------------------------------------------- mapping errors

BASE = """version = 1

[[block]]
sheet = "Stakes 2018"
table = "stakes"
header = {header}
[block.columns]
"STAKE" = "stake_id"
"E" = "{x}"
"""


def _error(tmp_path: Path, text: str) -> str:
    field = sb.field_2018(tmp_path)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as exc:
        station.read_station(field, path)
    result = CliRunner().invoke(main, ["validate", str(field), "--map", str(path)])
    assert result.exit_code == 2 and "line" in result.output
    return str(exc.value)


def test_unknown_field_names_line_and_sheet(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE.format(header=23, x="easting_m"))
    assert (
        "bad.toml line 9 (block 1, sheet 'Stakes 2018')" in message
        and "unknown field 'easting_m'" in message
    )


def test_missing_sheet_names_line(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE.format(header=23, x="x").replace("Stakes 2018", "Stakes 2019"))
    assert (
        "bad.toml line 3 (block 1, sheet 'Stakes 2019')" in message
        and "has no sheet 'Stakes 2019'" in message
    )


def test_header_row_not_there(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE.format(header=4, x="x"))
    assert "line 3 (block 1, sheet 'Stakes 2018')" in message
    assert "row 4 of sheet 'Stakes 2018' has no header 'STAKE', 'E'" in message
    message = _error(tmp_path, BASE.format(header='{ after = "^COORDINATES 2017" }', x="x"))
    assert "no row of sheet 'Stakes 2018' has a title matching" in message


def test_unknown_key_and_bad_unit(tmp_path: Path) -> None:
    text = BASE.format(header=23, x="x").replace("header = 23\n", 'header = 23\ncolour = "red"\n')
    message = _error(tmp_path, text)
    assert "bad.toml line 7: block 1 (sheet 'Stakes 2018'): unknown key 'colour'" in message
    message = _error(
        tmp_path, BASE.format(header=23, x="x") + '"N" = { field = "y", unit = "furlong" }\n'
    )
    assert "line 10" in message and "furlong" in message


def test_toml_lines() -> None:
    text = 'version = 1\n[[block]]\nsheet = "a"\n[block.columns]\n"X (cm)" = "x"\n[[block]]\ncolumns = { a = "b" }\n'
    lines = station.TomlLines.scan(text)
    assert lines.line(("block", 0, "columns", "X (cm)")) == 5
    assert lines.line(("block", 1, "columns", "a")) == 7
    assert lines.line(("block", 0, "sheet")) == 3
    assert lines.line(("block", 1, "header")) == 6


HANDWRITTEN = """version = 1
ignore_sheets = ["Density", "Probing"]

[[balance_year]]
year = 2018
time_system = "FXD"
begin_date = 2017-10-01
winter_end_date = 2018-10-30
end_date = 2018-09-30

[[block]]
sheet = "Stakes 2018"
table = "stake_readings"
stands_for = "winter"
header = { row = 3 }
end = { row = 6 }
[block.columns]
"STAKE" = "stake_id"
"@B" = { field = "exposure", unit = "cm" }
"SNOW DEPTH (cm)" = "snow_depth"
"NOTES" = "ignore"
"""


def test_handwritten_mapping_dates_from_the_balance_year(tmp_path: Path) -> None:
    """A block without a date constant takes the balance year's end of winter (given in the
    mapping); a column by letter; end at row 6; an ignored column; ignored sheets. The
    balance year's wrong end of winter is traced to its mapping line."""
    field = sb.field_2018(tmp_path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(HANDWRITTEN, encoding="utf-8")
    data = station.read_station(field, mapping)
    assert [(r["stake_id"], r["date"], r.get("exposure"), r["snow_depth"]) for r in data.tables["stake_readings"]] == [
        ("A1", date(2018, 10, 30), 1.2, 2.5), ("A2", date(2018, 10, 30), 0.955, 3.1),
        ("A3", date(2018, 10, 30), None, 2.8)]  # fmt: skip
    assert data.ledger[("Stakes 2018", 5, 4)] == (
        "ignored",
        "column 'NOTES' ignored by the mapping",
    )
    assert data.ledger[("Density", 1, 1)] == ("ignored", "sheet in ignore_sheets")
    # rows 7 and 8 (Average, Max) are past end.row: reported, not read
    assert data.ledger[("Stakes 2018", 7, 1)] == ("reported", "unmapped-cell")
    report = validate_station(field, mapping)
    wrong = [i for i in report.issues if i.column == "winter_end_date"]
    assert wrong and wrong[0].file == str(mapping) and wrong[0].line == 8, report.issues
    _accounted(report)


def test_balance_year_from_the_blocks(tmp_path: Path) -> None:
    """Without a metadata file or [[balance_year]], the winter and summer blocks' DATE: cells
    give the year's end of winter and end (floating dates); its missing begin is reported."""
    field = sb.field_2018(tmp_path)
    mapping = _map(tmp_path, field, None)
    data = station.read_station(field, mapping)
    assert data.tables["balance_years"] == [
        {"year": 2018, "time_system": "FLO", "winter_end_date": date(2018, 5, 2), "end_date": date(2018, 9, 20)}]  # fmt: skip
    assert data.origins["balance_years"][0]["end_date"].cell == "Stakes 2018!B15"
    report = validate_station(field, mapping)
    begin = [i for i in report.issues if i.column == "begin_date"]
    assert begin and begin[0].severity == "error" and begin[0].sheet == "Stakes 2018", begin


def test_metadata_file_missing_names_the_line(tmp_path: Path) -> None:
    message = _error(
        tmp_path, 'version = 1\nmetadata = "nowhere.xlsx"\n' + BASE.format(header=23, x="x")[12:]
    )
    assert "bad.toml line 2: the metadata file" in message


def test_draft_guesses_units_by_magnitude_and_lists_what_it_cannot_place(
    tmp_path: Path, meta: Path
) -> None:
    """No units in the headers: exposures up to 310 are cm, densities up to 0.45 are g/cm3;
    a COLOUR column is listed at the top and reported by validation, never dropped."""
    field = sb.write_xlsx(tmp_path / "plain.xlsx", {
        "Stakes": [["WINTER"], ["DATE:", date(2018, 5, 2)], ["STAKE", "STAKE HEIGHT", "SNOW DEPTH", "COLOUR"],
                   ["A1", 120, 250, "red"], ["A2", 95, 310, "blue"]],
        "Pit": [["SITE:", "P1", "DATE:", date(2018, 5, 3)], ["FROM", "TO", "DENSITY"], [0, 0.2, 0.40], [0.2, 0.4, 0.45]],
    })  # fmt: skip
    mapping = _map(tmp_path, field, meta)
    text = mapping.read_text(encoding="utf-8")
    top = text.split("version = 1")[0]
    assert "Stakes!D3 'COLOUR': no field of stake_readings known" in top
    assert (
        '"STAKE HEIGHT" = { field = "exposure", unit = "cm" }  # no unit in the header; values up to 120: cm'
        in text
    )
    assert (
        '"SNOW DEPTH" = { field = "snow_depth", unit = "cm" }  # no unit in the header; values up to 310: cm'
        in text
    )
    assert '"FROM" = { field = "top_depth", unit = "m" }' in text
    assert '"DENSITY" = { field = "density", unit = "g/cm3" }' in text
    tables = _import(tmp_path, field, mapping)
    assert [(r["exposure"], r["snow_depth"]) for r in tables["stake_readings"]] == [
        (1.2, 2.5),
        (0.95, 3.1),
    ]
    assert [r["density"] for r in tables["snow_pits"]] == [400.0, 450.0]
    report = validate_station(field, mapping)
    assert [(i.cell, i.code) for i in report.issues if i.code == "unmapped-column"] == [
        ("Stakes!D3", "unmapped-column")
    ]
    data = station.read_station(field, mapping)
    assert data.ledger[("Stakes", 4, 4)] == ("reported", "unmapped-column")
    _accounted(report)


def test_unreadable_field_files_are_a_message(tmp_path: Path, meta: Path) -> None:
    """A CSV, a truncated .xls and a missing file: exit code 2 and a line naming the file."""
    mapping = _map(tmp_path, sb.field_2018(tmp_path), meta)
    csv = tmp_path / "field.csv"
    csv.write_text("STAKE,HEIGHT\nA1,120\n", encoding="utf-8")
    broken = tmp_path / "old.xls"
    broken.write_bytes(sb.write_xls(tmp_path / "ok.xls", {"S": sb.XLS_2016}).read_bytes()[:1500])
    for path, says in (
        (csv, "not a spreadsheet"),
        (broken, "cannot read"),
        (tmp_path / "none.xlsx", "no such file"),
    ):
        result = CliRunner().invoke(main, ["validate", str(path), "--map", str(mapping)])
        assert result.exit_code == 2, result.output
        assert (
            says in result.output
            and path.name in result.output
            and "Traceback" not in result.output
        )
    from mbpack.formats.xls import error_cells

    assert error_cells(broken) == {} and error_cells(csv) == {}


def test_map_keeps_a_hand_edited_mapping(tmp_path: Path) -> None:
    field = sb.field_2018(tmp_path)
    mapping = _map(tmp_path, field, None)
    mapping.write_text("# edited by hand\n" + mapping.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["map", str(field), "-o", str(mapping)])
    assert result.exit_code == 2 and "--force" in result.output
    assert mapping.read_text(encoding="utf-8").startswith("# edited by hand")
    assert (
        CliRunner().invoke(main, ["map", str(field), "-o", str(mapping), "--force"]).exit_code == 0
    )
    assert not mapping.read_text(encoding="utf-8").startswith("# edited by hand")


def test_surfaces_of_the_metadata_are_relative_to_the_written_workbook(tmp_path: Path) -> None:
    """The metadata file names its DEM relative to its own folder; the imported workbook in
    another folder names the same file relative to itself, with a note that compute reads
    only files inside the workbook's folder."""
    (tmp_path / "meta" / "dem").mkdir(parents=True)
    (tmp_path / "meta" / "dem" / "dem.tif").write_bytes(b"")
    meta = tmp_path / "meta" / "station.toml"
    meta.write_text('[glacier]\nname = "G"\ncountry = "CN"\nlatitude = 43.7\nlongitude = 84.4\n\n'
                    '[[surfaces]]\nyear = 2018\ndem = "dem/dem.tif"\n', encoding="utf-8")  # fmt: skip
    field = sb.write_xlsx(tmp_path / "results.xlsx", {"Mass balance": sb.RESULTS})
    mapping = _map(tmp_path, field, meta)
    imported = station.import_station(field, mapping, tmp_path / "out" / "wb.xlsx")
    assert imported.tables["surfaces"] == [
        {"year": 2018, "dem": "../meta/dem/dem.tif", "outline": None, "remarks": None}
    ]
    assert any("lies outside the folder" in n for n in imported.notes)


def test_installed_entry_point(tmp_path: Path, meta: Path) -> None:
    import subprocess
    import sys

    field = sb.write_xlsx(tmp_path / "results.xlsx", {"Mass balance": sb.RESULTS})
    out = tmp_path / "map.toml"
    run = subprocess.run([sys.executable, "-m", "mbpack", "map", str(field), "-o", str(out), "--metadata", str(meta)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "mbpack", "validate", str(field), "--map", str(out)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert (
        "Mass balance: 31 non-empty cells: 18 read, 13 ignored by the mapping, 0 reported"
        in run.stdout
    )


def test_one_sheet_per_pit(tmp_path: Path, meta: Path) -> None:
    """Each pit in its own sheet, its id after SITE: and its date after 日期：."""
    pit = [
        ["SITE:", None, "P7"],
        ["日期：", date(2018, 5, 6)],
        [],
        ["FROM (cm)", "TO (cm)", "DENSITY (kg/m3)"],
    ]
    field = sb.write_xlsx(tmp_path / "pits.xlsx", {
        "Pit 7": [*pit, [0, 30, 350], [30, 55, 410]],
        "Pit 8": [[r if r != "P7" else "P8" for r in row] for row in pit] + [[0, 40, 380]],
    })  # fmt: skip
    mapping = _map(tmp_path, field, meta)
    assert "# Everything was placed." in mapping.read_text(encoding="utf-8")
    tables = _import(tmp_path, field, mapping)
    assert [(r["pit_id"], r["date"], r["top_depth"], r["bottom_depth"], r["density"]) for r in tables["snow_pits"]] == [
        ("P7", date(2018, 5, 6), 0.0, 0.3, 350.0), ("P7", date(2018, 5, 6), 0.3, 0.55, 410.0),
        ("P8", date(2018, 5, 6), 0.0, 0.4, 380.0)]  # fmt: skip
    report = validate_station(field, mapping)
    assert report.valid, [(i.cell, i.message) for i in report.issues]
    _accounted(report)


def test_balance_year_given_twice(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        HANDWRITTEN.replace("[[block]]", "[[balance_year]]\nyear = 2018\n\n[[block]]"),
        encoding="utf-8",
    )
    with pytest.raises(
        MappingError, match=r"m.toml line 11: balance year 2018 is given twice \(also line 4\)"
    ):
        station.load_mapping(path)

"""The blank workbook: derived from the schemas, validates empty, and validates clean once filled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from mbpack.cli import main
from mbpack.errors import MbpackError
from mbpack.example import example_rows, shipped_path
from mbpack.workbook import read_workbook, schema
from mbpack.workbook.model import header_text
from mbpack.workbook.template import LAST_ROW, _validation, write_template


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return openpyxl.load_workbook(
        write_template(tmp_path_factory.mktemp("t") / "blank.xlsx", example_rows())
    )


def _expected(field: dict[str, Any]) -> tuple[str, str | None, str | None, str | None]:
    """Kind, operator and formulas of the validation a field must have, from its schema."""
    cons = field.get("constraints", {})
    if "enum" in cons:
        return "list", None, '"' + ",".join(cons["enum"]) + '"', None
    if field["type"] == "boolean":
        return "list", None, '"TRUE,FALSE"', None
    if field["type"] in ("number", "integer"):
        kind = "whole" if field["type"] == "integer" else "decimal"
        lo, hi = cons.get("minimum"), cons.get("maximum")
        if lo is not None and hi is not None:
            return kind, "between", str(lo), str(hi)
        if lo is not None:
            return kind, "greaterThanOrEqual", str(lo), None
        return kind, "between", "-1E9", "1E9"
    if field["type"] == "date":
        return "date", "between", "1", "109574"
    if "maxLength" in cons:
        return "textLength", "lessThanOrEqual", str(cons["maxLength"]), None
    return "none", None, None, None


def test_every_field_has_its_validation(book: Any) -> None:
    """Drop-down lists, ranges, whole numbers, dates and lengths: all from the schemas."""
    kinds = set()
    for sheet in schema.SHEETS:
        ws = book[sheet]
        cells: dict[str, Any] = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                cells[rng.coord] = dv
        for i, f in enumerate(schema.fields(sheet), start=1):
            if sheet in schema.KEY_VALUE_SHEETS:
                assert ws.cell(i + 1, 1).value == f["name"]
                where = f"B{i + 1}"
            else:
                letter = openpyxl.utils.get_column_letter(i)
                where = f"{letter}2:{letter}{LAST_ROW}"
            kind, operator, lo, hi = _expected(f)
            kinds.add(kind)
            if kind == "none":
                assert where not in cells, (sheet, f["name"])
                continue
            dv = cells[where]
            got = (dv.type, dv.operator if kind != "list" else None, dv.formula1, dv.formula2)
            assert got == (kind, operator, lo, hi), (sheet, f["name"])
            assert dv.allow_blank and dv.showErrorMessage and f["name"] in dv.error
            assert dv.prompt.startswith(f["description"][:40])
    assert kinds == {"list", "whole", "decimal", "date", "textLength", "none"}


def test_headers_comments_and_layout(book: Any) -> None:
    assert book.sheetnames == ["instructions", *schema.SHEETS]
    for sheet in schema.SHEETS:
        ws = book[sheet]
        assert ws.freeze_panes == "A2", sheet
        if sheet in schema.KEY_VALUE_SHEETS:
            assert [c.value for c in ws[1]] == ["field", "value", "unit", "description"]
            rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
            assert rows == [
                [f["name"], None, f.get("unit"), f["description"]] for f in schema.fields(sheet)
            ]
            continue
        fields = schema.fields(sheet)
        assert [c.value for c in ws[1]] == [header_text(sheet, f["name"]) for f in fields]
        assert ws.max_row == 1 + 200 or ws.max_row == 1  # empty, maybe pre-formatted dates
        for cell, f in zip(ws[1], fields, strict=True):
            assert cell.font.bold
            assert cell.comment.text.startswith(f["description"])
            if f.get("unit") and f["unit"] != "1":
                assert f"Unit: {f['unit']}." in cell.comment.text
            if f.get("constraints", {}).get("required"):
                assert "Required." in cell.comment.text
            assert ws.column_dimensions[cell.column_letter].width >= len(cell.value)


def test_instructions(book: Any) -> None:
    guide = book["instructions"]
    rows = [[c.value for c in row] for row in guide.iter_rows()]
    firsts = [r[0] for r in rows]
    assert all(sheet in firsts for sheet in schema.SHEETS)
    assert "kg m-2" in rows[1][0] and "kg m-3" in rows[1][0]
    example = read_workbook(shipped_path())["stake_readings"].iloc[0]
    at = firsts.index("stake_readings")
    assert rows[at][1] == schema.load_schema("stake_readings")["description"]
    assert rows[at + 1][1:4] == ["columns:", "stake_id", "date"]
    assert rows[at + 2][1:5] == [
        "example:",
        example["stake_id"],
        example["date"].date().isoformat(),
        example["exposure"],
    ]
    for sheet in ("glacier_balance", "point_balance", "band_balance", "surface_grid"):
        at = firsts.index(sheet)
        assert rows[at + 2][1] == "example:", sheet


def test_enumerations_that_cannot_be_lists_are_refused() -> None:
    field = {"name": "f", "type": "string", "description": "d", "constraints": {"enum": ["a,b"]}}
    with pytest.raises(MbpackError, match="f"):
        _validation("x", field)
    field["constraints"] = {"enum": ["x" * 300]}
    with pytest.raises(MbpackError, match="255"):
        _validation("x", field)


def test_structure(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    assert CliRunner().invoke(main, ["template", str(path)]).exit_code == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["instructions", *schema.SHEETS]
    readings = book["stake_readings"]
    assert [c.value for c in readings[1]][:3] == ["stake_id", "date", "exposure (m)"]
    assert readings.freeze_panes == "A2"
    assert "Unit: m." in readings["C1"].comment.text
    lists = {dv.formula1 for dv in readings.data_validations.dataValidation if dv.type == "list"}
    assert (
        '"snow,firn,ice,superimposed_ice"' in lists and '"reading,redrill,extension,lost"' in lists
    )
    kinds = {dv.type for dv in readings.data_validations.dataValidation}
    assert {"list", "decimal", "date"} <= kinds
    years = book["balance_years"]
    assert '"FLO,FXD,STR,COM,OTH"' in {dv.formula1 for dv in years.data_validations.dataValidation}
    for sheet in schema.SHEETS:
        for f in schema.fields(sheet):
            if "enum" in f.get("constraints", {}):
                formulas = {dv.formula1 for dv in book[sheet].data_validations.dataValidation}
                assert '"' + ",".join(f["constraints"]["enum"]) + '"' in formulas, (
                    sheet,
                    f["name"],
                )
    guide = [row[0].value for row in book["instructions"].iter_rows()]
    assert "stake_readings" in guide


def test_blank_template_is_well_formed(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    assert CliRunner().invoke(main, ["template", str(path)]).exit_code == 0
    from mbpack.checks.validate import validate

    report = validate(path)
    assert (report.errors, report.warnings) == (0, 0)
    assert all(
        s.rows == len(schema.fields(name)) or s.rows == 0 for name, s in report.sheets.items()
    )


def test_template_filled_with_the_example_validates_clean(tmp_path: Path) -> None:
    from mbpack.checks.validate import validate

    path = write_template(tmp_path / "filled.xlsx", example_rows())
    example = read_workbook(shipped_path())
    book = openpyxl.load_workbook(path)
    for sheet in schema.SHEETS:
        frame = example.tables[sheet]
        ws = book[sheet]
        if sheet in schema.KEY_VALUE_SHEETS:
            record = example.record(sheet)
            for row in ws.iter_rows(min_row=2):
                value = record.get(row[0].value)
                row[1].value = value
        else:
            # typed in from row 2, under the header, as a person would
            for r, values in enumerate(frame.itertuples(index=False), start=2):
                for c, v in enumerate(values, start=1):
                    if not pd.isna(v):
                        ws.cell(r, c).value = v.date() if isinstance(v, pd.Timestamp) else v
    book.save(path)
    report = validate(path)
    assert (report.errors, report.warnings) == (0, 0), report.sorted_issues()[:5]
    assert report.sheets["stake_readings"].rows == len(example["stake_readings"])
    back = read_workbook(path)
    assert len(back["stake_readings"]) == len(example["stake_readings"])


@pytest.mark.parametrize("lang", ["zh", "both"])
def test_chinese_and_bilingual_templates_read_back_by_the_same_aliases(
    tmp_path: Path, lang: str
) -> None:
    """Every header and field name of the zh/both template maps back to its field, and the
    example typed into it reads back as the example (same tables, no warnings)."""
    from mbpack.checks.validate import validate
    from mbpack.formats.datapackage import equal_tables

    path = tmp_path / f"{lang}.xlsx"
    result = CliRunner().invoke(main, ["template", "--lang", lang, str(path)])
    assert result.exit_code == 0, result.output
    example = read_workbook(shipped_path())
    book = openpyxl.load_workbook(path)
    assert (
        book["stake_readings"]["A1"].value == {"zh": "花杆编号", "both": "花杆编号 stake_id"}[lang]
    )
    assert (
        book["stake_readings"]["C1"].value
        == {"zh": "花杆高度 (m)", "both": "花杆高度 exposure (m)"}[lang]
    )
    assert "表头可写中文、英文或两者（如 '花杆编号 stake_id'），读取时均可识别。" in [
        r[0].value for r in book["instructions"].iter_rows()]  # fmt: skip
    for sheet in schema.SHEETS:
        fields = schema.fields(sheet)
        ws = book[sheet]
        if sheet in schema.KEY_VALUE_SHEETS:
            labels = [row[0].value for row in ws.iter_rows(min_row=2)]
            assert [schema.find_field(sheet, str(t)) for t in labels] == [f["name"] for f in fields]
            record = example.record(sheet)
            for row, f in zip(ws.iter_rows(min_row=2), fields, strict=True):
                value = record.get(f["name"])
                row[1].value = value.date() if isinstance(value, pd.Timestamp) else value
        else:
            from mbpack.units import split_header

            labels = [c.value for c in ws[1]]
            assert [schema.find_field(sheet, split_header(str(t))[0]) for t in labels] == [
                f["name"] for f in fields]  # fmt: skip
            frame = example.tables[sheet]
            for r, values in enumerate(frame.itertuples(index=False), start=2):
                for c, v in enumerate(values, start=1):
                    if not pd.isna(v):
                        ws.cell(r, c).value = v.date() if isinstance(v, pd.Timestamp) else v
    book.save(path)
    report = validate(path)
    assert (report.errors, report.warnings) == (0, 0), report.sorted_issues()[:5]
    assert equal_tables(example, read_workbook(path)) == []


def test_unknown_template_language(tmp_path: Path) -> None:
    with pytest.raises(MbpackError, match="template language 'fr'"):
        write_template(tmp_path / "t.xlsx", lang="fr")
    result = CliRunner().invoke(main, ["template", "--lang", "fr", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2 and "Invalid value for '--lang'" in result.output

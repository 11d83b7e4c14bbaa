"""The blank workbook: derived from the schemas, validates empty, and validates clean once filled."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

from mbpack import schema
from mbpack.cli import main
from mbpack.example import shipped_path
from mbpack.validate import validate
from mbpack.workbook import read_workbook


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
    report = validate(path)
    assert (report.errors, report.warnings) == (0, 0)
    assert all(
        s.rows == len(schema.fields(name)) or s.rows == 0 for name, s in report.sheets.items()
    )


def test_template_filled_with_the_example_validates_clean(tmp_path: Path) -> None:
    from mbpack.template import write_template

    path = write_template(tmp_path / "filled.xlsx")
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
            for values in frame.itertuples(index=False):
                ws.append(
                    [
                        None if pd.isna(v) else (v.date() if isinstance(v, pd.Timestamp) else v)
                        for v in values
                    ]
                )
    book.save(path)
    report = validate(path)
    assert (report.errors, report.warnings) == (0, 0), report.sorted_issues()[:5]
    back = read_workbook(path)
    assert len(back["stake_readings"]) == len(example["stake_readings"])

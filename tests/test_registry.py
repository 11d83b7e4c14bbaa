"""One rule registry for workbook and FoG checks: codes, documentation, severities and thresholds
all come from it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import write
from test_fog import edit, release, set_cell

from mbpack import params
from mbpack.checks import fog_rules, registry, rules
from mbpack.checks.validate import validate
from mbpack.checks.wgms import validate_fog
from mbpack.codes import CODES
from mbpack.formats import wgms

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def test_both_engines_register_in_one_registry() -> None:
    kinds = {r.kind for r in registry.REGISTRY}
    assert kinds == {"schema", "workbook", "fog"}
    # the checks the two engines had before (workbook RULES: 47, FoG CHECKS: 18 codes)
    assert len(rules.workbook_rules()) == 47
    assert {r.code for r in registry.rules("fog")} == {
        "balance-sum", "date-order", "band-overlap", "band-gap", "name-mismatch", "date-invalid",
        "date-unknown-00", "sentinel", "text-suspicious", "winter-negative", "summer-positive",
        "period-length", "area-mismatch", "band-mean-mismatch", "ela-outside", "aar-mismatch",
        "code-period", "elevation-typo",
    }  # fmt: skip


def test_every_registered_code_is_a_described_code() -> None:
    assert {r.code for r in registry.REGISTRY} <= set(CODES)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"code": "no-such-code"}, "not in mbpack.codes.CODES"),
        ({"severity": "fatal"}, "is not error or warning"),
        ({"params": ("FogChecks.no_such_threshold",)}, "is not a field of mbpack.params"),
        ({"params": ("Nowhere.balance_sum_tolerance",)}, "is not a field of mbpack.params"),
        ({"severity": "error", "code": "band-gap"}, "registered as warning and error"),
    ],
)
def test_register_refuses_a_wrong_rule(change: dict[str, Any], match: str) -> None:
    """A rule with an unknown code, severity or threshold, or a second severity for a FoG code
    (FoG ``band-gap`` is a warning), is refused and not added."""
    base = registry.rules("fog", view="band")[-1]
    before = len(registry.REGISTRY)
    with pytest.raises(ValueError, match=match):
        registry.register(dataclasses.replace(base, **change))
    assert len(registry.REGISTRY) == before


def _doc_rows() -> list[list[str]]:
    rows = []
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


def test_every_rule_is_listed_in_docs_rules_md() -> None:
    """Each workbook rule has a row naming its sheet, code, severity and description; each FoG
    rule a row naming its view, its tables, code, severity and description; each schema rule
    its code and severity."""
    rows = _doc_rows()

    def listed(*cells: str) -> bool:
        return any(all(c in row for c in cells) for row in rows)

    for r in registry.REGISTRY:
        text = " ".join(r.description.split()).replace("|", "\\|")
        if r.kind == "workbook":
            assert listed(r.sheet, f"`{r.code}`", r.severity, text), r
        elif r.kind == "fog":
            assert listed(r.view or "", ", ".join(r.tables), f"`{r.code}`", r.severity, text), r
        else:
            assert listed(f"`{r.code}`", r.severity, text), r
    # and the FoG rules' tables are real tables of the releases
    for r in registry.rules("fog"):
        if r.view != "field":
            assert set(r.tables) <= set(wgms.UPPER) | set(wgms.LOWER), r


def test_rule_columns_are_columns_of_their_tables() -> None:
    """The columns a rule names are fields of its sheet's or tables' Table Schemas
    (``schemas/*.json``, ``schemas/wgms/*``)."""
    for r in rules.workbook_rules():
        fields = {
            f["name"] for f in json.loads((SCHEMAS / f"{r.sheet}.json").read_text())["fields"]
        }
        assert set(r.columns) <= fields and r.column in fields, r
    for r in registry.rules("fog"):
        if r.view == "field":
            continue
        fields = set()
        for gen, tables in (("upper", wgms.UPPER), ("lower", wgms.LOWER)):
            for t in set(r.tables) & set(tables):
                fields |= {f["name"] for f in wgms.load(gen, t)["fields"]}  # type: ignore[arg-type]
        assert set(r.columns) <= fields, (r.code, set(r.columns) - fields)


def test_thresholds_are_parameters_of_params() -> None:
    """Every FoG threshold (but the chunk size, a reading parameter) is read by a registered rule,
    and a rule's thresholds resolve to the values of mbpack.params."""
    used = {name for r in registry.REGISTRY for name in r.params}
    fog = {f"FogChecks.{f.name}" for f in dataclasses.fields(params.FogChecks)} - {
        "FogChecks.chunk_rows"
    }
    assert fog <= used
    (typo,) = [r for r in registry.rules("fog") if r.code == "elevation-typo"]
    assert typo.parameters() == {"FogChecks.elevation_typo_margin": 300.0}


def _severity_flipped(monkeypatch: pytest.MonkeyPatch, kind: str, code: str) -> str:
    """Replace the registered rules of ``code`` by the same rules of the other severity."""
    flipped, changed = "", list(registry.REGISTRY)
    for i, r in enumerate(changed):
        if r.kind == kind and r.code == code:
            flipped = "warning" if r.severity == "error" else "error"
            changed[i] = dataclasses.replace(r, severity=flipped)
    assert flipped
    monkeypatch.setattr(registry, "REGISTRY", changed)
    return flipped


@pytest.mark.parametrize(
    ("kind", "file", "cell", "value", "code", "line"),
    [
        ("fog", "EE-MASS_BALANCE", "ANNUAL_BALANCE", "-300", "balance-sum", 5),  # error registered
        (
            "fog",
            "EEE-MASS_BALANCE_POINT",
            "POINT_ELEVATION",
            "5200",
            "elevation-typo",
            2,
        ),  # warning
        ("schema", "E-MASS_BALANCE_OVERVIEW", "TIME_SYSTEM", "XYZ", "not-in-enum", 2),
    ],
)
def test_a_fog_issue_takes_its_severity_from_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, file: str, cell: str, value: str,
    code: str, line: int,
) -> None:  # fmt: skip
    path = release(tmp_path, "upper")
    row = 3 if file == "EE-MASS_BALANCE" else 0
    edit(path / f"{file}.csv", set_cell(row, cell, value))
    (issue,) = [i for i in validate_fog(path).issues if i.code == code and i.line == line]
    assert issue.severity == registry.severity(code, kind)  # type: ignore[arg-type]
    flipped = _severity_flipped(monkeypatch, kind, code)
    (issue,) = [i for i in validate_fog(path).issues if i.code == code and i.line == line]
    assert issue.severity == flipped


def test_a_workbook_issue_takes_its_severity_from_the_registry(
    tables: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``period-length`` of a 16-month balance year is a warning (test_validate); registered as
    an error, the same cell is reported as an error."""
    tables["balance_years"][0]["end_date"] = "2001-12-31"
    path = write(tables, tmp_path / "wb.xlsx")
    (issue,) = [i for i in validate(path).issues if i.code == "period-length"]
    assert issue.severity == "warning" and issue.cell == "balance_years!E2"
    _severity_flipped(monkeypatch, "workbook", "period-length")
    (issue,) = [i for i in validate(path).issues if i.code == "period-length"]
    assert issue.severity == "error" and issue.cell == "balance_years!E2"


def test_a_fog_threshold_comes_from_params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A point at 5200 m on a glacier of bands 3500-3650 m (``small()`` in test_wgms) lies 1550 m
    above them: beyond the 300 m margin, within a margin of 2000 m."""
    path = release(tmp_path, "upper")
    edit(path / "EEE-MASS_BALANCE_POINT.csv", set_cell(0, "POINT_ELEVATION", "5200"))
    assert any(i.code == "elevation-typo" for i in validate_fog(path).issues)
    wide = dataclasses.replace(params.FOG_CHECKS, elevation_typo_margin=2000.0)
    monkeypatch.setattr(fog_rules, "FOG_CHECKS", wide)
    assert not any(i.code == "elevation-typo" for i in validate_fog(path).issues)


def test_flagged_ela_message_names_the_flag_column_of_its_generation(tmp_path: Path) -> None:
    """An ELA of 3580 m flagged as below the glacier, whose bands span 3500-3650 m: the message
    names ELA_PREFIX in upper case and ela_position in lower case (it named ELA_PREFIX in both)."""
    upper = release(tmp_path, "upper")
    edit(upper / "E-MASS_BALANCE_OVERVIEW.csv", set_cell(0, "ELA_PREFIX", "<"))
    lower = release(tmp_path, "lower")
    edit(lower / "data" / "mass_balance.csv", set_cell(0, "ela_position", "below"))
    for path, flag, ela in ((upper, "ELA_PREFIX", "3580"), (lower, "ela_position", "3580.0")):
        (issue,) = [i for i in validate_fog(path).issues if i.code == "ela-outside"]
        assert issue.message == (
            f"ELA {ela} m with {flag} should be the glacier's lowest or highest elevation"
        )


@pytest.mark.parametrize(
    ("sheet", "field", "bad", "table", "column", "fog_bad", "code", "workbook_text", "fog_text"),
    [
        ("balance_years", "time_system", "XYZ", "E-MASS_BALANCE_OVERVIEW", "TIME_SYSTEM", "XYZ", "not-in-enum",
         "time_system 'XYZ' is not one of FLO, FXD, STR, COM, OTH",
         "TIME_SYSTEM 'XYZ' is not one of FLO, FXD, STR, COM, OTH"),
        ("snow_pits", "density", 30.0, "EEE-MASS_BALANCE_POINT", "DENSITY", "0", "out-of-range",
         "density 30 kg m-3 is below the minimum 50 kg m-3", "DENSITY 0 kg m-3 is below the minimum 1 kg m-3"),
        ("glacier", "spec_location", "K" * 31, "A-GLACIER", "SPEC_LOCATION", "K" * 31, "too-long",
         f"spec_location {'K' * 31!r} is longer than 30 characters",
         f"SPEC_LOCATION {'K' * 31!r} is longer than 30 characters"),
        ("glacier", "wgi_id", "CN5Y741C005", "AA-GLACIER_ID_LUT", "WGI_ID", "CN5Y741C005", "pattern",
         "wgi_id 'CN5Y741C005' does not match the pattern ^[A-Z0-9]{12}$",
         "WGI_ID 'CN5Y741C005' does not match the pattern ^[A-Z]{2}[1-7][0-9A-Z]{9}$"),
    ],
)  # fmt: skip
def test_a_schema_fault_has_the_same_words_in_a_workbook_and_a_fog_table(
    tables: dict[str, Any], tmp_path: Path, sheet: str, field: str, bad: Any, table: str, column: str,
    fog_bad: str, code: str, workbook_text: str, fog_text: str,
) -> None:  # fmt: skip
    """One constraint, two engines: both messages are the registry's template of the code
    (``registry.schema_message``), written out by hand here; the issue names the cell."""
    if isinstance(tables[sheet], dict):
        tables[sheet][field] = bad
    else:
        tables[sheet][0][field] = bad
    (wb,) = [i for i in validate(write(tables, tmp_path / "wb.xlsx")).issues if i.code == code]
    assert (wb.message, wb.column, wb.severity) == (workbook_text, field, "error")
    assert wb.cell and wb.cell.startswith(f"{sheet}!")
    path = release(tmp_path, "upper")
    edit(path / f"{table}.csv", set_cell(0, column, fog_bad))
    (fog,) = [i for i in validate_fog(path).issues if i.code == code]
    assert (fog.message, fog.column, fog.line, fog.sheet) == (fog_text, column, 2, table)
    assert fog.file and fog.file.endswith(f"{table}.csv")
    template = registry.rules("schema")
    (rule,) = [r for r in template if r.code == code]
    assert {"column", "value"} <= set(
        registry.template_fields(rule.message)
    ) or code == "missing-value"

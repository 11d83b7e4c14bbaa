"""The published contract: schemas/*.json are valid Table Schemas and agree with the code."""

from __future__ import annotations

import pytest

from mbpack import units
from mbpack.workbook import schema
from mbpack.workbook.model import DTYPES


@pytest.mark.parametrize("sheet", schema.SHEETS)
def test_schema_is_a_valid_table_schema(sheet: str) -> None:
    from frictionless import Schema

    descriptor = schema.load_schema(sheet)
    frictionless_schema = Schema.from_descriptor(descriptor)
    assert [f.name for f in frictionless_schema.fields] == schema.field_names(sheet)
    report = (
        frictionless_schema.metadata_validate(descriptor)
        if hasattr(frictionless_schema, "metadata_validate")
        else None
    )
    assert report is None or not list(report)


@pytest.mark.parametrize("sheet", schema.SHEETS)
def test_fields_have_known_types_units_and_unambiguous_aliases(sheet: str) -> None:
    seen: dict[str, str] = {}
    for f in schema.fields(sheet):
        assert f["type"] in DTYPES
        assert f.get("description")
        if "unit" in f:
            assert f["unit"] in units.CONVERSIONS
        for alias in [f["name"], *f.get("aliases", [])]:
            key = schema.normalize_header(alias)
            assert seen.setdefault(key, f["name"]) == f["name"], (
                f"{alias!r} names two fields of {sheet}"
            )


def test_foreign_keys_reference_existing_fields() -> None:
    for sheet in schema.SHEETS:
        for fk in schema.load_schema(sheet).get("foreignKeys", []):
            target = fk["reference"]["resource"]
            assert set(fk["reference"]["fields"]) <= set(schema.field_names(target))
            assert set(fk["fields"]) <= set(schema.field_names(sheet))


def test_generated_reference_pages_are_current() -> None:
    from pathlib import Path

    from mbpack.docs import PAGES

    docs = Path(__file__).resolve().parent.parent / "docs"
    for name, make in PAGES.items():
        assert (docs / name).read_text(encoding="utf-8") == make(), (
            f"run `python -m mbpack.docs` ({name})"
        )

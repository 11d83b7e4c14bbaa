"""The official validators of the published metadata, as the tests call them.

- DataCite XML: the DataCite Metadata Schema 4.5 XSD (``tests/data/datacite-4.5``) through lxml.
- CITATION.cff: the CFF 1.2.0 JSON schema shipped in cffconvert 2.0.0 (``tests/data/cff``),
  checked exactly as ``cffconvert --validate`` checks it (``jsonschema.validate`` with a
  ``FormatChecker``; cffconvert/behavior_1_2_x/citation.py).  cffconvert itself pins
  ``jsonschema<4`` and cannot be installed beside frictionless (``jsonschema>=4.20``).
- BibTeX: pybtex's parser.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


@cache
def _datacite_schema() -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(HERE / "data" / "datacite-4.5" / "metadata.xsd")))


def datacite_errors(text: str | bytes) -> list[str]:
    """Messages of the DataCite 4.5 XSD for an XML document (empty when valid)."""
    from lxml import etree

    schema = _datacite_schema()
    doc = etree.fromstring(text.encode() if isinstance(text, str) else text)
    schema.validate(doc)
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def cff_validate(text: str) -> dict[str, Any]:
    """Parse a CITATION.cff and validate it as ``cffconvert --validate`` does; returns the data."""
    import jsonschema
    import yaml

    cff = yaml.safe_load(text)
    schema = json.loads((HERE / "data" / "cff" / "cff-1.2.0.schema.json").read_text())
    jsonschema.validate(instance=cff, schema=schema, format_checker=jsonschema.FormatChecker())
    return dict(cff)


def bib_entry(text: str) -> Any:
    """The single entry of a BibTeX file as pybtex parses it (strict: a syntax error raises)."""
    import pybtex.database
    import pybtex.errors

    pybtex.errors.set_strict_mode(True)
    data = pybtex.database.parse_string(text, "bibtex")
    assert len(data.entries) == 1, list(data.entries)
    (key,) = data.entries
    entry = data.entries[key]
    entry.key = key
    return entry

"""The published contract: Frictionless Table Schemas in ``schemas/``.

Every sheet of the observation workbook has one Table Schema
(``schemas/<sheet>.json``).  They are the single source of truth: the
reader takes column names, header aliases, units and types from them, and
the Pandera schemas used for validation are derived from them
(:mod:`mbpack.checks.rules`).  Two custom field properties are documented
extensions of Table Schema:

``unit``
    The canonical unit of the column (``m``, ``kg m-2``, ``kg m-3``,
    ``km2``, ``degree``, ``1``).  Values in other units are converted on
    reading (:mod:`mbpack.units`).
``aliases``
    Other header names accepted for the column: WGMS column names and
    Chinese names.  Matching is case- and space-insensitive.
``default``
    The value a blank cell takes (``event`` defaults to ``reading``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

#: Sheets of the observation workbook, in workbook order.
SHEETS: tuple[str, ...] = (
    "glacier",
    "dataset",
    "authors",
    "balance_years",
    "stakes",
    "stake_readings",
    "snow_pits",
    "probes",
    "hypsometry",
    "surface_grid",
    "surfaces",
    "glacier_balance",
    "band_balance",
    "point_balance",
)

#: Sheets laid out as field/value rows rather than as a table.
KEY_VALUE_SHEETS: frozenset[str] = frozenset({"glacier", "dataset"})

#: Sheets a workbook must have (the others are optional).
REQUIRED_SHEETS: tuple[str, ...] = ("glacier",)

#: Sheets that hold results rather than observations.
RESULT_SHEETS: frozenset[str] = frozenset({"glacier_balance", "band_balance", "point_balance"})


def data_path(kind: str) -> Path:
    """Folder of the shipped ``schemas`` or ``templates``.

    In an installed wheel they live in ``mbpack/_data``; in a source
    checkout at the repository root.
    """
    packaged = Path(str(resources.files("mbpack"))) / "_data" / kind
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / kind


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The Table Schema descriptor of one sheet (a dict, not to be mutated)."""
    path = data_path("schemas") / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no Table Schema named {name!r}; choices: {', '.join(SHEETS)}")
    descriptor: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return descriptor


def fields(name: str) -> list[dict[str, Any]]:
    """Field descriptors of a sheet's schema, in order."""
    return list(load_schema(name)["fields"])


def field_names(name: str) -> list[str]:
    """Canonical column names of a sheet, in order."""
    return [f["name"] for f in load_schema(name)["fields"]]


def field(name: str, column: str) -> dict[str, Any]:
    """The descriptor of one field."""
    for f in load_schema(name)["fields"]:
        if f["name"] == column:
            return dict(f)
    raise KeyError(f"sheet {name!r} has no field {column!r}")


def normalize_header(text: str) -> str:
    """Header text folded for matching: lower case, no spaces, ``-`` or ``_``."""
    return "".join(ch for ch in str(text).casefold() if ch not in " \t\n\r_-\u3000")


def find_field(name: str, text: str) -> str | None:
    """The field a header (without its unit) names: its name or an alias, or a bilingual label,
    Chinese words and English words of which name one field (``花杆编号 stake_id``).

    >>> find_field("stakes", "花杆编号 stake_id"), find_field("stakes", "stake_id 花杆编号")
    ('stake_id', 'stake_id')
    >>> find_field("stakes", "Stake ID"), find_field("stakes", "x y"), find_field("stakes", "花杆编号 x")
    ('stake_id', None, None)
    """
    lookup = header_lookup(name)
    found = lookup.get(normalize_header(text))
    if found is not None:
        return found
    words = str(text).replace("\u3000", " ").split()
    if len(words) < 2 or not any(_is_chinese(w) for w in words):
        return None
    named = {lookup.get(normalize_header(w)) for w in words} - {None}
    return named.pop() if len(named) == 1 else None


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def chinese_label(field: dict[str, Any]) -> str | None:
    """The first alias of a field written in Chinese characters (its Chinese label), if any.

    >>> chinese_label({"name": "title", "aliases": ["标题", "数据集名称"]})
    '标题'
    >>> chinese_label({"name": "doi", "aliases": ["DOI"]}) is None
    True
    """
    for alias in field.get("aliases", []):
        if _is_chinese(alias):
            return str(alias)
    return None


@cache
def header_lookup(name: str) -> dict[str, str]:
    """Map of normalised header text (name and aliases) to canonical field name."""
    lookup: dict[str, str] = {}
    for f in load_schema(name)["fields"]:
        for alias in [f["name"], *f.get("aliases", [])]:
            lookup.setdefault(normalize_header(alias), f["name"])
    return lookup

"""One registry of every check mbpack runs, for workbooks and for WGMS FoG releases.

A :class:`Rule` is one check: its issue code (:mod:`mbpack.codes`), its severity, the
sheets or tables it applies to, the columns it names, its message template, the
thresholds it reads from :mod:`mbpack.params` and the vectorised test that finds the
failing rows.  Three kinds of rule are registered here:

``schema``
    Constraints of a Table Schema (type, required, range, enumeration, pattern, length,
    keys), checked the same way on every sheet of a workbook and every table of a FoG
    release; their messages are made from the constraint, so the rule holds no template.
``workbook``
    Cross-field and cross-table rules of the observation workbook
    (:mod:`mbpack.checks.rules`), run as Pandera dataframe checks.
``fog``
    Field and consistency checks of FoG releases of both generations
    (:mod:`mbpack.checks.fog_rules`), run table by table and chunk by chunk by
    :func:`mbpack.checks.wgms.validate_fog`.

Every issue either engine makes takes its severity from here (:func:`severity`), and
``docs/rules.md`` is written from :data:`REGISTRY` (``python -m mbpack.docs``).
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from mbpack import params
from mbpack.codes import CODES
from mbpack.issues import Severity

Kind = Literal["schema", "workbook", "fog"]

#: The parameter sets a rule may read thresholds from, by class name.
PARAMETER_SETS: dict[str, object] = {
    "Thresholds": params.THRESHOLDS,
    "FogChecks": params.FOG_CHECKS,
    "Parameters": params.DEFAULT,
}


@dataclass(frozen=True)
class Rule:
    """One registered check.

    Attributes
    ----------
    code
        Issue code of its failures (a key of :data:`mbpack.codes.CODES`).
    severity
        ``error`` (blocks archiving) or ``warning`` (a plausibility note).
    kind
        ``schema``, ``workbook`` or ``fog`` (see the module docstring).
    tables
        The workbook sheets or FoG tables it applies to (FoG tables of both generations:
        upper-case ``EE-MASS_BALANCE`` and lower-case ``mass_balance``).
    column
        The column a failure points to: a sheet's column for workbook rules; for FoG
        rules the role of the column in the rule's :attr:`view` (``annual``), which the
        view maps to each table's column (``ANNUAL_BALANCE``, ``annual_balance``).
    message
        Message template, formatted with the failing row's fields (``str.format``).
    description
        What the rule checks, one sentence (its test's docstring).
    test
        The vectorised test: for workbook rules ``test(frame, context)`` returning True
        for the good rows; for FoG rules ``test(rows)`` returning the bad-row mask and
        the message fields (:mod:`mbpack.checks.fog_rules`); ``None`` for schema rules.
    columns
        Every column the rule names, as the tables spell them (for the documentation).
    params
        The thresholds it reads, as ``Class.field`` of :mod:`mbpack.params`
        (``Thresholds.year_days``).
    view
        FoG rules: the set of rows it applies to (``glacier-wide``, ``band`` ...).
    """

    code: str
    severity: Severity
    kind: Kind
    tables: tuple[str, ...]
    column: str | None
    message: str
    description: str
    test: Callable[..., Any] | None = None
    columns: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    view: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        """The one sheet of a workbook rule (its first table)."""
        return self.tables[0]

    def parameters(self) -> dict[str, Any]:
        """Its thresholds with their values: ``{"Thresholds.year_days": (273.6, 456.0)}``."""
        out = {}
        for name in self.params:
            cls, attr = name.split(".")
            out[name] = getattr(PARAMETER_SETS[cls], attr)
        return out


#: Every registered rule, in the order of registration.
REGISTRY: list[Rule] = []


def register(rule: Rule) -> Rule:
    """Add a rule to :data:`REGISTRY` after checking its code, severity and thresholds.

    Parameters
    ----------
    rule
        The rule.

    Returns
    -------
    Rule
        The same rule.

    Raises
    ------
    ValueError
        For a code not in :data:`mbpack.codes.CODES`, a severity other than ``error`` or
        ``warning``, a threshold that is not a field of a parameter set of
        :data:`PARAMETER_SETS`, or a code registered before with another severity in the
        same kind (one code, one severity: an issue's severity is looked up by code).
    """
    if rule.code not in CODES:
        raise ValueError(f"rule code {rule.code!r} is not in mbpack.codes.CODES")
    if rule.severity not in ("error", "warning"):
        raise ValueError(f"rule {rule.code}: severity {rule.severity!r} is not error or warning")
    for name in rule.params:
        cls, _, attr = name.partition(".")
        known = PARAMETER_SETS.get(cls)
        if known is None or attr not in {f.name for f in dataclasses.fields(known)}:  # type: ignore[arg-type]
            raise ValueError(f"rule {rule.code}: {name!r} is not a field of mbpack.params")
    if rule.kind != "workbook":  # workbook rules may differ per sheet (band-gap)
        for other in REGISTRY:
            if (
                other.kind == rule.kind
                and other.code == rule.code
                and other.severity != rule.severity
            ):
                raise ValueError(
                    f"rule {rule.code} ({rule.kind}) registered as {other.severity} and {rule.severity}"
                )
    REGISTRY.append(rule)
    return rule


def rules(
    kind: Kind | None = None, *, table: str | None = None, view: str | None = None
) -> list[Rule]:
    """The registered rules of one kind, table or view (all of them without arguments)."""
    return [
        r
        for r in REGISTRY
        if (kind is None or r.kind == kind)
        and (table is None or table in r.tables)
        and (view is None or r.view == view)
    ]


def severity(code: str, kind: Kind) -> Severity:
    """The severity of the rules with ``code`` of one ``kind`` (one severity per code and kind).

    Raises
    ------
    KeyError
        When no rule of that kind has the code.
    """
    for r in REGISTRY:
        if r.kind == kind and r.code == code:
            return r.severity
    raise KeyError(f"no {kind} rule has the code {code!r}")


def template_fields(message: str) -> list[str]:
    """The field names a message template formats (``"{value} m at {stake_id}"`` → value, stake_id)."""
    return [name for _, name, _, _ in string.Formatter().parse(message) if name]


#: The Table Schema constraints, checked on every workbook sheet (by Pandera) and every FoG
#: table (vectorised in :func:`mbpack.checks.wgms.check_schema`), with the one message template
#: both engines format (:func:`schema_message`): the same words for a workbook cell and a FoG
#: cell.  The issue itself names the file, the sheet or table, the row and the column.
_BOTH, _FOG = ("every sheet", "every FoG table"), ("every FoG table",)
_SCHEMA = (
    ("missing-column", _FOG, "A required column is present.", "{table} has no column {column}"),
    ("missing-value", _BOTH, "A required field is not empty.", "{column} is required but empty"),
    (
        "type-error",
        _FOG,
        "A value is of its field's type (a workbook cell is typed, or reported, by the reader).",
        "{column} {value!r} is not {expected}",
    ),
    (
        "out-of-range",
        _BOTH,
        "A value lies within its field's minimum and maximum.",
        "{column} {value}{unit} is {relation} {limit}{unit}",
    ),
    (
        "not-in-enum",
        _BOTH,
        "A value is one of its field's allowed values.",
        "{column} {value!r} is not one of {allowed}",
    ),
    (
        "pattern",
        _BOTH,
        "A text matches its field's pattern.",
        "{column} {value!r} does not match the pattern {pattern}",
    ),
    (
        "too-long",
        _BOTH,
        "A text is not longer than its field's maxLength.",
        "{column} {value!r} is longer than {max_length} characters",
    ),
    ("duplicate-key", _BOTH, "A primary key stands once.", "duplicate key {key}"),
    (
        "foreign-key",
        _FOG,
        "A foreign key exists in the table it references (workbook: `unknown-stake`).",
        "{key} is not in {reference}",
    ),
)
for _code, _tables, _text, _message in _SCHEMA:
    register(Rule(_code, "error", "schema", _tables, None, _message, _text))


def schema_message(code: str, **fields: Any) -> str:
    """The message of a Table Schema fault: the ``schema`` rule's template with ``fields``.

    Parameters
    ----------
    code
        The constraint's code (``out-of-range``, ``not-in-enum`` ...).
    **fields
        The template's fields (:func:`template_fields` of the rule's ``message``): ``column``,
        ``value`` and the constraint's own (``limit``, ``unit``, ``allowed``, ``pattern`` ...).

    Raises
    ------
    KeyError
        When no schema rule has the code.

    Examples
    --------
    >>> schema_message("out-of-range", column="density", value=30, unit=" kg m-3",
    ...                relation="below the minimum", limit=50)
    'density 30 kg m-3 is below the minimum 50 kg m-3'
    """
    for r in REGISTRY:
        if r.kind == "schema" and r.code == code:
            return r.message.format(**fields)
    raise KeyError(f"no schema rule has the code {code!r}")


def allowed_text(enum: list[Any], shown: int = 20) -> str:
    """The ``allowed`` field of the ``not-in-enum`` template: the values, or for a long list
    (region or country codes) how many there are and the first few.

    >>> allowed_text(["FLO", "FXD"])
    'FLO, FXD'
    >>> allowed_text([f"C{i}" for i in range(30)], shown=3)
    'the 30 values C0, C1, C2, ... C29'
    """
    values = [str(v) for v in enum]
    if len(values) <= shown:
        return ", ".join(values)
    return f"the {len(values)} values {', '.join(values[:shown])}, ... {values[-1]}"


def range_fields(value: Any, limit: Any, unit: str | None, *, above: bool) -> dict[str, Any]:
    """The ``out-of-range`` template's fields for a value below a minimum or above a maximum.

    ``unit`` is the field's Table Schema ``unit`` (``None`` or ``"1"``: none shown).
    """
    return {
        "value": value,
        "limit": limit,
        "unit": f" {unit}" if unit and unit != "1" else "",
        "relation": "above the maximum" if above else "below the minimum",
    }

"""Jinja2 rendering of every text mbpack publishes.

Templates live in ``templates/`` (shipped in the wheel); a folder given as
``templates`` (``--templates DIR``) overrides any of them by name.  The
environment is sandboxed (workbook values are data, never template source,
and a template cannot reach Python internals) and strict: a value a template
needs but the context lacks raises :class:`~mbpack.errors.MissingMetadata`
naming the template, the value and, for workbook records, the
``sheet!field`` to fill.

Escaping follows the format of the output:

- XML and HTML templates (``*.xml.j2``, ``*.html.j2``) autoescape ``<&>"'``;
- JSON values go through Jinja's ``tojson`` (a JSON document, ``<>&'`` as
  ``\\u`` escapes);
- YAML scalars through ``yaml`` (a double-quoted, JSON-compatible scalar:
  colons, quotes and ``#`` stay data);
- BibTeX fields through ``bibtex`` (``\\{}%&$#_~^`` escaped).

:func:`neutralise` (with its inverse :func:`restore`) protects free text
written to CSV or XLSX against formula injection.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbpack.errors import MbpackError, MissingMetadata
from mbpack.schema import data_path

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Template file name endings that are autoescaped as XML/HTML.
ESCAPED_EXTENSIONS = ("xml", "xml.j2", "html", "html.j2")


class Record(dict[str, Any]):
    """A workbook record (one sheet row) in a template context.

    A plain :class:`dict` that knows its sheet, so that a template asking for
    a field the record lacks is told which ``sheet!field`` to fill.

    >>> Record("dataset", {"title": "T"}).sheet
    'dataset'
    """

    def __init__(self, sheet: str, values: dict[str, Any] | None = None) -> None:
        super().__init__(values or {})
        self._sheet = sheet

    @property
    def sheet(self) -> str:
        """The workbook sheet the record comes from."""
        return self._sheet


def _undefined_class() -> type:
    from jinja2 import StrictUndefined

    class MetadataUndefined(StrictUndefined):
        """StrictUndefined whose message names the ``sheet!field`` of a missing record field."""

        __slots__ = ()

        @property
        def _undefined_message(self) -> str:
            obj, name = self._undefined_obj, self._undefined_name
            if isinstance(obj, Record) and isinstance(name, str):
                return f"'{obj.sheet}' has no field '{name}' (fill {obj.sheet}!{name})"
            return str(StrictUndefined._undefined_message.fget(self))  # type: ignore[attr-defined]

    return MetadataUndefined


def _needs_quote(text: str) -> bool:
    if text.startswith(FORMULA_START):
        try:
            float(text)
        except ValueError:
            return True
        return False
    return text.startswith("'") and _needs_quote(text[1:])


def neutralise(text: Any) -> Any:
    """Free text made safe for a spreadsheet cell: a leading ``'`` before a formula start.

    Parameters
    ----------
    text
        A cell value.  Only strings are changed; numbers, and strings that
        read as numbers (``"-0.37"``, ``"+5"``), are returned as they are.

    Returns
    -------
    object
        ``text``, prefixed with ``'`` when it starts with ``=``, ``+``,
        ``-``, ``@``, a tab or a carriage return (or is such a text already
        prefixed with apostrophes, so that the mapping is injective).

    Notes
    -----
    OWASP's recommendation for CSV injection: prefix the cell with a single
    quote so that a spreadsheet shows it as text.  Because an existing
    prefixed text gets one more apostrophe, :func:`restore` undoes
    :func:`neutralise` exactly: ``restore(neutralise(t)) == t`` for every
    ``t``.

    References
    ----------
    OWASP, CSV Injection, https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> neutralise("=SUM(A1)"), neutralise("-0.37"), neutralise("plain"), neutralise(-1.5)
    ("'=SUM(A1)", '-0.37', 'plain', -1.5)
    >>> neutralise("'=1"), restore(neutralise("'=1"))
    ("''=1", "'=1")
    """
    if isinstance(text, str) and _needs_quote(text):
        return "'" + text
    return text


def restore(text: Any) -> Any:
    """The text :func:`neutralise` was given (inverse of :func:`neutralise`).

    >>> restore("'=SUM(A1)"), restore("'quoted"), restore("'-0.37")
    ('=SUM(A1)', "'quoted", "'-0.37")
    """
    if isinstance(text, str) and text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def m_we(value: Any, digits: int = 2) -> str:
    """A balance [kg m-2] written in m w.e. with ``digits`` decimals; empty when missing.

    Notes
    -----
    1 m w.e. = 1000 kg m-2 (Cogley et al. 2011, UNESCO IHP-VII TD 86).  The
    value is rounded in decimal, half away from zero, so that 155 kg m-2 is
    0.16 m w.e. (binary floating point would give 0.15).

    Examples
    --------
    >>> m_we(-370.0), m_we(155.0), m_we(-435.0), m_we(155.0, 3), m_we(None)
    ('-0.37', '0.16', '-0.44', '0.155', '')
    """
    if value is None or value != value:
        return ""
    exact = Decimal(repr(float(value))) / 1000
    return str(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def iso_date(value: Any) -> str:
    """A date (``date``, ``datetime``, pandas ``Timestamp`` or ISO text) as ``YYYY-MM-DD``.

    >>> iso_date(dt.datetime(2001, 9, 1, 12, 30)), iso_date("2001-09-01T00:00:00"), iso_date(None)
    ('2001-09-01', '2001-09-01', '')
    """
    if value is None or value != value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not a date: {value!r}")


def degrees(value: Any, hemispheres: str = "NS") -> str:
    """A latitude (``hemispheres="NS"``) or longitude (``"EW"``) [degrees] with its hemisphere.

    >>> degrees(43.731), degrees(-70.5, "EW"), degrees(None)
    ('43.731° N', '70.5° W', '')
    """
    if value is None or value != value:
        return ""
    text = f"{abs(float(value)):.6f}".rstrip("0").rstrip(".")
    return f"{text}° {hemispheres[0] if float(value) >= 0 else hemispheres[1]}"


def yaml_string(value: Any) -> str:
    """A YAML double-quoted scalar: JSON string syntax, with the characters YAML does not allow
    raw (outside its printable set) written as ``\\u`` escapes.

    Notes
    -----
    YAML 1.1/1.2 printable characters: tab, LF, CR, U+0020-U+007E, U+0085,
    U+00A0-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF; JSON already escapes the
    C0 controls.  U+0085, U+2028 and U+2029 are escaped too: YAML 1.1 folds
    them as line breaks.

    Examples
    --------
    >>> print(yaml_string('Title: "quoted" # not a comment'))
    "Title: \\"quoted\\" # not a comment"
    >>> print(yaml_string("del\x7f"))
    "del\\u007f"
    """
    text = json.dumps("" if value is None else str(value), ensure_ascii=False)
    return _YAML_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_YAML_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")

_BIBTEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
           "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip


def bibtex(value: Any) -> str:
    r"""Text escaped for a BibTeX field (``\{}%&$#_~^``).

    >>> print(bibtex("50% of {a}_b & c"))
    50\% of \{a\}\_b \& c
    """
    return re.sub(
        r"[\\{}%&$#_~^]", lambda m: _BIBTEX[m.group()], "" if value is None else str(value)
    )


def environment(templates: str | os.PathLike[str] | None = None) -> SandboxedEnvironment:
    """The sandboxed, strict Jinja2 environment.

    Parameters
    ----------
    templates
        A folder whose templates replace the shipped ones of the same name
        (searched first); the shipped ``templates/`` folder is searched next.

    Returns
    -------
    jinja2.sandbox.SandboxedEnvironment
        With the filters ``mwe``, ``isodate``, ``degrees``, ``yaml``, ``bibtex`` and
        ``neutralise`` (plus Jinja's ``tojson``).
    """
    from jinja2 import ChoiceLoader, FileSystemLoader, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    loaders = [FileSystemLoader(str(templates))] if templates else []
    loaders.append(FileSystemLoader(str(data_path("templates"))))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=_undefined_class(),
        autoescape=select_autoescape(enabled_extensions=ESCAPED_EXTENSIONS, default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        mwe=m_we,
        isodate=iso_date,
        degrees=degrees,
        yaml=yaml_string,
        bibtex=bibtex,
        neutralise=neutralise,
    )
    return env


def render(
    name: str, context: dict[str, Any], templates: str | os.PathLike[str] | None = None
) -> str:
    """Render template ``name`` with ``context``.

    Parameters
    ----------
    name
        Template file name, e.g. ``"datacite.xml.j2"``.
    context
        The values (see :func:`mbpack.metadata.metadata_context`).
    templates
        Override folder (see :func:`environment`).

    Raises
    ------
    MbpackError
        When no template of that name exists.
    MissingMetadata
        When the template uses a value the context does not have; the message
        names the template, the value and, for workbook records, the
        ``sheet!field`` to fill.
    """
    from jinja2 import TemplateNotFound, UndefinedError

    try:
        template = environment(templates).get_template(name)
    except TemplateNotFound:
        where = f"{templates} or the shipped templates" if templates else "the shipped templates"
        raise MbpackError(f"template {name} not found in {where}") from None
    try:
        return str(template.render(**context))
    except UndefinedError as exc:
        raise MissingMetadata(f"template {name}: {exc.message}") from None


def template_names(templates: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the shipped templates and of the overrides in ``templates``."""
    names = {p.name for p in Path(data_path("templates")).glob("*.j2")}
    if templates:
        names |= {p.name for p in Path(templates).glob("*.j2")}
    return sorted(names)

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
- BibTeX fields through ``bibtex`` (``\\{}%&$#_~^`` escaped);
- Markdown templates (``*.md.j2``) escape every value they print (:func:`markdown`): workbook
  text shows as typed, never as headings, links or raw HTML; a value that is Markdown made by
  mbpack is marked safe (``markupsafe.Markup``) and printed as it is;
- plain-text templates (``*.txt.j2``) print every value on one line (:func:`plain_line`).

:func:`neutralise` (with its inverse :func:`restore`) protects free text
written to CSV or XLSX against formula injection.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbpack.errors import MbpackError, MissingMetadata
from mbpack.escape import bibtex, markdown, neutralise, plain_line, yaml_string
from mbpack.workbook.schema import data_path

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

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


#: Longest text a template may make by repeating a string (``'A' * 10**10``) [characters].
MAX_TEXT = 10_000_000


def _loader(folder: str | os.PathLike[str]) -> Any:
    """A loader of regular files inside ``folder``: a symlinked template (``/etc/passwd``)
    or any other kind of file is not found."""
    from jinja2 import FileSystemLoader, TemplateNotFound

    class RegularFiles(FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> Any:
            root = Path(folder).resolve()
            path = Path(folder) / template
            if path.is_symlink() or (path.exists() and not path.is_file()):
                raise TemplateNotFound(template)
            if path.exists() and not path.resolve().is_relative_to(root):
                raise TemplateNotFound(template)
            return super().get_source(environment, template)

    return RegularFiles(str(folder))


def _sandbox() -> type:
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        """Immutable (``dataset.update()`` refused) and bounded: no string of more than
        :data:`MAX_TEXT` characters made by ``*``."""

        intercepted_binops = frozenset({"*"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "*":
                for text, times in ((left, right), (right, left)):
                    if (isinstance(text, (str, list)) and isinstance(times, int)
                            and len(text) * times > MAX_TEXT):  # fmt: skip
                        raise SecurityError(
                            f"the template makes a text of more than {MAX_TEXT} characters"
                        )
            return super().call_binop(context, operator, left, right)

    return Sandbox


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
    from jinja2 import ChoiceLoader, pass_context, select_autoescape
    from markupsafe import Markup

    @pass_context
    def finalize(context: Any, value: Any) -> Any:
        """Markdown and plain-text templates escape each printed value (autoescape's role)."""
        name = context.name or ""
        if isinstance(value, Markup) or not isinstance(value, str):
            return value
        if name.endswith((".md.j2", ".md")):
            return markdown(value)
        if name.endswith((".txt.j2", ".txt")):
            return plain_line(value)
        return value

    loaders = [_loader(templates)] if templates else []
    loaders.append(_loader(data_path("templates")))
    env = _sandbox()(
        loader=ChoiceLoader(loaders),
        undefined=_undefined_class(),
        autoescape=select_autoescape(enabled_extensions=ESCAPED_EXTENSIONS, default=False),
        keep_trailing_newline=True,
        finalize=finalize,
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
        The values (see :func:`mbpack.publish.metadata.metadata_context`).
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
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError

    try:
        template = environment(templates).get_template(name)
    except TemplateSyntaxError as exc:
        raise MbpackError(f"template {exc.name or name} line {exc.lineno}: {exc.message}") from None
    except TemplateNotFound:
        where = f"{templates} or the shipped templates" if templates else "the shipped templates"
        raise MbpackError(f"template {name} not found in {where}") from None
    try:
        return str(template.render(**context))
    except UndefinedError as exc:
        raise MissingMetadata(f"template {name}{_line(exc)}: {exc.message}") from None
    except Exception as exc:  # any error of a user's template: named, never a traceback
        raise MbpackError(f"template {name}{_line(exc)}: {type(exc).__name__}: {exc}") from None


def _line(exc: BaseException) -> str:
    """`` line N`` of the template frame the error came from (Jinja rewrites tracebacks)."""
    import traceback

    lineno = getattr(exc, "lineno", None)
    if lineno is None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        lineno = frames[-1].lineno if frames else None
    return f" line {lineno}" if lineno else ""

"""Jinja2 rendering of every text mbpack publishes.

Templates live in ``templates/`` (shipped in the wheel); a folder given as
``templates`` overrides any of them by name.  The environment is sandboxed
(workbook values are data, never template source) and strict: a value a
template needs but the context lacks raises
:class:`~mbpack.errors.MissingMetadata` naming the template and the value.
Escaping follows the format: XML templates (``*.xml.j2``) autoescape, JSON
goes through ``tojson``, YAML strings through ``yaml``, BibTeX through
``bibtex``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from mbpack.errors import MissingMetadata
from mbpack.schema import data_path

#: Characters that start a formula in a spreadsheet (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    if text.startswith(FORMULA_START):
        try:
            float(text)
            return False
        except ValueError:
            return True
    return text.startswith("'") and _needs_quote(text[1:])


def neutralise(text: Any) -> Any:
    """Free text made safe for a spreadsheet cell: a leading ``'`` before a formula start.

    Numbers are left alone; :func:`restore` undoes it exactly.

    >>> neutralise("=SUM(A1)"), neutralise("-0.37"), neutralise("plain")
    ("'=SUM(A1)", '-0.37', 'plain')
    >>> restore(neutralise("'=1")) == "'=1"
    True
    """
    if isinstance(text, str) and _needs_quote(text):
        return "'" + text
    return text


def restore(text: Any) -> Any:
    """The text :func:`neutralise` was given."""
    if isinstance(text, str) and text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def m_we(value: Any, digits: int = 2) -> str:
    """A balance in kg m-2 written in m w.e. (``-370`` → ``-0.37``).

    >>> m_we(-370.0)
    '-0.37'
    """
    if value is None or value != value:
        return ""
    return f"{float(value) / 1000.0:.{digits}f}"


def yaml_string(value: Any) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps("" if value is None else str(value), ensure_ascii=False)


_BIBTEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
           "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip


def bibtex(value: Any) -> str:
    r"""Text escaped for a BibTeX field.

    >>> bibtex("50% of {a}_b & c")
    '50\\% of \\{a\\}\\_b \\& c'
    """
    return re.sub(
        r"[\\{}%&$#_~^]", lambda m: _BIBTEX[m.group()], "" if value is None else str(value)
    )


def environment(templates: str | os.PathLike[str] | None = None) -> Any:
    """The sandboxed, strict Jinja2 environment (user templates first, then the shipped ones)."""
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    loaders = [FileSystemLoader(str(templates))] if templates else []
    loaders.append(FileSystemLoader(str(data_path("templates"))))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("xml", "xml.j2", "html", "html.j2"), default=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(mwe=m_we, yaml=yaml_string, bibtex=bibtex, neutralise=neutralise)
    return env


def render(
    name: str, context: dict[str, Any], templates: str | os.PathLike[str] | None = None
) -> str:
    """Render template ``name`` with ``context``.

    Raises
    ------
    MissingMetadata
        When the template uses a value the context does not have.
    """
    from jinja2 import UndefinedError

    try:
        return str(environment(templates).get_template(name).render(**context))
    except UndefinedError as exc:
        raise MissingMetadata(f"template {name}: {exc.message}") from None


def template_names(templates: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the shipped templates (and overrides)."""
    names = {p.name for p in Path(data_path("templates")).glob("*.j2")}
    if templates:
        names |= {p.name for p in Path(templates).glob("*.j2")}
    return sorted(names)

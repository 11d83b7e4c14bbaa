"""Escaping for every format text from a workbook lands in.

Spreadsheet cells (CSV and XLSX: :func:`neutralise`, :func:`restore`),
YAML (:func:`yaml_string`), BibTeX (:func:`bibtex`), Markdown
(:func:`markdown`), one-line plain text (:func:`plain_line`) and the terminal
(:func:`terminal`).  XML and HTML are escaped by Jinja2's autoescape
(:mod:`mbpack.publish.render`).
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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

# BibTeX counts braces even behind a backslash (``\}`` ends the field), so braces are written
# as commands that hold no brace of their own but a balanced ``{}``
_BIBTEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
           "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip


def bibtex(value: Any) -> str:
    r"""Text escaped for a BibTeX field (``\{}%&$#_~^``).

    >>> print(bibtex("50% of {a}_b & c"))
    50\% of \textbraceleft{}a\textbraceright{}\_b \& c
    """
    return re.sub(
        r"[\\{}%&$#_~^]", lambda m: _BIBTEX[m.group()], "" if value is None else str(value)
    )


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def terminal(text: Any) -> str:
    r"""Text safe to print on a terminal: control characters (escape sequences) shown as ``\xNN``.

    A stake id such as ``"\x1b[2J"`` would clear the user's screen; printed through this it
    reads ``\x1b[2J``.

    >>> print(terminal("B9\x1b[2J"))
    B9\x1b[2J
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", "" if text is None else str(text))


# CommonMark: any ASCII punctuation may be backslash-escaped; these start inline markup (code,
# emphasis, links and images, raw HTML and entities, table cells, strikethrough, GitHub math)
# (an underscore inside a word cannot emphasise: ``stake_readings`` stays as it is)
_MD_INLINE = re.compile(r"([\\`*\[\]<>#|~&$]|(?<![^\W_])_|_(?![^\W_]))")
# and these only at the start of a line: list items ("- ", "+ ", "1. ", "1) "), setext and
# thematic breaks ("===", "---"); indentation (a code block) is dropped
_MD_LINE_START = re.compile(r"^[ \t]*(?:([-+=])(?![\d.])|(\d{1,9})([.)])(?=\s|$))", re.MULTILINE)


def markdown(value: Any) -> str:
    r"""Text shown literally in Markdown (CommonMark and GitHub's): markup characters escaped.

    Workbook text such as ``<script>``, ``[x](javascript:…)``, ``**`` or a line starting with
    ``#`` (a heading) or ``- `` (a list) reads as the characters typed, not as markup.  Line
    breaks stay (a blank line is a paragraph break); the indentation of a line is dropped (four
    spaces would start a code block).  Numbers such as ``-0.37`` are unchanged.

    References
    ----------
    CommonMark Spec 0.31.2, "Backslash escapes", https://spec.commonmark.org/0.31.2/#backslash-escapes

    Examples
    --------
    >>> print(markdown("<img src=x onerror=alert(1)> *a*_b | [c](d)"))
    \<img src=x onerror=alert(1)\> \*a\*\_b \| \[c\](d)
    >>> print(markdown("stake_readings _x_"))
    stake_readings \_x\_
    >>> print(markdown("Intro\n# Heading\n- item\n  2. item\n-0.37"))
    Intro
    \# Heading
    \- item
    2\. item
    -0.37
    """
    text = "" if value is None else str(value)
    text = _CONTROL_BUT_NEWLINE.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _MD_INLINE.sub(r"\\\1", _MD_INDENT.sub("", text))
    return _MD_LINE_START.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text
    )


_MD_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def plain_line(value: Any) -> str:
    r"""Text for one line of plain text (a citation): line breaks and control characters as
    single spaces, so that workbook text cannot start a line of its own.

    >>> plain_line("Author\n\nTitle\x1b[2J\t end")
    'Author Title [2J end'
    """
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    return re.sub(r"  +", " ", text) if "  " in text else text

"""User templates (--templates) are sandboxed: immutable, bounded, regular files only, and
every error is "template FILE line N: ...", never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mbpack.errors import MbpackError, MissingMetadata
from mbpack.publish.render import Record, render


def _folder(tmp_path: Path, **templates: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    for name, text in templates.items():
        (folder / name).write_text(text)
    return folder


def test_a_symlinked_template_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    folder = _folder(tmp_path)
    os.symlink(secret, folder / "citation.txt.j2")
    with pytest.raises((MbpackError, MissingMetadata)) as caught:
        render("citation.txt.j2", {}, folder)
    assert "root:x" not in str(caught.value)  # the shipped template was used, not the link


def test_the_context_cannot_be_changed_by_a_template(tmp_path: Path) -> None:
    folder = _folder(tmp_path, **{"x.txt.j2": "{{ dataset.update({'title': 'PWNED'}) }}"})
    dataset = Record("dataset", {"title": "T"})
    with pytest.raises(MbpackError, match=r"template x.txt.j2 line 1: SecurityError"):
        render("x.txt.j2", {"dataset": dataset}, folder)
    assert dataset["title"] == "T"


def test_a_huge_string_is_refused_before_it_is_made(tmp_path: Path) -> None:
    folder = _folder(tmp_path, **{"x.txt.j2": "ok\n{{ 'A' * 10**10 }}"})
    with pytest.raises(MbpackError, match=r"template x.txt.j2 line 2: .*more than 10000000"):
        render("x.txt.j2", {}, folder)


@pytest.mark.parametrize(
    ("text", "where"),
    [("a\n{% if %}", "line 2"), ("{{ 1 / 0 }}", "line 1"), ("\n\n{{ title.nope() }}", "line 3")],
)
def test_template_errors_name_file_and_line(tmp_path: Path, text: str, where: str) -> None:
    folder = _folder(tmp_path, **{"x.txt.j2": text})
    with pytest.raises((MbpackError, MissingMetadata)) as caught:
        render("x.txt.j2", {"title": "T"}, folder)
    assert str(caught.value).startswith("template x.txt.j2 " + where), caught.value

"""The Jinja2 environment: sandbox, strict undefined values, overrides, escaping filters, neutralise."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mbpack.errors import MbpackError, MissingMetadata
from mbpack.escape import FORMULA_START, bibtex, neutralise, restore, yaml_string
from mbpack.publish.render import Record, degrees, environment, iso_date, m_we, render
from mbpack.workbook.schema import data_path

SHIPPED = [
    "CITATION.cff.j2", "citation.bib.j2", "citation.txt.j2", "datacite.xml.j2", "description.md.j2",
    "description.zh.md.j2", "citation.biblatex.bib.j2", "report.md.j2", "schemaorg.jsonld.j2",
]  # fmt: skip


def template_names(folder: Path | None = None) -> list[str]:
    """Template files the environment can find: the shipped ones and those in ``folder``."""
    folders = [data_path("templates"), *([folder] if folder else [])]
    return sorted({p.name for f in folders for p in Path(f).glob("*.j2")})


def test_shipped_templates_are_found() -> None:
    names = template_names()
    assert set(SHIPPED) <= set(names)
    assert all((data_path("templates") / n).is_file() for n in SHIPPED)


# --- formula injection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # already prefixed text gets one more, so restore is exact
        ("-0.37", "-0.37"),  # a number written as text is not touched
        ("+5", "+5"),
        ("-1e3", "-1e3"),
        ("plain text", "plain text"),
        ("'quoted'", "'quoted'"),
        ("", ""),
    ],
)
def test_neutralise(text: str, safe: str) -> None:
    assert neutralise(text) == safe
    assert restore(safe) == text


@pytest.mark.parametrize("value", [-1.5, 0, 42, None, True])
def test_neutralise_leaves_non_text_alone(value: object) -> None:
    assert neutralise(value) is value


@given(st.text())
def test_neutralise_is_safe_and_restore_inverts_it(text: str) -> None:
    safe = neutralise(text)
    assert restore(safe) == text
    if safe.startswith(FORMULA_START):  # only text that reads as a number may still start so
        float(safe)


# --- filters ---------------------------------------------------------------------------------


def test_unit_and_date_filters() -> None:
    assert [m_we(v) for v in (-370.0, 155.0, -435.0, 0.0, 1234.5)] == [
        "-0.37", "0.16", "-0.44", "0.00", "1.23"]  # fmt: skip
    assert m_we(float("nan")) == "" and m_we(-5.0, 3) == "-0.005"
    assert iso_date(dt.date(2001, 9, 1)) == "2001-09-01"
    assert iso_date("2001-09-01 13:00") == "2001-09-01"
    with pytest.raises(TypeError, match="not a date"):
        iso_date(20010901)
    assert degrees(-43.5) == "43.5° S" and degrees(84.391, "EW") == "84.391° E"


@given(st.text())
def test_yaml_filter_round_trips_any_text(text: str) -> None:
    assert yaml.safe_load(f"title: {yaml_string(text)}") == {"title": text}


def test_bibtex_filter() -> None:
    assert bibtex(r"{a}%&_$#~^\ b") == (
        r"\textbraceleft{}a\textbraceright{}\%\&\_\$\#\textasciitilde{}\textasciicircum{}\textbackslash{} b"
    )
    assert bibtex(None) == ""


@given(st.text())
def test_any_text_stays_inside_its_bibtex_field(text: str) -> None:
    """pybtex (a real BibTeX parser) reads one entry with exactly the fields written, whatever
    the text: no brace, comma or quote of the workbook can close the field or add one."""
    from pybtex.database import parse_string

    source = f"@misc{{key,\n  title = {{{bibtex(text)}}},\n  year = {{2024}},\n}}\n"
    (entry,) = parse_string(source, "bibtex").entries.values()
    assert set(entry.fields) == {"title", "year"} and entry.fields["year"] == "2024"


# --- environment -----------------------------------------------------------------------------


def _folder(tmp_path: Path, **templates: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    for name, text in templates.items():
        (folder / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return folder


def test_workbook_values_are_data_never_template_source(tmp_path: Path) -> None:
    folder = _folder(tmp_path, t__md__j2="{{ title }}|{{ remarks }}")
    out = render("t.md.j2", {"title": "{{ 7*7 }}", "remarks": "{% raw %}{{ x.__class__ }}"}, folder)
    # printed as typed (not 49, not a class), with Markdown's "*" and "_" escaped
    assert out == "{{ 7\\*7 }}|{% raw %}{{ x.\\_\\_class\\_\\_ }}"


def test_sandbox_blocks_python_internals(tmp_path: Path) -> None:
    folder = _folder(tmp_path, evil__md__j2="{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(MbpackError, match=r"^template evil\.md\.j2 line 1: SecurityError"):
        render("evil.md.j2", {}, folder)


def test_missing_value_names_template_and_field(tmp_path: Path) -> None:
    folder = _folder(tmp_path, a__md__j2="{{ funder }}", b__md__j2="{{ dataset.funder }}")
    with pytest.raises(
        MissingMetadata, match=r"^template a\.md\.j2 line 1: 'funder' is undefined$"
    ):
        render("a.md.j2", {}, folder)
    with pytest.raises(MissingMetadata) as exc:
        render("b.md.j2", {"dataset": Record("dataset", {"title": "T"})}, folder)
    assert (
        str(exc.value)
        == "template b.md.j2 line 1: 'dataset' has no field 'funder' (fill dataset!funder)"
    )


def test_missing_value_in_a_test_or_loop_is_an_error_too(tmp_path: Path) -> None:
    folder = _folder(tmp_path, c__md__j2="{% if glacier.wgms %}x{% endif %}")
    with pytest.raises(MissingMetadata, match=r"fill glacier!wgms"):
        render("c.md.j2", {"glacier": Record("glacier")}, folder)


def test_unknown_template(tmp_path: Path) -> None:
    with pytest.raises(MbpackError, match=r"template nothing\.j2 not found"):
        render("nothing.j2", {}, tmp_path)


def test_override_replaces_one_template_only(tmp_path: Path) -> None:
    folder = _folder(tmp_path, citation__txt__j2="{{ title }} ({{ year }})\n")
    assert render("citation.txt.j2", {"title": "T", "year": 2024}, folder) == "T (2024)\n"
    assert "citation.txt.j2" in template_names(folder)
    # the others still come from the shipped folder
    shipped = environment(folder).get_template("citation.bib.j2").filename
    assert shipped is not None and Path(shipped).parent == data_path("templates")
    overridden = environment(folder).get_template("citation.txt.j2").filename
    assert overridden is not None and Path(overridden).parent == folder


def test_autoescape_follows_the_format(tmp_path: Path) -> None:
    text = "<a> & \"b\" 'c'"
    folder = _folder(
        tmp_path,
        t__xml__j2="<t>{{ v }}</t>",
        t__html__j2="<p>{{ v }}</p>",
        t__md__j2="{{ v }}",
        t__json__j2="{{ v | tojson }}",
        t__cff__j2="v: {{ v | yaml }}",
    )
    assert (
        render("t.xml.j2", {"v": text}, folder) == "<t>&lt;a&gt; &amp; &#34;b&#34; &#39;c&#39;</t>"
    )
    assert render("t.html.j2", {"v": text}, folder).startswith("<p>&lt;a&gt;")
    assert render("t.md.j2", {"v": text}, folder) == "\\<a\\> \\& \"b\" 'c'"  # CommonMark escapes
    assert json.loads(render("t.json.j2", {"v": text}, folder)) == text
    assert yaml.safe_load(render("t.cff.j2", {"v": text}, folder)) == {"v": text}


def test_record_is_a_dict() -> None:
    r = Record("glacier", {"name": "G"})
    assert r == {"name": "G"} and r.sheet == "glacier"
    assert json.dumps(r) == '{"name": "G"}'

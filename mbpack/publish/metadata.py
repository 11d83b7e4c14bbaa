"""What the published metadata says, gathered once from the workbook and the results.

:func:`metadata_context` builds the values every template uses — the
dataset's own words (title, description, processing method, quality) and
the facts measured from the data (time span, altitude range, extent, file
sizes, results) — so that no fact is typed twice.  :func:`missing` says, per
target, which workbook fields a target needs and lacks (``sheet!field``).
The renderers (:func:`datacite_xml`, :func:`schemaorg_jsonld`,
:func:`citation_cff`, :func:`description_md`, :func:`citation_txt`,
:func:`citation_bib`, :func:`biblatex_bib`, :func:`description_zh_md`,
:func:`report_md`) check that first and then fill the template of the same
name.  The DataCite XML is checked in the tests against the official 4.5 XSD.

Notes
-----
DataCite requires an identifier.  Without ``dataset!doi`` the DataCite
renderers raise :class:`~mbpack.errors.MissingMetadata` naming it, unless
``allow_missing_doi=True``: then the record carries a DOI under DataCite's
former public test prefix ``10.5072`` (:data:`TEST_DOI_PREFIX`, never
resolvable, reserved for tests), ``10.5072/mbpack.<dataset name>``, so that a
draft can be validated and previewed; the repository replaces it with the DOI
it registers.

References
----------
DataCite Metadata Working Group (2024). DataCite Metadata Schema
Documentation for the Publication and Citation of Research Data and Other
Research Outputs, version 4.5. https://doi.org/10.14454/g8e5-6293

Druskat, S. et al. (2021). Citation File Format (1.2.0).
https://doi.org/10.5281/zenodo.5171937
"""

from __future__ import annotations

import math
import os
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from mbpack import __version__
from mbpack.errors import MbpackError, MissingMetadata
from mbpack.publish.render import Record, render
from mbpack.workbook.model import Workbook
from mbpack.workbook.schema import field_names

if TYPE_CHECKING:
    from mbpack.balance.compute import Results
    from mbpack.issues import Report


#: SPDX licence identifiers → licence deeds (https://spdx.org/licenses/).
LICENCES: dict[str, str] = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "CC-BY-NC-SA-4.0": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
    "ODC-By-1.0": "https://opendatacommons.org/licenses/by/1-0/",
}

#: DataCite's former public test prefix (DOIs under it never resolve); see the module notes.
TEST_DOI_PREFIX = "10.5072"

#: What synthetic data say of themselves wherever the dataset is described or cited.
SYNTHETIC_NOTE = "These are synthetic demonstration data, not observations."

#: The same in Chinese (the Chinese description and citation).
SYNTHETIC_NOTE_ZH = "本数据为合成的演示数据，并非观测数据。"

#: Media types of the files a package holds, by file name ending.
MEDIA_TYPES: dict[str, str] = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".xml": "application/xml",
    ".cff": "application/yaml",
    ".md": "text/markdown",
    ".bib": "application/x-bibtex",
    ".html": "text/html",
    ".txt": "text/plain",
}

#: Formats named when no file list is given (the data package: CSV tables, JSON descriptor).
DEFAULT_FORMATS = ("text/csv", "application/json")


def doi_url(doi: str) -> str:
    """The resolver URL of a DOI, percent-encoded as the DOI Handbook asks (section 2.5.2.4):
    ``{``, ``}``, spaces and the like cannot break out of a BibTeX, Markdown or XML field.

    >>> doi_url("10.5072/x},title={PWNED")
    'https://doi.org/10.5072/x%7D%2Ctitle%3D%7BPWNED'
    """
    from urllib.parse import quote

    return "https://doi.org/" + quote(doi, safe="/;()._-<>[]:")


def media_type(path: str) -> str:
    """The media type of a published file, from its name.

    >>> media_type("data/stakes.csv"), media_type("metadata/schemaorg.jsonld"), media_type("x.dat")
    ('text/csv', 'application/ld+json', 'application/octet-stream')
    """
    for ending, kind in MEDIA_TYPES.items():
        if path.endswith(ending):
            return kind
    return "application/octet-stream"


#: Fields each publishing target needs: (sheet, field, why).
REQUIRED: dict[str, list[tuple[str, str, str]]] = {
    "datacite": [("dataset", "title", "Title"), ("dataset", "publisher", "Publisher"),
                 ("dataset", "publication_year", "PublicationYear"), ("authors", "name", "Creator"),
                 ("dataset", "doi", "Identifier (the DOI the repository reserved)"),
                 ("dataset", "licence", "Rights")],
    "schemaorg": [("dataset", "title", "name"), ("dataset", "description", "description")],
    "cff": [("dataset", "title", "title"), ("authors", "name", "authors")],
    "citation": [("dataset", "title", "title"), ("authors", "name", "authors"),
                 ("dataset", "publisher", "repository"), ("dataset", "publication_year", "year")],
    "description": [("dataset", "title", "title")],
    "report": [],
}  # fmt: skip


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def person(name: str, affiliation: Any = None, orcid: Any = None) -> Record:
    """An author: ``Family, Given`` is a person, anything else an organisation.

    >>> a = person("Zhang, Hui", "CAS", "0000-0002-1825-0097")
    >>> a["kind"], a["family"], a["given"]
    ('Personal', 'Zhang', 'Hui')
    >>> person("WGMS")["kind"]
    'Organizational'
    """
    family, _, given = (part.strip() for part in name.partition(","))
    kind = "Personal" if given else "Organizational"
    return Record("authors", {"name": name, "family": family if given else None, "given": given or None,
                              "kind": kind, "affiliation": _clean(affiliation), "orcid": _clean(orcid)})  # fmt: skip


def human_size(size: int) -> str:
    """Bytes as people write them (binary multiples).

    >>> human_size(913), human_size(1536), human_size(3 * 1024**2)
    ('913 B', '1.5 KB', '3.0 MB')
    """
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"  # pragma: no cover


def apa_names(authors: list[Record]) -> str:
    """Authors as APA 7 lists them: ``Family, G. I.``, groups as written, ``&`` before the last.

    >>> apa_names([person("Person, Ada Maria"), person("Second, B."), person("GLAMOS")])
    'Person, A. M., Second, B., & GLAMOS'
    >>> apa_names([person("Person, Ada")])
    'Person, A.'
    """
    names = []
    for a in authors:
        if a["kind"] == "Personal":
            initials = " ".join(f"{part[0]}." for part in re.split(r"[\s.]+", a["given"]) if part)
            names.append(f"{a['family']}, {initials}")
        else:
            names.append(a["name"])
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _says_synthetic(text: Any) -> bool:
    return isinstance(text, str) and "synthetic" in text.lower()


def _plain(text: str | None, synthetic: bool, note: str = SYNTHETIC_NOTE) -> str | None:
    """``text`` with ``note`` appended for synthetic data that do not say so (empty stays empty)."""
    if not synthetic or _says_synthetic(text) or (text and "合成" in text):
        return text
    if note == SYNTHETIC_NOTE_ZH:
        return f"{text}{note}" if text else None
    return f"{text} {note}" if text else note


def _key(text: str) -> str:
    """Lower-case ASCII letters and digits joined by ``_`` (a BibTeX key); accents are dropped,
    other scripts left out.

    >>> _key("Haxilegen Glacier No. 51"), _key("Ürümqi 乌鲁木齐 No.1"), _key("哈希勒根51号冰川")
    ('haxilegen_glacier_no_51', 'urumqi_no_1', '51')
    """
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_") or "dataset"


#: DataCite relation types a reference may name before a colon (``IsSupplementTo: Zhang et al. ...``).
RELATIONS = ("IsSupplementTo", "IsDocumentedBy", "References", "IsDerivedFrom", "IsCitedBy")

#: The relation of a reference that names none: the dataset cites the paper.
DEFAULT_RELATION = "References"

_DOI = re.compile(r"10\.\d{4,9}/[^\s;,]*[^\s;,.)]")


def references(text: Any) -> list[dict[str, Any]]:
    """Literature references (``glacier!references``) with their DOI and DataCite relation.

    Parameters
    ----------
    text
        References separated by semicolons; each may start with a DataCite
        relation type and a colon (one of :data:`RELATIONS`; otherwise
        :data:`DEFAULT_RELATION`).

    Returns
    -------
    list of dict
        ``text`` (as written, without the relation), ``doi`` (``None`` when
        the reference has none), ``doi_url`` and ``relation``.

    Examples
    --------
    >>> r = references("Zhang et al. 2018, J. Glaciol. 64, 689-699, doi:10.1017/jog.2018.58; "
    ...                "IsDocumentedBy: Manual (2011)")
    >>> [(x["doi"], x["relation"]) for x in r]
    [('10.1017/jog.2018.58', 'References'), (None, 'IsDocumentedBy')]
    >>> r[1]["text"]
    'Manual (2011)'
    """
    out = []
    for part in str(text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        head, colon, rest = part.partition(":")
        relation = head.strip() if colon and head.strip() in RELATIONS else DEFAULT_RELATION
        if relation != DEFAULT_RELATION or head.strip() == DEFAULT_RELATION:
            part = rest.strip()
        found = _DOI.search(part)
        doi = found.group() if found else None
        out.append({"text": part, "doi": doi, "doi_url": doi_url(doi) if doi else None,
                    "relation": relation})  # fmt: skip
    return out


def funding(text: Any) -> list[dict[str, Any]]:
    """Funders (``dataset!funding``): ``Funder: award number`` entries separated by semicolons.

    >>> funding("National Natural Science Foundation of China: 41471058; CAS")
    [{'funder': 'National Natural Science Foundation of China', 'award': '41471058'}, {'funder': 'CAS', 'award': None}]
    """
    out = []
    for part in str(text or "").split(";"):
        funder, _, award = (p.strip() for p in part.partition(":"))
        if funder:
            out.append({"funder": funder, "award": award or None})
    return out


#: Dataset fields with a Chinese counterpart ``<field>_zh`` (keywords separated by semicolons).
BILINGUAL = ("title", "description", "data_source", "processing_method", "quality", "keywords")

#: Variables of the glacier-wide results described in schema.org ``variableMeasured``.
VARIABLES = ("winter_balance", "summer_balance", "annual_balance", "annual_balance_unc", "ela",
             "aar", "area")  # fmt: skip


def base_url(url: str | None) -> str | None:
    """The base URL of a published folder, ending in ``/`` (``None`` stays ``None``).

    >>> base_url("https://data.example.org/mb51"), base_url(None)
    ('https://data.example.org/mb51/', None)

    Raises
    ------
    MbpackError
        When ``url`` is not an absolute ``http://`` or ``https://`` URL.
    """
    if url is None:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise MbpackError(f"--base-url {url!r}: not an absolute http:// or https:// URL")
    return url if url.endswith("/") else url + "/"


def _keywords(text: Any) -> list[str]:
    return [k.strip() for k in str(text or "").split(";") if k.strip()]


def ucum(unit: str | None) -> str | None:
    """A schema unit (``kg m-2``, ``km2``, ``1``) in UCUM's case-sensitive syntax.

    Products are joined with ``.``; a dimensionless ratio is ``{ratio}`` (UCUM's
    unity with an annotation) rather than a bare ``1``.

    >>> ucum("kg m-2"), ucum("km2"), ucum("1"), ucum(None)
    ('kg.m-2', 'km2', '{ratio}', None)

    References
    ----------
    Schadow, G. and McDonald, C. J. The Unified Code for Units of Measure,
    https://ucum.org/ucum (sections 2.2 and 2.5: products, annotations).
    """
    if unit is None:
        return None
    if unit.strip() == "1":
        return "{ratio}"
    return ".".join(unit.split())


#: UN/CEFACT common codes (schema.org ``unitCode``) of the UCUM units used.
UNCEFACT: dict[str, str] = {"kg.m-2": "28", "m": "MTR", "km2": "KMK", "{ratio}": "C62"}


def _variables() -> list[dict[str, Any]]:
    from mbpack.workbook.schema import field

    out = []
    for name in VARIABLES:
        f = field("glacier_balance", name)
        unit = ucum(f.get("unit"))
        out.append({"name": name, "description": f.get("description"), "unit": unit,
                    "unit_code": UNCEFACT.get(unit or "")})  # fmt: skip
    return out


def resolution(workbook: Workbook) -> dict[str, dict[str, str]]:
    """Temporal and spatial resolution as a data centre states it, in English and Chinese.

    Temporal: annual balance years, with winter and summer balances when the workbook has
    winter readings (``balance_years!winter_end_date``).  Spatial: the numbers of stakes, snow
    pits and probe points and the width of the hypsometry's altitude bands [m] (the median).

    Returns
    -------
    dict
        ``temporal`` and ``spatial``, each ``{"en": ..., "zh": ...}``.
    """
    seasonal = workbook["balance_years"]["winter_end_date"].notna().any()
    temporal = ({"en": "balance year, with winter and summer balances", "zh": "物质平衡年，含冬季和夏季平衡"}
                if seasonal else {"en": "balance year", "zh": "物质平衡年"})  # fmt: skip
    en, zh = [], []
    for sheet, key, word_en, word_zh in (("stakes", "stake_id", "ablation stakes", "根花杆"),
                                         ("snow_pits", "pit_id", "snow pits", "个雪坑"),
                                         ("probes", "probe_id", "probe points", "个测深点")):  # fmt: skip
        frame = workbook[sheet]
        n = frame[key].nunique() if key in frame else len(frame)
        if n:
            en.append(f"{n} {word_en}")
            zh.append(f"{n} {word_zh}")
    hyps = workbook["hypsometry"].dropna(subset=["lower_elevation", "upper_elevation"])
    if len(hyps):
        width = float((hyps["upper_elevation"] - hyps["lower_elevation"]).median())
        en.append(f"altitude bands of {width:g} m")
        zh.append(f"{width:g} m 高程带")
    spatial = {"en": ", ".join(en) or "unknown", "zh": "，".join(zh) or "未知"}
    return {"temporal": temporal, "spatial": spatial}


#: What each kind of observation or result method is called in ``measurementTechnique``.
TECHNIQUES = {"stake_readings": "ablation-stake readings", "snow_pits": "snow pits (depth and density)",
              "probes": "snow-depth probing", "band": "altitude-band method (glacier-wide balance)",
              "contour": "contour-line method (glacier-wide balance)"}  # fmt: skip


def _techniques(workbook: Workbook, results: list[Record]) -> list[str]:
    """The glaciological method and what the workbook holds, for schema.org."""
    out = ["glaciological method (in-situ mass-balance measurements)"]
    out += [TECHNIQUES[s] for s in ("stake_readings", "snow_pits", "probes") if len(workbook[s])]
    methods = {r["method"] for r in results}
    out += [TECHNIQUES[m] for m in ("band", "contour") if m in methods]
    return out


def _result_rows(frame: Any) -> list[Record]:
    """Rows of a glacier-wide results table with every ``glacier_balance`` field (``None`` if absent)."""
    keys = field_names("glacier_balance")
    rows = []
    for raw in frame.to_dict("records"):
        row = {k: None for k in keys} | {str(k): _clean(v) for k, v in raw.items()}
        rows.append(Record("glacier_balance", row))
    return rows


def metadata_context(
    workbook: Workbook,
    results: Results | None = None,
    files: dict[str, int] | None = None,
    *,
    report: Report | None = None,
) -> dict[str, Any]:
    """The values of the metadata templates: workbook fields plus measured facts.

    Parameters
    ----------
    workbook
        The observation workbook.
    results
        Computed results (:class:`mbpack.balance.compute.Results` or any object with a
        ``glacier_balance`` DataFrame: year, method, winter_balance,
        summer_balance, annual_balance [kg m-2], ela [m], aar [1]; a
        ``series`` DataFrame is used when present).
    files
        Published file name → size [bytes], as measured on disk.
    report
        The validation :class:`mbpack.issues.Report`, summarised as
        ``validation``.

    Returns
    -------
    dict
        ``glacier`` and ``dataset`` (records of the key-value sheets),
        ``authors``, ``title``, ``year``, ``doi``, ``doi_url``, ``licence``,
        ``licence_url``, ``keywords``, ``synthetic``, ``synthetic_note``, ``citation_authors`` (names as written, ``;``-separated), ``apa_authors``, ``bibkey``, ``abstract`` (the
        description, saying so when the data are synthetic), ``time``
        (``begin``/``end`` dates of the balance years and readings,
        ``first_year``/``last_year``), ``altitude`` (``min``/``max`` [m a.s.l.]
        of stakes, surface grid and the glacier record; hypsometry band
        limits when none of them is known), ``box`` (``south``, ``north``,
        ``west``, ``east`` [degrees] of the glacier point and the located
        stakes, pits and probes), ``crs``, ``files`` (``path``, ``bytes``, ``size``, ``mediatype``),
        ``total_size``, ``formats`` (media types of the files), ``results`` (the
        computed glacier-wide rows; the workbook's reported rows when nothing was
        computed, ``results_are_reported`` then true), ``series``, ``validation``,
        ``generator``, ``lang`` (language of the main text), ``zh`` (the Chinese
        fields), ``references``, ``funding``, ``variables``, ``techniques``,
        ``base_url`` and ``lacking`` (target → missing ``sheet!field``).
    """
    glacier = Record("glacier", {k: _clean(v) for k, v in workbook.record("glacier").items()})
    dataset = Record("dataset", {k: _clean(v) for k, v in workbook.record("dataset").items()})
    authors = [
        person(r.name, r.affiliation, r.orcid)
        for r in workbook["authors"].itertuples()
        if isinstance(r.name, str) and r.name.strip()
    ]
    years = workbook["balance_years"].dropna(subset=["begin_date", "end_date"])
    dates = [d for d in (years["begin_date"].min(), years["end_date"].max()) if pd.notna(d)]
    readings = workbook["stake_readings"]["date"].dropna()
    if len(readings):
        dates = [min([*dates, readings.min()]), max([*dates, readings.max()])]
    # measured elevations (stakes, grid) and the glacier's own range; band edges only when
    # nothing else is known
    elevations = pd.concat(
        [
            workbook[s][c].dropna()
            for s, c in (("stakes", "elevation"), ("surface_grid", "elevation"))
        ]
    )
    if glacier.get("min_elevation") is not None and glacier.get("max_elevation") is not None:
        elevations = pd.concat(
            [elevations, pd.Series([glacier["min_elevation"], glacier["max_elevation"]])]
        )
    if elevations.empty:
        hyps = workbook["hypsometry"]
        elevations = pd.concat([hyps["lower_elevation"].dropna(), hyps["upper_elevation"].dropna()])
    located = ("stakes", "snow_pits", "probes")
    lat = pd.concat([workbook[s]["latitude"].dropna() for s in located])
    lon = pd.concat([workbook[s]["longitude"].dropna() for s in located])
    if glacier.get("latitude") is not None and glacier.get("longitude") is not None:
        lat = pd.concat([lat, pd.Series([glacier["latitude"]])])
        lon = pd.concat([lon, pd.Series([glacier["longitude"]])])
    licence = dataset.get("licence")
    doi = dataset.get("doi")
    keywords = _keywords(dataset.get("keywords"))
    lang = str(dataset.get("language") or "en")
    zh = {name: dataset.get(f"{name}_zh") for name in BILINGUAL}
    zh["keywords"] = _keywords(zh["keywords"])
    zh["abstract"] = _plain(zh["description"], bool(dataset.get("synthetic")), SYNTHETIC_NOTE_ZH)
    results_rows: list[Record] = []
    series_rows: list[Record] = []
    if results is not None:
        results_rows = _result_rows(results.glacier_balance)
        series = getattr(results, "series", None)
        if series is not None:
            series_rows = [
                Record("series", {str(k): _clean(v) for k, v in r.items()})
                for r in series.to_dict("records")
            ]
    reported = workbook["glacier_balance"]
    results_are_reported = not results_rows and not reported.empty
    if results_are_reported:  # nothing recomputed: the workbook's own glacier-wide values
        results_rows = _result_rows(reported.assign(method=reported["method"].fillna("reported")))
    file_list = [
        {"path": p, "bytes": n, "size": human_size(n), "mediatype": media_type(p)}
        for p, n in sorted((files or {}).items())
    ]
    total = sum(n for n in (files or {}).values())
    synthetic = bool(dataset.get("synthetic"))
    out: dict[str, Any] = {
        "generator": f"mbpack {__version__}",
        "glacier": glacier,
        "dataset": dataset,
        "authors": authors,
        "title": dataset.get("title"),
        "year": dataset.get("publication_year"),
        "doi": doi,
        "doi_url": doi_url(doi) if doi else None,
        "licence": licence,
        "licence_url": LICENCES.get(str(licence)) if licence else None,
        "keywords": keywords,
        "synthetic": synthetic,
        "synthetic_note": SYNTHETIC_NOTE,
        "synthetic_note_zh": SYNTHETIC_NOTE_ZH,
        "citation_authors": "; ".join(a["name"] for a in authors),
        "apa_authors": apa_names(authors),
        "bibkey": f"{_key(glacier.get('name') or 'dataset')}_{dataset.get('publication_year')}",
        "abstract": _plain(dataset.get("description"), synthetic),
        "time": {"begin": pd.Timestamp(dates[0]).date().isoformat() if dates else None,
                 "end": pd.Timestamp(dates[-1]).date().isoformat() if dates else None,
                 "first_year": int(years["year"].min()) if len(years) else None,
                 "last_year": int(years["year"].max()) if len(years) else None},
        "altitude": {"min": float(elevations.min()) if len(elevations) else None,
                     "max": float(elevations.max()) if len(elevations) else None},
        "box": {"south": float(lat.min()), "north": float(lat.max()), "west": float(lon.min()),
                "east": float(lon.max())} if len(lat) else None,
        "crs": glacier.get("crs") or "EPSG:4326",
        "files": file_list,
        "total_size": human_size(total) if files else None,
        "formats": sorted({f["mediatype"] for f in file_list}) or list(DEFAULT_FORMATS),
        "results": results_rows,
        "results_are_reported": results_are_reported,
        "series": series_rows,
        "validation": _validation(report),
        "lang": lang,
        "zh": zh,
        "references": references(glacier.get("references")),
        "funding": funding(dataset.get("funding")),
        "variables": _variables(),
        "techniques": _techniques(workbook, results_rows),
        "resolution": resolution(workbook),
        "publisher_zh": dataset.get("publisher_zh") or dataset.get("publisher"),
        "base_url": None,
    }  # fmt: skip
    out["lacking"] = {t: m for t in REQUIRED if (m := missing(t, out))}
    return out


def context(
    workbook: Workbook,
    results: Results | None = None,
    report: Report | None = None,
    files: dict[str, int] | None = None,
) -> dict[str, Any]:
    """:func:`metadata_context` with the report as third positional argument (older callers)."""
    return metadata_context(workbook, results, files, report=report)


def _validation(report: Report | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {"errors": report.errors, "warnings": report.warnings,
            "issues": [i.as_dict() for i in report.sorted_issues()[:20]],
            "rows": sum(s.rows for s in report.sheets.values())}  # fmt: skip


def missing(target: str, ctx: dict[str, Any]) -> list[str]:
    """What ``target`` needs and the workbook lacks, as ``sheet!field (what it is for)``."""
    out = []
    for sheet, field, why in REQUIRED[target]:
        if sheet == "authors":
            present = bool(ctx["authors"])
        else:
            present = ctx[sheet].get(field) not in (None, "")
        if not present:
            out.append(f"{sheet}!{field} ({why})")
    return out


def _require(target: str, ctx: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    lacking = [m for m in missing(target, ctx) if not m.startswith(skip)]
    if lacking:
        raise MissingMetadata(f"{target}: fill {', '.join(lacking)}")


def _with_test_doi(ctx: dict[str, Any]) -> dict[str, Any]:
    """``ctx`` with a DOI under :data:`TEST_DOI_PREFIX` when it has none."""
    if ctx["doi"]:
        return ctx
    from mbpack.formats.datapackage import slug

    doi = f"{TEST_DOI_PREFIX}/mbpack.{slug(str(ctx['glacier'].get('name') or ctx['title']))}"
    return ctx | {"doi": doi, "doi_url": doi_url(doi)}


def datacite_xml(
    ctx: dict[str, Any],
    templates: str | os.PathLike[str] | None = None,
    *,
    allow_missing_doi: bool = False,
) -> str:
    """DataCite Metadata Schema 4.5 XML (``datacite.xml.j2``).

    Mandatory properties (Identifier, Creator with ORCID and affiliation,
    Title, Publisher, PublicationYear, ResourceType Dataset) and the
    recommended ones the workbook knows: subjects (keywords), dates
    (Collected: the measured span), language, rights (SPDX), descriptions
    (Abstract, Methods, TechnicalInfo), geoLocations (glacier point and the
    box of the located data), sizes, formats, version.

    Raises
    ------
    MissingMetadata
        Naming each missing ``sheet!field`` (``dataset!doi`` unless
        ``allow_missing_doi``; see the module notes).
    """
    _require("datacite", ctx, ("dataset!doi",) if allow_missing_doi else ())
    ctx = _with_test_doi(ctx) if allow_missing_doi else ctx
    return render("datacite.xml.j2", ctx, templates)


def schemaorg_jsonld(ctx: dict[str, Any], templates: str | os.PathLike[str] | None = None) -> str:
    """schema.org ``Dataset`` as JSON-LD (``schemaorg.jsonld.j2``), as search engines read it."""
    _require("schemaorg", ctx)
    return render("schemaorg.jsonld.j2", ctx, templates)


def citation_cff(ctx: dict[str, Any], templates: str | os.PathLike[str] | None = None) -> str:
    """``CITATION.cff`` (Citation File Format 1.2.0, ``type: dataset``)."""
    _require("cff", ctx)
    return render("CITATION.cff.j2", ctx, templates)


def description_md(ctx: dict[str, Any], templates: str | os.PathLike[str] | None = None) -> str:
    """The repository description (``description.md.j2``) in TPDC's section order.

    "Dataset description", "Data source", "Processing method", "Data quality"
    from the dataset's own text; "Base information" (time, place, altitude,
    coverage box, temporal and spatial resolution, size, format, coordinate
    system) from measured facts; "File naming and required software",
    "Citation" and "Literature to cite" (``glacier!references``).
    """
    _require("description", ctx)
    return render("description.md.j2", ctx, templates)


def description_zh_md(ctx: dict[str, Any], templates: str | os.PathLike[str] | None = None) -> str:
    """The Chinese repository description (``description.zh.md.j2``), TPDC's section order.

    数据集描述, 数据来源, 数据加工方法, 数据质量 from the ``*_zh`` fields (an empty field is
    named in its place, never translated), 基本信息 from the measured facts, 文件命名和必需软件,
    数据引用 and 参考文献.
    """
    _require("description", ctx)
    return render("description.zh.md.j2", ctx, templates)


def citation_txt(ctx: dict[str, Any], templates: str | os.PathLike[str] | None = None) -> str:
    """Plain-text citations: repository style, then APA 7 for data sets (``citation.txt.j2``)."""
    _require("citation", ctx)
    return render("citation.txt.j2", ctx, templates)


def citation_bib(ctx: dict[str, Any], templates: str | os.PathLike[str] | None = None) -> str:
    """A BibTeX ``@misc`` entry (fields BibTeX-escaped, organisations in double braces,
    ``citation.bib.j2``)."""
    _require("citation", ctx)
    return render("citation.bib.j2", ctx, templates)


def biblatex_bib(ctx: dict[str, Any], templates: str | os.PathLike[str] | None = None) -> str:
    """A biblatex ``@dataset`` entry (``citation.biblatex.bib.j2``)."""
    _require("citation", ctx)
    return render("citation.biblatex.bib.j2", ctx, templates)


def report_md(
    ctx: dict[str, Any],
    report: Report | None = None,
    templates: str | os.PathLike[str] | None = None,
) -> str:
    """Markdown summary of the validation counts and the glacier-wide results (``report.md.j2``).

    ``report`` (a :class:`mbpack.issues.Report`) replaces the context's
    ``validation`` when given.
    """
    if report is not None:
        ctx = ctx | {"validation": _validation(report)}
    return render("report.md.j2", ctx, templates)


__all__ = [
    "LICENCES",
    "biblatex_bib",
    "citation_bib",
    "citation_cff",
    "citation_txt",
    "context",
    "datacite_xml",
    "description_md",
    "description_zh_md",
    "metadata_context",
    "missing",
    "report_md",
    "schemaorg_jsonld",
]

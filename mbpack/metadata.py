"""What the published metadata says, gathered once from the workbook and the results.

:func:`context` builds the values every template uses — the dataset's
own words (title, description, processing method, quality) and the facts
measured from the data (time span, altitude range, extent, file sizes) —
so that no fact is typed twice.  :func:`missing` says, per target, which
workbook fields a target needs and lacks (``sheet!field``), and
:func:`datacite` gives the DataCite 4.5 record as the ``datacite`` package's
JSON form, against which the XML template is checked.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mbpack import __version__
from mbpack.workbook import Workbook

#: SPDX licence identifiers → licence URLs.
LICENCES: dict[str, str] = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
    "ODC-By-1.0": "https://opendatacommons.org/licenses/by/1-0/",
}

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
}  # fmt: skip


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def person(name: str, affiliation: Any = None, orcid: Any = None) -> dict[str, Any]:
    """An author: ``Family, Given`` is a person, anything else an organisation."""
    family, _, given = (part.strip() for part in name.partition(","))
    kind = "Personal" if given else "Organizational"
    return {"name": name, "family": family if given else None, "given": given or None, "kind": kind,
            "affiliation": _clean(affiliation), "orcid": _clean(orcid)}  # fmt: skip


def human_size(size: int) -> str:
    """Bytes as people write them.

    >>> human_size(1536), human_size(3 * 1024**2)
    ('1.5 KB', '3.0 MB')
    """
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


def context(workbook: Workbook, results: Any = None, report: Any = None,
            files: dict[str, int] | None = None) -> dict[str, Any]:  # fmt: skip
    """Values of the metadata templates: workbook fields plus measured facts."""
    glacier = {k: _clean(v) for k, v in workbook.record("glacier").items()}
    dataset = {k: _clean(v) for k, v in workbook.record("dataset").items()}
    authors = [
        person(r.name, r.affiliation, r.orcid)
        for r in workbook["authors"].itertuples()
        if isinstance(r.name, str)
    ]
    years = workbook["balance_years"].dropna(subset=["begin_date", "end_date"])
    dates = [d for d in (years["begin_date"].min(), years["end_date"].max()) if pd.notna(d)]
    readings = workbook["stake_readings"]["date"].dropna()
    if len(readings):
        dates = [min([*dates, readings.min()]), max([*dates, readings.max()])]
    # measured elevations first (grid, stakes); band edges only when nothing else is known
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
    lat = pd.concat([workbook[s]["latitude"].dropna() for s in ("stakes", "snow_pits", "probes")])
    lon = pd.concat([workbook[s]["longitude"].dropna() for s in ("stakes", "snow_pits", "probes")])
    if glacier.get("latitude") is not None:
        lat = pd.concat([lat, pd.Series([glacier["latitude"]])])
        lon = pd.concat([lon, pd.Series([glacier["longitude"]])])
    licence = dataset.get("licence")
    doi = dataset.get("doi")
    keywords = [k.strip() for k in (dataset.get("keywords") or "").split(";") if k.strip()]
    results_rows = []
    series_rows = []
    if results is not None:
        results_rows = [
            {k: _clean(v) for k, v in r.items()} for r in results.glacier_balance.to_dict("records")
        ]
        series_rows = [
            {k: _clean(v) for k, v in r.items()} for r in results.series.to_dict("records")
        ]
    file_list = [
        {"path": p, "bytes": n, "size": human_size(n)} for p, n in sorted((files or {}).items())
    ]
    total = sum(n for n in (files or {}).values())
    synthetic = bool(dataset.get("synthetic"))
    return {
        "generator": f"mbpack {__version__}",
        "glacier": glacier,
        "dataset": dataset,
        "authors": authors,
        "title": dataset.get("title"),
        "year": dataset.get("publication_year"),
        "doi": doi,
        "doi_url": f"https://doi.org/{doi}" if doi else None,
        "licence": licence,
        "licence_url": LICENCES.get(str(licence)) if licence else None,
        "keywords": keywords,
        "synthetic": synthetic,
        "time": {"begin": pd.Timestamp(dates[0]).date().isoformat() if dates else None,
                 "end": pd.Timestamp(dates[-1]).date().isoformat() if dates else None,
                 "first_year": int(years["year"].min()) if len(years) else None,
                 "last_year": int(years["year"].max()) if len(years) else None},
        "altitude": {"min": float(elevations.min()) if len(elevations) else glacier.get("min_elevation"),
                     "max": float(elevations.max()) if len(elevations) else glacier.get("max_elevation")},
        "box": {"south": float(lat.min()), "north": float(lat.max()), "west": float(lon.min()),
                "east": float(lon.max())} if len(lat) else None,
        "crs": glacier.get("crs") or "EPSG:4326",
        "files": file_list,
        "total_size": human_size(total) if files else None,
        "formats": ["text/csv", "application/json", "application/xml"],
        "results": results_rows,
        "series": series_rows,
        "validation": None if report is None else {"errors": report.errors, "warnings": report.warnings,
                                                   "issues": [i.as_dict() for i in report.sorted_issues()[:20]],
                                                   "rows": sum(s.rows for s in report.sheets.values())},
    }  # fmt: skip


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


def datacite(ctx: dict[str, Any]) -> dict[str, Any]:
    """The DataCite 4.5 record in the ``datacite`` package's JSON form."""
    d = ctx["dataset"]
    creators = []
    for a in ctx["authors"]:
        c: dict[str, Any] = {"name": a["name"], "nameType": a["kind"]}
        if a["kind"] == "Personal":
            c |= {"givenName": a["given"], "familyName": a["family"]}
        if a["orcid"]:
            c["nameIdentifiers"] = [{"nameIdentifier": f"https://orcid.org/{a['orcid']}",
                                     "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}]  # fmt: skip
        if a["affiliation"]:
            c["affiliation"] = [{"name": a["affiliation"]}]
        creators.append(c)
    record: dict[str, Any] = {
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "doi": ctx["doi"],
        "creators": creators,
        "titles": [{"title": ctx["title"]}],
        "publisher": {"name": d["publisher"]},
        "publicationYear": str(ctx["year"]),
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Glacier mass balance"},
        "subjects": [{"subject": k} for k in ctx["keywords"]],
        "language": d.get("language") or "en",
        "version": d.get("version") or None,
        "rightsList": [{"rights": ctx["licence"], "rightsUri": ctx["licence_url"] or "",
                        "rightsIdentifier": ctx["licence"], "rightsIdentifierScheme": "SPDX"}],
        "descriptions": [{"description": text, "descriptionType": kind} for text, kind in (
            (d.get("description"), "Abstract"), (d.get("processing_method"), "Methods"),
            (d.get("quality"), "TechnicalInfo")) if text],
        "formats": ctx["formats"],
    }  # fmt: skip
    if ctx["time"]["begin"]:
        record["dates"] = [
            {"date": f"{ctx['time']['begin']}/{ctx['time']['end']}", "dateType": "Collected"}
        ]
    if ctx["files"]:
        record["sizes"] = [ctx["total_size"]]
    if ctx["box"]:
        g = ctx["glacier"]
        record["geoLocations"] = [{
            "geoLocationPlace": g.get("name"),
            "geoLocationPoint": {"pointLatitude": g.get("latitude"), "pointLongitude": g.get("longitude")},
            "geoLocationBox": {"westBoundLongitude": ctx["box"]["west"], "eastBoundLongitude": ctx["box"]["east"],
                               "southBoundLatitude": ctx["box"]["south"], "northBoundLatitude": ctx["box"]["north"]},
        }]  # fmt: skip
    return {k: v for k, v in record.items() if v not in (None, [], "")}

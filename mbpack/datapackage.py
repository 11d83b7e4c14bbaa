"""The Frictionless data package of a workbook: ``data/*.csv`` and ``datapackage.json``.

Every non-empty sheet becomes ``data/<sheet>.csv`` (UTF-8, ISO dates,
canonical units; the key-value sheets as one-row tables), described in
``datapackage.json`` by its Table Schema from ``schemas/`` (with the
``unit`` and ``aliases`` properties), primary and foreign keys.  Computed
results go to ``data/results/<table>.csv``.  Free text that a spreadsheet
would run as a formula is prefixed with ``'`` (:func:`mbpack.render.neutralise`);
:func:`read_package` removes it again, so that reading the package back
gives the workbook's tables exactly.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from mbpack import schema
from mbpack.render import neutralise, restore
from mbpack.workbook import DTYPES, Workbook, conform

#: Units of the computed columns that are not in the workbook schemas.
RESULT_UNITS: dict[str, str] = {
    "ablation_gradient": "kg m-2 (100 m)-1", "balance_gradient": "kg m-2 (100 m)-1", "point_unc": "kg m-2",
    "spatial_unc": "kg m-2", "reference_area_unc": "kg m-2", "cumulative_balance": "kg m-2",
    "cumulative_balance_unc": "kg m-2", "lower_balance": "kg m-2", "upper_balance": "kg m-2", "area": "km2",
    "mean_balance": "kg m-2", "mean_winter_balance": "kg m-2", "mean_summer_balance": "kg m-2",
    "mean_annual_balance": "kg m-2", "aar0": "1", "ela0": "m", "reported": "", "computed": "",
    "difference": "", "balance": "kg m-2",
}  # fmt: skip


def _free_text(sheet: str) -> set[str]:
    """String fields without enum or pattern: where user text goes."""
    return {f["name"] for f in schema.fields(sheet)
            if f["type"] == "string" and not {"enum", "pattern"} & set(f.get("constraints", {}))}  # fmt: skip


def _csv(frame: pd.DataFrame, path: Path, free_text: set[str]) -> None:
    out = frame.copy()
    for col in out.columns:
        if col in free_text or out[col].dtype == object:
            out[col] = out[col].map(neutralise)
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", float_format="%.10g")


def slug(text: str) -> str:
    """A data-package name: lower case letters, digits, ``-``.

    >>> slug("Glacier No. 51, Kuitun River")
    'glacier-no-51-kuitun-river'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def _field_for(name: str, dtype: Any) -> dict[str, Any]:
    if pd.api.types.is_bool_dtype(dtype):
        kind = "boolean"
    elif pd.api.types.is_integer_dtype(dtype):
        kind = "integer"
    elif pd.api.types.is_float_dtype(dtype):
        kind = "number"
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        kind = "date"
    else:
        kind = "string"
    field: dict[str, Any] = {"name": name, "type": kind}
    if RESULT_UNITS.get(name):
        field["unit"] = RESULT_UNITS[name]
    return field


def _table_schema(sheet: str | None, frame: pd.DataFrame) -> dict[str, Any]:
    """The sheet's Table Schema, plus fields for any extra columns of ``frame``."""
    if sheet is not None:
        descriptor = copy.deepcopy(schema.load_schema(sheet))
        for key in ("$schema", "name", "title", "description", "layout"):
            descriptor.pop(key, None)
        known = {f["name"] for f in descriptor["fields"]}
    else:
        descriptor, known = {"fields": [], "missingValues": [""]}, set()
    for col in frame.columns:
        if col not in known:
            descriptor["fields"].append(_field_for(str(col), frame[col].dtype))
    return descriptor


def export_tables(workbook: Workbook, directory: Path, results: Any = None) -> dict[str, Path]:
    """Write ``data/<sheet>.csv`` (and ``data/results/*.csv``) into ``directory``.

    Returns resource name → path relative to ``directory``.
    """
    written: dict[str, Path] = {}
    for sheet in schema.SHEETS:
        frame = workbook.tables[sheet]
        if frame.empty or (sheet in schema.KEY_VALUE_SHEETS and frame.isna().all().all()):
            continue
        rel = Path("data") / f"{sheet}.csv"
        _csv(frame, directory / rel, _free_text(sheet))
        written[sheet] = rel
    if results is not None:
        for name in (
            "glacier_balance",
            "band_balance",
            "point_balance",
            "isoline_areas",
            "series",
            "comparison",
        ):
            frame = getattr(results, name)
            if frame.empty:
                continue
            rel = Path("data") / "results" / f"{name}.csv"
            _csv(frame, directory / rel, set())
            written[f"computed_{name}"] = rel
    return written


def descriptor(
    workbook: Workbook, paths: dict[str, Path], ctx: dict[str, Any], results: Any = None
) -> dict[str, Any]:
    """The ``datapackage.json`` of the exported tables (Data Package v2)."""
    d = ctx["dataset"]
    resources: list[dict[str, Any]] = []
    for name, rel in paths.items():
        if name.startswith("computed_"):
            table = name.removeprefix("computed_")
            frame = getattr(results, table)
            sheet = table if table in schema.SHEETS else None
            title = f"Computed {table.replace('_', ' ')}"
        else:
            frame, sheet = workbook.tables[name], name
            title = schema.load_schema(name)["title"]
        table_schema = _table_schema(sheet, frame)
        if name.startswith("computed_"):
            table_schema.pop("foreignKeys", None)
            if table == "glacier_balance":
                table_schema["primaryKey"] = ["year", "method"]
        resources.append({
            "name": name, "path": rel.as_posix(), "title": title, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "schema": table_schema,
        })  # fmt: skip
    present = set(paths)
    for res in resources:  # foreign keys only to resources that exist
        fks = [
            fk
            for fk in res["schema"].get("foreignKeys", [])
            if fk["reference"]["resource"] in present
        ]
        if fks:
            res["schema"]["foreignKeys"] = fks
        else:
            res["schema"].pop("foreignKeys", None)
    title = ctx["title"] or f"Mass balance of {ctx['glacier'].get('name')}"
    package: dict[str, Any] = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": slug(str(ctx["glacier"].get("name") or title)),
        "title": title,
        "description": d.get("description") or title,
        "version": d.get("version") or None,
        "keywords": ctx["keywords"] or None,
        "contributors": [
            {"title": a["name"], "roles": ["creator"], **({"path": f"https://orcid.org/{a['orcid']}"} if a["orcid"] else {}),
             **({"organization": a["affiliation"]} if a["affiliation"] else {})}
            for a in ctx["authors"]
        ] or None,
        "licenses": [{"name": ctx["licence"], "path": ctx["licence_url"], "title": ctx["licence"]}]
        if ctx["licence"] and ctx["licence_url"] else None,
        "sources": [{"title": d.get("data_source") or "observation workbook", **(
            {"path": ctx["doi_url"]} if ctx["doi_url"] else {})}],
        "homepage": ctx["doi_url"],
        "resources": resources,
    }  # fmt: skip
    return {k: v for k, v in package.items() if v is not None}


def write_descriptor(package: dict[str, Any], directory: Path) -> Path:
    path = directory / "datapackage.json"
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _typed(series: pd.Series, kind: str) -> pd.Series:
    if kind == "boolean":
        return series.map(
            lambda v: None if pd.isna(v) else str(v).strip().lower() in ("true", "1", "yes")
        ).astype("boolean")
    if kind == "string":
        return series.map(lambda v: None if pd.isna(v) else restore(str(v))).astype("str")
    if kind in ("integer", "number"):
        return pd.to_numeric(series).astype(DTYPES[kind])
    if kind == "date":
        return pd.to_datetime(series).astype(DTYPES[kind])
    return series


def read_package(directory: str | Path) -> Workbook:
    """Read a package written by :func:`export_tables` back into a workbook."""
    directory = Path(directory)
    tables: dict[str, pd.DataFrame] = {}
    for sheet in schema.SHEETS:
        path = directory / "data" / f"{sheet}.csv"
        if not path.exists():
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        kinds = {f["name"]: f["type"] for f in schema.fields(sheet)}
        for col in frame.columns:
            frame[col] = _typed(frame[col], kinds.get(col, "string"))
        tables[sheet] = frame
    wb = Workbook.from_tables(tables)
    for sheet, frame in tables.items():  # keep extra columns exactly as read
        wb.tables[sheet] = conform(sheet, frame)
    return wb


def equal_tables(a: Workbook, b: Workbook) -> list[str]:
    """Sheets whose tables differ (for round-trip checks)."""
    differ = []
    for sheet in schema.SHEETS:
        x, y = a.tables[sheet].reset_index(drop=True), b.tables[sheet].reset_index(drop=True)
        if x.empty and y.empty:
            continue
        try:
            pd.testing.assert_frame_equal(x, y, check_dtype=False, check_exact=False, rtol=1e-9)
        except AssertionError:
            differ.append(sheet)
    return differ


__all__ = [
    "descriptor",
    "equal_tables",
    "export_tables",
    "read_package",
    "slug",
    "write_descriptor",
]

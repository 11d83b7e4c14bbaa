"""mbpack's WGMS schemas against WGMS's own attribute definitions and a real 2025+ release.

References (both in ``tests/data``, see its README):

* ``wgms-fog-2023-09/attributes.json``: the field definitions (type, required, enum, pattern,
  lengths) of the classic tables of the WGMS FoG 2023-09 data package
  (doi:10.5904/wgms-fog-2023-09), transcribed from the README generated from its
  ``datapackage.json``;
* ``wgms-fog-2026-02-10/glacier_regions.csv``: ``glacier_id, gtng_region`` rows of the
  ``data/glacier.csv`` of the real release DOI-WGMS-FoG-2026-02-10 (one glacier of each of
  its 20 regions, and Urumqi No. 1 and Hintereisferner).

Where mbpack deliberately differs from the definitions, :data:`DIFFERENCES` says why; every
other required flag, type, enumeration and length is WGMS's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mbpack.checks.wgms import validate_fog
from mbpack.formats import wgms
from mbpack.publish import wgms as submission
from tests.test_wgms import small

DATA = Path(__file__).parent / "data"
DEFINITIONS = json.loads((DATA / "wgms-fog-2023-09" / "attributes.json").read_text("utf-8"))[
    "tables"
]
#: WGMS table → mbpack's upper-case table.
TABLES = {"GLACIER": "A-GLACIER", "GLACIER_ID_LUT": "AA-GLACIER_ID_LUT", "STATE": "B-STATE",
          "MASS_BALANCE_OVERVIEW": "E-MASS_BALANCE_OVERVIEW", "MASS_BALANCE": "EE-MASS_BALANCE",
          "MASS_BALANCE_POINT": "EEE-MASS_BALANCE_POINT"}  # fmt: skip
#: (field, constraint) where mbpack's schema differs from WGMS's definition on purpose.
DIFFERENCES = {
    # free text is free (issue 14): real releases hold double and trailing spaces and mixed-case
    # names; only control characters and formula-like leading characters are warned about
    **{(f, "pattern"): "free text" for f in ("NAME", "GEN_LOCATION", "SPEC_LOCATION", "REMARKS",
                                            "INVESTIGATOR", "SPONS_AGENCY", "REFERENCE", "PSFG_ID")},
    ("YEAR", "maximum"): "the release's own last year (2023); mbpack reads later releases",
    ("PSFG_ID", "minLength"): "free text in mbpack", ("PSFG_ID", "maxLength"): "free text in mbpack",
    # the id patterns fix the length; mbpack's engines check maxLength, not minLength
    **{(f, c): "the pattern fixes the length" for f in ("WGI_ID", "GLIMS_ID", "RGI50_ID", "RGI60_ID")
       for c in ("minLength", "maxLength")},
}  # fmt: skip
#: Date fields: WGMS's pattern lets 20150431 pass; mbpack's is calendar-valid (issue 14, item 2).
DATES = {"SURVEY_DATE", "BEGIN_PERIOD", "END_WINTER", "END_PERIOD", "FROM_DATE", "TO_DATE"}


def _field(table: str, name: str) -> dict:
    return next(f for f in wgms.load("upper", table)["fields"] if f["name"] == name)


@pytest.mark.parametrize("wgms_table", list(TABLES))
def test_upper_schema_follows_the_wgms_definition(wgms_table: str) -> None:
    """Same columns; required, type, enumerations and lengths as WGMS defines them."""
    definition, table = DEFINITIONS[wgms_table], TABLES[wgms_table]
    assert wgms.columns("upper", table) == list(definition)
    for name, spec in definition.items():
        field, want = _field(table, name), spec.get("constraints", {})
        cons = field.get("constraints", {})
        kind = {"year": "integer"}.get(spec["type"], spec["type"])
        assert field["type"] == kind, (table, name)
        assert bool(cons.get("required")) == bool(want.get("required")), (table, name)
        for key in ("enum", "maxLength", "minLength", "minimum", "pattern"):
            if (
                key not in want
                or (name, key) in DIFFERENCES
                or (key == "pattern" and name in DATES)
            ):
                continue
            if key == "enum" and kind == "integer":  # 0..9 as a range
                assert list(range(cons["minimum"], cons["maximum"] + 1)) == want["enum"], (
                    table,
                    name,
                )
            elif key == "pattern":
                assert "pattern" in cons, (table, name)
            elif key == "minimum":
                assert cons.get("minimum") == want["minimum"], (table, name)
            else:
                assert cons.get(key) == want[key], (table, name, key)
        if "maximum" in want and (name, "maximum") not in DIFFERENCES:
            assert cons.get("maximum") == want["maximum"] or kind == "integer", (table, name)


def test_id_patterns_accept_the_examples_of_the_definition() -> None:
    """WGMS's example ids (FoG 2023-09) pass mbpack's patterns; an id of another shape does not."""
    import re

    examples = {"WGI_ID": "CH4N01356003", "GLIMS_ID": "G007880E45990N", "RGI50_ID": "RGI50-11.02773",
                "RGI60_ID": "RGI60-11.02773"}  # fmt: skip
    for name, value in examples.items():
        pattern = _field("AA-GLACIER_ID_LUT", name)["constraints"]["pattern"]
        assert re.fullmatch(pattern, value), name
        assert not re.fullmatch(pattern, value[:-1]), name
    assert not re.fullmatch(
        _field("AA-GLACIER_ID_LUT", "RGI60_ID")["constraints"]["pattern"], "RGI60-11x02773"
    )


def _glaciers(tmp_path: Path, regions: list[str], subregions: list[str]) -> Path:
    n = len(regions)
    frame = pd.DataFrame({"POLITICAL_UNIT": "CH", "NAME": [f"GLACIER {i}" for i in range(n)],
                          "WGMS_ID": [str(i + 1) for i in range(n)], "LATITUDE": "46.5", "LONGITUDE": "8.0",
                          "GLACIER_REGION_CODE": regions, "GLACIER_SUBREGION_CODE": subregions})  # fmt: skip
    out = tmp_path / "release"
    out.mkdir(exist_ok=True)
    frame.to_csv(out / "A-GLACIER.csv", index=False)
    return out


def test_every_region_code_of_both_orders_is_accepted(tmp_path: Path) -> None:
    """The 91 GTN-G 2017 subregion codes of WGMS's definition, each with its first-order code."""
    subs = DEFINITIONS["GLACIER"]["GLACIER_SUBREGION_CODE"]["constraints"]["enum"]
    assert len(subs) == 91 and {s[:3] for s in subs} == set(
        DEFINITIONS["GLACIER"]["GLACIER_REGION_CODE"]["constraints"]["enum"]
    )
    assert validate_fog(_glaciers(tmp_path, [s[:3] for s in subs], subs)).issues == []


def test_made_up_region_codes_are_refused_at_their_cell(tmp_path: Path) -> None:
    regions, subs = (
        ["XYZ", "ASC", "ANT", "asc", "ASC"],
        ["ASC-01", "ASC-10", "ANT-06", "ASC-01", "13-02"],
    )
    report = validate_fog(_glaciers(tmp_path, regions, subs))
    found = sorted((i.code, i.line, i.column, i.value) for i in report.issues)
    assert found == [
        ("not-in-enum", 2, "GLACIER_REGION_CODE", "XYZ"),
        ("not-in-enum", 3, "GLACIER_SUBREGION_CODE", "ASC-10"),
        ("not-in-enum", 4, "GLACIER_SUBREGION_CODE", "ANT-06"),
        ("not-in-enum", 5, "GLACIER_REGION_CODE", "asc"),
        ("not-in-enum", 6, "GLACIER_SUBREGION_CODE", "13-02"),
    ]
    assert {i.severity for i in report.issues} == {"error"}


def test_a_mandatory_field_missing_is_an_error(tmp_path: Path) -> None:
    """GLACIER_REGION_CODE is required by WGMS: blank → missing-value; absent → missing-column."""
    report = validate_fog(_glaciers(tmp_path, ["ASC", ""], ["ASC-04", "ASC-04"]))
    assert [(i.code, i.severity, i.line, i.column) for i in report.issues] == [
        ("missing-value", "error", 3, "GLACIER_REGION_CODE")
    ]
    path = _glaciers(tmp_path, ["ASC"], ["ASC-04"])
    pd.read_csv(path / "A-GLACIER.csv").drop(columns="GLACIER_SUBREGION_CODE").to_csv(
        path / "A-GLACIER.csv", index=False
    )
    assert [(i.code, i.column) for i in validate_fog(path).issues] == [
        ("missing-column", "GLACIER_SUBREGION_CODE")
    ]


@pytest.mark.parametrize(("table", "column"), [("E-MASS_BALANCE_OVERVIEW", "TIME_SYSTEM"),
                                               ("E-MASS_BALANCE_OVERVIEW", "ELA"),
                                               ("EE-MASS_BALANCE", "AREA"),
                                               ("EEE-MASS_BALANCE_POINT", "DENSITY"),
                                               ("EEE-MASS_BALANCE_POINT", "POINT_BALANCE_UNCERTAINTY")])  # fmt: skip
def test_an_optional_field_missing_is_silent(table: str, column: str) -> None:
    """Fields WGMS does not require (TIME_SYSTEM among them) left empty raise nothing."""
    tables = submission.wgms_tables(small(), "upper")
    assert submission.validate_wgms_tables(tables, "upper") == []
    tables[table][column] = None
    assert submission.validate_wgms_tables(tables, "upper") == []


def test_decimals_where_wgms_has_numbers_are_silent() -> None:
    """Balances, ELA, densities are numbers for WGMS (FoG 2023-09): decimals pass; an integer
    field (MIN_SITES_ACC) with a decimal does not."""
    tables = submission.wgms_tables(small(), "upper")
    e, ee, eee = (
        tables[k] for k in ("E-MASS_BALANCE_OVERVIEW", "EE-MASS_BALANCE", "EEE-MASS_BALANCE_POINT")
    )
    e["ELA"] = e["ELA"].astype("Float64") + 0.5
    e["ELA_UNC"] = 12.5
    eee["DENSITY"] = eee["DENSITY"].astype("Float64") + 0.5
    eee["DENSITY_UNCERTAINTY"] = 20.5
    ee["ANNUAL_BALANCE_UNC"] = 150.5
    assert submission.validate_wgms_tables(tables, "upper") == []
    e["MIN_SITES_ACC"] = 4.5
    assert [(i.code, i.column) for i in submission.validate_wgms_tables(tables, "upper")] == [
        ("type-error", "MIN_SITES_ACC"),
        ("type-error", "MIN_SITES_ACC"),
    ]


def test_survey_platform_methods_of_the_definition(tmp_path: Path) -> None:
    """All 40 SURVEY_PLATFORM_METHOD codes pass B-STATE; made-up ones do not."""
    codes = DEFINITIONS["STATE"]["SURVEY_PLATFORM_METHOD"]["constraints"]["enum"] + [
        "TG",
        "tQ",
        "aPx",
    ]
    state = pd.DataFrame({"POLITICAL_UNIT": "CH", "NAME": "FINDELEN", "WGMS_ID": "389",
                          "YEAR": [str(1900 + i) for i in range(len(codes))], "SURVEY_PLATFORM_METHOD": codes})  # fmt: skip
    out = tmp_path / "state"
    out.mkdir()
    state.reindex(columns=wgms.columns("upper", "B-STATE")).to_csv(out / "B-STATE.csv", index=False)
    report = validate_fog(out)
    assert sorted((i.code, i.value) for i in report.issues) == [
        ("not-in-enum", "TG"), ("not-in-enum", "aPx"), ("not-in-enum", "tQ")
    ]  # fmt: skip


def test_transliteration_follows_the_wgms_rules() -> None:
    """NAME rules of the definition: Å → AA, Æ → AE, Ä → AE, ð → D, Ø → OE, œ → OE, Ö → OE,
    ß → SS, þ → TH, Ü → UE, other accents dropped; WGMS's punctuation kept."""
    cases = {"Åsbreen": "AASBREEN", "Ænes": "AENES", "Märjelen": "MAERJELEN", "Øst": "OEST",
             "Cœur": "COEUR", "Örnbreen": "OERNBREEN", "Großer": "GROSSER", "Þórisjökull": "THORISJOEKULL",
             "Über": "UEBER", "Vaðalda": "VADALDA", "Argentière": "ARGENTIERE",
             "Parlung Zangbo: No. 04": "PARLUNG ZANGBO: NO. 04", "Upsala + Cono": "UPSALA + CONO",
             "Unnamed (4*8ABB2)": "UNNAMED (4*8ABB2)"}  # fmt: skip
    assert {k: wgms.transliterate(k) for k in cases} == cases
    import re

    pattern = DEFINITIONS["GLACIER"]["NAME"]["constraints"]["pattern"]
    assert all(re.fullmatch(pattern, v) for v in cases.values())


# -------------------------------------------------------------------------- the 2025+ generation


def _real_regions() -> pd.DataFrame:
    return pd.read_csv(DATA / "wgms-fog-2026-02-10" / "glacier_regions.csv", dtype=str)


def test_gtng_region_vocabulary_is_the_real_release_s() -> None:
    """The 20 values of a real 2026-02-10 glacier table are exactly mbpack's vocabulary."""
    real = _real_regions()
    assert (
        sorted(set(real["gtng_region"]))
        == sorted(wgms.GTNG_LONG_CODES)
        == wgms.LOWER_ENUMS["gtng_region"]
    )
    enum = next(f for f in wgms.load("lower", "glacier")["fields"] if f["name"] == "gtng_region")
    assert enum["constraints"]["enum"] == list(wgms.GTNG_LONG_CODES)


def test_lower_glacier_table_accepts_real_regions_and_refuses_others(tmp_path: Path) -> None:
    real = _real_regions()
    made_up = ["13_asia_central", "1_alaska", "ASC-02", "13-02", "19_antarctic_and_subantarctic"]
    regions = [*real["gtng_region"], *made_up]
    glacier = pd.DataFrame({"id": [str(i + 1) for i in range(len(regions))], "country": "CH",
                            "short_name": "GLACIER", "latitude": "46.5", "longitude": "8.0",
                            "gtng_region": regions})  # fmt: skip
    out = tmp_path / "lower" / "data"
    out.mkdir(parents=True)
    glacier.reindex(columns=wgms.columns("lower", "glacier")).to_csv(
        out / "glacier.csv", index=False
    )
    report = validate_fog(out.parent)
    assert [(i.code, i.line, i.value) for i in report.issues] == [
        ("not-in-enum", len(real) + 2 + k, v) for k, v in enumerate(made_up)
    ]


@pytest.mark.parametrize(("region", "subregion", "expected"), [
    ("ASC", "ASC-04", "13_central_asia"),  # Urumqi No. 1 (1511, 1512) in the real release
    ("CEU", "CEU-01", "11_central_europe"),  # Hintereisferner (491)
    ("ANT", "ANT-31", "20_antarctic_mainland"),  # RGI 7.0: 19-31 became region 20
    ("ANT", "ANT-01", "19_subantarctic_antarctic_islands"),
    ("SJM", None, "07_svalbard_jan_mayen"),
    (None, "WNA-02", "02_western_canada_usa"),
])  # fmt: skip
def test_classic_codes_to_the_2025_region(
    region: str | None, subregion: str | None, expected: str
) -> None:
    assert wgms.gtng_long_code(region, subregion) == expected
    wb = small()
    wb.tables["glacier"].loc[0, ["gtng_region", "gtng_subregion"]] = [region, subregion]
    written = submission.wgms_tables(wb, "lower")["glacier"]["gtng_region"].tolist()
    assert written == [expected]


def test_the_real_rows_of_urumqi_and_hintereisferner() -> None:
    real = dict(zip(_real_regions()["glacier_id"], _real_regions()["gtng_region"], strict=True))
    assert real["1511"] == real["1512"] == wgms.gtng_long_code("ASC", "ASC-04")
    assert real["491"] == wgms.gtng_long_code("CEU", "CEU-01")


def test_lower_regions_read_back_as_classic_codes(tmp_path: Path) -> None:
    for region, subregion in (("ANT", "ANT-31"), ("ASC", "ASC-04")):
        wb = small()
        wb.tables["glacier"].loc[0, ["gtng_region", "gtng_subregion"]] = [region, subregion]
        tables = submission.wgms_tables(wb, "lower")
        submission.write_wgms(tables, tmp_path / region, "lower")
        back = wgms.read_wgms(tmp_path / region)["glacier"]
        got = back["gtng_region"].iloc[0] if hasattr(back, "iloc") else back["gtng_region"]
        assert got == (region if region == "ASC" else "ANT")


def test_lower_tables_and_columns_are_the_real_release_s() -> None:
    """mbpack's 2025+ tables are files of the real 2026-02-10 release; ``mass_balance`` has its
    header, column for column; ``mass_balance_point`` its columns (integer ``id`` per row,
    the station's name in ``original_id``)."""
    real = json.loads((DATA / "wgms-fog-2026-02-10" / "columns.json").read_text("utf-8"))
    assert {f"data/{t}.csv" for t in wgms.LOWER} <= set(real["files"])
    assert wgms.columns("lower", "mass_balance") == real["mass_balance"]
    assert set(wgms.columns("lower", "mass_balance_point")) == set(
        real["mass_balance_point (as a set)"]
    )
    point = {f["name"]: f for f in wgms.load("lower", "mass_balance_point")["fields"]}
    assert (point["id"]["type"], point["original_id"]["type"]) == ("integer", "string")
    tables = submission.wgms_tables(small(), "lower")["mass_balance_point"]
    assert tables["id"].is_unique and tables["id"].dtype == "Int64"
    assert set(tables["original_id"]) <= set(small().tables["point_balance"]["point_id"])


def test_workbook_region_codes_are_wgms_s() -> None:
    """The glacier sheet takes the GTN-G codes WGMS enumerates: the 19 first-order codes as a
    drop-down list, the 91 second-order codes by a pattern that matches them and nothing else
    of the form ``AAA-NN`` (91 codes do not fit an Excel drop-down list)."""
    import re

    from mbpack.workbook import schema

    fields = {f["name"]: f for f in schema.fields("glacier")}
    regions = DEFINITIONS["GLACIER"]["GLACIER_REGION_CODE"]["constraints"]["enum"]
    subs = DEFINITIONS["GLACIER"]["GLACIER_SUBREGION_CODE"]["constraints"]["enum"]
    assert fields["gtng_region"]["constraints"]["enum"] == regions
    pattern = fields["gtng_subregion"]["constraints"]["pattern"]
    every = {f"{r}-{n:02d}" for r in regions for n in range(100)} | {"asc-04", "ASC-4", "13-02"}
    assert {c for c in every if re.fullmatch(pattern, c)} == set(subs)


def test_a_made_up_subregion_in_the_workbook_is_refused_at_its_cell(
    tables: dict, tmp_path: Path
) -> None:
    from conftest import write

    from mbpack.checks.validate import validate

    tables["glacier"]["gtng_subregion"] = "ASC-10"
    (issue,) = validate(write(tables, tmp_path / "wb.xlsx")).issues
    assert (issue.code, issue.column, issue.value) == ("pattern", "gtng_subregion", "ASC-10")
    assert issue.cell and issue.cell.startswith("glacier!")


def test_every_country_code_of_the_definition_and_no_other(tmp_path: Path) -> None:
    """A-GLACIER POLITICAL_UNIT: the 249 ISO 3166 codes WGMS lists pass; ``XX`` (two capitals,
    not a country) is not-in-enum; ``CHN`` fails the two-capital shape and is reported once,
    as a pattern; ``99`` is a sentinel (test_fog)."""
    codes = DEFINITIONS["GLACIER"]["POLITICAL_UNIT"]["constraints"]["enum"]
    path = _glaciers(tmp_path, ["CEU"] * (len(codes) + 2), ["CEU-01"] * (len(codes) + 2))
    a = pd.read_csv(path / "A-GLACIER.csv", dtype=str, keep_default_na=False)
    a["POLITICAL_UNIT"] = [*codes, "XX", "CHN"]
    a.to_csv(path / "A-GLACIER.csv", index=False)
    found = [(i.code, i.line, i.value) for i in validate_fog(path).issues]
    assert found == [("not-in-enum", len(codes) + 2, "XX"), ("pattern", len(codes) + 3, "CHN")]
    (issue,) = [i for i in validate_fog(path).issues if i.code == "not-in-enum"]
    assert (
        issue.message
        == "POLITICAL_UNIT 'XX' is not one of the 249 values " + ", ".join(codes[:20]) + ", ... ZW"
    )

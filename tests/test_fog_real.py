"""The FoG validator on real FoG rows: what real releases hold is silent, real faults are found.

Real rows: Urumqi Glacier No. 1, east and west branches (WGMS ids 1511, 1512), from the OGGM
sample data (``tests/data/wgms-oggm``, see its README): the glacier-wide series
(``mbdata_*.csv``) and the survey dates with TIME_SYSTEM under the header spelling ``Year``
(``overview_dates_*.csv``; its ISO dates are written back as WGMS ``YYYYMMDD`` here).  Names,
free text and decimals of the classes observed in real releases (``docs`` of mbpack:
``UPSALA + CONO``, ``PARLUNG ZANGBO: NO. 04``, ``UNNAMED (4*8ABB2)``, trailing and double
spaces, AAR 45.5) are added where the OGGM extract has none; each such cell is named below.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mbpack.checks.wgms import validate_fog

DATA = Path(__file__).parent / "data" / "wgms-oggm"


def real_release(tmp_path: Path) -> Path:
    """E (header ``Year`` as in the real file) and EE (glacier-wide rows) of 1511 and 1512."""
    dates = pd.read_csv(DATA / "overview_dates_WGMS-01511-01512.csv", dtype=str)
    wide = pd.concat([pd.read_csv(DATA / f"mbdata_WGMS-0151{i}.csv", dtype=str) for i in (1, 2)])
    names = dict(zip(wide["WGMS_ID"], wide["NAME"], strict=False))
    e = pd.DataFrame({
        "POLITICAL_UNIT": "CN", "NAME": dates["WGMS_ID"].map(names), "WGMS_ID": dates["WGMS_ID"],
        "Year": dates["Year"], "TIME_SYSTEM": dates["TIME_SYSTEM"],
        **{c: dates[c].str.replace("-", "") for c in ("BEGIN_PERIOD", "END_WINTER", "END_PERIOD")},
    })  # fmt: skip
    e["AAR"] = ""
    e.loc[0, "AAR"] = "45.5"  # a decimal AAR, as real releases hold (not from the OGGM file)
    e.loc[1, "REMARKS"] = (
        "Recalculated by  Dyurgerov, M. (2002); see doi:10.1000/x. "  # double/trailing
    )
    out = tmp_path / "release"
    out.mkdir()
    e.to_csv(out / "E-MASS_BALANCE_OVERVIEW.csv", index=False)
    wide = wide[wide["YEAR"].isin(set(dates["Year"]))].drop(columns="RGI_ID")
    wide.insert(4, "LOWER_BOUND", "9999")
    wide.insert(5, "UPPER_BOUND", "9999")
    wide.to_csv(out / "EE-MASS_BALANCE.csv", index=False)
    return out


#: Codes the real rows must not raise (the false alarms of issue 14).
FALSE_ALARMS = {"missing-column", "missing-value", "duplicate-key", "pattern", "type-error", "date-invalid",
                "date-order", "text-suspicious", "name-mismatch", "foreign-key", "sentinel"}  # fmt: skip


def test_real_rows_raise_no_false_alarm(tmp_path: Path) -> None:
    report = validate_fog(real_release(tmp_path))
    assert [i for i in report.issues if i.code in FALSE_ALARMS] == []
    # the real faults of the series stay visible (west branch 1996: B_w 66, B_s 30, B_a 37)
    assert {(i.wgms_id, i.year, i.code) for i in report.issues} >= {(1512, 1996, "balance-sum")}


def test_names_wgms_uses_and_shared_names_are_silent(tmp_path: Path) -> None:
    """Real WGMS names (``+ : * ( )``, mixed case), two glaciers of one name: keys are WGMS_ID."""
    a = pd.DataFrame({
        "POLITICAL_UNIT": ["AR", "CN", "CN", "CN", "CL"],
        "NAME": ["UPSALA + CONO", "PARLUNG ZANGBO: NO. 04", "UNNAMED (4*8ABB2)", "UNNAMED (4*8ABB2)", "Glaciar Echaurren Norte"],
        "WGMS_ID": ["1", "2", "3", "4", "5"],
        "LATITUDE": ["-49.9", "29.2", "30.1", "30.2", "-33.6"], "LONGITUDE": ["-73.3", "96.9", "90.1", "90.2", "-70.1"],
        # required by WGMS (FoG 2023-09): valid GTN-G codes (first order by location; this test is on names)
        "GLACIER_REGION_CODE": ["SAN", "ASC", "ASC", "ASC", "SAN"],
        "GLACIER_SUBREGION_CODE": ["SAN-02", "ASC-09", "ASC-09", "ASC-09", "SAN-01"],
    })  # fmt: skip
    out = tmp_path / "a"
    out.mkdir()
    a.to_csv(out / "A-GLACIER.csv", index=False)
    assert validate_fog(out).issues == []


def test_name_differing_between_tables_is_a_warning(tmp_path: Path) -> None:
    path = real_release(tmp_path)
    ee = pd.read_csv(path / "EE-MASS_BALANCE.csv", dtype=str)
    pd.DataFrame({"POLITICAL_UNIT": ["CN", "CN"], "NAME": ["URUMQI NO. 1 EAST", "URUMQI GLACIER NO. 1 W-BRANCH"],
                  "WGMS_ID": ["1511", "1512"], "LATITUDE": ["43.1", "43.1"],
                  "LONGITUDE": ["86.8", "86.8"], "GLACIER_REGION_CODE": ["ASC", "ASC"],
                  "GLACIER_SUBREGION_CODE": ["ASC-04", "ASC-04"]}).to_csv(path / "A-GLACIER.csv", index=False)  # fmt: skip
    report = validate_fog(path)
    mismatch = [i for i in report.issues if i.code == "name-mismatch"]
    assert mismatch and {i.severity for i in mismatch} == {"warning"}
    assert {i.wgms_id for i in mismatch} == {1511}
    assert len(mismatch) == (ee["WGMS_ID"] == "1511").sum() + 17  # every EE and E row of 1511


#: Real fault classes put into the real rows: (row index in E, column, value, code, severity).
#: Row 1 is 1511 1997 (begin 19960901, end of winter 19970502, end 19970831).
FAULTS = [
    (1, "END_WINTER", "19970431", "date-invalid", "error", "month 04 has 30 days"),
    (1, "END_PERIOD", "19973108", "date-invalid", "error", "day and month swapped?"),
    (1, "END_PERIOD", "19960801", "date-order", "error", "not after it begins"),
    (1, "END_WINTER", "19970915", "date-order", "error", "is not between begin"),
    (1, "Year", "1996", "duplicate-key", "error", "WGMS_ID=1511, YEAR=1996"),
    (1, "END_WINTER", "19970500", "date-unknown-00", "warning", "day 00 read as unknown"),
]


@pytest.mark.parametrize(("row", "column", "value", "code", "severity", "text"), FAULTS,
                         ids=[f"{f[3]}-{f[2]}" for f in FAULTS])  # fmt: skip
def test_real_fault_is_flagged_at_its_line_and_column(tmp_path: Path, row: int, column: str, value: str, code: str,
                                                      severity: str, text: str) -> None:  # fmt: skip
    path = real_release(tmp_path)
    e = pd.read_csv(path / "E-MASS_BALANCE_OVERVIEW.csv", dtype=str, keep_default_na=False)
    e.loc[row, column] = value
    e.to_csv(path / "E-MASS_BALANCE_OVERVIEW.csv", index=False)
    report = validate_fog(path)
    want_column = {"Year": "WGMS_ID"}.get(
        column, column
    )  # a duplicate key is reported at its first field
    hits = [
        i for i in report.issues if i.code == code and i.line == row + 2 and i.column == want_column
    ]
    assert hits, [(i.code, i.line, i.column, i.message) for i in report.issues]
    assert hits[0].severity == severity and text in hits[0].message
    assert hits[0].sheet == "E-MASS_BALANCE_OVERVIEW" and hits[0].wgms_id == 1511
    assert hits[0].cell == f"E-MASS_BALANCE_OVERVIEW.csv:{row + 2}:{want_column}"


def test_reader_takes_the_real_header_spelling(tmp_path: Path) -> None:
    """read_wgms matches ``Year`` to YEAR too: the real overview rows give one glacier's balance years."""
    from mbpack.formats.wgms import read_wgms

    back = read_wgms(real_release(tmp_path), wgms_id=1512)
    years = back["balance_years"]
    assert years["year"].tolist() == [
        *range(1996, 2001),
        *range(2008, 2020),
    ]  # the real file's years
    first = years.iloc[0]
    # 1512 in 1996 (real file): begin 1995-08-31, end of winter 1996-05-02, end 1996-09-02
    assert (
        str(first["begin_date"])[:10],
        str(first["winter_end_date"])[:10],
        str(first["end_date"])[:10],
    ) == (
        "1995-08-31",
        "1996-05-02",
        "1996-09-02",
    )

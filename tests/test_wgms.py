"""WGMS tables of both generations: exact rows, schema validity, read-back, real FoG files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mbpack import wgms
from mbpack.errors import MissingMetadata
from mbpack.workbook import Workbook

DATA = Path(__file__).parent / "data" / "wgms-oggm"


def small() -> Workbook:
    return Workbook.from_tables({
        "glacier": {"name": "Glacier Nº 51, Kuitun", "wgms_id": 4321, "country": "CN", "latitude": 43.731,
                    "longitude": 84.391, "investigators": "A.  Person ", "wgi_id": "CN5Y741C0051"},
        "balance_years": [
            {"year": 2001, "time_system": "FLO", "begin_date": "2000-08-30", "winter_end_date": "2001-05-10",
             "end_date": "2001-08-31"},
            {"year": 2002, "time_system": "FLO", "begin_date": "2001-08-31", "end_date": "2002-09-01"},
        ],
        "hypsometry": [{"year": 2000, "lower_elevation": 3500.0 + 50 * i, "upper_elevation": 3550.0 + 50 * i,
                        "area": a} for i, a in enumerate([0.3, 0.5, 0.2])],
        "glacier_balance": [
            {"year": 2001, "method": "band", "winter_balance": 160.4, "summer_balance": -530.6,
             "annual_balance": -370.2, "annual_balance_unc": 200.0, "ela": 3580.4, "aar": 0.456, "area": 1.0,
             "accumulation_area": 0.456, "ablation_area": 0.544},
            {"year": 2002, "method": "band", "annual_balance": -1200.0, "ela": 3650.0, "ela_position": ">",
             "aar": 0.0, "area": 1.0},
        ],
        "band_balance": [{"year": 2001, "lower_elevation": 3500.0 + 50 * i, "upper_elevation": 3550.0 + 50 * i,
                          "area": a, "winter_balance": w, "summer_balance": b - w,
                          "annual_balance": b}
                         for i, (a, w, b) in enumerate([(0.3, 100, -900), (0.5, 160, -300), (0.2, 240, 250)])],
        "point_balance": [
            {"point_id": "S1", "year": 2001, "from_date": "2000-08-30", "to_date": "2001-08-31",
             "balance_code": "annual", "balance": -1350.0, "density": 900.0, "elevation": 3520.0, "source": "stake"},
            {"point_id": "S1", "year": 2001, "from_date": "2000-08-30", "to_date": "2001-05-10",
             "balance_code": "winter", "balance": 270.0, "elevation": 3520.0, "source": "stake"},
        ],
    })  # fmt: skip


def test_upper_tables_exact() -> None:
    t = wgms.wgms_tables(small(), "upper")
    ee = t["EE-MASS_BALANCE"]
    wide = ee[ee["LOWER_BOUND"] == 9999]
    assert list(wide["YEAR"]) == [2001, 2002]
    first = wide.iloc[0]
    assert (first["NAME"], first["WGMS_ID"], first["UPPER_BOUND"]) == (
        "GLACIER NO 51, KUITUN",
        4321,
        9999,
    )
    assert (first["WINTER_BALANCE"], first["SUMMER_BALANCE"], first["ANNUAL_BALANCE"]) == (
        160,
        -531,
        -370,
    )
    assert first["ANNUAL_BALANCE_UNC"] == 200
    assert list(ee[ee["LOWER_BOUND"] != 9999]["ANNUAL_BALANCE"]) == [-900, -300, 250]
    e = t["E-MASS_BALANCE_OVERVIEW"].iloc[0]
    assert (e["BEGIN_PERIOD"], e["END_WINTER"], e["END_PERIOD"]) == (
        "20000830",
        "20010510",
        "20010831",
    )
    assert (e["AAR"], e["ELA"], e["TIME_SYSTEM"]) == (46, 3580, "FLO")
    assert t["E-MASS_BALANCE_OVERVIEW"].iloc[1]["ELA_PREFIX"] == ">"
    assert t["E-MASS_BALANCE_OVERVIEW"].iloc[0]["INVESTIGATOR"] == "A. Person"
    eee = t["EEE-MASS_BALANCE_POINT"]
    assert list(eee["BALANCE_CODE"]) == ["BA", "BW"] and list(eee["POINT_BALANCE"]) == [-1350, 270]
    b = t["B-STATE"].iloc[0]
    assert (b["AREA"], b["LOWEST_ELEVATION"], b["HIGHEST_ELEVATION"]) == (1.0, 3500.0, 3650.0)


def test_lower_tables_in_m_we_and_fractions() -> None:
    t = wgms.wgms_tables(small(), "lower")
    mb = t["mass_balance"].iloc[0]
    assert (mb["annual_balance"], mb["winter_balance"], mb["aar"]) == (-0.37, 0.16, 0.456)
    assert (mb["begin_date"], mb["midseason_date"], mb["end_date"]) == (
        "2000-08-30",
        "2001-05-10",
        "2001-08-31",
    )
    assert t["mass_balance"].iloc[1]["ela_position"] == "above"
    assert list(t["mass_balance_point"]["balance_code"]) == ["annual", "winter"]


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_emitted_tables_validate_with_frictionless(tmp_path: Path, generation: str) -> None:
    from frictionless import Package, Resource, Schema

    tables = wgms.wgms_tables(small(), generation)  # type: ignore[arg-type]
    paths = wgms.write_wgms(tables, tmp_path / "out", generation)  # type: ignore[arg-type]
    if generation == "lower":
        report = Package(str(tmp_path / "out" / "datapackage.json")).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    else:
        resources = []
        for path in paths:
            descriptor = wgms._resource_schema("upper", path.stem)
            resources.append(Resource(path=path.name, basepath=str(path.parent), name=path.stem.lower().replace("_", "-"),
                                      schema=Schema.from_descriptor(descriptor)))  # fmt: skip
        report = Package(resources=resources).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_round_trip(tmp_path: Path, generation: str) -> None:
    wb = small()
    wgms.write_wgms(wgms.wgms_tables(wb, generation), tmp_path / "x", generation)  # type: ignore[arg-type]
    back = wgms.read_wgms(tmp_path / "x")
    gb = pd.DataFrame(back["glacier_balance"]).set_index("year")
    assert gb.loc[2001, "annual_balance"] == pytest.approx(-370.0, abs=0.5)
    assert gb.loc[2001, "aar"] == pytest.approx(0.456 if generation == "lower" else 0.46)
    assert gb.loc[2002, "ela_position"] == ">"
    assert len(back["band_balance"]) == 3 and len(back["point_balance"]) == 2
    assert back["glacier"]["country"] == "CN" and back["glacier"]["wgms_id"] == 4321
    rebuilt = Workbook.from_tables(
        {k: pd.DataFrame(v) if isinstance(v, list) else v for k, v in back.items()}
    )
    assert rebuilt["balance_years"]["begin_date"].iloc[0] == pd.Timestamp("2000-08-30")


def test_missing_metadata_names_the_field() -> None:
    wb = small()
    wb.tables["glacier"].loc[0, "country"] = None
    with pytest.raises(MissingMetadata, match=r"glacier!country is empty"):
        wgms.wgms_tables(wb, "upper")
    wb = small()
    wb.tables["glacier"].loc[0, "wgms_id"] = None
    assert wgms.missing_metadata(wb) == [
        "glacier!wgms_id is empty: WGMS tables need the WGMS glacier id (WGMS assigns it to a glacier new "
        "to the database; the tables are written without it)"
    ]
    assert (
        wgms.wgms_tables(wb, "upper")["A-GLACIER"].iloc[0]["REMARKS"]
        == "WGMS_ID to be assigned by WGMS"
    )


def test_lower_enumerations_live_in_one_place() -> None:
    for table in wgms.LOWER:
        for field in wgms.load("lower", table)["fields"]:
            if field["name"] in wgms.LOWER_ENUMS and "enum" in field.get("constraints", {}):
                assert field["constraints"]["enum"] == wgms.LOWER_ENUMS[field["name"]], (
                    table,
                    field["name"],
                )


def test_dates_with_unknown_parts() -> None:
    assert wgms.parse_upper_date("20109999")[0] == pd.Timestamp("2010-01-01").date()
    with pytest.raises(ValueError, match="not a WGMS date"):
        wgms.parse_upper_date("2010-01-01")


def test_reads_real_fog_extract() -> None:
    back = wgms.read_wgms(DATA / "mbdata_WGMS-01511.csv")
    assert back["glacier"] == {
        "name": "URUMQI GLACIER NO. 1 E-BRANCH",
        "country": "CN",
        "wgms_id": 1511,
    }
    rows = {r["year"]: r for r in back["glacier_balance"]}
    assert rows[1988]["annual_balance"] == -646.0 and rows[1988]["area"] == 1.163
    west = {r["year"]: r for r in wgms.read_wgms(DATA / "mbdata_WGMS-01512.csv")["glacier_balance"]}
    assert (
        west[1996]["winter_balance"],
        west[1996]["summer_balance"],
        west[1996]["annual_balance"],
    ) == (66, 30, 37)


def test_datapackage_of_lower_generation_is_json(tmp_path: Path) -> None:
    wgms.write_wgms(wgms.wgms_tables(small(), "lower"), tmp_path / "low", "lower")
    descriptor = json.loads((tmp_path / "low" / "datapackage.json").read_text())
    assert [r["path"] for r in descriptor["resources"]] == [f"data/{t}.csv" for t in wgms.LOWER]

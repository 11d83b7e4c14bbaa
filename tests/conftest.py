"""Shared fixtures: a small clean observation workbook, in code and as .xlsx."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mbpack.workbook import Workbook, write_workbook

CLEAN: dict[str, Any] = {
    "glacier": {
        "name": "Test Glacier",
        "wgms_id": 9999,
        "wgi_id": "CN5Y741C0051",
        "country": "CN",
        "gtng_region": "ASC",
        "gtng_subregion": "ASC-02",
        "latitude": 43.731,
        "longitude": 84.391,
        "crs": "EPSG:32645",
        "min_elevation": 3490.0,
        "max_elevation": 4000.0,
        "area": 1.0,
        "investigators": "A. Person",
        "agencies": "An Institute",
    },
    "dataset": {
        "title": "Test dataset",
        "licence": "CC-BY-4.0",
        "balance_uncertainty": 200.0,
        "point_resolution": 10.0,
    },
    "authors": [
        {"name": "Person, A.", "affiliation": "An Institute", "orcid": "0000-0002-1825-0097"}
    ],
    "balance_years": [
        {
            "year": 2001,
            "time_system": "FLO",
            "begin_date": "2000-08-30",
            "winter_end_date": "2001-05-10",
            "end_date": "2001-08-31",
        },
        {
            "year": 2002,
            "time_system": "FLO",
            "begin_date": "2001-08-31",
            "winter_end_date": "2002-05-12",
            "end_date": "2002-09-01",
        },
    ],
    "stakes": [
        {
            "stake_id": "S1",
            "x": 500000.0,
            "y": 4842000.0,
            "latitude": 43.731,
            "longitude": 84.391,
            "elevation": 3550.0,
            "installed_date": "2000-08-30",
        },
        {
            "stake_id": "S2",
            "x": 500100.0,
            "y": 4842300.0,
            "latitude": 43.733,
            "longitude": 84.392,
            "elevation": 3700.0,
            "installed_date": "2000-08-30",
        },
        {
            "stake_id": "S3",
            "x": 500200.0,
            "y": 4842600.0,
            "latitude": 43.736,
            "longitude": 84.393,
            "elevation": 3850.0,
            "installed_date": "2000-08-30",
        },
    ],
    "stake_readings": [
        {"stake_id": "S1", "date": "2000-08-30", "exposure": 1.00, "surface": "ice"},
        {
            "stake_id": "S1",
            "date": "2001-05-10",
            "exposure": 0.20,
            "snow_depth": 0.80,
            "surface": "snow",
        },
        {"stake_id": "S1", "date": "2001-08-31", "exposure": 2.50, "surface": "ice"},
        {
            "stake_id": "S1",
            "date": "2001-08-31",
            "exposure": 2.50,
            "new_exposure": 1.00,
            "event": "redrill",
        },
        {
            "stake_id": "S1",
            "date": "2002-05-12",
            "exposure": 0.30,
            "snow_depth": 0.70,
            "surface": "snow",
        },
        {"stake_id": "S1", "date": "2002-09-01", "exposure": 2.20, "surface": "ice"},
        {"stake_id": "S2", "date": "2000-08-30", "exposure": 1.50, "surface": "ice"},
        {
            "stake_id": "S2",
            "date": "2001-05-10",
            "exposure": 0.40,
            "snow_depth": 1.10,
            "surface": "snow",
        },
        {"stake_id": "S2", "date": "2001-08-31", "exposure": 2.10, "surface": "ice"},
        {"stake_id": "S3", "date": "2000-08-30", "exposure": 2.00, "surface": "firn"},
        {
            "stake_id": "S3",
            "date": "2001-05-10",
            "exposure": 0.50,
            "snow_depth": 1.50,
            "surface": "snow",
        },
        {"stake_id": "S3", "date": "2001-08-31", "exposure": 1.80, "surface": "snow"},
    ],
    "snow_pits": [
        {
            "pit_id": "P1",
            "date": "2001-05-10",
            "x": 500200.0,
            "y": 4842600.0,
            "elevation": 3850.0,
            "top_depth": 0.0,
            "bottom_depth": 0.5,
            "density": 300.0,
            "layer": "snow",
        },
        {
            "pit_id": "P1",
            "date": "2001-05-10",
            "x": 500200.0,
            "y": 4842600.0,
            "elevation": 3850.0,
            "top_depth": 0.5,
            "bottom_depth": 1.5,
            "density": 400.0,
            "layer": "snow",
        },
    ],
    "hypsometry": [
        {"year": 2000, "lower_elevation": 3490.0, "upper_elevation": 3600.0, "area": 0.3},
        {"year": 2000, "lower_elevation": 3600.0, "upper_elevation": 3800.0, "area": 0.4},
        {"year": 2000, "lower_elevation": 3800.0, "upper_elevation": 4000.0, "area": 0.3},
    ],
    "glacier_balance": [
        {
            "year": 2001,
            "method": "reported",
            "winter_balance": 400.0,
            "summer_balance": -900.0,
            "annual_balance": -500.0,
            "ela": 3800.0,
            "aar": 0.3,
        },
    ],
}


def clean_tables() -> dict[str, Any]:
    """A deep copy of the clean tables, free to mutate."""
    return copy.deepcopy(CLEAN)


def write(tables: dict[str, Any], path: Path) -> Path:
    return write_workbook(Workbook.from_tables(tables), path)


@pytest.fixture
def tables() -> dict[str, Any]:
    return clean_tables()


@pytest.fixture
def clean_xlsx(tmp_path: Path) -> Path:
    return write(clean_tables(), tmp_path / "clean.xlsx")

"""The bundled example's WGMS tables: periods from the workbook's dates, and mbpack's FoG checks pass."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import mbpack
from mbpack.balance.compute import compute
from mbpack.checks.wgms import validate_fog
from mbpack.formats import wgms
from mbpack.publish import wgms as submission
from mbpack.workbook import read_workbook


@pytest.fixture(scope="module")
def example() -> tuple[object, dict[str, dict[str, pd.DataFrame]]]:
    wb = read_workbook(Path(mbpack.__file__).parent / "data" / "haxilegen51.xlsx")
    results = compute(wb)
    return wb, {g: submission.wgms_tables(wb, g, results=results) for g in ("upper", "lower")}  # type: ignore[arg-type]


def _ymd(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y%m%d")  # type: ignore[arg-type]


def test_point_periods_are_the_workbook_dates(example: tuple) -> None:
    """BW: begin -> end of winter, BS: end of winter -> end, BA: begin -> end (balance_years sheet)."""
    wb, tables = example
    years = wb["balance_years"].set_index("year")
    eee = tables["upper"]["EEE-MASS_BALANCE_POINT"]
    assert {"BW", "BS", "BA"} <= set(eee["BALANCE_CODE"])
    expected = {
        "BW": ("begin_date", "winter_end_date"),
        "BS": ("winter_end_date", "end_date"),
        "BA": ("begin_date", "end_date"),
    }
    for code, (start, stop) in expected.items():
        rows = eee[eee["BALANCE_CODE"] == code]
        want_from = [_ymd(years.loc[y, start]) for y in rows["YEAR"]]
        want_to = [_ymd(years.loc[y, stop]) for y in rows["YEAR"]]
        assert rows["FROM_DATE"].tolist() == want_from, code
        assert rows["TO_DATE"].tolist() == want_to, code
    # an index point is written once, never over the period of the point's BW, BS or BA row
    key = ["POINT_ID", "YEAR", "FROM_DATE", "TO_DATE"]
    index = eee[eee["BALANCE_CODE"] == "IN"]
    used = set(map(tuple, eee.loc[eee["BALANCE_CODE"] != "IN", key].to_numpy()))
    assert not any(tuple(r) in used for r in index[key].to_numpy())
    assert not index.duplicated(key).any()
    # the example's index rows (balances between successive readings) all cover a BW or BS period
    # with another value, so none is written; the small workbook of test_wgms keeps its own
    computed = compute(wb).point_balance
    assert (computed["balance_code"] == "index").sum() > 0 and index.empty
    # the lower generation has the same points, with integer ids and the stake name in original_id
    point = tables["lower"]["mass_balance_point"]
    assert len(point) == len(eee) and point["id"].tolist() == list(range(1, len(eee) + 1))
    assert point["original_id"].tolist() == eee["POINT_ID"].tolist()
    assert (point["balance_code"] == "index").sum() == len(index)


def test_state_elevations_come_from_the_glacier_surface(example: tuple) -> None:
    wb, tables = example
    grid = wb["surface_grid"]
    state = tables["upper"]["B-STATE"].set_index("YEAR")
    for year, cells in grid.groupby("year"):
        assert state.loc[year, "LOWEST_ELEVATION"] == round(cells["elevation"].min(), 1)
        assert state.loc[year, "HIGHEST_ELEVATION"] == round(cells["elevation"].max(), 1)
        assert state.loc[year, "MEDIAN_ELEVATION"] == round(cells["elevation"].median())
    band_edges = wb["hypsometry"].groupby("year")["lower_elevation"].min()
    assert (
        state["LOWEST_ELEVATION"] != band_edges.reindex(state.index)
    ).all()  # not the band limit
    low = tables["lower"]["state"].set_index("year")
    assert low["lowest_elevation"].tolist() == state["LOWEST_ELEVATION"].tolist()


def test_temporary_id_and_region_in_every_table(example: tuple) -> None:
    wb, tables = example
    assert wb.record("glacier").get("wgms_id") is None
    temporary = wgms.temporary_wgms_id(wb.record("glacier")["name"])
    for name, frame in tables["upper"].items():
        assert set(frame["WGMS_ID"]) == {temporary}, name
    for name, frame in tables["lower"].items():
        assert set(frame["id" if name == "glacier" else "glacier_id"]) == {temporary}, name
    assert tables["lower"]["glacier"]["gtng_region"].tolist() == ["13_central_asia"]  # ASC / ASC-04


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_example_passes_mbpacks_fog_checks(tmp_path: Path, example: tuple, generation: str) -> None:
    _, tables = example
    submission.write_wgms(tables[generation], tmp_path / generation, generation)  # type: ignore[arg-type]
    report = validate_fog(tmp_path / generation)
    errors = [
        (i.code, i.sheet, i.line, i.column, i.message)
        for i in report.issues
        if i.severity == "error"
    ]
    assert errors == []


def test_wgms_csv_text_is_never_a_formula(tmp_path: Path) -> None:
    """A glacier name or investigator that a spreadsheet would run (=HYPERLINK, +cmd|) is
    written with a leading apostrophe in every WGMS CSV of both generations."""
    wb = read_workbook(Path(mbpack.__file__).parent / "data" / "haxilegen51.xlsx")
    wb.tables["glacier"].loc[0, "investigators"] = '=HYPERLINK("http://x","A")'
    for generation in ("upper", "lower"):
        out = tmp_path / generation
        submission.write_wgms(submission.wgms_tables(wb, generation), out, generation)  # type: ignore[arg-type]
        texts = [p.read_text(encoding="utf-8") for p in out.rglob("*.csv")]
        assert any("'=HYPERLINK" in t for t in texts)
        assert not any(",=HYPERLINK" in t or '"=HYPERLINK' in t for t in texts)


@pytest.mark.parametrize("generation", ["upper", "lower"])
def test_example_point_tables_round_trip_to_the_same_glacier_wide_balance(
    example: tuple, tmp_path: Path, generation: str
) -> None:
    """``mbpack package`` → ``wgms/<generation>`` → ``mbpack import wgms`` → compute (band method).

    The imported workbook has no readings: its glacier-wide balances come from the EEE /
    mass_balance_point rows (index points included in the import), over the hypsometry of the EE
    band areas, and equal the example's own within 1 kg m-2 every year.  The WGMS tables carry
    band areas, not the mean elevation of each band's cells, so the example is computed here
    without its surface grid too (with it the band method takes each band's balance at the mean
    elevation of its cells, a few kg m-2 off the mid elevation the tables allow).
    """
    from click.testing import CliRunner

    from mbpack.cli import main

    wb, _ = example
    source = Path(mbpack.__file__).parent / "data" / "haxilegen51.xlsx"
    package = CliRunner().invoke(main, ["package", str(source), "-o", str(tmp_path / "pkg")])
    assert package.exit_code == 0, package.output
    out = tmp_path / "imported.xlsx"
    imported = CliRunner().invoke(
        main, ["import", "wgms", str(tmp_path / "pkg" / "wgms" / generation), "-o", str(out)]
    )
    assert imported.exit_code == 0, imported.output
    back = read_workbook(out)
    assert back["stake_readings"].empty and len(back["point_balance"]) > 0
    tables = dict(wb.tables, surface_grid=wb["surface_grid"].iloc[0:0])
    mine = compute(dataclasses.replace(wb, tables=tables), method="band").glacier_balance
    theirs = compute(back, method="band").glacier_balance
    cols = ["winter_balance", "summer_balance", "annual_balance"]
    a = mine[mine["method"] == "band"].set_index("year")[cols]
    b = theirs[theirs["method"] == "band"].set_index("year")[cols]
    assert list(b.index) == list(a.index)
    assert (a - b).abs().to_numpy().max() <= 1.0

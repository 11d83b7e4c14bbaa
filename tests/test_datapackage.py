"""The data package: CSV export, datapackage.json, frictionless validation, exact round trip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_metadata import publication_workbook, stand_in_results

from mbpack.errors import MbpackError
from mbpack.escape import neutralise
from mbpack.formats import datapackage
from mbpack.formats.datapackage import (
    datapackage_descriptor,
    export_tables,
    free_text,
    read_package,
    write_csv,
    write_descriptor,
)
from mbpack.formats.importers import import_glamos
from mbpack.params import Buffers
from mbpack.publish import metadata
from mbpack.workbook import Workbook, schema

HERE = Path(__file__).parent
FRICTIONLESS = Path(sys.executable).parent / "frictionless"


def rich_workbook() -> Workbook:
    """The publication workbook plus text a spreadsheet would run, awkward floats and booleans."""
    wb = publication_workbook()
    tables = dict(wb.tables)
    glacier = tables["glacier"].copy()
    glacier.loc[0, "remarks"] = "=cmd|' /C calc'!A0"
    glacier.loc[0, "references"] = "'@already quoted"
    glacier.loc[0, "area"] = 0.1 + 0.2  # 0.30000000000000004
    tables["glacier"] = glacier
    stakes = tables["stakes"].copy()
    stakes.loc[0, "remarks"] = "-bent, re-drilled"
    stakes.loc[1, "remarks"] = "+5"
    stakes.loc[2, "remarks"] = 'Zhang 张, ünïcödé, "quoted", comma'
    stakes.loc[2, "latitude"] = 43.73812345678901
    tables["stakes"] = stakes
    dataset = tables["dataset"].copy()
    dataset.loc[0, "synthetic"] = False
    tables["dataset"] = dataset
    return Workbook.from_tables(tables)


def package(wb: Workbook, directory: Path, results: Any = None) -> dict[str, Path]:
    paths = export_tables(wb, directory, results)
    files = {p.relative_to(directory).as_posix(): p.stat().st_size for p in sorted(directory.rglob("*"))
             if p.is_file()}  # fmt: skip
    ctx = metadata.metadata_context(wb, results, files)
    write_descriptor(datapackage_descriptor(wb, paths, ctx, results), directory)
    return paths


def assert_same_tables(a: Workbook, b: Workbook) -> None:
    for sheet in schema.SHEETS:
        x, y = a.tables[sheet], b.tables[sheet]
        if x.empty and y.empty:
            continue
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=sheet)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    wb = rich_workbook()
    paths = package(wb, tmp_path)
    assert sorted(paths) == ["authors", "balance_years", "dataset", "glacier", "stake_readings",
                             "stakes", "surface_grid"]  # fmt: skip
    assert_same_tables(wb, read_package(tmp_path))


def test_round_trip_of_real_glamos_tables(tmp_path: Path) -> None:
    """Adlergletscher (GLAMOS): 12 balance years, 156 bands, results with measured floats."""
    wb = Workbook.from_tables(import_glamos(HERE / "data" / "glamos" / "adler_obs.dat").tables)
    paths = export_tables(wb, tmp_path)
    assert {"glacier_balance", "band_balance", "hypsometry"} <= set(paths)
    assert_same_tables(wb, read_package(tmp_path))


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    remarks=st.lists(st.one_of(st.none(), st.text()), min_size=3, max_size=3),
    x=st.lists(st.one_of(st.none(), finite), min_size=3, max_size=3),
)
def test_round_trip_property(
    tmp_path: Path, remarks: list[str | None], x: list[float | None]
) -> None:
    """Any text (formula starts, quotes, newlines, apostrophes) and any float come back as written."""
    wb = publication_workbook()
    stakes = wb.tables["stakes"].copy()
    stakes["remarks"] = pd.Series(remarks, dtype="str")
    stakes["x"] = pd.Series(x, dtype="float64")
    wb = Workbook.from_tables({**wb.tables, "stakes": stakes})
    folder = tmp_path / "p"
    shutil.rmtree(folder, ignore_errors=True)
    export_tables(wb, folder)
    back = read_package(folder)
    # "" is written as an empty cell like a missing value; everything else is exact
    expected = wb.tables["stakes"].copy()
    expected["remarks"] = expected["remarks"].map(lambda v: None if v == "" else v).astype("str")
    pd.testing.assert_frame_equal(back.tables["stakes"], expected, check_exact=True)


def test_formula_injection_is_neutralised_in_the_csv(tmp_path: Path) -> None:
    package(rich_workbook(), tmp_path)
    glacier = pd.read_csv(tmp_path / "data" / "glacier.csv", dtype=str, keep_default_na=False)
    assert glacier.loc[0, "remarks"] == "'=cmd|' /C calc'!A0"
    assert glacier.loc[0, "references"] == "''@already quoted"
    stakes = pd.read_csv(tmp_path / "data" / "stakes.csv", dtype=str, keep_default_na=False)
    assert list(stakes["remarks"]) == [
        "'-bent, re-drilled",
        "+5",
        'Zhang 张, ünïcödé, "quoted", comma',
    ]
    assert list(stakes["elevation"]) == ["3550.0", "3720.0", "3905.5"]  # numbers are numbers
    assert stakes.loc[2, "latitude"] == "43.73812345678901"  # shortest exact text
    assert glacier.loc[0, "area"] == "0.30000000000000004"
    assert "remarks" in free_text("stakes") and "doi" not in free_text("dataset")


def test_csv_form(tmp_path: Path) -> None:
    package(rich_workbook(), tmp_path)
    years = (tmp_path / "data" / "balance_years.csv").read_text(encoding="utf-8").splitlines()
    assert years[0] == "year,time_system,begin_date,winter_end_date,end_date,remarks"
    assert years[1] == "2001,FLO,2000-09-01,2001-05-10,2001-09-01,"
    dataset = pd.read_csv(tmp_path / "data" / "dataset.csv", dtype=str, keep_default_na=False)
    assert list(dataset.columns) == schema.field_names("dataset") and len(dataset) == 1
    assert dataset.loc[0, "synthetic"] == "False"


def test_descriptor(tmp_path: Path) -> None:
    package(rich_workbook(), tmp_path, stand_in_results())
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert desc["name"] == "test-glacier" and desc["version"] == "1.0"
    assert desc["licenses"] == [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                                 "title": "CC-BY-4.0"}]  # fmt: skip
    assert desc["contributors"] == [
        {"title": "Person, Ada", "roles": ["creator"], "path": "https://orcid.org/0000-0002-1825-0097",
         "organization": "Institute of Glaciology"},
        {"title": "Test Glacier Monitoring Team", "roles": ["creator"]},
    ]  # fmt: skip
    assert desc["keywords"] == ["glacier mass balance", "glaciological method", "Tien Shan"]
    assert desc["sources"] == [{"title": "Ablation stakes read twice a year.",
                                "path": "https://doi.org/10.5072/mbpack.test"}]  # fmt: skip
    res = {r["name"]: r for r in desc["resources"]}
    readings = res["stake_readings"]["schema"]
    assert readings["primaryKey"] == ["stake_id", "date", "event"]
    assert readings["foreignKeys"] == [
        {"fields": ["stake_id"], "reference": {"resource": "stakes", "fields": ["stake_id"]}}
    ]
    exposure = next(f for f in readings["fields"] if f["name"] == "exposure")
    assert exposure == next(f for f in schema.fields("stake_readings") if f["name"] == "exposure")
    assert exposure["unit"] == "m"
    title = next(f for f in res["dataset"]["schema"]["fields"] if f["name"] == "title")
    assert "标题" in title["aliases"]
    assert res["computed_glacier_balance"]["path"] == "data/results/glacier_balance.csv"
    assert res["computed_glacier_balance"]["schema"]["primaryKey"] == ["year", "method"]
    assert all(
        r["path"] == f"data/{r['name']}.csv"
        for r in desc["resources"]
        if r["name"] in schema.SHEETS
    )


def test_foreign_keys_only_to_present_resources(tmp_path: Path) -> None:
    wb = publication_workbook()
    wb = Workbook.from_tables({**wb.tables, "stakes": wb.tables["stakes"].iloc[0:0]})
    package(wb, tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    readings = next(r for r in desc["resources"] if r["name"] == "stake_readings")
    assert "foreignKeys" not in readings["schema"]
    assert not (tmp_path / "data" / "stakes.csv").exists()


def _frictionless(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FRICTIONLESS), "validate", str(path)], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def test_frictionless_validates_the_package(tmp_path: Path) -> None:
    package(rich_workbook(), tmp_path, stand_in_results())
    result = _frictionless(tmp_path / "datapackage.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_frictionless_finds_a_broken_foreign_key(tmp_path: Path) -> None:
    """The validation above can fail: a reading of an unknown stake breaks the foreign key."""
    package(rich_workbook(), tmp_path)
    path = tmp_path / "data" / "stake_readings.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\nS3,", "\nS9,", 1), encoding="utf-8")
    result = _frictionless(tmp_path / "datapackage.json")
    assert result.returncode == 1 and "foreign-key" in result.stdout


def test_reruns_are_byte_identical_and_stay_inside_the_folder(tmp_path: Path) -> None:
    a, b = tmp_path / "run" / "a", tmp_path / "run" / "b"
    for folder in (a, b):
        package(rich_workbook(), folder, stand_in_results())
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["a", "b"]


def test_extra_tables(tmp_path: Path) -> None:
    wb = publication_workbook()
    extra = {"stake_photos": pd.DataFrame({"stake_id": ["S1"], "file": ["=S1.jpg"], "area": [0.5]})}
    paths = export_tables(wb, tmp_path, extra_tables=extra)
    assert paths["stake_photos"] == Path("data/extra/stake_photos.csv")
    assert (tmp_path / paths["stake_photos"]).read_bytes().decode("utf-8") == (
        "stake_id,file,area\r\nS1,'=S1.jpg,0.5\r\n"
    )
    ctx = metadata.metadata_context(wb)
    desc = datapackage_descriptor(wb, paths, ctx, extra_tables=extra)
    res = next(r for r in desc["resources"] if r["name"] == "stake_photos")
    assert res["schema"]["fields"] == [{"name": "stake_id", "type": "string"}, {"name": "file", "type": "string"},
                                       {"name": "area", "type": "number", "unit": "km2"}]  # fmt: skip
    for bad in ("../evil", "Stakes", "stakes"):
        with pytest.raises(MbpackError, match="extra table name"):
            export_tables(wb, tmp_path / "x", extra_tables={bad: extra["stake_photos"]})


def test_synthetic_package_says_so(tmp_path: Path) -> None:
    wb = publication_workbook(synthetic=True)
    paths = export_tables(wb, tmp_path)
    desc = datapackage_descriptor(wb, paths, metadata.metadata_context(wb))
    assert desc["description"] == (
        "Stake readings and glacier-wide balances of Test Glacier. " + metadata.SYNTHETIC_NOTE
    )


def test_read_package_names_a_bad_value(tmp_path: Path) -> None:
    export_tables(publication_workbook(), tmp_path)
    path = tmp_path / "data" / "stakes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("3550.0", "high"), encoding="utf-8")
    with pytest.raises(
        MbpackError, match=r"stakes\.csv: line \d+, column elevation is not of type number"
    ):
        read_package(tmp_path)


def test_results_object_without_every_table(tmp_path: Path) -> None:
    results = SimpleNamespace(glacier_balance=stand_in_results().glacier_balance)
    paths = export_tables(publication_workbook(), tmp_path, results)
    assert [n for n in paths if n.startswith("computed_")] == ["computed_glacier_balance"]


def test_an_edited_csv_is_read_cell_by_cell(tmp_path: Path) -> None:
    """stakes.csv and stake_readings.csv as a spreadsheet saves them after an edit: a
    byte-order mark and CRLF, a decimal comma (3905,5), a European date (01.09.2001), a
    renamed column and one unreadable number ("high").  Every row is kept; only the
    unreadable cell is dropped, and each change is named by file, line and column."""
    from click.testing import CliRunner

    from mbpack.cli import main
    from mbpack.workbook.reader import read_workbook

    export_tables(publication_workbook(), tmp_path)
    stakes = tmp_path / "data" / "stakes.csv"
    lines = stakes.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("remarks", "notes")
    lines[3] = lines[3].replace(
        "3905.5", '"3905,5"'
    )  # S3, line 4 (quoted, as a spreadsheet saves it)
    lines[2] = lines[2].replace("3720.0", "high")  # S2, line 3
    stakes.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    readings = tmp_path / "data" / "stake_readings.csv"
    text = readings.read_text(encoding="utf-8").replace("S1,2001-09-01", "S1,01.09.2001")
    text = text.replace("S1,2002-09-03", "S1,2002-02-30")  # line 4: no such day
    readings.write_text(text, encoding="utf-8")

    result = CliRunner().invoke(
        main, ["import", "package", str(tmp_path), "-o", str(tmp_path / "w.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "stakes.csv line 3, column elevation: 'high' is not a number; the cell was dropped"
        in result.output
    )
    assert (
        "stakes.csv line 4, column elevation: number stored as text '3905,5' read as 3905.5"
        in result.output
    )
    assert "stakes.csv: column 'notes' is not a stakes field; kept as text" in result.output
    assert "stake_readings.csv line 3, column date:" in result.output
    assert "stake_readings.csv line 4, column date:" in result.output  # reported, not a traceback
    assert "line 4, column date" in result.output and "dropped" in result.output
    wb = read_workbook(tmp_path / "w.xlsx")
    assert wb.tables["stakes"]["stake_id"].tolist() == ["S1", "S2", "S3"]
    assert wb.tables["stakes"]["elevation"].tolist()[::2] == [3550.0, 3905.5]
    assert pd.isna(wb.tables["stakes"]["elevation"].iloc[1])
    assert pd.Timestamp("2001-09-01") in set(wb.tables["stake_readings"]["date"])
    assert len(wb.tables["stake_readings"]) == len(publication_workbook().tables["stake_readings"])


def test_a_csv_saved_in_another_encoding_is_refused_by_name(tmp_path: Path) -> None:
    export_tables(publication_workbook(), tmp_path)
    stakes = tmp_path / "data" / "stakes.csv"
    stakes.write_bytes(stakes.read_bytes().replace(b"S1,", "S1é,".encode("cp1252")))
    with pytest.raises(MbpackError, match=r"stakes\.csv: not UTF-8 \(byte \d+: b'\\xe9'\)"):
        read_package(tmp_path, [])


# ------------------------------------------------------------------ the CSV writer against pandas


def pandas_csv(frame: pd.DataFrame, neutralised: set[str]) -> bytes:
    """The reference bytes: pandas ``to_csv`` of the frame with its free text neutralised and
    its dates as ``YYYY-MM-DD`` text, CRLF line ends (what ``write_csv`` promises)."""
    out = frame.copy()
    for col in out.columns:
        if col in neutralised:
            out[col] = out[col].map(neutralise)
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def awkward_frame() -> pd.DataFrame:
    """Every kind of column the export writes, with the values that make CSV hard: text that
    needs quoting (comma, quote, lone CR, LF, CRLF), formula starts, blanks, signed zeros,
    the shortest-text switch to exponents (1e16, 1e-05), the smallest subnormal, infinities."""
    text = ["a,b", 'say "hi"', "cr\ronly", "lf\nonly", "both\r\n", "=SUM(A1)", "-bent", "",
            None, "张 ünï", "plain", "plain"]  # fmt: skip
    floats = [-0.0, 0.0, 1e16, 9999999999999998.0, 1e-05, 0.0001, 5e-324, np.inf, -np.inf,
              np.nan, 0.1 + 0.2, 1.7976931348623157e308]  # fmt: skip
    n = len(text)
    return pd.DataFrame(
        {
            "id": pd.array(text, dtype="str"),
            "remarks": pd.Series(text, dtype=object),
            "value": floats,
            "single": np.array([*floats[:-1], 3.4e38], dtype=np.float32),
            "count": np.arange(n, dtype=np.int64) - 5,
            "small": np.arange(n, dtype=np.uint8),
            "flag": np.arange(n) % 3 == 0,
            "checked": pd.array([True, None, False] * (n // 3), dtype="boolean"),
            "year": pd.array([2001, None] * (n // 2), dtype="Int64"),
            "date": pd.to_datetime(["2001-09-01", None] * (n // 2)),
            "code": pd.array(["snow", None, "firn", "ice"] * (n // 4), dtype="str"),
            "blank": [np.nan] * n,
        }
    )


def test_csv_writer_gives_pandas_bytes_without_pandas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export's own writer: byte for byte what pandas writes, on every awkward value,
    and pandas' writer is not called (to_csv is replaced by a failure while it runs)."""
    frame = awkward_frame()
    neutralised = {"id", "remarks"}
    expected = pandas_csv(frame, neutralised)
    assert b'"a,b"' in expected and b'"cr\ronly"' in expected and b"'=SUM(A1)" in expected

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("pandas to_csv was called")

    monkeypatch.setattr(pd.DataFrame, "to_csv", refuse)
    write_csv(frame, tmp_path / "t.csv", neutralised)
    monkeypatch.undo()
    assert (tmp_path / "t.csv").read_bytes() == expected
    # rows are joined a block at a time: blocks of 5 rows, seams everywhere, nothing lost
    monkeypatch.setattr(datapackage, "BUFFERS", Buffers(csv_block_rows=5))
    big = pd.concat([frame] * 3, ignore_index=True)
    write_csv(big, tmp_path / "big.csv", neutralised)
    assert (tmp_path / "big.csv").read_bytes() == pandas_csv(big, neutralised)


def test_csv_writer_leaves_other_tables_to_pandas(tmp_path: Path) -> None:
    """A column of mixed values (1, 1.0 and True are equal but written differently), one
    column (a blank row is written ``""``), an empty table: pandas' bytes."""
    mixed = pd.DataFrame({"a": [1, 1.0, True, "x", None, 2.5], "b": list("uvwxyz")})
    one = pd.DataFrame({"a": ["x", "", None]})
    empty = pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype="str")})
    for i, frame in enumerate((mixed, one, empty)):
        write_csv(frame, tmp_path / f"{i}.csv", set())
        assert (tmp_path / f"{i}.csv").read_bytes() == pandas_csv(frame, set()), i


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    numbers=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40),
    texts=st.lists(
        st.one_of(st.none(), st.text(alphabet=",\"\r\n=+-@\t'ab 张")), min_size=1, max_size=40
    ),
)
def test_csv_writer_property(numbers: list[float], texts: list[str | None]) -> None:
    """Any floats (every bit pattern hypothesis tries) and any text of the awkward characters:
    the bytes of pandas."""
    import tempfile

    n = max(len(numbers), len(texts))
    frame = pd.DataFrame(
        {
            "x": (numbers * n)[:n],
            "t": pd.array((texts * n)[:n], dtype="str"),
            "o": pd.Series((texts * n)[:n], dtype=object),
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.csv"
        write_csv(frame, path, {"t"})
        assert path.read_bytes() == pandas_csv(frame, {"t"})

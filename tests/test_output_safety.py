"""Output locations: mbpack never writes over an input or over anything it did not write.

Each case runs the command as a user would (click's runner, no traceback allowed) and then
checks the exit code, the message and that every file that was there is still there,
byte for byte.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mbpack import atomic
from mbpack.atomic import MARKER, atomic_folder
from mbpack.cli import main
from mbpack.errors import OutputRefused


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def station(tmp_path: Path, clean_xlsx: Path) -> Path:
    """A folder as a station keeps it: the workbook and a notes file beside it."""
    folder = tmp_path / "station"
    folder.mkdir()
    (folder / "glacier.xlsx").write_bytes(clean_xlsx.read_bytes())
    (folder / "notes.txt").write_text("field notes 2001\n")
    return folder


@pytest.mark.parametrize("force", [False, True])
def test_package_into_the_folder_holding_the_workbook_is_refused(
    station: Path, force: bool
) -> None:
    before = _snapshot(station)
    code, out = _run("package", station / "glacier.xlsx", "-o", station, "-q",
                     *(["--force"] if force else []))  # fmt: skip
    assert code == 2
    assert f"{station}: refusing to write there: it holds the input" in out
    assert _snapshot(station) == before


@pytest.mark.parametrize("command", ["package", "compute"])
def test_output_folder_that_is_a_file_is_refused(station: Path, command: str) -> None:
    target = station / "notes.txt"
    code, out = _run(command, station / "glacier.xlsx", "-o", target,
                     *(["-q"] if command == "package" else []))  # fmt: skip
    assert code == 2 and "refusing to write a folder there: it is a file" in out
    assert target.read_text() == "field notes 2001\n"


def test_a_folder_mbpack_did_not_write_is_kept_unless_forced(station: Path, tmp_path: Path) -> None:
    other = tmp_path / "someone-elses"
    other.mkdir()
    (other / "thesis.tex").write_text("chapter 1\n")
    code, out = _run("compute", station / "glacier.xlsx", "-o", other)
    assert code == 2 and f"has no {MARKER}" in out and "--force" in out
    assert _snapshot(other) == {"thesis.tex": b"chapter 1\n"}
    code, _ = _run("compute", station / "glacier.xlsx", "-o", other, "--force")
    assert code == 0 and not (other / "thesis.tex").exists()
    assert (other / MARKER).is_file() and (other / "glacier_balance.csv").is_file()


def test_mbpack_replaces_what_it_wrote_and_an_empty_folder(station: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()  # empty: nothing to lose
    assert _run("compute", station / "glacier.xlsx", "-o", out)[0] == 0
    first = _snapshot(out)
    assert MARKER in first and "glacier_balance.csv" in first
    assert _run("compute", station / "glacier.xlsx", "-o", out)[0] == 0
    assert _snapshot(out) == first


def test_report_over_a_folder_or_over_the_workbook_is_refused(station: Path) -> None:
    before = _snapshot(station)
    code, out = _run("report", station / "glacier.xlsx", "-o", station, "-q")
    assert code == 2 and "it holds the input" in out
    elsewhere = station.parent / "reports"
    elsewhere.mkdir()
    code, out = _run("report", station / "glacier.xlsx", "-o", elsewhere, "-q")
    assert code == 2 and "refusing to write a file there: it is a folder" in out
    code, out = _run("report", station / "glacier.xlsx", "-o", station / "glacier.xlsx", "-q")
    assert code == 2 and "it holds the input" in out
    assert _snapshot(station) == before


def test_import_over_its_own_input_is_refused(tmp_path: Path) -> None:
    stakes = tmp_path / "stakes.csv"
    stakes.write_text(
        "Stake,Easting,Northing,Elevation,Hw,Dw,Hs\nS1,500000,4842000,3600,2.0,1.0,3.1\n"
    )
    code, out = _run(
        "import", "stakes", stakes, "--year", "2001", "--crs", "EPSG:32645", "-o", stakes
    )
    assert code == 2 and "it holds the input" in out
    assert stakes.read_text().startswith("Stake,Easting")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_modes_follow_the_umask_not_mkstemp(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_folder(tmp_path / "out") as tmp:
            (tmp / "sub").mkdir()
            (tmp / "sub" / "a.csv").write_text("a\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "out" / "sub").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "out" / "sub" / "a.csv").stat().st_mode) == 0o644


def test_stale_temporary_folders_of_killed_runs_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".out.abc123"  # what a run killed mid-way leaves
    stale.mkdir()
    (stale / MARKER).write_text("written by mbpack\n")
    foreign = tmp_path / ".out.keep"  # a hidden folder of the user's: not mbpack's
    foreign.mkdir()
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "x.csv").write_text("x\n")
    assert not stale.exists() and foreign.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.keep", "out"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_swap_is_one_exchange(tmp_path: Path) -> None:
    """Old and new folder trade places in one call: at no moment is the path absent."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "new").write_text("new")
    (b / "old").write_text("old")
    assert atomic._exchange(a, b)
    assert (b / "new").read_text() == "new" and (a / "old").read_text() == "old"


def test_an_error_inside_leaves_the_old_folder_whole(tmp_path: Path) -> None:
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "v1.csv").write_text("1\n")
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "out") as tmp:
        (tmp / "v2.csv").write_text("2\n")
        raise RuntimeError("killed")
    assert sorted(_snapshot(tmp_path / "out")) == [MARKER, "v1.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refusal_is_an_mbpack_error_with_exit_code_2() -> None:
    from mbpack.errors import MbpackError

    assert issubclass(OutputRefused, MbpackError)


def test_a_device_is_never_replaced(station: Path) -> None:
    """As root, a rename onto /dev/full would replace the device node with the report."""
    before = os.stat("/dev/null")
    code, out = _run("report", station / "glacier.xlsx", "-o", "/dev/null", "-q")
    assert code == 2 and "it is not a regular file" in out
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_full_disk_is_a_message_not_a_traceback(
    station: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails with ENOSPC (as on a full disk): exit 2, the file and the reason."""
    import errno

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(atomic.os, "replace", full)
    target = station.parent / "report.html"
    code, out = _run("report", station / "glacier.xlsx", "-o", target, "-q")
    assert code == 2 and f"mbpack: {target}: No space left on device" in out
    assert not target.exists() and not list(station.parent.glob(".report.html.*"))

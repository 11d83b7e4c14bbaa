"""``mbpack serve`` over HTTP on loopback: the JSON API answers what the CLI prints, and every
limit (upload size, token, origin, job time, job memory, zip bomb) refuses with a clear message."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")
pytest.importorskip("starlette")

from click.testing import CliRunner  # noqa: E402
from conftest import clean_tables, write  # noqa: E402
from serving import SEEDED, faulty_workbook, free_port, live, zip_bomb  # noqa: E402

from mbpack.cli import main  # noqa: E402
from mbpack.example import shipped_path  # noqa: E402
from mbpack.params import SERVE  # noqa: E402
from mbpack.serve import Config, parse_size, prepare  # noqa: E402

FOG = Path(__file__).parent / "data" / "wgms-oggm" / "mbdata_WGMS-01512.csv"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server, its temporary folders in a folder of this module's own: the upload-folder
    counts below then see this server's folders only, not those of another test run on the
    same machine."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("serve-tmp"))
    try:
        with live() as base:
            yield base
    finally:
        tempfile.tempdir = saved


def post(
    base: str, route: str, path: Path, name: str | None = None, **kw: object
) -> httpx.Response:
    files = {"file": (name or path.name, path.read_bytes())}
    return httpx.post(f"{base}{route}", files=files, timeout=120, **kw)  # type: ignore[arg-type]


def cli_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def uploads() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("mbpack-upload-*")}


def test_validate_answers_what_the_cli_prints(server: str, tmp_path: Path) -> None:
    """The faulty workbook: the API's document is the CLI's, but for the file's name, and it
    holds exactly the seeded faults."""
    faulty = faulty_workbook(tmp_path / "faulty.xlsx")
    before = uploads()
    answer = post(server, "/api/validate", faulty)
    assert answer.status_code == 200
    document = answer.json()
    expected = cli_json("validate", str(faulty))
    assert document["file"] == "faulty.xlsx" and expected["file"] == str(faulty)
    assert document == expected | {"file": "faulty.xlsx"}
    assert document["valid"] is False and (document["errors"], document["warnings"]) == (2, 2)
    assert {tuple(i["cell"].split("!")) for i in document["issues"]} == SEEDED
    assert uploads() == before  # the request's folder is gone


def test_compute_answers_what_the_cli_prints(server: str, tmp_path: Path) -> None:
    clean = write(clean_tables(), tmp_path / "clean.xlsx")
    answer = post(server, "/api/compute", clean)
    assert answer.status_code == 200
    assert answer.json() == cli_json("compute", str(clean))
    faulty = faulty_workbook(tmp_path / "faulty.xlsx")
    refused = post(server, "/api/compute", faulty)
    assert refused.status_code == 422
    expected = cli_json("compute", str(faulty))
    assert refused.json() == json.loads(json.dumps(expected).replace(str(faulty), "faulty.xlsx"))
    assert refused.json()["fatal"]["kind"] == "invalid-workbook"


def test_package_is_the_publishing_folder_as_a_zip(server: str, tmp_path: Path) -> None:
    clean = write(clean_tables(), tmp_path / "clean.xlsx")
    answer = post(server, "/api/package", clean)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert 'filename="clean-package.zip"' in answer.headers["content-disposition"]
    (tmp_path / "p.zip").write_bytes(answer.content)
    names = set(zipfile.ZipFile(tmp_path / "p.zip").namelist())
    assert {"datapackage.json", "report.html", "data/results/glacier_balance.csv"} <= names
    assert str(tmp_path) not in answer.content.decode("latin-1")  # no server path inside


def test_a_fog_release_zip_is_validated_as_the_cli_does(server: str, tmp_path: Path) -> None:
    """Real FoG data (OGGM's sample of WGMS-01512) in a zip: its known faults of 1996."""
    release = tmp_path / "release.zip"
    with zipfile.ZipFile(release, "w") as archive:
        archive.write(FOG, FOG.name)
    document = post(server, "/api/validate", release).json()
    expected = cli_json("validate", str(release))
    assert document == json.loads(json.dumps(expected).replace(str(release), "release.zip"))
    assert {(i.get("year"), i["code"]) for i in document["issues"]} >= {(1996, "balance-sum")}
    assert all(i["file"] == f"release.zip:{FOG.name}" for i in document["issues"])


def test_zip_bombs_are_refused(server: str, tmp_path: Path) -> None:
    bomb = post(server, "/api/validate", zip_bomb(tmp_path / "bomb.xlsx")).json()
    (issue,) = bomb["issues"]
    assert issue["code"] == "unreadable-file" and "zip bomb" in issue["message"]
    assert issue["message"].startswith("bomb.xlsx: refused: the workbook would inflate to 64 MB")
    release = tmp_path / "release.zip"  # a FoG release whose CSV inflates 64 MB
    with zipfile.ZipFile(release, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", "x\n")
        archive.writestr("b.csv", b"0" * 64 * 1024**2)
    (issue,) = post(server, "/api/validate", release).json()["issues"]
    assert "release would inflate to 64 MB" in issue["message"] and "zip bomb" in issue["message"]


def test_the_users_file_name_is_never_a_path(server: str, tmp_path: Path) -> None:
    clean = write(clean_tables(), tmp_path / "clean.xlsx")
    document = post(server, "/api/validate", clean, name="../../x/\x1b[31mevil.xlsx").json()
    assert document["file"] == "[31mevil.xlsx" and document["valid"] is True
    assert not (Path(tempfile.gettempdir()).parent / "x").exists()


def test_bad_requests_get_clear_messages(server: str, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("stake S1: 2.5 m\n")
    (issue,) = post(server, "/api/validate", text).json()["issues"]
    assert issue["message"] == "notes.txt: not an .xlsx workbook (the file starts with 'stake S1')"
    raw = httpx.post(f"{server}/api/validate", content=b"PK", timeout=30)
    assert raw.status_code == 415 and "multipart/form-data" in raw.json()["fatal"]["message"]
    empty = httpx.post(f"{server}/api/validate", files={"other": ("a", b"1")}, timeout=30)
    assert empty.status_code == 400 and "holds no file" in empty.json()["fatal"]["message"]
    page = httpx.get(f"{server}/no/such/page", timeout=30)
    assert page.status_code == 404 and "no such page" in page.text and "Traceback" not in page.text
    gone = httpx.get(f"{server}/download/{'A' * 22}/package.zip", timeout=30)
    assert gone.status_code == 404 and "no longer kept" in gone.text
    wrong = httpx.get(f"{server}/api/validate", timeout=30)
    assert wrong.status_code == 405 and wrong.json()["fatal"]["message"].startswith("this address")


def test_cross_site_posts_and_foreign_hosts_are_refused(server: str, tmp_path: Path) -> None:
    clean = write(clean_tables(), tmp_path / "clean.xlsx")
    cross = post(server, "/api/validate", clean, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403 and "evil.example" in cross.json()["fatal"]["message"]
    rebound = httpx.get(f"{server}/", headers={"Host": "evil.example"}, timeout=30)
    assert rebound.status_code == 400  # DNS rebinding onto the loopback server


def test_upload_limit_is_counted_while_streaming(tmp_path: Path) -> None:
    """100 KiB limit: the 169 KiB example is refused by its Content-Length, and also when sent
    in chunks without one (counted as it arrives)."""
    limits = dataclasses.replace(SERVE, max_upload_bytes=100 * 1024)
    with live(Config(port=free_port(), limits=limits)) as base:
        data = shipped_path().read_bytes()
        told = httpx.post(f"{base}/api/validate", files={"file": ("h.xlsx", data)}, timeout=30)
        assert told.status_code == 413
        assert (
            told.json()["fatal"]["message"]
            == "the upload is larger than the 0 MB this server accepts"
        )
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.xlsx\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), 16 * 1024):
                yield body[start : start + 16 * 1024]

        streamed = httpx.post(f"{base}/api/validate", content=chunks(), timeout=30,
                              headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413


def test_parse_size() -> None:
    assert parse_size("100MB") == SERVE.max_upload_bytes
    assert parse_size("1.5 GB") == 3 * 1024**3 // 2
    with pytest.raises(Exception, match="give a size such as 100MB"):
        parse_size("lots")


def test_a_token_guards_every_request(tmp_path: Path) -> None:
    token = "t" * 24
    clean = write(clean_tables(), tmp_path / "clean.xlsx")
    with live(Config(port=free_port(), token=token)) as base:
        assert httpx.get(f"{base}/", timeout=30).status_code == 401
        assert post(base, "/api/validate", clean).status_code == 401
        assert (
            post(base, "/api/validate", clean, headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        ok = post(base, "/api/validate", clean, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json()["valid"] is True
        with httpx.Client(base_url=base, timeout=30) as browser:
            first = browser.get(f"/?token={token}")
            assert first.status_code == 303 and first.headers["location"] == "/"
            assert "HttpOnly" in first.headers["set-cookie"]
            assert browser.get("/").status_code == 200  # the cookie carries it now


def test_a_non_loopback_host_gets_a_token() -> None:
    assert prepare("127.0.0.1", None) == (None, False)
    assert prepare("::1", None) == (None, False)
    token, made = prepare("0.0.0.0", None)
    assert made and token is not None and len(token) >= 32
    assert prepare("0.0.0.0", "s" * 16) == ("s" * 16, False)
    with pytest.raises(Exception, match="at least 16 characters"):
        prepare("0.0.0.0", "short")


def test_a_job_past_its_time_limit_is_killed(tmp_path: Path) -> None:
    """0.2 s for a job: validating the example takes seconds, so its worker is killed; the
    server answers the next request."""
    limits = dataclasses.replace(SERVE, job_seconds=0.2)
    with live(Config(port=free_port(), limits=limits)) as base:
        slow = post(base, "/api/validate", shipped_path())
        assert slow.status_code == 504
        assert slow.json()["fatal"]["message"] == (
            "haxilegen51.xlsx: the job took longer than 0 s, the limit of one job, and was stopped"
        )
        assert httpx.get(f"{base}/", timeout=30).status_code == 200


def test_a_job_past_its_memory_limit_is_stopped(tmp_path: Path) -> None:
    """64 MiB of address space: less than the worker's libraries already map, so the job's
    first allocations fail; the page says so and the server lives on."""
    limits = dataclasses.replace(SERVE, job_memory_bytes=64 * 1024**2)
    clean = write(clean_tables(), tmp_path / "clean.xlsx")
    with live(Config(port=free_port(), limits=limits)) as base:
        starved = post(base, "/api/validate", clean)
        assert starved.status_code in (422, 500)
        message = starved.json()["fatal"]["message"]
        assert "memory" in message and "0.1 GiB" in message, message
        page = post(base, "/validate", clean)
        assert "memory" in page.text and "Traceback" not in page.text
        assert httpx.get(f"{base}/", timeout=30).status_code == 200


def test_importing_mbpack_serve_loads_no_web_stack() -> None:
    code = "import mbpack.serve, sys; print(sorted(m for m in ('starlette', 'uvicorn', 'python_multipart') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_page_lists_at_most_page_issues(tmp_path: Path) -> None:
    """With room for 2 of the faulty workbook's 4 issues, the page lists and marks the first two
    in report order (snow_pits!J3 twice; stake_readings and stakes sort after it) and counts the
    other two."""
    from mbpack import api
    from mbpack.serve.app import result_context

    faulty = faulty_workbook(tmp_path / "faulty.xlsx")
    result = {"document": api.validate(faulty).as_dict(), "sheets": api.sheet_cells(faulty, 50, 20)}
    context = result_context(result, "faulty.xlsx", dataclasses.replace(SERVE, page_issues=2))
    assert [i["cell"] for i in context["issues"]] == ["snow_pits!J3", "snow_pits!J3"]
    assert context["hidden_issues"] == 2
    marked = {
        (g["name"], c["ref"])
        for g in context["grids"]
        for r in g["rows"]
        for c in r["cells"]
        if c["fault"]
    }
    assert marked == {("snow_pits", "J3")}


def test_a_cell_that_panics_the_fast_reader_is_an_issue_at_its_cell(
    server: str, tmp_path: Path
) -> None:
    """-1e14 as a duration ([h]:mm:ss) makes calamine's date code panic (a Rust panic, a
    BaseException, found by tests/test_fuzz.py): the sheet is read cell by cell and the value
    is a type error at stakes!G2, by the reader and through the server alike."""
    import openpyxl

    from mbpack import api

    path = write(clean_tables(), tmp_path / "clean.xlsx")
    book = openpyxl.load_workbook(path)
    book["stakes"]["G2"] = -1e14
    book["stakes"]["G2"].number_format = "[h]:mm:ss"
    book.save(tmp_path / "panic.xlsx")
    found = {(i.code, i.cell) for i in api.validate(tmp_path / "panic.xlsx").issues}
    assert found == {("sheet-read-cell-by-cell", None), ("type-error", "stakes!G2")}
    document = post(server, "/api/validate", tmp_path / "panic.xlsx").json()
    assert {(i["code"], i["cell"]) for i in document["issues"]} == found


def test_a_station_workbook_with_its_mapping(server: str, tmp_path: Path) -> None:
    """A station's own field workbook (the stacked 2018 layout of tests/station_books.py) with
    the mapping `mbpack map` drafts: /api/validate answers what `mbpack validate FIELD --map
    MAP --format json` prints (but for the file's name), its issues name the station's own
    sheets, and a mapping beside a FoG release zip is refused."""
    import station_books as sb

    from mbpack import api

    field = sb.field_2018(tmp_path)
    mapping = api.map_draft(field, tmp_path / "field.toml")
    files = {
        "file": (field.name, field.read_bytes()),
        "mapping": ("field.toml", mapping.read_bytes()),
    }
    answer = httpx.post(f"{server}/api/validate", files=files, timeout=120)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    expected = cli_json("validate", str(field), "--map", str(mapping))
    shown = json.dumps(expected).replace(str(field), field.name).replace(str(mapping), "field.toml")
    assert json.loads(shown) == document
    sheets = {i["sheet"] for i in document["issues"] if i.get("sheet")}
    assert sheets & {"Stakes 2018", "Density", "Probing"}  # the station's sheets, as written
    page = httpx.post(f"{server}/validate", files=files, timeout=120)
    assert page.status_code == 200 and "Stakes 2018" in page.text
    release = {"file": ("release.zip", FOG.read_bytes()), "mapping": ("m.toml", b"x = 1")}
    refused = httpx.post(f"{server}/api/validate", files=release, timeout=60)
    assert refused.status_code == 415 and "field workbook" in refused.text

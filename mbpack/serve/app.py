"""The web application of ``mbpack serve``: the upload page, the result page and the JSON API.

Routes
------
``GET /``
    The upload page (drop or choose a workbook or a FoG release zip).
``POST /validate``
    The result page: verdict, counts, the issues table, the sheets as grids with the faulty
    cells marked, and for a valid workbook the glacier-wide table, the report's plots and the
    downloads (JSON report, results CSVs, package zip).
``POST /api/validate``, ``POST /api/compute``
    What ``mbpack validate FILE --format json`` and ``mbpack compute FILE --format json``
    print (one shared builder: :func:`mbpack.api.unreadable_report`, :func:`mbpack.api.fatal_json`,
    ``Results.to_json``).
``POST /api/package``
    The publishing folder of ``mbpack package`` as a zip (a failure: the JSON of
    :func:`mbpack.api.fatal_json`).
``GET /download/{id}/{name}``
    A file of a result page.

Every error is a page (or, under ``/api/``, a JSON document) with a clear message; a bug is
logged on the server and the page says only that it happened.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mbpack import api
from mbpack.issues import column_letter
from mbpack.params import SERVE, Serve

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

log = logging.getLogger("mbpack.serve")
#: The cookie that keeps the token once a browser opened the printed address.
COOKIE = "mbpack_token"
#: Content security policy of the pages: only this server's script and style, no framing.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")  # fmt: skip
#: The report page, shown in a frame of the result page: its own inline styles and images only.
REPORT_POLICY = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                 "frame-ancestors 'self'")  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class Config:
    """How the server runs.

    Attributes
    ----------
    host, port
        Where it listens.
    jobs
        Worker processes at once [1].
    token
        The token every request must carry (``Authorization: Bearer T``, the cookie, or
        ``?token=T`` once); ``None``: none needed (loopback only).
    limits
        Upload size, job time and memory, grid size, how long results are kept.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    jobs: int = 2
    token: str | None = None
    limits: Serve = field(default_factory=lambda: SERVE)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or name (``127.0.0.0/8``, ``::1``, localhost)."""
    import ipaddress

    if host.strip("[]") in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(config: Config) -> Starlette:
    """The Starlette application for ``config``."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.responses import HTMLResponse, RedirectResponse
    from starlette.routing import Route

    from mbpack.serve.jobs import JobFailed, Runner
    from mbpack.serve.store import FILES, ResultStore
    from mbpack.serve.upload import UploadError, receive

    limits = config.limits
    runner = Runner(config.jobs, limits.job_seconds, limits.job_memory_bytes)
    store_root = Path(tempfile.mkdtemp(prefix="mbpack-serve-"))
    store = ResultStore(store_root, limits.result_seconds, limits.result_count)
    static = {
        "app.js": (api.render_page("serve/app.js.j2", {}), "text/javascript; charset=utf-8"),
        "app.css": (api.render_page("serve/app.css.j2", {}), "text/css; charset=utf-8"),
    }

    def page(template: str, code: int = 200, **context: Any) -> Response:
        context.setdefault("token_needed", config.token is not None)
        html = api.render_page(f"serve/{template}.html.j2", context)
        return HTMLResponse(html, code, headers={"Content-Security-Policy": PAGE_POLICY})

    def error(request: Request, message: str, status: int, kind: str = "error") -> Response:
        if request.url.path.startswith("/api/"):
            return _json({"valid": False, "fatal": {"kind": kind, "message": message}}, status)
        return page("error", status, message=message, status=status)

    def allowed(request: Request) -> bool:
        if config.token is None:
            return True
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        given = given or request.cookies.get(COOKIE, "") or request.query_params.get("token", "")
        return hmac.compare_digest(given.encode(), config.token.encode())

    def guarded(
        handler: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def wrapped(request: Request) -> Response:
            if not allowed(request):
                return error(request, "this server needs its token: open the address it printed "
                             "(…/?token=…) or send Authorization: Bearer <token>", 401, "token")  # fmt: skip
            origin = request.headers.get("origin")
            foreign = origin and urlsplit(origin).netloc != request.headers.get("host", "")
            if request.method == "POST" and foreign:
                return error(request, f"a form posted from {origin} is refused: upload "
                             "from this server's own page", 403, "origin")  # fmt: skip
            try:
                response = await handler(request)
            except UploadError as exc:
                return error(request, str(exc), exc.status, "upload")
            except JobFailed as exc:
                return error(request, str(exc), exc.status, "job")
            if (
                config.token is not None
                and request.query_params.get("token")
                and request.method == "GET"
            ):
                response = RedirectResponse(request.url.path, 303)
                response.set_cookie(COOKIE, config.token, httponly=True, samesite="strict")
            return response

        return wrapped

    async def job(request: Request, task: str) -> tuple[dict[str, Any], Any, Path, Any]:
        folder = Path(tempfile.mkdtemp(prefix="mbpack-upload-"))
        try:
            upload = await receive(request, folder, limits.max_upload_bytes)
            out = folder / "out"
            out.mkdir()
            mapping = (upload.mapping, upload.mapping_name) if upload.mapping else None
            result, timing = await runner.run(task, upload.path, upload.name, out, mapping)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return result, timing, out, upload

    async def home(request: Request) -> Response:
        return page("upload", max_upload=limits.max_upload_bytes // 1024**2)

    async def validate_page(request: Request) -> Response:
        result, timing, out, upload = await job(request, "page")
        try:
            if "document" not in result:
                return page("error", 422, message=result["fatal"]["message"], status=422)
            unreadable = [i for i in result["document"]["issues"] if i["code"] == "unreadable-file"]
            if unreadable:
                return page("error", 422, message=unreadable[0]["message"], status=422)
            files = {name: out / name for name in result.get("files", {}) if name in FILES}
            key = store.put(files) if files else None
            context = result_context(result, upload.name, limits)
            response = page("result", key=key, files=sorted(files), **context)
        finally:
            shutil.rmtree(out.parent, ignore_errors=True)
        response.headers["Server-Timing"] = _server_timing(timing)
        return response

    async def api_document(request: Request, task: str) -> Response:
        result, timing, out, _ = await job(request, task)
        shutil.rmtree(out.parent, ignore_errors=True)
        document = result.get("document", result)
        status = 200 if "fatal" not in document else 422
        response = _json(document, status)
        response.headers["Server-Timing"] = _server_timing(timing)
        return response

    async def api_validate(request: Request) -> Response:
        return await api_document(request, "validate")

    async def api_compute(request: Request) -> Response:
        return await api_document(request, "compute")

    async def api_package(request: Request) -> Response:
        from starlette.background import BackgroundTask
        from starlette.responses import FileResponse

        result, timing, out, upload = await job(request, "package")
        if "fatal" in result:
            shutil.rmtree(out.parent, ignore_errors=True)
            return _json(result, 422)
        stem = Path(upload.name).stem or "workbook"
        return FileResponse(out / "package.zip", media_type="application/zip",
                            filename=f"{stem}-package.zip",
                            headers={"Server-Timing": _server_timing(timing)},
                            background=BackgroundTask(shutil.rmtree, out.parent, True))  # fmt: skip

    async def download(request: Request) -> Response:
        from starlette.responses import FileResponse

        key, name = request.path_params["key"], request.path_params["name"]
        path = store.get(key, name)
        if path is None:
            return error(request, "this download is no longer kept (results are kept for "
                         f"{limits.result_seconds / 60:.0f} minutes): upload the file again", 404)  # fmt: skip
        headers = {"Content-Security-Policy": REPORT_POLICY, "X-Content-Type-Options": "nosniff"}
        if name == "report.html":
            return FileResponse(path, media_type=FILES[name], headers=headers)
        return FileResponse(path, media_type=FILES[name], filename=name, headers=headers)

    async def asset(request: Request) -> Response:
        from starlette.responses import Response as Plain

        found = static.get(request.path_params["name"])
        if found is None:
            return error(request, "no such page", 404)
        return Plain(found[0], media_type=found[1], headers={"Cache-Control": "no-cache"})

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        text = {404: "no such page", 405: "this address does not take that kind of request"}
        return error(request, text.get(status, getattr(exc, "detail", "refused")), status)

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("mbpack serve: unexpected error on %s", request.url.path, exc_info=exc)
        return error(request, "the server met an unexpected error (it is in the server's log); "
                     "the file was not kept", 500, "internal")  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:  # the downloads go with the server
            shutil.rmtree(store_root, ignore_errors=True)

    routes = [
        Route("/", guarded(home), methods=["GET"]),
        Route("/validate", guarded(validate_page), methods=["POST"]),
        Route("/api/validate", guarded(api_validate), methods=["POST"]),
        Route("/api/compute", guarded(api_compute), methods=["POST"]),
        Route("/api/package", guarded(api_package), methods=["POST"]),
        Route("/download/{key}/{name}", guarded(download), methods=["GET"]),
        Route("/static/{name}", asset, methods=["GET"]),
    ]
    middleware = []
    if is_loopback(config.host) and config.token is None:  # no DNS rebinding onto the loopback page
        middleware.append(Middleware(TrustedHostMiddleware,
                                     allowed_hosts=["127.0.0.1", "localhost", "[::1]"]))  # fmt: skip
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: not_found, Exception: crashed},
                    lifespan=lifespan)  # fmt: skip
    app.state.store = store
    app.state.runner = runner
    return app


def _json(document: Any, status: int = 200) -> Response:
    import json

    from starlette.responses import Response as Plain

    return Plain(json.dumps(document, ensure_ascii=False), status, media_type="application/json")


def _server_timing(timing: Any) -> str:
    return f"queue;dur={timing.queued * 1000:.0f}, job;dur={timing.ran * 1000:.0f}"


def _cells(ref: str) -> list[tuple[int, int | None]]:
    """(row, column) of an A1 reference or range after the ``!`` (column ``None``: the whole row).

    >>> _cells("D17"), _cells("17:17"), _cells("A1:B2")
    ([(17, 4)], [(17, None)], [(1, 1), (1, 2), (2, 1), (2, 2)])
    """
    import re

    def one(text: str) -> tuple[int, int | None] | None:
        match = re.fullmatch(r"([A-Z]{1,3})?(\d+)", text)
        if not match:
            return None
        letters, row = match.groups()
        col = 0
        for ch in letters or "":
            col = col * 26 + ord(ch) - 64
        return int(row), col or None

    parts = [one(p) for p in ref.split(":")]
    if any(p is None for p in parts) or not parts:
        return []
    if len(parts) == 1:
        return [parts[0]]  # type: ignore[list-item]
    (r0, c0), (r1, c1) = parts[0], parts[-1]  # type: ignore[misc]
    if c0 is None or c1 is None or (r1 - r0 + 1) * (c1 - c0 + 1) > 10_000:
        return [(r, None) for r in range(r0, min(r1, r0 + 10_000) + 1)]
    return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def result_context(result: dict[str, Any], name: str, limits: Serve) -> dict[str, Any]:
    """What the result page shows: verdict, counts, issues, grids with faults, glacier table."""
    document = result["document"]
    every = document.get("issues", [])
    issues = every[: limits.page_issues]  # sorted by sheet and row, as the report lists them
    unreadable = any(i["code"] == "unreadable-file" for i in issues)
    faults: dict[tuple[str, int, int | None], list[dict[str, Any]]] = {}
    for issue in issues:
        sheet = issue.get("sheet")
        if not sheet:
            continue
        cell = issue.get("cell")
        places = _cells(cell.rsplit("!", 1)[-1]) if cell else []
        if not places and issue.get("row"):
            places = [(issue["row"], None)]
        for row, col in places:
            faults.setdefault((sheet, row, col), []).append(issue)
    grids = []
    for index, (sheet, data) in enumerate(result.get("sheets", {}).items()):
        width = min(int(data["width"]), limits.grid_columns)
        rows, previous, count = [], 0, 0
        for number, values in data["rows"]:
            row_faults = faults.get((sheet, number, None), [])
            cells = []
            for col in range(1, width + 1):
                here = faults.get((sheet, number, col), [])
                text = values[col - 1] if col <= len(values) else ""
                worst = "error" if any(i["severity"] == "error" for i in here) else "warning"
                cells.append({"text": text, "ref": f"{column_letter(col)}{number}",
                              "fault": worst if here else None,
                              "title": "\n".join(f"{i['severity']} {i['code']}: {i['message']}" for i in here)})  # fmt: skip
                count += bool(here)
            rows.append({"number": number, "gap": number > previous + 1, "cells": cells,
                         "fault": ("error" if any(i["severity"] == "error" for i in row_faults)
                                   else "warning") if row_faults else None,
                         "title": "\n".join(f"{i['severity']} {i['code']}: {i['message']}" for i in row_faults)})  # fmt: skip
            previous = number
        grids.append({"index": index, "name": sheet, "rows": rows, "faults": count,
                      "columns": [column_letter(c) for c in range(1, width + 1)],
                      "height": data["height"], "width": data["width"],
                      "shown": len(rows), "clipped": data["width"] > width})  # fmt: skip
    anchors = {g["name"]: g["index"] for g in grids}
    rows_total = sum(s["rows"] for s in document.get("sheets", {}).values())
    return {
        "name": name,
        "verdict": "unreadable" if unreadable else ("valid" if document["valid"] else "invalid"),
        "errors": document["errors"],
        "warnings": document["warnings"],
        "rows": rows_total,
        "sheet_count": len(document.get("sheets", {})),
        "issues": issues,
        "hidden_issues": len(every) - len(issues),
        "anchors": anchors,
        "grids": grids,
        "glacier": result.get("glacier"),
        "notes": result.get("notes", []),
        "sheet_names": sorted({i["sheet"] for i in issues if i.get("sheet")}),
        "codes": sorted({i["code"] for i in issues}),
    }

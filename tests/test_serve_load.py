"""A bounded load test of ``mbpack serve`` on loopback: 20 concurrent uploads and a zip bomb.

The server runs as ``python -m mbpack serve --jobs 2`` in a subprocess on a free 127.0.0.1 port.
Twenty uploads of the example to ``/api/validate`` and one zip bomb are sent at once; the
resident memory of the server's process tree (server, fork server, job processes) is sampled
from /proc every 50 ms while they run.  Every upload must come back valid, each job within the
job time limit; the bomb must be refused by its first check in well under a second of job time,
so it delays no other upload; at most ``--jobs`` job processes ever run at once; and the server
itself must not grow with the number of uploads (they stream to disk, not into memory).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from serving import free_port, zip_bomb  # noqa: E402

from mbpack.example import shipped_path  # noqa: E402
from mbpack.params import SERVE  # noqa: E402

UPLOADS = 20
JOBS = 2
PAGE = 4096


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _rss(pid: int) -> int:
    """Resident set of a process [bytes] (0 when it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


class Sampler(threading.Thread):
    """Peak RSS of the server and of its whole process tree, and the most job processes at once."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.server = self.tree = self.workers = 0

    def run(self) -> None:
        while not self.stop.is_set():
            tree = _children()
            below, todo = [], list(tree.get(self.pid, []))
            while todo:
                pid = todo.pop()
                below.append(pid)
                todo.extend(tree.get(pid, []))
            server = _rss(self.pid)
            # the fork server is the child whose children are the jobs
            jobs = max((len(tree.get(c, [])) for c in tree.get(self.pid, [])), default=0)
            self.server = max(self.server, server)
            self.tree = max(self.tree, server + sum(_rss(p) for p in below))
            self.workers = max(self.workers, jobs)
            time.sleep(0.05)


def test_twenty_uploads_and_a_zip_bomb(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "mbpack", "serve", "--port", str(port), "--jobs", str(JOBS)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                if httpx.get(f"{base}/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        example = shipped_path().read_bytes()
        bomb = zip_bomb(tmp_path / "bomb.xlsx").read_bytes()
        warm = httpx.post(f"{base}/api/validate", files={"file": ("w.xlsx", example)}, timeout=120)
        assert warm.json()["valid"] is True  # the fork server has started and loaded mbpack
        idle = _rss(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()

        def send(item: tuple[str, bytes]) -> tuple[str, float, httpx.Response]:
            t0 = time.perf_counter()
            answer = httpx.post(f"{base}/api/validate", files={"file": item}, timeout=300)
            return item[0], time.perf_counter() - t0, answer

        items = [(f"h{i:02d}.xlsx", example) for i in range(UPLOADS)]
        items.insert(UPLOADS // 2, ("bomb.xlsx", bomb))
        t0 = time.perf_counter()
        with ThreadPoolExecutor(len(items)) as pool:
            answers = list(pool.map(send, items))
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        assert server.poll() is None  # still serving
    finally:
        server.terminate()
        server.wait(30)

    def job_seconds(answer: httpx.Response) -> float:
        return float(re.search(r"job;dur=(\d+)", answer.headers["server-timing"]).group(1)) / 1000  # type: ignore[union-attr]

    results = {name: (seconds, answer) for name, seconds, answer in answers}
    refused = results.pop("bomb.xlsx")[1]
    assert refused.status_code == 200
    (issue,) = refused.json()["issues"]
    assert issue["code"] == "unreadable-file" and "zip bomb" in issue["message"]
    assert job_seconds(refused) < 1.0
    assert all(a.status_code == 200 and a.json()["valid"] is True for _, a in results.values())
    runs = sorted(job_seconds(a) for _, a in results.values())
    latencies = sorted(s for s, _ in results.values())
    assert runs[-1] < SERVE.job_seconds and latencies[-1] < SERVE.job_seconds
    assert sampler.workers <= JOBS
    # the server's own memory does not grow with the uploads: they stream to disk
    assert sampler.server < idle + 64 * 1024**2, (idle, sampler.server)
    assert sampler.tree < 3 * 1024**3
    print(f"\n{UPLOADS} uploads + 1 bomb in {wall:.1f} s with {JOBS} jobs; job time median "
          f"{runs[len(runs) // 2]:.2f} s, max {runs[-1]:.2f} s; latency max {latencies[-1]:.1f} s; "
          f"bomb job {job_seconds(refused):.2f} s; server RSS {idle / 1024**2:.0f} MB idle, "
          f"{sampler.server / 1024**2:.0f} MB peak; process tree peak {sampler.tree / 1024**2:.0f} MB; "
          f"most jobs at once {sampler.workers}")  # fmt: skip

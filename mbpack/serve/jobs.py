"""Jobs of ``mbpack serve``: one worker process each, at most ``jobs`` at once, each time-limited.

A job is a fresh process forked from a *fork server* that imported mbpack's readers, checks and
plotting once (:func:`multiprocessing.set_forkserver_preload`), so it starts in milliseconds and
shares nothing with the web server's threads.  The server waits for it at most
:attr:`mbpack.params.Serve.job_seconds` and then kills it; the process itself caps its address
space (:func:`mbpack.serve.worker.limit_resources`).  A hostile workbook can therefore take only
its own job down.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mbpack.api import WORKER_MODULES

#: Modules the fork server imports once, so that every job starts with them loaded.
PRELOAD = ["mbpack.serve.worker", *WORKER_MODULES]


class JobFailed(Exception):
    """A job that gave no result: killed at its time limit, or its process died.

    Attributes
    ----------
    status
        The HTTP status that says it (504 for the time limit, 500 otherwise).
    """

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Timing:
    """How long a job waited for a free worker and how long it ran [s]."""

    queued: float = 0.0
    ran: float = 0.0


class Runner:
    """Runs jobs in worker processes, ``jobs`` at a time, each within its time and memory limit.

    Parameters
    ----------
    jobs
        Worker processes at once [1].
    seconds
        Wall time of one job before it is killed [s].
    memory_bytes
        Address space of one worker process [bytes].
    """

    def __init__(self, jobs: int, seconds: float, memory_bytes: int) -> None:
        self.jobs, self.seconds, self.memory_bytes = jobs, seconds, memory_bytes
        methods = multiprocessing.get_all_start_methods()
        self._context: Any = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        if "forkserver" in methods:
            self._context.set_forkserver_preload(PRELOAD)
        self._slots: asyncio.Semaphore | None = None

    async def run(
        self, task: str, upload: Path, name: str, out: Path, mapping: tuple[Path, str] | None = None
    ) -> tuple[dict[str, Any], Timing]:
        """Run ``task`` on ``upload`` in a worker; the job's ``result.json`` and its timing.

        Raises
        ------
        JobFailed
            When the job ran past its time limit (it is killed) or its process died.
        """
        if self._slots is None:  # made in the event loop that uses it
            self._slots = asyncio.Semaphore(self.jobs)
        timing = Timing()
        start = time.perf_counter()
        async with self._slots:
            timing.queued = time.perf_counter() - start
            began = time.perf_counter()
            try:
                return await asyncio.to_thread(self._run, task, upload, name, out, mapping), timing
            finally:
                timing.ran = time.perf_counter() - began

    def _run(
        self, task: str, upload: Path, name: str, out: Path, mapping: tuple[Path, str] | None = None
    ) -> dict[str, Any]:
        from mbpack.serve.worker import run

        process = self._context.Process(
            target=run,
            args=(
                task,
                str(upload),
                name,
                str(out),
                self.memory_bytes,
                self.seconds,
                (str(mapping[0]), mapping[1]) if mapping else None,
            ),
            daemon=True,
        )
        process.start()
        process.join(self.seconds)
        if process.is_alive():
            process.kill()
            process.join()
            raise JobFailed(
                f"{name}: the job took longer than {self.seconds:.0f} s, the limit of one job, "
                "and was stopped",
                504,
            )
        result = out / "result.json"
        if not result.is_file():
            raise JobFailed(
                f"{name}: the job's worker process stopped without a result (exit code "
                f"{process.exitcode}); it most likely needed more than the "
                f"{self.memory_bytes / 1024**3:.1f} GiB of memory a job may use",
                500,
            )
        loaded: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return loaded

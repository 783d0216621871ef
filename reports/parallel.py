"""Rendering many tearsheets at once, one process per core.

quantstats draws with matplotlib, which holds the interpreter's lock, so
threads would not help; processes do. Each job writes one file atomically,
so an interrupted render leaves no partial page.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from macropatch.backtests.sweep.executors import stop_pool
from macropatch.marketdata.interrupts import deferred_interrupts
from macropatch.marketdata.processes import become_worker
from macropatch.reports.tearsheet import write_tearsheet

__all__ = ["TearsheetJob", "default_workers", "render_tearsheets"]


@dataclass(frozen=True, kw_only=True)
class TearsheetJob:
    """One tearsheet to write."""

    returns: pd.Series
    benchmark: pd.Series
    path: Path
    title: str


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _render(job: TearsheetJob) -> Path:
    return write_tearsheet(job.returns, benchmark=job.benchmark, path=job.path, title=job.title)


def render_tearsheets(
    jobs: Sequence[TearsheetJob],
    *,
    workers: int | None = None,
    on_done: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write every tearsheet, in parallel processes when there is more than one.

    ``on_done`` is called in this process after each file is written (for a
    progress bar). The first failure is raised once the others are stopped.
    """
    workers = min(workers or default_workers(), len(jobs))
    if workers <= 1:
        written = []
        for job in jobs:
            written.append(_render(job))
            if on_done is not None:
                on_done(job.path)
        return written
    # Workers ignore Ctrl-C (the caller stops them) and die with this process, even by kill -9.
    with ProcessPoolExecutor(
        max_workers=workers, initializer=become_worker, initargs=(os.getpid(),)
    ) as pool:
        with deferred_interrupts():  # the workers are forked here: no Ctrl-C mid-fork
            futures = [pool.submit(_render, job) for job in jobs]
        try:
            for future in as_completed(futures):
                path = future.result()
                if on_done is not None:
                    on_done(path)
        except BaseException:  # a failed page or Ctrl-C: stop the others now
            stop_pool(pool)
            raise
    return [job.path for job in jobs]

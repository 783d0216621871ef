"""Rendering many tearsheets at once, one process per core.

quantstats draws with matplotlib, which holds the interpreter's lock, so
threads would not help; processes do. Each job writes one file atomically,
so an interrupted render leaves no partial page.

A job may name the page an earlier run drew at the same place
(``previous``): when that page carries the job's content key
(:mod:`macropatch.reports.reuse`), it is copied instead of drawn.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from macropatch.backtests.sweep.executors import stop_pool
from macropatch.marketdata.interrupts import deferred_interrupts
from macropatch.marketdata.processes import become_worker
from macropatch.reports.reuse import content_key, copy_if_unchanged
from macropatch.reports.tearsheet import write_tearsheet

__all__ = ["RenderedTearsheets", "TearsheetJob", "default_workers", "render_tearsheets"]


@dataclass(frozen=True, kw_only=True)
class TearsheetJob:
    """One tearsheet to write."""

    returns: pd.Series
    benchmark: pd.Series
    path: Path
    title: str
    """The heading: short (a strategy's name); the period follows it."""
    subtitle: str = ""
    """The line below the heading (the strategy and its parameters)."""
    previous: Path | None = None
    """The page an earlier run drew at this place, reused when its key matches."""
    key: str = field(init=False)
    """The content key (:func:`macropatch.reports.reuse.content_key`)."""

    def __post_init__(self) -> None:
        """Compute the content key once, where the job is made."""
        key = content_key("tearsheet", self.returns, self.benchmark, self.title, self.subtitle)
        object.__setattr__(self, "key", key)


@dataclass(frozen=True, kw_only=True)
class RenderedTearsheets:
    """The pages written, in job order, and those of them copied from an earlier run."""

    paths: list[Path]
    reused: list[Path]


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _render(job: TearsheetJob) -> Path:
    return write_tearsheet(
        job.returns,
        benchmark=job.benchmark,
        path=job.path,
        title=job.title,
        subtitle=job.subtitle,
        key=job.key,
    )


def render_tearsheets(
    jobs: Sequence[TearsheetJob],
    *,
    workers: int | None = None,
    on_done: Callable[[Path], None] | None = None,
) -> RenderedTearsheets:
    """Write every tearsheet, in parallel processes when more than one must be drawn.

    A job whose earlier page has its key is copied, not drawn. ``on_done`` is
    called in this process after each file is in place (for a progress bar).
    The first failure is raised once the others are stopped.
    """
    reused = []
    for job in jobs:
        if copy_if_unchanged(job.previous, job.path, job.key):
            reused.append(job.path)
            if on_done is not None:
                on_done(job.path)
    _draw([job for job in jobs if job.path not in reused], workers, on_done)
    return RenderedTearsheets(paths=[job.path for job in jobs], reused=reused)


def _draw(
    jobs: Sequence[TearsheetJob], workers: int | None, on_done: Callable[[Path], None] | None
) -> None:
    """Draw the pages of ``jobs``, in parallel processes when there is more than one."""
    workers = min(workers or default_workers(), len(jobs))
    if workers <= 1:
        for job in jobs:
            _render(job)
            if on_done is not None:
                on_done(job.path)
        return
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

"""Progress reporting: the stages report steps; the shell decides how to show them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

__all__ = ["NoProgress", "Progress", "Task"]


class Task(Protocol):
    """One step of long work, counted in units."""

    def advance(self, amount: int = 1) -> None:
        """Count ``amount`` units of the task done."""


class Progress(Protocol):
    """Where long work reports how far it got (a progress bar, or nothing)."""

    def task(self, description: str, total: int) -> AbstractContextManager[Task]:
        """A task of ``total`` units, open while the ``with`` block runs."""


class _NoTask:
    def advance(self, amount: int = 1) -> None:
        return None


class NoProgress:
    """Reports nothing (library use, tests)."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Task]:
        """A task that shows nothing."""
        yield _NoTask()

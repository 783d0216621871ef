"""Progress reporting: the stages report steps; the shell decides how to show them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

__all__ = ["NoProgress", "Progress", "Task"]


class Task(Protocol):
    def advance(self, amount: int = 1) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: int) -> AbstractContextManager[Task]: ...


class _NoTask:
    def advance(self, amount: int = 1) -> None:
        return None


class NoProgress:
    """Reports nothing (library use, tests)."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Task]:
        yield _NoTask()

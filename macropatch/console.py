"""Terminal output for the command line: progress bars and tables (rich)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["RichProgress", "error_console", "output_console"]

output_console = Console(width=None if Console().is_terminal else 120, emoji=False)
error_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class _RichTask:
    def __init__(self, progress: Progress, task_id: object) -> None:
        self._progress = progress
        self._task_id = task_id

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task_id, amount)  # type: ignore[arg-type]


class RichProgress:
    """Progress bars on stderr; silent when stderr is not a terminal."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[_RichTask]:
        """A rich progress bar for one step of ``total`` units, closed on exit."""
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=error_console,
            transient=False,
            disable=not error_console.is_terminal,
        ) as progress:
            task_id = progress.add_task(description, total=total)
            yield _RichTask(progress, task_id)

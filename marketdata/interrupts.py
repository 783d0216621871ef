"""Ctrl-C that tells the truth: what an interrupted command kept, and steps it cannot cut.

Requires nothing but the standard library. Produces :class:`Interrupted`,
the exception an interrupted command ends with, whose message says what was
kept (the command line prints ``interrupted: <message>`` and exits 130);
:func:`interruption`, which turns a Ctrl-C inside a block into an
:class:`Interrupted` with the block's own account of what was kept; and
:func:`deferred_interrupts`, which holds a Ctrl-C back until a step that
must not be cut in two (a commit, a swap of folders) is over, then raises
it with the account of what that step did.

:class:`Interrupted` derives from ``BaseException`` but not from
``KeyboardInterrupt``, so no library on the way up mistakes it for a fresh
Ctrl-C and rewrites it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = [
    "Interrupted",
    "deferred_interrupts",
    "install_interrupt_handler",
    "interrupt_received",
    "interruption",
]

_received = threading.Event()
"""Set by :func:`_on_interrupt`: a Ctrl-C came, whatever became of its KeyboardInterrupt."""


def _on_interrupt(_number: int, _frame: FrameType | None) -> None:
    _received.set()
    raise KeyboardInterrupt


def install_interrupt_handler() -> None:
    """Make Ctrl-C raise KeyboardInterrupt as Python does, and remember that it came.

    A library that swallows the exception (a bare ``except:`` around an optional import,
    a fork handler) cannot hide the Ctrl-C then: :func:`interrupt_received` still says
    so, and the command line ends as interrupted. Call it once, first thing in the
    process's entry point, from the main thread.
    """
    _received.clear()
    signal.signal(signal.SIGINT, _on_interrupt)


def interrupt_received() -> bool:
    """Whether a Ctrl-C came since :func:`install_interrupt_handler`."""
    return _received.is_set()


class Interrupted(BaseException):
    """A command stopped by Ctrl-C; the message says what was kept."""


@contextmanager
def interruption(kept: str) -> Iterator[None]:
    """Inside the block, a Ctrl-C becomes ``Interrupted(kept)``.

    An :class:`Interrupted` raised further in (by an inner block that knows
    better) passes through unchanged.
    """
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(kept) from None


@contextmanager
def deferred_interrupts(after: str | None = None) -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) until the block ends; then raise ``Interrupted(after)``,
    or a plain ``KeyboardInterrupt`` when ``after`` is None.

    ``after`` says what the finished block did. Use it around steps that must
    not be cut (a commit, a swap) and around steps where Python would
    swallow a ``KeyboardInterrupt`` (starting worker processes: the fork
    handlers only report it). Outside the main thread, where Python delivers
    no signal, the block simply runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(number: int, _frame: FrameType | None) -> None:
        received.append(number)
        _received.set()

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        if after is None:
            raise KeyboardInterrupt
        raise Interrupted(after)

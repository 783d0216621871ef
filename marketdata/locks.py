"""Waiting for a resource another process holds, and an advisory lock file to hold one.

Requires a path on a local file system with ``flock`` (Linux, macOS).
Produces :func:`wait_until`, the one waiting loop of macropatch (a short
backoff, one message to ``on_wait`` the first time it waits, a
:class:`BusyError` naming the resource after the timeout), and
:func:`hold_lock`, an exclusive ``flock`` on a lock file for the length of
a ``with`` block. The operating system releases the lock when its process
dies, however it dies, so a lock left by a killed process never blocks the
next one; and a process that holds the lock knows that whatever a dead
holder left half-done (staging folders, a swap cut in the middle) can be
cleaned up.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from macropatch.marketdata.errors import UserError

__all__ = ["BusyError", "busy_messages", "hold_lock", "wait_until"]

FIRST_RETRY_SECONDS = 0.05
LONGEST_RETRY_SECONDS = 1.0

T = TypeVar("T")


class BusyError(UserError):
    """Another process held a resource for longer than the timeout."""


def wait_until(
    attempt: Callable[[], T | None],
    *,
    timeout: float,
    waiting: str,
    gave_up: str,
    on_wait: Callable[[str], None] | None = None,
) -> T:
    """Call ``attempt`` until it returns something other than None.

    Retries after 50 ms, doubling up to 1 s; calls ``on_wait(waiting)`` once,
    the first time it has to wait; raises :class:`BusyError` with ``gave_up``
    once ``timeout`` seconds have passed.
    """
    deadline = time.monotonic() + timeout
    delay = FIRST_RETRY_SECONDS
    announced = False
    while True:
        result = attempt()
        if result is not None:
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BusyError(gave_up)
        if not announced:
            announced = True
            if on_wait is not None:
                on_wait(waiting)
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, LONGEST_RETRY_SECONDS)


def busy_messages(what: str, timeout: float, *, prefix: str = "busy") -> tuple[str, str]:
    """The line said once when a wait for ``what`` starts, and the error after ``timeout``
    seconds.
    """
    return (
        f"{prefix}: another macropatch process is using {what}; waiting up to {timeout:g} s",
        f"{prefix}: {what} is locked by another process (gave up after {timeout:g} s)",
    )


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True


def _open_lock_file(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise UserError(f"cannot create the lock file {path}: {error.strerror}") from None


@contextmanager
def hold_lock(
    path: Path,
    *,
    timeout: float,
    what: str,
    prefix: str = "busy",
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if needed) inside the block.

    ``what`` names the resource in the messages (:func:`busy_messages`). The
    lock file itself is never deleted (deleting it would let two processes
    lock two different files).
    """
    descriptor = _open_lock_file(path)
    try:
        waiting, gave_up = busy_messages(what, timeout, prefix=prefix)
        wait_until(
            lambda: True if _try_lock(descriptor) else None,
            timeout=timeout,
            waiting=waiting,
            gave_up=gave_up,
            on_wait=on_wait,
        )
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock

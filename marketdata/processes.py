"""Worker processes that never outlive the process that started them.

Requires Linux for the guarantee (``prctl(PR_SET_PDEATHSIG)``); elsewhere
the workers only ignore Ctrl-C. Produces :func:`become_worker`, to call
first thing in every worker process macropatch starts (tearsheet renderers,
sweep workers, the fork server they come from): the worker ignores SIGINT
(Ctrl-C reaches the whole process group; the parent decides what to stop)
and is killed the moment its parent dies, even by ``kill -9``, instead of
waiting forever on a queue nobody feeds.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["become_worker", "is_alive", "process_token"]

_PR_SET_PDEATHSIG = 1


def become_worker(parent: int | None = None) -> None:
    """Ignore SIGINT and die with the parent process.

    ``parent`` is the process id the worker expects as its parent (by
    default the current one); if that process is already gone when the
    worker starts, the worker exits at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    expected = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != expected:  # the parent died before the death signal was armed
        os._exit(1)


def process_token(pid: int | None = None) -> str:
    """``<pid>-<start time>``: names one process for good, even after its pid is reused."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{_start_time(pid) or 0}"


def _start_time(pid: int) -> int | None:
    """The process' start time in clock ticks since boot (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return int(fields[19])  # field 22 of stat(5); the name and state come first
    except (OSError, IndexError, ValueError):
        return None


def is_alive(token: str) -> bool:
    """Whether the process a :func:`process_token` names is still running."""
    pid_text, _, start_text = token.partition("-")
    try:
        pid, start = int(pid_text), int(start_text or 0)
    except ValueError:
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    current = _start_time(pid)
    return current is None or start == 0 or current == start

"""The ``macropatch`` console script: a Ctrl-C is answered in one line, even during start-up.

The command line imports pandas, numba and vectorbt, which takes seconds; a
Ctrl-C in that time would otherwise end in a traceback. This module imports
nothing heavy itself.

An interrupted command ends with exit code 130 through :func:`_exit_interrupted`:
CPython remembers a Ctrl-C that passed through some C code (an extension
module's start-up, say) and, at the very end, would kill the process with
SIGINT instead of returning the 130 chosen here.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

__all__ = ["main"]

INTERRUPTED = 130


def _exit_interrupted() -> None:
    """Run the exit handlers, flush, and leave with code 130, whatever CPython remembers."""
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(INTERRUPTED)


def main() -> None:
    """Load the command line and run it; Ctrl-C while loading exits 130 with one line."""
    from macropatch.marketdata.interrupts import install_interrupt_handler, interrupt_received

    install_interrupt_handler()
    try:
        from macropatch.cli import main as command_line

        if interrupt_received():  # a library swallowed it while loading
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        _exit_interrupted()
        return
    try:
        command_line()
    except SystemExit as done:
        if done.code == INTERRUPTED:
            _exit_interrupted()
        raise

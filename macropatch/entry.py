"""The ``macropatch`` console script: a Ctrl-C is answered in one line, even during start-up.

The command line imports pandas, numba and vectorbt, which takes seconds; a
Ctrl-C in that time would otherwise end in a traceback. This module imports
nothing heavy itself.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Load the command line and run it; Ctrl-C while loading exits 130 with one line."""
    try:
        from macropatch.cli import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        sys.exit(130)
    command_line()

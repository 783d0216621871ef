"""How fast the command line answers the commands that need no backtest.

Run from the repository with the pack beside it::

    .venv/bin/python bench/front_door.py [--pack ../shared/data] [--runs 5]

Each command runs ``--runs`` times as a fresh process after one warm-up run
(which also fills the pack-summary cache of ``data status``); the median
wall-clock time is printed, and whether the process imported vectorbt,
quantstats or numba (it must not).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['macropatch', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('macropatch', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "heavy = sorted(name for name in ('vectorbt', 'quantstats', 'numba') if name in sys.modules)\n"
    "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
)


def _timed(arguments: list[str], environment: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    elapsed = time.perf_counter() - started
    heavy = next((line[6:] for line in done.stderr.splitlines() if line.startswith("HEAVY=")), "?")
    return elapsed, heavy


def main() -> None:
    """Print one line per command: median seconds and the heavy modules it imported."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=Path("../shared/data"))
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    commands = [
        ["--help"],
        ["strategies"],
        ["signals", "--list"],
        ["data", "status", "--pack", str(arguments.pack)],
    ]
    with tempfile.TemporaryDirectory() as home:
        environment = {**os.environ, "MACROPATCH_HOME": home, "MACROPATCH_OFFLINE": "1"}
        for command in commands:
            _timed(command, environment)  # warm-up: file caches, the pack summaries
            runs = [_timed(command, environment) for _ in range(arguments.runs)]
            median = statistics.median(seconds for seconds, _ in runs)
            heavy = runs[-1][1] or "none"
            print(f"macropatch {' '.join(command):<40} {median:5.2f} s   heavy imports: {heavy}")


if __name__ == "__main__":
    main()

"""How long a run takes the first time into a folder, and again with nothing changed.

Run from the repository with the pack beside it::

    .venv/bin/python bench/rerun.py [--experiment experiments/default.toml]
                                    [--pack ../shared/data] [--runs 3]

After one warm-up run (numba's cache, the store, the page caches of the
system), each round times ``macropatch run`` as a fresh process twice: first
into an empty folder (every tearsheet drawn), then again into the same folder
with nothing changed (every page reused from the run it replaces, see
``reports/reuse.py``). Prints the median of each, their ratio, and
the peak memory of the largest process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(experiment: Path, pack: Path, out: Path, home: Path) -> float:
    """Seconds of one ``macropatch run`` into ``out`` (raises if it fails)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "macropatch", "run", "--experiment", str(experiment),
         "--pack", str(pack), "--out", str(out)],
        check=True,
        capture_output=True,
        env={**os.environ, "MACROPATCH_HOME": str(home), "MACROPATCH_OFFLINE": "1"},
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    """Print the first and the repeated run's median seconds, their ratio and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", type=Path, default=Path("experiments/default.toml"))
    parser.add_argument("--pack", type=Path, default=Path("../shared/data"))
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    experiment, pack = arguments.experiment.resolve(), arguments.pack.resolve()
    with tempfile.TemporaryDirectory(prefix="macropatch-rerun-") as scratch:
        folder = Path(scratch)
        home = folder / "home"
        _run(experiment, pack, folder / "warm-up", home)
        first, again = [], []
        for round_number in range(arguments.runs):
            out = folder / f"round-{round_number}"
            first.append(_run(experiment, pack, out, home))
            again.append(_run(experiment, pack, out, home))
            shutil.rmtree(out)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    median_first, median_again = statistics.median(first), statistics.median(again)
    print(f"experiment          {arguments.experiment}")
    print(
        f"first run (empty)   {median_first:6.1f} s   runs: {', '.join(f'{t:.1f}' for t in first)}"
    )
    print(
        f"same run again      {median_again:6.1f} s   runs: {', '.join(f'{t:.1f}' for t in again)}"
    )
    print(f"ratio               {median_again / median_first:6.2f}   (target: at most 0.33)")
    print(f"peak memory         {peak:6.2f} GB (largest process)")


if __name__ == "__main__":
    main()

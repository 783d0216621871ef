"""A sweep on a real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1, started as a user starts them, reached through ``--scheduler``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.macropatch.cli_helpers import run_macropatch

pytestmark = pytest.mark.pack

STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(arguments: list[str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m distributed.cli.<command> ARGUMENTS``: what the ``dask`` command runs."""
    with open(log, "wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", *arguments],
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped as a group below, whatever it started
            env={**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"},
        )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """A scheduler and two single-threaded workers; their address; all stopped afterwards."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    processes = [
        _start(
            ["distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
            tmp_path / "scheduler.log",
        )
    ]  # fmt: skip
    try:
        for number in range(2):
            processes.append(
                _start(
                    ["distributed.cli.dask_worker", address, "--nworkers", "1",
                     "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                    tmp_path / f"worker-{number}.log",
                )
            )  # fmt: skip
        _wait_for_workers(address, 2, tmp_path)
        yield address
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_for_workers(address: str, count: int, folder: Path) -> None:
    from distributed import Client

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            with Client(address, timeout=5) as client:
                client.wait_for_workers(count, timeout=max(1.0, deadline - time.monotonic()))
                return
        except (OSError, TimeoutError):
            time.sleep(0.5)
    logs = "\n".join(path.read_text(errors="replace")[-2000:] for path in folder.glob("*.log"))
    pytest.fail(f"the Dask cluster at {address} did not get {count} workers:\n{logs}")


def test_a_sweep_on_a_running_dask_cluster_equals_the_inline_sweep(
    cluster: str, sweep_run: Path, pack_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "on-the-cluster"
    done = run_macropatch(
        ["sweep", "--experiment", str(sweep_run.parent / "sweep.toml"), "--pack", str(pack_path),
         "--out", str(out), "--executor", "dask", "--scheduler", cluster],
        tmp_path,
        tmp_path / "home",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"Dask scheduler {cluster}, 2 workers" in done.stdout
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "variants.csv"), pd.read_csv(sweep_run / "variants.csv")
    )
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "walk_forward.csv"), pd.read_csv(sweep_run / "walk_forward.csv")
    )

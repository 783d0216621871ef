"""Several macropatch processes on one store: they wait for each other, then all succeed.

The test process itself holds the store open for writing (as an import does while it
writes) until every started process has said it is waiting, so the waiting is certain,
not a matter of timing; then it lets go and the processes contend among themselves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.ingest import import_pack
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.store import Store
from tests.conftest import cheap_experiment
from tests.macropatch.test_crash_safety import store_digest

pytestmark = pytest.mark.pack


def start(
    arguments: list[str], home: Path, log: Path, **environment: str
) -> subprocess.Popen[bytes]:
    variables = {**os.environ, "MACROPATCH_HOME": str(home), "MACROPATCH_OFFLINE": "1"}
    variables.pop("MACROPATCH_PACK", None)
    variables.update(environment)
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "macropatch", *arguments],
            env=variables,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def commands(tmp_path: Path, pack_path: Path) -> dict[str, list[str]]:
    experiment = tmp_path / "cheap.toml"
    cheap_experiment(experiment)
    run = ["run", "--experiment", str(experiment), "--start", "2019-01-02", "--end", "2020-12-31"]
    return {
        "import": ["data", "import", str(pack_path)],
        "run_a": [*run, "--out", str(tmp_path / "run_a")],  # no pack: the store must serve
        "run_b": [*run, "--out", str(tmp_path / "run_b")],
    }


def test_two_runs_and_an_import_wait_for_each_other(tmp_path: Path, pack_path: Path) -> None:
    home = tmp_path / "home"
    path = home / "store.duckdb"
    import_pack(Pack(pack_path), Store(path))
    before = store_digest(path)

    holder = duckdb.connect(str(path))  # a writer holds the store
    try:
        logs = {name: tmp_path / f"{name}.stderr" for name in ("import", "run_a", "run_b")}
        processes = {
            name: start(arguments, home, logs[name])
            for name, arguments in commands(tmp_path, pack_path).items()
        }
        deadline = time.monotonic() + 180
        waiting: set[str] = set()
        while waiting != set(processes) and time.monotonic() < deadline:
            for name, process in processes.items():
                assert process.poll() is None, f"{name} ended first: {logs[name].read_text()}"
                if "store busy:" in logs[name].read_text():
                    waiting.add(name)
            time.sleep(0.05)
        assert waiting == set(processes), "not every process reached the store in time"
    finally:
        holder.close()

    notice = f"store busy: another macropatch process is using {path}; waiting up to 60 s"
    for name, process in processes.items():
        assert process.wait(timeout=300) == 0, logs[name].read_text()
        lines = logs[name].read_text().splitlines()
        assert [line for line in lines if "store busy" in line] == [notice], lines
    for name in ("run_a", "run_b"):
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        assert set(summary["strategies"]) == {"spy_buy_and_hold", "sixty_forty"}
        assert summary["run"]["period"]["start"] == "2019-01-02"
        data = {item["series"]: item for item in summary["run"]["data"]}  # no pack: the store's
        assert data["spy"]["location"] == "etf/spy_adjclose_daily.csv"
    store = Store(path)
    assert (
        len(store.read_all(load_catalog()))
        == len(store.status())
        == sum(1 for spec in load_catalog().values() if spec.pack_file)
    )
    assert store_digest(path) == before  # the same pack imported again: the same values


def test_a_busy_store_gives_up_after_a_tiny_timeout(tmp_path: Path, pack_path: Path) -> None:
    home = tmp_path / "home"
    path = home / "store.duckdb"
    catalog = load_catalog()
    Store(path).write(
        [
            SeriesData(
                spec=catalog["spy"],
                values=pd.Series(
                    [1.0, 2.0], index=pd.bdate_range("2024-01-02", periods=2, name="date")
                ),
                provenance=Provenance(
                    source="pack", location="spy.csv", fetched_at="2024", content_hash="x"
                ),
            )
        ]
    )
    before = store_digest(path)
    holder = duckdb.connect(str(path))
    try:
        chosen = commands(tmp_path, pack_path)
        processes = {
            name: start(
                chosen[name], home, tmp_path / f"{name}.stderr", MACROPATCH_STORE_TIMEOUT="1"
            )
            for name in ("import", "run_a")
        }
        codes = {name: process.wait(timeout=120) for name, process in processes.items()}
    finally:
        holder.close()
    for name, code in codes.items():
        lines = (tmp_path / f"{name}.stderr").read_text().splitlines()
        assert code == 2, lines
        assert lines == [
            f"store busy: another macropatch process is using {path}; waiting up to 1 s",
            f"error: store busy: {path} is locked by another process (gave up after 1 s)",
        ]
    assert not (tmp_path / "run_a").exists()
    assert store_digest(path) == before

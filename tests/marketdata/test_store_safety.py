"""The store under pressure: another process holding it, a damaged file, a rebuild."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.store import (
    DEFAULT_STORE_TIMEOUT_SECONDS,
    Store,
    StoreBusyError,
    StoreDamagedError,
    store_timeout_from_environment,
)
from tests.macropatch.cli_helpers import run_cli

CATALOG = load_catalog()

#: A process that opens a DuckDB file (for writing, or read-only with "ro"), says so and holds
#: it until its stdin closes.
HOLDER = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
sys.stdin.read()
connection.close()
"""


@contextmanager
def held(path: Path, *, read_only: bool = False) -> Iterator[subprocess.Popen[str]]:
    """Another process holding ``path`` until the block ends (or its stdin is closed)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), "ro" if read_only else "rw"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        if holder.stdin is not None and not holder.stdin.closed:
            holder.stdin.close()
        holder.wait(timeout=30)


def random_series(series_id: str, rows: int, seed: int) -> SeriesData:
    generator = np.random.default_rng(seed)
    index = pd.bdate_range("2000-01-03", periods=rows, name="date")
    return SeriesData(
        spec=CATALOG[series_id],
        values=pd.Series(100 * np.exp(np.cumsum(generator.normal(0, 0.01, rows))), index=index),
        provenance=Provenance(
            source="pack", location=f"{series_id}.csv", fetched_at="2024-01-01", content_hash="x"
        ),
    )


@pytest.fixture
def filled(tmp_path: Path) -> Store:
    """A store of ten price series, 6,000 days each."""
    store = Store(tmp_path / "store.duckdb")
    ids = ["spy", "qqq", "iwm", "ijr", "xly", "xlp", "xlu", "xle", "xlk", "gld"]
    store.write([random_series(series_id, 6000, seed) for seed, series_id in enumerate(ids)])
    return store


# ------------------------------------------------------------------ waiting for a busy store


def test_timeout_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MACROPATCH_STORE_TIMEOUT", raising=False)
    assert store_timeout_from_environment() == DEFAULT_STORE_TIMEOUT_SECONDS == 60
    monkeypatch.setenv("MACROPATCH_STORE_TIMEOUT", "2.5")
    assert store_timeout_from_environment() == 2.5
    for bad in ("soon", "-1", "nan"):
        monkeypatch.setenv("MACROPATCH_STORE_TIMEOUT", bad)
        with pytest.raises(UserError, match=f"MACROPATCH_STORE_TIMEOUT: '{bad}' is not"):
            store_timeout_from_environment()


def test_a_reader_waits_for_a_writer_then_reads(filled: Store) -> None:
    messages: list[str] = []
    store = Store(filled.path, timeout_seconds=30, on_wait=messages.append)
    with held(filled.path) as holder:
        assert holder.stdin is not None
        threading.Timer(1.0, holder.stdin.close).start()
        started = time.monotonic()
        stored = store.read_all(CATALOG)
        waited = time.monotonic() - started
    assert waited >= 0.9 and len(stored) == 10
    assert messages == [
        f"store busy: another macropatch process is using {filled.path}; waiting up to 30 s"
    ]


def test_a_writer_gives_up_after_the_timeout(
    filled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MACROPATCH_STORE_TIMEOUT", "0.5")
    messages: list[str] = []
    store = Store(filled.path, on_wait=messages.append)
    with held(filled.path, read_only=True):  # readers share the file; a writer must wait
        assert len(Store(filled.path).read_all(CATALOG)) == 10
        started = time.monotonic()
        with pytest.raises(StoreBusyError) as busy:
            store.write([random_series("spy", 10, 1)])
        assert 0.4 < time.monotonic() - started < 5
    assert str(busy.value) == (
        f"store busy: {filled.path} is locked by another process (gave up after 0.5 s)"
    )
    assert len(messages) == 1
    assert store.read(CATALOG, "spy").values.size == 6000  # type: ignore[union-attr]


# ------------------------------------------------------------------ damaged files


def garble(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "text":
        path.write_text("this is not a database\n")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        os.truncate(path, size // 10)
    elif how == "garbled header":
        with path.open("r+b") as handle:
            handle.seek(100)
            handle.write(os.urandom(2000))
    else:  # garbled data: 4 KB overwritten at a dozen places in the middle of the file
        with path.open("r+b") as handle:
            for offset in np.linspace(size * 0.05, size * 0.6, 12).astype(int):
                handle.seek(int(offset))
                handle.write(b"\xa5" * 4096)


DAMAGES = ["text", "empty", "truncated", "garbled header", "garbled data"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_store_is_named_with_the_fix(filled: Store, how: str) -> None:
    garble(filled.path, how)
    for action in (
        lambda: filled.read_all(CATALOG),
        filled.status,
        lambda: filled.write([random_series("spy", 10, 1)]),
    ):
        with pytest.raises(StoreDamagedError) as damaged:
            action()
        message = str(damaged.value)
        assert message.startswith(f"the store {filled.path} is damaged (")
        assert message.endswith("); rebuild it with: macropatch data rebuild [PACK]")
        assert "\n" not in message
    assert filled.damage() is not None


def test_the_command_line_answers_a_damaged_store_in_one_line(
    isolated_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = isolated_environment / "store.duckdb"
    store.write_text("not a database")
    for command in (["data", "status"], ["data", "check"]):
        outcome = run_cli(command, capsys, monkeypatch)
        assert outcome.code == 2
        (line,) = outcome.stderr.splitlines()
        assert line == (
            f"error: the store {store} is damaged (The file exists, but it is not a valid "
            "DuckDB database file!); rebuild it with: macropatch data rebuild [PACK]"
        )
    assert store.read_text() == "not a database"


# ------------------------------------------------------------------ rebuild


def test_rebuild_without_a_pack_keeps_user_series_and_the_old_file(
    isolated_environment: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept, gone = tmp_path / "revenue.csv", tmp_path / "gpus.csv"
    kept.write_text("date,value\n2024-01-01,10\n2024-04-01,11\n")
    gone.write_text("date,value\n2024-01-01,40\n2024-04-01,42\n")
    for series_id, path in (("ai_revenue", kept), ("datacenter_gpu_revenue", gone)):
        assert (
            run_cli(["data", "import-series", series_id, str(path)], capsys, monkeypatch).code == 0
        )
    gone.unlink()
    store = Store()
    before = store.path.read_bytes()

    outcome = run_cli(["data", "rebuild"], capsys, monkeypatch)
    assert outcome.code == 0, outcome.stderr
    (aside,) = isolated_environment.glob("store.duckdb.previous-*")
    assert aside.read_bytes() == before  # a healthy store moved aside, untouched
    assert "The old store was not damaged: kept as" in outcome.stdout
    assert "No pack given (pass DIR or set MACROPATCH_PACK): no pack series imported" in (
        outcome.stdout
    )
    assert "User-supplied series imported again: ai_revenue" in outcome.stdout
    assert f"Not imported again: datacenter_gpu_revenue ({gone} is gone)" in outcome.stdout
    assert [row.series_id for row in store.status()] == ["ai_revenue"]
    assert store.read(CATALOG, "ai_revenue").values.tolist() == [10.0, 11.0]  # type: ignore[union-attr]


@pytest.mark.pack
def test_rebuild_replaces_a_damaged_store_from_the_pack(
    isolated_environment: Path,
    pack_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store()
    store.write([random_series("spy", 6000, 0), random_series("qqq", 6000, 1)])
    garble(store.path, "garbled data")
    damaged = store.path.read_bytes()
    status = run_cli(["data", "status"], capsys, monkeypatch)
    assert status.code == 2 and "rebuild it with: macropatch data rebuild [PACK]" in status.stderr

    outcome = run_cli(["data", "rebuild", str(pack_path)], capsys, monkeypatch)
    assert outcome.code == 0, outcome.stderr
    (aside,) = isolated_environment.glob("store.duckdb.damaged-*")
    assert aside.read_bytes() == damaged  # kept, byte for byte
    assert "The old store was damaged (" in outcome.stdout
    packed = sum(1 for spec in CATALOG.values() if spec.pack_file)
    assert f"Imported {packed} series from {pack_path}" in outcome.stdout
    assert "Data quality: 0 hard findings" in outcome.stdout
    assert len(store.read_all(CATALOG)) == packed
    assert run_cli(["data", "status"], capsys, monkeypatch).code == 0
    assert not list(isolated_environment.glob("*.rebuilding-*"))


def test_read_all_matches_read(filled: Store) -> None:
    everything = filled.read_all(CATALOG)
    assert sorted(everything) == sorted(row.series_id for row in filled.status())
    for series_id, data in everything.items():
        one = filled.read(CATALOG, series_id)
        assert one is not None and one.provenance == data.provenance
        pd.testing.assert_series_equal(one.values, data.values)

"""`kill -9` of `macropatch data import` while it writes: the store keeps the earlier data.

A first import fills the store; a second import, of a pack whose SPY file differs, is
killed at a random moment after it has started writing (seen from outside: the store
file or its write-ahead log changes). Afterwards the store opens and holds exactly the
data of the first import. (Kill -9 during `sweep` is tested in test_sweep.py.)
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.ingest import import_pack
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.store import Store
from tests.macropatch.cli_helpers import partial_pack

pytestmark = pytest.mark.pack

CATALOG = load_catalog()
TRIALS = 3


def store_digest(path: Path) -> str:
    """SHA-256 of every stored value and its provenance (not the import ids or times)."""
    digest = hashlib.sha256()
    for series_id, data in sorted(Store(path).read_all(CATALOG).items()):
        digest.update(series_id.encode())
        digest.update(repr(sorted(data.provenance.to_dict().items())).encode())
        digest.update(data.values.index.to_numpy(dtype="datetime64[D]").tobytes())
        digest.update(data.values.to_numpy(dtype=float).tobytes())
    return digest.hexdigest()


def changed_pack(pack_path: Path, target: Path) -> Path:
    """The pack with SPY's prices 1% higher: a second import that changes the store."""
    relative = "etf/spy_adjclose_daily.csv"
    lines = (pack_path / relative).read_text().splitlines()
    rows = [lines[0]] + [
        f"{date},{float(value) * 1.01!r}" for date, value in (line.split(",") for line in lines[1:])
    ]
    return partial_pack(pack_path, target, replace={relative: "\n".join(rows) + "\n"})


def file_state(home: Path) -> tuple[object, ...]:
    store, wal = home / "store.duckdb", home / "store.duckdb.wal"
    status = store.stat()
    return (status.st_size, status.st_mtime_ns, wal.exists())


def test_an_import_killed_while_writing_leaves_the_earlier_data(
    tmp_path: Path, pack_path: Path
) -> None:
    first = tmp_path / "first"
    import_pack(Pack(pack_path), Store(first / "store.duckdb"))
    before = store_digest(first / "store.duckdb")
    pack = changed_pack(pack_path, tmp_path / "changed")

    delays = [random.uniform(0.0, 0.6) for _ in range(TRIALS)]
    trials = []
    for number, delay in enumerate(delays):
        home = tmp_path / f"trial{number}"
        home.mkdir()
        shutil.copyfile(first / "store.duckdb", home / "store.duckdb")
        environment = {**os.environ, "MACROPATCH_HOME": str(home), "MACROPATCH_OFFLINE": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "macropatch", "data", "import", str(pack)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        trials.append((home, delay, process, file_state(home)))

    # Kill each import `delay` seconds after its store file starts changing.
    pending = {number: None for number in range(TRIALS)}
    deadline = time.monotonic() + 180
    while pending and time.monotonic() < deadline:
        for number in list(pending):
            home, delay, process, initial = trials[number]
            if process.poll() is not None:
                del pending[number]
            elif pending[number] is None and file_state(home) != initial:
                pending[number] = time.monotonic() + delay
            elif pending[number] is not None and time.monotonic() >= pending[number]:
                process.send_signal(signal.SIGKILL)
                del pending[number]
        time.sleep(0.002)

    killed_midway = 0
    for home, delay, process, _ in trials:
        process.wait(timeout=60)
        assert process.stderr is not None
        stderr = process.stderr.read().decode()
        after = store_digest(home / "store.duckdb")  # opens (replaying the log) and reads all
        if process.returncode == -signal.SIGKILL and after == before:
            killed_midway += 1
            continue
        # The kill came after the commit, or the import finished first: then it is all there.
        assert after == store_digest_of_import(pack, tmp_path / "reference"), (delay, stderr)
        assert process.returncode in (0, -signal.SIGKILL), stderr
    assert killed_midway >= 1, f"no kill landed inside the transaction (delays {delays})"


_REFERENCE: dict[Path, str] = {}


def store_digest_of_import(pack: Path, home: Path) -> str:
    """The digest of a store that imported ``pack`` in full (computed once, on demand)."""
    if pack not in _REFERENCE:
        home.mkdir(exist_ok=True)
        import_pack(Pack(pack), Store(home / "store.duckdb"))
        _REFERENCE[pack] = store_digest(home / "store.duckdb")
    return _REFERENCE[pack]

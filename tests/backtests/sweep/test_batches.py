"""Batch files: whole or absent, never mixed with another sweep's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from macropatch.backtests.sweep.batches import BatchStore
from macropatch.backtests.sweep.runner import WORKER_BASELINE_BYTES, batch_plan
from macropatch.marketdata.errors import UserError

PLAN = [[0, 1], [2, 3], [4]]


def _numbers(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    return generator.normal(size=(count, 10)), generator.random(count)


def test_write_read_and_resume(tmp_path: Path) -> None:
    store = BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=False)
    assert store.finished() == []
    returns, turnover = _numbers(2, 1)
    store.write(1, returns, turnover)
    assert store.finished() == [1]
    np.testing.assert_array_equal(store.read(1).returns, returns)
    # a half-written file (an interrupted write) is not a finished batch
    (tmp_path / "b" / "batch-00000.npz").write_bytes(b"PK\x03\x04 truncated")
    again = BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=True)
    assert again.finished() == [1]
    np.testing.assert_array_equal(again.read(1).turnover, turnover)
    fresh = BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=False)
    assert fresh.finished() == []


def test_another_sweep_is_not_resumed(tmp_path: Path) -> None:
    store = BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=False)
    store.write(0, *_numbers(2, 2))
    with pytest.raises(UserError, match="holds batches of another sweep"):
        BatchStore(tmp_path / "b", fingerprint="other", batches=PLAN, resume=True)
    with pytest.raises(UserError, match="holds batches of another sweep"):
        BatchStore(tmp_path / "b", fingerprint="abc", batches=[[0, 1, 2], [3, 4]], resume=True)
    assert BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=True).finished() == [
        0
    ]


def test_a_folder_of_an_earlier_batch_format_is_emptied_never_resumed(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "manifest.json").write_text(
        '{"schema": "macropatch.sweep-batches/1", "fingerprint": "abc", "batches": [[0, 1]]}'
    )
    (folder / "batch-00000.npz").write_bytes(b"daily turnover of an earlier version")
    with pytest.raises(UserError, match="holds batches of another sweep"):
        BatchStore(folder, fingerprint="abc", batches=PLAN, resume=True)
    store = BatchStore(folder, fingerprint="abc", batches=PLAN, resume=False)
    assert store.finished() == []
    assert sorted(path.name for path in folder.iterdir()) == ["manifest.json"]


def test_a_batch_of_the_wrong_shape_is_refused_before_it_is_written(tmp_path: Path) -> None:
    store = BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=False)
    returns, _ = _numbers(2, 4)
    with pytest.raises(ValueError, match="batch 0"):
        store.write(0, returns, np.zeros((2, 10)))
    assert store.finished() == []


def test_partial_files_a_killed_sweep_left_are_removed_on_resume(tmp_path: Path) -> None:
    store = BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=False)
    store.write(0, *_numbers(2, 3))
    (tmp_path / "b" / "batch-00001.partial").write_bytes(b"half a batch")
    again = BatchStore(tmp_path / "b", fingerprint="abc", batches=PLAN, resume=True)
    assert again.finished() == [0]
    assert sorted(path.name for path in (tmp_path / "b").iterdir()) == [
        "batch-00000.npz",
        "manifest.json",
    ]


def test_a_folder_macropatch_did_not_write_is_refused_not_emptied(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "thesis.md").write_text("mine")
    for resume in (False, True):
        with pytest.raises(UserError, match="holds files macropatch did not write"):
            BatchStore(folder, fingerprint="abc", batches=PLAN, resume=resume)
    assert (folder / "thesis.md").read_text() == "mine"


def test_batch_plan_bounds_memory_and_balances() -> None:
    batches = batch_plan(1000, days=6600, assets=8, workers=2, max_memory=2 * 2**30)
    assert sorted(position for batch in batches for position in batch) == list(range(1000))
    assert len(batches) >= 8  # at least four per worker
    small = batch_plan(
        1000, days=6600, assets=8, workers=2, max_memory=2 * WORKER_BASELINE_BYTES + 2**25
    )
    per_variant = 6600 * (8 * 48 + 16)
    assert max(map(len, small)) * per_variant <= 2**24
    with pytest.raises(ValueError, match="too small"):
        batch_plan(10, days=6600, assets=8, workers=2, max_memory=2**20)

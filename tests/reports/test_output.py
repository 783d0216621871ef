"""Output folders: only macropatch's own are replaced, in one step, and the dead's leftovers go."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from macropatch.marketdata.errors import UserError
from macropatch.marketdata.processes import process_token
from macropatch.reports.output import FolderKind, check_output_folder, is_folder_of, staged_folder
from tests.macropatch.cli_helpers import tree_digest

RUN = {"schema": FolderKind.RUN.schema}


def _run_folder(folder: Path, note: str = "old") -> Path:
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({**RUN, "note": note}))
    return folder


def test_a_folder_is_a_run_only_by_macropatchs_schema(tmp_path: Path) -> None:
    assert is_folder_of(_run_folder(tmp_path / "run"), FolderKind.RUN)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.json").write_text('{"run": "my own notes"}')
    assert not is_folder_of(mine, FolderKind.RUN)
    with pytest.raises(UserError, match="is not empty and is not a macropatch run"):
        check_output_folder(mine)
    (mine / "summary.json").write_text("[" * 100_000)  # not even JSON a parser survives
    assert not is_folder_of(mine, FolderKind.RUN)


def test_a_symbolic_link_in_the_targets_place_is_refused(tmp_path: Path) -> None:
    real = _run_folder(tmp_path / "real")
    link = tmp_path / "latest"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(UserError, match="is a symbolic link"):
        check_output_folder(link)


def test_the_new_folder_replaces_the_old_and_keeps_what_it_is_told(tmp_path: Path) -> None:
    target = _run_folder(tmp_path / "latest")
    (target / "batches").mkdir()
    (target / "batches" / "b.npz").write_bytes(b"finished batch")
    with staged_folder(target, FolderKind.RUN, keep=("batches",)) as folder:
        (folder / "summary.json").write_text(json.dumps({**RUN, "note": "new"}))
    assert json.loads((target / "summary.json").read_text())["note"] == "new"
    assert (target / "batches" / "b.npz").read_bytes() == b"finished batch"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["latest"]


def test_a_full_disk_while_writing_is_said_and_leaves_the_old_folder(tmp_path: Path) -> None:
    target = _run_folder(tmp_path / "latest")
    before = tree_digest(target)
    with (
        pytest.raises(UserError, match="is full: .*latest is as it was"),
        staged_folder(target) as folder,
    ):
        (folder / "summary.json").write_text("{}")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert tree_digest(target) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["latest"]


def test_leftovers_of_dead_processes_go_and_those_of_live_ones_stay(tmp_path: Path) -> None:
    target = _run_folder(tmp_path / "latest")
    dead = tmp_path / ".latest.staging-999999999-1"
    dead.mkdir()
    live = tmp_path / f".latest.staging-{process_token(os.getppid())}"
    live.mkdir()
    check_output_folder(target)
    assert not dead.exists() and live.exists()


def test_a_previous_folder_with_no_target_is_put_back(tmp_path: Path) -> None:
    previous = _run_folder(tmp_path / ".latest.previous-999999999-1", note="kept")
    check_output_folder(tmp_path / "latest")
    assert not previous.exists()
    assert json.loads((tmp_path / "latest" / "summary.json").read_text())["note"] == "kept"


def test_the_folder_schemas_are_the_documents_schemas() -> None:
    """A folder is recognised by the schema id its typed document writes."""
    from macropatch.backtests.sweep.batches import BATCHES_SCHEMA
    from macropatch.backtests.sweep.document import SWEEP_SCHEMA
    from macropatch.reports.documents import RUN_SCHEMA

    assert FolderKind.RUN.schema == RUN_SCHEMA
    assert FolderKind.SWEEP.schema == SWEEP_SCHEMA
    assert FolderKind.SWEEP_BATCHES.schema == BATCHES_SCHEMA

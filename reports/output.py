"""An output folder written all at once or not at all.

Files go to a hidden staging folder beside the target; only when everything
is written does the staging folder replace the target (two renames on the
same file system). An error or an interrupt leaves the earlier output as it
was. An existing target is replaced only if it is empty or holds an earlier
run (it has ``summary.json``), so a mistyped ``--out`` never deletes a
user's folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from marketdata.errors import UserError

__all__ = ["RUN_MARKER", "check_output_folder", "resolve_folder", "staged_folder"]

#: A folder holding this file is an earlier run that may be replaced.
RUN_MARKER = "summary.json"


def resolve_folder(folder: Path) -> Path:
    """``folder`` made absolute, ``~`` expanded; a ``UserError`` names a ``~user`` that does
    not exist."""
    try:
        return Path(folder).expanduser().absolute()
    except RuntimeError as error:  # ~someone without a home directory
        raise UserError(f"folder {folder}: {error}") from None


def check_output_folder(target: Path) -> None:
    """Raise ``UserError`` now if ``target`` could not receive a run (before the work)."""
    target = resolve_folder(target)
    _check_target(target)
    parent = next((folder for folder in (target, *target.parents) if folder.exists()), None)
    if parent is not None and not parent.is_dir():
        raise UserError(f"output folder {target} cannot be written: {parent} is a file")


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise UserError(f"output folder {target} exists and is a file")
    if target.is_dir() and any(target.iterdir()) and not (target / RUN_MARKER).is_file():
        raise UserError(
            f"output folder {target} is not empty and holds no earlier run; choose another --out"
        )


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes ``target``."""
    target = resolve_folder(target)
    _check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.staging-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as error:
        raise UserError(f"output folder {target} cannot be written: {error.strerror}") from None
    try:
        yield staging
        _check_target(target)
        previous = target.parent / f".{target.name}.previous-{os.getpid()}"
        if target.exists():
            os.replace(target, previous)
        os.replace(staging, target)
        if previous.exists():
            shutil.rmtree(previous, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

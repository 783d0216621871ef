"""Output folders written all at once or not at all, and never a folder macropatch did not write.

**Whose folder.** A folder macropatch may replace is one it wrote itself: it
is empty, or its marker file (``summary.json`` of a run, ``sweep.json`` of a
sweep, ``batches/manifest.json`` of an unfinished sweep) is a JSON object
whose ``"schema"`` names that kind of folder (:class:`FolderKind`). A user's
folder that merely holds a file of the same name is refused with a
:class:`macropatch.marketdata.errors.UserError`.

**All at once.** Files go to a hidden staging folder beside the target,
``.<name>.staging-<process>``. When everything is written the two folders
trade places in one step (``renameat2(RENAME_EXCHANGE)`` on Linux), so the
target holds the old version or the new one at every moment, whatever
kills the process; where that call is missing the old folder is first
renamed ``.<name>.previous-<process>``. A Ctrl-C during the swap is held
back until the swap is over.

**Left by the dead.** Every use of a target first looks beside it for
staging and previous folders of processes that no longer run: a previous
folder with no target is put back in its place, the rest is removed.
Folders of live processes are left alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import errno
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from macropatch.backtests.sweep.batches import BATCHES_SCHEMA, EARLIER_SCHEMAS
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.interrupts import deferred_interrupts
from macropatch.marketdata.processes import is_alive, process_token

__all__ = [
    "MARKER_LIMIT_BYTES",
    "RUN_MARKER",
    "FolderKind",
    "check_output_folder",
    "is_folder_of",
    "read_marker",
    "resolve_folder",
    "staged_folder",
    "swap_folders",
]

#: The file of a run folder that carries the run's schema.
RUN_MARKER = "summary.json"

#: A marker file larger than this is not one macropatch wrote (read no further).
MARKER_LIMIT_BYTES = 64 * 2**20


class FolderKind(enum.Enum):
    """The kinds of folder macropatch writes; the value is the schema id in the marker."""

    RUN = "macropatch.run"
    """A run (``macropatch run``, ``stress``, ``report``): ``summary.json``."""
    SWEEP = "macropatch.sweep"
    """A sweep: ``sweep.json``, or ``batches/manifest.json`` while it runs."""
    SWEEP_BATCHES = BATCHES_SCHEMA.split("/")[0]
    """A sweep's finished batches: ``manifest.json``."""
    EVIDENCE = "macropatch.evidence"
    """The evidence alone (``macropatch evidence``): ``evidence.json`` and no run."""

    @property
    def schema(self) -> str:
        """The schema id and version written into the marker."""
        return BATCHES_SCHEMA if self is FolderKind.SWEEP_BATCHES else f"{self.value}/1"

    @property
    def markers(self) -> tuple[tuple[str, str], ...]:
        """``(relative path, schema)`` of the files that mark a folder of this kind (batches
        an earlier version wrote mark one too).
        """
        batches = [("manifest.json", schema) for schema in (BATCHES_SCHEMA, *EARLIER_SCHEMAS)]
        return {
            FolderKind.RUN: ((RUN_MARKER, self.schema),),
            FolderKind.SWEEP: (
                ("sweep.json", self.schema),
                *((f"batches/{path}", schema) for path, schema in batches),
            ),
            FolderKind.SWEEP_BATCHES: tuple(batches),
            FolderKind.EVIDENCE: (("evidence.json", self.schema),),
        }[self]

    @property
    def never_over(self) -> tuple[FolderKind, ...]:
        """Kinds whose folders this kind never replaces, though they hold its marker too."""
        return (FolderKind.RUN,) if self is FolderKind.EVIDENCE else ()

    @property
    def noun(self) -> str:
        """What the folder holds, in words (``macropatch run``)."""
        return {
            FolderKind.RUN: "macropatch run",
            FolderKind.SWEEP: "macropatch sweep",
            FolderKind.SWEEP_BATCHES: "macropatch sweep's batches",
            FolderKind.EVIDENCE: "macropatch evidence folder",
        }[self]


def resolve_folder(folder: Path) -> Path:
    """``folder`` made absolute, ``~`` expanded; a ``UserError`` names a ``~user`` that does
    not exist.
    """
    try:
        return Path(folder).expanduser().absolute()
    except RuntimeError as error:  # ~someone without a home directory
        raise UserError(f"folder {folder}: {error}") from None


def read_marker(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path`` if it is a regular file of reasonable size, else None."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size > MARKER_LIMIT_BYTES:
            return None
        with path.open("rb") as handle:
            loaded = json.loads(handle.read(MARKER_LIMIT_BYTES + 1))
    except (OSError, ValueError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _marked(path: Path, schema: str) -> bool:
    marker = read_marker(path)
    return marker is not None and marker.get("schema") == schema


def is_folder_of(folder: Path, kind: FolderKind) -> bool:
    """Whether ``folder`` carries the marker of a macropatch folder of ``kind``."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    return any(_marked(folder / marker, schema) for marker, schema in kind.markers)


def _check_target(target: Path, kind: FolderKind) -> None:
    if target.is_symlink():
        raise UserError(f"output folder {target} is a symbolic link; give the folder itself")
    if target.exists() and not target.is_dir():
        raise UserError(f"output folder {target} exists and is a file")
    if not target.is_dir():
        return
    try:
        empty = not any(target.iterdir())
    except OSError as error:
        raise UserError(f"output folder {target} cannot be read: {error.strerror}") from None
    for other in kind.never_over:
        if is_folder_of(target, other):
            raise UserError(
                f"output folder {target} is a {other.noun}: {kind.noun}s are written to a "
                "folder of their own; choose another --out"
            )
    if empty or is_folder_of(target, kind):
        return
    raise UserError(
        f"output folder {target} is not empty and is not a {kind.noun} (no {kind.markers[0][0]} "
        "written by macropatch); choose another --out"
    )


def check_output_folder(target: Path, kind: FolderKind = FolderKind.RUN) -> None:
    """Raise ``UserError`` now if ``target`` could not receive a folder of ``kind`` (before
    the work); put back a folder a killed process left aside.
    """
    target = resolve_folder(target)
    recover_leftovers(target)
    _check_target(target, kind)
    parent = next((folder for folder in (target, *target.parents) if folder.exists()), None)
    if parent is not None and not parent.is_dir():
        raise UserError(f"output folder {target} cannot be written: {parent} is a file")


def _leftovers(target: Path) -> list[tuple[Path, str, str]]:
    """``(path, "staging" | "previous", process token)`` of every staging or previous folder
    of ``target`` found beside it.
    """
    found = []
    prefix = f".{target.name}."
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        role, _, token = entry.name[len(prefix) :].partition("-")
        if role in ("staging", "previous") and token:
            found.append((entry, role, token))
    return found


def recover_leftovers(target: Path) -> None:
    """Put back the newest previous folder of a dead process when ``target`` is missing;
    remove every other staging and previous folder of dead processes.
    """
    dead = [item for item in _leftovers(target) if not is_alive(item[2])]
    if not dead:
        return
    if not target.exists() and not target.is_symlink():
        previous = [item for item in dead if item[1] == "previous"]
        if previous:
            newest = max(previous, key=lambda item: item[0].stat().st_mtime)
            os.replace(newest[0], target)
            dead.remove(newest)
    for path, _, _ in dead:
        _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_folders(staging: Path, target: Path) -> None:
    """Make ``staging`` the ``target``; the old target, if any, is removed.

    The target holds one whole version at every moment where the system can
    exchange two folders in one step; elsewhere a killed process leaves the
    old version as ``.<name>.previous-<process>``, which the next use puts back.
    """
    with deferred_interrupts(f"{target} had been written in full"):
        if target.exists() and _exchange(staging, target):
            _remove(staging)  # now the old version
            return
        previous = target.parent / f".{target.name}.previous-{process_token()}"
        if target.exists():
            os.replace(target, previous)
        os.replace(staging, target)
        if previous.exists():
            _remove(previous)


def _link_tree(source: Path, destination: Path) -> None:
    """Copy the tree ``source`` to ``destination`` by hard links (copies where not allowed)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, destination, copy_function=link, symlinks=True)


@contextmanager
def staged_folder(
    target: Path, kind: FolderKind = FolderKind.RUN, *, keep: Sequence[str] = ()
) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes ``target``.

    ``keep`` names entries of the current target carried into the new one
    (by hard links, so nothing is copied), e.g. a sweep's ``batches``.
    """
    target = resolve_folder(target)
    check_output_folder(target, kind)
    staging = target.parent / f".{target.name}.staging-{process_token()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as error:
        raise UserError(f"output folder {target} cannot be written: {error.strerror}") from None
    try:
        try:
            yield staging
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise UserError(
                    f"the disk holding {target.parent} is full: {target} is as it was"
                ) from None
            raise
        _check_target(target, kind)
        for name in keep:
            source = target / name
            if source.is_dir() and not source.is_symlink() and not (staging / name).exists():
                _link_tree(source, staging / name)
        swap_folders(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

"""Where a sweep keeps its finished batches, so an interrupted sweep resumes.

Requires a folder and the sweep's fingerprint (a digest of everything that
decides its numbers: grid, strategy, costs, lag, period, data). Produces one
file per finished batch, ``batch-<number>.npz`` holding the variants'
positions in the grid, their daily returns and annualised turnover, written to a
temporary name and renamed, so a batch file is whole or absent; and
``manifest.json`` naming the fingerprint and the batch plan.

A folder started by another sweep (another fingerprint or batch plan) is
never mixed in: resuming it is a :class:`macropatch.marketdata.errors.UserError`, and a
fresh start empties it first. A folder macropatch did not write (no
manifest carrying :data:`BATCHES_SCHEMA`), a symbolic link or a file in its
place is refused, never emptied. Partial batch files a killed sweep left
are removed when the store opens.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from macropatch.marketdata.errors import UserError

__all__ = ["BATCHES_SCHEMA", "EARLIER_SCHEMAS", "BatchStore", "FinishedBatch"]

_MANIFEST = "manifest.json"
#: The schema id in the manifest: the mark of a folder of batches macropatch wrote.
BATCHES_SCHEMA = "macropatch.sweep-batches/2"
#: Schemas of folders an earlier macropatch wrote (batches with daily turnover): emptied
#: by a fresh start, never resumed.
EARLIER_SCHEMAS = ("macropatch.sweep-batches/1",)


@dataclass(frozen=True, kw_only=True)
class FinishedBatch:
    """One batch's numbers: daily returns (variants by days), annualised turnover (one per
    variant).
    """

    positions: np.ndarray
    returns: np.ndarray
    turnover: np.ndarray


class BatchStore:
    """The batch files of one sweep in ``folder``.

    Parameters
    ----------
    folder
        Where the batch files live (created).
    fingerprint
        Digest of the sweep's inputs.
    batches
        The variants' positions in each batch (the batch plan).
    resume
        Keep the batches finished by an earlier, interrupted run of the same
        sweep; otherwise start empty.
    """

    def __init__(
        self, folder: Path, *, fingerprint: str, batches: Sequence[Sequence[int]], resume: bool
    ) -> None:
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.batches = [list(map(int, batch)) for batch in batches]
        manifest = {"schema": BATCHES_SCHEMA, "fingerprint": fingerprint, "batches": self.batches}
        self._check_folder()
        existing = self._manifest()
        if resume and existing is not None and existing != manifest:
            raise UserError(
                f"{self.folder} holds batches of another sweep (other parameters, data or "
                "batch sizes): run without --resume to start over, or choose another --out"
            )
        if (not resume or existing != manifest) and self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        for partial in self.folder.glob("*.partial"):
            partial.unlink(missing_ok=True)
        if self._manifest() is None:
            self._write_text(self.folder / _MANIFEST, json.dumps(manifest))

    def _check_folder(self) -> None:
        """Refuse a folder in the batches' place that macropatch did not write."""
        folder = self.folder
        if folder.is_symlink():
            raise UserError(f"{folder} is a symbolic link, not a sweep's batches folder")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{folder} is a file, not a sweep's batches folder")
        if folder.is_dir() and any(folder.iterdir()):
            manifest = self._manifest()
            if manifest is None or manifest.get("schema") not in (
                BATCHES_SCHEMA,
                *EARLIER_SCHEMAS,
            ):
                raise UserError(
                    f"{folder} holds files macropatch did not write (no {_MANIFEST} of a "
                    "sweep's batches); move them or choose another --out"
                )

    def _manifest(self) -> dict[str, Any] | None:
        path = self.folder / _MANIFEST
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > 2**26:
                return None
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        return loaded if isinstance(loaded, dict) else None

    def _path(self, number: int) -> Path:
        return self.folder / f"batch-{number:05d}.npz"

    def finished(self) -> list[int]:
        """Numbers of the batches whose file is whole."""
        done = []
        for number in range(len(self.batches)):
            try:
                self.read(number)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                continue
            done.append(number)
        return done

    def write(self, number: int, returns: np.ndarray, turnover: np.ndarray) -> None:
        """Store batch ``number`` at once (temporary file, then rename).

        Raises
        ------
        ValueError
            If the numbers do not fit the batch (returns: its variants by days;
            turnover: one per variant); nothing is written.
        """
        variants = len(self.batches[number])
        if returns.ndim != 2 or len(returns) != variants or turnover.shape != (variants,):
            raise ValueError(
                f"batch {number} has {variants} variants: returns {returns.shape} and "
                f"turnover {turnover.shape} do not fit"
            )
        final = self._path(number)
        partial = final.with_suffix(".partial")
        with partial.open("wb") as handle:
            np.savez(
                handle,
                positions=np.asarray(self.batches[number], dtype=np.int64),
                returns=returns,
                turnover=turnover,
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)

    def read(self, number: int) -> FinishedBatch:
        """Batch ``number`` as stored; raises if absent or damaged."""
        with np.load(self._path(number), allow_pickle=False) as data:
            batch = FinishedBatch(
                positions=data["positions"], returns=data["returns"], turnover=data["turnover"]
            )
        if batch.positions.tolist() != self.batches[number]:
            raise ValueError(f"batch {number} holds other variants")
        if (
            batch.returns.ndim != 2
            or batch.turnover.shape != (len(batch.positions),)
            or len(batch.returns) != len(batch.positions)
        ):
            raise ValueError(f"batch {number} is malformed")
        return batch

    @staticmethod
    def _write_text(path: Path, text: str) -> None:
        partial = path.with_suffix(".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)

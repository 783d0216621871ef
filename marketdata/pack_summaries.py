"""What ``data status`` shows of a pack file, remembered until the file changes.

Reading and checking every file of a pack takes seconds; its first and last
date, row count and last availability change only when the file does. A
:class:`SummaryCache` keeps them in one JSON file (beside the store), keyed by
the file's path, size and modification time and by the catalog entry that
reads it; a changed file or entry is read again. The cache is only a shortcut:
a missing, unreadable or foreign file is rebuilt, and it is written whole
(a temporary file renamed over it), so an interrupted write loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from macropatch.marketdata.catalog import SeriesSpec
from macropatch.marketdata.pack import Pack

__all__ = ["PackSummary", "SummaryCache"]

_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class PackSummary:
    """One pack file as read for a catalog entry."""

    first_date: str
    last_date: str
    rows: int
    last_available: str
    """The first day the last observation was knowable."""


class SummaryCache:
    """Pack summaries remembered in ``path`` (nothing remembered when ``path`` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, dict[str, object]] = {}
        self._changed = False
        if path is not None:
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                document = {}
            if isinstance(document, dict) and document.get("version") == _VERSION:
                entries = document.get("entries")
                self._entries = entries if isinstance(entries, dict) else {}

    @staticmethod
    def _key(pack: Pack, spec: SeriesSpec) -> str:
        path = pack.root / str(spec.pack_file)
        stat = path.stat()
        text = f"{path}|{stat.st_size}|{stat.st_mtime_ns}|{spec!r}"
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self, pack: Pack, spec: SeriesSpec) -> PackSummary:
        """The summary of ``spec``'s pack file: remembered, or read (``UserError`` as
        :meth:`Pack.read` raises it) and remembered.
        """
        key = self._key(pack, spec)
        known = self._entries.get(key)
        if isinstance(known, dict):
            try:
                return PackSummary(**known)  # type: ignore[arg-type]
            except TypeError:
                pass
        data = pack.read(spec)
        values = data.values.dropna()
        found = PackSummary(
            first_date=str(values.index[0].date()),
            last_date=str(pd.Timestamp(values.index[-1]).date()),
            rows=len(values),
            last_available=str(pd.Timestamp(data.availability()[-1]).date()),
        )
        self._entries[key] = asdict(found)
        self._changed = True
        return found

    def save(self) -> None:
        """Write the summaries, whole, if anything new was read (a failure is not an error:
        the next status reads the files again).
        """
        if self.path is None or not self._changed:
            return
        document = json.dumps({"version": _VERSION, "entries": self._entries})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(document)
            os.replace(temporary, self.path)
        except OSError:
            return
        self._changed = False

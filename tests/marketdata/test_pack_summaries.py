"""Pack summaries for `data status`: read once, read again when the file or its entry changes,
and a damaged cache is only a missed shortcut."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.pack_summaries import SummaryCache


def _pack(tmp_path: Path) -> tuple[Pack, Path]:
    root = tmp_path / "pack"
    (root / "etf").mkdir(parents=True)
    path = root / "etf" / "spy_adjclose_daily.csv"
    path.write_text("date,adj_close\n2024-01-02,100\n2024-01-03,101\n2024-01-04,102\n")
    return Pack(root), path


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    original = Pack.read

    def counted(self: Pack, spec):  # type: ignore[no-untyped-def]
        reads.append(spec.id)
        return original(self, spec)

    monkeypatch.setattr(Pack, "read", counted)
    return reads


def test_a_summary_is_read_once_and_again_when_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack, path = _pack(tmp_path)
    spec = load_catalog()["spy"]
    reads = _counting(monkeypatch)
    cache_file = tmp_path / "home" / "pack-summaries.json"
    first = SummaryCache(cache_file)
    found = first.summary(pack, spec)
    assert (found.first_date, found.last_date, found.rows) == ("2024-01-02", "2024-01-04", 3)
    first.save()
    again = SummaryCache(cache_file).summary(pack, spec)
    assert again == found and reads == ["spy"]
    path.write_text(path.read_text() + "2024-01-05,103\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    changed = SummaryCache(cache_file).summary(pack, spec)
    assert changed.rows == 4 and reads == ["spy", "spy"]
    # another catalog entry for the same file (another lag) is another summary
    later = dataclasses.replace(spec, publication_lag_days=5)
    SummaryCache(cache_file).summary(pack, later)
    assert reads == ["spy", "spy", "spy"]


def test_a_damaged_cache_is_read_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack, _ = _pack(tmp_path)
    cache_file = tmp_path / "pack-summaries.json"
    cache_file.write_text("{not json")
    reads = _counting(monkeypatch)
    cache = SummaryCache(cache_file)
    assert cache.summary(pack, load_catalog()["spy"]).rows == 3 and reads == ["spy"]
    cache.save()
    assert SummaryCache(cache_file).summary(pack, load_catalog()["spy"]).rows == 3
    assert reads == ["spy"]

"""Tearsheets keyed by their content, so that an unchanged strategy is not drawn again.

A quantstats tearsheet takes seconds to draw and depends only on what goes
into it: the strategy's and the benchmark's daily returns (values, dates and
names), the title and parameter line, and the code that draws it (quantstats,
matplotlib, pandas and the adapter :mod:`macropatch.reports.tearsheet`). Requires
those; produces :func:`tearsheet_key`, a SHA-256 of all of them, which every
tearsheet carries in a ``<meta name="macropatch-tearsheet">`` tag.

:func:`reusable` says whether an earlier file (the same page of the run being
replaced) carries the same key; the caller then copies it instead of drawing.
A file without the tag, another key, or one that cannot be read is drawn again.
Nothing here imports quantstats.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import metadata
from pathlib import Path

import pandas as pd

__all__ = ["KEY_META", "key_tag", "read_key", "reusable", "tearsheet_key"]

KEY_META = "macropatch-tearsheet"
"""The name of the ``<meta>`` tag that holds a tearsheet's key."""

_HEAD_BYTES = 4096
"""The key tag sits at the top of ``<head>``: no need to read a megabyte page."""
_TAG = re.compile(rf'<meta name="{KEY_META}" content="([0-9a-f]{{64}})">')
_DRAWING_PACKAGES = ("quantstats", "matplotlib", "pandas", "numpy")


@functools.cache
def _drawing_code() -> bytes:
    """The versions of the packages that draw a tearsheet, and the adapter's own source."""
    versions = []
    for package in _DRAWING_PACKAGES:
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            versions.append(f"{package}=?")
    adapter = Path(__file__).with_name("tearsheet.py").read_bytes()
    return "\n".join(versions).encode() + b"\n" + hashlib.sha256(adapter).digest()


def _series_digest(series: pd.Series) -> bytes:
    """Values, dates and name of a return series, as bytes that change when any of them does."""
    hashed = pd.util.hash_pandas_object(series.astype(float), index=True)
    return str(series.name).encode() + b"\0" + hashed.to_numpy().tobytes()


def tearsheet_key(returns: pd.Series, benchmark: pd.Series, *, title: str, subtitle: str) -> str:
    """The SHA-256 of everything a tearsheet shows and of the code that draws it."""
    digest = hashlib.sha256(_drawing_code())
    for part in (_series_digest(returns), _series_digest(benchmark), title.encode()):
        digest.update(part + b"\0")
    digest.update(subtitle.encode())
    return digest.hexdigest()


def key_tag(key: str) -> str:
    """The ``<meta>`` tag that carries ``key`` (empty for no key)."""
    return f'<meta name="{KEY_META}" content="{key}">' if key else ""


def read_key(path: Path) -> str | None:
    """The key of the tearsheet in ``path``; ``None`` if it has none or cannot be read."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    found = _TAG.search(head)
    return found.group(1) if found else None


def reusable(previous: Path | None, key: str) -> bool:
    """Whether ``previous`` (an earlier render of the same page) was drawn from ``key``."""
    return previous is not None and previous.is_file() and read_key(previous) == key

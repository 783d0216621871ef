"""Pages keyed by their content, so that a run with nothing changed draws nothing again.

A page depends only on what it shows and on the code that draws it. Requires
those inputs; produces :func:`content_key`, a SHA-256 of them and of the
drawing code (every file of the reports package: templates, style sheet,
modules; and the versions of the packages that draw), which each page carries
in a ``<meta name="macropatch-key">`` tag at the top of its ``<head>``.

:func:`reusable` says whether the same page of the run being replaced carries
the same key; the caller then copies it instead of drawing it. A page without
the tag, with another key, or one that cannot be read is drawn again.

What a key covers (:func:`digest`): text, numbers, ``None``, enums, dates,
paths, pydantic documents (their JSON), pandas series and frames (values,
index and names), dataclasses (every field), mappings and sequences of these. Anything else is a
``TypeError``: a key that silently ignored an input would reuse a stale page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import re
import shutil
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

__all__ = [
    "KEY_META",
    "content_key",
    "copy_if_unchanged",
    "digest",
    "key_tag",
    "read_key",
    "reusable",
]

KEY_META = "macropatch-key"
"""The name of the ``<meta>`` tag that holds a page's key."""

_HEAD_BYTES = 4096
"""The key tag sits at the top of ``<head>``: no need to read a megabyte page."""
_TAG = re.compile(rf'<meta name="{KEY_META}" content="([0-9a-f]{{64}})">')
_DRAWING_PACKAGES = ("quantstats", "matplotlib", "pandas", "numpy", "plotly", "jinja2")
_REPORTS = Path(__file__).parent


@functools.cache
def _drawing_code() -> bytes:
    """The versions of the drawing packages and every file of the reports package."""
    parts = []
    for package in _DRAWING_PACKAGES:
        try:
            parts.append(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            parts.append(f"{package}=?".encode())
    for path in sorted(_REPORTS.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".css"):
            parts.append(str(path.relative_to(_REPORTS)).encode())
            parts.append(hashlib.sha256(path.read_bytes()).digest())
    return b"\0".join(parts)


def _frame_bytes(frame: pd.Series | pd.DataFrame) -> bytes:
    names = [str(frame.name)] if isinstance(frame, pd.Series) else [str(c) for c in frame.columns]
    if isinstance(frame.index, pd.DatetimeIndex):  # the same dates whatever their unit
        frame = frame.set_axis(frame.index.as_unit("ns"))
    hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    return "\0".join([type(frame).__name__, *names]).encode() + hashed.tobytes()


def digest(item: object, into: hashlib._Hash | None = None) -> hashlib._Hash:  # noqa: C901
    """Feed ``item`` into a SHA-256 (a new one unless ``into``), by value (see the module)."""
    into = into or hashlib.sha256()
    into.update(type(item).__name__.encode() + b"\0")
    if item is None or isinstance(item, str | bool | int | float | np.generic | enum.Enum):
        into.update(repr(item).encode())
    elif isinstance(item, Path | dt.date):
        into.update(str(item).encode())
    elif isinstance(item, bytes):
        into.update(item)
    elif isinstance(item, BaseModel):
        into.update(item.model_dump_json(by_alias=True).encode())
    elif isinstance(item, pd.Series | pd.DataFrame):
        into.update(_frame_bytes(item))
    elif isinstance(item, pd.Timestamp | pd.Timedelta):
        into.update(item.isoformat().encode())
    elif dataclasses.is_dataclass(item) and not isinstance(item, type):
        for field in dataclasses.fields(item):
            into.update(field.name.encode())
            digest(getattr(item, field.name), into)
    elif isinstance(item, Mapping):
        for key in sorted(item, key=str):
            digest(key, into)
            digest(item[key], into)
    elif isinstance(item, Sequence):
        for part in item:
            digest(part, into)
    else:
        raise TypeError(f"cannot key a page on a {type(item).__name__}")
    into.update(b"\1")
    return into


def content_key(*inputs: object) -> str:
    """The SHA-256 of ``inputs`` and of the code that draws a page from them."""
    return digest(list(inputs), hashlib.sha256(_drawing_code())).hexdigest()


def key_tag(key: str) -> str:
    """The ``<meta>`` tag that carries ``key`` (empty for no key)."""
    return f'<meta name="{KEY_META}" content="{key}">' if key else ""


def read_key(path: Path) -> str | None:
    """The key of the page in ``path``; ``None`` if it has none or cannot be read."""
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


def copy_if_unchanged(previous: Path | None, target: Path, key: str) -> bool:
    """Copy ``previous`` to ``target`` (its time kept) when it was drawn from ``key``; whether
    it was. The caller draws ``target`` itself when not.
    """
    if previous is None or not reusable(previous, key):
        return False
    if previous.resolve() != target.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(previous, target)
    return True

"""Reading a user's file: only regular files, never more than a stated size.

Requires a path and what the file is for (named in messages). Produces the
file's bytes (:func:`read_user_bytes`) or its TOML document
(:func:`read_toml`). A FIFO, a device, a socket or a folder in a file's
place is refused before it is opened for reading, so ``/dev/zero`` cannot
fill the memory and a FIFO cannot hang the command; a file larger than the
limit is refused without reading it; a TOML document nested deeper than
:data:`TOML_DEPTH_LIMIT` is refused (Python's parser and pydantic would
otherwise overflow the stack). Every refusal is a
:class:`macropatch.marketdata.errors.UserError` naming the file, and it never quotes
the file's content.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from macropatch.marketdata.errors import UserError

__all__ = [
    "CSV_LIMIT_BYTES",
    "TOML_DEPTH_LIMIT",
    "TOML_LIMIT_BYTES",
    "Unreadable",
    "read_regular_bytes",
    "read_toml",
    "read_user_bytes",
]

#: Experiment and scenario files are a few kilobytes.
TOML_LIMIT_BYTES = 4 * 2**20
#: A data file: the largest pack file is under 2 MB.
CSV_LIMIT_BYTES = 512 * 2**20
#: Tables and lists nested deeper than this are no experiment.
TOML_DEPTH_LIMIT = 24


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class Unreadable(Exception):
    """Why a file cannot be read: ``missing``, ``special`` (not a regular file), ``large``
    or ``error``; ``detail`` says it in words (without the path).
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def read_regular_bytes(path: Path, *, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; else
    :class:`Unreadable`. A FIFO or a device is never opened for reading.
    """
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise Unreadable("special", f"{_kind(status.st_mode)}, not a regular file")
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise Unreadable("missing", "not found") from None
    except OSError as error:
        raise Unreadable("error", error.strerror or str(error)) from None
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())  # what was opened, should the path have changed
        if not stat.S_ISREG(status.st_mode):
            raise Unreadable("special", f"{_kind(status.st_mode)}, not a regular file")
        too_large = f"larger than the {limit / 2**20:g} MiB allowed"
        if status.st_size > limit:
            raise Unreadable("large", f"{status.st_size / 2**20:.1f} MiB, {too_large}")
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise Unreadable("error", error.strerror or str(error)) from None
    if len(data) > limit:  # it grew while being read
        raise Unreadable("large", too_large)
    return data


def read_user_bytes(path: Path, what: str, *, limit: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes; ``what`` names it
    in the ``UserError`` that refuses anything else.
    """
    try:
        return read_regular_bytes(path, limit=limit)
    except Unreadable as reason:
        if reason.kind == "missing":
            raise UserError(f"{what} {path} not found") from None
        if reason.kind == "error":
            raise UserError(f"cannot read {what} {path}: {reason.detail}") from None
        raise UserError(f"{what} {path} is {reason.detail}") from None


def _depth(value: object, level: int = 0) -> int:
    """How deep tables and lists nest in a TOML document (iteratively, no recursion)."""
    deepest = level
    stack: list[tuple[object, int]] = [(value, level)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML document in ``path`` (UTF-8, a byte-order mark allowed)."""
    data = read_user_bytes(path, what, limit=TOML_LIMIT_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UserError(f"{path}: not a UTF-8 text file (line {line})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: invalid TOML ({error})") from None
    except RecursionError:
        raise UserError(f"{path}: tables or lists nested too deeply") from None
    if _depth(document) > TOML_DEPTH_LIMIT:
        raise UserError(f"{path}: tables or lists nested more than {TOML_DEPTH_LIMIT} levels deep")
    return document

"""The installed version of macropatch, written into every output."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["macropatch_version"]


def macropatch_version() -> str:
    """The package version, or ``0+unknown`` when running from a source tree without install."""
    try:
        return version("macropatch")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"

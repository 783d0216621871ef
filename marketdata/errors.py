"""Errors a user can act on.

Every stage raises :class:`UserError` (or a subclass) for problems caused by
its input: a missing file, a malformed CSV, an unknown series. The command
line turns them into one line on stderr and exit code 2; anything else is an
internal error (exit code 1).
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "MissingSeriesError",
    "ProviderError",
    "UserError",
]


class UserError(Exception):
    """A problem with the user's input; the message names the culprit."""


class DataError(UserError):
    """A data file or payload cannot be read as a series."""


class MissingSeriesError(UserError):
    """No source could supply a series."""


class ProviderError(DataError):
    """A live provider answered with nothing usable."""

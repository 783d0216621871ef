"""Parameter bounds, checked where they are written and listed from the same place.

Requires nothing. Produces :func:`check_range` and :func:`check_window`, the
checks that signals, strategies and synthetic assets run on their
parameters (each raises ``ValueError`` naming the field), and
:func:`recorded_bounds`, which builds an object inside a recording context
and returns the :class:`Bounds` each check saw. So ``macropatch strategies
NAME`` and ``macropatch signals --list`` show the bounds the code enforces,
with no second list to fall out of date; a bound that depends on another
field is shown with that field's default.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["Bounds", "check_range", "check_window", "recorded_bounds"]


@dataclass(frozen=True)
class Bounds:
    """An interval of allowed values."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    unit: str = ""

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        unit = f" {self.unit}" if self.unit else ""
        return f"{left}{self.low:g}, {self.high:g}{right}{unit}"


_RECORDING: contextvars.ContextVar[dict[str, Bounds] | None] = contextvars.ContextVar(
    "macropatch_bounds", default=None
)


def check_range(
    field: str,
    value: float,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
    what: str = "",
    unit: str = "",
) -> None:
    """Raise ValueError naming ``field`` unless ``value`` lies between ``low`` and ``high``
    (each end included unless marked open). ``what`` (``"a fraction"``) and ``unit``
    (``"index points"``) say what the number is."""
    bounds = Bounds(low, high, low_open, high_open, unit)
    recording = _RECORDING.get()
    if recording is not None:
        recording.setdefault(field, bounds)
    if value not in bounds:
        kind = f"{what} " if what else ""
        unit_text = f" {unit}" if unit else ""
        raise ValueError(
            f"{field} must be {kind}between {low:g} and {high:g}{unit_text}, got {value}"
        )


def check_window(field: str, days: int, low: int = 2, high: int = 2520) -> None:
    """Raise ValueError naming ``field`` unless it is a window of ``low`` to ``high`` trading days."""
    recording = _RECORDING.get()
    if recording is not None:
        recording.setdefault(field, Bounds(low, high, unit="trading days"))
    if not low <= days <= high:
        raise ValueError(
            f"{field} must be a whole number of trading days between {low} and {high}, got {days}"
        )


@contextmanager
def _recording() -> Iterator[dict[str, Bounds]]:
    found: dict[str, Bounds] = {}
    token = _RECORDING.set(found)
    try:
        yield found
    finally:
        _RECORDING.reset(token)


def recorded_bounds(build: Callable[[], Any]) -> dict[str, Bounds]:
    """The bounds every check run while ``build()`` constructs its object (with its
    defaults, say) saw, by field name."""
    with _recording() as found:
        build()
    return dict(found)

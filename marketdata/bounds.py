"""Parameter bounds, declared where the parameter is written and listed from the same place.

Requires nothing. Produces :class:`Bounds`, an interval that is also a
pydantic constraint: a dataclass field annotated
``Annotated[float, Range(0.0, 0.25)]`` or ``Annotated[int, Window(5, 756)]``
is checked by :mod:`macropatch.marketdata.parameters`, and ``macropatch
strategies NAME`` / ``macropatch signals --list`` show the same bounds. A
bound that depends on another field (``min_days <= window_days``) is checked
in ``__post_init__`` by :func:`check_range` or :func:`check_window` (each
raises ``ValueError`` naming the field); :func:`recorded_bounds` lists those
as the checks saw them while building an object with its defaults.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["Bounds", "Range", "Window", "check_range", "check_window", "recorded_bounds"]


@dataclass(frozen=True)
class Bounds:
    """An interval of allowed values."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    unit: str = ""
    what: str = ""
    """What the number is (``"a fraction"``), as a message says it."""

    def __contains__(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        """``[0, 0.25]`` or ``[5, 756] trading days``."""
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        unit = f" {self.unit}" if self.unit else ""
        return f"{left}{self.low:g}, {self.high:g}{right}{unit}"

    def problem(self, value: float) -> str | None:
        """Why ``value`` is out of bounds (``"must be between 0 and 1, got 2"``), or None."""
        if value in self:
            return None
        if self.unit == _TRADING_DAYS:
            return (
                f"must be a whole number of trading days between {self.low:g} and "
                f"{self.high:g}, got {value}"
            )
        kind = f"{self.what} " if self.what else ""
        unit = f" {self.unit}" if self.unit else ""
        return f"must be {kind}between {self.low:g} and {self.high:g}{unit}, got {value}"

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """The schema of ``source`` followed by this interval's check (pydantic's hook)."""
        return core_schema.no_info_after_validator_function(self._validated, handler(source))

    def _validated(self, value: float) -> float:
        problem = self.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


_TRADING_DAYS = "trading days"


def Range(
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
    what: str = "",
    unit: str = "",
) -> Bounds:
    """The interval from ``low`` to ``high`` (each end included unless marked open).

    ``what`` (``"a fraction"``) and ``unit`` (``"index points"``) say what
    the number is, in messages and listings.
    """
    return Bounds(low, high, low_open, high_open, unit, what)


def Window(low: int = 2, high: int = 2520) -> Bounds:
    """A window of ``low`` to ``high`` trading days (a whole number)."""
    return Bounds(low, high, unit=_TRADING_DAYS)


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
    """Raise ValueError naming ``field`` unless ``value`` lies in :func:`Range` ``(low, high, ...)``.

    For a bound that depends on another field; a fixed bound is an annotation.
    """
    _check(
        field, value, Range(low, high, low_open=low_open, high_open=high_open, what=what, unit=unit)
    )


def check_window(field: str, days: int, low: int = 2, high: int = 2520) -> None:
    """Raise ValueError naming ``field`` unless it is a :func:`Window` ``(low, high)``."""
    _check(field, days, Window(low, high))


def _check(field: str, value: float, bounds: Bounds) -> None:
    recording = _RECORDING.get()
    if recording is not None:
        recording.setdefault(field, bounds)
    problem = bounds.problem(value)
    if problem is not None:
        raise ValueError(f"{field} {problem}")


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
    defaults, say) saw, by field name.
    """
    with _recording() as found:
        build()
    return dict(found)

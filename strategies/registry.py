"""Registered strategies, by the name experiment files use."""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping

from marketdata.errors import UserError
from strategies.base import Strategy
from strategies.benchmarks import SixtyForty, SpyBuyAndHold

__all__ = ["STRATEGIES", "build_strategy"]

STRATEGIES: Mapping[str, type[Strategy]] = {cls.name: cls for cls in (SpyBuyAndHold, SixtyForty)}


def _coerce(name: str, field: str, annotation: object, value: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        try:
            return annotation(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in annotation)
            raise UserError(
                f"strategy {name!r}: parameter {field!r} must be one of {allowed}, got {value!r}"
            ) from None
    if annotation is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if annotation is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if annotation is str and isinstance(value, str):
        return value
    if annotation is bool and isinstance(value, bool):
        return value
    expected = getattr(annotation, "__name__", str(annotation))
    raise UserError(f"strategy {name!r}: parameter {field!r} must be a {expected}, got {value!r}")


def build_strategy(name: str, parameters: Mapping[str, object]) -> Strategy:
    """The registered strategy ``name`` with ``parameters`` (validated)."""
    try:
        cls = STRATEGIES[name]
    except KeyError:
        raise UserError(
            f"unknown strategy {name!r} (known: {', '.join(sorted(STRATEGIES))})"
        ) from None
    hints = typing.get_type_hints(cls)
    fields = {item.name for item in dataclasses.fields(cls)}
    unknown = sorted(set(parameters) - fields)
    if unknown:
        raise UserError(
            f"strategy {name!r}: unknown parameter {unknown[0]!r} (known: {', '.join(sorted(fields))})"
        )
    values = {key: _coerce(name, key, hints[key], value) for key, value in parameters.items()}
    try:
        return cls(**values)  # type: ignore[arg-type]
    except ValueError as error:
        raise UserError(f"strategy {name!r}: {error}") from None

"""Parameters from an experiment file into a frozen dataclass, checked at the boundary.

Used for signals and strategies alike: unknown names, wrong types (``true``
is no number, each item of a list is checked), numbers that are not finite
and values the dataclass rejects (its ``__post_init__`` raising
``ValueError``) become a :class:`~macropatch.marketdata.errors.UserError` naming the
field.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from macropatch.marketdata.bounds import recorded_bounds
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import UserError

__all__ = ["ParameterDescription", "build_with_parameters", "describe_parameters"]

T = TypeVar("T")


def _shown(value: object) -> str:
    """A value as a message quotes it, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _coerce(where: str, field: str, annotation: object, value: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        try:
            return annotation(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in annotation)
            raise UserError(
                f"{where}: {field!r} must be one of {allowed}, got {_shown(value)}"
            ) from None
    if annotation is float and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise UserError(f"{where}: {field!r} must be a finite number, got {_shown(value)}")
        return number
    if annotation is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if annotation in (str, bool) and isinstance(value, annotation):  # type: ignore[arg-type]
        return value
    if typing.get_origin(annotation) is tuple and isinstance(value, list | tuple):
        arguments = typing.get_args(annotation)
        if len(arguments) == 2 and arguments[1] is Ellipsis:  # tuple[X, ...]: check each item
            return tuple(
                _coerce(where, f"{field}[{position}]", arguments[0], item)
                for position, item in enumerate(value)
            )
        return tuple(value)
    names = {float: "a number", int: "a whole number", str: "a string", bool: "true or false"}
    expected = names.get(annotation, getattr(annotation, "__name__", str(annotation)))  # type: ignore[call-overload]
    if typing.get_origin(annotation) is tuple:
        expected = "a list"
    raise UserError(f"{where}: {field!r} must be {expected}, got {_shown(value)}")


def build_with_parameters(cls: type[T], parameters: Mapping[str, Any], *, where: str) -> T:
    """An instance of the dataclass ``cls`` with ``parameters`` checked and converted."""
    hints = typing.get_type_hints(cls)
    fields = {item.name for item in dataclasses.fields(cls) if item.init}  # type: ignore[arg-type]
    unknown = sorted(set(parameters) - fields)
    if unknown:
        raise UserError(
            f"{where}: unknown parameter {unknown[0]!r} (known: {', '.join(sorted(fields))})"
        )
    values = {key: _coerce(where, key, hints[key], value) for key, value in parameters.items()}
    try:
        return cls(**values)
    except ValueError as error:
        raise UserError(f"{where}: {error}") from None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ParameterDescription:
    """One parameter of a signal or strategy, as ``macropatch strategies`` and
    ``macropatch signals --list`` show it."""

    name: str
    kind: str
    default: str
    allowed: str


def _kind_and_allowed(annotation: object) -> tuple[str, str]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", " | ".join(str(member.value) for member in annotation)
    if typing.get_origin(annotation) is tuple:
        return "list", ""
    names = {float: "number", int: "whole number", str: "text", bool: "true or false"}
    return names.get(annotation, str(annotation)), ""  # type: ignore[call-overload]


def _shown_default(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value) or "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe_parameters(cls: type) -> list[ParameterDescription]:
    """Every parameter of the dataclass ``cls`` (the fields set from experiment files), with
    its default and the bounds its own checks enforce (recorded while building it with its
    defaults, :func:`macropatch.marketdata.bounds.recorded_bounds`)."""
    hints = typing.get_type_hints(cls)
    bounds = recorded_bounds(cls)
    described = []
    for item in dataclasses.fields(cls):
        if not item.init:
            continue
        kind, allowed = _kind_and_allowed(hints[item.name])
        if item.name in bounds:
            allowed = str(bounds[item.name])
        elif kind == "true or false":
            allowed = "true | false"
        elif kind == "text" and isinstance(item.default, str) and item.default in load_catalog():
            allowed = "a series id (macropatch data status lists them)"
        default = item.default if item.default is not dataclasses.MISSING else None
        described.append(
            ParameterDescription(
                name=item.name, kind=kind, default=_shown_default(default), allowed=allowed
            )
        )
    return described

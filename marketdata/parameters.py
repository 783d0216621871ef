"""Parameters of signals, strategies and synthetic assets, validated by pydantic in one place.

A parameter is a field of a frozen dataclass. Its type says what a value must
be, with TOML's types taken strictly (a number is no boolean, a whole number
no fraction, a text no number; an enum takes its values' spelling; a tuple
takes a list), and an optional :class:`~macropatch.marketdata.bounds.Bounds`
in ``Annotated`` says where it must lie::

    threshold: Annotated[float, Range(0.0, 0.25, what="a fraction")] = 0.05
    window_days: Annotated[int, Window(5, 756)] = 63

One pydantic ``TypeAdapter`` per dataclass, over its fields, checks:

- the values of an experiment file (:func:`build_with_parameters`: a
  one-line :class:`~macropatch.marketdata.errors.UserError` naming the field),
- an object built in Python (:func:`check_parameters`, called by the base
  classes' ``__post_init__``: ``ValueError``),

and :func:`describe_parameters` lists the same types and bounds for
``macropatch strategies NAME`` and ``macropatch signals --list``. A rule that
ties two fields together stays in the dataclass's ``__post_init__``
(:func:`~macropatch.marketdata.bounds.check_range`).
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AllowInfNan, Strict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from macropatch.marketdata.bounds import Bounds, recorded_bounds
from macropatch.marketdata.errors import UserError

__all__ = [
    "ParameterDescription",
    "build_with_parameters",
    "check_parameters",
    "describe_parameters",
    "parameter_bounds",
]

T = TypeVar("T")

_STRICT: dict[object, object] = {
    float: Annotated[float, Strict(), AllowInfNan(False)],
    int: Annotated[int, Strict()],
    bool: Annotated[bool, Strict()],
    str: Annotated[str, Strict()],
}
_NAMES = {float: "a number", int: "a whole number", str: "a string", bool: "true or false"}
_KINDS = {float: "number", int: "whole number", str: "text", bool: "true or false"}


def _strict(annotation: object) -> object:
    """``annotation`` with TOML's scalar types made strict, metadata kept."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        return Annotated[(_strict(base), *metadata)]  # type: ignore[valid-type]
    if origin is tuple:
        arguments = typing.get_args(annotation)
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return tuple[_strict(arguments[0]), ...]  # type: ignore[misc]
        return tuple[tuple(_strict(item) for item in arguments)]  # type: ignore[misc]
    return _STRICT.get(annotation, annotation)


def _fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {item.name: item for item in dataclasses.fields(cls) if item.init}


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    """The adapter over the init fields of the dataclass ``cls`` (built once per class)."""
    if cls not in _ADAPTERS:
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = {name: _strict(hints[name]) for name in _fields(cls)}
        schema = TypedDict(f"{cls.__name__}Parameters", fields, total=False)  # type: ignore[misc]
        _ADAPTERS[cls] = TypeAdapter(schema)
    return _ADAPTERS[cls]


def _base(annotation: object) -> object:
    """The type under any ``Annotated``."""
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _shown(value: object) -> str:
    """A value as a message quotes it, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(cls: type, error: ValidationError) -> str:
    """The first problem of ``error`` as one line naming the field."""
    first = error.errors(include_url=False)[0]
    location = [str(part) for part in first["loc"]]
    if not location:  # a rule of the dataclass itself
        return str(first.get("ctx", {}).get("error", first["msg"]))
    field = location[0] + "".join(f"[{part}]" for part in location[1:])
    value, kind = first.get("input"), first["type"]
    if kind == "value_error":  # a bound: "threshold must be between 0 and 1, got 2"
        return f"{field} {first['ctx']['error']}"
    if kind == "finite_number":
        return f"{field!r} must be a finite number, got {_shown(value)}"
    annotation = _base(typing.get_type_hints(cls, include_extras=True)[location[0]])
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        allowed = ", ".join(str(member.value) for member in annotation)
        return f"{field!r} must be one of {allowed}, got {_shown(value)}"
    if len(location) > 1:  # an item of a tuple
        annotation = _base(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is tuple:
        return f"{field!r} must be a list, got {_shown(value)}"
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return f"{field!r} must be a finite number, got {_shown(value)}"  # beyond any float
    expected = _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))  # type: ignore[call-overload]
    return f"{field!r} must be {expected}, got {_shown(value)}"


def build_with_parameters(cls: type[T], parameters: Mapping[str, Any], *, where: str) -> T:
    """An instance of the dataclass ``cls`` from an experiment file's ``parameters``.

    Parameters
    ----------
    cls
        A dataclass of parameters (a signal, a strategy).
    parameters
        Field names and TOML values.
    where
        What the message names first (``"signal 'ten_year_above'"``).

    Returns
    -------
    T
        The instance, each value converted to its field's type.

    Raises
    ------
    UserError
        On an unknown name, a wrong type, a value out of bounds, or a rule of
        the dataclass broken: one line naming the field.
    """
    known = _fields(cls)  # type: ignore[arg-type]
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise UserError(
            f"{where}: unknown parameter {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    try:
        values = _adapter(cls).validate_python(dict(parameters))
    except ValidationError as error:
        raise UserError(f"{where}: {_message(cls, error)}") from None
    try:
        return cls(**values)
    except ValueError as error:
        raise UserError(f"{where}: {error}") from None


def check_parameters(instance: object) -> None:
    """Check the fields of a parameter dataclass built in Python (types and bounds).

    Raises
    ------
    ValueError
        Naming the first field whose value is of the wrong type or out of bounds.
    """
    cls = type(instance)
    values = {name: getattr(instance, name) for name in _fields(cls)}
    try:
        _adapter(cls).validate_python(values)
    except ValidationError as error:
        raise ValueError(_message(cls, error)) from None


def parameter_bounds(cls: type) -> dict[str, Bounds]:
    """The bounds of each field of ``cls``: its annotation's, else what its rules checked."""
    hints = typing.get_type_hints(cls, include_extras=True)
    bounds = recorded_bounds(cls)
    for name in _fields(cls):
        for item in getattr(hints[name], "__metadata__", ()):
            if isinstance(item, Bounds):
                bounds[name] = item
    return bounds


@dataclasses.dataclass(frozen=True, kw_only=True)
class ParameterDescription:
    """One parameter, as ``macropatch strategies`` and ``macropatch signals --list`` show it."""

    name: str
    kind: str
    default: str
    allowed: str


def _kind_and_allowed(annotation: object) -> tuple[str, str]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", " | ".join(str(member.value) for member in annotation)
    if typing.get_origin(annotation) is tuple:
        return "list", ""
    if annotation is bool:
        return _KINDS[bool], "true | false"
    return _KINDS.get(annotation, str(annotation)), ""  # type: ignore[call-overload]


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


def describe_parameters(
    cls: type, *, series_ids: frozenset[str] = frozenset()
) -> list[ParameterDescription]:
    """Every parameter of the dataclass ``cls``, with its kind, default and allowed values.

    Parameters
    ----------
    cls
        A parameter dataclass.
    series_ids
        The catalog's series ids: a text parameter whose default is one is
        described as a series id.
    """
    hints = typing.get_type_hints(cls, include_extras=True)
    bounds = parameter_bounds(cls)
    described = []
    for item in _fields(cls).values():
        kind, allowed = _kind_and_allowed(_base(hints[item.name]))
        if item.name in bounds:
            allowed = str(bounds[item.name])
        elif kind == "text" and isinstance(item.default, str) and item.default in series_ids:
            allowed = "a series id (macropatch data status lists them)"
        default = item.default if item.default is not dataclasses.MISSING else None
        described.append(
            ParameterDescription(
                name=item.name, kind=kind, default=_shown_default(default), allowed=allowed
            )
        )
    return described

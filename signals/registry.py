"""Registered signals, by the name experiment files use (``[signals.<name>]``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from macropatch.marketdata.errors import UserError
from macropatch.marketdata.parameters import build_with_parameters
from macropatch.signals.base import Signal
from macropatch.signals.composite import SystemStress
from macropatch.signals.triggers import TRIGGERS

__all__ = ["SIGNALS", "build_signal", "default_signals"]

SIGNALS: Mapping[str, type[Signal]] = {**TRIGGERS, SystemStress.name: SystemStress}
"""Every registered signal: the triggers, then the composite."""


def build_signal(
    name: str, parameters: Mapping[str, Any], *, known: Mapping[str, type[Signal]] | None = None
) -> Signal:
    """The signal ``name`` of ``known`` (default: the built-ins) with ``parameters`` (validated)."""
    known = SIGNALS if known is None else known
    try:
        cls = known[name]
    except KeyError:
        raise UserError(f"unknown signal {name!r} (known: {', '.join(sorted(known))})") from None
    return build_with_parameters(cls, parameters, where=f"signal {name!r}")


def default_signals(
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    known: Mapping[str, type[Signal]] | None = None,
) -> list[Signal]:
    """Every signal of ``known`` (default: the built-ins), with its defaults or the parameters
    in ``overrides``; a composite reads its components as configured here
    (:meth:`Signal.bound_to`).
    """
    known = SIGNALS if known is None else known
    overrides = overrides or {}
    for name in overrides:
        if name not in known:
            raise UserError(f"unknown signal {name!r} (known: {', '.join(sorted(known))})")
    built = {name: build_signal(name, overrides.get(name, {}), known=known) for name in known}
    return [signal.bound_to(built) for signal in built.values()]

"""The variants of a sweep: one strategy, its signals and their parameters, per grid point.

Requires the swept strategy (registered name and base parameters), the
experiment's signals (with their configured parameters) and a
:class:`macropatch.backtests.sweep.grid.Grid`. Produces one :class:`VariantPlan` per grid
point, in grid order: the strategy built with the variant's parameters and,
for each signal it reads, the output name of the signal it sees (built with
the variant's parameters), plus the distinct signals to evaluate once for the
whole sweep.

Every parameter is checked when the plans are made, before any work: an
unknown signal or field, a value out of range, or a swept signal the strategy
does not read is a :class:`macropatch.marketdata.errors.UserError` naming the path.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from macropatch.backtests.sweep.grid import Grid, ParameterPath, Section
from macropatch.marketdata.errors import UserError
from macropatch.signals.base import Signal
from macropatch.signals.registry import SIGNALS, build_signal
from macropatch.strategies.base import Strategy
from macropatch.strategies.registry import build_strategy

__all__ = ["VariantPlan", "neutral_twins", "plan_variants", "quiet_output"]

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class VariantPlan:
    """One variant: the strategy as built, and the signal output each of its signals reads."""

    strategy: Strategy
    signals: Mapping[str, str]


def _signal_parameters(signal: Signal) -> dict[str, Any]:
    return {
        item.name: getattr(signal, item.name) for item in dataclasses.fields(signal) if item.init
    }


def plan_variants(
    *,
    strategy: str,
    parameters: Mapping[str, Any],
    signals: Sequence[Signal],
    grid: Grid,
    known_strategies: Mapping[str, type[Strategy]] | None = None,
    known_signals: Mapping[str, type[Signal]] | None = None,
) -> tuple[list[VariantPlan], dict[str, Signal]]:
    """Build every variant of ``strategy`` over ``grid``.

    Parameters
    ----------
    strategy, parameters
        The swept strategy's registered name and its base parameters.
    signals
        The experiment's signals, with their configured parameters; a
        variant changes only the fields its grid point names.
    grid
        The parameter grid.
    known_strategies, known_signals
        The classes by name (default: the built-ins; an experiment's plugins add theirs).

    Returns
    -------
    plans, distinct
        One plan per grid point in grid order, and every distinct signal the
        plans read, by output name (evaluate each once).
    """
    known_signals = SIGNALS if known_signals is None else known_signals
    make_strategy = functools.partial(build_strategy, known=known_strategies)
    make_signal = functools.partial(build_signal, known=known_signals)
    base_signals = {signal.name: signal for signal in signals}
    base = make_strategy(strategy, parameters)
    for path, _values in grid.axes:
        if path.section is Section.SIGNALS:
            if path.owner not in known_signals:
                raise UserError(
                    f"sweep parameter {path}: unknown signal {path.owner!r} "
                    f"(known: {', '.join(sorted(known_signals))})"
                )
            if path.owner not in base.signals:
                raise UserError(
                    f"sweep parameter {path}: strategy {strategy!r} does not read "
                    f"{path.owner!r} (it reads {', '.join(base.signals) or 'no signal'})"
                )
    built_signals: dict[tuple[str, tuple[tuple[str, Any], ...]], Signal] = {}
    built_strategies: dict[tuple[tuple[str, Any], ...], Strategy] = {}
    distinct: dict[str, Signal] = {}
    plans = []
    for variant in grid.variants():
        overrides: dict[str, dict[str, Any]] = {}
        strategy_overrides: dict[str, Any] = {}
        for path, value in variant.items():
            if path.section is Section.SIGNALS:
                overrides.setdefault(path.owner, {})[path.field] = value
            else:
                strategy_overrides[path.field] = value
        key = tuple(sorted(strategy_overrides.items()))
        if key not in built_strategies:
            built_strategies[key] = _built(
                make_strategy, strategy, {**parameters, **strategy_overrides}, variant
            )
        variant_strategy = built_strategies[key]
        outputs: dict[str, str] = {}
        for name in variant_strategy.signals:
            changes = overrides.get(name, {})
            signal_key = (name, tuple(sorted(changes.items())))
            if signal_key not in built_signals:
                start = base_signals[name] if name in base_signals else make_signal(name, {})
                built_signals[signal_key] = _built(
                    make_signal, name, {**_signal_parameters(start), **changes}, variant
                ).bound_to(base_signals)
            signal = built_signals[signal_key]
            outputs[name] = signal.output_name()
            distinct.setdefault(signal.output_name(), signal)
        plans.append(VariantPlan(strategy=variant_strategy, signals=outputs))
    return plans, distinct


def _where(variant: Mapping[ParameterPath, Any]) -> str:
    return ", ".join(f"{path}={value}" for path, value in variant.items())


def _built(
    build: Callable[[str, Mapping[str, Any]], T],
    name: str,
    parameters: Mapping[str, Any],
    variant: Mapping[ParameterPath, Any],
) -> T:
    """``build(name, parameters)``, an error naming the variant it was built for."""
    try:
        return build(name, parameters)
    except UserError as error:
        raise UserError(f"sweep variant {_where(variant)}: {error}") from None


def quiet_output(name: str) -> str:
    """The output name under which a twin reads signal ``name`` held quiet."""
    return f"{name}[held quiet]"


def neutral_twins(plans: Sequence[VariantPlan]) -> tuple[list[VariantPlan], list[int]]:
    """The neutral twins of a sweep's variants, and the position of each variant's twin.

    A twin is a variant's strategy (its own strategy parameters) with every
    signal it reads held quiet (:func:`quiet_output`); variants that differ
    only in signal parameters share one twin. No twin for a strategy that
    reads no signal: then both lists are empty.
    """
    if not plans or not plans[0].strategy.signals:
        return [], []
    twins: list[VariantPlan] = []
    position_of: dict[int, int] = {}
    twin_of = []
    for plan in plans:
        key = id(plan.strategy)
        if key not in position_of:
            position_of[key] = len(twins)
            quiet = {name: quiet_output(name) for name in plan.strategy.signals}
            twins.append(VariantPlan(strategy=plan.strategy, signals=quiet))
        twin_of.append(position_of[key])
    return twins, twin_of

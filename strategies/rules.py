"""Strategies written as rules in an experiment file, without Python.

An experiment's ``[rules.<name>]`` table defines a strategy by that name: its
neutral weights and, in order, its rules::

    [rules.defensive_rotation]
    summary = "60/40, more bonds while the 10-year yield is above 5%"
    neutral = { spy = 0.6, ief = 0.4 }     # the rest, if any, in cash

    [[rules.defensive_rotation.when]]
    name = "rates"                         # names the rule's parameters: rates_move, rates_above
    signal = "ten_year_above"
    move = 0.2                             # while it fires, move up to 0.2 ...
    from = "spy"                           # ... from SPY ...
    to = "ief"                             # ... to IEF

    [[rules.defensive_rotation.when]]
    name = "stress"
    signal = "system_stress"
    above = 0.5                            # act while the signal's value is above 0.5
    hold = { spy = 0.2, shy = 0.8 }        # hold these weights instead

Requires the signals the rules name. Produces, every day: the neutral weights;
then each ``move`` rule that acts moves ``min(move, the source's weight)``
from ``from`` to ``to``; then the first ``hold`` rule that acts replaces every
weight. A rule acts while its signal fires, or, with ``above``, while the
signal's value is above it; an unknown signal never acts (the neutral state).

Each rule's numbers are parameters of the strategy (``<rule>_move``,
``<rule>_above``): set them in ``[[strategies]] parameters`` or sweep them as
``strategy.<rule>_move``, like any other parameter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range
from macropatch.strategies.base import MarketView, Strategy

__all__ = ["Rule", "RuleBook", "RuleStrategy", "rule_strategy"]


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One rule: while ``signal`` acts, move ``move`` from ``source`` to ``target``, or hold
    ``hold``; ``above`` (None: while it fires) is the value above which the signal acts.
    """

    name: str
    signal: str
    move: float | None = None
    source: str = ""
    target: str = ""
    above: float | None = None
    hold: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, kw_only=True)
class RuleBook:
    """A rule-based strategy's definition: its name, neutral weights and rules, in order."""

    name: str
    summary: str
    neutral: tuple[tuple[str, float], ...]
    rules: tuple[Rule, ...]

    @property
    def assets(self) -> tuple[str, ...]:
        """Every asset the neutral weights and the rules name, in order of appearance."""
        names = [asset for asset, _ in self.neutral]
        for rule in self.rules:
            names += [rule.source, rule.target, *(asset for asset, _ in rule.hold)]
        return tuple(dict.fromkeys(name for name in names if name))


class RuleStrategy(Strategy):
    """The base of the strategies :func:`rule_strategy` makes from a :class:`RuleBook`."""

    book: ClassVar[RuleBook]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its definition and parameters (the class is made at run time)."""
        return (_rebuild, (self.book, self.parameters()))

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return self.book.assets

    @property
    @override
    def signals(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.signal for rule in self.book.rules))

    @property
    @override
    def decides_by_day(self) -> bool:
        """True unless a rule compares a signal's value with a level (``above``)."""
        return all(rule.above is None for rule in self.book.rules)

    def _acting(self, market: MarketView, rule: Rule) -> pd.Series:
        """Per day, whether ``rule`` acts (False where its signal is unknown)."""
        if rule.above is None:
            return market.firing(rule.signal).fillna(False).astype(bool)
        above = float(getattr(self, f"{rule.name}_above"))
        value = market.signals[rule.signal].value.reindex(market.prices.index)
        return (value > above).fillna(False).astype(bool)

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        index = market.prices.index
        neutral = dict(self.book.neutral)
        weights = pd.DataFrame(
            {asset: float(neutral.get(asset, 0.0)) for asset in self.assets}, index=index
        )
        for rule in self.book.rules:
            if rule.hold:
                continue
            acting = self._acting(market, rule)
            size = float(getattr(self, f"{rule.name}_move"))
            moved = weights[rule.source].clip(upper=size).where(acting, 0.0)
            weights[rule.source] -= moved
            weights[rule.target] += moved
        held = pd.Series(False, index=index)
        for rule in self.book.rules:
            if not rule.hold:
                continue
            acting = self._acting(market, rule) & ~held
            for asset in self.assets:
                weights.loc[acting, asset] = dict(rule.hold).get(asset, 0.0)
            held |= acting
        return weights


def _fields(book: RuleBook) -> list[tuple[str, Any, Any]]:
    fields: list[tuple[str, Any, Any]] = []
    for rule in book.rules:
        if not rule.hold:
            fields.append(
                (
                    f"{rule.name}_move",
                    Annotated[float, Range(0.0, 1.0)],
                    dataclasses.field(default=rule.move),
                )
            )
        if rule.above is not None:
            fields.append((f"{rule.name}_above", float, dataclasses.field(default=rule.above)))
    return fields


@cache
def rule_strategy(book: RuleBook) -> type[RuleStrategy]:
    """The strategy class ``book`` defines (one class per definition)."""
    cls = dataclasses.make_dataclass(
        "".join(part.title() for part in book.name.split("_")) or "Rules",
        _fields(book),
        bases=(RuleStrategy,),
        frozen=True,
        kw_only=True,
        namespace={"name": book.name, "summary": book.summary, "book": book},
    )
    cls.__module__ = __name__
    return cls


def _rebuild(book: RuleBook, parameters: Mapping[str, Any]) -> RuleStrategy:
    return rule_strategy(book)(**parameters)

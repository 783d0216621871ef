"""Every variant of a strategy that decides by the day, at once, from one table of rows.

A strategy that decides by the day (:attr:`Strategy.decides_by_day`) holds,
on any day, the weights of that day's *state*: the firing state of each
signal it reads and which assets have a price. Across a sweep's thousands of
variants and days only a handful of states occur, so the weights are computed
once per state (:func:`macropatch.strategies.state_table.weights_by_state`),
and each variant's plan is a row of that table per day.

Requires the sweep's inputs and a batch of variant plans. Produces
:class:`StateRows`: the table (rows by price columns, zeros for assets a
strategy does not trade) and, variants by days, the row each variant trades
to on each decision date (-1 on the other days), scheduled with
:func:`macropatch.backtests.engine.schedule.schedule_rows`. The returns-only kernel
then simulates the batch straight from them
(:func:`macropatch.backtests.engine.kernel.simulate_rows`).

Memory: one int32 per variant and day, instead of a float64 per variant, day
and asset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from macropatch.backtests.engine.schedule import Rebalance, schedule_rows
from macropatch.backtests.sweep.variants import VariantPlan
from macropatch.signals.base import SignalResult
from macropatch.strategies.base import CASH
from macropatch.strategies.state_table import state_codes, weights_by_state

__all__ = ["StateRows", "state_rows"]

_STATES = 3
"""A signal's states: quiet, fired, unknown."""

_STEP_SPACE = 1 << 22
"""Day keys are built a few signals at a time, each step numbering the keys that occur
with a lookup array of at most about this many entries, so any number of signals fits."""


@dataclass(frozen=True)
class StateRows:
    """A batch's plans as rows of one table.

    Attributes
    ----------
    table
        Rows by price columns: target weights (zeros for columns a strategy does not trade).
    rows
        Variants by days (int32): the table row traded to on each decision date, -1 otherwise.
    firsts
        The position of the first variant of each distinct strategy (checked day by day).
    """

    table: np.ndarray
    rows: np.ndarray
    firsts: tuple[int, ...]

    def plan(self, position: int) -> np.ndarray:
        """Variant ``position``'s scheduled rows, days by price columns (NaN: no decision)."""
        chosen = self.rows[position]
        plan: np.ndarray = self.table[np.maximum(chosen, 0)]
        plan[chosen < 0] = np.nan
        return plan


def state_rows(
    *,
    prices: pd.DataFrame,
    signals: Mapping[str, SignalResult],
    rebalance: Rebalance,
    plans: Sequence[VariantPlan],
) -> StateRows | None:
    """The batch's plans as rows of one table, or None when a strategy does not decide by
    the day.

    Parameters
    ----------
    prices
        Prices of every column the sweep trades, on its calendar.
    signals
        Every signal output the plans read, by output name.
    rebalance
        The schedule.
    plans
        The batch's variants.
    """
    if not plans or not all(plan.strategy.decides_by_day for plan in plans):
        return None
    groups: dict[int, list[int]] = {}
    for position, plan in enumerate(plans):
        groups.setdefault(id(plan.strategy), []).append(position)
    patterns, pattern_of_day = _price_patterns(prices)
    codes = {
        output: state_codes(signals[output].fired.reindex(prices.index))
        for output in {output for plan in plans for output in plan.signals.values()}
    }
    tables: list[np.ndarray] = []
    rows = np.empty((len(plans), len(prices)), dtype=np.int32) if len(groups) > 1 else None
    for positions in groups.values():
        members = [plans[position] for position in positions]
        table, local = _group_table(members, codes, signals, prices, patterns, pattern_of_day)
        if rows is None:  # one strategy: its rows are the batch's
            rows = local
        else:
            rows[positions] = local + sum(len(earlier) for earlier in tables)
        tables.append(table)
    table = np.concatenate(tables)
    assert rows is not None  # plans is not empty: one group at least
    scheduled = schedule_rows(rows, table, pd.DatetimeIndex(prices.index), rebalance)
    return StateRows(
        table=table, rows=scheduled, firsts=tuple(positions[0] for positions in groups.values())
    )


def _price_patterns(prices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The distinct patterns of which columns have a price (patterns by columns) and each
    day's pattern.
    """
    priced = prices.notna().to_numpy()
    patterns, of_day = np.unique(priced, axis=0, return_inverse=True)
    return patterns, of_day.reshape(-1).astype(np.int64)


@numba.njit(cache=True, parallel=True)
def _extend_keys(
    keys: np.ndarray,
    start: np.ndarray,
    codes: np.ndarray,
    chosen: np.ndarray,
    present: np.ndarray,
) -> None:
    """Append the states of the ``chosen`` signals (codes rows, per variant) to every key, in
    mixed radix, in place (from ``start``, each day's price pattern, when it has a day per
    column: the first step); mark each resulting key in ``present``.
    """
    variants, days = keys.shape
    first = len(start) == days
    for variant in numba.prange(variants):
        for day in range(days):
            added, weight = 0, 1
            for signal in range(chosen.shape[1]):
                added += codes[chosen[variant, signal], day] * weight
                weight *= _STATES
            key = (start[day] if first else keys[variant, day]) * weight + added
            keys[variant, day] = key
            present[key] = True


@numba.njit(cache=True, parallel=True)
def _renumber(keys: np.ndarray, lookup: np.ndarray) -> None:
    """Replace every key by its number ``lookup[key]``, in place."""
    for variant in numba.prange(keys.shape[0]):
        for day in range(keys.shape[1]):
            keys[variant, day] = lookup[keys[variant, day]]


def _day_states(
    members: Sequence[VariantPlan],
    codes: Mapping[str, np.ndarray],
    pattern_of_day: np.ndarray,
    patterns: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Number the day states of one strategy's variants.

    Returns
    -------
    digits, keys : numpy.ndarray
        The states that occur (states by 1 + signals: the price pattern, then each
        signal's code), and the state of each variant on each day (variants by days,
        int32). Built a few signals per step, renumbering after each, so the keys stay
        small whatever the number of signals.
    """
    names = list(members[0].strategy.signals)
    outputs = list(dict.fromkeys(plan.signals[name] for plan in members for name in names))
    number = {output: position for position, output in enumerate(outputs)}
    stacked = np.stack([codes[output] for output in outputs] or [np.zeros(1, dtype=np.int8)])
    keys = np.empty((len(members), len(pattern_of_day)), dtype=np.int32)
    if not names:
        keys[:] = pattern_of_day
    digits = np.arange(patterns, dtype=np.int64)[:, None]
    done = 0
    while done < len(names):
        step = 1
        while done + step < len(names) and len(digits) * _STATES ** (step + 1) <= _STEP_SPACE:
            step += 1
        chosen = np.array(
            [[number[plan.signals[name]] for name in names[done : done + step]] for plan in members]
        )
        radix = _STATES**step
        present = np.zeros(len(digits) * radix, dtype=np.bool_)
        start = pattern_of_day if done == 0 else pattern_of_day[:0]
        _extend_keys(keys, start, stacked, chosen, present)
        values = np.flatnonzero(present)
        lookup = np.zeros(len(present), dtype=np.int32)
        lookup[values] = np.arange(len(values), dtype=np.int32)
        _renumber(keys, lookup)
        digits = np.hstack([digits[values // radix], _decode(values % radix, [_STATES] * step)])
        done += step
    return digits, keys


def _group_table(
    members: Sequence[VariantPlan],
    codes: Mapping[str, np.ndarray],
    signals: Mapping[str, SignalResult],
    prices: pd.DataFrame,
    patterns: np.ndarray,
    pattern_of_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The table of one strategy's day states (rows by price columns) and the row of each
    of its variants on each day.
    """
    strategy = members[0].strategy
    digits, keys = _day_states(members, codes, pattern_of_day, len(patterns))
    columns = [*strategy.assets, CASH]
    positions = prices.columns.get_indexer(pd.Index(columns))
    weights = weights_by_state(
        strategy,
        states=digits[:, 1:],
        priced=patterns[digits[:, 0]][:, positions[:-1]],
        signals={name: signals[members[0].signals[name]] for name in strategy.signals},
    )
    table = np.zeros((len(digits), prices.shape[1]))
    table[:, positions] = weights
    return table, keys


def _decode(values: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Mixed-radix digits of ``values`` (least significant first), one column per size."""
    digits = np.empty((len(values), len(sizes)), dtype=np.int64)
    rest = values.astype(np.int64)
    for position, size in enumerate(sizes):
        digits[:, position] = rest % size
        rest //= size
    return digits

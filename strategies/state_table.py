"""A strategy's target weights as a table over day states, for strategies that decide by the day.

Many strategies decide each day from that day alone: the firing state of
each signal they read (fired, quiet or unknown) and which of their assets
have a price. Such a strategy declares :attr:`Strategy.decides_by_day`, and
its weights over thousands of days and thousands of sweep variants then
take a handful of distinct rows: one per *day state* that occurs.

Requires the strategy, its signal results (to keep their other fields) and
the day states that occur: one row per state, each signal's state coded
:data:`QUIET`, :data:`FIRED` or :data:`UNKNOWN`, and per asset whether it has
a price. Produces the strategy's checked target weights (the cash asset
last) for each state, computed by :meth:`Strategy.target_weights` itself on
a market of one day per state, so the base class's rules (no price, no
weight; bounds; the remainder in cash) apply exactly as on real days.

A sweep checks the declaration before it trusts the table: the first
variant of each strategy is also computed day by day, and any difference is
an error naming the strategy (:func:`check_against_days`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from macropatch.signals.base import SignalResult
from macropatch.strategies.base import CASH, MarketView, Strategy, WeightError

__all__ = ["FIRED", "QUIET", "UNKNOWN", "check_against_days", "state_codes", "weights_by_state"]

#: A signal's state on a day, as coded in a state table.
QUIET, FIRED, UNKNOWN = 0, 1, 2

_STATE_DATES = pd.Timestamp("2000-01-03")
"""First of the stand-in dates of a state table's days (one per state; they mean nothing)."""


def state_codes(fired: pd.Series) -> np.ndarray:
    """A signal's ``fired`` flags as state codes (int8: quiet 0, fired 1, unknown 2)."""
    flags = fired if fired.dtype == "boolean" else fired.astype("boolean")
    codes: np.ndarray = flags.to_numpy(dtype=np.int8, na_value=UNKNOWN)
    return codes


def weights_by_state(
    strategy: Strategy,
    *,
    states: np.ndarray,
    priced: np.ndarray,
    signals: Mapping[str, SignalResult],
) -> np.ndarray:
    """The strategy's target weights in each day state.

    Parameters
    ----------
    strategy
        A strategy that decides by the day (:attr:`Strategy.decides_by_day`).
    states
        States by signals: each state's code per signal of ``strategy.signals``, in that order.
    priced
        States by assets: whether each of ``strategy.assets`` has a price in that state.
    signals
        The strategy's signal results by registered name; only their ``fired``
        flags are replaced (values become unknown: a strategy that decides by
        the day does not read them).

    Returns
    -------
    numpy.ndarray
        States by ``[*strategy.assets, "cash"]``: checked target weights.
    """
    if not strategy.decides_by_day:
        raise ValueError(f"{strategy.name} does not decide by the day: use target_weights")
    names, assets = list(strategy.signals), list(strategy.assets)
    if states.shape != (len(priced), len(names)) or priced.shape[1:] != (len(assets),):
        raise ValueError(
            f"states must be states by {len(names)} signals and priced states by "
            f"{len(assets)} assets, got {states.shape} and {priced.shape}"
        )
    calendar = pd.date_range(_STATE_DATES, periods=len(priced), freq="D")
    prices = pd.DataFrame(np.where(priced, 1.0, np.nan), index=calendar, columns=assets)
    market = MarketView(
        prices=prices,
        signals={
            name: _stand_in(signals[name], states[:, position], calendar)
            for position, name in enumerate(names)
        },
    )
    targets = strategy.target_weights(market)
    return targets[[*assets, CASH]].to_numpy(dtype=np.float64)


def _stand_in(result: SignalResult, codes: np.ndarray, calendar: pd.DatetimeIndex) -> SignalResult:
    """``result`` on the stand-in calendar with the given states (its series otherwise unknown)."""
    fired = pd.array(codes == FIRED, dtype="boolean")
    fired[codes == UNKNOWN] = pd.NA
    return dataclasses.replace(
        result,
        value=pd.Series(np.nan, index=calendar),
        fired=pd.Series(fired, index=calendar),
        last_data=pd.Series(pd.NaT, index=calendar),
        known=None,
        input_dates=None,
        input_stale=None,
    )


def check_against_days(strategy: Strategy, by_state: np.ndarray, by_day: np.ndarray) -> None:
    """Raise if the weights looked up from the state table differ from ``target_weights``.

    Parameters
    ----------
    by_state, by_day
        Days by ``[*assets, "cash"]``: the table's rows for each day, and the
        strategy's own target weights on the real calendar.

    Raises
    ------
    WeightError
        Naming the strategy and the first day that differs: its ``decide``
        reads more than the day's signal states and which assets have prices,
        so it must not declare ``decides_by_day``.
    """
    differs = ~np.isclose(by_state, by_day, rtol=0.0, atol=1e-12, equal_nan=True)
    if differs.any():
        day = int(np.argwhere(differs)[0][0])
        raise WeightError(
            f"{strategy.name} declares decides_by_day, but its weights on day {day} differ "
            "from those of its state table: its decide() reads more than the day's signal "
            "states and which assets have prices (declare decides_by_day False)"
        )

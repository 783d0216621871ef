"""A protective-put index built like CBOE PPUT: the index held with puts on all of its notional.

Requires, on one trading calendar: the index's price (the strikes and the
option model read it), its total-return level (what the position holds), the
VIX and the 3-month T-bill discount rate as knowable each day. Produces a
price index (:meth:`ProtectivePutIndex.build`).

CBOE's methodology, as replicated here:

- **Rolls on the third Friday** of each month (the monthly SPX expiry; the
  trading day before it when the exchange is closed: :func:`third_friday_rolls`).
  On a roll day the expiring put settles at ``max(strike - close, 0)`` and new
  puts are bought, struck ``moneyness`` below the close (5% for PPUT),
  expiring on the next roll day.
- **Notional hedged**: ``hedge_ratio`` (1.0 for PPUT) puts per unit of index
  held; the premium is paid out of the position, so after a roll
  ``units * (total_return + hedge_ratio * premium * total_return / price) =
  value``: the puts cover ``hedge_ratio`` of the index exposure.
- **Between rolls** the position is marked each day: the index units at the
  total-return close, the puts by Black-Scholes at the close, the VIX and
  the rate knowable that day (:mod:`macropatch.marketdata.options`), with
  ``skew`` as the linear slope of volatility against moneyness and
  ``dividend_yield`` as the index's continuous yield.
- **Trading cost**: puts are bought at ``(1 + spread / 2)`` times the model
  price (a bid/ask spread as a share of the premium; they expire, so they
  are never sold).

Everything on day t uses the closes of day t and inputs knowable on day t.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd

from macropatch.marketdata.bounds import Range
from macropatch.marketdata.options import (
    DividendYield,
    Moneyness,
    Skew,
    black_scholes_put,
    continuously_compounded_rate,
    implied_volatility_for_strike,
)
from macropatch.marketdata.parameters import check_parameters
from macropatch.marketdata.surface import TermStructure

__all__ = ["ProtectivePutIndex", "third_friday_rolls"]


def third_friday_rolls(calendar: pd.DatetimeIndex) -> np.ndarray:
    """True on the trading day of each month on or before its third Friday (CBOE's expiry).

    A month whose third Friday falls after the calendar's last day, or before
    its first, has no roll in it.
    """
    calendar = pd.DatetimeIndex(calendar)
    rolls = np.zeros(len(calendar), dtype=bool)
    if not len(calendar):
        return rolls
    months = pd.period_range(calendar[0], calendar[-1], freq="M")
    for month in months:
        first = month.start_time
        friday = first + pd.Timedelta(days=(4 - first.weekday()) % 7 + 14)
        if friday > calendar[-1] or friday < calendar[0]:
            continue
        position = int(calendar.searchsorted(friday, side="right")) - 1
        if position >= 0 and calendar[position].to_period("M") == month:
            rolls[position] = True
    return rolls


@dataclass(frozen=True, kw_only=True)
class ProtectivePutIndex:
    """The index plus puts on ``hedge_ratio`` of it, rolled on third Fridays (CBOE PPUT's rules).

    Parameters
    ----------
    moneyness
        Strike below the close at purchase (default 0.05: PPUT's 5%).
    hedge_ratio
        Puts per unit of index held (default 1.0: PPUT's 100% of notional).
    skew
        Linear slope of volatility against moneyness (default 1.0, the
        overlay's; :func:`~macropatch.marketdata.options.implied_volatility_for_strike`).
    dividend_yield
        The index's continuous dividend yield in the option model (default 0.018).
    spread
        Bid/ask spread as a share of the put's price; puts are bought at the
        ask, half the spread above the model's mid (default 0.05).
    """

    moneyness: Moneyness = 0.05
    hedge_ratio: Annotated[float, Range(0.0, 2.0)] = 1.0
    skew: Skew = 1.0
    dividend_yield: DividendYield = 0.018
    spread: Annotated[float, Range(0.0, 1.0)] = 0.05

    def __post_init__(self) -> None:
        """Check every parameter against its bounds (``ValueError`` naming it)."""
        check_parameters(self)

    def build(
        self,
        *,
        price: pd.Series,
        total_return: pd.Series,
        vix: pd.Series,
        discount_rate: pd.Series,
        surface: TermStructure | None = None,
    ) -> pd.Series:
        """The index on ``price``'s calendar: 100 on the first roll day with every input, NaN before.

        Parameters
        ----------
        price, total_return
            The index's price and total-return closes (a day without either
            carries the last value of the position; NaN after the last day
            with every input).
        vix, discount_rate
            The VIX (index points) and the T-bill discount rate (fraction), as
            knowable each day, on the same calendar.
        surface
            When given, the at-the-money volatility of each put comes from this
            term structure at the put's remaining tenor, not from the VIX.
        """
        calendar = pd.DatetimeIndex(price.index)
        spot = price.to_numpy(dtype=float)
        held = total_return.reindex(calendar).to_numpy(dtype=float)
        level = vix.reindex(calendar).to_numpy(dtype=float)
        rate = continuously_compounded_rate(discount_rate.reindex(calendar).to_numpy(dtype=float))
        valid = np.isfinite(spot) & np.isfinite(held) & np.isfinite(level) & np.isfinite(rate)
        rolls = third_friday_rolls(calendar) & valid
        expiries = _next_roll_dates(calendar, rolls)

        def atm(day: int, years: float) -> float:
            """The at-the-money volatility in index points for ``years`` on ``day``."""
            if surface is None:
                return float(level[day])
            found = surface.on(day, max(years * 365.0, 1.0)) * 100.0
            return found if np.isfinite(found) else float(level[day])

        index = np.full(len(calendar), np.nan)
        units = puts = strike = 0.0
        expiry = pd.Timestamp(calendar[0]) if len(calendar) else pd.Timestamp(0)
        started = False
        for day in range(len(calendar)):
            if not valid[day]:
                index[day] = index[day - 1] if started else np.nan
                continue
            if started and rolls[day]:
                value = units * held[day] + puts * max(strike - spot[day], 0.0)
            elif started:
                years = max((expiry - calendar[day]).days, 0) / 365.0
                mark = self._put(spot[day], strike, years, rate[day], atm(day, years))
                index[day] = units * held[day] + puts * mark
                continue
            elif rolls[day]:
                value, started = 100.0, True
            else:
                continue
            strike = (1.0 - self.moneyness) * spot[day]
            expiry = expiries[day]
            years = max((expiry - calendar[day]).days, 1) / 365.0
            premium = self._put(spot[day], strike, years, rate[day], atm(day, years))
            premium *= 1.0 + self.spread / 2.0
            per_unit = held[day] + self.hedge_ratio * premium * held[day] / spot[day]
            units = value / per_unit
            puts = self.hedge_ratio * units * held[day] / spot[day]
            index[day] = value
        observed = np.flatnonzero(valid)
        if len(observed):
            index[observed[-1] + 1 :] = np.nan  # carried over gaps, never past the data
        return pd.Series(index, index=calendar, name="protective_put")

    def _put(self, spot: float, strike: float, years: float, rate: float, vix: float) -> float:
        """One put's model price (its settlement value at expiry)."""
        if years <= 0.0:
            return max(strike - spot, 0.0)
        sigma = implied_volatility_for_strike(vix, 1.0 - strike / spot, self.skew)
        return float(black_scholes_put(spot, strike, years, rate, self.dividend_yield, sigma))


def _next_roll_dates(calendar: pd.DatetimeIndex, rolls: np.ndarray) -> list[pd.Timestamp]:
    """Per day, the date of the next roll after it (a month later when none is left)."""
    positions = np.flatnonzero(rolls)
    following = np.searchsorted(positions, np.arange(len(calendar)), side="right")
    return [
        calendar[positions[after]]
        if after < len(positions)
        else calendar[day] + pd.DateOffset(months=1)
        for day, after in enumerate(following)
    ]

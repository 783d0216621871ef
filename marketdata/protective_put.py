"""A protective-put index: an equity index held with puts on a stated share of it.

Requires, on one trading calendar: the index's price (the strikes and the
option model read it), its total-return level (what the position holds), the
VIX and the 3-month T-bill discount rate as knowable each day, and optionally
the VIX term structure (:mod:`macropatch.marketdata.surface`). Produces a
price index (:meth:`ProtectivePutIndex.compute`); as a synthetic asset
(:meth:`ProtectivePutIndex.build`) it loads those series itself.

With its defaults it follows CBOE PPUT's methodology:

- **Expiries on the third Friday** of each month (the monthly SPX expiry; the
  trading day before it when the exchange is closed:
  :func:`third_friday_rolls`), or on the last trading day of each month
  (``expiries = "month_end"``). A put expires ``tenor_months`` expiries after
  the day it is bought.
- **Rolls** ``roll_days_before`` trading days before the held put's expiry (0:
  on the expiry day, where it settles at ``max(strike - close, 0)``). Sold
  before expiry, a put fetches its model price less half the bid/ask spread.
  New puts are struck ``moneyness`` below the close.
- **Sizing**, by ``sizing``:

  - ``hedge_ratio`` (PPUT): puts on ``hedge_ratio`` of the index exposure,
    the premium paid out of the position, so after a roll
    ``units * total_return + puts * premium = value`` with
    ``puts * close = hedge_ratio * units * total_return``;
  - ``budget``: at each roll, ``budget`` a year of the position's value (for
    the time until the put's planned roll) buys puts, never more than
    ``hedge_ratio`` of the exposure: cheap protection buys more notional,
    dear protection less.

- **Monetisation** (off by default): the put is sold and a new one bought at
  the current close (a fresh ``tenor_months``) when its mark reaches
  ``monetise_multiple`` times what it cost, or when the VIX closes at or above
  ``monetise_vix`` while the held put was bought below it (once per spike).
- **Marks**: every day, the index units at the total-return close and the
  puts by Black-Scholes at the close, the VIX (or the term structure at the
  put's remaining tenor) and the rate knowable that day
  (:mod:`macropatch.marketdata.options`), ``skew`` as the linear slope of
  volatility against moneyness and ``dividend_yield`` as the index's yield.
- **Trading cost**: puts are bought at ``(1 + spread / 2)`` times the model's
  mid price and sold before expiry at ``(1 - spread / 2)`` times it.

Everything on day t uses the closes of day t and inputs knowable on day t.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Annotated

import numpy as np
import pandas as pd

from macropatch.marketdata.bounds import Range
from macropatch.marketdata.options import (
    DividendYield,
    Moneyness,
    Months,
    SeriesLoader,
    Skew,
    black_scholes_put,
    continuously_compounded_rate,
    implied_volatility_for_strike,
    month_end_rolls,
)
from macropatch.marketdata.parameters import check_parameters
from macropatch.marketdata.pointintime import knowable_on
from macropatch.marketdata.surface import NODES, TermStructure

__all__ = [
    "Expiries",
    "ProtectivePutIndex",
    "Sizing",
    "expiry_days",
    "month_end_rolls",
    "third_friday_rolls",
]


class Expiries(enum.Enum):
    """The calendar of option expiries."""

    THIRD_FRIDAY = "third_friday"  # monthly SPX expiries, as CBOE's indexes roll
    MONTH_END = "month_end"  # the last trading day of each month


class Sizing(enum.Enum):
    """How many puts a roll buys."""

    HEDGE_RATIO = "hedge_ratio"  # puts on a fixed share of the index exposure
    BUDGET = "budget"  # a yearly premium budget, capped at the hedge ratio


def _third_friday(month: pd.Period) -> pd.Timestamp:
    first = month.start_time
    return first + pd.Timedelta(days=(4 - first.weekday()) % 7 + 14)


def third_friday_rolls(calendar: pd.DatetimeIndex) -> np.ndarray:
    """True on the trading day of each month on or before its third Friday (CBOE's expiry).

    A month whose third Friday falls after the calendar's last day, or before
    its first, has no roll in it.
    """
    calendar = pd.DatetimeIndex(calendar)
    rolls = np.zeros(len(calendar), dtype=bool)
    if not len(calendar):
        return rolls
    for month in pd.period_range(calendar[0], calendar[-1], freq="M"):
        friday = _third_friday(month)
        if friday > calendar[-1] or friday < calendar[0]:
            continue
        position = int(calendar.searchsorted(friday, side="right")) - 1
        if position >= 0 and calendar[position].to_period("M") == month:
            rolls[position] = True
    return rolls


def expiry_days(
    calendar: pd.DatetimeIndex, expiries: Expiries, *, months_after: int
) -> list[pd.Timestamp]:
    """The expiry dates on ``calendar`` and ``months_after`` months past its end, in order.

    On the calendar, the trading days :func:`third_friday_rolls` or
    :func:`month_end_rolls` mark; after it, the third Fridays (or last business
    days) of the following months.
    """
    calendar = pd.DatetimeIndex(calendar)
    if not len(calendar):
        return []
    marked = (
        third_friday_rolls(calendar)
        if expiries is Expiries.THIRD_FRIDAY
        else month_end_rolls(calendar)
    )
    days = [pd.Timestamp(day) for day in calendar[marked]]
    start = calendar[-1].to_period("M")
    for month in pd.period_range(start, periods=months_after + 1, freq="M"):
        day = (
            _third_friday(month)
            if expiries is Expiries.THIRD_FRIDAY
            else pd.offsets.BMonthEnd().rollback(month.end_time.normalize())
        )
        if day > calendar[-1] and (not days or day > days[-1]):
            days.append(pd.Timestamp(day))
    return days


@dataclass(frozen=True, kw_only=True)
class ProtectivePutIndex:
    """The index plus puts on part or all of it, rolled on an expiry calendar (see the module).

    Parameters
    ----------
    moneyness
        Strike below the close at purchase (default 0.05: PPUT's 5%).
    tenor_months
        Expiries between a purchase and the put's expiry (default 1: PPUT's next month).
    roll_days_before
        Trading days before expiry the put is sold and replaced (default 0: held to expiry).
    expiries
        ``third_friday`` (default, CBOE's calendar) or ``month_end``.
    sizing, hedge_ratio, budget
        ``hedge_ratio`` (default): puts on ``hedge_ratio`` of the exposure
        (default 1.0: PPUT's 100% of notional); ``budget``: ``budget`` of the
        value a year on premium, up to ``hedge_ratio`` of the exposure.
    monetise_multiple, monetise_vix
        Sell and restrike when the put is worth this multiple of its cost, or
        when the VIX closes at or above this level (0, the default: never).
    skew
        Linear slope of volatility against moneyness (default 1.0, which
        reproduces PPUT's return within 0.1% a year;
        :func:`~macropatch.marketdata.options.implied_volatility_for_strike`).
    dividend_yield
        The index's continuous dividend yield in the option model (default 0.018).
    spread
        Bid/ask spread as a share of the put's price: bought at the ask, sold at
        the bid, half the spread either side of the model's mid (default 0.05).
    term_structure
        Price each put from the VIX9D/VIX/VIX3M/VIX6M term structure at its
        remaining tenor (flat at the VIX before 2008) instead of the VIX alone.
    underlying, total_return, volatility, rate
        Catalog ids of the index's price, its total-return level (what the
        position holds), the VIX and the 3-month T-bill (used by :meth:`build`).
    """

    moneyness: Moneyness = 0.05
    tenor_months: Months = 1
    roll_days_before: Annotated[int, Range(0, 250, unit="trading days")] = 0
    expiries: Expiries = Expiries.THIRD_FRIDAY
    sizing: Sizing = Sizing.HEDGE_RATIO
    hedge_ratio: Annotated[float, Range(0.0, 2.0)] = 1.0
    budget: Annotated[float, Range(0.0, 0.2, what="a yearly share of value")] = 0.02
    monetise_multiple: Annotated[float, Range(0.0, 100.0)] = 0.0
    monetise_vix: Annotated[float, Range(0.0, 200.0, unit="VIX points")] = 0.0
    skew: Skew = 1.0
    dividend_yield: DividendYield = 0.018
    spread: Annotated[float, Range(0.0, 1.0)] = 0.05
    term_structure: bool = False
    underlying: str = "sp500"
    total_return: str = "spy"
    volatility: str = "vix"
    rate: str = "tbill_3m"

    def __post_init__(self) -> None:
        """Check every parameter against its bounds (``ValueError`` naming it)."""
        check_parameters(self)
        if 0.0 < self.monetise_multiple <= 1.0:
            raise ValueError(
                f"ProtectivePutIndex.monetise_multiple must be 0 (never) or above 1, "
                f"got {self.monetise_multiple}"
            )

    @property
    def asset_id(self) -> str:
        """The asset's name: moneyness, tenor and sizing always, the other parameters when they
        differ from their defaults, e.g. ``protective_put[moneyness=0.1,tenor_months=3,
        hedge_ratio=1.0,roll_days_before=21]`` (the budget only when it sizes the puts).
        """
        sizing = "hedge_ratio" if self.sizing is Sizing.HEDGE_RATIO else "budget"
        always = ("moneyness", "tenor_months", sizing)
        unused = "budget" if self.sizing is Sizing.HEDGE_RATIO else ""
        parts = [f"{name}={getattr(self, name)!r}" for name in always]
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in always or item.name == unused or value == item.default:
                continue
            shown = value.value if isinstance(value, enum.Enum) else value
            parts.append(
                f"{item.name}={shown}" if isinstance(shown, str) else f"{item.name}={shown!r}"
            )
        return f"protective_put[{','.join(parts)}]"

    def build(self, sources: SeriesLoader, calendar: pd.DatetimeIndex) -> pd.Series:
        """The index on ``calendar`` from the catalog series (100 on its first day with every
        input, NaN before); the series as a synthetic asset of a run.
        """
        calendar = pd.DatetimeIndex(calendar)

        def known(series_id: str) -> pd.Series:
            return knowable_on(sources.load(series_id), calendar)[0]

        def traded(series_id: str) -> pd.Series:
            values = sources.load(series_id).values.dropna()
            return values.reindex(calendar).where(calendar <= values.index[-1])

        surface = (
            TermStructure.from_knowable({name: known(name) for name in NODES})
            if self.term_structure
            else None
        )
        index = self.compute(
            price=traded(self.underlying),
            total_return=traded(self.total_return),
            vix=known(self.volatility),
            discount_rate=known(self.rate),
            surface=surface,
        )
        return index.rename(self.asset_id)

    def compute(
        self,
        *,
        price: pd.Series,
        total_return: pd.Series,
        vix: pd.Series,
        discount_rate: pd.Series,
        surface: TermStructure | None = None,
    ) -> pd.Series:
        """The index on ``price``'s calendar: 100 on the first day with every input, NaN before.

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
            term structure at the put's remaining tenor, not from the VIX
            (whatever ``term_structure`` says).
        """
        calendar = pd.DatetimeIndex(price.index)
        inputs = {
            "spot": price.to_numpy(dtype=float),
            "held": total_return.reindex(calendar).to_numpy(dtype=float),
            "vix": vix.reindex(calendar).to_numpy(dtype=float),
            "rate": continuously_compounded_rate(
                discount_rate.reindex(calendar).to_numpy(dtype=float)
            ),
        }
        valid = np.logical_and.reduce([np.isfinite(values) for values in inputs.values()])
        book = _Book(self, calendar, inputs, surface)
        index = np.full(len(calendar), np.nan)
        for day in range(len(calendar)):
            if valid[day]:
                index[day] = book.close(day)
            elif book.started:
                index[day] = index[day - 1]
        observed = np.flatnonzero(valid)
        if len(observed):
            index[observed[-1] + 1 :] = np.nan  # carried over gaps, never past the data
        return pd.Series(index, index=calendar, name="protective_put")

    def volatility_points(
        self, surface: TermStructure | None, vix: float, day: int, years: float
    ) -> float:
        """The at-the-money volatility in index points for ``years`` on ``day``."""
        if surface is None:
            return vix
        found = surface.on(day, max(years * 365.0, 1.0)) * 100.0
        return found if np.isfinite(found) else vix

    def put_price(self, spot: float, strike: float, years: float, rate: float, vix: float) -> float:
        """One put's model mid price (its settlement value at expiry)."""
        if years <= 0.0:
            return max(strike - spot, 0.0)
        sigma = implied_volatility_for_strike(vix, 1.0 - strike / spot, self.skew)
        return float(black_scholes_put(spot, strike, years, rate, self.dividend_yield, sigma))


class _Book:
    """The position of a :class:`ProtectivePutIndex`, advanced one valid day at a time."""

    def __init__(
        self,
        model: ProtectivePutIndex,
        calendar: pd.DatetimeIndex,
        inputs: Mapping[str, np.ndarray],
        surface: TermStructure | None,
    ) -> None:
        self.model = model
        self.calendar = calendar
        self.spot, self.held = inputs["spot"], inputs["held"]
        self.vix, self.rate = inputs["vix"], inputs["rate"]
        self.surface = surface
        self.expiry_dates = expiry_days(
            calendar, model.expiries, months_after=model.tenor_months + 1
        )
        self.started = False
        self.units = self.puts = self.strike = self.cost = 0.0
        self.expiry = pd.Timestamp(0)
        self.roll_on = pd.Timestamp(0)
        self.armed = False

    def _mark(self, day: int) -> float:
        """One held put's mid price at ``day``'s close (its settlement value from expiry)."""
        years = max((self.expiry - self.calendar[day]).days, 0) / 365.0
        points = self.model.volatility_points(self.surface, self.vix[day], day, years)
        return self.model.put_price(self.spot[day], self.strike, years, self.rate[day], points)

    def close(self, day: int) -> float:
        """The position's value at ``day``'s close, after the day's trades."""
        model = self.model
        if not self.started:
            self.started = True
            self._buy(day, 100.0)
            return 100.0
        date = self.calendar[day]
        expired = date >= self.expiry
        mark = self._mark(day)
        due = expired or date >= self.roll_on
        monetise = not expired and (
            (model.monetise_multiple > 0.0 and mark >= model.monetise_multiple * self.cost)
            or (model.monetise_vix > 0.0 and self.armed and self.vix[day] >= model.monetise_vix)
        )
        if not (due or monetise):
            return float(self.units * self.held[day] + self.puts * mark)
        sale = mark if expired else mark * (1.0 - model.spread / 2.0)
        value = float(self.units * self.held[day] + self.puts * sale)
        self._buy(day, value)
        return value

    def _buy(self, day: int, value: float) -> None:
        """Spend ``value`` on index units and new puts struck at ``day``'s close."""
        model, date = self.model, self.calendar[day]
        later = [when for when in self.expiry_dates if when > date]
        position = min(model.tenor_months, len(later)) - 1
        # the put must be held at least a day before its roll
        while True:
            self.expiry = later[position] if later else date + pd.DateOffset(months=1)
            self.roll_on = self._roll_day(self.expiry)
            if self.roll_on > date or position + 1 >= len(later):
                break
            position += 1
        self.strike = (1.0 - model.moneyness) * self.spot[day]
        self.cost = self._mark(day) * (1.0 + model.spread / 2.0)
        exposure = self.held[day] / self.spot[day]  # puts per index unit at full cover
        full = model.hedge_ratio * exposure
        per_unit = self.held[day] + full * self.cost
        units, puts = value / per_unit, full * value / per_unit
        if model.sizing is Sizing.BUDGET:
            years = max((self.roll_on - date).days, 1) / 365.0
            spend = min(model.budget * years * value, puts * self.cost)
            puts = spend / self.cost if self.cost > 0 else 0.0
            units = (value - spend) / self.held[day]
        self.units, self.puts = units, puts
        self.armed = model.monetise_vix > 0.0 and self.vix[day] < model.monetise_vix

    def _roll_day(self, expiry: pd.Timestamp) -> pd.Timestamp:
        """The day the put expiring on ``expiry`` is rolled: ``roll_days_before`` trading days
        before it (counted on the calendar, or on business days past its end).
        """
        days = self.model.roll_days_before
        if not days:
            return expiry
        position = int(self.calendar.searchsorted(expiry, side="left"))
        if position < len(self.calendar):
            return pd.Timestamp(self.calendar[max(position - days, 0)])
        return pd.Timestamp(expiry - pd.offsets.BDay(days))

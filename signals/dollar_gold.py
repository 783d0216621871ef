"""Dollar and gold (de-dollarisation): gold's trend, a weakening dollar, central-bank buying.

The report's fifth trigger: central banks buy gold at a record pace, mostly
emerging-market ones, while payment rails outside the dollar (mBridge) fork
the protocol. Every signal here reads its inputs as knowable each day
(:mod:`macropatch.signals.base`) and uses only trailing windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range, Window
from macropatch.signals.base import Family, Signal
from macropatch.signals.windows import against_trailing_mean

__all__ = ["CentralBankGoldBuying", "DollarWeakening", "GoldTrend"]


@dataclass(frozen=True, kw_only=True)
class GoldTrend(Signal):
    """Gold above its 10-month average: the trend-following form of "long real assets".

    Requires: ``gld`` (SPDR Gold Shares adjusted close, from 2004-11-18) and
    ``gold_futures`` (COMEX front-month close, from 2000-08-30), both daily
    and knowable the same day. Produces: ``price / trailing mean - 1``, fired
    when above ``threshold``.

    Each instrument is compared with **its own** trailing mean, so their
    levels are never mixed: the value is GLD's once GLD has a full window,
    and the futures' before that (or whenever GLD's window is unknown).

    Parameters
    ----------
    threshold
        Default 0.0: the price above its average.
    window_days
        Trailing mean length in trading days, today included. Default 210,
        about 10 months of 21 trading days (Faber's 10-month rule).

    Timing: unknown until one instrument's window is full.
    """

    name = "gold_trend"
    family = Family.DOLLAR_GOLD
    summary = "Gold above its 10-month (210-day) average"

    threshold: Annotated[float, Range(-0.5, 0.5)] = 0.0
    window_days: Annotated[int, Window()] = 210

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("gld", "gold_futures")

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        etf = against_trailing_mean(knowable["gld"], self.window_days)
        futures = against_trailing_mean(knowable["gold_futures"], self.window_days)
        value = etf.fillna(futures)
        return value, value > self.threshold


@dataclass(frozen=True, kw_only=True)
class DollarWeakening(Signal):
    """The broad trade-weighted dollar below its trailing average: de-dollarisation in prices.

    Requires: ``dollar_broad`` (FRED DTWEXBGS, daily from 2006, published
    weekly: each value knowable 7 days after its date). Produces:
    ``level / trailing mean - 1``, fired when below ``threshold``.

    Parameters
    ----------
    threshold
        Default 0.0: the dollar below its average.
    window_days
        Trailing mean length in trading days, today included. Default 200.

    Timing: unknown until the window holds ``window_days`` knowable values.
    The history is revised by the Fed, so it is not strictly point-in-time.
    """

    name = "dollar_weakening"
    family = Family.DOLLAR_GOLD
    summary = "Broad dollar index below its 200-day average"

    threshold: Annotated[float, Range(-0.5, 0.5)] = 0.0
    window_days: Annotated[int, Window()] = 200

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("dollar_broad",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = against_trailing_mean(knowable["dollar_broad"], self.window_days)
        return value, value < self.threshold


@dataclass(frozen=True, kw_only=True)
class CentralBankGoldBuying(Signal):
    """Central banks buying gold at a record pace.

    Requires: ``central_bank_gold`` (user supplied: net purchases in tonnes
    per quarter, e.g. from the World Gold Council's Gold Demand Trends;
    knowable 35 days after the quarter ends). Produces: the tonnes, fired
    when above ``threshold``. Without the series the result is "no data".

    Parameters
    ----------
    threshold
        Default 200 tonnes a quarter (800 a year): above the annual buying
        of every year from 2010 to 2021 (at most about 650 tonnes) and below
        the more than 1,000 tonnes a year of 2022-2024, the pace the report
        calls a record.

    Timing: a quarter's value is carried forward until the next release
    (stale after 150 days).
    """

    name = "central_bank_gold_buying"
    family = Family.DOLLAR_GOLD
    summary = "Central-bank gold purchases above 200 tonnes a quarter"

    threshold: Annotated[
        float, Range(0.0, 2000.0, low_open=True, high_open=True, unit="tonnes")
    ] = 200.0

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("central_bank_gold",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = knowable["central_bank_gold"]
        return value, value > self.threshold

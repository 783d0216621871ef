"""A user's own signal and strategy, in one file outside the package.

``gold_momentum`` fires while gold's price is above its trailing mean;
``gold_equity_rotation`` holds SPY and GLD and moves ``tilt`` from equities to
gold while the signal fires. An experiment loads this file with
``plugins = ["gold_rotation.py"]`` (a path relative to the experiment file);
then both work by name, in sweeps (``signals.gold_momentum.window_days``) and
on the pages, exactly as the built-ins do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import pandas as pd

from macropatch.marketdata.bounds import Range, Window
from macropatch.signals.base import Family, Signal
from macropatch.strategies.base import MarketView, Strategy


@dataclass(frozen=True, kw_only=True)
class GoldMomentum(Signal):
    """Gold above its trailing mean: the value is the price over the mean, less one."""

    name = "gold_momentum"
    family = Family.DOLLAR_GOLD
    summary = "GLD above its 200-day mean"

    window_days: Annotated[int, Window(20, 756)] = 200
    threshold: Annotated[float, Range(-0.5, 0.5)] = 0.0

    @property
    def inputs(self) -> tuple[str, ...]:
        """Reads GLD's price."""
        return ("gld",)

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        """The price over its trailing mean, less one; fired above ``threshold``."""
        gold = knowable["gld"]
        mean = gold.rolling(self.window_days, min_periods=self.window_days).mean()
        value = gold / mean - 1.0
        return value, value > self.threshold


@dataclass(frozen=True, kw_only=True)
class GoldEquityRotation(Strategy):
    """SPY and GLD, 80/20, with ``tilt`` more gold while ``gold_momentum`` fires."""

    name = "gold_equity_rotation"
    summary = "SPY 80% and GLD 20%, tilted to gold while gold trends up"

    gold_weight: Annotated[float, Range(0.0, 1.0)] = 0.20
    tilt: Annotated[float, Range(0.0, 0.5)] = 0.20

    @property
    def assets(self) -> tuple[str, ...]:
        """SPY and GLD."""
        return ("spy", "gld")

    @property
    def signals(self) -> tuple[str, ...]:
        """Reads ``gold_momentum``."""
        return ("gold_momentum",)

    def decide(self, market: MarketView) -> pd.DataFrame:
        """Gold at its weight, plus the tilt on days the signal fires."""
        firing = market.firing("gold_momentum").fillna(False).astype(bool)
        gold = self.gold_weight + self.tilt * firing.astype(float)
        return pd.DataFrame({"spy": 1.0 - gold, "gld": gold}, index=market.prices.index)

"""The benchmarks every patch strategy is measured against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range
from macropatch.strategies.base import MarketView, Strategy, constant_weights

__all__ = ["SixtyForty", "SpyBuyAndHold"]


@dataclass(frozen=True, kw_only=True)
class SpyBuyAndHold(Strategy):
    """All in the S&P 500 (SPY), bought once and held.

    Requires: SPY prices. Produces: weight 1 in SPY every day; with the
    ``once`` schedule it is bought on the first day and never traded again.
    """

    name = "spy_buy_and_hold"
    summary = "100% SPY, bought on the first day and held (schedule once)"

    equity: str = "spy"

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return (self.equity,)

    @property
    @override
    def decides_by_day(self) -> bool:
        """True: the same weights every day."""
        return True

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        return constant_weights(market, {self.equity: 1.0})


@dataclass(frozen=True, kw_only=True)
class SixtyForty(Strategy):
    """The classic balanced portfolio: 60% equities (SPY), 40% Treasuries (IEF).

    Requires: SPY and IEF prices (IEF is spliced before 2002-07-30 with a
    constant-maturity Treasury priced from the 10-year yield). Produces:
    ``equity_weight`` in SPY and the rest in IEF every day; the schedule
    (monthly in the default experiment) says when it is rebalanced.
    """

    name = "sixty_forty"
    summary = "60% SPY / 40% IEF, rebalanced on the schedule (monthly by default)"

    equity: str = "spy"
    bonds: str = "ief"
    equity_weight: Annotated[float, Range(0.0, 1.0)] = 0.6

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return (self.equity, self.bonds)

    @property
    @override
    def decides_by_day(self) -> bool:
        """True: the same weights every day."""
        return True

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        return constant_weights(
            market, {self.equity: self.equity_weight, self.bonds: 1.0 - self.equity_weight}
        )

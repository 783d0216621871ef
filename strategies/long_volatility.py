"""Long volatility: an equity core with a small, permanent tail hedge."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range
from macropatch.marketdata.options import (
    DividendYield,
    Moneyness,
    Months,
    PutOverlay,
    PutShare,
    Skew,
)
from macropatch.strategies.base import MarketView, Strategy, SyntheticAsset

__all__ = ["Hedge", "LongVolatility"]


class Hedge(enum.Enum):
    """The instrument that carries the hedge."""

    PUT_OVERLAY = "put_overlay"  # synthetic S&P 500 puts priced from the VIX
    VIX_FUND = "vix_fund"  # a VIX futures fund (VIXY, from 2011)


@dataclass(frozen=True, kw_only=True)
class LongVolatility(Strategy):
    """The report's insurance: hold equities, spend a small budget a year on crash protection.

    Requires: the equity asset (SPY) and the hedge: by default a synthetic
    put overlay (:class:`macropatch.marketdata.options.PutOverlay`: S&P 500 puts struck
    ``moneyness`` below spot, ``tenor_months`` to expiry, rolled every
    ``roll_months``, priced daily by Black-Scholes from the VIX plus a skew
    adjustment), or a VIX futures fund. Reads the ``vix_cheap`` signal.

    Produces: a weight in the overlay such that the premium spent per roll
    is ``budget × roll_months / 12`` of NAV: the overlay spends
    ``put_share`` of its own value on puts at each roll (the rest is T-bill
    collateral), so its weight is ``budget × roll_months / 12 / put_share``
    (about 4.2% with the defaults). It is scaled by ``cheap_multiplier`` on
    days when ``vix_cheap`` fires (protection is cheap); the rest is in
    equities.
    With a monthly rebalance the position is reset to that weight each month,
    so about ``budget`` of NAV a year goes to premium (more when puts pay
    off). The VIX fund holds ``vix_fund_weight`` (scaled the same way).

    Neutral (``vix_cheap`` unknown): the unscaled budget.
    Timing: decided at the close of t on what was knowable then; traded at
    the next close. Use ``rebalance = "monthly"`` with ``roll_months = 1``.
    """

    name = "long_volatility"
    summary = "SPY plus a permanent budget of out-of-the-money S&P 500 puts"

    equity: str = "spy"
    hedge: Hedge = Hedge.PUT_OVERLAY
    budget: Annotated[float, Range(0.0, 0.10, what="a yearly share of NAV")] = 0.01
    cheap_multiplier: Annotated[float, Range(1.0, 5.0)] = 2.0
    moneyness: Moneyness = 0.10
    tenor_months: Months = 3
    roll_months: Months = 1
    skew: Skew = 1.0
    dividend_yield: DividendYield = 0.015
    put_share: PutShare = 0.02
    vix_fund: str = "vixy"
    vix_fund_weight: Annotated[float, Range(0.0, 0.2)] = 0.03

    def __post_init__(self) -> None:
        """Check the parameters; with the put overlay, build it to check the option's."""
        super().__post_init__()
        if self.hedge is Hedge.PUT_OVERLAY:
            _ = self.overlay  # building it validates the option parameters

    @property
    def overlay(self) -> PutOverlay:
        """The synthetic put overlay these parameters describe."""
        return PutOverlay(
            moneyness=self.moneyness,
            tenor_months=self.tenor_months,
            roll_months=self.roll_months,
            skew=self.skew,
            dividend_yield=self.dividend_yield,
            put_share=self.put_share,
        )

    @property
    def hedge_asset(self) -> str:
        """The asset that carries the hedge: the overlay's id or the VIX fund."""
        return self.overlay.asset_id if self.hedge is Hedge.PUT_OVERLAY else self.vix_fund

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return (self.equity, self.hedge_asset)

    @property
    @override
    def hedges(self) -> tuple[str, ...]:
        return (self.hedge_asset,)

    @property
    @override
    def synthetic_assets(self) -> tuple[SyntheticAsset, ...]:
        return (self.overlay,) if self.hedge is Hedge.PUT_OVERLAY else ()

    @property
    @override
    def signals(self) -> tuple[str, ...]:
        return ("vix_cheap",) if self.cheap_multiplier != 1.0 else ()

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        index = market.prices.index
        if self.hedge is Hedge.PUT_OVERLAY:
            # the overlay spends put_share of its value on puts at each roll
            base = self.budget * self.roll_months / 12.0 / self.put_share
        else:
            base = self.vix_fund_weight
        scale = pd.Series(1.0, index=index)
        if self.signals:
            cheap = market.firing("vix_cheap").fillna(False).astype(bool)
            scale = scale.where(~cheap, self.cheap_multiplier)
        hedge = base * scale
        return pd.DataFrame({self.equity: 1.0 - hedge, self.hedge_asset: hedge}, index=index)

"""Long volatility: an equity core with a permanent, sized tail hedge."""

from __future__ import annotations

import enum
from collections.abc import Mapping
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
from macropatch.marketdata.protective_put import Expiries, ProtectivePutIndex, Sizing
from macropatch.strategies.base import MarketView, Strategy, SyntheticAsset

__all__ = ["Hedge", "LongVolatility"]


class Hedge(enum.Enum):
    """The instrument that carries the hedge."""

    PROTECTIVE_PUT = "protective_put"  # the equity held with puts on a stated share of it
    PUT_OVERLAY = "put_overlay"  # a premium budget of puts beside the equity (the old default)
    VIX_FUND = "vix_fund"  # a VIX futures fund instead of puts


@dataclass(frozen=True, kw_only=True)
class LongVolatility(Strategy):
    """The report's insurance: hold equities with crash protection, sized by what it protects.

    Requires: the equity asset (SPY) and the hedge, by ``hedge``:

    - ``protective_put`` (default): the equity held with S&P 500 puts
      (:class:`~macropatch.marketdata.protective_put.ProtectivePutIndex`, the
      model calibrated against CBOE PPUT): puts struck ``moneyness`` below
      the close expiring ``tenor_months`` monthly expiries later (``expiries``:
      third Fridays or month ends), rolled ``roll_days_before`` trading days
      before expiry, on ``hedge_ratio`` of the protected equity (``sizing =
      "hedge_ratio"``) or bought with ``budget`` of its value a year up to that
      ratio (``sizing = "budget"``); optionally monetised at
      ``monetise_multiple`` times their cost or a VIX of ``monetise_vix``;
      priced from the VIX term structure (``term_structure``) with a linear
      ``skew``, bought at the ask and sold at the bid (``spread``).
    - ``put_overlay``: the old sizing, a premium budget: a synthetic overlay
      (:class:`~macropatch.marketdata.options.PutOverlay`) spending ``put_share``
      of itself on puts every ``roll_months``, held at a weight that spends
      ``budget`` of NAV a year.
    - ``vix_fund``: ``vix_fund`` (VIXY) at ``vix_fund_weight`` instead of puts.

    Beside puts, ``long_dated_weight`` of NAV may sit in ``long_dated_fund``
    (VIXM, mid-term VIX futures, from 2011).

    Reads ``vix_cheap``. Produces, with the protective put: ``protected_share``
    of the equity sleeve held protected (by default all of it), times
    ``cheap_multiplier`` (at most all of it) on days when ``vix_cheap`` fires;
    with the overlay or the fund, their weight times ``cheap_multiplier`` on
    those days. With all of the equity protected the signal cannot change
    anything and is not read.

    Neutral (``vix_cheap`` unknown): the unscaled share.
    Timing: decided at the close of t on what was knowable then; traded at
    the next close.
    """

    name = "long_volatility"
    summary = "SPY held with S&P 500 puts on a stated share of it (or a VIX fund)"

    equity: str = "spy"
    hedge: Hedge = Hedge.PROTECTIVE_PUT
    protected_share: Annotated[float, Range(0.0, 1.0)] = 1.0
    cheap_multiplier: Annotated[float, Range(1.0, 5.0)] = 2.0
    moneyness: Moneyness = 0.10
    tenor_months: Months = 3
    roll_days_before: Annotated[int, Range(0, 250, unit="trading days")] = 21
    expiries: Expiries = Expiries.THIRD_FRIDAY
    sizing: Sizing = Sizing.HEDGE_RATIO
    hedge_ratio: Annotated[float, Range(0.0, 2.0)] = 1.0
    budget: Annotated[float, Range(0.0, 0.10, what="a yearly share of NAV")] = 0.01
    monetise_multiple: Annotated[float, Range(0.0, 100.0)] = 0.0
    monetise_vix: Annotated[float, Range(0.0, 200.0, unit="VIX points")] = 0.0
    skew: Skew = 1.0
    dividend_yield: DividendYield = 0.018
    spread: Annotated[float, Range(0.0, 1.0)] = 0.05
    term_structure: bool = True
    roll_months: Months = 1
    put_share: PutShare = 0.02
    vix_fund: str = "vixy"
    vix_fund_weight: Annotated[float, Range(0.0, 0.2)] = 0.03
    long_dated_fund: str = "vixm"
    long_dated_weight: Annotated[float, Range(0.0, 0.2)] = 0.0

    def __post_init__(self) -> None:
        """Check the parameters; build the hedge's synthetic asset to check the option's."""
        super().__post_init__()
        _ = self.synthetic_assets  # building them validates the option parameters

    @property
    def overlay(self) -> PutOverlay:
        """The premium-budget put overlay these parameters describe (``hedge = "put_overlay"``)."""
        return PutOverlay(
            moneyness=self.moneyness,
            tenor_months=self.tenor_months,
            roll_months=self.roll_months,
            skew=self.skew,
            dividend_yield=self.dividend_yield,
            put_share=self.put_share,
        )

    @property
    def protected(self) -> ProtectivePutIndex:
        """The equity held with puts these parameters describe (``hedge = "protective_put"``)."""
        return ProtectivePutIndex(
            moneyness=self.moneyness,
            tenor_months=self.tenor_months,
            roll_days_before=self.roll_days_before,
            expiries=self.expiries,
            sizing=self.sizing,
            hedge_ratio=self.hedge_ratio,
            budget=self.budget,
            monetise_multiple=self.monetise_multiple,
            monetise_vix=self.monetise_vix,
            skew=self.skew,
            dividend_yield=self.dividend_yield,
            spread=self.spread,
            term_structure=self.term_structure,
            total_return=self.equity,
        )

    @property
    def hedge_asset(self) -> str:
        """The asset that carries the hedge."""
        if self.hedge is Hedge.PROTECTIVE_PUT:
            return self.protected.asset_id
        return self.overlay.asset_id if self.hedge is Hedge.PUT_OVERLAY else self.vix_fund

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        fund = (self.long_dated_fund,) if self.long_dated_weight > 0 else ()
        return (self.equity, self.hedge_asset, *fund)

    @property
    @override
    def hedges(self) -> tuple[str, ...]:
        fund = (self.long_dated_fund,) if self.long_dated_weight > 0 else ()
        return (self.hedge_asset, *fund)

    @property
    @override
    def hedged_against(self) -> Mapping[str, str]:
        return {self.hedge_asset: self.equity} if self.hedge is Hedge.PROTECTIVE_PUT else {}

    @property
    @override
    def synthetic_assets(self) -> tuple[SyntheticAsset, ...]:
        if self.hedge is Hedge.PROTECTIVE_PUT:
            return (self.protected,)
        return (self.overlay,) if self.hedge is Hedge.PUT_OVERLAY else ()

    @property
    @override
    def signals(self) -> tuple[str, ...]:
        """``vix_cheap``, when firing can change the hedge: a multiplier other than 1 and,
        with the protective put, less than all of the equity protected in the neutral state.
        """
        idle = self.hedge is Hedge.PROTECTIVE_PUT and self.protected_share >= 1.0
        return ("vix_cheap",) if self.cheap_multiplier != 1.0 and not idle else ()

    @property
    @override
    def decides_by_day(self) -> bool:
        """True: the hedge is scaled on the day's ``vix_cheap`` state alone."""
        return True

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        index = market.prices.index
        scale = pd.Series(1.0, index=index)
        if self.signals:
            cheap = market.firing("vix_cheap").fillna(False).astype(bool)
            scale = scale.where(~cheap, self.cheap_multiplier)
        fund = self.long_dated_weight
        equity_sleeve = 1.0 - fund
        if self.hedge is Hedge.PROTECTIVE_PUT:
            hedge = equity_sleeve * (self.protected_share * scale).clip(upper=1.0)
        elif self.hedge is Hedge.PUT_OVERLAY:
            # the overlay spends put_share of its value on puts at each roll
            hedge = self.budget * self.roll_months / 12.0 / self.put_share * scale
        else:
            hedge = self.vix_fund_weight * scale
        weights = {self.equity: equity_sleeve - hedge, self.hedge_asset: hedge}
        if fund > 0:
            weights[self.long_dated_fund] = pd.Series(fund, index=index)
        return pd.DataFrame(weights, index=index)

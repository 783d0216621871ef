"""The patched portfolio: the four patch strategies combined by risk budget."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated

import numpy as np
import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Window
from macropatch.strategies.avoid_fragility import AvoidFragility
from macropatch.strategies.base import CASH, MarketView, Strategy, SyntheticAsset
from macropatch.strategies.long_volatility import LongVolatility
from macropatch.strategies.quality_over_growth import QualityOverGrowth
from macropatch.strategies.real_assets import RealAssets

__all__ = ["PatchedPortfolio", "RiskBudget", "ex_ante_volatility"]


def ex_ante_volatility(returns: pd.DataFrame, weights: pd.DataFrame, window: int) -> pd.Series:
    """Daily volatility of each day's weights over the trailing window of returns.

    Parameters
    ----------
    returns
        Daily asset returns (rows = days; no missing values), a superset of
        the columns of ``weights``.
    weights
        Weights per day (rows = the same days); a row with a missing weight
        gives a missing volatility.
    window
        Trading days in the window, ending on (and including) the day.

    Returns
    -------
    pandas.Series
        ``sqrt(w_t' S_t w_t)``, with ``S_t`` the sample covariance (ddof 1)
        of the returns of days ``t - window + 1 .. t``; NaN before the first
        full window. Equals the standard deviation of ``returns @ w_t`` over
        the window.
    """
    values = returns[weights.columns].to_numpy(dtype=np.float64)
    held = weights.to_numpy(dtype=np.float64, na_value=np.nan)
    days = len(values)
    first = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    second = np.concatenate(
        [np.zeros((1, values.shape[1], values.shape[1])),
         np.cumsum(values[:, :, None] * values[:, None, :], axis=0)]
    )  # fmt: skip
    variance = np.full(days, np.nan)
    if days >= window:
        sums = first[window:] - first[:-window]
        products = second[window:] - second[:-window]
        covariance = (products - sums[:, :, None] * sums[:, None, :] / window) / (window - 1)
        today = held[window - 1 :]
        variance[window - 1 :] = np.einsum("ti,tij,tj->t", today, covariance, today)
    return pd.Series(np.sqrt(np.clip(variance, 0.0, None)), index=returns.index)


class RiskBudget(enum.Enum):
    """How the sleeves share the portfolio."""

    EQUAL = "equal"  # a quarter each
    INVERSE_VOLATILITY = "inverse_volatility"  # in inverse proportion to trailing volatility


@dataclass(frozen=True, kw_only=True)
class PatchedPortfolio(Strategy):
    """The report's "defensive programming": all four patches at once.

    Requires: everything the four sleeves require (each built with its
    defaults: ``real_assets``, ``avoid_fragility``, ``quality_over_growth``,
    ``long_volatility``). Produces: per day, the sum over sleeves of the
    sleeve's budget times the sleeve's target weights (cash included), so a
    row sums to 1. Budgets: ``equal`` (a quarter each) or
    ``inverse_volatility``: proportional to 1 / the sleeve's trailing
    ``volatility_window_days`` volatility, where a sleeve's daily return is
    its previous day's targets times the day's asset returns (causal);
    equal budgets until every sleeve has a full window.

    Neutral: each sleeve falls back to its own neutral allocation.
    """

    name = "patched_portfolio"
    summary = "the four patch strategies combined, equal or inverse-volatility risk budgets"

    risk_budget: RiskBudget = RiskBudget.EQUAL
    volatility_window_days: Annotated[int, Window(20, 1260)] = 126

    @cached_property
    def sleeves(self) -> tuple[Strategy, ...]:
        """The four patch strategies, each with its defaults."""
        return (RealAssets(), AvoidFragility(), QualityOverGrowth(), LongVolatility())

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(asset for sleeve in self.sleeves for asset in sleeve.assets))

    @property
    @override
    def synthetic_assets(self) -> tuple[SyntheticAsset, ...]:
        return tuple(item for sleeve in self.sleeves for item in sleeve.synthetic_assets)

    @property
    @override
    def signals(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(signal for sleeve in self.sleeves for signal in sleeve.signals))

    @property
    @override
    def decides_by_day(self) -> bool:
        """True with equal budgets when every sleeve decides by the day (inverse-volatility
        budgets read a window of returns).
        """
        return self.risk_budget is RiskBudget.EQUAL and all(
            sleeve.decides_by_day for sleeve in self.sleeves
        )

    @property
    @override
    def hedges(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(asset for sleeve in self.sleeves for asset in sleeve.hedges))

    @property
    @override
    def hedged_against(self) -> Mapping[str, str]:
        return {
            asset: reference
            for sleeve in self.sleeves
            for asset, reference in sleeve.hedged_against.items()
        }

    def budgets(self, market: MarketView, sleeve_targets: list[pd.DataFrame]) -> pd.DataFrame:
        """Budget of each sleeve per day (rows sum to 1).

        ``inverse_volatility``: each sleeve's ex-ante volatility on day t is
        that of its day-t targets over the trailing window of asset returns
        ending on day t, ``sqrt(w' S w)`` with ``S`` the window's sample
        covariance; all of it is known at t's close, when the budgets are
        decided. Equal budgets until every sleeve has a full window.
        """
        index = market.prices.index
        names = [sleeve.name for sleeve in self.sleeves]
        equal = pd.DataFrame(1.0 / len(names), index=index, columns=names)
        if self.risk_budget is RiskBudget.EQUAL:
            return equal
        returns = market.prices.pct_change(fill_method=None).fillna(0.0)
        volatilities = {
            name: ex_ante_volatility(
                returns, targets.drop(columns=[CASH]), self.volatility_window_days
            )
            for name, targets in zip(names, sleeve_targets, strict=True)
        }
        inverse = 1.0 / pd.DataFrame(volatilities).replace(0.0, np.nan)
        budgets = inverse.div(inverse.sum(axis=1), axis=0)
        complete = budgets.notna().all(axis=1)
        return budgets.where(complete, equal)

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        sleeve_targets = []
        for sleeve in self.sleeves:
            view = MarketView(
                prices=market.prices[list(sleeve.assets)],
                signals={name: market.signals[name] for name in sleeve.signals},
            )
            sleeve_targets.append(sleeve.target_weights(view))
        budgets = self.budgets(market, sleeve_targets)
        combined = pd.DataFrame(0.0, index=market.prices.index, columns=list(self.assets))
        for sleeve, targets in zip(self.sleeves, sleeve_targets, strict=True):
            risky = targets.drop(columns=[CASH])
            combined[risky.columns] += risky.mul(budgets[sleeve.name], axis=0)
        return combined

"""patched_portfolio: the four sleeves combined by budget, volatility estimated ex ante."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.strategies.base import CASH, MarketView
from macropatch.strategies.patched import PatchedPortfolio, RiskBudget, ex_ante_volatility
from tests.strategies.views import signal_result

DAYS = pd.bdate_range("2022-01-03", periods=160, name="date")


def _view(strategy: PatchedPortfolio, seed: int = 0) -> MarketView:
    rng = np.random.default_rng(seed)
    assets = list(strategy.assets)
    scale = rng.uniform(0.002, 0.04, len(assets))  # very different volatilities
    prices = pd.DataFrame(
        100 * np.exp(np.cumsum(rng.normal(0, 1, (len(DAYS), len(assets))) * scale, axis=0)),
        index=DAYS,
        columns=assets,
    )
    prices[CASH] = 100.0
    signals = {name: signal_result(name, [False] * len(DAYS), DAYS) for name in strategy.signals}
    return MarketView(prices=prices, signals=signals)


def _sleeve_targets(strategy: PatchedPortfolio, market: MarketView) -> list[pd.DataFrame]:
    return [
        sleeve.target_weights(
            MarketView(
                prices=market.prices[list(sleeve.assets)],
                signals={name: market.signals[name] for name in sleeve.signals},
            )
        )
        for sleeve in strategy.sleeves
    ]


def test_equal_budgets_average_the_sleeves() -> None:
    strategy = PatchedPortfolio()
    market = _view(strategy)
    combined = strategy.target_weights(market)
    expected = pd.DataFrame(0.0, index=DAYS, columns=combined.columns)
    for targets in _sleeve_targets(strategy, market):
        expected = expected.add(targets / 4, fill_value=0.0)
    pd.testing.assert_frame_equal(combined, expected[combined.columns], atol=1e-12, rtol=0)
    np.testing.assert_allclose(combined.sum(axis=1), 1.0, atol=1e-12)


def test_inverse_volatility_budgets_follow_the_ex_ante_volatility() -> None:
    strategy = PatchedPortfolio(
        risk_budget=RiskBudget.INVERSE_VOLATILITY, volatility_window_days=20
    )
    market = _view(strategy, seed=3)
    sleeves = _sleeve_targets(strategy, market)
    budgets = strategy.budgets(market, sleeves)
    np.testing.assert_allclose(budgets.sum(axis=1), 1.0, atol=1e-12)
    assert (budgets.iloc[:19] == 0.25).all().all()  # equal until a full window
    returns = market.prices.pct_change(fill_method=None).fillna(0.0)
    day = 100
    volatility = []
    for targets in sleeves:
        weights = targets.drop(columns=[CASH]).iloc[day]
        window = returns[weights.index].iloc[day - 19 : day + 1]
        volatility.append(float((window @ weights.to_numpy()).std()))
    inverse = 1 / np.array(volatility)
    np.testing.assert_allclose(budgets.iloc[day], inverse / inverse.sum(), rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(30, 150), window=st.integers(5, 25))
def test_ex_ante_volatility_uses_nothing_after_the_day(seed: int, cut: int, window: int) -> None:
    rng = np.random.default_rng(seed)
    returns = pd.DataFrame(rng.normal(0, 0.01, (160, 3)), index=DAYS, columns=list("abc"))
    weights = pd.DataFrame(rng.uniform(0, 0.5, (160, 2)), index=DAYS, columns=list("ab"))
    before = ex_ante_volatility(returns, weights, window)
    changed = returns.copy()
    changed.iloc[cut + 1 :] = rng.normal(0, 0.05, changed.iloc[cut + 1 :].shape)
    after = ex_ante_volatility(changed, weights, window)
    pd.testing.assert_series_equal(before.iloc[: cut + 1], after.iloc[: cut + 1])
    assert before.iloc[: window - 1].isna().all() and before.iloc[window - 1 :].notna().all()
    reference = (returns[["a", "b"]].iloc[cut - window + 1 : cut + 1] @ weights.iloc[cut]).std()
    np.testing.assert_allclose(before.iloc[cut], reference, rtol=1e-9)

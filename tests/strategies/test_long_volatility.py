"""long_volatility: the hedge weight is the premium budget, scaled when protection is cheap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from macropatch.marketdata.errors import UserError
from macropatch.strategies.base import CASH, MarketView
from macropatch.strategies.long_volatility import Hedge, LongVolatility
from macropatch.strategies.registry import build_strategy
from tests.strategies.views import signal_result

DAYS = pd.bdate_range("2024-01-01", periods=6, name="date")


def _view(strategy: LongVolatility, cheap: list[bool | None]) -> MarketView:
    prices = pd.DataFrame(100.0, index=DAYS, columns=list(strategy.assets))
    signals = {name: signal_result(name, cheap, DAYS) for name in strategy.signals}
    return MarketView(prices=prices, signals=signals)


def test_the_overlay_weight_spends_the_budget_per_roll() -> None:
    strategy = LongVolatility(budget=0.012, roll_months=1, put_share=0.02)
    targets = strategy.target_weights(_view(strategy, [False] * 6))
    # 1.2% a year, a twelfth per monthly roll, the overlay spends 2% of itself on puts
    expected = 0.012 / 12 / 0.02
    np.testing.assert_allclose(targets[strategy.hedge_asset], expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(targets["spy"], 1 - expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(targets[CASH], 0.0, atol=1e-15)


def test_cheap_protection_scales_the_hedge_and_unknown_is_neutral() -> None:
    strategy = LongVolatility(cheap_multiplier=2.5)
    targets = strategy.target_weights(_view(strategy, [False, True, None, True, False, None]))
    base = strategy.budget * strategy.roll_months / 12 / strategy.put_share
    expected = [base, 2.5 * base, base, 2.5 * base, base, base]
    np.testing.assert_allclose(targets[strategy.hedge_asset], expected, rtol=0, atol=1e-15)


def test_without_a_multiplier_no_signal_is_read() -> None:
    assert LongVolatility(cheap_multiplier=1.0).signals == ()
    assert LongVolatility().signals == ("vix_cheap",)


def test_the_vix_fund_hedge_is_a_plain_weight() -> None:
    strategy = LongVolatility(hedge=Hedge.VIX_FUND, vix_fund_weight=0.05, cheap_multiplier=2.0)
    assert strategy.assets == ("spy", "vixy") and strategy.synthetic_assets == ()
    targets = strategy.target_weights(_view(strategy, [True, False, None, False, False, False]))
    np.testing.assert_allclose(targets["vixy"], [0.10, 0.05, 0.05, 0.05, 0.05, 0.05], atol=1e-15)


def test_the_overlay_is_a_synthetic_asset_named_after_its_parameters() -> None:
    strategy = LongVolatility(moneyness=0.05, tenor_months=1)
    (overlay,) = strategy.synthetic_assets
    assert overlay.asset_id == strategy.hedge_asset and strategy.hedges == (strategy.hedge_asset,)
    assert LongVolatility().hedge_asset != strategy.hedge_asset


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"budget": 0.2}, "budget"),
        ({"cheap_multiplier": 0.5}, "cheap_multiplier"),
        ({"vix_fund_weight": 0.5}, "vix_fund_weight"),
        ({"moneyness": -0.1}, "moneyness"),
    ],
)
def test_out_of_range_parameters_are_refused(parameters: dict[str, float], message: str) -> None:
    with pytest.raises(UserError, match=message):
        build_strategy("long_volatility", parameters)

"""long_volatility: the equity held protected (or a premium budget, or a VIX fund), scaled
when protection is cheap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from macropatch.marketdata.errors import UserError
from macropatch.marketdata.protective_put import ProtectivePutIndex, Sizing
from macropatch.strategies.base import CASH, MarketView
from macropatch.strategies.long_volatility import Hedge, LongVolatility
from macropatch.strategies.registry import build_strategy
from tests.strategies.views import signal_result

DAYS = pd.bdate_range("2024-01-01", periods=6, name="date")


def _view(strategy: LongVolatility, cheap: list[bool | None]) -> MarketView:
    prices = pd.DataFrame(100.0, index=DAYS, columns=list(strategy.assets))
    signals = {name: signal_result(name, cheap, DAYS) for name in strategy.signals}
    return MarketView(prices=prices, signals=signals)


def test_the_default_holds_all_of_the_equity_protected_and_reads_no_signal() -> None:
    strategy = LongVolatility()
    assert strategy.signals == ()
    (protected,) = strategy.synthetic_assets
    assert isinstance(protected, ProtectivePutIndex)
    assert protected.asset_id == strategy.hedge_asset and strategy.hedges == (strategy.hedge_asset,)
    assert strategy.hedged_against == {strategy.hedge_asset: "spy"}
    assert protected.hedge_ratio == 1.0 and protected.term_structure
    targets = strategy.target_weights(_view(strategy, [None] * 6))
    np.testing.assert_allclose(targets[strategy.hedge_asset], 1.0, atol=1e-15)
    np.testing.assert_allclose(targets["spy"], 0.0, atol=1e-15)


def test_a_partly_protected_sleeve_grows_when_protection_is_cheap_up_to_all_of_it() -> None:
    strategy = LongVolatility(protected_share=0.4, cheap_multiplier=3.0)
    assert strategy.signals == ("vix_cheap",)
    targets = strategy.target_weights(_view(strategy, [False, True, None, True, False, None]))
    expected = [0.4, 1.0, 0.4, 1.0, 0.4, 0.4]
    np.testing.assert_allclose(targets[strategy.hedge_asset], expected, atol=1e-15)
    np.testing.assert_allclose(targets["spy"], 1 - np.array(expected), atol=1e-15)


def test_the_overlay_weight_spends_the_budget_per_roll() -> None:
    strategy = LongVolatility(hedge=Hedge.PUT_OVERLAY, budget=0.012, roll_months=1, put_share=0.02)
    targets = strategy.target_weights(_view(strategy, [False] * 6))
    # 1.2% a year, a twelfth per monthly roll, the overlay spends 2% of itself on puts
    expected = 0.012 / 12 / 0.02
    np.testing.assert_allclose(targets[strategy.hedge_asset], expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(targets["spy"], 1 - expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(targets[CASH], 0.0, atol=1e-15)
    assert strategy.hedged_against == {}


def test_cheap_protection_scales_the_overlay_and_unknown_is_neutral() -> None:
    strategy = LongVolatility(hedge=Hedge.PUT_OVERLAY, cheap_multiplier=2.5)
    targets = strategy.target_weights(_view(strategy, [False, True, None, True, False, None]))
    base = strategy.budget * strategy.roll_months / 12 / strategy.put_share
    expected = [base, 2.5 * base, base, 2.5 * base, base, base]
    np.testing.assert_allclose(targets[strategy.hedge_asset], expected, rtol=0, atol=1e-15)


def test_without_a_multiplier_no_signal_is_read() -> None:
    assert LongVolatility(hedge=Hedge.PUT_OVERLAY, cheap_multiplier=1.0).signals == ()
    assert LongVolatility(hedge=Hedge.PUT_OVERLAY).signals == ("vix_cheap",)


def test_the_vix_fund_hedge_is_a_plain_weight() -> None:
    strategy = LongVolatility(hedge=Hedge.VIX_FUND, vix_fund_weight=0.05, cheap_multiplier=2.0)
    assert strategy.assets == ("spy", "vixy") and strategy.synthetic_assets == ()
    targets = strategy.target_weights(_view(strategy, [True, False, None, False, False, False]))
    np.testing.assert_allclose(targets["vixy"], [0.10, 0.05, 0.05, 0.05, 0.05, 0.05], atol=1e-15)


def test_long_dated_volatility_sits_beside_the_puts() -> None:
    strategy = LongVolatility(long_dated_weight=0.05)
    assert strategy.assets == ("spy", strategy.hedge_asset, "vixm")
    assert strategy.hedges == (strategy.hedge_asset, "vixm")
    targets = strategy.target_weights(_view(strategy, [None] * 6))
    np.testing.assert_allclose(targets["vixm"], 0.05, atol=1e-15)
    np.testing.assert_allclose(targets[strategy.hedge_asset], 0.95, atol=1e-15)


def test_the_hedge_is_a_synthetic_asset_named_after_its_parameters() -> None:
    strategy = LongVolatility(moneyness=0.05, tenor_months=1, sizing=Sizing.BUDGET)
    (protected,) = strategy.synthetic_assets
    assert protected.asset_id == strategy.hedge_asset
    assert "sizing=budget" in strategy.hedge_asset and "moneyness=0.05" in strategy.hedge_asset
    assert LongVolatility().hedge_asset != strategy.hedge_asset


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"budget": 0.2}, "budget"),
        ({"cheap_multiplier": 0.5}, "cheap_multiplier"),
        ({"vix_fund_weight": 0.5}, "vix_fund_weight"),
        ({"moneyness": -0.1}, "moneyness"),
        ({"protected_share": 1.5}, "protected_share"),
        ({"sizing": "notional"}, "sizing"),
        ({"monetise_multiple": 0.5}, "monetise_multiple"),
    ],
)
def test_out_of_range_parameters_are_refused(parameters: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        build_strategy("long_volatility", parameters)

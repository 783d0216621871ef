"""What a hedge added: contributions on hand-sized frames, and the hedge cost."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.engine.adapter import run_backtest
from macropatch.backtests.engine.attribution import excess_contribution
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.metrics.performance import hedge_cost, measure

DAYS = pd.bdate_range("2024-01-01", periods=4)


def test_contribution_by_hand() -> None:
    holdings = pd.DataFrame(
        {"spy": [0.9, 0.9, 0.9, 0.9], "put": [0.1, 0.1, 0.0, 0.0], "cash": [0.0] * 4},
        index=DAYS,
    )
    prices = pd.DataFrame(
        {"spy": [100, 90, 95, 99], "put": [1.0, 1.5, 1.2, 9.0], "cash": [1.0, 1.01, 1.01, 1.01]},
        index=DAYS,
    )
    contribution = excess_contribution(holdings, prices, ["put"], cash="cash")
    # day 2: 0.1 * (0.5 - 0.01); day 3: 0.1 * (-0.2 - 0); day 4: nothing held the day before
    assert contribution.tolist() == pytest.approx([0.0, 0.049, -0.02, 0.0], abs=1e-15)
    assert hedge_cost(contribution) == pytest.approx(-(0.049 - 0.02) / 4 * 252)


def test_a_hedge_held_with_its_equity_is_measured_against_the_bare_equity() -> None:
    holdings = pd.DataFrame(
        {"spy": [0.0] * 4, "protected": [1.0] * 4, "cash": [0.0] * 4}, index=DAYS
    )
    prices = pd.DataFrame(
        {
            "spy": [100, 90, 95, 99],
            "protected": [100, 95, 98, 100],
            "cash": [1.0, 1.01, 1.01, 1.01],
        },
        index=DAYS,
    )
    contribution = excess_contribution(
        holdings, prices, ["protected"], cash="cash", against={"protected": "spy"}
    )
    expected = [0.0, -0.05 + 0.10, 98 / 95 - 95 / 90, 100 / 98 - 99 / 95]
    assert contribution.tolist() == pytest.approx(expected, abs=1e-15)


def test_a_hedge_that_earns_the_cash_rate_costs_nothing() -> None:
    holdings = pd.DataFrame({"put": [0.0, 0.2, 0.2, 0.2], "cash": [1.0, 0.8, 0.8, 0.8]}, index=DAYS)
    cash = pd.Series([1.0, 1.001, 1.003, 1.0031], index=DAYS)
    prices = pd.DataFrame({"put": cash * 7.0, "cash": cash})
    contribution = excess_contribution(holdings, prices, ["put"], cash="cash")
    assert np.abs(contribution.to_numpy()).max() < 1e-15


def test_unknown_asset_is_named() -> None:
    holdings = pd.DataFrame({"cash": [1.0] * 4}, index=DAYS)
    with pytest.raises(KeyError, match="put"):
        excess_contribution(holdings, holdings, ["put"], cash="cash")


def test_no_hedges_means_no_hedge_cost() -> None:
    returns = pd.Series([0.0, 0.01, -0.01, 0.0], index=DAYS)
    assert math.isnan(measure(returns).hedge_cost)
    assert math.isnan(hedge_cost(pd.Series([], dtype=float)))


@settings(deadline=None, max_examples=50)
@given(
    weights=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
    moves=st.lists(st.floats(-0.2, 0.2), min_size=18, max_size=18),
)
def test_holdings_are_the_targets_on_execution_days_and_sum_to_one(
    weights: list[float], moves: list[float]
) -> None:
    days = pd.bdate_range("2024-01-01", periods=6)
    growth = 1.0 + np.asarray(moves).reshape(6, 3)
    prices = pd.DataFrame(np.cumprod(growth, axis=0) * 50, index=days, columns=["a", "b", "cash"])
    a, b = weights[0] / 2, weights[1] / 2
    targets = pd.DataFrame(np.nan, index=days, columns=prices.columns)
    targets.iloc[0] = [a, b, 1 - a - b]
    targets.iloc[3] = [b, a, 1 - a - b]
    result = run_backtest(
        name="x", targets=targets, prices=prices, costs=Costs(fees=0.001, slippage=0.0005)
    )
    assert result.holdings is not None
    held = result.holdings
    assert held.iloc[0].abs().sum() == 0.0  # nothing bought before the first execution day
    assert np.allclose(held.iloc[1:].sum(axis=1), 1.0, atol=1e-12)
    # on an execution day the holdings are the targets, off by no more than the day's costs
    # (fees + slippage on at most all of the value, sold and bought again)
    for day, row in ((1, targets.iloc[0]), (4, targets.iloc[3])):
        gap = (row - held.iloc[day]).to_numpy()
        assert np.abs(gap).sum() <= 2 * 2 * 0.0015 + 1e-12

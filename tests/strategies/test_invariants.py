"""For random signal states and data starts, every strategy's weights are valid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macropatch.strategies.base import CASH, MarketView
from macropatch.strategies.registry import STRATEGIES, build_strategy
from tests.strategies.views import signal_result

DAYS = pd.bdate_range("2020-01-01", periods=300, name="date")
VARIANTS = [(name, {}) for name in sorted(STRATEGIES)] + [
    ("avoid_fragility", {"long_short": True}),
    ("real_assets", {"trend_filter": True, "include_uranium": False}),
    ("long_volatility", {"hedge": "vix_fund"}),
    ("patched_portfolio", {"risk_budget": "inverse_volatility", "volatility_window_days": 20}),
]


@pytest.mark.parametrize(("name", "parameters"), VARIANTS, ids=[f"{n}-{p}" for n, p in VARIANTS])
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_weights_are_finite_bounded_and_sum_to_at_most_one(
    name: str, parameters: dict, seed: int
) -> None:
    strategy = build_strategy(name, parameters)
    rng = np.random.default_rng(seed)
    assets = list(strategy.assets)
    prices = pd.DataFrame(
        100 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(DAYS), len(assets))), axis=0)),
        index=DAYS,
        columns=assets,
    )
    for column in assets:  # random first days (assets that do not exist yet)
        prices.iloc[: int(rng.integers(0, 120)), prices.columns.get_loc(column)] = np.nan
    # runs of random states: 0 quiet, 1 fired, 2 unknown
    signals = {
        signal: signal_result(
            signal,
            [None if x == 2 else bool(x) for x in np.repeat(rng.integers(0, 3, 30), 10)],
            DAYS,
        )
        for signal in strategy.signals
    }
    targets = strategy.target_weights(MarketView(prices=prices, signals=signals))
    values = targets.drop(columns=[CASH]).to_numpy()
    assert np.isfinite(targets.to_numpy()).all()
    assert (values >= strategy.min_weight - 1e-9).all() and (
        values <= strategy.max_weight + 1e-9
    ).all()
    assert (values.sum(axis=1) <= 1 + strategy.leverage_allowance + 1e-9).all()
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, atol=1e-12)
    # no weight on an asset before its first price
    assert (targets[assets].where(prices.isna(), 0.0).abs() < 1e-15).all().all()

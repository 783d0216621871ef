"""Variants run from one table of day states equal the per-variant reference, on the pack.

For every registered strategy that decides by the day (and parameter sets that
change what it reads), each schedule, and a batch mixing the pack's signals,
the signals held quiet and random fired/quiet/unknown flags, the scheduled
rows drawn from the table equal :func:`variant_targets` to 1e-12 and the
batch's returns and turnover equal the per-variant path's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.kernel import simulate_cube
from macropatch.backtests.engine.schedule import Rebalance
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.backtests.sweep.by_state import state_rows
from macropatch.backtests.sweep.runner import SweepInputs, run_batch, variant_targets
from macropatch.backtests.sweep.variants import VariantPlan
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.panel import build_price_panel
from macropatch.marketdata.sources import DataSources
from macropatch.signals.base import SignalResult
from macropatch.strategies.base import CASH, MarketView, Strategy, WeightError
from macropatch.strategies.quality_over_growth import QualityOverGrowth
from macropatch.strategies.registry import STRATEGIES, build_strategy
from macropatch.strategies.rules import Rule, RuleBook, rule_strategy
from tests.strategies.strategy_runs import END, START, PackMarket, pack_market

TOLERANCE = 1e-12

CASES: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in STRATEGIES] + [
    ("avoid_fragility", {"long_short": True, "discretionary_weight": 0.05, "core_weight": 0.7}),
    ("quality_over_growth", {"growth_weight_stressed": 0.1}),
    ("real_assets", {"include_uranium": False, "power_tilt": 0.3}),
    ("long_volatility", {"hedge": "put_overlay"}),
    ("long_volatility", {"hedge": "vix_fund", "long_dated_weight": 0.05}),
]


MIXED: list[tuple[str, dict[str, Any]]] = [
    ("quality_over_growth", {}),
    ("quality_over_growth", {"growth_weight_stressed": 0.1}),
    ("quality_over_growth", {"growth": "xlk"}),
]
"""Three strategies (two asset lists) in one batch: three tables, one set of rows."""


@pytest.fixture(scope="module")
def market(pack_path: Path) -> PackMarket:
    """The pack's prices and signals, with the synthetic assets of every case built."""
    loaded = pack_market(str(pack_path))
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    prices = loaded.prices.copy()
    strategies = [build_strategy(name, parameters) for name, parameters in CASES + MIXED]
    synthetic = {
        item.asset_id: item for strategy in strategies for item in strategy.synthetic_assets
    }
    missing = [
        asset
        for strategy in strategies
        for asset in strategy.assets
        if asset not in prices.columns and asset not in synthetic
    ]
    if missing:
        panel = build_price_panel(sources, [*dict.fromkeys(missing), CASH], start=START, end=END)
        for asset in dict.fromkeys(missing):
            prices[asset] = panel.prices[asset].reindex(prices.index)
    for asset_id, item in synthetic.items():
        if asset_id not in prices.columns:
            prices[asset_id] = item.build(sources, pd.DatetimeIndex(prices.index))
    return PackMarket(prices=prices, signals=loaded.signals)


def _random_states(result: SignalResult, seed: int) -> SignalResult:
    """``result`` with fired, quiet and unknown days drawn at random in runs of a month."""
    generator = np.random.default_rng(seed)
    runs = generator.integers(0, 3, size=len(result.fired) // 21 + 1).repeat(21)[
        : len(result.fired)
    ]
    flags = pd.array(runs == 1, dtype="boolean")
    flags[runs == 2] = pd.NA
    return dataclasses.replace(
        result, name=f"{result.name}[random {seed}]", fired=pd.Series(flags, result.fired.index)
    )


def _batch(
    strategies: list[Strategy], market: PackMarket, rebalance: Rebalance
) -> tuple[SweepInputs, list[VariantPlan]]:
    """Five variants per strategy (the pack's signals, held quiet, three random) and inputs."""
    outputs: dict[str, SignalResult] = {}
    plans = []
    for strategy in strategies:
        for variant in range(5):
            chosen = {}
            for name in strategy.signals:
                result = market.signals[name]
                if variant == 1:
                    result = dataclasses.replace(
                        result.held_quiet(), name=f"{result.name}[held quiet]"
                    )
                elif variant > 1:
                    result = _random_states(result, seed=variant)
                outputs[result.name] = result
                chosen[name] = result.name
            plans.append(VariantPlan(strategy=strategy, signals=chosen))
    assets = list(dict.fromkeys(asset for strategy in strategies for asset in strategy.assets))
    inputs = SweepInputs(
        prices=market.prices[[*assets, *[a for a in ("spy", "ief") if a not in assets][:1], CASH]],
        signals=outputs,
        rebalance=rebalance,
        costs=Costs(fees=0.001, slippage=0.0005, borrow=0.01),
        execution_lag=1,
    )
    return inputs, plans


def _assert_equal_to_the_reference(inputs: SweepInputs, plans: list[VariantPlan]) -> None:
    rows = state_rows(
        prices=inputs.prices, signals=inputs.signals, rebalance=inputs.rebalance, plans=plans
    )
    assert rows is not None
    reference = np.stack([variant_targets(inputs, plan) for plan in plans])
    for position in range(len(plans)):
        np.testing.assert_allclose(rows.plan(position), reference[position], rtol=0, atol=TOLERANCE)
    returns, turnover = run_batch(inputs, plans)
    expected_returns, daily = simulate_cube(
        reference, prices=inputs.prices, costs=inputs.costs, execution_lag=1
    )
    np.testing.assert_allclose(returns, expected_returns, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(
        turnover, daily.mean(axis=1) * PERIODS_PER_YEAR, rtol=0, atol=TOLERANCE
    )


@pytest.mark.parametrize(("name", "parameters"), CASES, ids=lambda case: str(case))
def test_every_strategy_that_decides_by_the_day_equals_its_reference(
    market: PackMarket, name: str, parameters: dict[str, Any]
) -> None:
    strategy = build_strategy(name, parameters)
    if not strategy.decides_by_day:
        inputs, plans = _batch([strategy], market, Rebalance.MONTHLY)
        assert (
            state_rows(
                prices=inputs.prices,
                signals=inputs.signals,
                rebalance=Rebalance.MONTHLY,
                plans=plans,
            )
            is None
        )
        return
    inputs, plans = _batch([strategy], market, Rebalance.MONTHLY)
    _assert_equal_to_the_reference(inputs, plans)


@pytest.mark.parametrize("rebalance", list(Rebalance), ids=lambda item: item.value)
def test_every_schedule_and_mixed_strategies_equal_the_reference(
    market: PackMarket, rebalance: Rebalance
) -> None:
    strategies = [build_strategy(name, parameters) for name, parameters in MIXED]
    inputs, plans = _batch(strategies, market, rebalance)
    _assert_equal_to_the_reference(inputs, plans)


RULES = RuleBook(
    name="rotation_by_rules",
    summary="Gold and Treasuries on the report's triggers",
    neutral=(("spy", 0.6), ("ief", 0.3), ("gld", 0.1)),
    rules=(
        Rule(name="vigilantes", signal="ten_year_above", move=0.2, source="spy", target="gld"),
        Rule(
            name="zombies", signal="high_yield_spread_above", move=0.1, source="spy", target="ief"
        ),
        Rule(name="panic", signal="vix_cheap", hold=(("ief", 0.5), ("gld", 0.5))),
    ),
)


def test_a_rule_based_strategy_equals_its_reference(market: PackMarket) -> None:
    strategy = rule_strategy(RULES)()
    assert strategy.decides_by_day
    for rebalance in (Rebalance.MONTHLY, Rebalance.ON_CHANGE):
        inputs, plans = _batch([strategy], market, rebalance)
        _assert_equal_to_the_reference(inputs, plans)
    above = dataclasses.replace(RULES.rules[0], above=0.045)
    assert not rule_strategy(dataclasses.replace(RULES, rules=(above,)))().decides_by_day


def test_the_trend_filter_reads_prices_so_it_runs_per_variant() -> None:
    assert build_strategy("real_assets", {}).decides_by_day
    assert not build_strategy("real_assets", {"trend_filter": True}).decides_by_day
    assert not build_strategy(
        "patched_portfolio", {"risk_budget": "inverse_volatility"}
    ).decides_by_day


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Pretending(QualityOverGrowth):
    """Claims to decide by the day but cuts growth when QQQ is below its 50-day mean."""

    name = "pretending"

    @property
    def decides_by_day(self) -> bool:
        return True

    def decide(self, market: MarketView) -> pd.DataFrame:
        weights = super().decide(market)
        growth = market.prices[self.growth]
        weights.loc[(growth < growth.rolling(50).mean()).to_numpy(), self.growth] = 0.0
        return weights


def test_a_strategy_that_wrongly_claims_to_decide_by_the_day_is_refused(
    market: PackMarket,
) -> None:
    inputs, plans = _batch([_Pretending()], market, Rebalance.MONTHLY)
    with pytest.raises(WeightError, match="pretending declares decides_by_day"):
        run_batch(inputs, plans)

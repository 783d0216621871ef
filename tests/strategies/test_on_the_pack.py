"""Every strategy on the pack: the reference simulator agrees; golden statistics hold.

Golden statistics live in tests/golden/strategies.json. They change only
deliberately: `MACROPATCH_REGENERATE_GOLDEN=1 pytest tests/strategies/test_on_the_pack.py`
rewrites them (and the test then fails once, to make the change visible).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.metrics.performance import measure
from macropatch.strategies.base import CASH
from macropatch.strategies.registry import STRATEGIES, build_strategy
from tests.backtests.reference import simulate_reference
from tests.strategies.strategy_runs import pack_market, pack_result, scheduled_targets

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "strategies.json"
TOLERANCE = {
    "cagr": 0.0005,
    "volatility": 0.0005,
    "sharpe": 0.005,
    "max_drawdown": 0.0005,
    "turnover": 0.005,
}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@pytest.mark.parametrize(("fees", "slippage"), [(0.0, 0.0), (0.0005, 0.0002)])
def test_reference_simulator_agrees_on_every_strategy(
    pack_path: Path, name: str, fees: float, slippage: float
) -> None:
    market = pack_market(str(pack_path))
    strategy = build_strategy(name, {})
    columns = [*strategy.assets, CASH]
    targets = scheduled_targets(strategy, market)
    result = pack_result(str(pack_path), name, fees, slippage)
    executed = targets.shift(1).to_numpy(copy=True)
    executed[0] = np.nan
    prices = market.prices[columns]
    close = prices.ffill().bfill().fillna(1.0).to_numpy()
    cost = np.array([0.0 if column == CASH else 1.0 for column in columns])
    reference = simulate_reference(
        close=close,
        executed=executed,
        fees=cost * fees,
        slippage=cost * slippage,
        borrow=cost * 0.005,
    )
    np.testing.assert_allclose(result.value.to_numpy(), reference.value, rtol=1e-9, atol=1e-12)


def measured(pack_path: Path) -> dict[str, dict[str, float]]:
    table = {}
    for name in sorted(STRATEGIES):
        result = pack_result(str(pack_path), name)
        performance = measure(result.returns, turnover=result.turnover)
        table[name] = {key: round(float(getattr(performance, key)), 6) for key in TOLERANCE}
    return table


def test_golden_statistics(pack_path: Path) -> None:
    now = measured(pack_path)
    if os.environ.get("MACROPATCH_REGENERATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n")
        pytest.fail(f"golden statistics regenerated in {GOLDEN}: review and commit them")
    golden = json.loads(GOLDEN.read_text())
    assert sorted(golden) == sorted(now), "a strategy was added or removed: regenerate deliberately"
    for name, statistics in golden.items():
        for key, expected in statistics.items():
            assert now[name][key] == pytest.approx(expected, abs=TOLERANCE[key]), (name, key)


def test_every_strategy_covers_the_period(pack_path: Path) -> None:
    for name in sorted(STRATEGIES):
        result = pack_result(str(pack_path), name)
        assert result.returns.index[0] == pd.Timestamp("2000-01-03")
        assert result.returns.index[-1] == pd.Timestamp("2026-04-29")
        assert np.isfinite(result.value).all() and (result.value > 0).all()

"""The engine: hand-computed contracts, the reference simulator, invariants, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macropatch.backtests.engine import Costs, Rebalance, Result, apply_schedule
from macropatch.backtests.engine.adapter import run_backtest
from tests.backtests.reference import simulate_reference

NAN = np.nan
NO_COSTS = Costs(fees=0.0, slippage=0.0)
ASSETS = ["a", "b", "cash"]
DAYS = pd.bdate_range("2024-01-01", periods=5)  # Monday 1 to Friday 5 January 2024

# Five closes. The cash asset's price is constant here (it accrues in the reference tests).
PRICES = pd.DataFrame(
    {
        "a": [100.0, 100.0, 120.0, 125.0, 100.0],
        "b": [50.0, 50.0, 40.0, 50.0, 55.0],
        "cash": [1.0, 1.0, 1.0, 1.0, 1.0],
    },
    index=DAYS,
)

# Decide 50/30/20 at the close of day 0 and 20/30/50 at the close of day 2.
TARGETS = pd.DataFrame(
    [
        [0.5, 0.3, 0.2],
        [NAN, NAN, NAN],
        [0.2, 0.3, 0.5],
        [NAN, NAN, NAN],
        [NAN, NAN, NAN],
    ],
    index=DAYS,
    columns=ASSETS,
)


def _run(**overrides: object) -> Result:
    arguments: dict[str, object] = {
        "name": "contract",
        "targets": TARGETS,
        "prices": PRICES,
        "costs": NO_COSTS,
    }
    arguments.update(overrides)
    return run_backtest(**arguments)  # type: ignore[arg-type]


# ---------------------------------------------------------------- contracts by hand


def test_contract_without_costs() -> None:
    result = _run()
    # Day 0: decision only, nothing held: NAV 1.
    # Day 1 (trade at the close, V = 1): a 0.5 / 100 = 0.005, b 0.3 / 50 = 0.006, cash 0.2.
    #   NAV = 0.005 * 100 + 0.006 * 50 + 0.2 = 1.
    # Day 2: 0.005 * 120 + 0.006 * 40 + 0.2 = 0.6 + 0.24 + 0.2 = 1.04.
    # Day 3 (trade, V = 0.005 * 125 + 0.006 * 50 + 0.2 = 1.125):
    #   a 0.2 * 1.125 / 125 = 0.0018, b 0.3 * 1.125 / 50 = 0.00675, cash 0.5 * 1.125 = 0.5625.
    # Day 4: 0.0018 * 100 + 0.00675 * 55 + 0.5625 = 0.18 + 0.37125 + 0.5625 = 1.11375.
    expected_value = [1.0, 1.0, 1.04, 1.125, 1.11375]
    np.testing.assert_allclose(result.value.to_numpy(), expected_value, rtol=0, atol=1e-14)
    expected_returns = [0.0, 0.0, 0.04, 1.125 / 1.04 - 1, 1.11375 / 1.125 - 1]
    np.testing.assert_allclose(result.returns.to_numpy(), expected_returns, rtol=0, atol=1e-14)
    assert result.returns.name == result.value.name == "contract"

    # The executed target rows, dated on execution days.
    pd.testing.assert_frame_equal(
        result.weights,
        pd.DataFrame([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]], index=DAYS[[1, 3]], columns=ASSETS),
    )

    # Day 1 buys a, b and cash; day 3 sells a, buys b and cash.
    trades = result.trades
    assert list(trades.columns) == ["date", "asset", "side", "quantity", "price", "value", "fees"]
    day_one = trades[trades["date"] == DAYS[1]].set_index("asset")
    assert set(day_one["side"]) == {"buy"}
    assert day_one.loc["a", "quantity"] == pytest.approx(0.005, abs=1e-15)
    assert day_one.loc["b", "quantity"] == pytest.approx(0.006, abs=1e-15)
    assert day_one.loc["cash", "quantity"] == pytest.approx(0.2, abs=1e-15)
    day_three = trades[trades["date"] == DAYS[3]].set_index("asset")
    assert day_three.loc["a", "side"] == "sell"
    assert day_three.loc["a", "quantity"] == pytest.approx(0.0032, abs=1e-15)
    assert day_three.loc["a", "value"] == pytest.approx(0.4, abs=1e-14)
    assert day_three.loc["b", "side"] == "buy"
    assert day_three.loc["b", "quantity"] == pytest.approx(0.00075, abs=1e-15)
    assert (trades["fees"] == 0).all()

    # Turnover: traded value of a and b over the value before trading.
    #   Day 1: (0.5 + 0.3) / 1 = 0.8.  Day 3: (0.0032 * 125 + 0.00075 * 50) / 1.125 = 0.4375 / 1.125.
    np.testing.assert_allclose(
        result.turnover.to_numpy(), [0, 0.8, 0, 0.4375 / 1.125, 0], rtol=0, atol=1e-14
    )


def test_contract_with_fees_and_slippage() -> None:
    fees, slippage = 0.001, 0.002
    result = _run(costs=Costs(fees=fees, slippage=slippage))

    # Day 1, V = 1. Orders run by order value: cash (0.2), b (0.3), a (0.5), so a is last.
    cash_shares = 0.2  # the cash asset trades without costs: 0.8 of cash left
    b_shares = 0.3 * 1.0 / 50  # 0.006 at 50 * 1.002 = 50.1, plus 0.1% fees
    cash_left = 0.8 - b_shares * 50 * (1 + slippage) * (1 + fees)  # 0.4990994
    # a wants 0.005 shares for 0.005 * 100.2 * 1.001 = 0.501501 > 0.4990994: it gets what the
    # cash left buys, fees included: 0.4990994 / 1.001 / 100.2 = 0.0049760559 shares.
    a_shares = cash_left / (1 + fees) / (100 * (1 + slippage))
    a_fees = cash_left - cash_left / (1 + fees)  # 0.0004986008
    nav_1 = cash_shares + b_shares * 50 + a_shares * 100  # 0.9976055880
    nav_2 = cash_shares + b_shares * 40 + a_shares * 120  # 1.0371267056

    # Day 3: V = 0.2 + 0.006 * 50 + a_shares * 125 = 1.1220069850. Orders: sell a, buy b, buy cash.
    value_3 = cash_shares + b_shares * 50 + a_shares * 125
    a_sold = a_shares - 0.2 * value_3 / 125  # 0.0031808447
    proceeds = a_sold * 125 * (1 - slippage)  # at 124.75
    cash_left = proceeds - proceeds * fees  # 0.3964135665
    b_bought = 0.3 * value_3 / 50 - b_shares  # 0.0007320419
    b_cost = b_bought * 50 * (1 + slippage)  # at 50.1
    cash_left -= b_cost * (1 + fees)  # 0.3597015915
    # The cash asset wants 0.5 * V = 0.5610 but only the cash left is there: it absorbs the costs.
    cash_shares += cash_left  # 0.5597015915
    a_shares -= a_sold
    b_shares += b_bought
    nav_3 = cash_shares + b_shares * 50 + a_shares * 125  # 1.1207050840
    nav_4 = cash_shares + b_shares * 55 + a_shares * 100  # 1.1094850141

    expected = [1.0, nav_1, nav_2, nav_3, nav_4]
    np.testing.assert_allclose(result.value.to_numpy(), expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(
        result.value.to_numpy(),
        [1.0, 0.9976055880247499, 1.0371267056296998, 1.1207050839873203, 1.109485014137011],
        rtol=0,
        atol=1e-12,
    )

    trades = result.trades.set_index(["date", "asset"])
    assert trades.loc[(DAYS[1], "a"), "price"] == pytest.approx(100.2, abs=1e-12)
    assert trades.loc[(DAYS[1], "a"), "fees"] == pytest.approx(a_fees, abs=1e-15)
    assert trades.loc[(DAYS[3], "a"), "price"] == pytest.approx(124.75, abs=1e-12)
    assert trades.loc[(DAYS[1], "cash"), "fees"] == 0.0
    assert trades.loc[(DAYS[1], "cash"), "price"] == 1.0
    # Turnover on day 1: fills of b (0.3006) and a (the cash left over 1.001) over V = 1.
    expected_turnover_1 = 0.006 * 50.1 + 0.4990994 / 1.001
    assert result.turnover.iloc[1] == pytest.approx(expected_turnover_1, abs=1e-14)
    assert result.turnover.iloc[3] == pytest.approx((proceeds + b_cost) / value_3, abs=1e-14)


def test_cash_asset_accrues() -> None:
    prices = PRICES.assign(cash=[1.0, 1.0, 1.01, 1.0201, 1.030301])  # 1% a day
    targets = TARGETS.copy()
    targets.iloc[0] = [0.0, 0.0, 1.0]
    targets.iloc[2] = NAN
    result = _run(targets=targets, prices=prices, costs=Costs())
    # All in the cash asset from day 1 (no costs on it): NAV follows its price.
    np.testing.assert_allclose(result.value.to_numpy(), prices["cash"].to_numpy(), atol=1e-14)
    assert (result.turnover == 0).all()


def test_execution_lag_zero_trades_on_the_decision_close() -> None:
    result = _run(execution_lag=0)
    assert list(result.weights.index) == [DAYS[0], DAYS[2]]
    # Day 2 trade at V = 1.04 (same holdings as above until then), then
    # day 3: 1.04 * (0.2 * 125 / 120 + 0.3 * 50 / 40 + 0.5) = 1.04 * 1.0833...
    assert result.value.iloc[2] == pytest.approx(1.04, abs=1e-14)
    assert result.value.iloc[3] == pytest.approx(1.04 * (0.2 * 125 / 120 + 0.375 + 0.5), abs=1e-14)


def test_execution_lag_drops_decisions_past_the_end() -> None:
    result = _run(execution_lag=2)
    assert list(result.weights.index) == [DAYS[2], DAYS[4]]
    result = _run(execution_lag=3)
    assert list(result.weights.index) == [DAYS[3]]
    result = _run(execution_lag=5)
    assert result.weights.empty
    assert result.trades.empty
    np.testing.assert_array_equal(result.value.to_numpy(), np.ones(5))


def test_result_carries_parameters_and_hashes() -> None:
    result = _run(parameters={"threshold": 5.0}, config_hash="abc")
    assert result.parameters == {"threshold": 5.0}
    assert result.config_hash == "abc"
    assert len(result.data_hash) == 16
    int(result.data_hash, 16)
    assert _run().data_hash == result.data_hash
    other = _run(prices=PRICES.assign(a=PRICES["a"] * 1.0000001))
    assert other.data_hash != result.data_hash
    # Column order does not matter to the engine.
    reordered = _run(targets=TARGETS[["cash", "b", "a"]])
    pd.testing.assert_series_equal(reordered.value, result.value)


# ---------------------------------------------------------------- missing prices


def test_prices_before_an_asset_exists_cannot_create_profit() -> None:
    # b has no price until day 2 and no weight until it is traded on day 3.
    targets = TARGETS.copy()
    targets.iloc[0] = [0.8, 0.0, 0.2]
    late = PRICES.assign(b=[NAN, NAN, 40.0, 50.0, 55.0])
    invented = PRICES.assign(b=[7.0, 3000.0, 40.0, 50.0, 55.0])
    with_gap = _run(targets=targets, prices=late, costs=Costs())
    with_invented = _run(targets=targets, prices=invented, costs=Costs())
    pd.testing.assert_series_equal(with_gap.value, with_invented.value, check_exact=True)


def test_weight_on_a_missing_price_names_asset_and_date() -> None:
    prices = PRICES.assign(b=[50.0, NAN, 40.0, 50.0, 55.0])
    with pytest.raises(ValueError, match=r"'b' on 2024-01-02"):
        _run(prices=prices)


def test_missing_price_while_held_names_asset_and_date() -> None:
    prices = PRICES.assign(a=[100.0, 100.0, 120.0, 125.0, NAN])
    with pytest.raises(ValueError, match=r"'a' on 2024-01-05"):
        _run(prices=prices)
    with pytest.raises(ValueError, match=r"'a' on 2024-01-03"):
        _run(prices=PRICES.assign(a=[100.0, 100.0, -1.0, 125.0, 100.0]))


def test_missing_price_after_an_asset_was_sold_is_fine() -> None:
    targets = TARGETS.copy()
    targets.iloc[2] = [0.0, 0.5, 0.5]  # a sold on day 3
    result = _run(targets=targets, prices=PRICES.assign(a=[100.0, 100.0, 120.0, 125.0, NAN]))
    assert np.isfinite(result.value).all()


# ---------------------------------------------------------------- validation


def test_mismatched_columns_are_rejected() -> None:
    with pytest.raises(ValueError, match="same columns"):
        _run(targets=TARGETS.drop(columns="b").assign(cash=[0.5, NAN, 0.5, NAN, NAN]))
    with pytest.raises(ValueError, match="same columns"):
        _run(prices=PRICES.assign(c=1.0))


def test_missing_cash_asset_is_rejected() -> None:
    with pytest.raises(ValueError, match="cash asset 'tbill'"):
        _run(cash_asset="tbill")


def test_mismatched_index_is_rejected() -> None:
    with pytest.raises(ValueError, match="same index"):
        _run(targets=TARGETS.iloc[1:], prices=PRICES.iloc[:-1])


def test_rows_must_sum_to_one() -> None:
    targets = TARGETS.copy()
    targets.iloc[2] = [0.2, 0.3, 0.4]
    with pytest.raises(ValueError, match=r"2024-01-03 sums to 0\.9"):
        _run(targets=targets)


def test_rows_are_all_nan_or_none() -> None:
    targets = TARGETS.copy()
    targets.iloc[2] = [0.5, NAN, 0.5]
    with pytest.raises(ValueError, match="partly NaN"):
        _run(targets=targets)
    targets.iloc[2] = [np.inf, 0.0, 0.0]
    with pytest.raises(ValueError, match="infinite"):
        _run(targets=targets)


def test_execution_lag_must_be_a_non_negative_integer() -> None:
    with pytest.raises(ValueError, match="execution_lag"):
        _run(execution_lag=-1)
    with pytest.raises(ValueError, match="execution_lag"):
        _run(execution_lag=1.0)


def test_costs_so_high_that_buys_go_unfilled_raise() -> None:
    # Ten equal buys at ~9.9% fees and slippage: costs exceed the last (largest) buy, so
    # vectorbt rejects the orders after it for want of cash and weights end off target.
    assets = [f"x{number}" for number in range(10)] + ["cash"]
    prices = pd.DataFrame(1.0, index=DAYS, columns=assets)
    targets = pd.DataFrame(NAN, index=DAYS, columns=assets)
    targets.iloc[0] = [0.1] * 10 + [0.0]
    with pytest.raises(RuntimeError, match="rejected"):
        _run(targets=targets, prices=prices, costs=Costs(fees=0.099, slippage=0.099))


# ---------------------------------------------------------------- the reference simulator


def _random_case(
    seed: int, days: int = 500, rebalance: Rebalance = Rebalance.MONTHLY
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four assets on random price paths at different price levels, plus an accruing cash asset."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2010-01-01", periods=days)
    levels = 10 ** rng.uniform(-1, 4, size=4)
    paths = levels * np.exp(np.cumsum(rng.normal(0.0003, 0.02, size=(days, 4)), axis=0))
    cash = np.cumprod(np.full(days, 1 + 0.04 / 252))
    assets = ["equity", "bonds", "gold", "put", "cash"]
    prices = pd.DataFrame(np.column_stack([paths, cash]), index=index, columns=assets)
    weights = rng.dirichlet(np.ones(5), size=days)
    weights[rng.random(size=(days, 5)) < 0.2] = 0.0  # some assets out of the portfolio
    weights[:, 4] = 1.0 - weights[:, :4].sum(axis=1)
    targets = apply_schedule(pd.DataFrame(weights, index=index, columns=assets), rebalance)
    return targets, prices


def _lag_rows(values: np.ndarray, lag: int) -> np.ndarray:
    lagged = np.full_like(values, NAN)
    lagged[lag:] = values[: len(values) - lag]
    return lagged


REFERENCE_CASES = [
    (seed, rebalance, lag, costs)
    for seed, rebalance, lag in [
        (0, Rebalance.MONTHLY, 1),
        (1, Rebalance.MONTHLY, 1),
        (2, Rebalance.QUARTERLY, 2),
        (3, Rebalance.WEEKLY, 0),
        (4, Rebalance.ON_CHANGE, 1),
        (5, Rebalance.MONTHLY, 1),
    ]
    for costs in [NO_COSTS, Costs(), Costs(fees=0.003, slippage=0.004)]
]


@pytest.mark.parametrize(("seed", "rebalance", "lag", "costs"), REFERENCE_CASES)
def test_engine_agrees_with_the_reference(
    seed: int, rebalance: Rebalance, lag: int, costs: Costs
) -> None:
    targets, prices = _random_case(seed, rebalance=rebalance)
    result = run_backtest(
        name="random", targets=targets, prices=prices, costs=costs, execution_lag=lag
    )
    fees = np.array([costs.fees] * 4 + [0.0])
    slippage = np.array([costs.slippage] * 4 + [0.0])
    reference = simulate_reference(
        close=prices.to_numpy(),
        executed=_lag_rows(targets.to_numpy(), lag),
        fees=fees,
        slippage=slippage,
    )
    # Bit-for-bit in practice; 1e-12 leaves room for a different summation order.
    np.testing.assert_allclose(result.value.to_numpy(), reference.value, rtol=0, atol=1e-12)
    fees_per_day = result.trades.groupby("date")["fees"].sum().reindex(prices.index, fill_value=0)
    np.testing.assert_allclose(fees_per_day.to_numpy(), reference.fees, rtol=0, atol=1e-14)
    value_before = np.r_[
        1.0, reference.cash[:-1] + np.sum(reference.shares[:-1] * prices.to_numpy()[1:], axis=1)
    ]
    turnover = reference.traded_value[:, :4].sum(axis=1) / value_before
    np.testing.assert_allclose(result.turnover.to_numpy(), turnover, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- invariants


@st.composite
def _long_only_cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, Costs, int]:
    days = draw(st.integers(min_value=2, max_value=40))
    assets = draw(st.integers(min_value=1, max_value=4))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    columns = [f"asset{number}" for number in range(assets)] + ["cash"]
    index = pd.bdate_range("2020-01-01", periods=days)
    returns = rng.uniform(-0.3, 0.4, size=(days, assets + 1))
    prices = pd.DataFrame(
        10 ** rng.uniform(-2, 3, size=assets + 1) * np.cumprod(1 + returns, axis=0),
        index=index,
        columns=columns,
    )
    weights = rng.dirichlet(np.full(assets + 1, 0.7), size=days)
    weights[rng.random(size=days) < 0.5] = NAN
    targets = pd.DataFrame(weights, index=index, columns=columns)
    costs = Costs(
        fees=draw(st.floats(min_value=0, max_value=0.01)),
        slippage=draw(st.floats(min_value=0, max_value=0.01)),
    )
    lag = draw(st.integers(min_value=0, max_value=3))
    return targets, prices, costs, lag


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_long_only_cases())
def test_value_stays_positive_finite_and_on_the_reference(
    case: tuple[pd.DataFrame, pd.DataFrame, Costs, int],
) -> None:
    targets, prices, costs, lag = case
    result = run_backtest(name="x", targets=targets, prices=prices, costs=costs, execution_lag=lag)
    assert np.isfinite(result.value).all()
    assert (result.value > 0).all()
    assert result.value.iloc[0] <= 1.0 + 1e-12  # costs only, if trading on day 0
    assert (result.turnover >= 0).all()
    assert (result.trades["fees"] >= 0).all()
    risky = len(prices.columns) - 1
    reference = simulate_reference(
        close=prices.to_numpy(),
        executed=_lag_rows(targets.to_numpy(), lag),
        fees=np.array([costs.fees] * risky + [0.0]),
        slippage=np.array([costs.slippage] * risky + [0.0]),
    )
    np.testing.assert_allclose(result.value.to_numpy(), reference.value, rtol=1e-12, atol=0)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    permutation_seed=st.integers(min_value=0, max_value=1000),
)
def test_without_costs_a_held_target_does_not_depend_on_column_order(
    seed: int, permutation_seed: int
) -> None:
    rng = np.random.default_rng(seed)
    days, columns = 60, ["a", "b", "c", "d", "cash"]
    index = pd.bdate_range("2021-01-01", periods=days)
    prices = pd.DataFrame(
        10 ** rng.uniform(-1, 3, size=5)
        * np.exp(np.cumsum(rng.normal(0, 0.02, size=(days, 5)), axis=0)),
        index=index,
        columns=columns,
    )
    constant = rng.dirichlet(np.ones(5))
    targets = apply_schedule(
        pd.DataFrame(np.tile(constant, (days, 1)), index=index, columns=columns),
        Rebalance.WEEKLY,
    )
    order = list(np.random.default_rng(permutation_seed).permutation(columns))
    base = run_backtest(name="x", targets=targets, prices=prices, costs=NO_COSTS)
    shuffled = run_backtest(name="x", targets=targets[order], prices=prices[order], costs=NO_COSTS)
    np.testing.assert_allclose(shuffled.value.to_numpy(), base.value.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(shuffled.turnover.to_numpy(), base.turnover.to_numpy(), atol=1e-12)


def test_small_orders_of_a_drifted_portfolio_are_all_filled() -> None:
    # The NAV grows a thousandfold and shrinks back; daily rebalancing to fixed weights
    # trades tiny amounts, far below vectorbt's default minimum order of 1e-8 shares.
    days, columns = 400, ["rocket", "anchor", "cash"]
    index = pd.bdate_range("2015-01-01", periods=days)
    growth = np.r_[np.linspace(0, np.log(1e4), days // 2), np.linspace(np.log(1e4), 0, days // 2)]
    prices = pd.DataFrame(
        {"rocket": 5000 * np.exp(growth), "anchor": np.full(days, 3000.0), "cash": 1.0},
        index=index,
    )
    targets = pd.DataFrame([[0.98, 0.01, 0.01]] * days, index=index, columns=columns)
    result = run_backtest(name="drift", targets=targets, prices=prices, costs=Costs())
    trades = result.trades
    assert (trades["quantity"] < 1e-8).any()  # orders the default min_size would reject
    # Every execution day trades every asset that drifted: nothing was dropped.
    filled = trades[trades["asset"] != "cash"].groupby("date").size()
    assert (filled.iloc[1:] >= 1).all()
    reference = simulate_reference(
        close=prices.to_numpy(),
        executed=_lag_rows(targets.to_numpy(), 1),
        fees=np.array([0.0005, 0.0005, 0.0]),
        slippage=np.array([0.0002, 0.0002, 0.0]),
    )
    np.testing.assert_allclose(result.value.to_numpy(), reference.value, rtol=1e-12, atol=0)


# ---------------------------------------------------------------- short positions and borrow fee


def test_borrow_fee_by_hand() -> None:
    # Short a at -0.5, all the rest (1.5) in the cash asset; a borrow fee of 1 bp a day.
    borrow = 252e-4
    targets = TARGETS.copy()
    targets.iloc[0] = [-0.5, 0.0, 1.5]
    targets.iloc[2] = NAN
    result = _run(targets=targets, costs=Costs(fees=0.0, slippage=0.0, borrow=borrow))
    # Day 1 (trade at V = 1): a -0.005 shares, cash asset 1.5; nothing owed yet.
    # Day 2: owes 1e-4 * 0.005 * 100 = 5e-5 (previous close) out of 1.5 - 0.005 * 120 = 0.9.
    kept_2 = 1 - 5e-5 / 0.9
    # Day 3: owes 1e-4 * (0.005 * kept_2) * 120 out of kept_2 * (1.5 - 0.005 * 125).
    kept_3 = 1 - 1e-4 * 0.005 * 120 / 0.875
    # Day 4: owes 1e-4 * (0.005 * kept_2 * kept_3) * 125 out of kept_2 * kept_3 * (1.5 - 0.5).
    kept_4 = 1 - 1e-4 * 0.005 * 125 / 1.0
    expected = [1.0, 1.0, 0.9 * kept_2, 0.875 * kept_2 * kept_3, 1.0 * kept_2 * kept_3 * kept_4]
    np.testing.assert_allclose(result.value.to_numpy(), expected, rtol=0, atol=1e-15)
    assert result.value.iloc[2] == pytest.approx(0.9 - 5e-5, abs=1e-15)
    np.testing.assert_allclose(
        result.returns.to_numpy(),
        np.array(expected) / np.r_[1.0, expected[:-1]] - 1,
        rtol=0,
        atol=1e-15,
    )
    # Without the fee, the same run is worth 1.5 - 0.005 * price.
    free = _run(targets=targets, costs=NO_COSTS)
    np.testing.assert_allclose(free.value.to_numpy(), [1.0, 1.0, 0.9, 0.875, 1.0], atol=1e-15)


def test_borrow_fee_keeps_weights_on_target_and_scales_trades() -> None:
    # Short a on day 1, rebalance on day 3: the day-3 orders are sized off the value net of
    # the fee, so the short is again exactly -0.5 of the value after trading.
    targets = TARGETS.copy()
    targets.iloc[0] = [-0.5, 0.3, 1.2]
    targets.iloc[2] = [-0.5, 0.3, 1.2]
    result = _run(targets=targets, costs=Costs(fees=0.0, slippage=0.0, borrow=0.05))
    free = _run(targets=targets, costs=NO_COSTS)
    reference = simulate_reference(
        close=PRICES.to_numpy(),
        executed=_lag_rows(targets.to_numpy(), 1),
        fees=np.zeros(3),
        slippage=np.zeros(3),
        borrow=np.array([0.05, 0.05, 0.0]),
    )
    value_3 = result.value.iloc[3]
    assert reference.shares[3, 0] * 125 == pytest.approx(-0.5 * value_3, abs=1e-15)
    assert reference.shares[3, 1] * 50 == pytest.approx(0.3 * value_3, abs=1e-15)
    # The day-3 trades are the reference's (scaled by the fee paid so far).
    day_three = result.trades[result.trades["date"] == DAYS[3]].set_index("asset")
    np.testing.assert_allclose(
        day_three["value"].abs().reindex(ASSETS, fill_value=0.0).to_numpy(),
        reference.traded_value[3],
        rtol=0,
        atol=1e-15,
    )
    # The turnover is a ratio: the fee does not change it.
    np.testing.assert_allclose(result.turnover.to_numpy(), free.turnover.to_numpy(), atol=1e-15)
    assert (result.value < free.value).iloc[2:].all()


def test_borrow_fee_without_shorts_changes_nothing() -> None:
    result = _run(costs=Costs(borrow=0.05))
    base = _run(costs=Costs())
    pd.testing.assert_series_equal(result.value, base.value, check_exact=True)
    pd.testing.assert_series_equal(result.returns, base.returns, check_exact=True)
    pd.testing.assert_frame_equal(result.trades, base.trades, check_exact=True)


def test_negative_cash_weight_pays_no_borrow_fee() -> None:
    targets = TARGETS.copy()
    targets.iloc[0] = [0.8, 0.5, -0.3]  # leverage: borrowed at the cash asset's rate
    targets.iloc[2] = NAN
    result = _run(targets=targets, costs=Costs(fees=0.0, slippage=0.0, borrow=0.05))
    base = _run(targets=targets, costs=NO_COSTS)
    pd.testing.assert_series_equal(result.value, base.value, check_exact=True)


def test_borrow_cost_in_basis_points_and_validated() -> None:
    costs = Costs.from_basis_points(5, 2, borrow_bps=50)
    assert costs.borrow == pytest.approx(0.005, abs=1e-18)
    assert type(costs.borrow) is float
    assert Costs.from_basis_points(5, 2).borrow == 0.0
    for value in (-1e-9, 0.1, np.nan, np.inf):
        with pytest.raises(ValueError, match="costs.borrow"):
            Costs(borrow=value)
    with pytest.raises(ValueError, match="costs.borrow"):
        Costs.from_basis_points(5, 2, borrow_bps="50")  # type: ignore[arg-type]


def _with_shorts(targets: pd.DataFrame) -> pd.DataFrame:
    """Short half of the first asset and a third of the third; the cash asset takes the rest."""
    values = targets.to_numpy().copy()
    rows = ~np.isnan(values[:, 0])
    values[rows, 0] *= -0.5
    values[rows, 2] *= -0.3
    values[rows, -1] = 1.0 - values[rows, :-1].sum(axis=1)
    return pd.DataFrame(values, index=targets.index, columns=targets.columns)


SHORT_CASES = [
    (seed, rebalance, lag, costs)
    for seed, rebalance, lag in [
        (0, Rebalance.MONTHLY, 1),
        (1, Rebalance.WEEKLY, 0),
        (2, Rebalance.QUARTERLY, 2),
        (3, Rebalance.ON_CHANGE, 1),
    ]
    for costs in [
        NO_COSTS,
        Costs(fees=0.0, slippage=0.0, borrow=0.05),
        Costs(borrow=0.005),
        Costs(fees=0.003, slippage=0.004, borrow=0.09),
    ]
]


@pytest.mark.parametrize(("seed", "rebalance", "lag", "costs"), SHORT_CASES)
def test_engine_agrees_with_the_reference_with_shorts_and_borrow(
    seed: int, rebalance: Rebalance, lag: int, costs: Costs
) -> None:
    targets, prices = _random_case(seed, rebalance=rebalance)
    targets = _with_shorts(targets)
    assert (targets.to_numpy()[:, 0] < 0).any()
    result = run_backtest(
        name="random", targets=targets, prices=prices, costs=costs, execution_lag=lag
    )
    reference = simulate_reference(
        close=prices.to_numpy(),
        executed=_lag_rows(targets.to_numpy(), lag),
        fees=np.array([costs.fees] * 4 + [0.0]),
        slippage=np.array([costs.slippage] * 4 + [0.0]),
        borrow=np.array([costs.borrow] * 4 + [0.0]),
    )
    np.testing.assert_allclose(result.value.to_numpy(), reference.value, rtol=0, atol=1e-12)
    fees_per_day = result.trades.groupby("date")["fees"].sum().reindex(prices.index, fill_value=0)
    np.testing.assert_allclose(fees_per_day.to_numpy(), reference.fees, rtol=0, atol=1e-14)
    net = result.value.to_numpy()
    np.testing.assert_allclose(
        result.returns.to_numpy(), net / np.r_[1.0, net[:-1]] - 1, rtol=0, atol=1e-14
    )
    if costs.borrow > 0:
        free = run_backtest(
            name="random",
            targets=targets,
            prices=prices,
            costs=Costs(fees=costs.fees, slippage=costs.slippage),
            execution_lag=lag,
        )
        assert result.value.iloc[-1] < free.value.iloc[-1]


@st.composite
def _long_short_cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, Costs, int]:
    """Up to three long and one short asset; daily moves within 5% so the portfolio survives."""
    days = draw(st.integers(min_value=2, max_value=60))
    assets = draw(st.integers(min_value=2, max_value=4))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    columns = [f"asset{number}" for number in range(assets)] + ["cash"]
    index = pd.bdate_range("2020-01-01", periods=days)
    returns = rng.uniform(-0.05, 0.05, size=(days, assets + 1))
    prices = pd.DataFrame(
        10 ** rng.uniform(-2, 3, size=assets + 1) * np.cumprod(1 + returns, axis=0),
        index=index,
        columns=columns,
    )
    weights = rng.dirichlet(np.full(assets + 1, 0.7), size=days)
    weights[:, 0] = -rng.uniform(0.0, 0.5, size=days)  # the first asset is sold short
    weights[:, -1] = 1.0 - weights[:, :-1].sum(axis=1)  # the cash asset holds the proceeds
    weights[rng.random(size=days) < 0.5] = NAN
    costs = Costs(
        fees=draw(st.floats(min_value=0, max_value=0.01)),
        slippage=draw(st.floats(min_value=0, max_value=0.01)),
        borrow=draw(st.floats(min_value=0, max_value=0.09)),
    )
    lag = draw(st.integers(min_value=0, max_value=3))
    return pd.DataFrame(weights, index=index, columns=columns), prices, costs, lag


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_long_short_cases())
def test_shorts_with_borrow_stay_on_the_reference(
    case: tuple[pd.DataFrame, pd.DataFrame, Costs, int],
) -> None:
    targets, prices, costs, lag = case
    result = run_backtest(name="x", targets=targets, prices=prices, costs=costs, execution_lag=lag)
    risky = len(prices.columns) - 1
    reference = simulate_reference(
        close=prices.to_numpy(),
        executed=_lag_rows(targets.to_numpy(), lag),
        fees=np.array([costs.fees] * risky + [0.0]),
        slippage=np.array([costs.slippage] * risky + [0.0]),
        borrow=np.array([costs.borrow] * risky + [0.0]),
    )
    assert np.isfinite(result.value).all()
    np.testing.assert_allclose(result.value.to_numpy(), reference.value, rtol=1e-9, atol=0)

"""The sweep kernel: agreement with the engine, edge cases, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macropatch.backtests.engine import Costs, MissingPriceError, Rebalance, apply_schedule
from macropatch.backtests.engine.adapter import grouped_returns, run_backtest
from macropatch.backtests.engine.kernel import (
    simulate_cube,
    simulate_rows,
    simulate_target_weights,
)
from tests.backtests.engine.wide import simulate_returns

NAN = np.nan
NO_COSTS = Costs(fees=0.0, slippage=0.0)
AGREEMENT = 1e-9
"""How close the kernel's daily returns must be to the engine's."""


def _wide(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Variants side by side: columns (variant, asset)."""
    return pd.concat(frames, axis=1, names=["variant", "asset"])


def _engine_returns(
    frames: dict[str, pd.DataFrame], prices: pd.DataFrame, costs: Costs, lag: int
) -> dict[str, np.ndarray] | None:
    """The engine's returns per variant, or None when it refuses one of them."""
    out = {}
    for name, frame in frames.items():
        try:
            result = run_backtest(
                name=name, targets=frame, prices=prices, costs=costs, execution_lag=lag
            )
        except RuntimeError:
            return None
        out[name] = result.returns.to_numpy()
    return out


def _assert_agrees(
    frames: dict[str, pd.DataFrame], prices: pd.DataFrame, costs: Costs, lag: int
) -> pd.DataFrame:
    expected = _engine_returns(frames, prices, costs, lag)
    if expected is None:  # the engine finds an order rejected or a bust portfolio: so does this
        with pytest.raises(RuntimeError):
            simulate_returns(targets=_wide(frames), prices=prices, costs=costs, execution_lag=lag)
        return pd.DataFrame()
    got = simulate_returns(targets=_wide(frames), prices=prices, costs=costs, execution_lag=lag)
    assert list(got.columns) == list(frames)
    assert got.index.equals(prices.index)
    for name, returns in expected.items():
        np.testing.assert_allclose(got[name].to_numpy(), returns, rtol=0, atol=AGREEMENT)
    return got


# ---------------------------------------------------------------- agreement with the engine


@st.composite
def _cases(draw: st.DrawFn) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, Costs, int]:
    days = draw(st.integers(min_value=2, max_value=40))
    risky = draw(st.integers(min_value=1, max_value=4))
    variants = draw(st.integers(min_value=1, max_value=3))
    shorts = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    columns = [f"asset{number}" for number in range(risky)] + ["cash"]
    index = pd.bdate_range("2020-01-01", periods=days)
    moves = rng.uniform(-0.15, 0.2, size=(days, risky + 1))
    moves[:, -1] = rng.uniform(0.0, 0.001, size=days)  # the cash asset accrues
    levels = 10 ** rng.uniform(-2, 3, size=risky + 1)
    prices = pd.DataFrame(levels * np.cumprod(1 + moves, axis=0), index=index, columns=columns)
    frames = {}
    for number in range(variants):
        weights = rng.dirichlet(np.full(risky + 1, 0.7), size=days)
        if shorts:  # short some risky assets; the cash asset takes the remainder
            flip = rng.random(size=(days, risky)) < 0.5
            weights[:, :risky] *= np.where(flip, -rng.uniform(0.2, 1.0, size=(days, risky)), 1.0)
            weights[:, -1] = 1.0 - weights[:, :risky].sum(axis=1)
        weights[rng.random(size=days) < 0.5] = NAN
        frames[f"v{number}"] = pd.DataFrame(weights, index=index, columns=columns)
    costs = Costs(
        fees=draw(st.floats(min_value=0, max_value=0.01)),
        slippage=draw(st.floats(min_value=0, max_value=0.01)),
        borrow=draw(st.sampled_from([0.0, 0.005, 0.09])) if shorts else 0.0,
    )
    return frames, prices, costs, draw(st.integers(min_value=0, max_value=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_cases())
def test_agrees_with_the_engine(
    case: tuple[dict[str, pd.DataFrame], pd.DataFrame, Costs, int],
) -> None:
    _assert_agrees(*case)


def _realistic(seed: int, days: int = 2000, risky: int = 8) -> tuple[pd.DataFrame, pd.Index]:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2005-01-03", periods=days)
    levels = 10 ** rng.uniform(-1, 4, size=risky)
    paths = levels * np.exp(np.cumsum(rng.normal(0.0003, 0.015, size=(days, risky)), axis=0))
    cash = np.cumprod(np.full(days, 1 + 0.03 / 252))
    columns = pd.Index([f"asset{number}" for number in range(risky)] + ["cash"])
    return pd.DataFrame(np.column_stack([paths, cash]), index=index, columns=columns), columns


@pytest.mark.parametrize("lag", [0, 1, 2])
def test_agrees_with_the_engine_on_a_realistic_case(lag: int) -> None:
    prices, columns = _realistic(seed=lag)
    rng = np.random.default_rng(100 + lag)
    frames = {}
    for name, short in [("long", False), ("long_short", True), ("long_2", False)]:
        weights = rng.dirichlet(np.ones(len(columns)), size=len(prices))
        if short:
            weights[:, :3] *= -0.8
            weights[:, -1] = 1.0 - weights[:, :-1].sum(axis=1)
        daily = pd.DataFrame(weights, index=prices.index, columns=columns)
        frames[name] = apply_schedule(daily, Rebalance.MONTHLY)
    for costs in (NO_COSTS, Costs(), Costs(fees=0.003, slippage=0.004, borrow=0.05)):
        got = _assert_agrees(frames, prices, costs, lag)
        assert got.notna().all().all()


def test_the_kernel_turnover_is_the_engines() -> None:
    prices, columns = _realistic(seed=3, days=400, risky=4)
    rng = np.random.default_rng(3)
    weights = rng.dirichlet(np.ones(len(columns)), size=len(prices))
    weights[:, 0] *= -1.0
    weights[:, -1] = 1.0 - weights[:, :-1].sum(axis=1)
    targets = apply_schedule(
        pd.DataFrame(weights, index=prices.index, columns=columns), Rebalance.WEEKLY
    )
    costs = Costs(fees=0.002, slippage=0.001, borrow=0.02)
    result = run_backtest(name="x", targets=targets, prices=prices, costs=costs, execution_lag=2)
    rates = np.array([[costs.fees], [costs.slippage], [costs.borrow]]) * np.r_[np.ones(4), 0.0]
    returns, turnover, status = simulate_target_weights(
        prices.to_numpy(),
        np.ones(prices.shape, dtype=bool),
        targets.to_numpy(),
        np.arange(len(targets), dtype=np.int32)[None],
        2,
        rates,
        4,
        True,
    )
    assert (status == [[0, -1, -1]]).all()
    np.testing.assert_allclose(returns[0], result.returns.to_numpy(), rtol=0, atol=AGREEMENT)
    np.testing.assert_allclose(turnover[0], result.turnover.to_numpy(), rtol=0, atol=AGREEMENT)
    assert (turnover[0] > 0).sum() == len(result.weights)


def test_a_cube_and_any_column_order_give_the_same_returns() -> None:
    prices, columns = _realistic(seed=7, days=300, risky=4)
    rng = np.random.default_rng(7)
    frames = {
        name: apply_schedule(
            pd.DataFrame(rng.dirichlet(np.ones(5), size=300), index=prices.index, columns=columns),
            Rebalance.WEEKLY,
        )
        for name in ("x", "y")
    }
    costs = Costs(borrow=0.01)
    wide = simulate_returns(targets=_wide(frames), prices=prices, costs=costs)
    assert wide.columns.name == "variant"
    cube = np.stack([frame.to_numpy() for frame in frames.values()])
    returns, turnover = simulate_cube(cube, prices=prices, costs=costs, labels=["x", "y"])
    np.testing.assert_array_equal(returns, wide.to_numpy().T)
    engine = run_backtest(name="y", targets=frames["y"], prices=prices, costs=costs)
    np.testing.assert_allclose(turnover[1], engine.turnover.to_numpy(), rtol=0, atol=AGREEMENT)
    shuffled = _wide({name: frame[columns[::-1]] for name, frame in frames.items()})
    reordered = simulate_returns(
        targets=shuffled.iloc[:, ::-1], prices=prices[columns[::-1]], costs=costs
    )
    np.testing.assert_allclose(reordered[["x", "y"]], wide, rtol=0, atol=1e-15)


def test_a_cube_is_checked() -> None:
    prices, _ = _realistic(seed=9, days=20, risky=2)
    cube = np.full((2, 20, 3), NAN)
    cube[1, 3] = [0.5, 0.5, 0.2]
    with pytest.raises(
        ValueError, match=r"variant 'second': target row on 2005-01-06 sums to 1\.2"
    ):
        simulate_cube(cube, prices=prices, costs=Costs(), labels=["first", "second"])
    with pytest.raises(ValueError, match=r"variant 1: "):
        simulate_cube(cube, prices=prices, costs=Costs())
    with pytest.raises(ValueError, match="3 labels for 2 variants"):
        simulate_cube(cube, prices=prices, costs=Costs(), labels=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"cube must be variants by \(20, 3\)"):
        simulate_cube(cube[:, :-1], prices=prices, costs=Costs())
    returns, turnover = simulate_cube(cube[:1], prices=prices, costs=Costs())
    assert returns.shape == turnover.shape == (1, 20)
    assert not returns.any() and not turnover.any()


def test_variants_keep_their_parameter_levels() -> None:
    prices, columns = _realistic(seed=8, days=50, risky=2)
    targets = pd.DataFrame(NAN, index=prices.index, columns=columns)
    targets.iloc[0] = [0.3, 0.3, 0.4]
    keys = [(window, threshold) for window in (10, 20) for threshold in (1.0, 2.0)]
    wide = pd.concat({key: targets for key in keys}, axis=1, names=["window", "threshold", "asset"])
    got = simulate_returns(targets=wide, prices=prices, costs=Costs())
    assert list(got.columns) == keys
    assert list(got.columns.names) == ["window", "threshold"]
    expected = run_backtest(name="x", targets=targets, prices=prices, costs=Costs()).returns
    for key in keys:
        np.testing.assert_allclose(got[key].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-15)


# ---------------------------------------------------------------- edge cases

DAYS = pd.bdate_range("2024-01-01", periods=5)
PRICES = pd.DataFrame(
    {
        "a": [100.0, 100.0, 120.0, 125.0, 100.0],
        "b": [50.0, 50.0, 40.0, 50.0, 55.0],
        "cash": [1.0, 1.0, 1.01, 1.0201, 1.030301],
    },
    index=DAYS,
)
EMPTY = pd.DataFrame(NAN, index=DAYS, columns=PRICES.columns)


def _one_row(weights: list[float], row: int = 0) -> pd.DataFrame:
    targets = EMPTY.copy()
    targets.iloc[row] = weights
    return targets


def test_no_trades_at_all_returns_zero() -> None:
    got = simulate_returns(targets=_wide({"idle": EMPTY}), prices=PRICES, costs=Costs())
    np.testing.assert_array_equal(got["idle"].to_numpy(), np.zeros(5))
    # Decisions in the last rows are never traded.
    late = _one_row([0.5, 0.5, 0.0], row=3)
    got = simulate_returns(
        targets=_wide({"late": late}), prices=PRICES, costs=Costs(), execution_lag=2
    )
    np.testing.assert_array_equal(got["late"].to_numpy(), np.zeros(5))
    got = simulate_returns(
        targets=_wide({"late": late}), prices=PRICES, costs=Costs(), execution_lag=9
    )
    np.testing.assert_array_equal(got["late"].to_numpy(), np.zeros(5))


def test_a_single_rebalance_by_hand() -> None:
    # Decide 50/50 a and cash on day 0, trade on day 1 at V = 1: 0.005 a and 0.5 cash.
    got = simulate_returns(
        targets=_wide({"once": _one_row([0.5, 0.0, 0.5])}), prices=PRICES, costs=NO_COSTS
    )
    value = [1.0, 1.0, 0.005 * 120 + 0.5 * 1.01, 0.005 * 125 + 0.5 * 1.0201]
    value.append(0.005 * 100 + 0.5 * 1.030301)
    expected = np.array(value) / np.r_[1.0, value[:-1]] - 1
    np.testing.assert_allclose(got["once"].to_numpy(), expected, rtol=0, atol=1e-15)
    _assert_agrees({"once": _one_row([0.5, 0.0, 0.5])}, PRICES, Costs(fees=0.001), 1)


def test_cash_only_follows_the_cash_asset() -> None:
    got = simulate_returns(
        targets=_wide({"cash": _one_row([0.0, 0.0, 1.0])}), prices=PRICES, costs=Costs()
    )
    expected = np.r_[0.0, 0.0, PRICES["cash"].pct_change().to_numpy()[2:]]
    np.testing.assert_allclose(got["cash"].to_numpy(), expected, rtol=0, atol=1e-15)


def test_missing_prices_where_not_held_cannot_matter() -> None:
    targets = _one_row([0.8, 0.0, 0.2])
    targets.iloc[2] = [0.0, 0.8, 0.2]  # b bought on day 3
    late = PRICES.assign(b=[NAN, NAN, 40.0, 50.0, 55.0])
    invented = PRICES.assign(b=[7.0, -3.0, 40.0, 50.0, 55.0])
    with_gap = simulate_returns(targets=_wide({"x": targets}), prices=late, costs=Costs())
    with_invented = simulate_returns(targets=_wide({"x": targets}), prices=invented, costs=Costs())
    pd.testing.assert_frame_equal(with_gap, with_invented, check_exact=True)
    _assert_agrees({"x": targets}, late, Costs(), 1)


def test_a_missing_price_while_held_names_variant_asset_and_date() -> None:
    prices = PRICES.assign(a=[100.0, 100.0, 120.0, 125.0, NAN])
    targets = _wide({"fine": _one_row([0.0, 0.5, 0.5]), "holds_a": _one_row([0.5, 0.0, 0.5])})
    with pytest.raises(MissingPriceError, match=r"'holds_a'.*'a' on 2024-01-05"):
        simulate_returns(targets=targets, prices=prices, costs=Costs())


def test_an_order_rejected_for_want_of_cash_raises() -> None:
    # As in the engine's test: costs beyond the largest buy leave later buys unfilled.
    assets = [f"x{number}" for number in range(10)] + ["cash"]
    prices = pd.DataFrame(1.0, index=DAYS, columns=assets)
    targets = pd.DataFrame(NAN, index=DAYS, columns=assets)
    targets.iloc[0] = [0.1] * 10 + [0.0]
    costs = Costs(fees=0.099, slippage=0.099)
    with pytest.raises(RuntimeError, match="rejected"):
        run_backtest(name="x", targets=targets, prices=prices, costs=costs)
    with pytest.raises(RuntimeError, match=r"'x'.*rejected"):
        simulate_returns(targets=_wide({"x": targets}), prices=prices, costs=costs)


def test_a_bust_portfolio_raises() -> None:
    # Short a at -1 and a soars fivefold: worth 2 - 5 < 0 when the next rebalance comes.
    prices = PRICES.assign(a=[100.0, 100.0, 500.0, 500.0, 500.0])
    targets = _one_row([-1.0, 0.0, 2.0])
    targets.iloc[2] = [0.0, 0.0, 1.0]
    for costs in (NO_COSTS, Costs(borrow=0.05)):
        with pytest.raises(RuntimeError):
            run_backtest(name="x", targets=targets, prices=prices, costs=costs)
        with pytest.raises(RuntimeError, match="'x'"):
            simulate_returns(targets=_wide({"x": targets}), prices=prices, costs=costs)


# ---------------------------------------------------------------- validation


def _simulate(**overrides: object) -> pd.DataFrame:
    arguments: dict[str, object] = {
        "targets": _wide({"x": _one_row([0.5, 0.3, 0.2])}),
        "prices": PRICES,
        "costs": Costs(),
    }
    arguments.update(overrides)
    return simulate_returns(**arguments)  # type: ignore[arg-type]


def test_target_rows_are_checked_as_the_engine_does() -> None:
    partly = _one_row([0.5, NAN, 0.5])
    with pytest.raises(ValueError, match=r"'bad'.*2024-01-01 is partly NaN"):
        _simulate(targets=_wide({"ok": EMPTY, "bad": partly}))
    with pytest.raises(ValueError, match="infinite"):
        _simulate(targets=_wide({"x": _one_row([np.inf, 0.0, 0.0])}))
    off = _one_row([0.5, 0.3, 0.2])
    off.iloc[3] = [0.2, 0.3, 0.4]  # never traded with lag 2, still refused
    with pytest.raises(ValueError, match=r"2024-01-04 sums to 0\.9, not 1"):
        _simulate(targets=_wide({"x": off}), execution_lag=2)
    assert _simulate(targets=_wide({"x": _one_row([0.5, 0.3, 0.2 + 5e-10])})).notna().all().all()


def test_frames_are_checked_as_the_engine_does() -> None:
    with pytest.raises(ValueError, match=r"'x'.*same columns.*\['b'\]"):
        _simulate(targets=_wide({"x": EMPTY.drop(columns="b")}))
    with pytest.raises(ValueError, match=r"'y'.*same columns"):
        _simulate(targets=_wide({"x": EMPTY, "y": EMPTY.assign(c=NAN)}))
    with pytest.raises(ValueError, match=r"'y'.*same columns.*without targets \['a'\]"):
        _simulate(targets=_wide({"x": EMPTY, "y": EMPTY.drop(columns="a")}))
    with pytest.raises(ValueError, match="same index"):
        _simulate(targets=_wide({"x": EMPTY.iloc[1:]}))
    with pytest.raises(ValueError, match="same index"):
        _simulate(targets=_wide({"x": EMPTY}).iloc[1:])
    with pytest.raises(ValueError, match="MultiIndex"):
        _simulate(targets=EMPTY)
    with pytest.raises(ValueError, match="no variant"):
        _simulate(targets=_wide({"x": EMPTY}).iloc[:, :0])
    with pytest.raises(ValueError, match="must be a DataFrame"):
        _simulate(targets=EMPTY.to_numpy())
    with pytest.raises(ValueError, match="cash asset 'tbill'"):
        _simulate(cash_asset="tbill")
    with pytest.raises(ValueError, match="sorted"):
        _simulate(prices=PRICES.iloc[::-1], targets=_wide({"x": EMPTY.iloc[::-1]}))


@pytest.mark.parametrize("lag", [-1, 1.0, True])
def test_execution_lag_must_be_a_non_negative_integer(lag: object) -> None:
    with pytest.raises(ValueError, match="execution_lag"):
        _simulate(execution_lag=lag)


def test_costs_must_be_costs() -> None:
    with pytest.raises(ValueError, match="costs must be a Costs"):
        _simulate(costs=0.001)


def test_rows_of_one_table_trade_as_the_cube_they_stand_for() -> None:
    prices, columns = _realistic(seed=11, days=250, risky=3)
    rng = np.random.default_rng(11)
    table = rng.dirichlet(np.ones(len(columns)), size=6)
    rows = rng.integers(0, len(table), size=(4, len(prices)))
    rows[rng.random(rows.shape) < 0.9] = -1  # most days: no decision
    cube = np.where(rows[:, :, None] >= 0, table[rows], NAN)
    costs = Costs(fees=0.002, slippage=0.001)
    expected, daily = simulate_cube(cube, prices=prices, costs=costs, execution_lag=2)
    returns, turnover = simulate_rows(table, rows, prices=prices, costs=costs, execution_lag=2)
    np.testing.assert_array_equal(returns, expected)
    np.testing.assert_array_equal(turnover, daily)
    _, total = simulate_rows(
        table, rows, prices=prices, costs=costs, execution_lag=2, daily_turnover=False
    )
    np.testing.assert_allclose(total, daily.sum(axis=1), rtol=1e-14, atol=0)
    with pytest.raises(ValueError, match=r"rows must be -1 or a row of the table \(0 to 5\)"):
        simulate_rows(table, rows + 7, prices=prices, costs=costs)
    with pytest.raises(ValueError, match="table must be rows by 4 assets"):
        simulate_rows(table[:, :2], rows, prices=prices, costs=costs)
    broken = table.copy()
    broken[0, 0] += 0.5
    with pytest.raises(ValueError, match=r"variant 'b': target row on .* sums to"):
        simulate_rows(
            broken, np.array([rows[0] * 0 - 1, rows[0] * 0]), prices=prices, costs=costs,
            labels=["a", "b"],
        )  # fmt: skip


def test_one_grouped_vectorbt_call_trades_as_the_kernel() -> None:
    prices, columns = _realistic(seed=13, days=300, risky=3)
    rng = np.random.default_rng(13)
    cube = np.stack(
        [
            apply_schedule(
                pd.DataFrame(
                    rng.dirichlet(np.ones(len(columns)), size=300),
                    index=prices.index,
                    columns=columns,
                ),
                rebalance,
            ).to_numpy()
            for rebalance in (Rebalance.WEEKLY, Rebalance.MONTHLY, Rebalance.ON_CHANGE)
        ]
    )
    costs = Costs(fees=0.002, slippage=0.001, borrow=0.02)
    expected, _ = simulate_cube(cube, prices=prices, costs=costs)
    grouped = grouped_returns(cube, prices=prices, costs=costs)
    np.testing.assert_allclose(grouped, expected, rtol=0, atol=AGREEMENT)
    cube[1, :, 0] *= -1.0
    cube[1, :, -1] = 1.0 - cube[1, :, :-1].sum(axis=1)
    with pytest.raises(ValueError, match="no borrow fee on short positions"):
        grouped_returns(cube, prices=prices, costs=costs)

"""The conditional block bootstrap: seeds, exact compounding, eligible starts, joint draws."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.stress.bootstrap import (
    BootstrapResult,
    conditional_block_bootstrap,
    draw_block_starts,
    eligible_block_starts,
)
from macropatch.marketdata.errors import UserError


def _returns(days: int, columns: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2001-01-02", periods=days)
    values = rng.normal(0.0003, 0.01, (days, columns))
    return pd.DataFrame(values, index=index, columns=[f"strategy{j}" for j in range(columns)])


def _condition(index: pd.Index, share: float = 0.3, seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.random(len(index)) < share, index=index, name="stress")


def _brute_force(
    returns: pd.DataFrame, starts: np.ndarray, horizon_days: int, block_days: int
) -> np.ndarray:
    """Concatenate the drawn blocks day by day, cut to the horizon, compound."""
    values = returns.to_numpy()
    outcomes = []
    for path in starts:
        days = np.concatenate([np.arange(start, start + block_days) for start in path])
        outcomes.append(np.prod(1.0 + values[days[:horizon_days]], axis=0) - 1.0)
    return np.array(outcomes)


def test_the_same_seed_draws_the_same_paths() -> None:
    returns = _returns(1500)
    condition = _condition(returns.index)
    first = conditional_block_bootstrap(returns, condition, paths=500, seed=7)
    again = conditional_block_bootstrap(returns, condition, paths=500, seed=7)
    other = conditional_block_bootstrap(returns, condition, paths=500, seed=8)
    pd.testing.assert_frame_equal(first.outcomes, again.outcomes, check_exact=True)
    assert not np.allclose(first.outcomes.to_numpy(), other.outcomes.to_numpy())
    assert (first.seed, first.paths, first.horizon_days, first.block_days) == (7, 500, 252, 21)
    assert first.outcomes.shape == (500, 3)
    assert list(first.outcomes.columns) == list(returns.columns)


@pytest.mark.parametrize(("horizon_days", "block_days"), [(252, 21), (252, 20), (10, 21)])
def test_a_constant_return_compounds_exactly(horizon_days: int, block_days: int) -> None:
    index = pd.bdate_range("2010-01-01", periods=800)
    returns = pd.DataFrame({"steady": 0.0004, "falling": -0.002}, index=index)
    condition = pd.Series(True, index=index)
    result = conditional_block_bootstrap(
        returns, condition, paths=300, horizon_days=horizon_days, block_days=block_days
    )
    for column, daily in [("steady", 0.0004), ("falling", -0.002)]:
        expected = (1.0 + daily) ** horizon_days - 1.0
        assert result.outcomes[column].to_numpy() == pytest.approx([expected] * 300, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    days=st.integers(40, 300),
    horizon_days=st.integers(1, 120),
    block_days=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_outcomes_compound_the_drawn_blocks_of_every_column(
    days: int, horizon_days: int, block_days: int, seed: int
) -> None:
    returns = _returns(days, columns=2, seed=seed % 1000)
    condition = _condition(returns.index, share=0.5, seed=seed % 997)
    eligible = eligible_block_starts(condition, block_days=block_days)
    if len(eligible) < 1:
        return
    result = conditional_block_bootstrap(
        returns,
        condition,
        paths=40,
        horizon_days=horizon_days,
        block_days=block_days,
        seed=seed,
        minimum_starts=1,
    )
    blocks = math.ceil(horizon_days / block_days)
    starts = draw_block_starts(eligible, paths=40, blocks=blocks, seed=seed)
    fired = condition.to_numpy()
    assert fired[starts].all()  # every block starts on a condition day
    assert (starts + block_days <= days).all()  # and lies inside the data
    expected = _brute_force(returns, starts, horizon_days, block_days)
    assert result.outcomes.to_numpy() == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_blocks_start_only_on_condition_days() -> None:
    # the condition holds on days 100..129 only; blocks of 5 from there cover days 100..133.
    # Returns are 0 there and +50% everywhere else: one day from outside would show.
    index = pd.bdate_range("2005-01-03", periods=400)
    day = np.arange(400)
    inside = (day >= 100) & (day <= 133)
    returns = pd.DataFrame({"probe": np.where(inside, 0.0, 0.5)}, index=index)
    condition = pd.Series((day >= 100) & (day <= 129), index=index)
    result = conditional_block_bootstrap(returns, condition, paths=2000, block_days=5)
    assert (result.outcomes["probe"] == 0.0).all()
    assert (result.eligible_starts, result.condition_days) == (30, 30)
    # one more day in the block reaches day 134, which is +50%
    longer = conditional_block_bootstrap(returns, condition, paths=2000, block_days=6)
    assert (longer.outcomes["probe"] > 0.0).any()


def test_eligible_starts_need_a_full_block_inside_the_data() -> None:
    index = pd.bdate_range("2020-01-01", periods=8)
    condition = pd.Series([True, False, True, False, False, True, True, True], index=index)
    assert eligible_block_starts(condition, block_days=3).tolist() == [0, 2, 5]
    assert eligible_block_starts(condition, block_days=1).tolist() == [0, 2, 5, 6, 7]
    assert eligible_block_starts(condition, block_days=9).tolist() == []
    nullable = pd.Series([True, pd.NA, None, True], index=index[:4], dtype="boolean")
    assert eligible_block_starts(nullable, block_days=1).tolist() == [0, 3]  # NA = False


def test_draws_are_uniform_over_eligible_starts() -> None:
    eligible = np.array([3, 10, 42, 77])
    starts = draw_block_starts(eligible, paths=20_000, blocks=3, seed=0)
    assert starts.shape == (20_000, 3)
    values, counts = np.unique(starts, return_counts=True)
    assert values.tolist() == [3, 10, 42, 77]
    assert counts / starts.size == pytest.approx([0.25] * 4, abs=0.01)


def test_too_few_starts_is_a_user_error() -> None:
    returns = _returns(300)
    condition = pd.Series(False, index=returns.index)
    condition.iloc[270:] = True  # 30 days fired; blocks of 21 fit from day 279 at most
    with pytest.raises(
        UserError, match="fired on 30 days, of which 10 start a full 21-day block.*at least 20"
    ):
        conditional_block_bootstrap(returns, condition, paths=10)
    result = conditional_block_bootstrap(returns, condition, paths=10, minimum_starts=10)
    assert result.eligible_starts == 10


def test_draws_are_joint_across_columns() -> None:
    returns = _returns(1000, columns=1)
    returns["copy"] = returns["strategy0"]
    returns["inverse"] = -returns["strategy0"]
    result = conditional_block_bootstrap(returns, _condition(returns.index), paths=1000)
    outcomes = result.outcomes
    pd.testing.assert_series_equal(outcomes["copy"], outcomes["strategy0"], check_names=False)
    # the same days in both: log growths add up to the path's sum of log(1 - r^2), close to 0
    total = np.log1p(outcomes["strategy0"]) + np.log1p(outcomes["inverse"])
    assert (total.abs() < 0.05).all()
    growth = np.log1p(outcomes)
    assert growth["strategy0"].corr(growth["inverse"]) < -0.99  # independent draws: near 0


def test_input_errors() -> None:
    returns = _returns(300)
    condition = _condition(returns.index)
    gappy = returns.copy()
    gappy.iloc[17, 2] = np.nan
    with pytest.raises(UserError, match="column 'strategy2' has nan on 2001-01-25"):
        conditional_block_bootstrap(gappy, condition)
    ruined = returns.copy()
    ruined.iloc[5, 0] = -1.0
    with pytest.raises(UserError, match="'strategy0' has -1.0"):
        conditional_block_bootstrap(ruined, condition)
    with pytest.raises(UserError, match="returns' days"):
        conditional_block_bootstrap(returns, condition.iloc[1:])
    with pytest.raises(ValueError, match="positive"):
        conditional_block_bootstrap(returns, condition, block_days=0)
    with pytest.raises(ValueError, match="boolean"):
        conditional_block_bootstrap(returns, condition.astype(float))


def test_summary_of_known_outcomes() -> None:
    outcomes = pd.DataFrame(
        {"a": [-0.30, -0.10, 0.05, 0.10, 0.25], "b": [0.0, 0.0, 0.0, 0.0, 0.0]},
        index=pd.RangeIndex(5, name="path"),
    )
    result = BootstrapResult(
        outcomes=outcomes,
        eligible_starts=20,
        condition_days=25,
        seed=0,
        paths=5,
        horizon_days=252,
        block_days=21,
    )
    summary = result.summary()
    assert list(summary.columns) == [
        "median",
        "quantile_05",
        "quantile_95",
        "mean",
        "probability_loss_20",
        "probability_loss",
    ]
    assert summary.loc["a", "median"] == pytest.approx(0.05)
    assert summary.loc["a", "mean"] == pytest.approx(0.0)
    assert summary.loc["a", "quantile_05"] == pytest.approx(-0.30 + 0.2 * 0.20)  # linear
    assert summary.loc["a", "probability_loss_20"] == pytest.approx(0.2)
    assert summary.loc["a", "probability_loss"] == pytest.approx(0.4)
    assert summary.loc["b", "probability_loss"] == 0.0  # a flat path is no loss

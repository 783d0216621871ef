"""Walk-forward selection: windows, no look-ahead, stitching, choices and errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.sweep.objective import Objective
from macropatch.backtests.sweep.walk_forward import (
    WalkForward,
    WindowMode,
    variant_name,
    walk_forward,
    walk_forward_windows,
)


def _returns(rows: int, columns: int, seed: int, start: str = "2015-01-01") -> pd.DataFrame:
    """Random returns with a loss every fourth row, so every score is defined on 4 rows."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0002, 0.01, (rows, columns))
    values[::4] = -np.abs(values[::4])
    index = pd.bdate_range(start, periods=rows)
    return pd.DataFrame(values, index=index, columns=[f"variant{j}" for j in range(columns)])


def _specs(shortest_train: int) -> st.SearchStrategy[WalkForward]:
    return st.builds(
        WalkForward,
        train_days=st.integers(min_value=shortest_train, max_value=40),
        test_days=st.integers(min_value=1, max_value=30),
        gap_days=st.integers(min_value=0, max_value=10),
        mode=st.sampled_from(WindowMode),
        objective=st.sampled_from(Objective),
    )


WINDOW_SPECS = _specs(shortest_train=1)
SPECS = _specs(shortest_train=4)  # every score defined on _returns (a loss every 4 rows)


@settings(max_examples=300, deadline=None)
@given(WINDOW_SPECS, st.integers(min_value=1, max_value=200))
def test_windows_tile_the_test_period_after_each_train_window(spec: WalkForward, rows: int) -> None:
    index = pd.bdate_range("2020-01-01", periods=rows)
    if rows < spec.train_days + spec.gap_days + 1:
        with pytest.raises(ValueError, match=f"{spec.train_days + spec.gap_days + 1} rows"):
            walk_forward_windows(index, spec)
        return
    windows = walk_forward_windows(index, spec)
    assert windows[0].test_rows.start == spec.train_days + spec.gap_days
    assert windows[-1].test_rows.stop == rows
    for window, following in zip(windows, windows[1:], strict=False):
        assert following.test_rows.start == window.test_rows.stop  # tiled, no overlap
    for number, window in enumerate(windows):
        test_length = window.test_rows.stop - window.test_rows.start
        assert 1 <= test_length <= spec.test_days
        if number < len(windows) - 1:
            assert test_length == spec.test_days
        assert window.test_rows.start - (window.train_rows.stop - 1) - 1 == spec.gap_days
        assert window.train_rows.stop <= window.test_rows.start
        if spec.mode is WindowMode.ROLLING:
            assert window.train_rows.stop - window.train_rows.start == spec.train_days
        else:
            assert window.train_rows.start == 0
        assert window.train_start == index[window.train_rows][0]
        assert window.train_end == index[window.train_rows][-1]
        assert window.test_start == index[window.test_rows][0]
        assert window.test_end == index[window.test_rows][-1]


@settings(max_examples=100, deadline=None)
@given(WINDOW_SPECS, st.integers(min_value=60, max_value=200))
def test_expanding_and_rolling_windows_differ_only_in_train_start(
    spec: WalkForward, rows: int
) -> None:
    index = pd.bdate_range("2020-01-01", periods=rows)
    rolling = walk_forward_windows(index, dataclasses.replace(spec, mode=WindowMode.ROLLING))
    expanding = walk_forward_windows(index, dataclasses.replace(spec, mode=WindowMode.EXPANDING))
    assert len(rolling) == len(expanding)
    for first, second in zip(rolling, expanding, strict=True):
        assert second.train_start == index[0]
        assert second.train_rows == slice(0, first.train_rows.stop)
        assert dataclasses.replace(first, train_start=index[0], train_rows=second.train_rows) == (
            second
        )


@settings(max_examples=60, deadline=None)
@given(
    SPECS,
    st.integers(min_value=60, max_value=160),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.data(),
)
def test_a_choice_never_depends_on_rows_after_its_train_window(
    spec: WalkForward, rows: int, columns: int, seed: int, data: st.DataObject
) -> None:
    returns = _returns(rows, columns, seed)
    windows = walk_forward_windows(returns.index, spec)
    number = data.draw(st.integers(min_value=0, max_value=len(windows) - 1))
    later = windows[number].train_rows.stop
    changed = returns.copy()
    changed.iloc[later:] = 5.0 * _returns(rows, columns, seed + 1).iloc[later:].to_numpy()
    before, after = walk_forward(returns, spec), walk_forward(changed, spec)
    assert after.chosen[: number + 1] == before.chosen[: number + 1]
    pd.testing.assert_series_equal(
        after.windows["in_sample_score"].iloc[: number + 1],
        before.windows["in_sample_score"].iloc[: number + 1],
    )


@settings(max_examples=60, deadline=None)
@given(
    SPECS,
    st.integers(min_value=60, max_value=160),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_stitched_returns_are_the_chosen_variants_on_the_test_windows(
    spec: WalkForward, rows: int, columns: int, seed: int
) -> None:
    returns = _returns(rows, columns, seed)
    result = walk_forward(returns, spec)
    windows = walk_forward_windows(returns.index, spec)
    assert result.returns.name == "walk_forward"
    expected_index = returns.index[spec.train_days + spec.gap_days :]
    assert result.returns.index.equals(expected_index)
    assert len(result.windows) == len(windows) == len(result.chosen)
    for window, label, (_, row) in zip(
        windows, result.chosen, result.windows.iterrows(), strict=True
    ):
        piece = result.returns.loc[window.test_start : window.test_end]
        np.testing.assert_array_equal(piece.to_numpy(), returns[label].iloc[window.test_rows])
        assert row["test_start"] == window.test_start and row["train_end"] == window.train_end
        train_scores = spec.objective.score(returns.iloc[window.train_rows])
        assert row["in_sample_score"] == train_scores[label] == np.nanmax(train_scores)
        assert row["chosen"] == label
    full = spec.objective.score(returns)
    assert result.best_in_sample_label == full.index[int(np.nanargmax(full.to_numpy()))]


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("mode", list(WindowMode))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_planted_edge_is_chosen_in_every_window(
    objective: Objective, mode: WindowMode, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    returns = pd.DataFrame(
        rng.normal(0.0, 0.01, (700, 20)), index=pd.bdate_range("2012-01-02", periods=700)
    )
    returns[7] = 0.006 + rng.normal(0.0, 0.006, 700)
    spec = WalkForward(train_days=60, test_days=21, gap_days=2, mode=mode, objective=objective)
    result = walk_forward(returns, spec)
    assert result.chosen == [7] * len(result.windows)
    assert result.best_in_sample_label == 7


def test_ties_go_to_the_first_column_and_nan_scores_never_win() -> None:
    index = pd.bdate_range("2020-01-01", periods=30)
    base = np.random.default_rng(5).normal(0.001, 0.01, 30)
    returns = pd.DataFrame({"flat": 0.0, "first": base, "twin": base, "late": np.nan}, index=index)
    returns.iloc[25:, 3] = 0.5  # only ever seen after the train windows
    spec = WalkForward(train_days=10, test_days=5, gap_days=0)
    result = walk_forward(returns, spec)
    assert set(result.chosen) == {"first"}  # flat scores NaN; late has no train values
    assert result.windows["chosen"].eq("first").all()


def test_every_score_nan_is_an_error() -> None:
    returns = pd.DataFrame({"a": 0.0, "b": 0.0}, index=pd.bdate_range("2020-01-01", periods=20))
    with pytest.raises(ValueError, match="every variant's score is NaN on the train window"):
        walk_forward(returns, WalkForward(train_days=5, test_days=5, gap_days=0))


def test_windows_table_names_multiindex_variants() -> None:
    columns = pd.MultiIndex.from_tuples([(20, 0.5), (60, 1.0)], names=["lookback", "threshold"])
    returns = _returns(50, 2, seed=3)
    returns.columns = columns
    result = walk_forward(returns, WalkForward(train_days=20, test_days=10, gap_days=1))
    assert list(result.windows.columns) == [
        "train_start",
        "train_end",
        "test_start",
        "test_end",
        "chosen",
        "in_sample_score",
        "out_of_sample_score",
    ]
    names = {variant_name(columns, 0), variant_name(columns, 1)}
    assert names == {"lookback=20, threshold=0.5", "lookback=60, threshold=1.0"}
    assert set(result.windows["chosen"]) <= names
    assert all(label in set(columns) for label in result.chosen)
    assert variant_name(pd.Index(["x", "y"]), 1) == "y"


def test_last_test_window_may_be_short() -> None:
    index = pd.bdate_range("2020-01-01", periods=26)
    windows = walk_forward_windows(index, WalkForward(train_days=10, test_days=5, gap_days=0))
    assert [(w.test_rows.start, w.test_rows.stop) for w in windows] == [
        (10, 15),
        (15, 20),
        (20, 25),
        (25, 26),
    ]


def test_invalid_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="train_days must be positive, got 0"):
        WalkForward(train_days=0, test_days=5, gap_days=0)
    with pytest.raises(ValueError, match="test_days must be positive, got -1"):
        WalkForward(train_days=5, test_days=-1, gap_days=0)
    with pytest.raises(ValueError, match="gap_days must be zero or positive, got -2"):
        WalkForward(train_days=5, test_days=5, gap_days=-2)
    with pytest.raises(TypeError, match="train_days must be an integer"):
        WalkForward(train_days=2.5, test_days=5, gap_days=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mode must be a WindowMode"):
        WalkForward(train_days=5, test_days=5, gap_days=0, mode="rolling")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="objective must be an Objective"):
        WalkForward(train_days=5, test_days=5, gap_days=0, objective="sharpe")  # type: ignore[arg-type]
    spec = WalkForward(train_days=5, test_days=5, gap_days=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.train_days = 3  # type: ignore[misc]


def test_invalid_inputs_are_refused() -> None:
    spec = WalkForward(train_days=10, test_days=5, gap_days=3)
    returns = _returns(13, 2, seed=1)
    with pytest.raises(ValueError, match=r"10 \+ 3 \+ 1 = 14 rows, got 13"):
        walk_forward(returns, spec)
    with pytest.raises(ValueError, match="strictly increasing"):
        walk_forward(_returns(30, 2, seed=1).iloc[::-1], spec)
    with pytest.raises(ValueError, match="no variant"):
        walk_forward(_returns(30, 2, seed=1).iloc[:, :0], spec)
    with pytest.raises(TypeError, match="DatetimeIndex"):
        walk_forward(_returns(30, 2, seed=1).reset_index(drop=True), spec)
    with pytest.raises(TypeError, match="DatetimeIndex"):
        walk_forward_windows(pd.RangeIndex(30), spec)  # type: ignore[arg-type]

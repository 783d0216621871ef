"""measure_columns and Objective.score agree with backtests.metrics.performance.measure column by column."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from macropatch.backtests.metrics.columns import COLUMN_METRICS, measure_columns
from macropatch.backtests.metrics.performance import measure
from macropatch.backtests.sweep.objective import Objective

TOLERANCE = 1e-12
KINDS = ("random", "zero", "constant", "positive", "losses", "sparse")
RETURNS = st.floats(min_value=-0.25, max_value=0.25, allow_nan=False, width=64)


def _same(ours: float, theirs: float) -> bool:
    if math.isnan(theirs) or math.isnan(ours):
        return math.isnan(theirs) and math.isnan(ours)
    if math.isinf(theirs) or math.isinf(ours):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _assert_matches_measure(returns: pd.DataFrame, turnover: pd.DataFrame | None = None) -> None:
    table = measure_columns(returns, turnover=turnover)
    assert table.index.equals(returns.columns)
    for position in range(returns.shape[1]):
        expected = measure(
            returns.iloc[:, position],
            turnover=None if turnover is None else turnover.iloc[:, position],
        )
        for name in table.columns:
            ours, theirs = float(table.iloc[position][name]), float(getattr(expected, name))
            assert _same(ours, theirs), f"column {position} {name}: {ours!r} != {theirs!r}"


@st.composite
def _column(draw: st.DrawFn, rows: int) -> np.ndarray:
    kind = draw(st.sampled_from(KINDS))
    if kind == "zero":
        return np.zeros(rows)
    if kind == "constant":
        return np.full(rows, draw(st.floats(min_value=-0.05, max_value=0.05)))
    values = draw(arrays(np.float64, rows, elements=RETURNS))
    if kind == "positive":
        return np.abs(values)
    if kind == "losses":
        return -np.abs(values)
    if kind == "sparse":  # mostly flat days, a few moves
        return np.where(np.arange(rows) % 7 == 3, values, 0.0)
    return values


@st.composite
def _matrices(draw: st.DrawFn, missing: bool = False) -> pd.DataFrame:
    rows = draw(st.integers(min_value=1, max_value=300))
    columns = draw(st.integers(min_value=1, max_value=5))
    start = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)))
    frequency = draw(st.sampled_from(["B", "D"]))
    index = pd.date_range(start, periods=rows, freq=frequency)
    values = np.column_stack([draw(_column(rows)) for _ in range(columns)])
    if missing:
        holes = draw(arrays(np.bool_, (rows, columns)))
        holes[draw(st.integers(min_value=0, max_value=rows - 1)), :] = False
        values[holes] = np.nan
    return pd.DataFrame(values, index=index, columns=[f"variant{j}" for j in range(columns)])


@settings(max_examples=300, deadline=None)
@given(_matrices())
def test_random_matrices_match_measure(returns: pd.DataFrame) -> None:
    _assert_matches_measure(returns)


@settings(max_examples=200, deadline=None)
@given(_matrices(missing=True))
def test_missing_values_are_skipped_per_column_like_measure(returns: pd.DataFrame) -> None:
    _assert_matches_measure(returns)


@settings(max_examples=100, deadline=None)
@given(_matrices(), st.randoms(use_true_random=False))
def test_unsorted_rows_match_measure(returns: pd.DataFrame, random: object) -> None:
    order = list(range(len(returns)))
    random.shuffle(order)  # type: ignore[attr-defined]
    _assert_matches_measure(returns.iloc[order])


@settings(max_examples=100, deadline=None)
@given(_matrices())
def test_each_objective_scores_as_measure_columns(returns: pd.DataFrame) -> None:
    table = measure_columns(returns)
    for objective in Objective:
        score = objective.score(returns)
        assert score.name == objective.value
        assert score.index.equals(returns.columns)
        np.testing.assert_array_equal(score.to_numpy(), table[objective.value].to_numpy())


def test_long_realistic_matrix_matches_measure() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(0.0004, 0.012, (2600, 12))
    values[:, 0] = 0.0
    values[:, 1] = 0.0007
    values[:, 2] = np.abs(values[:, 2])
    values[:300, 3] = np.nan  # a variant that starts late
    returns = pd.DataFrame(values, index=pd.bdate_range("2010-01-04", periods=2600))
    turnover = pd.DataFrame(rng.uniform(0, 0.1, (2600, 12)), index=returns.index)
    turnover.iloc[:10, 4] = np.nan
    turnover.iloc[:, 5] = np.nan
    _assert_matches_measure(returns, turnover)


def test_table_shape_keeps_the_column_multiindex() -> None:
    columns = pd.MultiIndex.from_product([[20, 60], [0.5, 1.0]], names=["lookback", "threshold"])
    index = pd.bdate_range("2020-01-01", periods=40)
    returns = pd.DataFrame(
        np.linspace(-0.01, 0.02, 160).reshape(40, 4), index=index, columns=columns
    )
    table = measure_columns(returns)
    assert table.index.equals(columns)
    assert list(table.columns) == list(COLUMN_METRICS)
    assert table["days"].dtype == np.int64
    assert (table["days"] == 40).all()
    with_turnover = measure_columns(returns, turnover=returns.abs())
    assert list(with_turnover.columns) == [
        "cagr",
        "volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "calmar",
        "turnover",
        "worst_month",
        "total_return",
        "days",
    ]
    annualised = pd.Series(returns.abs().mean().to_numpy() * 252, index=columns)
    np.testing.assert_allclose(
        measure_columns(returns, turnover=annualised)["turnover"], with_turnover["turnover"]
    )
    with pytest.raises(ValueError, match="indexed by the columns of returns"):
        measure_columns(returns, turnover=annualised.iloc[::-1])


def test_degenerate_columns_follow_measure_conventions() -> None:
    index = pd.bdate_range("2021-01-04", periods=30)
    returns = pd.DataFrame({"flat": 0.0, "gains": 0.001, "one": np.nan}, index=index)
    returns.iloc[0, 2] = 0.01
    table = measure_columns(returns)
    assert math.isnan(table.loc["flat", "sharpe"])
    assert math.isnan(table.loc["flat", "sortino"])
    assert table.loc["flat", "max_drawdown"] == 0.0
    assert math.isnan(table.loc["flat", "calmar"])
    assert math.isnan(table.loc["gains", "sortino"])
    assert table.loc["gains", "calmar"] == math.inf
    assert math.isfinite(table.loc["gains", "sharpe"])  # rounding leaves a tiny std
    assert table.loc["one", "days"] == 1
    assert math.isnan(table.loc["one", "volatility"])


def test_no_columns_give_an_empty_table() -> None:
    returns = pd.DataFrame(index=pd.bdate_range("2021-01-04", periods=5))
    table = measure_columns(returns)
    assert table.empty
    assert list(table.columns) == list(COLUMN_METRICS)
    assert Objective.SHARPE.score(returns).empty


def test_bad_input_is_refused() -> None:
    index = pd.bdate_range("2021-01-04", periods=3)
    with pytest.raises(ValueError, match="'b'.*no value"):
        measure_columns(pd.DataFrame({"a": [0.0, 0.01, 0.0], "b": np.nan}, index=index))
    with pytest.raises(ValueError, match="'a'.*infinite"):
        Objective.SHARPE.score(pd.DataFrame({"a": [0.0, math.inf, 0.0]}, index=index))
    with pytest.raises(ValueError, match="no value"):
        measure_columns(pd.DataFrame({"a": []}, index=pd.DatetimeIndex([]), dtype=float))
    with pytest.raises(TypeError, match="DatetimeIndex"):
        measure_columns(pd.DataFrame({"a": [0.0, 0.01]}))
    with pytest.raises(TypeError, match="DataFrame"):
        measure_columns(pd.Series([0.0], index=index[:1]))  # type: ignore[arg-type]
    returns = pd.DataFrame({"a": [0.0, 0.01, 0.0]}, index=index)
    with pytest.raises(ValueError, match="same columns"):
        measure_columns(returns, turnover=returns.rename(columns={"a": "b"}))

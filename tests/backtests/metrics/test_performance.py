"""Our metrics reproduce quantstats 0.0.86 (periods=252, rf=0) to 1e-9."""

from __future__ import annotations

import json
import math
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
import quantstats as qs
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.metrics.performance import (
    PERIODS_PER_YEAR,
    Performance,
    drawdown_series,
    equity_curve,
    measure,
)

TOLERANCE = 1e-9


def _series(values: list[float], start: str = "2021-01-04") -> pd.Series:
    index = pd.bdate_range(start, periods=len(values))
    return pd.Series(values, index=index, name="strategy", dtype=float)


def _quantstats(returns: pd.Series) -> dict[str, float]:
    """The quantstats numbers for the fields we reproduce."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return {
            "cagr": float(qs.stats.cagr(returns, rf=0.0, periods=PERIODS_PER_YEAR)),
            "volatility": float(qs.stats.volatility(returns, periods=PERIODS_PER_YEAR)),
            "sharpe": float(qs.stats.sharpe(returns, rf=0.0, periods=PERIODS_PER_YEAR)),
            "sortino": float(qs.stats.sortino(returns, rf=0.0, periods=PERIODS_PER_YEAR)),
            "max_drawdown": float(qs.stats.max_drawdown(returns)),
            "calmar": float(qs.stats.calmar(returns, periods=PERIODS_PER_YEAR)),
            "worst_month": float(qs.stats.worst(returns, aggregate="ME")),
            "total_return": float(qs.stats.comp(returns)),
        }


def _same(ours: float, theirs: float) -> bool:
    if math.isnan(theirs) or math.isnan(ours):
        return math.isnan(theirs) and math.isnan(ours)
    if math.isinf(theirs) or math.isinf(ours):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _assert_matches_quantstats(returns: pd.Series) -> None:
    performance = measure(returns)
    expected = _quantstats(returns)
    for field, theirs in expected.items():
        ours = getattr(performance, field)
        assert _same(ours, theirs), f"{field}: ours {ours!r}, quantstats {theirs!r}"


HAND_SIZED = {
    "first day flat": [0.0, 0.01, -0.02, 0.015, 0.003, -0.007],
    "first day loss": [-0.03, 0.01, 0.02, -0.01],
    "only gains": [0.0, 0.01, 0.002, 0.03],
    "only losses": [-0.01, -0.02, -0.005],
    "one return": [0.004],
    "one loss": [-0.004],
    "all flat": [0.0, 0.0, 0.0, 0.0],
    "crash and recovery": [0.0, -0.5, 0.3, 0.4, 0.1],
    "spans months": [0.002 * ((-1) ** i) + 0.0004 * (i % 7) for i in range(90)],
}


@pytest.mark.parametrize("values", HAND_SIZED.values(), ids=HAND_SIZED.keys())
def test_hand_sized_series_match_quantstats(values: list[float]) -> None:
    _assert_matches_quantstats(_series(values))


def test_hand_computed_values() -> None:
    returns = _series([0.0, 0.10, -0.20, 0.05])
    performance = measure(returns)
    wealth = 1.10 * 0.80 * 1.05
    assert performance.total_return == pytest.approx(wealth - 1, abs=1e-15)
    assert performance.cagr == pytest.approx(wealth ** (252 / 4) - 1, rel=1e-12)
    assert performance.max_drawdown == pytest.approx(-0.20, abs=1e-15)
    mean = np.mean([0.0, 0.10, -0.20, 0.05])
    std = np.std([0.0, 0.10, -0.20, 0.05], ddof=1)
    assert performance.sharpe == pytest.approx(mean / std * math.sqrt(252), rel=1e-12)
    downside = math.sqrt(0.20**2 / 4)
    assert performance.sortino == pytest.approx(mean / downside * math.sqrt(252), rel=1e-12)
    assert performance.start == date(2021, 1, 4)
    assert performance.end == date(2021, 1, 7)
    assert performance.days == 4


def test_random_three_years_match_quantstats() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(0.0004, 0.012, 756)
    values[0] = 0.0
    _assert_matches_quantstats(_series(list(values), start="2019-01-01"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-0.25, max_value=0.25, allow_nan=False, width=64),
        min_size=1,
        max_size=400,
    )
)
def test_random_series_match_quantstats(values: list[float]) -> None:
    _assert_matches_quantstats(_series(values))


def test_missing_values_are_skipped_like_quantstats() -> None:
    returns = _series([0.0, 0.01, math.nan, -0.02, 0.005, math.nan, 0.01])
    _assert_matches_quantstats(returns)
    assert measure(returns).days == 5


def test_degenerate_series_do_not_crash() -> None:
    flat = measure(_series([0.0] * 30))
    assert math.isnan(flat.sharpe)
    assert math.isnan(flat.sortino)
    assert flat.max_drawdown == 0.0
    assert math.isnan(flat.calmar)
    gains = measure(_series([0.001] * 30))
    assert math.isnan(gains.sortino)
    assert gains.calmar == math.inf


def test_to_dict_is_json_ready() -> None:
    performance = measure(_series([0.0, 0.01, 0.02]), turnover=_series([0.0, 0.5, 0.0]))
    data = performance.to_dict()
    assert set(data) == {
        "cagr",
        "volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "calmar",
        "turnover",
        "worst_month",
        "total_return",
        "start",
        "end",
        "days",
        "hedge_cost",
    }
    assert data["sortino"] is None  # NaN: no losses
    assert data["calmar"] is None  # infinite: no drawdown
    assert data["start"] == "2021-01-04"
    assert data["days"] == 3
    assert data["turnover"] == pytest.approx(0.5 / 3 * 252)
    json.dumps(data, allow_nan=False)


def test_turnover_is_annualised_mean() -> None:
    returns = _series([0.0, 0.01, -0.01, 0.0])
    turnover = _series([1.0, 0.0, 0.1, 0.1])
    assert measure(returns, turnover=turnover).turnover == pytest.approx(0.3 * 252)
    assert math.isnan(measure(returns).turnover)


def test_curves_start_from_one() -> None:
    returns = _series([-0.1, 0.2, -0.05])
    assert equity_curve(returns).tolist() == pytest.approx([0.9, 1.08, 1.026])
    assert drawdown_series(returns).tolist() == pytest.approx([-0.1, 0.0, -0.05])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="no value"):
        measure(_series([math.nan, math.nan]))
    with pytest.raises(ValueError, match="infinite"):
        measure(_series([0.0, math.inf]))
    with pytest.raises(TypeError, match="DatetimeIndex"):
        measure(pd.Series([0.0, 0.01]))


def test_performance_is_frozen() -> None:
    performance = measure(_series([0.0, 0.01]))
    assert isinstance(performance, Performance)
    with pytest.raises(AttributeError):
        performance.cagr = 1.0  # type: ignore[misc]

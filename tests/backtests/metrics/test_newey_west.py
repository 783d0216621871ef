"""The Newey-West t-statistic against the formula written out, and its limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.metrics.newey_west import newey_west_lags, newey_west_t


def reference_t(values: list[float], lags: int) -> float:
    """Newey and West (1987), term by term in plain Python."""
    count = len(values)
    mean = sum(values) / count
    centred = [value - mean for value in values]

    def gamma(lag: int) -> float:
        return sum(centred[t] * centred[t - lag] for t in range(lag, count)) / count

    long_run = gamma(0) + 2 * sum((1 - lag / (lags + 1)) * gamma(lag) for lag in range(1, lags + 1))
    return mean / math.sqrt(long_run / count)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(5, 300), lags=st.integers(0, 12))
def test_matches_the_formula(seed: int, count: int, lags: int) -> None:
    values = list(np.random.default_rng(seed).normal(0.0003, 0.01, count))
    lags = min(lags, count - 1)
    expected = reference_t(values, lags)
    assert newey_west_t(values, lags) == pytest.approx(expected, rel=1e-9)


def test_without_lags_it_is_the_plain_t_statistic_with_the_population_deviation() -> None:
    values = np.random.default_rng(1).normal(0.001, 0.01, 500)
    plain = values.mean() / (values.std(ddof=0) / math.sqrt(len(values)))
    assert newey_west_t(values, 0) == pytest.approx(plain, rel=1e-12)


def test_autocorrelation_widens_the_error() -> None:
    """A tilt held for weeks: the same active day repeated; the t-statistic must shrink."""
    days = np.repeat(np.random.default_rng(2).normal(0.001, 0.01, 100), 20)
    assert abs(newey_west_t(days, 40)) < abs(newey_west_t(days, 0)) / 2


def test_degenerate_inputs() -> None:
    assert math.isnan(newey_west_t([0.01] * 50))
    assert math.isnan(newey_west_t([0.01]))
    assert math.isnan(newey_west_t([np.nan, 0.01]))
    with pytest.raises(ValueError, match="finite"):
        newey_west_t([0.01, np.inf, 0.0])
    assert newey_west_lags(100) == 4 and newey_west_lags(6685) == 10

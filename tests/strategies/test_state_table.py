"""A strategy's weights by day state: the base class's rules on one stand-in day per state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from macropatch.strategies.base import WeightError
from macropatch.strategies.quality_over_growth import STRESS_SIGNALS, QualityOverGrowth
from macropatch.strategies.real_assets import RealAssets
from macropatch.strategies.state_table import (
    FIRED,
    QUIET,
    UNKNOWN,
    check_against_days,
    state_codes,
    weights_by_state,
)
from tests.strategies.views import signal_result

INDEX = pd.bdate_range("2024-01-01", periods=3)


def _signals() -> dict:
    return {name: signal_result(name, [True, False, None], INDEX) for name in STRESS_SIGNALS}


def test_state_codes_are_quiet_fired_unknown() -> None:
    fired = pd.Series(pd.array([False, True, None], dtype="boolean"))
    assert state_codes(fired).tolist() == [QUIET, FIRED, UNKNOWN]
    assert state_codes(pd.Series([True, False])).tolist() == [FIRED, QUIET]


def test_each_state_gets_the_strategys_own_weights_with_cash_last() -> None:
    strategy = QualityOverGrowth()
    states = np.array(
        [
            [QUIET, QUIET, QUIET],  # calm
            [QUIET, FIRED, UNKNOWN],  # one fires: stressed even with one unknown
            [QUIET, UNKNOWN, QUIET],  # none fires, one unknown: neutral
            [QUIET, QUIET, QUIET],  # calm, but growth has no price
        ]
    )
    priced = np.ones((4, 4), dtype=bool)
    priced[3, 3] = False
    table = weights_by_state(strategy, states=states, priced=priced, signals=_signals())
    calm = [*strategy.base_weights().values(), 0.0]
    stressed = [*strategy.stressed_weights().values(), 0.0]
    np.testing.assert_allclose(table[0], calm, atol=1e-15)
    np.testing.assert_allclose(table[1], stressed, atol=1e-15)
    np.testing.assert_allclose(table[2], calm, atol=1e-15)
    np.testing.assert_allclose(table[3], [0.35, 0.25, 0.15, 0.0, 0.25], atol=1e-15)
    np.testing.assert_allclose(table.sum(axis=1), 1.0, atol=1e-15)


def test_a_strategy_that_reads_prices_over_a_window_has_no_state_table() -> None:
    strategy = RealAssets(trend_filter=True)
    with pytest.raises(ValueError, match="does not decide by the day"):
        weights_by_state(
            strategy,
            states=np.zeros((1, len(strategy.signals)), dtype=int),
            priced=np.ones((1, len(strategy.assets)), dtype=bool),
            signals={},
        )
    with pytest.raises(ValueError, match="states must be states by 3 signals"):
        weights_by_state(
            QualityOverGrowth(),
            states=np.zeros((2, 2), dtype=int),
            priced=np.ones((2, 4), dtype=bool),
            signals=_signals(),
        )


def test_a_difference_from_the_days_names_the_strategy_and_the_day() -> None:
    days = np.array([[0.5, 0.5], [np.nan, np.nan], [1.0, 0.0]])
    check_against_days(QualityOverGrowth(), days + 1e-13, days)
    with pytest.raises(WeightError, match="quality_over_growth declares decides_by_day.*day 2"):
        check_against_days(QualityOverGrowth(), days[[0, 1, 0]], days)

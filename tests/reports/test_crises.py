"""Stress windows, calendar years and correlations on hand-made returns."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.result import Result, ResultSet
from macropatch.reports.crises import (
    DEFAULT_WINDOWS,
    StressWindow,
    annual_returns,
    correlations,
    stress_windows,
    window_max_drawdown,
    window_returns,
)
from macropatch.reports.documents import StrategySummary

WINDOW = StressWindow("test", date(2022, 1, 3), date(2022, 1, 7))


def daily(values: list[float], start: str = "2022-01-03") -> pd.Series:
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype=float)


def test_default_windows_are_the_documented_peaks_and_troughs() -> None:
    assert [window.name for window in DEFAULT_WINDOWS] == [
        "2000-02 dot-com bust",
        "2007-09 financial crisis",
        "2011 US downgrade",
        "2015-16 oil and China",
        "2018 Q4",
        "2020 Covid crash",
        "2022 rate shock",
    ]
    covid = DEFAULT_WINDOWS[5]
    assert (covid.start, covid.end) == (date(2020, 2, 19), date(2020, 3, 23))
    with pytest.raises(ValueError, match="before"):
        StressWindow("backwards", date(2020, 3, 23), date(2020, 2, 19))


def test_window_return_compounds_from_the_peak_close_to_the_trough_close() -> None:
    # Mon 3 Jan is the peak day: its return is outside; Tue to Fri compound.
    returns = daily([0.50, 0.10, -0.20, 0.05, -0.10, 0.30])
    expected = 1.10 * 0.80 * 1.05 * 0.90 - 1.0
    assert window_returns(returns, WINDOW) == pytest.approx(expected)
    # wealth 1.10 -> 0.88 -> 0.924 -> 0.8316 from a peak of 1.10
    assert window_max_drawdown(returns, WINDOW) == pytest.approx(0.8316 / 1.10 - 1.0)


def test_first_loss_in_the_window_is_a_drawdown() -> None:
    returns = daily([0.0, -0.10, 0.05, 0.05, 0.05])
    assert window_max_drawdown(returns, WINDOW) == pytest.approx(-0.10)


def test_a_window_not_wholly_covered_is_none() -> None:
    """One rule with the stress tests' replay: the data hold the peak day and the trough day."""
    before = daily([0.01] * 5, start="2021-06-01")
    assert window_returns(before, WINDOW) is None
    assert window_max_drawdown(before, WINDOW) is None
    edge = daily([0.0, 0.01])  # covers 1 of the 4 days of the window
    assert window_returns(edge, WINDOW) is None
    half = daily([0.0, 0.01, 0.02])  # 2 of 4 days: a partial window is never measured
    assert window_returns(half, WINDOW) is None
    whole = daily([0.0, 0.01, 0.02, 0.0, 0.0])
    assert window_returns(whole, WINDOW) == pytest.approx(1.01 * 1.02 - 1.0)
    gaps = daily([0.0, np.nan, np.nan, np.nan, 0.02])  # NaN is no observation
    assert window_returns(gaps, WINDOW) is None


def test_stress_windows_lists_every_window() -> None:
    returns = daily([0.001] * 400, start="2021-06-01")  # past the rate shock's trough
    table = stress_windows(returns)
    assert list(table) == [window.name for window in DEFAULT_WINDOWS]
    assert table["2020 Covid crash"] == {
        "return": None,
        "max_drawdown": None,
        "start": "2020-02-19",
        "end": "2020-03-23",
    }
    shock = table["2022 rate shock"]
    assert shock["return"] is not None and shock["return"] > 0
    assert shock["max_drawdown"] == 0.0


def test_annual_returns_compound_each_calendar_year() -> None:
    index = pd.DatetimeIndex(["2020-12-30", "2020-12-31", "2021-01-04", "2021-01-05"])
    returns = pd.Series([0.10, -0.10, 0.20, np.nan], index=index)
    years = annual_returns(returns)
    assert list(years) == ["2020", "2021"]
    assert years["2020"] == pytest.approx(1.10 * 0.90 - 1.0)
    assert years["2021"] == pytest.approx(0.20)


def _result(name: str, values: np.ndarray) -> Result:
    index = pd.bdate_range("2022-01-03", periods=len(values))
    series = pd.Series(values, index=index, name=name)
    return Result(
        name=name,
        returns=series,
        value=(1.0 + series).cumprod(),
        weights=pd.DataFrame(),
        trades=pd.DataFrame(),
        turnover=pd.Series(0.0, index=index),
    )


def test_correlations_in_run_order_with_none_for_cash() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.01, 100)
    results = ResultSet(
        (
            _result("a", noise),
            _result("minus_a", -noise),
            _result("cash", np.zeros(100)),
        )
    )
    matrix = correlations(results)
    assert list(matrix) == ["a", "minus_a", "cash"]
    assert matrix["a"]["a"] == pytest.approx(1.0)
    assert matrix["a"]["minus_a"] == pytest.approx(-1.0)
    assert matrix["minus_a"]["a"] == pytest.approx(-1.0)
    assert matrix["cash"]["a"] is None and matrix["cash"]["cash"] is None


def _entry(windows: dict[str, dict[str, object]]) -> StrategySummary:
    """A summary entry holding ``windows`` (the other numbers do not matter here)."""
    numbers = dict.fromkeys(
        ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "turnover",
         "worst_month", "total_return", "hedge_cost"),
    )  # fmt: skip
    return StrategySummary.model_validate(
        {**numbers, "start": "2015-01-02", "end": "2017-04-19", "days": 600, "parameters": {},
         "config_hash": "", "data_hash": "", "stress_windows": windows, "annual_returns": {}}
    )  # fmt: skip


def test_the_crisis_table_shows_the_runs_own_windows_with_their_dates() -> None:
    """index.html dropped 2015-16 without a word, and ignored the experiment's windows."""
    from macropatch.reports.crises import stress_windows as measure_windows
    from macropatch.reports.heat_tables import crises_table, crisis_dates

    returns = daily([0.01, -0.02, 0.005] * 200, start="2015-01-02")
    mine = StressWindow("my sell-off", date(2015, 8, 10), date(2015, 8, 25))
    measured = {"a": _entry(measure_windows(returns, (mine,)))}
    table = crises_table(["a"], measured, benchmark="a")
    assert table.columns == ["my sell-off"]
    assert crisis_dates(["a"], measured) == ["my sell-off: 2015-08-10 to 2015-08-25"]
    # not a window of this run: not named at all
    assert "2020 Covid crash" not in [*table.columns, *table.skipped]
    defaults = {"a": _entry(measure_windows(returns))}
    assert "2015-16 oil and China" in crises_table(["a"], defaults, benchmark="a").columns

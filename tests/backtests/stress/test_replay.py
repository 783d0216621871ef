"""Crisis replay on hand-sized frames: returns, drawdowns, troughs, recovery and coverage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.stress.replay import DEFAULT_REPLAY_WINDOWS, Window, replay
from macropatch.marketdata.errors import UserError

# Mon 6 Jan 2020 .. : 6 Jan is the window's start (peak) day
DAYS = pd.bdate_range("2020-01-06", periods=10)


def _from_wealth(wealth: list[float], index: pd.DatetimeIndex = DAYS) -> pd.Series:
    """Daily returns whose wealth path (1 on the first day) is ``wealth``."""
    values = np.asarray(wealth, dtype=float)
    returns = np.concatenate(([0.0], values[1:] / values[:-1] - 1.0))
    return pd.Series(returns, index=index[: len(values)])


def _window(start: pd.Timestamp, end: pd.Timestamp, name: str = "test") -> Window:
    return Window(name=name, start=start.date(), end=end.date())


def test_a_fall_and_recovery_after_the_window() -> None:
    # wealth 1 (start), 0.9, 0.8, 0.85 (window end), then 1.0, 1.1 after it
    returns = pd.DataFrame({"patch": _from_wealth([1.0, 0.9, 0.8, 0.85, 1.0, 1.1])})
    table = replay(returns, [_window(DAYS[0], DAYS[3])])
    row = table.loc[("test", "patch")]
    assert row["return"] == pytest.approx(-0.15)
    assert row["max_drawdown"] == pytest.approx(-0.20)
    assert row["trough_date"] == DAYS[2]
    assert row["days_to_recover"] == 2  # from the 0.8 on day 2 to the 1.0 on day 4
    assert row["recovered"]
    assert list(table.columns) == [
        "return",
        "max_drawdown",
        "trough_date",
        "days_to_recover",
        "recovered",
    ]
    assert table.index.names == ["window", "strategy"]


def test_a_drawdown_above_the_start_needs_no_recovery() -> None:
    # up to 1.2, down to 1.05: a drawdown of -12.5% but never below the start
    returns = pd.DataFrame({"patch": _from_wealth([1.0, 1.2, 1.05, 1.1])})
    row = replay(returns, [_window(DAYS[0], DAYS[3])]).loc[("test", "patch")]
    assert row["return"] == pytest.approx(0.10)
    assert row["max_drawdown"] == pytest.approx(1.05 / 1.2 - 1.0)
    assert row["days_to_recover"] == 0
    assert row["recovered"]
    assert row["trough_date"] == DAYS[0]  # the lowest wealth is the start's


def test_never_recovering() -> None:
    returns = pd.DataFrame({"patch": _from_wealth([1.0, 0.7, 0.75, 0.8, 0.9, 0.95])})
    row = replay(returns, [_window(DAYS[0], DAYS[2])]).loc[("test", "patch")]
    assert row["return"] == pytest.approx(-0.25)
    assert row["trough_date"] == DAYS[1]
    assert not row["recovered"]
    assert pd.isna(row["days_to_recover"])


def test_the_start_days_own_return_is_excluded() -> None:
    returns = pd.DataFrame({"patch": [-0.5, 0.1, -0.1]}, index=DAYS[:3])
    row = replay(returns, [_window(DAYS[0], DAYS[2])]).loc[("test", "patch")]
    assert row["return"] == pytest.approx(1.1 * 0.9 - 1.0)
    assert row["max_drawdown"] == pytest.approx(-0.1)


def test_columns_are_independent() -> None:
    returns = pd.DataFrame(
        {
            "falls": _from_wealth([1.0, 0.9, 0.8, 0.85, 1.0, 1.1]),
            "rises": _from_wealth([1.0, 1.01, 1.02, 1.03, 1.04, 1.05]),
            "late": _from_wealth([1.0, 0.5, 1.0, 1.0, 0.9, 1.0]),
        }
    )
    windows = [_window(DAYS[0], DAYS[3], "first"), _window(DAYS[1], DAYS[5], "second")]
    table = replay(returns, windows)
    assert list(table.index) == [
        ("first", "falls"),
        ("first", "rises"),
        ("first", "late"),
        ("second", "falls"),
        ("second", "rises"),
        ("second", "late"),
    ]
    alone = replay(returns[["rises"]], windows)
    pd.testing.assert_frame_equal(table.xs("rises", level="strategy", drop_level=False), alone)
    assert table.loc[("first", "late"), "max_drawdown"] == pytest.approx(-0.5)
    assert table.loc[("first", "late"), "days_to_recover"] == 1
    # the second window starts on day 1 (wealth 0.5 for "late"): its wealth doubles at once
    assert table.loc[("second", "late"), "return"] == pytest.approx(1.0)
    assert table.loc[("second", "falls"), "return"] == pytest.approx(1.1 / 0.9 - 1.0)
    assert table.loc[("second", "falls"), "trough_date"] == DAYS[2]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-0.2, 0.2), min_size=4, max_size=40))
def test_matches_a_day_by_day_walk(daily: list[float]) -> None:
    index = pd.bdate_range("2021-03-01", periods=len(daily))
    returns = pd.DataFrame({"patch": daily}, index=index)
    end = len(daily) // 2 + 1
    row = replay(returns, [_window(index[0], index[end])]).loc[("test", "patch")]
    wealth, peak, deepest, lowest, lowest_day = 1.0, 1.0, 0.0, 1.0, 0
    for day in range(1, end + 1):
        wealth *= 1.0 + daily[day]
        peak = max(peak, wealth)
        deepest = min(deepest, wealth / peak - 1.0)
        if wealth < lowest:
            lowest, lowest_day = wealth, day
    assert row["return"] == pytest.approx(wealth - 1.0, abs=1e-12)
    assert row["max_drawdown"] == pytest.approx(deepest, abs=1e-12)
    if lowest >= 1.0 - 1e-12:  # never below the start, up to rounding
        assert (row["trough_date"], row["days_to_recover"]) == (index[0], 0)
        return
    assert row["trough_date"] == index[lowest_day]
    level = np.prod(1.0 + np.array(daily[1 : lowest_day + 1]))
    for day in range(lowest_day + 1, len(daily)):
        level *= 1.0 + daily[day]
        if level >= 1.0 - 1e-12:
            assert row["days_to_recover"] == day - lowest_day
            return
    assert not row["recovered"]


def test_missing_values_are_dropped_per_column() -> None:
    returns = pd.DataFrame(
        {"old": [0.0, -0.1, 0.1, 0.0, 0.0], "young": [np.nan, 0.0, -0.2, 0.1, 0.0]},
        index=DAYS[:5],
    )
    table = replay(returns, [_window(DAYS[1], DAYS[4])])
    assert table.loc[("test", "young"), "return"] == pytest.approx(0.8 * 1.1 - 1.0)
    with pytest.raises(UserError, match=r"returns of 'young', which run 2020-01-07 to 2020-01-10"):
        replay(returns, [_window(DAYS[0], DAYS[4])])


def test_uncovered_windows_are_user_errors() -> None:
    returns = pd.DataFrame({"patch": np.zeros(10)}, index=DAYS)
    before = Window(name="early", start=date(2020, 1, 3), end=date(2020, 1, 10))
    with pytest.raises(
        UserError, match=r"window 'early' .* not fully covered .* run 2020-01-06 to 2020-01-17"
    ):
        replay(returns, [before])
    after = Window(name="late", start=date(2020, 1, 10), end=date(2020, 1, 20))
    with pytest.raises(UserError, match="window 'late'.*partly covered windows are not replayed"):
        replay(returns, [after])
    outside = Window(name="2008", start=date(2008, 9, 1), end=date(2008, 12, 1))
    with pytest.raises(UserError, match="window '2008'"):
        replay(returns, [outside])
    short = Window(name="short", start=date(2020, 1, 6), end=date(2020, 1, 7))
    with pytest.raises(UserError, match="'short' .* holds 1 days .* at least 2"):
        replay(returns, [short])
    weekend = Window(name="weekend", start=date(2020, 1, 10), end=date(2020, 1, 12))
    with pytest.raises(UserError, match="holds 0 days"):
        replay(returns, [weekend])


def test_window_validation_and_defaults() -> None:
    with pytest.raises(ValueError, match="must start before it ends"):
        Window(name="backwards", start=date(2020, 3, 1), end=date(2020, 2, 1))
    with pytest.raises(ValueError, match="distinct"):
        replay(pd.DataFrame({"patch": np.zeros(10)}, index=DAYS), [_window(DAYS[0], DAYS[3])] * 2)
    assert len(DEFAULT_REPLAY_WINDOWS) == 7
    assert len({window.name for window in DEFAULT_REPLAY_WINDOWS}) == 7
    starts = [window.start for window in DEFAULT_REPLAY_WINDOWS]
    assert starts == sorted(starts)
    oil = next(window for window in DEFAULT_REPLAY_WINDOWS if "oil" in window.name)
    assert (oil.start, oil.end) == (date(2015, 5, 21), date(2016, 2, 11))


@pytest.mark.pack
def test_default_windows_are_sp500_peaks_and_troughs(pack_path: Path) -> None:
    close = pd.read_csv(
        pack_path / "prices" / "sp500_index_daily.csv", index_col="date", parse_dates=True
    )["sp500_close"]
    table = replay(close.pct_change().to_frame("sp500").iloc[1:], DEFAULT_REPLAY_WINDOWS)
    for window in DEFAULT_REPLAY_WINDOWS:
        row = table.loc[(window.name, "sp500")]
        inside = close[pd.Timestamp(window.start) : pd.Timestamp(window.end)]
        # the trough is the window's last day and its lowest close; the start its highest
        assert row["trough_date"] == pd.Timestamp(window.end)
        assert inside.idxmin() == pd.Timestamp(window.end)
        assert inside.idxmax() == pd.Timestamp(window.start)
        assert row["return"] == pytest.approx(row["max_drawdown"])
    oil = table.loc[("2015-16 oil and China", "sp500")]
    assert close[pd.Timestamp("2015-05-21")] == pytest.approx(2130.82, abs=0.01)
    assert close[pd.Timestamp("2016-02-11")] == pytest.approx(1829.08, abs=0.01)
    assert oil["return"] == pytest.approx(1829.08 / 2130.82 - 1.0, abs=1e-5)

"""Schedules on hand-sized calendars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.engine.schedule import (
    Rebalance,
    apply_schedule,
    decision_dates,
    schedule_rows,
)

NAN = np.nan


def _days(*dates: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(dates)))


# Mid-January to mid-April 2024, business days (29 Feb is a Thursday, 29 Mar a Friday).
CALENDAR = pd.bdate_range("2024-01-25", "2024-04-10")


def test_values_are_the_experiment_file_names() -> None:
    assert [member.value for member in Rebalance] == [
        "once",
        "weekly",
        "monthly",
        "quarterly",
        "on_change",
    ]
    assert Rebalance("on_change") is Rebalance.ON_CHANGE


def test_once_is_the_first_day() -> None:
    assert list(decision_dates(CALENDAR, Rebalance.ONCE)) == list(_days("2024-01-25"))


def test_monthly_is_the_first_day_and_each_last_trading_day_of_a_month() -> None:
    assert list(decision_dates(CALENDAR, Rebalance.MONTHLY)) == list(
        _days("2024-01-25", "2024-01-31", "2024-02-29", "2024-03-29", "2024-04-10")
    )


def test_quarterly_is_the_first_day_and_each_last_trading_day_of_a_quarter() -> None:
    assert list(decision_dates(CALENDAR, Rebalance.QUARTERLY)) == list(
        _days("2024-01-25", "2024-03-29", "2024-04-10")
    )


def test_weekly_is_the_first_day_and_each_last_trading_day_of_a_week() -> None:
    # Good Friday 2024-03-29 missing from the calendar: Thursday ends that week.
    calendar = CALENDAR.drop(pd.Timestamp("2024-03-29"))
    assert list(decision_dates(calendar, Rebalance.WEEKLY)) == list(
        _days(
            "2024-01-25",  # first day (a Thursday)
            "2024-01-26",
            "2024-02-02",
            "2024-02-09",
            "2024-02-16",
            "2024-02-23",
            "2024-03-01",
            "2024-03-08",
            "2024-03-15",
            "2024-03-22",
            "2024-03-28",  # Thursday before the holiday
            "2024-04-05",
            "2024-04-10",  # last day of the calendar
        )
    )


def test_month_end_on_a_weekend_falls_back_to_the_last_trading_day() -> None:
    calendar = _days("2023-09-27", "2023-09-28", "2023-09-29", "2023-10-02", "2023-10-03")
    assert list(decision_dates(calendar, Rebalance.MONTHLY)) == list(
        _days("2023-09-27", "2023-09-29", "2023-10-03")
    )


def test_calendar_schedules_reject_on_change_and_bad_calendars() -> None:
    with pytest.raises(ValueError, match="ON_CHANGE"):
        decision_dates(CALENDAR, Rebalance.ON_CHANGE)
    with pytest.raises(ValueError, match="sorted"):
        decision_dates(CALENDAR[::-1], Rebalance.MONTHLY)
    with pytest.raises(ValueError, match="DatetimeIndex"):
        decision_dates(pd.RangeIndex(3), Rebalance.MONTHLY)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Rebalance"):
        decision_dates(CALENDAR, "monthly")  # type: ignore[arg-type]


def _targets(rows: list[list[float]], start: str = "2024-01-29") -> pd.DataFrame:
    index = pd.bdate_range(start, periods=len(rows))
    return pd.DataFrame(rows, index=index, columns=["spy", "cash"])


def test_apply_schedule_blanks_rows_that_are_not_decision_dates() -> None:
    # 2024-01-29 (Mon) .. 2024-02-02 (Fri): month end is Wednesday 31 January.
    targets = _targets([[0.6, 0.4], [0.5, 0.5], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
    scheduled = apply_schedule(targets, Rebalance.MONTHLY)
    expected = _targets([[0.6, 0.4], [NAN, NAN], [0.4, 0.6], [NAN, NAN], [0.2, 0.8]])
    pd.testing.assert_frame_equal(scheduled, expected)
    # The input is left alone.
    assert targets.iloc[1, 0] == 0.5


def test_apply_schedule_starts_on_the_first_row_with_weights() -> None:
    # Warm-up on Monday and Tuesday: the portfolio is invested from Wednesday.
    targets = _targets([[NAN, NAN], [NAN, NAN], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
    expected_monthly = _targets([[NAN, NAN], [NAN, NAN], [0.4, 0.6], [NAN, NAN], [0.2, 0.8]])
    pd.testing.assert_frame_equal(apply_schedule(targets, Rebalance.MONTHLY), expected_monthly)
    expected_once = _targets([[NAN, NAN], [NAN, NAN], [0.4, 0.6], [NAN, NAN], [NAN, NAN]])
    pd.testing.assert_frame_equal(apply_schedule(targets, Rebalance.ONCE), expected_once)


def test_on_change_keeps_the_first_row_and_every_change() -> None:
    targets = _targets(
        [
            [0.6, 0.4],
            [0.6, 0.4],
            [0.6 + 1e-13, 0.4 - 1e-13],  # within the tolerance: no change
            [0.5, 0.5],
            [0.5, 0.5],
            [NAN, NAN],  # no targets: a change, but nothing to trade
            [NAN, NAN],  # NaN equals NaN: no change
            [0.5, 0.5],  # back from NaN: a change
            [0.5, 0.5],
        ]
    )
    expected = _targets(
        [
            [0.6, 0.4],
            [NAN, NAN],
            [NAN, NAN],
            [0.5, 0.5],
            [NAN, NAN],
            [NAN, NAN],
            [NAN, NAN],
            [0.5, 0.5],
            [NAN, NAN],
        ]
    )
    pd.testing.assert_frame_equal(apply_schedule(targets, Rebalance.ON_CHANGE), expected)


def test_on_change_sees_a_change_in_any_column() -> None:
    targets = _targets([[0.6, 0.4], [0.6, 0.4 + 1e-9]])
    scheduled = apply_schedule(targets, Rebalance.ON_CHANGE)
    assert not scheduled.iloc[1].isna().any()


def test_all_nan_targets_stay_all_nan() -> None:
    targets = _targets([[NAN, NAN], [NAN, NAN]])
    for rebalance in Rebalance:
        assert apply_schedule(targets, rebalance).isna().all().all()


def test_quarterly_on_daily_targets() -> None:
    index = pd.bdate_range("2023-12-27", "2024-07-03")
    targets = pd.DataFrame({"spy": 0.6, "cash": 0.4}, index=index)
    scheduled = apply_schedule(targets, Rebalance.QUARTERLY)
    kept = scheduled.dropna().index
    assert list(kept) == list(
        _days("2023-12-27", "2023-12-29", "2024-03-29", "2024-06-28", "2024-07-03")
    )


@st.composite
def _tables_and_rows(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A small table (some rows NaN, some equal within the tolerance) and rows into it."""
    size = draw(st.integers(1, 6))
    assets = draw(st.integers(1, 3))
    table = np.array(
        draw(
            st.lists(
                st.lists(
                    st.sampled_from([0.0, 0.25, 0.5, 0.5 + 1e-13, 1.0]),
                    min_size=assets,
                    max_size=assets,
                ),
                min_size=size,
                max_size=size,
            )
        )
    )
    blank = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    table[np.array(blank)] = np.nan
    days = draw(st.integers(1, 60))
    rows = np.array(
        draw(
            st.lists(
                st.lists(st.integers(0, size - 1), min_size=days, max_size=days),
                min_size=1,
                max_size=4,
            )
        )
    )
    return table, rows


@given(_tables_and_rows(), st.sampled_from(list(Rebalance)))
@settings(max_examples=200, deadline=None)
def test_schedule_rows_keeps_the_rows_apply_schedule_keeps(
    case: tuple[np.ndarray, np.ndarray], rebalance: Rebalance
) -> None:
    table, rows = case
    index = pd.bdate_range("2024-01-25", periods=rows.shape[1])
    scheduled = schedule_rows(rows, table, index, rebalance)
    assert scheduled.dtype == np.int32
    for variant, chosen in enumerate(rows):
        expected = apply_schedule(pd.DataFrame(table[chosen], index=index), rebalance).to_numpy()
        got = np.where(scheduled[variant, :, None] >= 0, table[scheduled[variant]], np.nan)
        np.testing.assert_array_equal(got, expected)
        kept = scheduled[variant] >= 0
        assert (scheduled[variant][kept] == chosen[kept]).all()


def test_schedule_rows_refuses_rows_outside_the_table() -> None:
    index = pd.bdate_range("2024-01-01", periods=3)
    with pytest.raises(ValueError, match="rows of the table"):
        schedule_rows(np.array([[0, 1, 2]]), np.zeros((2, 1)), index, Rebalance.MONTHLY)
    with pytest.raises(ValueError, match="variants by 3 days"):
        schedule_rows(np.array([0, 1, 1]), np.zeros((2, 1)), index, Rebalance.MONTHLY)

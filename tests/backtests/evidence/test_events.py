"""Event studies: episodes from knowable flags only, windows inside the data, a planted
warning found and noise not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.evidence.events import (
    EventSettings,
    Finding,
    Measure,
    PanelSeries,
    binomial_tail,
    drawdown_onsets,
    episode_starts,
    event_study,
    forward_values,
)
from tests.strategies.views import signal_result

flag_lists = st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=80)


@settings(max_examples=200, deadline=None)
@given(flag_lists, st.integers(1, 6), st.data())
def test_episodes_use_only_flags_knowable_by_their_day(
    flags: list[bool | None], quiet: int, data: st.DataObject
) -> None:
    days = pd.bdate_range("2001-01-01", periods=len(flags))
    full = pd.Series(pd.array(flags, dtype="boolean"), index=days)
    cut = data.draw(st.integers(1, len(flags)))
    truncated = episode_starts(full.iloc[:cut], quiet)
    every = episode_starts(full, quiet)
    assert truncated.equals(every[every <= days[cut - 1]])


def test_an_episode_needs_known_quiet_days_before_it() -> None:
    days = pd.bdate_range("2001-01-01", periods=9)
    flags = pd.Series(
        pd.array([False, False, True, True, None, None, True, False, True], dtype="boolean"),
        index=days,
    )
    assert list(episode_starts(flags, 2)) == [days[2]]  # day 6 follows unknowns, day 8 one quiet
    assert list(episode_starts(flags, 1)) == [days[2], days[8]]


@given(st.lists(st.floats(1, 100), min_size=2, max_size=40), st.integers(1, 10))
def test_forward_windows_never_read_past_the_data(levels: list[float], horizon: int) -> None:
    moves = forward_values(np.array(levels), horizon, Measure.RETURN)
    assert np.isnan(moves[max(0, len(levels) - horizon) :]).all()
    inside = moves[: max(0, len(levels) - horizon)]
    expected = np.array(levels[horizon:]) / np.array(levels[: len(inside)]) - 1
    assert np.allclose(inside, expected[: len(inside)])


def test_drawdown_onsets_rearm_only_after_a_new_peak() -> None:
    level = pd.Series([100, 95, 89, 85, 92, 89, 101, 90, 80, 79])
    assert drawdown_onsets(level, 0.10).tolist() == [2, 7]
    assert drawdown_onsets(level, 0.20).tolist() == [8]


def _onsets_one_close_at_a_time(level: pd.Series, depth: float) -> list[int]:
    """The definition, close by close: the reference for the vectorised version."""
    onsets, peak, armed = [], -np.inf, True
    for position, price in enumerate(level.to_numpy(dtype=float)):
        if not np.isfinite(price):
            continue
        if price > peak:
            peak, armed = price, True
        elif armed and price <= peak * (1.0 - depth):
            onsets.append(position)
            armed = False
    return onsets


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.floats(1.0, 200.0), st.just(float("nan"))), min_size=0, max_size=60),
    st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.5]),
)
def test_drawdown_onsets_follow_the_definition_close_by_close(
    closes: list[float], depth: float
) -> None:
    level = pd.Series(closes, dtype=float)
    assert drawdown_onsets(level, depth).tolist() == _onsets_one_close_at_a_time(level, depth)


def _market(days: pd.DatetimeIndex, crashes: list[int], rng: np.random.Generator) -> pd.Series:
    """A market drifting up with noise, falling 25% over 20 days at each crash position and
    making it back to a new peak over the next 150 days."""
    daily = rng.normal(0.0003, 0.005, len(days))
    for position in crashes:
        daily[position : position + 20] -= 0.25 / 20
        daily[position + 20 : position + 170] += 0.6 / 150
    return pd.Series(100 * np.cumprod(1 + daily), index=days)


def _study(flags: np.ndarray, market: pd.Series, name: str = "vix_stress") -> object:
    result = signal_result(name, list(flags), pd.DatetimeIndex(market.index))
    panel = [PanelSeries(label="market", series="m", measure=Measure.RETURN, values=market)]
    return event_study(result, panel=panel, market=market, settings=EventSettings(draws=1000))


def test_a_signal_that_fires_before_each_crash_is_found() -> None:
    rng = np.random.default_rng(1)
    days = pd.bdate_range("1990-01-01", periods=8_000)
    crashes = list(range(600, 7_600, 700))
    market = _market(days, crashes, rng)
    flags = np.zeros(len(days), dtype=bool)
    for position in crashes:
        flags[position - 40 : position - 10] = True  # fires 40 days ahead, for 30 days
    study = _study(flags, market)
    assert len(study.starts) == len(crashes)
    assert study.finding is Finding.WARNS
    first = study.drawdowns[0]
    assert first.hits == len(crashes) and first.false_alarms == 0
    assert 40 <= first.median_lead_days <= 60
    assert first.hit_rate > first.base_rate


def test_noise_is_not_found() -> None:
    rng = np.random.default_rng(2)
    days = pd.bdate_range("1990-01-01", periods=8_000)
    market = _market(days, list(range(600, 7_600, 700)), rng)
    flags = np.zeros(len(days), dtype=bool)
    for position in np.sort(rng.choice(np.arange(100, 7_900), size=14, replace=False)):
        flags[position : position + 15] = True
    study = _study(flags, market)
    assert study.finding is Finding.NOISE
    assert "indistinguishable from noise" in study.line("market")


def test_few_episodes_are_flagged_and_unknown_days_are_left_out() -> None:
    rng = np.random.default_rng(4)
    days = pd.bdate_range("1990-01-01", periods=3_000)
    market = _market(days, [1_000], rng)
    flags: list[bool | None] = [None] * 500 + [False] * 2_500
    flags[960] = True
    result = signal_result("vix_stress", flags, days)
    panel = [PanelSeries(label="market", series="m", measure=Measure.RETURN, values=market)]
    study = event_study(result, panel=panel, market=market)
    assert study.finding is Finding.TOO_FEW and study.independent == 1
    assert study.first_known == days[500]
    outcome = study.outcome("market", 252)
    assert outcome is not None and outcome.episodes == 1
    assert math.isnan(outcome.low)  # one cluster: no interval


def test_binomial_tail_matches_the_formula() -> None:
    assert math.isclose(binomial_tail(0, 5, 0.3), 1.0)
    assert math.isclose(binomial_tail(5, 5, 0.3), 0.3**5)
    assert math.isclose(binomial_tail(2, 3, 0.5), 0.5)

"""The protective-put index: CBOE's roll calendar, its arithmetic, no look-ahead, and the
replica against the pack's CBOE PPUT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.metrics.performance import measure
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.protective_put import (
    Expiries,
    ProtectivePutIndex,
    Sizing,
    expiry_days,
    month_end_rolls,
    third_friday_rolls,
)
from macropatch.marketdata.sources import DataSources

DAYS = pd.bdate_range("2024-01-01", "2024-12-31", name="date")


def test_rolls_fall_on_third_fridays_or_the_day_before_a_closed_one() -> None:
    rolls = DAYS[third_friday_rolls(DAYS)]
    assert list(rolls[:3].strftime("%Y-%m-%d")) == ["2024-01-19", "2024-02-16", "2024-03-15"]
    assert len(rolls) == 12 and all(day.weekday() == 4 for day in rolls)
    closed = DAYS.drop(pd.Timestamp("2024-03-15"))  # an exchange holiday on the Friday
    assert pd.Timestamp("2024-03-14") in closed[third_friday_rolls(closed)]


def _inputs(spot: np.ndarray) -> dict[str, pd.Series]:
    return {
        "price": pd.Series(spot, index=DAYS),
        "total_return": pd.Series(spot * 1.5, index=DAYS),
        "vix": pd.Series(20.0, index=DAYS),
        "discount_rate": pd.Series(0.04, index=DAYS),
    }


def test_flat_market_pays_the_premium_every_month_and_nothing_else() -> None:
    index = ProtectivePutIndex(spread=0.0).compute(**_inputs(np.full(len(DAYS), 100.0)))
    rolls = np.flatnonzero(third_friday_rolls(DAYS))
    at_rolls = index.iloc[rolls].to_numpy()
    assert index.iloc[0] == 100.0 and index.notna().all()
    losses = 1.0 - at_rolls[1:] / at_rolls[:-1]  # the month's premium, lost out of the money
    assert (losses > 0.001).all() and (losses < 0.01).all()


def test_a_crash_is_hedged_below_the_strike_on_all_the_notional() -> None:
    spot = np.full(len(DAYS), 100.0)
    rolls = np.flatnonzero(third_friday_rolls(DAYS))
    spot[rolls[1] - 3 :] = 60.0  # a 40% fall before the second roll
    hedged = ProtectivePutIndex(spread=0.0).compute(**_inputs(spot))
    loss = 1.0 - hedged.iloc[rolls[1]] / hedged.iloc[rolls[0]]
    assert 0.05 < loss < 0.065  # the 5% to the strike, plus the premium
    half = ProtectivePutIndex(spread=0.0, hedge_ratio=0.5).compute(**_inputs(spot))
    assert 1.0 - half.iloc[rolls[1]] / half.iloc[rolls[0]] == pytest.approx(0.225, abs=0.01)


def test_expiries_continue_past_the_calendar_on_the_same_rule() -> None:
    fridays = expiry_days(DAYS, Expiries.THIRD_FRIDAY, months_after=2)
    assert [day.strftime("%Y-%m-%d") for day in fridays[-3:]] == [
        "2024-12-20",
        "2025-01-17",
        "2025-02-21",
    ]
    ends = expiry_days(DAYS, Expiries.MONTH_END, months_after=2)
    assert list(DAYS[month_end_rolls(DAYS)]) == ends[:12]
    assert [day.strftime("%Y-%m-%d") for day in ends[-2:]] == ["2025-01-31", "2025-02-28"]


def _positions(model: ProtectivePutIndex, spot: np.ndarray) -> pd.Series:
    return model.compute(**_inputs(spot))


def test_rolling_before_expiry_sells_at_the_bid_and_rolls_on_the_stated_day() -> None:
    spot = np.full(len(DAYS), 100.0)
    early = ProtectivePutIndex(tenor_months=2, roll_days_before=5, spread=0.0)
    book = _positions(early, spot)
    # a roll sells a put with time value left: no jump on roll days in a flat market
    assert (book.pct_change().dropna().abs() < 0.01).all()
    # with a spread, each early roll costs the half-spread twice
    dear = _positions(ProtectivePutIndex(tenor_months=2, roll_days_before=5, spread=0.2), spot)
    cheap = _positions(ProtectivePutIndex(tenor_months=2, roll_days_before=5, spread=0.1), spot)
    assert dear.iloc[-1] < cheap.iloc[-1] < book.iloc[-1]


def test_a_budget_buys_more_notional_when_volatility_is_cheap_and_caps_at_the_ratio() -> None:
    spot = np.full(len(DAYS), 100.0)
    spot[150:] = 70.0  # a 30% fall in August
    inputs = _inputs(spot)
    calm = {**inputs, "vix": pd.Series(12.0, index=DAYS)}
    model = ProtectivePutIndex(sizing=Sizing.BUDGET, budget=0.02, hedge_ratio=1.0, spread=0.0)
    full = ProtectivePutIndex(spread=0.0)
    # at a VIX of 20, 2% a year buys less than full cover: the fall costs more than hedged
    assert model.compute(**inputs).iloc[160] < full.compute(**inputs).iloc[160]
    tiny = ProtectivePutIndex(sizing=Sizing.BUDGET, budget=0.001, spread=0.0)
    assert tiny.compute(**calm).iloc[160] < model.compute(**calm).iloc[160]
    # a budget far above the premium is capped at the hedge ratio: the same as full cover
    rich = ProtectivePutIndex(sizing=Sizing.BUDGET, budget=0.2, hedge_ratio=1.0, spread=0.0)
    pd.testing.assert_series_equal(rich.compute(**calm), full.compute(**calm))


def test_monetising_after_a_spike_locks_in_the_gain() -> None:
    spot = np.full(len(DAYS), 100.0)
    spot[100:] = 75.0  # a fall, then a full recovery within the put's life
    spot[104:] = 100.0
    inputs = _inputs(spot)
    vix = pd.Series(15.0, index=DAYS)
    vix.iloc[100:104] = 45.0
    inputs["vix"] = vix
    kept = ProtectivePutIndex(tenor_months=3, spread=0.0).compute(**inputs)
    sold = ProtectivePutIndex(tenor_months=3, spread=0.0, monetise_multiple=3.0).compute(**inputs)
    by_vix = ProtectivePutIndex(tenor_months=3, spread=0.0, monetise_vix=40.0).compute(**inputs)
    assert sold.iloc[110] > kept.iloc[110] and by_vix.iloc[110] > kept.iloc[110]
    with pytest.raises(ValueError, match="monetise_multiple"):
        ProtectivePutIndex(monetise_multiple=0.5)


@settings(max_examples=20, deadline=None)
@given(cut=st.integers(30, len(DAYS) - 2), seed=st.integers(0, 2**16))
def test_the_index_never_reads_a_vix_or_price_after_its_day(cut: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    spot = 100 * np.cumprod(1 + rng.normal(0, 0.01, len(DAYS)))
    inputs = _inputs(spot)
    changed = {name: series.copy() for name, series in inputs.items()}
    for name in changed:
        changed[name].iloc[cut + 1 :] *= rng.uniform(0.5, 1.5)
    models = (
        ProtectivePutIndex(),
        ProtectivePutIndex(
            tenor_months=3,
            roll_days_before=10,
            sizing=Sizing.BUDGET,
            monetise_multiple=2.0,
            monetise_vix=22.0,
            expiries=Expiries.MONTH_END,
        ),
    )
    for model in models:
        before, after = model.compute(**inputs), model.compute(**changed)
        pd.testing.assert_series_equal(before.iloc[: cut + 1], after.iloc[: cut + 1])


@pytest.fixture(scope="module")
def calibration(pack_path: Path) -> object:
    from macropatch.calibration import calibrate_protective_puts

    catalog = load_catalog()
    return calibrate_protective_puts(DataSources(catalog=catalog, pack=Pack(pack_path)))


def test_the_replica_tracks_cboe_pput(calibration: object) -> None:
    tracked = calibration.tracking  # type: ignore[attr-defined]
    assert tracked.start <= pd.Timestamp("1990-02-01") and tracked.end >= pd.Timestamp("2026-07-31")
    assert tracked.monthly_correlation >= 0.95
    assert abs(tracked.cagr_gap) <= 0.01
    assert abs(tracked.volatility_gap) <= 0.015


@pytest.mark.parametrize(
    ("start", "end"), [("2007-10-09", "2009-03-09"), ("2020-02-19", "2020-03-23")]
)
def test_full_notional_puts_cut_the_drawdowns_of_2008_and_2020(
    calibration: object, start: str, end: str
) -> None:
    replica = calibration.replica.loc[start:end]  # type: ignore[attr-defined]
    index = calibration.total_return.loc[start:end]  # type: ignore[attr-defined]
    hedged = measure(replica.pct_change().dropna()).max_drawdown
    bare = measure(index.pct_change().dropna()).max_drawdown
    assert hedged > bare + 0.05  # at least 5 points shallower


def test_the_term_structure_replica_tracks_cboe_pput_too(pack_path: Path) -> None:
    from macropatch.calibration import calibrate_protective_puts

    found = calibrate_protective_puts(
        DataSources(catalog=load_catalog(), pack=Pack(pack_path)), term_structure=True
    )
    tracked = found.tracking
    assert tracked.monthly_correlation >= 0.95
    assert abs(tracked.cagr_gap) <= 0.01 and abs(tracked.volatility_gap) <= 0.015


@pytest.mark.parametrize(
    ("start", "end", "points"),
    [("2007-10-09", "2009-03-09", 0.08), ("2020-02-19", "2020-03-23", 0.10)],
)
def test_the_default_hedge_of_long_volatility_protects_in_2008_and_2020(
    pack_path: Path, start: str, end: str, points: float
) -> None:
    from macropatch.marketdata.panel import build_price_panel
    from macropatch.strategies.long_volatility import LongVolatility

    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    spy = build_price_panel(sources, ["spy"], start=pd.Timestamp("2007-01-03")).prices["spy"]
    protected = LongVolatility().protected.build(sources, pd.DatetimeIndex(spy.index))
    hedged = measure(protected.loc[start:end].pct_change().dropna()).max_drawdown
    bare = measure(spy.loc[start:end].pct_change().dropna()).max_drawdown
    assert hedged > bare + points

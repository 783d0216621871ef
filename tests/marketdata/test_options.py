import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.options import (
    PutOverlay,
    black_scholes_call,
    black_scholes_put,
    continuously_compounded_rate,
    implied_volatility_for_strike,
)
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources
from tests.signals.memory import MemorySources

# ---------------------------------------------------------------- Black-Scholes


@pytest.mark.parametrize(
    ("arguments", "call", "put"),
    [
        ((100.0, 100.0, 1.0, 0.05, 0.0, 0.2), 10.4506, 5.5735),  # Hull
        ((42.0, 40.0, 0.5, 0.10, 0.0, 0.2), 4.7594, 0.8086),  # Hull, example 15.6
        ((100.0, 95.0, 0.5, 0.10, 0.05, 0.2), None, 2.4648),  # Haug, generalised BS
    ],
)
def test_black_scholes_known_values(
    arguments: tuple[float, ...], call: float | None, put: float
) -> None:
    assert black_scholes_put(*arguments) == pytest.approx(put, abs=5e-5)
    if call is not None:
        assert black_scholes_call(*arguments) == pytest.approx(call, abs=5e-5)


def _reference_put(s: float, k: float, t: float, r: float, q: float, v: float) -> float:
    """Textbook formula with math.erfc (independent of scipy's ndtr)."""
    d1 = (math.log(s / k) + (r - q + v * v / 2) * t) / (v * math.sqrt(t))
    d2 = d1 - v * math.sqrt(t)
    cdf = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    return k * math.exp(-r * t) * cdf(-d2) - s * math.exp(-q * t) * cdf(-d1)


_spot = st.floats(10.0, 1000.0)
_years = st.floats(0.01, 3.0)
_rate = st.floats(-0.01, 0.15)
_dividend = st.floats(0.0, 0.06)
_volatility = st.floats(0.05, 1.5)


@settings(max_examples=200, deadline=None)
@given(_spot, st.floats(0.3, 2.0), _years, _rate, _dividend, _volatility)
def test_put_call_parity_and_reference(
    spot: float, strike_ratio: float, years: float, rate: float, dividend: float, vol: float
) -> None:
    strike = spot * strike_ratio
    call = black_scholes_call(spot, strike, years, rate, dividend, vol)
    put = black_scholes_put(spot, strike, years, rate, dividend, vol)
    parity = spot * math.exp(-dividend * years) - strike * math.exp(-rate * years)
    assert call - put == pytest.approx(parity, abs=1e-9 * spot)
    assert put == pytest.approx(
        _reference_put(spot, strike, years, rate, dividend, vol), abs=1e-9 * spot
    )


@settings(max_examples=100, deadline=None)
@given(_spot, _years, _rate, _dividend, _volatility)
def test_put_decreases_in_spot_and_increases_in_volatility(
    strike: float, years: float, rate: float, dividend: float, vol: float
) -> None:
    spots = strike * np.linspace(0.5, 1.5, 41)
    by_spot = black_scholes_put(spots, strike, years, rate, dividend, vol)
    assert np.all(np.diff(by_spot) <= 1e-12)
    vols = np.linspace(0.05, 1.5, 41)
    by_vol = black_scholes_put(strike, strike, years, rate, dividend, vols)
    assert np.all(np.diff(by_vol) > 0)


def test_intrinsic_value_at_expiry_and_vectorised() -> None:
    spots = np.array([80.0, 100.0, 120.0])
    assert black_scholes_put(spots, 100.0, 0.0, 0.05, 0.01, 0.3).tolist() == [20.0, 0.0, 0.0]
    assert black_scholes_call(spots, 100.0, -1.0, 0.05, 0.01, 0.3).tolist() == [0.0, 0.0, 20.0]
    assert isinstance(black_scholes_put(100.0, 100.0, 1.0, 0.0, 0.0, 0.2), float)


def test_skew_and_rate_conversion() -> None:
    assert implied_volatility_for_strike(20.0, 0.0, 1.0) == pytest.approx(0.20)
    assert implied_volatility_for_strike(20.0, 0.10, 1.0) == pytest.approx(0.22)
    assert implied_volatility_for_strike(20.0, 0.10, 0.0) == pytest.approx(0.20)
    assert implied_volatility_for_strike(20.0, -5.0, 1.0) == pytest.approx(0.01)  # floor
    # 4% discount: bill price 1 - 0.04 * 91 / 360, held 91 days.
    price = 1 - 0.04 * 91 / 360
    assert continuously_compounded_rate(0.04) == pytest.approx(-math.log(price) * 365 / 91)
    assert continuously_compounded_rate(0.0) == 0.0


# ---------------------------------------------------------------- the overlay

VIX = 20.0
DISCOUNT = 0.02


def _sources(spot: pd.Series) -> MemorySources:
    days = pd.date_range(spot.index[0] - pd.Timedelta(days=10), spot.index[-1], freq="D")
    return MemorySources(
        {
            "sp500": spot,
            "vix": pd.Series(VIX, index=spot.index),
            "tbill_3m": pd.Series(DISCOUNT, index=days),
        }
    )


def _spot_path(crash_on: str | None = None) -> pd.Series:
    days = pd.bdate_range("2021-01-04", "2021-07-30", name="date")
    rng = np.random.default_rng(7)
    path = 100.0 * np.exp(np.cumsum(rng.normal(0.0004, 0.008, len(days))))
    spot = pd.Series(path, index=days)
    if crash_on is not None:
        spot.loc[crash_on:] *= 0.75
    return spot


def test_overlay_marks_are_black_scholes_between_rolls() -> None:
    spot = _spot_path()
    overlay = PutOverlay(put_share=1.0)
    table = overlay.positions(_sources(spot), spot.index)
    index = overlay.build(_sources(spot), spot.index)
    assert index.iloc[0] == pytest.approx(1.0)
    assert (index > 0).all()
    rate = continuously_compounded_rate(DISCOUNT)
    years = (table["expiry"] - table.index).dt.days / 365.0
    sigma = implied_volatility_for_strike(VIX, 1 - table["strike"] / spot, overlay.skew)
    expected = black_scholes_put(spot, table["strike"], years, rate, 0.015, sigma)
    np.testing.assert_allclose(index.to_numpy(), table["units"] * expected, rtol=1e-12)
    # Units change only on roll days, and a roll keeps the value.
    changed = table["units"].diff().fillna(0) != 0
    assert not (changed & ~table["rolled"]).any()
    # Strike is (1 - m) x spot on the roll day, expiry three calendar months later.
    rolls = table[table["rolled"]]
    np.testing.assert_allclose(rolls["strike"], 0.9 * spot[rolls.index])
    assert (rolls["expiry"] == rolls.index + pd.DateOffset(months=3)).all()


def test_rolls_on_the_last_trading_day_of_each_month() -> None:
    spot = _spot_path()
    table = PutOverlay(put_share=1.0).positions(_sources(spot), spot.index)
    rolls = table.index[table["rolled"]]
    month_ends = spot.groupby(spot.index.to_period("M")).tail(1).index
    # The rate is knowable a day late, so the first day is the first calendar day.
    assert rolls[0] == spot.index[0]
    assert list(rolls[1:]) == list(month_ends)
    quarterly = PutOverlay(roll_months=3).positions(_sources(spot), spot.index)
    assert list(quarterly.index[quarterly["rolled"]][1:]) == [
        pd.Timestamp("2021-03-31"),
        pd.Timestamp("2021-06-30"),
    ]


def test_held_put_settles_at_intrinsic_value_at_expiry() -> None:
    spot = _spot_path(crash_on="2021-03-15")
    overlay = PutOverlay(tenor_months=1, roll_months=1, put_share=1.0)
    table = overlay.positions(_sources(spot), spot.index)
    index = overlay.build(_sources(spot), spot.index)
    # Bought 2021-02-26, expires 2021-03-26 (in the money after the crash),
    # held as cash until the roll on 2021-03-31.
    bought = table.loc["2021-02-26"]
    assert bought["rolled"]
    assert bought["expiry"] == pd.Timestamp("2021-03-26")
    settle = pd.Timestamp("2021-03-26")
    payoff = bought["strike"] - spot[settle]
    assert payoff > 0
    assert index[settle] == pytest.approx(bought["units"] * payoff, rel=1e-12)
    held = index.loc["2021-03-26":"2021-03-31"]
    np.testing.assert_allclose(held, held.iloc[0], rtol=1e-12)
    assert table.loc["2021-03-31", "rolled"]


def test_crash_makes_the_index_jump() -> None:
    calm = PutOverlay(put_share=1.0).build(_sources(_spot_path()), _spot_path().index)
    crash_spot = _spot_path(crash_on="2021-05-12")
    crash = PutOverlay(put_share=1.0).build(_sources(crash_spot), crash_spot.index)
    day = crash.index.get_loc(pd.Timestamp("2021-05-12"))
    assert crash.iloc[day] / crash.iloc[day - 1] > 3.0
    assert crash.iloc[-1] > calm.iloc[-1]


def test_missing_inputs_carry_the_mark_and_nan_before_start() -> None:
    spot = _spot_path()
    calendar = pd.bdate_range("2020-12-28", spot.index[-1], name="date")
    gappy = spot.drop(pd.Timestamp("2021-03-10"))
    index = PutOverlay(put_share=1.0).build(_sources(gappy), calendar)
    assert index.loc[:"2020-12-31"].isna().all()
    assert index.loc["2021-01-04"] == pytest.approx(1.0)
    assert index["2021-03-10"] == index["2021-03-09"]
    assert index.loc["2021-01-04":].notna().all()


def test_no_look_ahead() -> None:
    spot = _spot_path()
    full = PutOverlay(put_share=1.0).build(_sources(spot), spot.index)
    cut = pd.Timestamp("2021-04-15")
    changed = spot.copy()
    changed.loc[cut + pd.Timedelta(days=1) :] *= 0.5
    altered = PutOverlay(put_share=1.0).build(_sources(changed), spot.index)
    pd.testing.assert_series_equal(full.loc[:cut], altered.loc[:cut])


def test_validation_and_asset_id() -> None:
    assert PutOverlay().asset_id == "put_overlay[moneyness=0.1,tenor_months=3,roll_months=1]"
    assert (
        PutOverlay(skew=0.5, volatility="vxn").asset_id
        == "put_overlay[moneyness=0.1,tenor_months=3,roll_months=1,skew=0.5,volatility=vxn]"
    )
    for arguments, field in [
        ({"moneyness": 1.0}, "moneyness"),
        ({"moneyness": -0.1}, "moneyness"),
        ({"tenor_months": 0}, "tenor_months"),
        ({"roll_months": 4}, "roll_months"),
        ({"skew": -1.0}, "skew"),
        ({"dividend_yield": math.nan}, "dividend_yield"),
        ({"underlying": ""}, "underlying"),
    ]:
        with pytest.raises(ValueError, match=field):
            PutOverlay(**arguments)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the pack


@pytest.mark.pack
def test_default_overlay_on_the_pack(pack_path: Path) -> None:
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    overlay = PutOverlay(put_share=1.0)
    dates = sources.load("sp500").values.index
    crisis = pd.DatetimeIndex(dates[(dates >= "2007-01-01") & (dates <= "2009-12-31")])
    index = overlay.build(sources, crisis)
    monthly = index.resample("ME").last()
    assert monthly["2008-10"].iloc[0] / monthly["2008-09"].iloc[0] > 2.0
    calm = pd.DatetimeIndex(dates[(dates >= "2012-01-01") & (dates <= "2019-12-31")])
    assert overlay.build(sources, calm).iloc[-1] < 0.5
    everything = pd.DatetimeIndex(dates[dates >= "2000-01-01"])
    start = time.perf_counter()
    full = overlay.build(sources, everything)
    assert time.perf_counter() - start < 2.0
    assert (full.dropna() > 0).all()


def test_collateralised_overlay_spends_its_put_share_at_each_roll() -> None:
    spot = _spot_path(crash_on="2021-05-12")
    sources = _sources(spot)
    overlay = PutOverlay(put_share=0.02)
    index = overlay.build(sources, spot.index)
    puts = PutOverlay(put_share=1.0).build(sources, spot.index)
    table = overlay.positions(sources, spot.index)
    rolls = list(table.index[table["rolled"]])
    rate = continuously_compounded_rate(DISCOUNT)
    for start, end in zip(rolls[:-1], rolls[1:], strict=True):
        days = (end - start).days
        expected = index[start] * (
            0.02 * puts[end] / puts[start] + 0.98 * np.exp(rate * days / 365)
        )
        assert index[end] == pytest.approx(expected, rel=1e-9)
    assert (index > 0.5).all()
    day = index.index.get_loc(pd.Timestamp("2021-05-12"))
    assert index.iloc[day] > index.iloc[day - 1]  # the crash pays


def test_overlay_stops_with_its_underlying() -> None:
    spot = _spot_path()
    calendar = pd.bdate_range(spot.index[0], spot.index[-1] + pd.Timedelta(days=10), name="date")
    index = PutOverlay().build(_sources(spot), calendar)
    assert index.loc[: spot.index[-1]].notna().all()
    assert index.loc[spot.index[-1] + pd.Timedelta(days=1) :].isna().all()


def test_a_put_that_expires_worthless_loses_its_premium_and_the_overlay_rolls_on() -> None:
    """tenor = roll = 1 month: each put expires before its roll. Out of the money it is worth
    0; the overlay has lost the premium, and the next roll buys new puts with put_share of
    what is left (it used to divide 0 by 0 and end the run after two months)."""
    days = pd.bdate_range("2021-01-04", "2021-12-31", name="date")
    spot = pd.Series(100.0 * 1.0003 ** np.arange(len(days)), index=days)  # rises: all expire OTM
    sources = _sources(spot)
    overlay = PutOverlay(moneyness=0.05, tenor_months=1, roll_months=1, put_share=0.02)
    index = overlay.build(sources, spot.index)
    table = overlay.positions(sources, spot.index)
    assert index.notna().all() and (index > 0).all()
    rolls = list(table.index[table["rolled"]])
    assert len(rolls) == 13  # the first day and the twelve month ends
    rate = continuously_compounded_rate(DISCOUNT)
    held_expiry = table["expiry"].shift(1)
    worthless = 0
    for start, end in zip(rolls[:-1], rolls[1:], strict=True):
        sold = table.at[end, "sold"]
        if held_expiry[end] <= end:  # expired before its roll, out of the money
            assert sold == 0.0
            worthless += 1
        grown = np.exp(rate * (end - start).days / 365)
        expected = index[start] * (0.02 * sold / table.at[start, "mark"] + 0.98 * grown)
        assert index[end] == pytest.approx(expected, rel=1e-12)
    assert worthless >= 6
    # Puts-only (put_share = 1): the worthless expiry takes everything, and it says so.
    puts_only = PutOverlay(moneyness=0.05, tenor_months=1, roll_months=1, put_share=1.0)
    first_worthless = next(end for end in rolls[1:] if held_expiry[end] <= end)
    assert puts_only.build(sources, spot.index).loc[first_worthless:].eq(0.0).all()

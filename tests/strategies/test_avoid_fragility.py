"""AvoidFragility: neutral weights, drops per trigger group, havens, long/short, invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.strategies.avoid_fragility import (
    CONSUMER_SIGNALS,
    REAL_ESTATE_SIGNALS,
    SMALL_CAP_SIGNALS,
    AvoidFragility,
    group_firing,
)
from macropatch.strategies.base import CASH, MarketView
from tests.strategies.views import signal_result

ASSETS = ["spy", "iwm", "xly", "vnq", "qual", "shy"]
#: The old allocation, reachable by parameters: the sleeves held, dropped on triggers.
OLD = {
    "small_caps": "iwm",
    "core_weight": 0.65,
    "small_caps_weight": 0.15,
    "discretionary_weight": 0.10,
    "real_estate_weight": 0.10,
    "quality_weight": 0.0,
    "consumer_core_cut": 0.0,
    "real_estate_core_cut": 0.0,
}
SIGNALS = SMALL_CAP_SIGNALS + CONSUMER_SIGNALS + REAL_ESTATE_SIGNALS
BASE = {"spy": 0.65, "iwm": 0.15, "xly": 0.10, "vnq": 0.10, "qual": 0.0, "shy": 0.0}
State = bool | None


def market(states: dict[str, list[State]] | None = None, days: int = 3) -> MarketView:
    """Prices of every asset; each signal quiet unless ``states`` says otherwise (None = NA)."""
    index = pd.bdate_range("2022-01-03", periods=days, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=ASSETS)
    given_states = states or {}
    signals = {
        name: signal_result(name, given_states.get(name, [False] * days), index) for name in SIGNALS
    }
    return MarketView(prices=prices, signals=signals)


def row(targets: pd.DataFrame, day: int = 0) -> dict[str, float]:
    return {asset: float(targets.iloc[day][asset]) for asset in ASSETS}


def _assert_row(targets: pd.DataFrame, expected: dict[str, float], day: int = 0) -> None:
    assert row(targets, day) == pytest.approx(expected, abs=1e-12)


def test_declares_assets_signals_and_defaults() -> None:
    strategy = AvoidFragility(**OLD)
    assert strategy.assets == tuple(ASSETS)
    assert set(strategy.signals) == set(SIGNALS) and len(strategy.signals) == 7
    assert strategy.base_weights() == pytest.approx(BASE)
    assert strategy.min_weight == 0.0
    assert AvoidFragility(**OLD, long_short=True).min_weight == pytest.approx(-0.15)


NEW_ASSETS = ["spy", "ijr", "xly", "vnq", "qual", "shy"]
NEW_BASE = {"spy": 0.75, "ijr": 0.10, "xly": 0.0, "vnq": 0.0, "qual": 0.15, "shy": 0.0}


def _new_market(states: dict[str, list[State]]) -> MarketView:
    view = market(states)
    prices = view.prices.rename(columns={"iwm": "ijr"})
    return MarketView(prices=prices, signals=view.signals)


def test_the_default_avoids_in_its_neutral_state_and_deepens_on_triggers() -> None:
    strategy = AvoidFragility()
    assert strategy.assets == tuple(NEW_ASSETS)
    assert strategy.base_weights() == pytest.approx(NEW_BASE)
    targets = strategy.target_weights(
        _new_market(
            {
                "sahm_rule": [True, False, False],
                "high_yield_spread_above": [True, False, False],
                "small_caps_lagging": [False, True, False],
            }
        )
    )
    # consumer and real-estate triggers: 0.10 and 0.05 of the core to the havens, half each
    first = {asset: float(targets.iloc[0][asset]) for asset in NEW_ASSETS}
    assert first == pytest.approx(
        {"spy": 0.60, "ijr": 0.10, "xly": 0.0, "vnq": 0.0, "qual": 0.225, "shy": 0.075}
    )
    # small caps dropped: IJR's 0.10 to the havens
    second = {asset: float(targets.iloc[1][asset]) for asset in NEW_ASSETS}
    assert second == pytest.approx(
        {"spy": 0.75, "ijr": 0.0, "xly": 0.0, "vnq": 0.0, "qual": 0.20, "shy": 0.05}
    )
    third = {asset: float(targets.iloc[2][asset]) for asset in NEW_ASSETS}
    assert third == pytest.approx(NEW_BASE)


def test_core_cuts_cannot_exceed_the_core() -> None:
    with pytest.raises(ValueError, match="at most core_weight"):
        AvoidFragility(core_weight=0.1, small_caps_weight=0.1, consumer_core_cut=0.2)


def test_quiet_signals_hold_the_base_weights() -> None:
    targets = AvoidFragility(**OLD).target_weights(market())
    for day in range(3):
        _assert_row(targets, BASE, day)
    assert targets[CASH].abs().max() < 1e-12


def test_unknown_signals_hold_the_base_weights() -> None:
    unknown: dict[str, list[State]] = {name: [None] * 3 for name in SIGNALS}
    targets = AvoidFragility(**OLD).target_weights(market(unknown))
    for day in range(3):
        _assert_row(targets, BASE, day)


@pytest.mark.parametrize("signal", SMALL_CAP_SIGNALS)
def test_credit_triggers_drop_small_caps(signal: str) -> None:
    targets = AvoidFragility(**OLD).target_weights(market({signal: [True, False, None]}))
    _assert_row(targets, {**BASE, "iwm": 0.0, "qual": 0.075, "shy": 0.075}, day=0)
    _assert_row(targets, BASE, day=1)
    _assert_row(targets, BASE, day=2)  # unknown, the others quiet: not fired


@pytest.mark.parametrize("signal", CONSUMER_SIGNALS)
def test_consumer_triggers_drop_discretionary(signal: str) -> None:
    targets = AvoidFragility(**OLD).target_weights(market({signal: [True, True, False]}))
    _assert_row(targets, {**BASE, "xly": 0.0, "qual": 0.05, "shy": 0.05}, day=1)
    _assert_row(targets, BASE, day=2)


def test_high_yield_spread_above_drops_real_estate() -> None:
    targets = AvoidFragility(**OLD).target_weights(market({"high_yield_spread_above": [True] * 3}))
    _assert_row(targets, {**BASE, "vnq": 0.0, "qual": 0.05, "shy": 0.05})


def test_all_groups_firing_and_the_haven_split() -> None:
    firing: dict[str, list[State]] = {
        "small_caps_lagging": [True] * 3,
        "sahm_rule": [True] * 3,
        "high_yield_spread_above": [True] * 3,
    }
    targets = AvoidFragility(**OLD, haven_quality_share=0.8).target_weights(market(firing))
    _assert_row(
        targets, {"spy": 0.65, "iwm": 0.0, "xly": 0.0, "vnq": 0.0, "qual": 0.28, "shy": 0.07}
    )
    assert targets.sum(axis=1).to_numpy() == pytest.approx(1.0)


def test_an_optional_signal_without_data_does_not_block_the_others() -> None:
    # unprofitable_small_caps has no data (all NA): the other credit triggers still decide.
    states: dict[str, list[State]] = {
        "unprofitable_small_caps": [None] * 3,
        "high_yield_spread_widening": [True, False, None],
        "small_caps_lagging": [None, False, None],
    }
    view = market(states)
    group = group_firing(view, SMALL_CAP_SIGNALS)
    assert bool(group.iloc[0])
    assert not bool(group.iloc[1])
    assert pd.isna(group.iloc[2])  # every trigger of the group unknown
    targets = AvoidFragility(**OLD).target_weights(view)
    assert targets["iwm"].tolist() == pytest.approx([0.0, 0.15, 0.15])


def test_long_short_shorts_the_dropped_sleeves() -> None:
    firing: dict[str, list[State]] = {
        "high_yield_spread_widening": [True, False, False],
        "discretionary_lagging": [True, True, False],
    }
    targets = AvoidFragility(**OLD, long_short=True).target_weights(market(firing))
    _assert_row(
        targets, {"spy": 0.65, "iwm": -0.15, "xly": -0.10, "vnq": 0.10, "qual": 0.125, "shy": 0.125}
    )
    assert targets.iloc[0][CASH] == pytest.approx(0.25)  # the short proceeds
    _assert_row(targets, {**BASE, "xly": -0.10, "qual": 0.05, "shy": 0.05}, day=1)
    _assert_row(targets, BASE, day=2)
    assert targets.sum(axis=1).to_numpy() == pytest.approx(1.0)
    long_book = targets[ASSETS].clip(lower=0).sum(axis=1)
    assert long_book.to_numpy() == pytest.approx(1.0)


def test_missing_prices_send_the_weight_to_cash() -> None:
    view = market({"high_yield_spread_above": [True] * 3})
    prices = view.prices.copy()
    prices["qual"] = np.nan  # quality has no price yet
    targets = AvoidFragility(**OLD).target_weights(MarketView(prices=prices, signals=view.signals))
    assert (targets["qual"] == 0.0).all()
    assert targets[CASH].to_numpy() == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"core_weight": 0.8}, "sum to more than 0 and at most 1"),
        ({"small_caps_weight": -0.1}, "small_caps_weight"),
        ({"haven_quality_share": 1.5}, "haven_quality_share"),
        ({"quality": "spy"}, "distinct"),
        (
            {
                "core_weight": 0.0,
                "small_caps_weight": 0.0,
                "discretionary_weight": 0.0,
                "real_estate_weight": 0.0,
                "quality_weight": 0.0,
                "consumer_core_cut": 0.0,
                "real_estate_core_cut": 0.0,
            },
            "more than 0",
        ),
    ],
)
def test_parameters_are_validated(parameters: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AvoidFragility(**parameters)  # type: ignore[arg-type]


_STATES = st.sampled_from([True, False, None])


@settings(max_examples=60, deadline=None)
@given(
    states=st.lists(st.lists(_STATES, min_size=7, max_size=7), min_size=1, max_size=8),
    long_short=st.booleans(),
    share=st.floats(min_value=0.0, max_value=1.0),
    sleeves=st.lists(st.floats(min_value=0.0, max_value=0.3), min_size=3, max_size=3),
    cuts=st.lists(st.floats(min_value=0.0, max_value=0.03), min_size=3, max_size=3),
)
def test_weights_stay_within_bounds_for_any_signal_state(
    states: list[list[State]],
    long_short: bool,
    share: float,
    sleeves: list[float],
    cuts: list[float],
) -> None:
    parameters: dict[str, object] = {
        **OLD,
        "core_weight": 1.0 - sum(sleeves),
        "small_caps_weight": sleeves[0],
        "discretionary_weight": sleeves[1],
        "real_estate_weight": sleeves[2],
        "small_caps_core_cut": cuts[0],
        "consumer_core_cut": cuts[1],
        "real_estate_core_cut": cuts[2],
        "haven_quality_share": share,
        "long_short": long_short,
    }
    strategy = AvoidFragility(**parameters)  # type: ignore[arg-type]
    by_signal = {name: [day[number] for day in states] for number, name in enumerate(SIGNALS)}
    targets = strategy.target_weights(market(by_signal, days=len(states)))
    weights = targets[ASSETS].to_numpy()
    assert np.isfinite(weights).all()
    assert (weights >= strategy.min_weight - 1e-12).all()
    assert (weights <= strategy.max_weight + 1e-12).all()
    assert (weights.sum(axis=1) <= 1.0 + strategy.leverage_allowance + 1e-12).all()
    assert targets.sum(axis=1).to_numpy() == pytest.approx(1.0)
    # The long book always holds the base total; shorts only in the long/short variant.
    assert np.clip(weights, 0, None).sum(axis=1) == pytest.approx(1.0)
    if not long_short:
        assert (weights >= 0).all()

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.strategies import CASH, MarketView
from macropatch.strategies.real_assets import RealAssets
from tests.strategies.views import row, signal_result

ASSETS = ["gld", "copx", "xle", "ura", "nlr", "xlu"]
BASE = {"gld": 0.30, "copx": 0.15, "xle": 0.20, "ura": 0.10, "nlr": 0.10, "xlu": 0.15}
#: The old basket (copper only through the miners), reachable by parameters.
OLD = {"copper_weight": 0.15, "copper_metal_weight": 0.0}
SIGNALS = [
    "term_premium_rising",
    "fiscal_stress",
    "dollar_weakening",
    "gold_trend",
    "hyperscaler_capex_boom",
]
DAYS = 30


def market(
    states: dict[str, bool | None] | None = None,
    prices: pd.DataFrame | None = None,
    days: int = DAYS,
) -> MarketView:
    """Every signal quiet unless ``states`` says otherwise (the same state every day)."""
    index = pd.bdate_range("2021-01-01", periods=days, name="date")
    if prices is None:
        prices = pd.DataFrame(100.0, index=index, columns=ASSETS)
    states = {name: False for name in SIGNALS} | (states or {})
    signals = {name: signal_result(name, [state] * days, index) for name, state in states.items()}
    return MarketView(prices=prices, signals=signals)


def test_base_weights_when_signals_are_quiet() -> None:
    targets = RealAssets(**OLD).target_weights(market())
    assert list(targets.columns) == [*ASSETS, CASH]
    assert row(targets) == pytest.approx(BASE | {CASH: 0.0})


def test_the_default_holds_copper_itself_beside_the_miners_cash_before_its_first_day() -> None:
    strategy = RealAssets()
    assert strategy.assets == ("gld", "copx", "cper", "xle", "ura", "nlr", "xlu")
    assert strategy.base_weights() == pytest.approx(
        {
            "gld": 0.30,
            "copx": 0.10,
            "cper": 0.05,
            "xle": 0.20,
            "ura": 0.10,
            "nlr": 0.10,
            "xlu": 0.15,
        }
    )
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=[*ASSETS, "cper"])
    prices.iloc[:10, prices.columns.get_loc("cper")] = np.nan  # CPER not listed yet
    targets = strategy.target_weights(market(prices=prices))
    assert (targets["cper"].iloc[:10] == 0).all()
    np.testing.assert_allclose(targets[CASH].iloc[:10], 0.05, atol=1e-12)
    np.testing.assert_allclose(targets["cper"].iloc[10:], 0.05, atol=1e-12)
    np.testing.assert_allclose(targets[CASH].iloc[10:], 0.0, atol=1e-12)


def test_gold_tilt_per_firing_signal_taken_pro_rata() -> None:
    view = market({"term_premium_rising": True, "dollar_weakening": True, "gold_trend": True})
    weights = row(RealAssets(**OLD).target_weights(view))
    assert weights["gld"] == pytest.approx(0.50)
    scale = (0.70 - 0.20) / 0.70
    for asset in ASSETS[1:]:
        assert weights[asset] == pytest.approx(BASE[asset] * scale)
    assert weights[CASH] == pytest.approx(0.0)


def test_power_tilt_moves_weight_to_the_power_sleeves_while_capex_booms() -> None:
    weights = row(RealAssets(**OLD).target_weights(market({"hyperscaler_capex_boom": True})))
    # 0.10 taken from gold, copper and energy (0.65 together) pro rata ...
    for asset in ("gld", "copx", "xle"):
        assert weights[asset] == pytest.approx(BASE[asset] * (1 - 0.10 / 0.65))
    # ... and given to utilities, uranium and nuclear (0.35 together) pro rata
    for asset in ("ura", "nlr", "xlu"):
        assert weights[asset] == pytest.approx(BASE[asset] + 0.10 * BASE[asset] / 0.35)
    assert sum(weights.values()) == pytest.approx(1.0)
    unknown = row(RealAssets(**OLD).target_weights(market({"hyperscaler_capex_boom": None})))
    assert unknown == pytest.approx(BASE | {CASH: 0.0})
    off = RealAssets(**OLD, power_tilt=0.0)
    assert "hyperscaler_capex_boom" not in off.signals
    assert row(off.target_weights(market({"hyperscaler_capex_boom": True}))) == pytest.approx(
        BASE | {CASH: 0.0}
    )


def test_quiet_gold_trend_removes_the_tilt() -> None:
    view = market({name: True for name in SIGNALS[:3]} | {"gold_trend": False})
    assert row(RealAssets(**OLD).target_weights(view)) == pytest.approx(BASE | {CASH: 0.0})


def test_unknown_signals_give_the_neutral_allocation() -> None:
    everything_unknown = market({name: None for name in SIGNALS})
    assert row(RealAssets(**OLD).target_weights(everything_unknown)) == pytest.approx(
        BASE | {CASH: 0.0}
    )
    trend_unknown = market({"fiscal_stress": True, "gold_trend": None})
    assert row(RealAssets(**OLD).target_weights(trend_unknown)) == pytest.approx(BASE | {CASH: 0.0})
    # an unknown stress signal adds nothing; a known one still tilts
    partly = market({"fiscal_stress": True, "dollar_weakening": None, "gold_trend": True})
    assert row(RealAssets(**OLD).target_weights(partly))["gld"] == pytest.approx(0.40)


def test_tilt_is_capped_by_the_other_assets() -> None:
    view = market({name: True for name in SIGNALS[:4]})  # the gold tilt's signals
    weights = row(RealAssets(**OLD, tilt=0.5).target_weights(view))
    assert weights["gld"] == pytest.approx(1.0)
    assert weights[CASH] == pytest.approx(0.0)


def test_signals_follow_the_tilt() -> None:
    assert RealAssets(**OLD).signals == tuple(SIGNALS)
    assert RealAssets(**OLD, tilt=0.0).signals == ("hyperscaler_capex_boom",)
    assert RealAssets(**OLD, tilt=0.0, power_tilt=0.0).signals == ()


def test_trend_filter_sends_an_asset_below_its_mean_to_cash() -> None:
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=ASSETS)
    prices.loc[index[-1], "xle"] = 90.0  # below its trailing mean on the last day
    prices.loc[index[-1], "gld"] = 110.0  # above: kept
    strategy = RealAssets(**OLD, trend_filter=True, trend_window_days=10)
    targets = strategy.target_weights(market(prices=prices))
    last = row(targets)
    assert last["xle"] == 0.0
    assert last[CASH] == pytest.approx(BASE["xle"])
    assert last["gld"] == pytest.approx(BASE["gld"])
    # before the window is full the filter does not apply; before the drop nothing is filtered
    assert row(targets, 0) == pytest.approx(BASE | {CASH: 0.0})
    assert row(targets, -2) == pytest.approx(BASE | {CASH: 0.0})
    # without the filter the same prices give the base weights
    assert row(RealAssets(**OLD).target_weights(market(prices=prices))) == pytest.approx(
        BASE | {CASH: 0.0}
    )


def test_trend_filter_uses_only_past_prices() -> None:
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=ASSETS)
    strategy = RealAssets(**OLD, trend_filter=True, trend_window_days=5)
    before = strategy.target_weights(market(prices=prices))
    changed = prices.copy()
    changed.iloc[20:, changed.columns.get_loc("ura")] = 50.0
    after = strategy.target_weights(market(prices=changed))
    pd.testing.assert_frame_equal(before.iloc[:20], after.iloc[:20])
    assert after["ura"].iloc[20] == 0.0


def test_variant_without_uranium_keeps_the_total() -> None:
    strategy = RealAssets(**OLD, include_uranium=False)
    assert strategy.assets == ("gld", "copx", "xle", "xlu")
    prices = pd.DataFrame(
        100.0,
        index=pd.bdate_range("2021-01-01", periods=DAYS),
        columns=["gld", "copx", "xle", "xlu"],
    )
    weights = row(strategy.target_weights(market(prices=prices)))
    assert weights["gld"] == pytest.approx(0.30 / 0.80)
    assert weights[CASH] == pytest.approx(0.0)
    smaller = RealAssets(**OLD, include_uranium=False, gold_weight=0.10)  # base total 0.8
    weights = row(smaller.target_weights(market(prices=prices)))
    assert sum(value for key, value in weights.items() if key != CASH) == pytest.approx(0.80)


def test_asset_without_price_goes_to_cash() -> None:
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=ASSETS)
    prices.iloc[:10, prices.columns.get_loc("nlr")] = np.nan
    targets = RealAssets(**OLD).target_weights(market(prices=prices))
    assert row(targets, 0)["nlr"] == 0.0 and row(targets, 0)[CASH] == pytest.approx(0.10)
    assert row(targets, 10)["nlr"] == pytest.approx(0.10)


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"gold_weight": -0.1}, "gold_weight"),
        ({"copper_weight": 1.5}, "copper_weight"),
        ({"gold_weight": 0.5}, "sum to more than 0 and at most 1"),
        ({"tilt": -0.1}, "tilt"),
        ({"trend_window_days": 1}, "trend_window_days"),
        ({"copper": "gld"}, "distinct"),
        (
            {
                "include_uranium": False,
                "gold_weight": 0.0,
                "copper_weight": 0.0,
                "copper_metal_weight": 0.0,
                "energy_weight": 0.0,
                "utilities_weight": 0.0,
            },
            "include_uranium",
        ),
    ],
)
def test_bad_parameters_name_the_field(parameters: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RealAssets(**parameters)  # type: ignore[arg-type]


flag = st.sampled_from([True, False, None])


@settings(max_examples=60, deadline=None)
@given(
    states=st.lists(
        st.lists(flag, min_size=DAYS, max_size=DAYS), min_size=len(SIGNALS), max_size=len(SIGNALS)
    ),
    starts=st.lists(st.integers(0, DAYS), min_size=len(ASSETS) + 1, max_size=len(ASSETS) + 1),
    tilt=st.floats(0.0, 1.0),
    power_tilt=st.floats(0.0, 1.0),
    trend_filter=st.booleans(),
    include_uranium=st.booleans(),
)
def test_weights_are_valid_for_any_signal_states(
    states: list[list[bool | None]],
    starts: list[int],
    tilt: float,
    power_tilt: float,
    trend_filter: bool,
    include_uranium: bool,
) -> None:
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    rng = np.random.default_rng(sum(starts))
    columns = [*ASSETS, "cper"]
    prices = pd.DataFrame(
        100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, (DAYS, len(columns))), axis=0)),
        index=index,
        columns=columns,
    )
    for column, start in zip(columns, starts, strict=True):
        prices.iloc[:start, prices.columns.get_loc(column)] = np.nan
    view = MarketView(
        prices=prices,
        signals={
            name: signal_result(name, flags, index)
            for name, flags in zip(SIGNALS, states, strict=True)
        },
    )
    strategy = RealAssets(
        tilt=tilt,
        power_tilt=power_tilt,
        trend_filter=trend_filter,
        trend_window_days=5,
        include_uranium=include_uranium,
    )
    targets = strategy.target_weights(view).to_numpy()
    assert np.isfinite(targets).all()
    assert (targets >= -1e-12).all() and (targets <= 1 + 1e-12).all()
    assert np.allclose(targets.sum(axis=1), 1.0)

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.strategies import CASH, MarketView
from macropatch.strategies.quality_over_growth import QualityOverGrowth
from tests.strategies.views import row, signal_result

ASSETS = ["qual", "usmv", "xlp", "qqq"]
BASE = {"qual": 0.35, "usmv": 0.25, "xlp": 0.15, "qqq": 0.25}
STRESSED = {
    "qual": 0.35 + 0.25 * 0.35 / 0.60,
    "usmv": 0.25 + 0.25 * 0.25 / 0.60,
    "xlp": 0.15,
    "qqq": 0.0,
}
SIGNALS = ["valuation_gap", "ten_year_above", "term_premium_rising"]
DAYS = 20


def market(states: dict[str, bool | None] | None = None, columns: list[str] = ASSETS) -> MarketView:
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=columns)
    states = {name: False for name in SIGNALS} | (states or {})
    signals = {name: signal_result(name, [state] * DAYS, index) for name, state in states.items()}
    return MarketView(prices=prices, signals=signals)


def test_base_weights_when_signals_are_quiet() -> None:
    targets = QualityOverGrowth().target_weights(market())
    assert list(targets.columns) == [*ASSETS, CASH]
    assert row(targets) == pytest.approx(BASE | {CASH: 0.0})


@pytest.mark.parametrize("name", SIGNALS)
def test_any_firing_signal_cuts_growth_to_quality_and_low_volatility(name: str) -> None:
    targets = QualityOverGrowth().target_weights(market({name: True}))
    assert row(targets) == pytest.approx(STRESSED | {CASH: 0.0})


def test_one_firing_signal_is_enough_even_if_others_are_unknown() -> None:
    view = market({"valuation_gap": None, "ten_year_above": True, "term_premium_rising": None})
    assert row(QualityOverGrowth().target_weights(view)) == pytest.approx(STRESSED | {CASH: 0.0})


def test_unknown_signals_give_the_neutral_allocation() -> None:
    every = market({name: None for name in SIGNALS})
    assert row(QualityOverGrowth().target_weights(every)) == pytest.approx(BASE | {CASH: 0.0})
    one = market({"valuation_gap": None})
    assert row(QualityOverGrowth().target_weights(one)) == pytest.approx(BASE | {CASH: 0.0})


def test_partial_cut_and_growth_asset_parameter() -> None:
    strategy = QualityOverGrowth(growth="xlk", growth_weight_stressed=0.10)
    assert strategy.assets == ("qual", "usmv", "xlp", "xlk")
    view = market({"ten_year_above": True}, columns=["qual", "usmv", "xlp", "xlk"])
    weights = row(strategy.target_weights(view))
    assert weights["xlk"] == pytest.approx(0.10)
    assert weights["qual"] == pytest.approx(0.35 + 0.15 * 0.35 / 0.60)
    assert weights["usmv"] == pytest.approx(0.25 + 0.15 * 0.25 / 0.60)
    assert weights[CASH] == pytest.approx(0.0)


def test_no_cut_reads_no_signals() -> None:
    strategy = QualityOverGrowth(growth_weight_stressed=0.25)
    assert strategy.signals == ()
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    view = MarketView(prices=pd.DataFrame(100.0, index=index, columns=ASSETS))
    assert row(strategy.target_weights(view)) == pytest.approx(BASE | {CASH: 0.0})
    assert QualityOverGrowth().signals == tuple(SIGNALS)


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"quality_weight": -0.1}, "quality_weight"),
        ({"growth_weight": 1.2}, "growth_weight"),
        ({"staples_weight": 0.5}, "sum to more than 0 and at most 1"),
        ({"growth_weight_stressed": 0.3}, "growth_weight_stressed"),
        ({"quality_weight": 0.0, "low_volatility_weight": 0.0}, "low_volatility_weight"),
        ({"growth": "qual"}, "distinct"),
    ],
)
def test_bad_parameters_name_the_field(parameters: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        QualityOverGrowth(**parameters)  # type: ignore[arg-type]


flag = st.sampled_from([True, False, None])


@settings(max_examples=60, deadline=None)
@given(
    states=st.lists(st.lists(flag, min_size=DAYS, max_size=DAYS), min_size=3, max_size=3),
    starts=st.lists(st.integers(0, DAYS), min_size=len(ASSETS), max_size=len(ASSETS)),
    stressed=st.floats(0.0, 0.25),
)
def test_weights_are_valid_for_any_signal_states(
    states: list[list[bool | None]], starts: list[int], stressed: float
) -> None:
    index = pd.bdate_range("2021-01-01", periods=DAYS, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=ASSETS)
    for column, start in zip(ASSETS, starts, strict=True):
        prices.iloc[:start, prices.columns.get_loc(column)] = np.nan
    view = MarketView(
        prices=prices,
        signals={
            name: signal_result(name, flags, index)
            for name, flags in zip(SIGNALS, states, strict=True)
        },
    )
    targets = QualityOverGrowth(growth_weight_stressed=stressed).target_weights(view).to_numpy()
    assert np.isfinite(targets).all()
    assert (targets >= -1e-12).all() and (targets <= 1 + 1e-12).all()
    assert np.allclose(targets.sum(axis=1), 1.0)

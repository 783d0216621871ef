import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backtests.schedule import Rebalance
from marketdata.errors import UserError
from strategies import CASH, MarketView, SixtyForty, SpyBuyAndHold, Strategy, WeightError, build_strategy


def market(columns: list[str], days: int = 70, nan_until: dict[str, int] | None = None) -> MarketView:
    index = pd.bdate_range("2021-01-01", periods=days, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=columns)
    for column, count in (nan_until or {}).items():
        prices.iloc[:count, prices.columns.get_loc(column)] = np.nan
    return MarketView(prices=prices)


def test_sixty_forty_rebalances_at_month_ends_with_cash_column() -> None:
    targets = SixtyForty().target_weights(market(["spy", "ief"]))
    decided = targets.dropna(how="all")
    assert list(targets.columns) == ["spy", "ief", CASH]
    # first day plus the last trading day of Jan, Feb, Mar (and the calendar's last day)
    assert decided.index[0] == pd.Timestamp("2021-01-01")
    assert pd.Timestamp("2021-01-29") in decided.index and pd.Timestamp("2021-02-26") in decided.index
    assert np.allclose(decided[["spy", "ief", CASH]].to_numpy(), [0.6, 0.4, 0.0])


def test_buy_and_hold_decides_once() -> None:
    targets = SpyBuyAndHold().target_weights(market(["spy"]))
    assert len(targets.dropna(how="all")) == 1


def test_asset_without_price_goes_to_cash() -> None:
    targets = SixtyForty(rebalance=Rebalance.MONTHLY).target_weights(market(["spy", "ief"], nan_until={"ief": 30}))
    first = targets.iloc[0]
    assert first["ief"] == 0.0 and first[CASH] == pytest.approx(0.4)
    later = targets.dropna(how="all").iloc[-1]
    assert later["ief"] == pytest.approx(0.4) and later[CASH] == pytest.approx(0.0)


def test_build_strategy_validates_parameters() -> None:
    assert build_strategy("sixty_forty", {"equity_weight": 0.7, "rebalance": "quarterly"}).equity_weight == 0.7
    with pytest.raises(UserError, match="unknown strategy 'sixty_fourty'"):
        build_strategy("sixty_fourty", {})
    with pytest.raises(UserError, match="unknown parameter 'weight'"):
        build_strategy("spy_buy_and_hold", {"equity": "qqq", "weight": 1})
    with pytest.raises(UserError, match="must be one of"):
        build_strategy("sixty_forty", {"rebalance": "hourly"})
    with pytest.raises(UserError, match="equity_weight must be between 0 and 1"):
        build_strategy("sixty_forty", {"equity_weight": 1.5})
    with pytest.raises(UserError, match="must be a float"):
        build_strategy("sixty_forty", {"equity_weight": "lots"})


class Broken(Strategy):
    name = "broken"
    summary = "returns whatever it is given"

    def __init__(self, weights: dict[str, float]) -> None:
        object.__setattr__(self, "rebalance", Rebalance.MONTHLY)
        object.__setattr__(self, "_weights", weights)

    @property
    def assets(self) -> tuple[str, ...]:
        return tuple(self._weights)

    def decide(self, market: MarketView) -> pd.DataFrame:
        return pd.DataFrame(self._weights, index=market.prices.index)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"spy": 0.8, "ief": 0.5}, "sum to 1.3"),
        ({"spy": -0.1, "ief": 0.5}, "outside the bound 0.0"),
        ({"spy": float("inf"), "ief": 0.5}, "not finite"),
    ],
)
def test_base_class_rejects_broken_weights(weights: dict[str, float], message: str) -> None:
    with pytest.raises(WeightError, match=message):
        Broken(weights).target_weights(market(["spy", "ief"]))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 1.0), st.sampled_from(list(Rebalance)), st.integers(0, 69))
def test_benchmark_weights_are_valid_for_any_parameters(weight: float, rebalance: Rebalance, missing: int) -> None:
    targets = SixtyForty(equity_weight=weight, rebalance=rebalance).target_weights(
        market(["spy", "ief"], nan_until={"ief": missing})
    )
    rows = targets.dropna(how="all").to_numpy()
    assert np.isfinite(rows).all()
    assert (rows >= -1e-12).all() and (rows <= 1 + 1e-12).all()
    assert np.allclose(rows.sum(axis=1), 1.0)

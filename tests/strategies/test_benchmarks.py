import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.marketdata.errors import UserError
from macropatch.strategies import (
    CASH,
    MarketView,
    SixtyForty,
    SpyBuyAndHold,
    Strategy,
    WeightError,
    build_strategy,
)


def market(
    columns: list[str], days: int = 70, nan_until: dict[str, int] | None = None
) -> MarketView:
    index = pd.bdate_range("2021-01-01", periods=days, name="date")
    prices = pd.DataFrame(100.0, index=index, columns=columns)
    for column, count in (nan_until or {}).items():
        prices.iloc[:count, prices.columns.get_loc(column)] = np.nan
    return MarketView(prices=prices)


def test_sixty_forty_targets_every_day_with_cash_column() -> None:
    view = market(["spy", "ief"])
    targets = SixtyForty().target_weights(view)
    assert list(targets.columns) == ["spy", "ief", CASH]
    assert targets.index.equals(view.prices.index)
    assert np.allclose(targets.to_numpy(), [0.6, 0.4, 0.0])


def test_buy_and_hold_is_all_in_spy() -> None:
    targets = SpyBuyAndHold().target_weights(market(["spy"]))
    assert np.allclose(targets.to_numpy(), [1.0, 0.0])


def test_asset_without_price_goes_to_cash() -> None:
    targets = SixtyForty().target_weights(market(["spy", "ief"], nan_until={"ief": 30}))
    first = targets.iloc[0]
    assert first["ief"] == 0.0 and first[CASH] == pytest.approx(0.4)
    later = targets.iloc[30]
    assert later["ief"] == pytest.approx(0.4) and later[CASH] == pytest.approx(0.0)


def test_build_strategy_validates_parameters() -> None:
    assert build_strategy("sixty_forty", {"equity_weight": 0.7}).equity_weight == 0.7
    with pytest.raises(UserError, match="unknown strategy 'sixty_fourty'"):
        build_strategy("sixty_fourty", {})
    with pytest.raises(UserError, match="unknown parameter 'weight'"):
        build_strategy("spy_buy_and_hold", {"equity": "qqq", "weight": 1})
    with pytest.raises(UserError, match="equity_weight must be between 0 and 1"):
        build_strategy("sixty_forty", {"equity_weight": 1.5})
    with pytest.raises(UserError, match="must be a number"):
        build_strategy("sixty_forty", {"equity_weight": "lots"})


class Broken(Strategy):
    name = "broken"
    summary = "returns whatever it is given"

    def __init__(self, weights: dict[str, float]) -> None:
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
@given(st.floats(0.0, 1.0), st.integers(0, 69))
def test_benchmark_weights_are_valid_for_any_parameters(weight: float, missing: int) -> None:
    targets = SixtyForty(equity_weight=weight).target_weights(
        market(["spy", "ief"], nan_until={"ief": missing})
    )
    rows = targets.to_numpy()
    assert np.isfinite(rows).all()
    assert (rows >= -1e-12).all() and (rows <= 1 + 1e-12).all()
    assert np.allclose(rows.sum(axis=1), 1.0)

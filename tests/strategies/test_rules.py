"""Rule-based strategies from TOML: moves capped by the source, values above a level, holds,
unknown as neutral, parameters that build and sweep like any other, and pickling."""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pandas as pd
import pytest

from macropatch.marketdata.errors import UserError
from macropatch.rule_files import rule_books
from macropatch.strategies.base import MarketView
from macropatch.strategies.registry import build_strategy
from macropatch.strategies.rules import rule_strategy
from tests.strategies.views import signal_result

DAYS = pd.bdate_range("2024-01-01", periods=4, name="date")
TABLE = {
    "neutral": {"spy": 0.6, "ief": 0.3},
    "when": [
        {"name": "rates", "signal": "ten_year_above", "move": 0.5, "from": "spy", "to": "ief"},
        {
            "name": "cheap",
            "signal": "vix_cheap",
            "above": 0.5,
            "move": 0.1,
            "from": "ief",
            "to": "gld",
        },
        {"name": "panic", "signal": "vix_stress", "hold": {"shy": 1.0}},
    ],
}


def _strategy(**parameters: float):  # type: ignore[no-untyped-def]
    book = rule_books({"my_rules": TABLE}, where="test")["my_rules"]
    return rule_strategy(book)(**parameters)


def _view(strategy, rates, panic, cheap_values) -> MarketView:  # type: ignore[no-untyped-def]
    prices = pd.DataFrame(100.0, index=DAYS, columns=list(strategy.assets))
    cheap = signal_result("vix_cheap", [None] * 4, DAYS)
    cheap = dataclasses.replace(cheap, value=pd.Series(cheap_values, index=DAYS, dtype=float))
    return MarketView(
        prices=prices,
        signals={
            "ten_year_above": signal_result("ten_year_above", rates, DAYS),
            "vix_stress": signal_result("vix_stress", panic, DAYS),
            "vix_cheap": cheap,
        },
    )


def test_rules_move_hold_and_stay_neutral_when_unknown() -> None:
    strategy = _strategy()
    assert strategy.name == "my_rules" and strategy.assets == ("spy", "ief", "gld", "shy")
    assert set(strategy.signals) == {"ten_year_above", "vix_cheap", "vix_stress"}
    view = _view(
        strategy,
        rates=[True, None, False, True],
        panic=[False, False, None, True],
        cheap_values=[0.9, 0.2, math.nan, 0.9],
    )
    targets = strategy.target_weights(view)
    # day 0: 0.5 moved from SPY (capped at nothing: SPY holds 0.6), then 0.1 of IEF to gold
    assert targets.iloc[0][["spy", "ief", "gld", "shy"]].tolist() == pytest.approx(
        [0.1, 0.7, 0.1, 0.0]
    )
    # day 1: rates unknown, cheap below its level: neutral
    assert targets.iloc[1][["spy", "ief", "gld"]].tolist() == pytest.approx([0.6, 0.3, 0.0])
    assert targets.iloc[1]["cash"] == pytest.approx(0.1)
    # day 3: the hold replaces everything
    assert targets.iloc[3][["spy", "ief", "gld", "shy"]].tolist() == pytest.approx([0, 0, 0, 1.0])


def test_a_move_never_takes_more_than_the_source_holds() -> None:
    strategy = _strategy(rates_move=1.0)
    targets = strategy.target_weights(_view(strategy, [True] * 4, [False] * 4, [0.0] * 4))
    assert targets["spy"].tolist() == pytest.approx([0.0] * 4)
    assert targets["ief"].tolist() == pytest.approx([0.9] * 4)


def test_rule_parameters_build_sweep_and_pickle_like_any_other() -> None:
    strategy = _strategy()
    cls = type(strategy)
    built = build_strategy(
        "my_rules", {"rates_move": 0.25, "cheap_above": 0.7}, known={"my_rules": cls}
    )
    assert built.parameters()["rates_move"] == 0.25 and built.parameters()["cheap_above"] == 0.7
    with pytest.raises(UserError, match="rates_move"):
        build_strategy("my_rules", {"rates_move": 1.5}, known={"my_rules": cls})
    again = pickle.loads(pickle.dumps(built))
    assert again == built and type(again) is cls
    frame = _view(built, [True] * 4, [False] * 4, [0.8] * 4)
    np.testing.assert_allclose(again.target_weights(frame), built.target_weights(frame))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"neutral": {"spy": 0.8, "ief": 0.4}}, "neutral weights sum to more than 1"),
        (
            {"neutral": {"spy": 1.0}, "when": [{"name": "a", "signal": "vix_stress", "move": 0.1}]},
            "needs move, from and to",
        ),
        (
            {
                "neutral": {"spy": 1.0},
                "when": [
                    {
                        "name": "a",
                        "signal": "vix_stress",
                        "move": 0.1,
                        "from": "spy",
                        "to": "ief",
                        "hold": {"shy": 1.0},
                    }
                ],
            },
            "either moves weight",
        ),
        (
            {
                "neutral": {"spy": 1.0},
                "when": [{"name": "A b", "signal": "vix_stress", "hold": {"shy": 1.0}}],
            },
            "rules.bad: when.0.name",
        ),
        ({"neutral": {"spy": 1.0}, "colour": "red"}, "rules.bad: colour"),
    ],
)
def test_a_bad_rule_table_is_one_line_naming_it(table: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(UserError, match=message):
        rule_books({"bad": table}, where="test")

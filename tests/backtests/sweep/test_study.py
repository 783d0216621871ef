"""A sweep of a signal-driven strategy is judged against its neutral twin, not against zero."""

from __future__ import annotations

import numpy as np
import pandas as pd

from macropatch.backtests.sweep.objective import Objective
from macropatch.backtests.sweep.study import study_sweep
from macropatch.backtests.sweep.verdict import VerdictLevel, sweep_verdict
from macropatch.backtests.sweep.walk_forward import WalkForward, stitch_choices

DAYS = pd.bdate_range("2000-01-03", periods=2_520, name="date")
SPEC = WalkForward(train_days=504, test_days=252, gap_days=2, objective=Objective.SHARPE)


def _variants(rng: np.random.Generator, edge: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten variants of a strategy that rides a rising market; their twin is the same market
    exposure without the signals; each variant adds ``edge`` a day plus noise of its own."""
    market = rng.normal(0.0006, 0.01, len(DAYS))
    columns = pd.Index([0.1 * step for step in range(10)], name="signals.x.threshold")
    noise = rng.normal(edge, 0.002, (len(DAYS), len(columns)))
    returns = pd.DataFrame(market[:, None] + noise, index=DAYS, columns=columns)
    twins = pd.DataFrame(np.repeat(market[:, None], len(columns), axis=1), index=DAYS,
                         columns=columns)  # fmt: skip
    return returns, twins


def _study(returns: pd.DataFrame, twins: pd.DataFrame | None) -> object:
    return study_sweep(
        returns,
        turnover=returns * 0.0,
        benchmark=twins.iloc[:, 0].rename("spy") if twins is not None else returns.iloc[:, 0],
        objective=Objective.SHARPE,
        spec=SPEC,
        blocks=8,
        twins=twins,
    )


def test_signals_that_add_nothing_are_not_an_edge_though_the_strategy_beats_zero() -> None:
    returns, twins = _variants(np.random.default_rng(1), edge=0.0)
    raw = _study(returns, None)
    judged = _study(returns, twins)
    assert raw.compared.at["walk_forward", "sharpe"] > 0.5  # beta: the strategy beats zero
    assert judged.against_twin and judged.verdict.level is VerdictLevel.BAD
    assert "over the twin" in judged.verdict.text
    assert judged.metrics["active_t"].abs().max() < 3.0  # no variant adds anything real
    assert judged.raw_walk_forward.index.equals(judged.forward.returns.index)
    np.testing.assert_allclose(
        judged.raw_walk_forward - judged.forward.returns,
        stitch_choices(judged.forward, twins),
        atol=1e-15,
    )


def test_signals_with_a_real_edge_over_the_twin_hold_up() -> None:
    returns, twins = _variants(np.random.default_rng(2), edge=0.0004)
    judged = _study(returns, twins)
    assert judged.metrics["active_t"].min() > 2.0
    assert judged.forward.returns.mean() > 0 and judged.dsr > 0.95
    assert not judged.verdict.text.startswith("Tuning does not beat the neutral twin")
    # equal edges rank at random: the search may not help, but the edge is named as real
    assert judged.verdict.level is not VerdictLevel.BAD or judged.verdict.text.startswith(
        "The signals' edge over the twin survives the search"
    )


def test_the_verdict_says_when_tuning_loses_to_the_twin_out_of_sample() -> None:
    verdict = sweep_verdict(
        pbo=0.1, dsr=0.99, trials=10, oos_sharpe=-0.2, same_days_sharpe=0.3, oos_active=-0.004
    )
    assert verdict.level is VerdictLevel.BAD
    assert verdict.text.startswith("Tuning does not beat the neutral twin")
    raw = sweep_verdict(pbo=0.1, dsr=0.99, trials=10, oos_sharpe=0.6, same_days_sharpe=0.7)
    assert raw.level is VerdictLevel.GOOD and "twin" not in raw.text

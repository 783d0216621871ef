"""A sweep's study: from the variants' returns to how far the best one can be trusted.

Requires the daily returns (and turnover) of every variant, one column each
(named after the parameters, as :meth:`~macropatch.backtests.sweep.grid.Grid.columns`
names them), the benchmark's returns on the same days, the objective, the
walk-forward and the number of PBO blocks. Produces a :class:`SweepStudy`:
the metrics of every variant, the best one in sample, the walk-forward out of
sample, the overfitting statistics (over distinct variants only) and the
:class:`~macropatch.backtests.sweep.verdict.Verdict`.

Also here, so that no caller re-implements them: :func:`gap_minimum` (the
smallest honest walk-forward gap), :func:`fingerprint` (what identifies a
sweep's batches for a resume) and :func:`engine_difference` (the kernel
checked against the vectorbt engine on one variant).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from macropatch.backtests.metrics.columns import measure_columns
from macropatch.backtests.metrics.newey_west import newey_west_t
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.backtests.sweep.objective import Objective
from macropatch.backtests.sweep.overfitting import (
    BacktestOverfitting,
    deflated_sharpe_ratio,
    distinct_columns,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    sharpe_ratios_per_period,
)
from macropatch.backtests.sweep.verdict import Verdict, sweep_verdict
from macropatch.backtests.sweep.walk_forward import (
    WalkForward,
    WalkForwardResult,
    stitch_choices,
    walk_forward,
)
from macropatch.marketdata.errors import UserError

__all__ = [
    "CALENDAR_DAYS_PER_YEAR",
    "TIE_RULE",
    "SweepStudy",
    "engine_difference",
    "fingerprint",
    "gap_minimum",
    "study_sweep",
]

CALENDAR_DAYS_PER_YEAR = 365

TIE_RULE = (
    "variants with identical daily returns count as one trial (the first in grid order); "
    "among variants with equal scores the first in grid order ranks best"
)


def gap_minimum(execution_lag: int, publication_lags_days: Iterable[int]) -> int:
    """The smallest walk-forward gap that leaks nothing, in trading days.

    Parameters
    ----------
    execution_lag
        Trading days from a decision to its trade.
    publication_lags_days
        The calendar-day publication lag of every series the variants read.

    Returns
    -------
    int
        The execution lag plus the slowest publication lag, converted to
        trading days (252 a year against 365 calendar days) and rounded up.
    """
    slowest = max(publication_lags_days, default=0)
    return execution_lag + math.ceil(slowest * PERIODS_PER_YEAR / CALENDAR_DAYS_PER_YEAR)


def fingerprint(parts: Mapping[str, Any]) -> str:
    """A 16-hex-digit digest of a sweep's inputs (JSON with sorted keys; dates as text)."""
    text = json.dumps(parts, sort_keys=True, default=str, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def engine_difference(kernel_returns: np.ndarray, engine_returns: pd.Series) -> float:
    """The largest daily difference between the kernel's and the engine's returns of a variant.

    Raises
    ------
    RuntimeError
        Above 1e-9: the two simulators disagree, and no result is written.
    """
    difference = float(np.abs(engine_returns.to_numpy() - kernel_returns).max())
    if difference > 1e-9:
        raise RuntimeError(
            f"the sweep kernel and the vectorbt engine disagree by {difference:.3g} on "
            "the best variant"
        )
    return difference


@dataclass(frozen=True, kw_only=True, eq=False)
class SweepStudy:
    """What a sweep found.

    Attributes
    ----------
    metrics
        One row per variant (:func:`~macropatch.backtests.metrics.columns.measure_columns`).
    best_position, best_parameters
        The variant with the best objective over the whole period (ties: the
        first in grid order) and its parameters by path.
    forward
        The walk-forward selection.
    compared
        Metrics of the best variant over the whole period and on the
        walk-forward's test days, of the walk-forward and (judged on raw
        returns only) of the benchmark on those days (rows ``best``,
        ``best_in_sample``, ``walk_forward`` and the benchmark's name).
    overfitting
        The probability of backtest overfitting over the distinct variants.
    psr, dsr, oos_psr
        Probabilistic and deflated Sharpe ratios of the best variant, and the
        probabilistic Sharpe ratio of the walk-forward.
    trials
        Distinct variants (identical returns count once).
    verdict
        The one-line judgement.
    against_twin
        True when the variants were judged on their return over their neutral
        twins (the strategy reads signals): the ranking, the walk-forward,
        :attr:`compared`, PBO, PSR and DSR are then of active returns.
    raw_walk_forward
        The walk-forward's choices applied to the variants' own returns.
    """

    metrics: pd.DataFrame
    best_position: int
    best_parameters: dict[str, Any]
    forward: WalkForwardResult
    compared: pd.DataFrame
    overfitting: BacktestOverfitting
    psr: float
    dsr: float
    oos_psr: float
    trials: int
    verdict: Verdict
    against_twin: bool
    raw_walk_forward: pd.Series

    def numbers(self, row: str) -> dict[str, Any]:
        """One row of :attr:`compared` as a plain mapping (counts stay whole numbers)."""
        return {str(key): value for key, value in self.compared.loc[row].to_dict().items()}


def study_sweep(
    returns: pd.DataFrame,
    *,
    turnover: pd.DataFrame | pd.Series,
    benchmark: pd.Series,
    objective: Objective,
    spec: WalkForward,
    blocks: int,
    twins: pd.DataFrame | None = None,
    twin_of: Sequence[int] | None = None,
) -> SweepStudy:
    """Rank the variants, walk forward, and measure how much the search may have overfit.

    With ``twins`` (each variant's twin's returns; or, with ``twin_of``, the distinct
    twins and each variant's position among them), every judgement is made on the
    active return ``returns - twins``: does tuning the signals beat the same strategy
    with its signals held quiet, not does the strategy beat zero. The metrics add
    each variant's active return (``active_return``, annualised), its Newey-West
    t-statistic (``active_t``) and the objective of the active return (``active_score``).

    Raises
    ------
    UserError
        When the walk-forward or the PBO cannot be computed on these returns
        (too few days for the windows or the blocks).
    """
    metrics, judged, scores = _judged(returns, turnover, twins, twin_of, objective)
    best_position = int(np.nanargmax(scores))
    names = [str(name) for name in returns.columns.names]
    best_parameters = dict(zip(names, _labels(returns.columns[best_position]), strict=True))
    try:
        forward = walk_forward(judged, spec)
    except ValueError as error:
        raise UserError(f"walk-forward: {error}") from None
    oos = forward.returns
    best_returns = judged.iloc[:, best_position]
    rows = [
        best_returns.rename("best"),
        best_returns.loc[oos.index].rename("best_in_sample"),
        oos.rename("walk_forward"),
    ]
    if twins is None:
        rows.append(benchmark.loc[oos.index])
    compared = measure_columns(pd.concat(rows, axis=1))
    kept = distinct_columns(judged.to_numpy())  # identical variants are one trial
    trials = judged.iloc[:, kept].to_numpy()
    try:
        overfitting = probability_of_backtest_overfitting(trials, blocks=blocks)
    except ValueError as error:
        raise UserError(f"probability of backtest overfitting: {error}") from None
    psr = probabilistic_sharpe_ratio(best_returns)
    dsr = (
        deflated_sharpe_ratio(best_returns, trial_sharpes=sharpe_ratios_per_period(trials))
        if len(kept) > 1
        else psr
    )
    verdict = sweep_verdict(
        pbo=overfitting.probability,
        dsr=dsr,
        trials=len(kept),
        oos_sharpe=float(compared.at["walk_forward", "sharpe"]),  # type: ignore[arg-type]
        same_days_sharpe=float(compared.at["best_in_sample", "sharpe"]),  # type: ignore[arg-type]
        oos_active=None if twins is None else float(oos.mean()) * PERIODS_PER_YEAR,
    )
    return SweepStudy(
        metrics=metrics,
        best_position=best_position,
        best_parameters=best_parameters,
        forward=forward,
        compared=compared,
        overfitting=overfitting,
        psr=psr,
        dsr=dsr,
        oos_psr=probabilistic_sharpe_ratio(oos),
        trials=len(kept),
        verdict=verdict,
        against_twin=twins is not None,
        raw_walk_forward=oos if twins is None else stitch_choices(forward, returns),
    )


def _over_twins(
    returns: pd.DataFrame, twins: pd.DataFrame, twin_of: Sequence[int] | None
) -> pd.DataFrame:
    """``returns`` less each variant's twin, in one copy of ``returns``."""
    values = returns.to_numpy(dtype=float, copy=True)
    twin_values = twins.to_numpy(dtype=float)
    if twin_of is None:
        values -= twin_values
    else:
        positions = np.asarray(twin_of)
        if positions.shape != (values.shape[1],):
            raise ValueError(f"twin_of must name one twin per variant, got {positions.shape}")
        for twin in np.unique(positions):
            columns = np.flatnonzero(positions == twin)
            if len(columns) == values.shape[1]:
                values -= twin_values[:, [twin]]
            else:
                values[:, columns] -= twin_values[:, [twin]]
    return pd.DataFrame(values, index=returns.index, columns=returns.columns, copy=False)


def _judged(
    returns: pd.DataFrame,
    turnover: pd.DataFrame | pd.Series,
    twins: pd.DataFrame | None,
    twin_of: Sequence[int] | None,
    objective: Objective,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Each variant's metrics, the returns the study judges (over the twins when given) and
    their objective scores; with twins the metrics gain ``active_return``, ``active_t`` and
    ``active_score``.
    """
    metrics = measure_columns(returns, turnover=turnover)
    judged = returns if twins is None else _over_twins(returns, twins, twin_of)
    scores = objective.score(judged).to_numpy()
    if twins is not None:
        metrics["active_return"] = judged.mean().to_numpy() * PERIODS_PER_YEAR
        metrics["active_t"] = [
            newey_west_t(judged.iloc[:, column]) for column in range(judged.shape[1])
        ]
        metrics["active_score"] = scores  # the objective of the return over the twin
    return metrics, judged, scores


def _labels(label: object) -> tuple[object, ...]:
    """A column label as a tuple (one level: a 1-tuple), numpy scalars as Python ones."""
    values = label if isinstance(label, tuple) else (label,)
    return tuple(value.item() if isinstance(value, np.generic) else value for value in values)

"""Conditional block bootstrap: one-year outcomes drawn from days like today.

Requires daily returns (fractions, rows = trading days, columns = strategies,
complete) and a boolean condition on the same index: the days on which the
chosen stress signals fired. Produces a :class:`BootstrapResult`: one
compounded ``horizon_days`` return per path and strategy.

A path concatenates ``ceil(horizon_days / block_days)`` blocks of
``block_days`` consecutive days and is cut to ``horizon_days`` (the last block
keeps only its first days). A block is eligible when its **first** day is a
condition day and it lies fully within the data; blocks are drawn uniformly
among eligible starts, with replacement. The same draws serve every column,
so a path is one joint history and cross-correlation is kept.

Cost: block sums come from cumulative sums of ``log1p`` returns, so a run
costs O(paths x blocks x columns) with memory O(paths x (blocks + columns) +
days x columns), whatever the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.marketdata.errors import UserError

__all__ = [
    "MINIMUM_STARTS",
    "BootstrapResult",
    "conditional_block_bootstrap",
    "draw_block_starts",
    "eligible_block_starts",
]

MINIMUM_STARTS = 20
"""Fewest eligible block starts a bootstrap accepts by default."""


@dataclass(frozen=True, kw_only=True, eq=False)
class BootstrapResult:
    """Bootstrapped outcomes and how they were drawn.

    Attributes
    ----------
    outcomes
        Paths x strategies: the compounded return over ``horizon_days``
        (``prod(1 + r) - 1`` along the path), rows on a ``RangeIndex`` named ``path``.
    eligible_starts
        Block starts that qualified (condition day, block inside the data).
    condition_days
        Days on which the condition held.
    seed, paths, horizon_days, block_days
        The draw's settings.
    """

    outcomes: pd.DataFrame
    eligible_starts: int
    condition_days: int
    seed: int
    paths: int
    horizon_days: int
    block_days: int

    def summary(self) -> pd.DataFrame:
        """Per strategy (rows): ``median``, ``quantile_05``, ``quantile_95``, ``mean``,
        ``probability_loss_20`` (share of paths below -20%) and ``probability_loss``
        (share below 0).
        """
        outcomes = self.outcomes
        return pd.DataFrame(
            {
                "median": outcomes.median(),
                "quantile_05": outcomes.quantile(0.05),
                "quantile_95": outcomes.quantile(0.95),
                "mean": outcomes.mean(),
                "probability_loss_20": (outcomes < -0.20).mean(),
                "probability_loss": (outcomes < 0.0).mean(),
            }
        )


def eligible_block_starts(condition: pd.Series, *, block_days: int) -> np.ndarray:
    """Positions of the days that can start a block.

    Parameters
    ----------
    condition
        Boolean per day (nullable allowed; NA counts as False).
    block_days
        Block length in rows.

    Returns
    -------
    numpy.ndarray
        Sorted positions ``i`` (int64) with ``condition[i]`` true and
        ``i + block_days <= len(condition)``.
    """
    if block_days < 1:
        raise ValueError(f"block_days must be positive, not {block_days}")
    fired = _fired(condition)
    return np.flatnonzero(fired[: max(len(fired) - block_days + 1, 0)]).astype(np.int64)


def draw_block_starts(eligible: np.ndarray, *, paths: int, blocks: int, seed: int) -> np.ndarray:
    """Draw block starts uniformly among ``eligible``, with replacement.

    Returns an int64 array of shape ``(paths, blocks)``: row ``p`` lists the
    starts of path ``p``'s blocks in order. The draw is
    ``numpy.random.default_rng(seed).integers(0, len(eligible), (paths, blocks))``
    mapped onto ``eligible``, so a seed fixes it.
    """
    if len(eligible) == 0:
        raise ValueError("no eligible block starts to draw from")
    generator = np.random.default_rng(seed)
    return np.asarray(eligible, dtype=np.int64)[
        generator.integers(0, len(eligible), size=(paths, blocks))
    ]


def conditional_block_bootstrap(
    returns: pd.DataFrame,
    condition: pd.Series,
    *,
    paths: int = 10_000,
    horizon_days: int = 252,
    block_days: int = 21,
    seed: int = 0,
    minimum_starts: int = MINIMUM_STARTS,
) -> BootstrapResult:
    """Bootstrap ``horizon_days`` outcomes from blocks that start on condition days.

    Parameters
    ----------
    returns
        Daily returns, columns = strategies; no missing value, none <= -100%.
    condition
        Boolean per day on the same index (NA counts as False).
    paths, horizon_days, block_days
        Paths drawn, days per path and days per block (all positive).
    seed
        Seed of the random generator: the same seed draws the same paths.
    minimum_starts
        Fewest eligible block starts accepted.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    UserError
        If a column has a missing, infinite or <= -100% return, the condition
        is on another index, or fewer than ``minimum_starts`` blocks qualify.
    """
    if min(paths, horizon_days, block_days) < 1 or len(returns.columns) == 0:
        raise ValueError("paths, horizon_days and block_days must be positive, returns non-empty")
    if not condition.index.equals(returns.index):
        raise UserError(
            f"the condition {condition.name!r} must be on the returns' days "
            f"({len(condition)} against {len(returns)} rows, or other dates)"
        )
    values = _usable_returns(returns)
    eligible = eligible_block_starts(condition, block_days=block_days)
    condition_days = int(_fired(condition).sum())
    if len(eligible) < minimum_starts:
        raise UserError(
            f"the condition fired on {condition_days} days, of which {len(eligible)} start a "
            f"full {block_days}-day block inside the data; at least {minimum_starts} are needed"
        )
    blocks = math.ceil(horizon_days / block_days)
    last_length = horizon_days - (blocks - 1) * block_days
    starts = draw_block_starts(eligible, paths=paths, blocks=blocks, seed=seed)
    growth = _path_growth(values, eligible, starts, block_days, last_length)
    outcomes = pd.DataFrame(
        np.expm1(growth), index=pd.RangeIndex(paths, name="path"), columns=returns.columns
    )
    return BootstrapResult(
        outcomes=outcomes,
        eligible_starts=len(eligible),
        condition_days=condition_days,
        seed=seed,
        paths=paths,
        horizon_days=horizon_days,
        block_days=block_days,
    )


def _usable_returns(returns: pd.DataFrame) -> np.ndarray:
    """The returns as floats, refusing a missing, infinite or <= -100% one (UserError)."""
    values = returns.to_numpy(dtype=np.float64, na_value=np.nan)
    unusable = ~np.isfinite(values) | (values <= -1.0)
    if unusable.any():
        row, column = np.argwhere(unusable)[0]
        raise UserError(
            f"returns column {returns.columns[column]!r} has {values[row, column]} on "
            f"{returns.index[row]}: the bootstrap needs finite returns above -100% every day"
        )
    return values


def _path_growth(
    values: np.ndarray,
    eligible: np.ndarray,
    starts: np.ndarray,
    block_days: int,
    last_length: int,
) -> np.ndarray:
    """Log growth of each path (paths x columns): its full blocks, then its shorter last one."""
    cumulative = np.zeros((len(values) + 1, values.shape[1]))
    np.cumsum(np.log1p(values), axis=0, out=cumulative[1:])
    # log growth of a block at each eligible start: full length, and the last block's length
    full = cumulative[eligible + block_days] - cumulative[eligible]
    last = cumulative[eligible + last_length] - cumulative[eligible]
    slot = np.searchsorted(eligible, starts)  # row of each drawn start in `full` / `last`
    growth = last[slot[:, -1]]
    for block in range(starts.shape[1] - 1):
        growth += full[slot[:, block]]
    result: np.ndarray = growth
    return result


def _fired(condition: pd.Series) -> np.ndarray:
    """The condition as a numpy boolean array, NA as False."""
    if not (pd.api.types.is_bool_dtype(condition.dtype) or condition.dtype == object):
        raise ValueError(f"condition {condition.name!r} must be boolean, not {condition.dtype}")
    return condition.astype("boolean").fillna(False).to_numpy(dtype=bool)

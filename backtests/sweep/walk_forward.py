"""Walk-forward selection over a sweep's returns matrix.

On each train window every variant is scored by an :class:`Objective` on the
train rows only; the best one is held over the test window that follows
(after a gap), and the test windows, which tile the period without overlap,
are stitched into one out-of-sample return series. The choice for a window
can depend only on rows up to its train end: the scores are computed on a
slice that ends there.

Requires a returns matrix (rows = trading days on an increasing
:class:`pandas.DatetimeIndex`, columns = variants) and a :class:`WalkForward`.
Produces a :class:`WalkForwardResult`.

Windows, in row positions (``n`` rows): window ``k`` tests rows
``[s_k, min(s_k + test_days, n))`` with ``s_k = train_days + gap_days + k *
test_days``; it trains on the ``train_days`` rows ending ``gap_days + 1`` rows
before ``s_k`` (rolling) or on every row from the first to that same end
(expanding). The last test window may be shorter than ``test_days`` (cut at
the end of the data); it is kept, since it has at least one row.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.backtests.sweep.objective import Objective

__all__ = [
    "stitch_choices",
    "WalkForward",
    "WalkForwardResult",
    "Window",
    "WindowMode",
    "variant_name",
    "walk_forward",
    "walk_forward_windows",
]


class WindowMode(enum.Enum):
    """How the train window moves from one test window to the next."""

    ROLLING = "rolling"
    """A fixed number of rows, moving forward with the test window."""
    EXPANDING = "expanding"
    """Every row from the first one up to the train end."""


@dataclass(frozen=True, kw_only=True)
class WalkForward:
    """The shape of a walk-forward selection.

    Attributes
    ----------
    train_days
        Rows in a rolling train window (the first train window when expanding).
    test_days
        Rows in a test window; the step from one window to the next.
    gap_days
        Rows skipped between a train window's end and its test window's start.
    mode
        Rolling or expanding train windows.
    objective
        The statistic that ranks the variants on a train window.
    """

    train_days: int
    test_days: int
    gap_days: int
    mode: WindowMode = WindowMode.ROLLING
    objective: Objective = Objective.SHARPE

    def __post_init__(self) -> None:
        """Refuse window lengths that are not whole numbers in range, or a mode or objective of another type."""
        for name, minimum in (("train_days", 1), ("test_days", 1), ("gap_days", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise TypeError(f"{name} must be an integer, got {value!r}")
            if value < minimum:
                bound = "positive" if minimum else "zero or positive"
                raise ValueError(f"{name} must be {bound}, got {value}")
        if not isinstance(self.mode, WindowMode):
            raise TypeError(f"mode must be a WindowMode, got {self.mode!r}")
        if not isinstance(self.objective, Objective):
            raise TypeError(f"objective must be an Objective, got {self.objective!r}")


@dataclass(frozen=True, kw_only=True)
class Window:
    """One train window and the test window that follows it.

    Attributes
    ----------
    train_start, train_end, test_start, test_end
        First and last dates of each window (inclusive).
    train_rows, test_rows
        The same windows as positional slices of the index (stop excluded).
    """

    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp
    train_rows: slice
    test_rows: slice


@dataclass(frozen=True, kw_only=True, eq=False)
class WalkForwardResult:
    """The outcome of a walk-forward selection.

    Attributes
    ----------
    returns
        The out-of-sample returns, named ``walk_forward``: per test window,
        the returns of the variant chosen on its train window (missing values
        pass through), on the union of the test windows.
    windows
        One row per window: ``train_start``, ``train_end``, ``test_start``,
        ``test_end``, ``chosen`` (the variant, see :func:`variant_name`),
        ``in_sample_score`` (its score on the train window) and
        ``out_of_sample_score`` (its score on the test window; NaN when the
        statistic is undefined there, e.g. a Sharpe ratio of one return).
    chosen
        The column label of the chosen variant, per window.
    best_in_sample_label
        The column label of the variant best over the whole period, the
        choice a selection with hindsight would make.
    spec
        The walk-forward that produced this result.
    """

    returns: pd.Series
    windows: pd.DataFrame
    chosen: list[Hashable]
    best_in_sample_label: Hashable
    spec: WalkForward


def stitch_choices(result: WalkForwardResult, matrix: pd.DataFrame) -> pd.Series:
    """The walk-forward's choices applied to another matrix with the same columns and days.

    For instance the variants' own returns, when the choices were made on their
    active returns against their twins.
    """
    labels: list[Hashable] = list(matrix.columns)
    pieces: list[pd.Series] = []
    for row, label in zip(result.windows.itertuples(), result.chosen, strict=True):
        days = (matrix.index >= row.test_start) & (matrix.index <= row.test_end)
        pieces.append(pd.Series(matrix.iloc[np.flatnonzero(days), labels.index(label)]))
    stitched: pd.Series = pd.concat(pieces).astype(float)
    return stitched.rename("walk_forward")


def walk_forward_windows(index: pd.DatetimeIndex, spec: WalkForward) -> list[Window]:
    """Cut a calendar into train and test windows.

    Parameters
    ----------
    index
        The trading days, strictly increasing.
    spec
        Window sizes (in rows) and mode.

    Returns
    -------
    list of Window
        In time order; test windows tile the rows after the first train
        window and gap, the last one possibly shorter.

    Raises
    ------
    TypeError
        If ``index`` is not a DatetimeIndex.
    ValueError
        If the index is not strictly increasing, or has fewer rows than
        ``train_days + gap_days + 1``.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(f"index must be a DatetimeIndex, got {type(index).__name__}")
    if not (index.is_monotonic_increasing and index.is_unique):
        raise ValueError("index must be strictly increasing")
    rows = len(index)
    needed = spec.train_days + spec.gap_days + 1
    if rows < needed:
        raise ValueError(
            f"walk-forward needs at least train_days + gap_days + 1 = {spec.train_days} + "
            f"{spec.gap_days} + 1 = {needed} rows, got {rows}"
        )
    windows = []
    for test_start in range(spec.train_days + spec.gap_days, rows, spec.test_days):
        train_stop = test_start - spec.gap_days
        train_start = 0 if spec.mode is WindowMode.EXPANDING else train_stop - spec.train_days
        test_stop = min(test_start + spec.test_days, rows)
        windows.append(
            Window(
                train_start=index[train_start],
                train_end=index[train_stop - 1],
                test_start=index[test_start],
                test_end=index[test_stop - 1],
                train_rows=slice(train_start, train_stop),
                test_rows=slice(test_start, test_stop),
            )
        )
    return windows


def walk_forward(returns: pd.DataFrame, spec: WalkForward) -> WalkForwardResult:
    """Choose a variant on each train window and hold it over the next test window.

    Parameters
    ----------
    returns
        Daily returns, one column per variant, on a strictly increasing
        DatetimeIndex. Missing values are skipped when scoring; a variant
        without any value in a train window is not chosen there.
    spec
        Windows and objective.

    Returns
    -------
    WalkForwardResult
        The stitched out-of-sample returns and the choice per window. Ties go
        to the first column; a variant whose score is NaN is never chosen.

    Raises
    ------
    TypeError
        If ``returns`` is not a DataFrame on a DatetimeIndex.
    ValueError
        If ``returns`` has no column, the windows cannot be cut (see
        :func:`walk_forward_windows`), a value is infinite, or every
        variant's score is NaN on some train window.
    """
    if not isinstance(returns, pd.DataFrame):
        raise TypeError(f"returns must be a pandas DataFrame, got {type(returns).__name__}")
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise TypeError(f"returns need a DatetimeIndex, got {type(returns.index).__name__}")
    if returns.shape[1] == 0:
        raise ValueError("returns hold no variant to choose from")
    windows = walk_forward_windows(returns.index, spec)
    rows: list[dict[str, object]] = []
    pieces: list[pd.Series] = []
    chosen: list[Hashable] = []
    for window in windows:
        train = returns.iloc[window.train_rows]
        scores = _scores(train, spec.objective)
        period = f"the train window {window.train_start.date()} to {window.train_end.date()}"
        position = _best(scores, period)
        test = returns.iloc[window.test_rows, position]
        pieces.append(test)
        chosen.append(returns.columns[position])
        rows.append(
            {
                "train_start": window.train_start,
                "train_end": window.train_end,
                "test_start": window.test_start,
                "test_end": window.test_end,
                "chosen": variant_name(returns.columns, position),
                "in_sample_score": float(scores[position]),
                "out_of_sample_score": float(_scores(test.to_frame(), spec.objective)[0]),
            }
        )
    stitched = pd.concat(pieces).astype(float).rename("walk_forward")
    best = _best(_scores(returns, spec.objective), "the whole period")
    return WalkForwardResult(
        returns=stitched,
        windows=pd.DataFrame(rows, index=pd.RangeIndex(len(rows), name="window")),
        chosen=chosen,
        best_in_sample_label=returns.columns[best],
        spec=spec,
    )


def variant_name(columns: pd.Index, position: int) -> str:
    """A column label as text: ``"param=value, param=value"`` for a MultiIndex.

    Parameters
    ----------
    columns
        The columns of a returns matrix.
    position
        The column's position.

    Returns
    -------
    str
        For a MultiIndex, each level as ``name=value`` (the value alone for an
        unnamed level); otherwise ``str`` of the label.
    """
    label = columns[position]
    if not isinstance(columns, pd.MultiIndex):
        return str(label)
    return ", ".join(
        str(value) if name is None else f"{name}={value}"
        for name, value in zip(columns.names, label, strict=True)
    )


def _scores(returns: pd.DataFrame, objective: Objective) -> np.ndarray:
    """Score per column; NaN for a column without any value in these rows."""
    observed = returns.notna().any(axis=0).to_numpy()
    scores = np.full(returns.shape[1], np.nan)
    if observed.any():
        scores[observed] = objective.score(returns.iloc[:, observed]).to_numpy()
    return scores


def _best(scores: np.ndarray, where: str) -> int:
    """Position of the highest score, the first one on a tie; NaN never wins."""
    if np.isnan(scores).all():
        raise ValueError(f"every variant's score is NaN on {where}: nothing to choose")
    return int(np.nanargmax(scores))

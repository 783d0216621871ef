"""``summary.json``: the numbers of a run, per strategy, with where they came from.

Requires a :class:`macropatch.backtests.engine.result.ResultSet` and the facts of the run,
assembled by the caller. Produces a :class:`~macropatch.reports.documents.RunSummary`
and the file::

    {
      "schema": "macropatch.run/1",          (marks a folder macropatch wrote)
      "run": {
        "experiment": "default",
        "macropatch_version": "0.1.0",
        "period": {"start": "2005-01-03", "end": "2025-12-31"},
        "costs": {"fees": 0.0005, "slippage": 0.0005},
        "execution_lag": 1,
        "benchmark": "sixty_forty",
        "data": [{"series": "spy", "source": "pack", "location": "...",
                  "last_date": "2025-12-31", "content_hash": "..."}],
        ...                                  (any further keys pass through)
      },
      "strategies": {
        "<name>": {"cagr": ..., "volatility": ..., "sharpe": ..., "sortino": ...,
                   "max_drawdown": ..., "calmar": ..., "turnover": ...,
                   "worst_month": ..., "hedge_cost": ... (null without hedges),
                   "total_return": ..., "start": "...",
                   "end": "...", "days": ..., "parameters": {...},
                   "config_hash": "...", "data_hash": "...",
                   "stress_windows": {"2020 Covid crash": {"return": ..., "max_drawdown": ...},
                                      ...},
                   "annual_returns": {"2021": ..., "2022": ...}}
      },
      "correlation": {"<name>": {"<name>": ..., ...}},
      "signals": [{"name": "ten_year_above[threshold=0.05]", "signal": "ten_year_above",
                   "parameters": {...}, "family": "rates", "threshold": 0.05,
                   "missing": [], "state": "quiet", "last_data": "2026-04-28"}, ...]
    }

Metrics follow :mod:`macropatch.backtests.metrics.performance` (252 days a year, rf = 0; fractions,
not percentages). Stress windows (every window of
:data:`macropatch.reports.crises.DEFAULT_WINDOWS`, ``null`` where the data do not cover
it), calendar-year returns and the correlation of daily returns follow
:mod:`macropatch.reports.crises`. A number that does not exist (NaN) or is infinite is
``null``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

from macropatch.backtests.engine.result import ResultSet
from macropatch.backtests.metrics.performance import measure
from macropatch.marketdata.documents import Document
from macropatch.reports.crises import (
    DEFAULT_WINDOWS,
    StressWindow,
    annual_returns,
    correlations,
    stress_windows,
)
from macropatch.reports.documents import (
    RunInfo,
    RunSummary,
    SignalRecord,
    StrategySummary,
)
from macropatch.reports.html import write_text_atomically

__all__ = [
    "build_summary",
    "neutral_by_default",
    "without_proxies",
    "to_json_value",
    "write_summary",
]


def build_summary(
    results: ResultSet,
    *,
    run_info: Mapping[str, object] | RunInfo,
    signals: Sequence[SignalRecord | Mapping[str, object]] = (),
    windows: Sequence[StressWindow] = DEFAULT_WINDOWS,
    real_starts: Mapping[str, pd.Timestamp] | None = None,
) -> RunSummary:
    """Measure every strategy and gather the facts of the run.

    Parameters
    ----------
    results
        The strategies of the run, the benchmark included, in run order.
    run_info
        The facts of the run, assembled by the caller (:class:`RunInfo`, or
        its fields as a mapping; ``period`` may be a pair of dates).
    signals
        One record per signal of the run
        (:func:`macropatch.reports.signal_history.signal_records`).
    windows
        The crisis windows measured (the experiment's ``[stress] windows``, else
        :data:`macropatch.reports.crises.DEFAULT_WINDOWS`): the same as the stress tests replay.

    Returns
    -------
    RunSummary
        Strategies in run order.

    Raises
    ------
    ValueError
        If ``run_info`` or a signal record misses a field or holds a wrong one
        (a pydantic ``ValidationError``, which is a ``ValueError``).
    """
    run = run_info if isinstance(run_info, RunInfo) else RunInfo.model_validate(dict(run_info))
    strategies: dict[str, StrategySummary] = {}
    benchmark_returns = next(
        (result.returns for result in results if result.name == run.benchmark), None
    )
    for result in results:
        measured = measure(
            result.returns,
            turnover=result.turnover,
            hedge_contribution=result.hedge_contribution,
        )
        strategies[result.name] = StrategySummary.model_validate(
            {
                **measured.to_dict(),
                "parameters": to_json_value(dict(result.parameters)),
                "signals": list(result.signals),
                "config_hash": result.config_hash,
                "data_hash": result.data_hash,
                "stress_windows": stress_windows(result.returns, windows),
                "annual_returns": annual_returns(result.returns),
                "neutral_by_default": neutral_by_default(result.unknown_signals),
                "without_proxies": without_proxies(
                    result.returns,
                    (real_starts or {}).get(result.name),
                    benchmark=benchmark_returns,
                ),
            }
        )
    return RunSummary.model_validate(
        {
            "run": run,
            "strategies": strategies,
            "correlation": correlations(results) if len(results) else {},
            "signals": [
                record if isinstance(record, SignalRecord) else dict(record) for record in signals
            ],
        }
    )


def without_proxies(
    returns: pd.Series, start: pd.Timestamp | None, *, benchmark: pd.Series | None = None
) -> dict[str, Any] | None:
    """The headline metrics of ``returns`` from ``start``, and the ``benchmark``'s over the
    same days (None when there is no such day inside the run, or fewer than two after it).
    """
    if start is None or start <= returns.index[0]:
        return None
    later = returns.loc[start:]
    if len(later) < 2:
        return None
    measured = measure(later)
    compared = measure(benchmark.loc[later.index]) if benchmark is not None else None
    return {
        "start": pd.Timestamp(later.index[0]).date().isoformat(),
        "days": len(later),
        "cagr": measured.cagr,
        "volatility": measured.volatility,
        "sharpe": measured.sharpe,
        "max_drawdown": measured.max_drawdown,
        "benchmark_cagr": None if compared is None else compared.cagr,
        "benchmark_sharpe": None if compared is None else compared.sharpe,
    }


def neutral_by_default(unknown: pd.Series | None) -> dict[str, Any] | None:
    """What ``summary.json`` says of the trades made while signals were unknown."""
    if unknown is None:
        return None
    marks = unknown.fillna("").astype(str)
    flagged = marks[marks != ""]
    counts: dict[str, int] = {}
    for names in flagged:
        for name in names.split(","):
            counts[name] = counts.get(name, 0) + 1
    return {
        "rebalances": len(flagged),
        "of": len(marks),
        "signals": counts,
        "last": None if flagged.empty else pd.Timestamp(flagged.index[-1]).date().isoformat(),
    }


def write_summary(summary: Document | Mapping[str, Any], path: Path) -> Path:
    """Write a summary as JSON (indented, UTF-8, NaN and infinities as ``null``).

    Parameters
    ----------
    summary
        A typed document (:class:`RunSummary`), or a JSON-ready mapping.
    path
        Where to write (``<out>/summary.json``); written atomically.

    Returns
    -------
    Path
        ``path``.
    """
    if isinstance(summary, Document):
        return write_text_atomically(Path(path), summary.to_json())
    text = json.dumps(to_json_value(summary), indent=2, allow_nan=False, ensure_ascii=False)
    return write_text_atomically(Path(path), text + "\n")


def _scalar_json(value: None | bool | str | int | float | date | PurePath) -> Any:
    """A scalar as JSON: non-finite floats as None, dates as ISO text, paths as text."""
    if isinstance(value, float) and not isinstance(value, bool):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            return None
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    return value


def to_json_value(value: object) -> Any:
    """``value`` as plain JSON types.

    Numbers stay numbers (numpy scalars become Python ones), NaN and
    infinities become ``None``; dates become ISO strings (a timestamp at
    midnight becomes a date); enums become their value; paths become strings;
    mappings become dicts with string keys; sequences and sets become lists
    (sets sorted); dataclasses become dicts.

    Raises
    ------
    TypeError
        For anything else, naming its type.
    """
    if isinstance(value, Enum):
        return to_json_value(value.value)
    if isinstance(value, np.generic):
        return to_json_value(value.item())
    if value is None or isinstance(value, bool | str | int | float | date | PurePath):
        return _scalar_json(value)
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((to_json_value(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return to_json_value(asdict(value))
    raise TypeError(f"cannot write a {type(value).__name__} to JSON: {value!r}")

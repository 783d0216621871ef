"""``summary.json``: the numbers of a run, per strategy, with where they came from.

Requires a :class:`macropatch.backtests.engine.result.ResultSet` and the facts of the run,
assembled by the caller. Produces a JSON-ready dict and the file::

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
from macropatch.reports.crises import (
    DEFAULT_WINDOWS,
    StressWindow,
    annual_returns,
    correlations,
    stress_windows,
)
from macropatch.reports.html import write_text_atomically
from macropatch.reports.output import FolderKind

__all__ = [
    "DATA_SOURCE_KEYS",
    "RUN_KEYS",
    "build_summary",
    "to_json_value",
    "write_summary",
]

RUN_KEYS = (
    "experiment",
    "macropatch_version",
    "period",
    "costs",
    "execution_lag",
    "benchmark",
    "data",
)
"""Keys ``run_info`` must hold (``period`` has ``start`` and ``end``; ``costs``
has ``fees`` and ``slippage``, fractions of traded value)."""

DATA_SOURCE_KEYS = ("series", "source", "location", "last_date", "content_hash")
"""Keys of each entry of ``run_info["data"]``: one per series read."""


def build_summary(
    results: ResultSet,
    *,
    run_info: Mapping[str, object],
    signals: Sequence[Mapping[str, object]] = (),
    windows: Sequence[StressWindow] = DEFAULT_WINDOWS,
) -> dict[str, Any]:
    """Measure every strategy and gather the facts of the run.

    Parameters
    ----------
    results
        The strategies of the run, the benchmark included, in run order.
    run_info
        The facts of the run, assembled by the caller: the keys in
        :data:`RUN_KEYS` (others pass through). ``period`` may be a mapping
        with ``start`` and ``end`` or a pair of dates.
    signals
        One record per signal of the run
        (:func:`macropatch.reports.signal_history.signal_records`), kept as given.
    windows
        The crisis windows measured (the experiment's ``[stress] windows``, else
        :data:`macropatch.reports.crises.DEFAULT_WINDOWS`): the same as the stress tests replay.

    Returns
    -------
    dict
        ``{"run": {...}, "strategies": {name: {...}}, "correlation": {name:
        {name: value}}, "signals": [...]}``, JSON-ready (see :func:`to_json_value`); strategies
        in run order.

    Raises
    ------
    ValueError
        If ``run_info`` misses a key, or a data source misses a field.
    """
    run = _run(run_info)
    strategies: dict[str, Any] = {}
    for result in results:
        entry: dict[str, Any] = dict(
            measure(
                result.returns,
                turnover=result.turnover,
                hedge_contribution=result.hedge_contribution,
            ).to_dict()
        )
        entry["parameters"] = to_json_value(dict(result.parameters))
        entry["config_hash"] = result.config_hash
        entry["data_hash"] = result.data_hash
        entry["stress_windows"] = stress_windows(result.returns, windows)
        entry["annual_returns"] = annual_returns(result.returns)
        strategies[result.name] = entry
    correlation = correlations(results) if len(results) else {}
    return {
        "schema": FolderKind.RUN.schema,
        "run": run,
        "strategies": strategies,
        "correlation": correlation,
        "signals": to_json_value(list(signals)),
    }


def write_summary(summary: Mapping[str, Any], path: Path) -> Path:
    """Write a summary as JSON (indented, UTF-8, NaN and infinities as ``null``).

    Parameters
    ----------
    summary
        Usually the output of :func:`build_summary`.
    path
        Where to write (``<out>/summary.json``); written atomically.

    Returns
    -------
    Path
        ``path``.
    """
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


def _run(run_info: Mapping[str, object]) -> dict[str, Any]:
    """The run's facts, checked and JSON-ready, ``period`` as start and end."""
    missing = [key for key in RUN_KEYS if key not in run_info]
    if missing:
        raise ValueError(f"run_info misses {', '.join(missing)} (needs {', '.join(RUN_KEYS)})")
    run: dict[str, Any] = to_json_value(dict(run_info))
    run["period"] = _period(run_info["period"])
    costs = run["costs"]
    if not isinstance(costs, dict) or not {"fees", "slippage"} <= set(costs):
        raise ValueError(f"run_info['costs'] needs fees and slippage, got {costs!r}")
    data = run["data"]
    if not isinstance(data, list):
        raise ValueError(f"run_info['data'] must be a list of data sources, got {data!r}")
    for entry in data:
        absent = [
            key for key in DATA_SOURCE_KEYS if not isinstance(entry, dict) or key not in entry
        ]
        if absent:
            raise ValueError(f"data source {entry!r} misses {', '.join(absent)}")
    return run


def _period(period: object) -> dict[str, Any]:
    """``period`` as a mapping with ``start`` and ``end`` (further keys kept)."""
    if isinstance(period, Mapping):
        if not {"start", "end"} <= set(period):
            raise ValueError(f"run_info['period'] needs start and end, got {period!r}")
        normalised: dict[str, Any] = to_json_value(period)
        return normalised
    if isinstance(period, list | tuple) and len(period) == 2:
        return {"start": to_json_value(period[0]), "end": to_json_value(period[1])}
    raise ValueError(f"run_info['period'] must be start and end, got {period!r}")

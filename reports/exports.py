"""The run's data files: returns, prices, weights and the experiment as run.

Requires a :class:`~macropatch.backtests.engine.result.ResultSet`, the price panel the engine
traded and the resolved configuration. Produces ``returns.csv`` (daily
returns, one column per strategy), ``prices.csv`` (every price series the
engine traded, synthetic ones included), ``weights/<name>.csv`` (target
weights on execution dates, the cash asset included) and
``config.resolved.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import tomli_w

from macropatch.backtests.engine.result import ResultSet
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.interrupts import deferred_interrupts

__all__ = ["read_dated_csv", "write_config", "write_prices", "write_returns", "write_weights"]

_FLOAT_FORMAT = "%.12g"


def write_returns(results: ResultSet, path: Path) -> Path:
    """Daily returns, one column per strategy, as CSV at full precision (the pages are drawn
    from it again by ``macropatch report``).
    """
    frame = results.returns()
    frame.index = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
    frame.to_csv(path, index_label="date")
    return path


def read_dated_csv(path: Path, *, purpose: str = "") -> pd.DataFrame:
    """A data file of a run (first column ``date``) read back; a ``UserError`` names the file
    when it is missing or cannot be read (``purpose`` says what it was needed for).
    """
    if not path.is_file():
        raise UserError(f"{path} is missing{': ' + purpose if purpose else ''}")
    try:
        with deferred_interrupts():  # the parser would turn Ctrl-C into a parse error
            return pd.read_csv(path, index_col="date", parse_dates=["date"])
    except (ValueError, pd.errors.ParserError) as error:
        raise UserError(f"{path} cannot be read: {error}") from None


def write_prices(prices: pd.DataFrame, path: Path) -> Path:
    """Every price series the engine traded, as CSV."""
    frame = prices.copy()
    frame.index = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
    frame.to_csv(path, index_label="date", float_format=_FLOAT_FORMAT)
    return path


def write_weights(results: ResultSet, folder: Path) -> list[Path]:
    """``weights/<name>.csv`` per strategy: target weights on execution dates; for a strategy
    that reads signals, a last column ``neutral_by_default`` names the signals that were
    unknown on the decision day (their part of the weights is the neutral one).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        frame = result.weights.copy()
        if result.unknown_signals is not None:
            frame["neutral_by_default"] = result.unknown_signals.reindex(frame.index).fillna("")
        frame.index = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
        path = folder / f"{result.name}.csv"
        frame.to_csv(path, index_label="date", float_format=_FLOAT_FORMAT)
        written.append(path)
    return written


def _plain(value: object) -> object:
    """A value TOML can hold (no None, no numpy scalars)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value if item is not None]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def write_config(document: Mapping[str, object], path: Path) -> Path:
    """The experiment as run, with data provenance, as TOML."""
    path.write_text(tomli_w.dumps(_plain(document)), encoding="utf-8")  # type: ignore[arg-type]
    return path

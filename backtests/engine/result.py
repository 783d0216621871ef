"""What a backtest produces: one :class:`Result` per strategy, a :class:`ResultSet` per run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Result", "ResultSet"]


@dataclass(frozen=True, kw_only=True)
class Result:
    """The outcome of backtesting one strategy.

    Attributes
    ----------
    name
        Strategy name as registered (``sixty_forty``).
    returns
        Daily net returns on the trading calendar (fraction; 0.01 = 1%),
        named after the strategy. The first day is 0: nothing is held yet.
    value
        Net asset value per day, starting at 1.0.
    weights
        Target weights on execution dates: one row per date on which the
        engine traded, one column per asset, the cash asset included, so a row
        sums to 1 (plus any leverage).
    trades
        One row per order: ``date, asset, side, quantity, price, value, fees``.
    turnover
        Traded value (both sides, all assets but cash) over NAV, per day.
    holdings
        Weight of each asset at each close after that close's trades (they
        drift with prices between rebalances; a row sums to 1 plus any
        leverage, or to 0 before the first trade). ``None`` when the engine did not record them.
    hedge_contribution
        Per day, the return the strategy's hedges (:attr:`macropatch.strategies.base.
        Strategy.hedges`) added beyond what the same weight would have earned
        in the cash asset; ``None`` for a strategy without hedges.
    parameters
        The strategy's parameters as run.
    config_hash, data_hash
        Short SHA-256 digests of the experiment as run and of the price panel.
    unknown_signals
        On the execution dates of :attr:`weights`: the signals the strategy
        reads that were unknown on the decision day (comma-separated; empty
        when all were known). Where it is not empty the weights fell back to
        the neutral weights of those signals: neutral by default, not by a
        quiet reading. ``None`` for a strategy that reads no signal.
    signals
        The registered names of the signals the strategy reads (none for a
        strategy driven by no signal).
    """

    name: str
    returns: pd.Series
    value: pd.Series
    weights: pd.DataFrame
    trades: pd.DataFrame
    turnover: pd.Series
    holdings: pd.DataFrame | None = None
    hedge_contribution: pd.Series | None = None
    parameters: Mapping[str, object] = field(default_factory=dict)
    config_hash: str = ""
    data_hash: str = ""
    unknown_signals: pd.Series | None = None
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultSet:
    """Results of several strategies over one period, in run order."""

    results: tuple[Result, ...]

    def __post_init__(self) -> None:
        """Refuse two results of the same name."""
        names = [result.name for result in self.results]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate strategy names in a result set: {', '.join(duplicates)}")

    def __iter__(self) -> Iterator[Result]:
        """The results in run order."""
        return iter(self.results)

    def __len__(self) -> int:
        """How many results."""
        return len(self.results)

    def __getitem__(self, name: str) -> Result:
        """The result named ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """The strategies' names in run order."""
        return [result.name for result in self.results]

    def returns(self) -> pd.DataFrame:
        """Daily returns, one column per strategy."""
        return pd.concat([result.returns.rename(result.name) for result in self.results], axis=1)

"""The Strategy base: target weights per day, checked, with the remainder in cash.

A strategy is a frozen, keyword-only dataclass whose fields are its
parameters. It declares the assets it trades and implements one
:meth:`Strategy.decide`, which states the desired weights on every trading
day. The base class, not the subclass, then

- gives zero weight to an asset on days it has no price (before its first
  day and without a proxy), so its weight goes to cash;
- checks the invariants: every weight finite and within
  ``[min_weight, max_weight]``, the weights of a day summing to at most
  ``1 + leverage_allowance``;
- adds the cash asset, holding the remainder (``1 - sum``).

When the portfolio actually trades to these targets (monthly, on change...)
is the backtest's schedule, not the strategy's business.

Timing: ``decide`` sees prices up to and including the decision day (the
close of day t); the engine trades at a later close (execution lag).
"""

from __future__ import annotations

import abc
import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import numpy as np
import pandas as pd

from macropatch.marketdata.parameters import check_parameters
from macropatch.signals.base import SeriesSource, SignalResult

__all__ = ["CASH", "MarketView", "Strategy", "SyntheticAsset", "WeightError"]

#: The cash asset: accrues the 3-month T-bill rate (catalog series ``cash``).
CASH = "cash"

_TOLERANCE = 1e-9


class WeightError(ValueError):
    """A strategy produced weights that break an invariant."""


class SyntheticAsset(Protocol):
    """A price series a strategy trades that no source holds (a put overlay).

    Built before the engine runs, on the trading calendar, from catalog
    series; it then is a price like any other and is exported with the run.
    """

    @property
    def asset_id(self) -> str:
        """The column name of the series (unique per parameters)."""
        ...

    def build(self, sources: SeriesSource, calendar: pd.DatetimeIndex) -> pd.Series:
        """Prices on ``calendar`` (NaN before the series can start)."""
        ...


@dataclass(frozen=True, kw_only=True)
class MarketView:
    """What a strategy may look at when it decides.

    Attributes
    ----------
    prices
        Prices of the assets on the trading calendar (NaN where an asset has
        no price yet). Row t holds the close of day t.
    signals
        Results of the signals the strategy declared, by registered name,
        on the same calendar. Row t holds what was knowable at the close of
        day t (the Signal base applied publication lags).
    """

    prices: pd.DataFrame
    signals: Mapping[str, SignalResult] = field(default_factory=dict)

    def firing(self, name: str) -> pd.Series:
        """Whether signal ``name`` fired each day: True, False or NA (unknown)."""
        try:
            result = self.signals[name]
        except KeyError:
            raise WeightError(
                f"signal {name!r} was not evaluated for this strategy (declare it in `signals`)"
            ) from None
        fired = result.fired
        if not fired.index.equals(self.prices.index):
            fired = fired.reindex(self.prices.index)
        return fired if fired.dtype == "boolean" else fired.astype("boolean")


@dataclass(frozen=True, kw_only=True)
class Strategy(abc.ABC):
    """Base class of every strategy. Subclasses add their parameters as fields."""

    #: Registered name, used in experiment files.
    name: ClassVar[str]
    #: One line saying what the strategy does.
    summary: ClassVar[str]
    #: Weight bounds per asset and the allowed sum above 1.
    min_weight: ClassVar[float] = 0.0
    max_weight: ClassVar[float] = 1.0
    leverage_allowance: ClassVar[float] = 0.0

    def __post_init__(self) -> None:
        """Check every parameter against its type and bounds (``ValueError`` naming it).

        A subclass with a rule that ties fields together extends this and
        calls ``super().__post_init__()`` first.
        """
        check_parameters(self)

    @property
    @abc.abstractmethod
    def assets(self) -> tuple[str, ...]:
        """Catalog ids of the assets traded (the cash asset excluded)."""

    @property
    def synthetic_assets(self) -> tuple[SyntheticAsset, ...]:
        """Synthetic price series among :attr:`assets` (none by default)."""
        return ()

    @property
    def signals(self) -> tuple[str, ...]:
        """Registered names of the signals :meth:`decide` reads (none by default)."""
        return ()

    @property
    def decides_by_day(self) -> bool:
        """Whether :meth:`decide`'s row for a day depends on that day alone: the firing
        state of each signal it reads and which of its assets have a price (not on price
        levels, signal values or other days). False by default.

        A sweep then computes the weights once per distinct day state
        (:mod:`macropatch.strategies.state_table`) instead of once per variant, and
        checks the claim against :meth:`target_weights` on each strategy's first variant.
        """
        return False

    @property
    def hedges(self) -> tuple[str, ...]:
        """Assets among :attr:`assets` held as insurance, whose cost is reported (none by default)."""
        return ()

    @property
    def hedged_against(self) -> Mapping[str, str]:
        """The asset each hedge's cost is measured against where not cash (an index held with
        puts against the bare index); empty by default.
        """
        return {}

    @abc.abstractmethod
    def decide(self, market: MarketView) -> pd.DataFrame:
        """Desired weights per trading day: rows = ``market.prices`` index, columns = :attr:`assets`."""

    def parameters(self) -> dict[str, object]:
        """The strategy's parameters, as plain values."""
        values: dict[str, object] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            values[item.name] = value.value if isinstance(value, enum.Enum) else value
        return values

    def describe(self) -> str:
        """Name and parameters, for titles."""
        parameters = ", ".join(f"{key}={value}" for key, value in self.parameters().items())
        return f"{self.name}({parameters})"

    def target_weights(self, market: MarketView) -> pd.DataFrame:
        """Checked target weights for every trading day, the cash asset included (rows sum to 1)."""
        assets = list(self.assets)
        missing = [asset for asset in assets if asset not in market.prices.columns]
        if missing:
            raise WeightError(f"{self.name}: no prices for {', '.join(missing)}")
        desired = self.decide(market)
        if list(desired.columns) != assets or not desired.index.equals(market.prices.index):
            raise WeightError(
                f"{self.name}: decide() must return one row per trading day and one column per asset"
            )
        prices = market.prices if list(market.prices.columns) == assets else market.prices[assets]
        values = desired.to_numpy(dtype=np.float64, copy=True)
        values[prices.isna().to_numpy()] = 0.0  # no price yet: no weight
        desired = pd.DataFrame(values, index=desired.index, columns=desired.columns)
        self._check(desired)
        targets = desired.copy()
        targets[CASH] = 1.0 - desired.sum(axis=1)
        return targets

    def _check(self, weights: pd.DataFrame) -> None:
        values = weights.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            row, column = np.argwhere(~np.isfinite(values))[0]
            raise WeightError(
                f"{self.name}: weight of {weights.columns[column]} on {weights.index[row].date()} is not finite"
            )
        for bound, broken in (
            (self.min_weight, values < self.min_weight - _TOLERANCE),
            (self.max_weight, values > self.max_weight + _TOLERANCE),
        ):
            if broken.any():
                row, column = np.argwhere(broken)[0]
                raise WeightError(
                    f"{self.name}: weight {values[row, column]:.6g} of {weights.columns[column]} on "
                    f"{weights.index[row].date()} is outside the bound {bound}"
                )
        total = values.sum(axis=1)
        over = total > 1.0 + self.leverage_allowance + _TOLERANCE
        if over.any():
            row = int(np.argmax(over))
            raise WeightError(
                f"{self.name}: weights on {weights.index[row].date()} sum to {total[row]:.6g} > 1"
            )


def constant_weights(market: MarketView, weights: Mapping[str, float]) -> pd.DataFrame:
    """The same weights every day (a helper for static allocations)."""
    frame = pd.DataFrame(index=market.prices.index, columns=list(weights), dtype=float)
    for asset, weight in weights.items():
        frame[asset] = float(weight)
    return frame

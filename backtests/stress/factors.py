"""The macro factors of the stress scenarios, and the shocks a scenario gives them.

Requires a source of catalog series (:class:`macropatch.signals.base.SeriesSource`: the
store, the pack or live data). Produces monthly factor moves (one column per
:class:`Factor`, one row per calendar month, dated at the month's end) and
monthly asset returns from a daily price panel, the inputs of
:func:`macropatch.backtests.stress.factor_model.fit_factor_model`.

A factor moves either in level (a yield, a spread, the VIX, the unemployment
rate: the month's change, in the series' units; rates are fractions, 0.01 = 1
point) or in price (the dollar, oil, an equity or gold fund: the month's
return). A :class:`Shock` sets a factor's move: ``change`` adds to the level
or is the return; ``to`` names the level reached, turned into a change from
the last level in the data.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from macropatch.marketdata.errors import UserError
from macropatch.signals.base import SeriesSource

__all__ = [
    "CORE_FACTORS",
    "Factor",
    "Move",
    "Scenario",
    "Shock",
    "asset_monthly_returns",
    "factor_levels",
    "monthly_factors",
]


class Move(enum.Enum):
    """How a factor moves in a month."""

    LEVEL = "level"  # change in level
    PRICE = "price"  # return


class Factor(enum.Enum):
    """A macro factor: its name in scenario files, catalog series, how it moves, its label."""

    TEN_YEAR = ("ten_year", "dgs10", Move.LEVEL, "10-year Treasury yield")
    TERM_PREMIUM = ("term_premium", "acm_term_premium_10y", Move.LEVEL, "10-year term premium")
    HIGH_YIELD_SPREAD = ("high_yield_spread", "hy_oas", Move.LEVEL, "high-yield spread")
    VIX = ("vix", "vix", Move.LEVEL, "VIX")
    DOLLAR = ("dollar", "dollar_broad", Move.PRICE, "broad dollar")
    OIL = ("oil", "wti", Move.PRICE, "WTI oil")
    UNEMPLOYMENT = ("unemployment", "unrate", Move.LEVEL, "unemployment rate")
    SMALL_CAPS = ("small_caps", "iwm", Move.PRICE, "small caps (IWM)")
    NASDAQ = ("nasdaq", "qqq", Move.PRICE, "Nasdaq-100 (QQQ)")
    GOLD = ("gold", "gld", Move.PRICE, "gold (GLD)")

    @property
    def key(self) -> str:
        """The name used in scenario files."""
        return str(self.value[0])

    @property
    def series(self) -> str:
        """The catalog series it is measured on."""
        return str(self.value[1])

    @property
    def move(self) -> Move:
        """How a shock moves the factor (a return or a change in level)."""
        move = self.value[2]
        assert isinstance(move, Move)
        return move

    @property
    def label(self) -> str:
        """The factor in words, as the stress page shows it."""
        return str(self.value[3])

    @classmethod
    def named(cls, key: str) -> Factor:
        """The factor called ``key`` in scenario files; a ``UserError`` lists the known ones."""
        for factor in cls:
            if factor.key == key:
                return factor
        raise UserError(
            f"unknown factor {key!r} (known: {', '.join(factor.key for factor in cls)})"
        )


#: The factors every asset's betas are reported on when no scenario narrows them.
CORE_FACTORS = (Factor.TEN_YEAR, Factor.HIGH_YIELD_SPREAD, Factor.VIX, Factor.DOLLAR, Factor.OIL)


@dataclass(frozen=True, kw_only=True)
class Shock:
    """One factor's move in a scenario: ``change`` (a change in level or a return) or
    ``to`` (the level reached; level factors only).
    """

    factor: Factor
    change: float | None = None
    to: float | None = None

    def __post_init__(self) -> None:
        """Refuse a shock with both or neither of ``change`` and ``to``, or ``to`` on a price."""
        if (self.change is None) == (self.to is None):
            raise UserError(f"shock on {self.factor.key}: give exactly one of change and to")
        if self.to is not None and self.factor.move is Move.PRICE:
            raise UserError(
                f"shock on {self.factor.key}: a price factor moves by a return; use change"
            )
        if self.change is not None and self.factor.move is Move.PRICE and self.change <= -1:
            raise UserError(f"shock on {self.factor.key}: a return of {self.change} is below -100%")

    def size(self, levels: Mapping[Factor, float]) -> float:
        """The move as a change or return; ``to`` measured from ``levels[factor]``."""
        if self.change is not None:
            return float(self.change)
        assert self.to is not None
        return float(self.to) - float(levels[self.factor])


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A hypothetical shock: a name, a line of description and the factors' moves."""

    name: str
    description: str
    shocks: tuple[Shock, ...]
    source: str = ""

    def __post_init__(self) -> None:
        """Refuse a scenario without a shock or shocking a factor twice."""
        if not self.shocks:
            raise UserError(f"scenario {self.name!r}: no shock")
        factors = [shock.factor for shock in self.shocks]
        repeated = sorted({f.key for f in factors if factors.count(f) > 1})
        if repeated:
            raise UserError(f"scenario {self.name!r}: {repeated[0]} is shocked twice")

    @property
    def factors(self) -> tuple[Factor, ...]:
        """The shocked factors, in the scenario's order."""
        return tuple(shock.factor for shock in self.shocks)

    def sizes(self, levels: Mapping[Factor, float]) -> dict[str, float]:
        """Each shocked factor's move by key (``to`` shocks measured from ``levels``)."""
        return {shock.factor.key: shock.size(levels) for shock in self.shocks}


def _month_end(values: pd.Series) -> pd.Series:
    """The last value of each calendar month, dated at the month's end."""
    clean = values.dropna()
    months = pd.DatetimeIndex(clean.index).to_period("M")
    last = clean.groupby(months).last()
    last.index = pd.PeriodIndex(last.index).to_timestamp(how="end").normalize()
    return last


def monthly_factors(sources: SeriesSource, factors: Iterable[Factor]) -> pd.DataFrame:
    """Each factor's monthly move (change in level or return), one column per factor key."""
    columns = {}
    for factor in factors:
        level = _month_end(sources.load(factor.series).values.astype(float))
        columns[factor.key] = level.diff() if factor.move is Move.LEVEL else level.pct_change()
    return pd.DataFrame(columns).iloc[1:]


def factor_levels(sources: SeriesSource, factors: Iterable[Factor]) -> dict[Factor, float]:
    """The last level of each factor in the data (what a ``to`` shock is measured from)."""
    return {
        factor: float(sources.load(factor.series).values.dropna().iloc[-1]) for factor in factors
    }


def asset_monthly_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """Monthly returns of daily prices, month-end to month-end, dated at the month's end."""
    return pd.DataFrame(
        {column: _month_end(prices[column]).pct_change() for column in prices.columns}
    ).iloc[1:]

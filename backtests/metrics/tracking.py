"""How closely a model index tracks a real one: the figures a calibration is judged by.

Requires two level series (a model and the index it replicates). Produces a
:class:`Tracking` over the days both have: the correlation of their monthly
returns (month-end levels), each one's CAGR (252 trading days a year) and
annualised volatility of daily returns, and the tracking error of monthly
returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR

__all__ = ["Tracking", "tracking"]


@dataclass(frozen=True, kw_only=True)
class Tracking:
    """A model index against the real one, on their common days."""

    start: pd.Timestamp
    end: pd.Timestamp
    monthly_correlation: float
    model_cagr: float
    index_cagr: float
    model_volatility: float
    index_volatility: float
    tracking_error: float
    """Annualised standard deviation of the monthly return differences."""

    @property
    def cagr_gap(self) -> float:
        """Model CAGR minus the index's."""
        return self.model_cagr - self.index_cagr

    @property
    def volatility_gap(self) -> float:
        """Model volatility minus the index's."""
        return self.model_volatility - self.index_volatility


def tracking(model: pd.Series, index: pd.Series) -> Tracking:
    """``model`` against ``index`` on the days both have a level.

    Raises
    ------
    ValueError
        When they share fewer than three months.
    """
    both = pd.concat([model.rename("model"), index.rename("index")], axis=1).dropna()
    monthly = both.resample("ME").last().pct_change().dropna()
    if len(monthly) < 3:
        raise ValueError("the model and the index share fewer than three months")
    daily = both.pct_change().dropna()
    days = len(both) - 1
    growth = both.iloc[-1] / both.iloc[0]
    cagr = growth ** (PERIODS_PER_YEAR / days) - 1.0
    difference = monthly["model"] - monthly["index"]
    return Tracking(
        start=pd.Timestamp(both.index[0]),
        end=pd.Timestamp(both.index[-1]),
        monthly_correlation=float(monthly["model"].corr(monthly["index"])),
        model_cagr=float(cagr["model"]),
        index_cagr=float(cagr["index"]),
        model_volatility=float(daily["model"].std() * math.sqrt(PERIODS_PER_YEAR)),
        index_volatility=float(daily["index"].std() * math.sqrt(PERIODS_PER_YEAR)),
        tracking_error=float(np.std(difference, ddof=1) * math.sqrt(12)),
    )

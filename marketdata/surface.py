"""The implied-volatility term structure from CBOE's volatility indices, as knowable each day.

Requires the VIX9D, VIX, VIX3M and VIX6M closes (index points) as knowable on
a calendar. Produces :class:`TermStructure`: per day, the at-the-money
volatility for any tenor, from the total variance ``sigma^2 * T`` interpolated
linearly in ``T`` between the nodes known that day (9, 30, 91 and 182
calendar days), flat beyond the first and the last.

Fallback, stated: a node whose index is not known that day (VIX9D starts
2011, VIX3M 2009, VIX6M 2008; a stale value) is left out, so before 2008 the
term structure is flat at the VIX, the one-index surface the overlay used
before. A day without a known VIX has no volatility (NaN).

Every value on day t is the close of day t or earlier (the indices are
published at the close), like every input of the option model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["NODES", "TermStructure"]

#: Tenor in calendar days of each index's volatility, by catalog id.
NODES: Mapping[str, float] = {"vix9d": 9.0, "vix": 30.0, "vix3m": 91.0, "vix6m": 182.0}


@dataclass(frozen=True, kw_only=True)
class TermStructure:
    """At-the-money volatility by tenor, per day of a calendar."""

    levels: pd.DataFrame
    """Days x nodes (columns in :data:`NODES` order): each index as knowable, in points."""

    def volatility(self, tenor_days: npt.ArrayLike) -> np.ndarray:
        """Per day, the volatility (a fraction) for ``tenor_days`` (one number, or one per day).

        NaN on days without a known VIX.
        """
        tenors = np.broadcast_to(np.asarray(tenor_days, dtype=float), (len(self.levels),))
        return np.array([self.on(day, float(tenors[day])) for day in range(len(self.levels))])

    def on(self, day: int, tenor_days: float) -> float:
        """The volatility (a fraction) for ``tenor_days`` on the ``day``-th day (NaN without a VIX)."""
        row = self.levels.iloc[day].to_numpy(dtype=float) / 100.0
        names = list(self.levels.columns)
        if "vix" not in names or not np.isfinite(row[names.index("vix")]):
            return float("nan")
        known = np.isfinite(row)
        nodes = np.array([NODES[name] for name in names])[known]
        sigma = row[known]
        if tenor_days <= nodes[0]:
            return float(sigma[0])
        if tenor_days >= nodes[-1]:
            return float(sigma[-1])
        variance = np.interp(tenor_days, nodes, sigma**2 * nodes)
        return float(np.sqrt(variance / tenor_days))

    @classmethod
    def from_knowable(cls, indices: Mapping[str, pd.Series]) -> TermStructure:
        """From the indices as knowable on one calendar (missing ids are left out)."""
        columns = [name for name in NODES if name in indices]
        frame = pd.DataFrame({name: indices[name] for name in columns})
        return cls(levels=frame)

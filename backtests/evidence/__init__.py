"""Evidence: what a strategy's signals add, measured against its neutral twin.

:mod:`.statistics` holds the time-series statistics (the Newey-West
t-statistic of a mean); :mod:`.twins` runs a strategy's neutral twin (its
signals held quiet) and the strategy with each signal held quiet in turn,
and measures the active return.
"""

from __future__ import annotations

from macropatch.backtests.evidence.statistics import newey_west_lags, newey_west_t
from macropatch.backtests.evidence.twins import (
    ActiveReturn,
    SignalAttribution,
    active_return,
    attribute_signals,
    held_quiet,
)

__all__ = [
    "ActiveReturn",
    "SignalAttribution",
    "active_return",
    "attribute_signals",
    "held_quiet",
    "newey_west_lags",
    "newey_west_t",
]

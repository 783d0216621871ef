"""Evidence: what a strategy's signals add, measured against its neutral twin.

:mod:`.twins` runs a strategy's neutral twin (its
signals held quiet) and the strategy with each signal held quiet in turn,
and measures the active return.
"""

from __future__ import annotations

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
]

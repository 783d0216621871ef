"""macropatch: backtest the patch strategies of a 2026 stress test of the US bull market.

``import macropatch as mp`` is the Python API (:mod:`macropatch.python_api`):
``mp.load_experiment``, ``mp.new_experiment``, ``mp.backtest`` (returning
``mp.Results``), ``mp.sweep``, ``mp.stress``, ``mp.evidence`` and
``mp.check_no_lookahead``. The names load on first use, so the
command line, which imports this package, starts fast.

The stages import as ``macropatch.marketdata``, ``macropatch.signals``,
``macropatch.strategies``, ``macropatch.backtests`` and ``macropatch.reports``;
the shell (the command line and the run, sweep and stress entry points) is
``macropatch.cli`` and ``macropatch.api``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macropatch.python_api import (
        Results,
        backtest,
        check_no_lookahead,
        evidence,
        load_experiment,
        new_experiment,
        stress,
        sweep,
    )

__all__ = [
    "Results",
    "backtest",
    "check_no_lookahead",
    "evidence",
    "load_experiment",
    "new_experiment",
    "stress",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """Load the Python API on first use of one of its names."""
    if name in __all__:
        return getattr(importlib.import_module("macropatch.python_api"), name)
    raise AttributeError(f"module 'macropatch' has no attribute {name!r}")

"""Stress tests of a run: history's crises replayed, the report's scenarios, a bootstrap.

The pieces: :mod:`.replay` (each strategy through past stress windows),
:mod:`.factors` and :mod:`.factor_model` (macro shocks and how they move asset
returns), :mod:`.bootstrap` (one-year outcomes drawn from days like today) and
:mod:`.study` (all three on one run).
"""

from __future__ import annotations

from macropatch.backtests.stress.replay import DEFAULT_REPLAY_WINDOWS, Window, replay

__all__ = ["DEFAULT_REPLAY_WINDOWS", "Window", "replay"]

"""macropatch: backtest the patch strategies of a 2026 stress test of the US bull market.

The stages import as ``macropatch.marketdata``, ``macropatch.signals``,
``macropatch.strategies``, ``macropatch.backtests`` and ``macropatch.reports``;
the shell (the command line and the run, sweep and stress entry points) is
``macropatch.cli`` and ``macropatch.api``.
"""

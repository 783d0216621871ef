"""A notebook's worth of the Python API, as a script: load, build, backtest, compare, check.

Run from the repository with the pack beside it::

    .venv/bin/python examples/notebook.py [PACK]

It backtests the default long_volatility against two user-built variants (half of the
equity protected; a 2% premium budget), prints their metrics side by side, writes one
tearsheet, and shows the look-ahead check refusing a signal that peeks.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import macropatch as mp
from macropatch.marketdata.protective_put import Sizing
from macropatch.signals.base import Family, Signal
from macropatch.signals.lookahead import LookAheadError
from macropatch.strategies.long_volatility import LongVolatility


@dataclass(frozen=True, kw_only=True)
class VixNextWeek(Signal):
    """The VIX a week ahead above 25: a signal that reads the future, to be refused."""

    name = "vix_next_week"
    family = Family.VOLATILITY
    summary = "the VIX five days ahead (look-ahead)"

    @property
    def inputs(self) -> tuple[str, ...]:
        """Reads the VIX."""
        return ("vix",)

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        """The VIX five days later (wrong on purpose)."""
        ahead = knowable["vix"].shift(-5)
        return ahead, ahead > 25.0


def main() -> None:
    """Backtest, compare, write a tearsheet, check a signal."""
    pack = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    variants = mp.new_experiment(
        {
            "protected_all": LongVolatility(),
            "protected_half": LongVolatility(protected_share=0.5, cheap_multiplier=1.0),
            "budget_2pct": LongVolatility(sizing=Sizing.BUDGET, budget=0.02),
            "spy": "spy_buy_and_hold",
        },
        benchmark="spy",
        start="2007-01-03",
    )
    results = mp.backtest(variants, pack=pack)
    table = results.metrics[["cagr", "volatility", "max_drawdown", "hedge_cost"]]
    print(table.round(4).to_string())
    with tempfile.TemporaryDirectory() as folder:
        page = results.tearsheet("protected_all", Path(folder) / "protected_all.html")
        print(f"tearsheet: {page.name}, {page.stat().st_size // 1024} KiB")
    try:
        mp.check_no_lookahead(VixNextWeek())
    except LookAheadError as error:
        print(f"refused: {error}")


if __name__ == "__main__":
    main()

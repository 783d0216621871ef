"""Print how the protective-put replica tracks CBOE PPUT, and what its puts do in crashes.

Run: ``.venv/bin/python bench/pput_calibration.py [PACK]`` (default ``../shared/data``).
The replica is :class:`macropatch.marketdata.protective_put.ProtectivePutIndex`
with its defaults (PPUT's rules: one-month 5% out-of-the-money puts on 100%
of notional, third-Friday rolls; skew 1.0; a 5% bid/ask spread).
"""

from __future__ import annotations

import sys
from pathlib import Path

from macropatch.backtests.metrics.performance import measure
from macropatch.calibration import calibrate_protective_puts
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources

CRASHES = (
    ("2000-03-24", "2002-10-09"),
    ("2007-10-09", "2009-03-09"),
    ("2020-02-19", "2020-03-23"),
    ("2022-01-03", "2022-10-12"),
)


def main() -> None:
    """Print the tracking figures and the drawdowns."""
    pack = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    found = calibrate_protective_puts(DataSources(catalog=load_catalog(), pack=Pack(pack)))
    tracked = found.tracking
    print(f"{tracked.start.date()} to {tracked.end.date()}")
    print(f"monthly correlation {tracked.monthly_correlation:.3f}")
    print(f"CAGR replica {tracked.model_cagr:.2%}, PPUT {tracked.index_cagr:.2%}")
    print(f"volatility replica {tracked.model_volatility:.2%}, PPUT {tracked.index_volatility:.2%}")
    print(f"tracking error (monthly, annualised) {tracked.tracking_error:.2%}")
    days = found.replica.dropna().index
    bare = measure(found.total_return.loc[days].pct_change().dropna())
    print(f"S&P 500 total return over the same days: CAGR {bare.cagr:.2%}")
    for start, end in CRASHES:
        depths = [
            measure(series.loc[start:end].pct_change().dropna()).max_drawdown
            for series in (found.replica, found.index, found.total_return)
        ]
        print(
            f"{start} to {end}: replica {depths[0]:.1%}, PPUT {depths[1]:.1%}, "
            f"S&P 500 total return {depths[2]:.1%}"
        )


if __name__ == "__main__":
    main()

"""Write ``my_index.csv``: a user's own price series, built here from the offline pack.

A researcher's own data usually comes from elsewhere (a broker export, an
index provider); this script makes one from the pack so the example runs
anywhere the pack does: a daily 50/50 blend of SPY and GLD, rebalanced daily,
as columns ``date,close``.

Run: ``.venv/bin/python examples/assets/make_my_index.py [PACK] [OUT.csv]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd


def main() -> None:
    """Write the blend of the pack's SPY and GLD adjusted closes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pack", nargs="?", type=Path, default=Path("../shared/data"))
    parser.add_argument("out", nargs="?", type=Path, default=Path("examples/assets/my_index.csv"))
    arguments = parser.parse_args()
    pack, out = arguments.pack, arguments.out
    missing = [
        name
        for name in ("spy", "gld")
        if not (pack / "etf" / f"{name}_adjclose_daily.csv").is_file()
    ]
    if missing:
        problem = (
            f"error: {pack} holds no etf/{missing[0]}_adjclose_daily.csv: give the pack folder"
        )
        print(problem, file=sys.stderr)
        sys.exit(2)
    closes = pd.concat(
        {
            name: pd.read_csv(pack / "etf" / f"{name}_adjclose_daily.csv", index_col="date")[
                "adj_close"
            ]
            for name in ("spy", "gld")
        },
        axis=1,
    ).dropna()
    blend = 100.0 * (1.0 + closes.pct_change().fillna(0.0).mean(axis=1)).cumprod()
    blend.rename("close").round(6).to_csv(out, index_label="date")
    print(f"wrote {out} ({len(blend)} days)")


if __name__ == "__main__":
    main()

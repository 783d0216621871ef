"""How well each proxy tracks the ETF it stands in for: the README's proxy table.

Run it from the repository with the pack beside it::

    .venv/bin/python bench/proxy_table.py [--pack ../shared/data]

For every catalog series with a proxy chain it takes the first proxy and,
over the days both have a price, prints the correlation of their daily
returns and the compounded yearly return of each (252 days a year).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.derived import fit_factor_betas
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources


def _yearly(returns: pd.Series) -> float:
    return float(np.prod(1.0 + returns.to_numpy()) ** (252 / len(returns)) - 1.0)


def main() -> None:
    """Print the table for the pack given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=Path("../shared/data"))
    arguments = parser.parse_args()
    catalog = load_catalog()
    sources = DataSources(catalog=catalog, pack=Pack(arguments.pack))
    print("| ETF (first day) | proxy | days | correlation | a year, ETF vs proxy |")
    print("|---|---|---|---|---|")
    for spec in catalog.values():
        if not spec.proxies or spec.kind.value != "price":
            continue
        try:
            actual = sources.load(spec.id).values.dropna()
            proxy = sources.load(spec.proxies[0]).values.dropna()
        except Exception as error:  # a series missing from this pack: say so, go on
            print(f"| {spec.id} | {spec.proxies[0]} | | unavailable: {error} | |")
            continue
        both = pd.concat([actual, proxy], axis=1, sort=True).dropna().pct_change().dropna()
        if len(both) < 2:
            continue
        correlation = both.corr().iloc[0, 1]
        print(
            f"| {spec.id.upper()} ({actual.index[0].date()}) | {spec.proxies[0]} | {len(both)} "
            f"| {correlation:.3f} | {_yearly(both.iloc[:, 0]):.2%} vs {_yearly(both.iloc[:, 1]):.2%} |"
        )
    print_fits(sources)


def print_fits(sources: DataSources) -> None:
    """The betas of every proxy fitted to its fund."""
    print()
    print("| proxy | fitted to | betas (Mkt-RF, factor) | R² | days fitted |")
    print("|---|---|---|---|---|")
    for spec in sources.catalog.values():
        derivation = spec.derive
        if derivation is None or derivation.method != "fitted_factor_portfolio":
            continue
        market, risk_free, *factors = (sources.load(item).values for item in derivation.inputs)
        fund = sources.load(str(derivation.fitted_to)).values
        frame = pd.concat([market, *factors], axis=1, keys=range(len(factors) + 1), join="inner")
        fit = fit_factor_betas(frame, risk_free, fund)
        betas = ", ".join(f"{beta:.3f}" for beta in fit.betas)
        print(
            f"| {spec.id} | {str(derivation.fitted_to).upper()} | {betas} | {fit.r_squared:.3f} "
            f"| {fit.days} ({fit.first.date()} to {fit.last.date()}) |"
        )


if __name__ == "__main__":
    main()

"""Every registered strategy with its defaults, backtested on the pack once per test session."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.result import Result
from macropatch.backtests.engine.schedule import Rebalance, apply_schedule
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.panel import build_price_panel
from macropatch.marketdata.sources import DataSources
from macropatch.signals.evaluate import evaluate_signals
from macropatch.signals.registry import default_signals
from macropatch.strategies.base import CASH, MarketView, Strategy
from macropatch.strategies.registry import STRATEGIES, build_strategy

START, END = pd.Timestamp("2000-01-03"), pd.Timestamp("2026-04-29")
SCHEDULE = {"spy_buy_and_hold": Rebalance.ONCE}


@dataclass(frozen=True)
class PackMarket:
    prices: pd.DataFrame
    signals: dict


@functools.cache
def pack_market(pack: str) -> PackMarket:
    """Prices of every asset any registered strategy trades (synthetic ones built) and all signals."""
    catalog = load_catalog()
    sources = DataSources(catalog=catalog, pack=Pack(Path(pack)))
    strategies = [build_strategy(name, {}) for name in STRATEGIES]
    synthetic = {
        item.asset_id: item for strategy in strategies for item in strategy.synthetic_assets
    }
    assets = list(dict.fromkeys(a for s in strategies for a in s.assets if a not in synthetic)) + [
        CASH
    ]
    panel = build_price_panel(sources, assets, start=START, end=END)
    prices = panel.prices.copy()
    for asset_id, item in synthetic.items():
        prices[asset_id] = item.build(sources, pd.DatetimeIndex(prices.index))
    results, _ = evaluate_signals(default_signals(), sources, pd.DatetimeIndex(prices.index))
    return PackMarket(prices=prices, signals={result.signal.name: result for result in results})


def scheduled_targets(strategy: Strategy, market: PackMarket) -> pd.DataFrame:
    assets = list(strategy.assets)
    view = MarketView(
        prices=market.prices[assets], signals={n: market.signals[n] for n in strategy.signals}
    )
    targets = strategy.target_weights(view)[[*assets, CASH]]
    return apply_schedule(targets, SCHEDULE.get(strategy.name, Rebalance.MONTHLY))


@functools.cache
def pack_result(pack: str, name: str, fees: float = 0.0005, slippage: float = 0.0002) -> Result:
    market = pack_market(pack)
    strategy = build_strategy(name, {})
    return backtest(
        name=name,
        strategy=strategy,
        prices=market.prices,
        rebalance=SCHEDULE.get(name, Rebalance.MONTHLY),
        costs=Costs(fees=fees, slippage=slippage, borrow=0.005),
        signals=market.signals,
    )

"""Loading the prices an experiment's strategies trade, cut to the days with data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from macropatch.experiment import Experiment
from marketdata.errors import UserError
from marketdata.panel import PricePanel, build_price_panel
from marketdata.progress import NoProgress, Progress
from marketdata.sources import DataSources
from strategies.base import CASH, Strategy

__all__ = ["load_prices"]


def load_prices(
    strategies: Iterable[Strategy],
    *,
    experiment: Experiment,
    sources: DataSources,
    progress: Progress | None = None,
) -> tuple[PricePanel, pd.DataFrame, list[str]]:
    """The price panel of every asset the strategies trade (synthetic ones built), the cash
    asset included, over the experiment's period cut at the last day every asset has data.

    Returns the panel, the cut prices and notes on the cut.
    """
    progress = progress or NoProgress()
    strategies = list(strategies)
    assets = list(
        dict.fromkeys([asset for strategy in strategies for asset in strategy.assets] + [CASH])
    )
    synthetic = {
        item.asset_id: item for strategy in strategies for item in strategy.synthetic_assets
    }
    sourced = [asset for asset in assets if asset not in synthetic]
    catalog = sources.catalog
    for asset in sourced:
        catalog[asset]  # unknown ids fail here, naming the series
    with progress.task("Loading data", total=1) as task:
        panel = build_price_panel(
            sources,
            sourced,
            start=pd.Timestamp(experiment.start),
            end=pd.Timestamp(experiment.end) if experiment.end else None,
        )
        for asset_id, item in synthetic.items():
            panel.prices[asset_id] = item.build(sources, pd.DatetimeIndex(panel.prices.index))
        task.advance()
    prices, notes = _trim_to_data(panel, experiment, catalog)
    return panel, prices, notes


def _trim_to_data(
    panel: PricePanel, experiment: Experiment, catalog: Any
) -> tuple[pd.DataFrame, list[str]]:
    """Cut the panel at the last day on which every traded asset still has a price."""
    prices = panel.prices
    notes: list[str] = []
    first_day, last_day = pd.Timestamp(prices.index[0]), pd.Timestamp(prices.index[-1])
    ends: dict[str, pd.Timestamp] = {}
    for column in prices.columns:
        valid = prices[column].dropna()
        if not valid.empty:
            ends[str(column)] = pd.Timestamp(valid.index[-1])
    if CASH not in ends:
        raise UserError(
            f"no T-bill data for the cash asset between {first_day.date()} and {last_day.date()}"
        )
    limiting = min(ends, key=lambda column: ends[column])
    end = ends[limiting]
    if end < last_day:
        notes.append(
            f"the period ends on {end.date()}, the last day with data for {limiting!r} "
            f"({catalog[limiting].name if limiting in catalog else 'a synthetic series'})"
        )
    prices = prices.loc[:end]
    if len(prices) < 2:
        raise UserError(
            f"the period {experiment.start} to {end.date()} holds fewer than two trading days with data"
        )
    return prices, notes

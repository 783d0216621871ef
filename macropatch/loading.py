"""Loading the prices an experiment's strategies trade, cut to the days with data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from macropatch.experiment import Experiment
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.panel import PricePanel, build_price_panel
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.marketdata.sources import DataSources
from macropatch.strategies.base import CASH, Strategy

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
            proxies=experiment.proxies,
        )
        for asset_id, item in synthetic.items():
            panel.prices[asset_id] = item.build(sources, pd.DatetimeIndex(panel.prices.index))
        task.advance()
    prices, notes = _trim_to_data(panel, experiment, catalog)
    return panel, prices, notes


#: A series may end (or the calendar start) this many trading days away from the others
#: before the run refuses to be cut short by it.
END_TOLERANCE_DAYS = 5


def _trading_days_between(earlier: pd.Timestamp, later: pd.Timestamp) -> int:
    return int(np.busday_count(earlier.date(), later.date())) if later > earlier else 0


def _name(series: str, catalog: Any) -> str:
    return f"{series!r} ({catalog[series].name if series in catalog else 'a synthetic series'})"


def _check_coverage(
    panel: PricePanel, ends: dict[str, pd.Timestamp], experiment: Experiment, catalog: Any
) -> None:
    """Refuse a period that one series would silently cut short (see :func:`load_prices`)."""
    days = pd.DatetimeIndex(panel.prices.index)
    first_day, calendar_end = pd.Timestamp(days[0]), pd.Timestamp(days[-1])
    asked_start = pd.Timestamp(experiment.start)
    asked_end = pd.Timestamp(experiment.end) if experiment.end else None
    fix = "set [period] start (or pass --start)"
    if _trading_days_between(asked_start, first_day) > END_TOLERANCE_DAYS:
        raise UserError(
            f"the experiment starts on {asked_start.date()}, but the trading calendar "
            f"{_name(panel.calendar, catalog)} starts on {first_day.date()}: {fix} to "
            f"{first_day.date()} or later"
        )
    fix = "set [period] end (or pass --end)"
    others = sorted(  # derived series (the cash asset) carry their inputs forward: not data
        min(end, asked_end) if asked_end is not None else end
        for series, end in panel.data_ends.items()
        if series != panel.calendar and series in catalog and catalog[series].derive is None
    )
    if others:
        typical = others[(len(others) - 1) // 2]
        if _trading_days_between(calendar_end, typical) > END_TOLERANCE_DAYS:
            raise UserError(
                f"the trading calendar {_name(panel.calendar, catalog)} ends on "
                f"{calendar_end.date()}, but the traded series go on to {typical.date()}: "
                f"update {panel.calendar!r}, or {fix} to {calendar_end.date()} to run to it"
            )
    limiting = min(ends, key=lambda column: ends[column])
    if _trading_days_between(ends[limiting], calendar_end) > END_TOLERANCE_DAYS:
        latest = max(ends, key=lambda column: ends[column])
        raise UserError(
            f"series {_name(limiting, catalog)} ends on {ends[limiting].date()}, while "
            f"{latest!r} goes on to {ends[latest].date()}: it would cut the run short; update "
            f"{limiting!r}, or {fix} to {ends[limiting].date()} to run to it"
        )


def _late_starts(
    panel: PricePanel, experiment: Experiment, catalog: Any
) -> tuple[list[str], str | None]:
    """Traded series whose first price comes more than :data:`END_TOLERANCE_DAYS` trading
    days after the run's first day: notes when the experiment asked for its start or for
    no proxies (their weight sits in cash until then), else the refusal to give.
    """
    prices = panel.prices
    first_day = pd.Timestamp(prices.index[0])
    late: list[tuple[str, pd.Timestamp]] = []
    for column in prices.columns:
        valid = prices[column].dropna()
        if valid.empty or column == CASH:
            continue
        starts = pd.Timestamp(valid.index[0])
        if _trading_days_between(first_day, starts) > END_TOLERANCE_DAYS:
            late.append((str(column), starts))
    why = "no proxy reaches further back" if experiment.proxies else "proxies = false"
    notes = [
        f"{_name(column, catalog)} has no price before {starts.date()} ({why}): its weight "
        "sits in cash until then"
        for column, starts in late
    ]
    if not late or experiment.start_explicit or not experiment.proxies:
        return notes, None
    column, starts = max(late, key=lambda item: item[1])
    return notes, (
        f"series {_name(column, catalog)} starts on {starts.date()}, "
        f"{_trading_days_between(first_day, starts)} trading days after the run's first day "
        f"{first_day.date()}: its weight would sit in cash until then; set [period] start "
        f"(or pass --start) to {starts.date()} or later, or to {first_day.date()} to keep "
        "that start knowingly"
    )


def _trim_to_data(
    panel: PricePanel, experiment: Experiment, catalog: Any
) -> tuple[pd.DataFrame, list[str]]:
    """Cut the panel at the last day on which every traded asset still has a price.

    A cut of more than :data:`END_TOLERANCE_DAYS` trading days is refused (a
    ``UserError`` naming the series and both dates) unless the experiment's
    own end asks for it; so is a calendar that starts later than the
    experiment asks or ends well before the traded series.
    """
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
    _check_coverage(panel, ends, experiment, catalog)
    late_notes, refusal = _late_starts(panel, experiment, catalog)
    if refusal is not None:
        raise UserError(refusal)
    notes.extend(late_notes)
    limiting = min(ends, key=lambda column: ends[column])
    end = ends[limiting]
    if end < last_day:
        notes.append(
            f"the period ends on {end.date()}, the last day with data for "
            f"{_name(limiting, catalog)}, {_trading_days_between(end, last_day)} trading days "
            f"before the calendar's last day {last_day.date()}"
        )
    prices = prices.loc[:end]
    if len(prices) < 2:
        raise UserError(
            f"the period {experiment.start} to {end.date()} holds fewer than two trading days with data"
        )
    return prices, notes

"""The option model checked against the real index it imitates: CBOE PPUT.

Requires the places data come from. Produces a :class:`Calibration`: the
replica (:class:`~macropatch.marketdata.protective_put.ProtectivePutIndex`,
the S&P 500 total return plus one-month 5% out-of-the-money puts on all of its
notional, third-Friday rolls) on the S&P 500's trading days from 1990 (the
VIX's start), and its :class:`~macropatch.backtests.metrics.tracking.Tracking`
against the pack's PPUT.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from macropatch.backtests.engine.result import Result
from macropatch.backtests.evidence.document import (
    CalibrationSummary,
    CrashDrawdown,
    DrawdownComparison,
    HedgeProtection,
)
from macropatch.backtests.metrics.performance import measure
from macropatch.backtests.metrics.tracking import Tracking, tracking
from macropatch.marketdata.panel import build_price_panel
from macropatch.marketdata.pointintime import knowable_on
from macropatch.marketdata.protective_put import ProtectivePutIndex
from macropatch.marketdata.sources import DataSources
from macropatch.marketdata.surface import NODES, TermStructure

__all__ = [
    "CRASHES",
    "Calibration",
    "calibrate_protective_puts",
    "calibration_summary",
    "hedge_protection",
]

#: The crashes the calibration compares, peak to trough of the S&P 500.
CRASHES = (
    ("2000-03-24", "2002-10-09"),
    ("2007-10-09", "2009-03-09"),
    ("2020-02-19", "2020-03-23"),
    ("2022-01-03", "2022-10-12"),
)

#: The replica's series: price for strikes and the model, total return held, the index.
PRICE, TOTAL_RETURN, INDEX = "sp500", "spy", "cboe_pput"
START = pd.Timestamp("1990-01-02")


@dataclass(frozen=True, kw_only=True)
class Calibration:
    """The replica, the real index and how closely one tracks the other."""

    model: ProtectivePutIndex
    replica: pd.Series
    index: pd.Series
    total_return: pd.Series
    tracking: Tracking


def calibrate_protective_puts(
    sources: DataSources, model: ProtectivePutIndex | None = None, *, term_structure: bool = False
) -> Calibration:
    """Build the PPUT replica with ``model`` (default: PPUT's rules and the default surface);
    ``term_structure`` prices each put from the VIX9D/VIX/VIX3M/VIX6M term structure at its
    remaining tenor (:mod:`macropatch.marketdata.surface`) instead of the VIX alone.
    """
    model = model or ProtectivePutIndex()
    prices = build_price_panel(sources, [PRICE, TOTAL_RETURN, INDEX], calendar=PRICE, start=START)
    frame = prices.prices
    calendar = pd.DatetimeIndex(frame.index)
    vix, _ = knowable_on(sources.load("vix"), calendar)
    rate, _ = knowable_on(sources.load("tbill_3m"), calendar)
    surface = (
        TermStructure.from_knowable(
            {name: knowable_on(sources.load(name), calendar)[0] for name in NODES}
        )
        if term_structure
        else None
    )
    replica = model.compute(
        price=frame[PRICE],
        total_return=frame[TOTAL_RETURN],
        vix=vix,
        discount_rate=rate,
        surface=surface,
    )
    return Calibration(
        model=model,
        replica=replica,
        index=frame[INDEX],
        total_return=frame[TOTAL_RETURN],
        tracking=tracking(replica, frame[INDEX]),
    )


def calibration_summary(found: Calibration) -> CalibrationSummary:
    """The document of a calibration: the tracking figures, the crashes and monthly levels."""
    tracked = found.tracking
    days = found.replica.dropna().index
    series = {
        "replica": found.replica.loc[days],
        "index": found.index.loc[days],
        "unhedged": found.total_return.loc[days],
    }
    monthly = {name: values.resample("ME").last() for name, values in series.items()}
    labels = [day.date().isoformat() for day in monthly["replica"].index]
    drawdowns = [
        DrawdownComparison(
            start=start,
            end=end,
            **{
                name: measure(values.loc[start:end].pct_change().dropna()).max_drawdown
                for name, values in series.items()
            },
        )
        for start, end in CRASHES
        if pd.Timestamp(start) >= days[0] and pd.Timestamp(end) <= days[-1]
    ]
    unhedged = measure(series["unhedged"].pct_change().dropna())
    return CalibrationSummary(
        model=found.model.asset_id,
        index=INDEX,
        start=tracked.start.date().isoformat(),
        end=tracked.end.date().isoformat(),
        monthly_correlation=tracked.monthly_correlation,
        model_cagr=tracked.model_cagr,
        index_cagr=tracked.index_cagr,
        unhedged_cagr=unhedged.cagr,
        unhedged_volatility=unhedged.volatility,
        model_volatility=tracked.model_volatility,
        index_volatility=tracked.index_volatility,
        tracking_error=tracked.tracking_error,
        drawdowns=drawdowns,
        monthly={
            name: list((values / values.iloc[0] * 100.0).to_numpy(dtype=float))
            for name, values in monthly.items()
        },
        labels=labels,
    )


def hedge_protection(
    results: Iterable[Result], hedges: Mapping[str, Sequence[str]], *, benchmark: Result
) -> list[HedgeProtection]:
    """Per strategy with hedges (``hedges``: its hedge assets, by result name): its hedge
    cost, CAGR, worst drawdown and month, and its drawdown in each of :data:`CRASHES`
    inside the run, next to the benchmark's over the same days.
    """
    found = []
    bare = measure(benchmark.returns)
    for result in results:
        assets = list(hedges.get(result.name, ()))
        if not assets or result.hedge_contribution is None:
            continue
        measured = measure(result.returns, hedge_contribution=result.hedge_contribution)
        days = pd.DatetimeIndex(result.returns.index)
        crashes = [
            CrashDrawdown(
                start=start,
                end=end,
                strategy=measure(result.returns.loc[start:end]).max_drawdown,
                benchmark=measure(benchmark.returns.loc[start:end]).max_drawdown,
            )
            for start, end in CRASHES
            if pd.Timestamp(start) >= days[0] and pd.Timestamp(end) <= days[-1]
        ]
        found.append(
            HedgeProtection(
                strategy=result.name,
                hedges=assets,
                benchmark=benchmark.name,
                hedge_cost=measured.hedge_cost,
                cagr=measured.cagr,
                benchmark_cagr=bare.cagr,
                max_drawdown=measured.max_drawdown,
                benchmark_max_drawdown=bare.max_drawdown,
                worst_month=measured.worst_month,
                benchmark_worst_month=bare.worst_month,
                crashes=crashes,
            )
        )
    return found

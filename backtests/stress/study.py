"""Stress tests of a run: history's crises replayed, the report's scenarios, a bootstrap.

Requires the run's daily returns (one column per strategy), each strategy's
holdings on the last day, the daily prices of every asset held, a source of
catalog series (for the macro factors), the scenarios, and the days the
chosen stress signals fired. Produces the content of ``stress.json`` (plain
JSON values), from which ``stress.html`` is drawn:

- ``replay``: :func:`macropatch.backtests.stress.replay.replay` over crisis windows;
- ``scenarios``: per scenario, the assets' monthly returns regressed on the
  monthly moves of the shocked factors only (so each P&L is the expected
  return given those shocks, the other factors moving as they did with
  them), then each strategy's P&L from its holdings;
- ``bootstrap``: :func:`macropatch.backtests.stress.bootstrap.conditional_block_bootstrap` of
  one-year outcomes from the days any chosen signal fired.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from macropatch.backtests.stress.bootstrap import conditional_block_bootstrap
from macropatch.backtests.stress.document import StressReport
from macropatch.backtests.stress.factor_model import fit_factor_model
from macropatch.backtests.stress.factors import (
    Scenario,
    asset_monthly_returns,
    factor_levels,
    monthly_factors,
)
from macropatch.backtests.stress.replay import (
    DEFAULT_REPLAY_WINDOWS,
    Window,
    coverage_problem,
    replay,
)
from macropatch.marketdata.errors import UserError
from macropatch.signals.base import SeriesSource

__all__ = ["BootstrapSettings", "stress_test"]

_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True, kw_only=True)
class BootstrapSettings:
    """How the one-year paths are drawn."""

    signals: tuple[str, ...]
    paths: int
    horizon_days: int
    block_days: int
    seed: int


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _windows(
    returns: pd.DataFrame, windows: Sequence[Window] | None
) -> tuple[list[Window], list[str]]:
    """The windows to replay; default ones outside the data are skipped and named."""
    if windows is not None:
        return list(windows), []
    days = pd.Series(0.0, index=returns.index)
    inside = [window for window in DEFAULT_REPLAY_WINDOWS if coverage_problem(days, window) is None]
    skipped = [window.name for window in DEFAULT_REPLAY_WINDOWS if window not in inside]
    return inside, skipped


def _replay(returns: pd.DataFrame, windows: Sequence[Window] | None) -> dict[str, Any]:
    chosen, skipped = _windows(returns, windows)
    rows: dict[str, dict[str, Any]] = {str(name): {} for name in returns.columns}
    if chosen:
        table = replay(returns, chosen)
        for key, numbers in table.iterrows():
            window, strategy = str(key[0]), str(key[1])  # type: ignore[index]
            days = numbers["days_to_recover"]
            rows[str(strategy)][str(window)] = {
                "return": _number(numbers["return"]),
                "max_drawdown": _number(numbers["max_drawdown"]),
                "trough_date": pd.Timestamp(numbers["trough_date"]).date().isoformat(),
                "days_to_recover": None if pd.isna(days) else int(days),
                "recovered": bool(numbers["recovered"]),
            }
    return {
        "windows": [
            {"name": w.name, "start": w.start.isoformat(), "end": w.end.isoformat()} for w in chosen
        ],
        "rows": rows,
        "skipped": skipped,
    }


def _scenario(
    scenario: Scenario,
    *,
    assets: pd.DataFrame,
    holdings: Mapping[str, Mapping[str, float]],
    sources: SeriesSource,
    riskless: Sequence[str],
    confidence: float,
) -> dict[str, Any]:
    factors = monthly_factors(sources, scenario.factors)
    months = factors.index.union(assets.index)
    factors, monthly = factors.reindex(months), assets.reindex(months)
    known = factors.dropna()
    if known.empty:
        raise UserError(f"scenario {scenario.name!r}: no month with data for all its factors")
    model = fit_factor_model(monthly, factors)
    levels = factor_levels(
        sources, [shock.factor for shock in scenario.shocks if shock.to is not None]
    )
    shocks = scenario.sizes(levels)
    per_asset = model.shock_pnl(shocks, confidence=confidence)
    strategies: dict[str, dict[str, Any]] = {}
    for name, weights in holdings.items():
        short = sorted(
            asset for asset, weight in weights.items() if weight and asset in model.unfitted
        )
        if short:  # too little history to estimate: no number rather than a wrong one
            strategies[name] = {
                "expected": None,
                "note": f"too little history to fit {', '.join(short)} "
                f"(fewer than {model.minimum_observations} months)",
            }
            continue
        pnl = model.portfolio_pnl(weights, shocks, confidence=confidence, riskless=riskless)
        strategies[name] = {
            key: (value if isinstance(value, str) else _number(value))
            for key, value in pnl.as_dict().items()
        }
    fits = model.fits
    return {
        "name": scenario.name,
        "description": scenario.description,
        "file": scenario.source,
        "confidence": confidence,
        "shocks": [
            {
                "factor": shock.factor.key,
                "label": shock.factor.label,
                "move": shock.factor.move.value,
                "size": shocks[shock.factor.key],
                "to": shock.to,
                "level": levels.get(shock.factor),
            }
            for shock in scenario.shocks
        ],
        "estimation": {
            "start": known.index[0].date().isoformat(),
            "end": known.index[-1].date().isoformat(),
            "months": len(known),
        },
        "strategies": strategies,
        "assets": {
            str(asset): {
                **{key: _number(row[key]) for key in ("expected", "low", "high")},
                "r2": _number(fits.at[asset, "r_squared"]) if asset in fits.index else None,
                "months": int(cast(float, fits.at[asset, "observations"]))
                if asset in fits.index
                else None,
            }
            for asset, row in per_asset.iterrows()
        },
    }


def _bootstrap(
    returns: pd.DataFrame, fired: Mapping[str, pd.Series], settings: BootstrapSettings
) -> dict[str, Any]:
    absent = [name for name in settings.signals if name not in fired]
    if absent:
        raise UserError(
            f"stress.signals: {absent[0]!r} is not a signal of the run ({', '.join(sorted(fired))})"
        )
    condition = pd.Series(False, index=returns.index)
    for name in settings.signals:
        flags = fired[name].reindex(returns.index).astype("boolean").fillna(False)
        condition |= flags.astype(bool)
    facts: dict[str, Any] = {
        "signals": list(settings.signals),
        "paths": settings.paths,
        "horizon_days": settings.horizon_days,
        "block_days": settings.block_days,
        "seed": settings.seed,
    }
    try:
        result = conditional_block_bootstrap(
            returns,
            condition,
            paths=settings.paths,
            horizon_days=settings.horizon_days,
            block_days=settings.block_days,
            seed=settings.seed,
        )
    except UserError as error:  # too few stressed days in a short run: say so, do not fail it
        return {**facts, "skipped": str(error), "strategies": {}}
    summary = result.summary()
    quantiles = result.outcomes.quantile(list(_QUANTILES))
    strategies = {}
    for name in returns.columns:
        numbers = {key: _number(value) for key, value in summary.loc[name].items()}
        for level in _QUANTILES:
            numbers[f"quantile_{round(level * 100):02d}"] = _number(quantiles.at[level, name])
        strategies[str(name)] = numbers
    return {
        "signals": list(settings.signals),
        "condition_days": result.condition_days,
        "eligible_starts": result.eligible_starts,
        "paths": result.paths,
        "horizon_days": result.horizon_days,
        "block_days": result.block_days,
        "seed": result.seed,
        "strategies": strategies,
    }


def stress_test(
    *,
    returns: pd.DataFrame,
    holdings: Mapping[str, Mapping[str, float]],
    prices: pd.DataFrame,
    sources: SeriesSource,
    scenarios: Sequence[Scenario],
    fired: Mapping[str, pd.Series],
    bootstrap: BootstrapSettings,
    windows: Sequence[Window] | None = None,
    riskless: Sequence[str] = ("cash",),
    confidence: float = 0.90,
    benchmark: str = "",
) -> StressReport:
    """Replay, scenarios and bootstrap for every strategy of a run (see the module docstring).

    Parameters
    ----------
    holdings
        Per strategy, each asset's weight on the last day (the cash asset
        included; it moves 0 in a scenario).
    fired
        Per registered signal name, whether it fired each day.
    windows
        Crisis windows; ``None`` for the defaults inside the data.
    """
    risky = [column for column in prices.columns if column not in riskless]
    monthly = asset_monthly_returns(prices[risky])
    return StressReport.model_validate(
        {
            "as_of": pd.Timestamp(returns.index[-1]).date().isoformat(),
            "benchmark": benchmark,
            "strategies": [str(name) for name in returns.columns],
            "weights": {
                name: {a: float(w) for a, w in weights.items() if w}
                for name, weights in holdings.items()
            },
            "replay": _replay(returns, windows),
            "scenarios": [
                _scenario(
                    scenario,
                    assets=monthly,
                    holdings=holdings,
                    sources=sources,
                    riskless=riskless,
                    confidence=confidence,
                )
                for scenario in scenarios
            ],
            "bootstrap": _bootstrap(returns, fired, bootstrap),
        }
    )


def last_holdings(holdings: pd.DataFrame) -> dict[str, float]:
    """The weights of the last row of a holdings frame (zeros dropped)."""
    row = holdings.iloc[-1]
    return {
        str(asset): float(weight)
        for asset, weight in row.items()
        if np.isfinite(weight) and weight != 0.0
    }

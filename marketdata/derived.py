"""Synthetic series built from other catalog series.

Each method takes its input series (canonical units, indexed by observation
date, in the order the catalog lists them) and its parameters, and produces
one series. The catalog's ``derive`` tables name them:

``extend_levels``
    Requires level series (rates). Produces the first input, extended before
    its first and after its last observation by the next inputs' values (the
    daily T-bill rate, extended by its monthly average).
``tbill_accrual``
    Requires a 3-month T-bill rate quoted on a discount basis (fraction).
    Produces a cash price index starting at 1.0 that accrues, each calendar
    day, the bond-equivalent yield ``365 d / (360 - 91 d)`` of the previous
    day's rate (actual/365). The last rate is carried ``carry_days`` calendar
    days past its observation (default 45) so the cash asset covers the
    month the last monthly average stands for.
``constant_maturity_bond``
    Requires a par yield (fraction). Produces the total-return index of a
    bond bought at par each day with coupon equal to the previous yield and
    ``maturity_years`` to maturity, repriced at the next yield (semi-annual
    compounding) plus the coupon accrued over the calendar days between
    (the method of Swinkels, 2019, for Treasury returns before ETFs existed).
``factor_portfolio``
    Requires daily returns (fractions). Produces the index of their daily
    sum, compounded: with Mkt-RF, RF and RMW, the market plus the
    profitability factor.
``fitted_factor_portfolio``
    Requires daily returns (fractions): Mkt-RF, RF, one or more factors, and
    last the price of the fund the proxy stands in for. Produces the index of
    ``RF + b_m * (Mkt-RF) + sum_f b_f * factor`` compounded, with the betas
    fitted by least squares (with an intercept, which the proxy leaves out)
    of the fund's excess return on the factors over the days both exist
    (:func:`fit_factor_betas`). A fund whose proxy adds the raw factor (beta
    1) would credit history with all of the factor's premium; the fitted beta
    credits what the fund actually carried. The betas come from the fund's
    own life, after the history they fill: a stated assumption, not a signal.
``sum_levels``
    Requires level series (rates). Produces their sum on the dates all of
    them have (a corporate yield as the Treasury yield plus a spread).
``equal_weight``
    Requires price series. Produces the index of an equal-weighted basket
    rebalanced daily (the mean of the daily returns, compounded) on the dates
    all of them have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.marketdata.errors import UserError

__all__ = ["DERIVATIONS", "FactorFit", "derive", "fit_factor_betas"]

#: Fewest overlapping days a factor fit accepts (about two years).
MINIMUM_FIT_DAYS = 500


def extend_levels(inputs: Sequence[pd.Series], parameters: Mapping[str, float]) -> pd.Series:
    result = inputs[0].dropna()
    for other in inputs[1:]:
        other = other.dropna()
        before = other[other.index < result.index.min()]
        after = other[other.index > result.index.max()]
        result = pd.concat([before, result, after], sort=False)
    return result


def tbill_accrual(inputs: Sequence[pd.Series], parameters: Mapping[str, float]) -> pd.Series:
    rate = inputs[0].dropna()
    carry = int(parameters.get("carry_days", 45))
    days = pd.date_range(
        rate.index[0], rate.index[-1] + pd.Timedelta(days=carry), freq="D", name="date"
    )
    discount = rate.reindex(days).ffill().to_numpy()
    bond_equivalent = 365.0 * discount / (360.0 - 91.0 * discount)
    growth = np.ones(len(days))
    growth[1:] = 1.0 + bond_equivalent[:-1] / 365.0
    return pd.Series(np.cumprod(growth), index=days)


def constant_maturity_bond(
    inputs: Sequence[pd.Series], parameters: Mapping[str, float]
) -> pd.Series:
    yields = inputs[0].dropna()
    maturity = float(parameters.get("maturity_years", 10.0))
    if maturity <= 0:
        raise UserError(f"constant_maturity_bond: maturity_years must be positive, got {maturity}")
    coupon = yields.to_numpy()[:-1]
    new_yield = yields.to_numpy()[1:]
    elapsed = (
        np.diff(yields.index.to_numpy(dtype="datetime64[ns]")).astype(float)
        / (86_400 * 1e9)
        / 365.0
    )
    remaining = np.maximum(maturity - elapsed, 1e-6)
    periods = 2.0 * remaining
    half = new_yield / 2.0
    discount = np.power(1.0 + half, -periods)
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(np.abs(half) > 1e-12, (1.0 - discount) / half, periods)
    price = (coupon / 2.0) * annuity + discount
    returns = price - 1.0 + coupon * elapsed
    index = np.concatenate([[1.0], np.cumprod(1.0 + returns)])
    return pd.Series(index, index=yields.index)


def factor_portfolio(inputs: Sequence[pd.Series], parameters: Mapping[str, float]) -> pd.Series:
    frame = pd.concat(list(inputs), axis=1, join="inner", sort=True).dropna()
    if frame.empty:
        raise UserError("factor_portfolio: the input factor series share no dates")
    return (1.0 + frame.sum(axis=1)).cumprod()


@dataclass(frozen=True, kw_only=True)
class FactorFit:
    """Least-squares betas of a fund's excess return on factor returns."""

    betas: tuple[float, ...]
    """One per factor, Mkt-RF first, in the order given."""
    intercept: float
    """Daily; left out of the proxy."""
    r_squared: float
    days: int
    first: pd.Timestamp
    last: pd.Timestamp


def fit_factor_betas(factors: pd.DataFrame, risk_free: pd.Series, fund: pd.Series) -> FactorFit:
    """Regress the fund's daily return less ``risk_free`` on ``factors`` (daily returns,
    fractions) over the days all of them exist; ``fund`` is a price series.

    Raises
    ------
    UserError
        With fewer than :data:`MINIMUM_FIT_DAYS` common days.
    """
    fund_returns = fund.dropna().pct_change().iloc[1:]
    frame = pd.concat([factors, risk_free.rename("__rf"), fund_returns.rename("__fund")], axis=1)
    frame = frame.dropna()
    if len(frame) < MINIMUM_FIT_DAYS:
        raise UserError(
            f"fitted_factor_portfolio: the fund and the factors share {len(frame)} days, "
            f"fewer than the {MINIMUM_FIT_DAYS} a fit needs"
        )
    target = (frame["__fund"] - frame["__rf"]).to_numpy()
    design = np.column_stack([np.ones(len(frame)), frame[list(factors.columns)].to_numpy()])
    solution, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ solution
    total = target - target.mean()
    return FactorFit(
        betas=tuple(float(value) for value in solution[1:]),
        intercept=float(solution[0]),
        r_squared=float(1.0 - residual @ residual / (total @ total)),
        days=len(frame),
        first=pd.Timestamp(frame.index[0]),
        last=pd.Timestamp(frame.index[-1]),
    )


def _factor_inputs(inputs: Sequence[pd.Series]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Mkt-RF and the factors (one frame), RF, and the fund, from the derivation's inputs."""
    if len(inputs) < 4:
        raise UserError(
            "fitted_factor_portfolio needs Mkt-RF, RF, at least one factor and the fund's price"
        )
    market, risk_free, *factors, fund = inputs
    frame = pd.concat(
        [market, *factors], axis=1, keys=range(len(factors) + 1), join="inner", sort=True
    )
    return frame, risk_free, fund


def fitted_factor_portfolio(
    inputs: Sequence[pd.Series], parameters: Mapping[str, float]
) -> pd.Series:
    factors, risk_free, fund = _factor_inputs(inputs)
    fit = fit_factor_betas(factors, risk_free, fund)
    frame = pd.concat([factors, risk_free.rename("__rf")], axis=1, join="inner").dropna()
    returns = frame["__rf"] + frame[list(factors.columns)].to_numpy() @ np.asarray(fit.betas)
    index: pd.Series = (1.0 + returns).cumprod()
    return index


def sum_levels(inputs: Sequence[pd.Series], parameters: Mapping[str, float]) -> pd.Series:
    frame = pd.concat(list(inputs), axis=1, join="inner", sort=True).dropna()
    if frame.empty:
        raise UserError("sum_levels: the input series share no dates")
    return frame.sum(axis=1)


def equal_weight(inputs: Sequence[pd.Series], parameters: Mapping[str, float]) -> pd.Series:
    frame = pd.concat(list(inputs), axis=1, join="inner", sort=True).dropna()
    if len(frame) < 2:
        raise UserError("equal_weight: the input series share fewer than two dates")
    returns = frame.pct_change().iloc[1:].mean(axis=1)
    result: pd.Series = pd.concat(
        [pd.Series([1.0], index=frame.index[:1]), (1.0 + returns).cumprod()], sort=False
    )
    return result


DERIVATIONS: Mapping[str, Callable[[Sequence[pd.Series], Mapping[str, float]], pd.Series]] = {
    "extend_levels": extend_levels,
    "tbill_accrual": tbill_accrual,
    "constant_maturity_bond": constant_maturity_bond,
    "factor_portfolio": factor_portfolio,
    "fitted_factor_portfolio": fitted_factor_portfolio,
    "sum_levels": sum_levels,
    "equal_weight": equal_weight,
}


def derive(method: str, inputs: Sequence[pd.Series], parameters: Mapping[str, float]) -> pd.Series:
    """Build a synthetic series with the named method."""
    try:
        function = DERIVATIONS[method]
    except KeyError:
        raise UserError(
            f"unknown derivation {method!r} (known: {', '.join(sorted(DERIVATIONS))})"
        ) from None
    if not inputs or any(series.dropna().empty for series in inputs):
        raise UserError(f"derivation {method!r} needs non-empty inputs")
    result = function(inputs, parameters)
    result.index = pd.DatetimeIndex(result.index).rename("date")
    return result.astype(float)

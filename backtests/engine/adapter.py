"""The backtest engine: target weights and prices in, a :class:`Result` out.

This is the only module of the project that imports vectorbt. It requires

* ``targets``: the weights to trade to, one row per trading day (a row of NaN
  means no rebalance that day), one column per asset, the cash asset
  included; a row that holds weights sums to 1;
* ``prices``: the daily close of every asset on the same calendar (the cash
  asset is a price series that accrues the T-bill rate);
* :class:`~macropatch.backtests.engine.costs.Costs`.

and produces a :class:`~macropatch.backtests.engine.result.Result`: daily returns and net asset
value (starting at 1.0), the executed target rows, the orders, the daily
turnover and the digests of the inputs.

Timing
------
The engine is one of the two places of the project allowed to move data in
time. A target row dated ``t`` is decided at the close of ``t`` and traded at
the close of ``t + execution_lag`` trading days (default 1): the rows are
shifted down by ``execution_lag`` rows, and decisions made in the last
``execution_lag`` rows are never traded. ``execution_lag=0`` trades at the
close the decision was made at, which is look-ahead-prone whenever the
decision used that close; it exists for tests and research only.

Execution (what vectorbt does, pinned by the settings below)
------------------------------------------------------------
On an execution date every asset gets a target-percent order, all filled at
that day's close (``price=inf``, ``val_price=inf``). With ``call_seq="auto"``
vectorbt first values the portfolio at the close, ``V = cash + sum(position
* close)``, then processes the orders in ascending order of their approximate
value ``weight * V - position * close`` (a stable sort, so sells come first
and the largest buy last), each order sized to ``weight * V / close -
position`` shares off that same pre-trade ``V`` (``update_value=False``).
Sells fill at ``close * (1 - slippage)``, buys at ``close * (1 + slippage)``,
and each fill pays ``fees`` times its value at the fill price out of the
engine's cash. Since the targets sum to 1, the costs leave the buys short of
cash: the last buy (the largest) is filled partially with the cash left
(``allow_partial=True``), so it ends below its target by the day's costs,
every other asset ends exactly on its target share count, and the engine's
own cash ends at zero. The cash asset trades like any other asset, without
fees or slippage.

After the run the engine checks that, on every execution date, all holdings
but one are on their target value ``weight * V`` and that one is short by no
more than the day's costs; an order that vectorbt rejected (for want of cash
when the costs exceed the largest buy) raises :class:`RuntimeError` instead
of leaving weights silently off target. ``min_size`` is 0, so
small orders of a small or large portfolio are never rejected for their size;
vectorbt still ignores orders smaller than 1e-12 shares and snaps cash and
positions within a relative 1e-9 of zero to zero.

Borrow fee (short positions)
----------------------------
A negative weight is a short position. With ``costs.borrow > 0`` it pays, on
every trading day ``t`` after the first, ``borrow / 252`` times its market
value at the previous close, ``|shares_{t-1}| * close_{t-1}`` (the shares
held after the trades of ``t - 1``). The fee is paid at the close of ``t``,
before that close's orders, pro rata from every holding, like a fund's
expense ratio: each position and the cash shrink by the factor ``1 - fee /
V_t`` (``V_t`` the value at that close before the fee and the orders), so
the weights do not change, no order is placed for it and the orders of the
day are sized off the value net of the fee. The cash asset is never charged:
a negative cash weight borrows at the cash rate through its price.

Because sizing by target percent, proportional fees and slippage make the
simulation scale-free, the engine runs vectorbt without the fee and scales its
outcome afterwards: with ``k_t`` the running product of those factors, the
value is ``k_t`` times vectorbt's, the trades of day ``t`` (quantity, value,
fees) are ``k_t`` times vectorbt's, the returns are those of the scaled
value, and the turnover (a ratio) is unchanged. Without shorts or with
``borrow = 0``, ``k_t = 1`` and the outcome is vectorbt's as is.

Missing prices
--------------
A price must be positive and finite on every date the asset is held or
traded with a nonzero target, otherwise :class:`ValueError` names the asset
and the date. Elsewhere (before an asset's first day, after it was sold)
the engine replaces missing or invalid prices by the last valid one, then
the first valid one (or 1.0 for an asset without any): the asset is not held
there, so the filled prices cannot create profit or loss.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd
import vectorbt as vbt

from macropatch.backtests.engine.conventions import (
    INITIAL_VALUE,
    WEIGHT_SUM_TOLERANCE,
    MissingPriceError,
    check_lag_and_costs,
    check_price_calendar,
)
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.lag import executed_rows
from macropatch.backtests.engine.result import Result
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR

__all__ = [
    "INITIAL_VALUE",
    "Portfolio",
    "WEIGHT_SUM_TOLERANCE",
    "MissingPriceError",
    "grouped_returns",
    "run_backtest",
    "simulate_portfolio",
]

Portfolio = vbt.Portfolio
"""vectorbt's portfolio class, for the code that hands one to a researcher."""

_ON_TARGET_TOLERANCE = 1e-9
"""vectorbt's relative float tolerance: it rounds a position or cash this close to zero."""

_VECTORBT_ABSOLUTE_TOLERANCE = 1e-12
"""vectorbt ignores orders of fewer shares and treats smaller cash balances as zero."""

_ENGINE = "numba"
"""vectorbt's simulation engine, pinned so that installing vectorbt-rust changes nothing."""

_DATA_HASH_LENGTH = 16


def _aligned_targets(targets: pd.DataFrame, prices: pd.DataFrame, cash_asset: str) -> pd.DataFrame:
    """Check the two frames describe the same assets and days; targets in price column order."""
    check_price_calendar(prices)
    missing = [asset for asset in prices.columns if asset not in targets.columns]
    extra = [asset for asset in targets.columns if asset not in prices.columns]
    if missing or extra or not targets.columns.is_unique:
        raise ValueError(
            "targets and prices must have the same columns: "
            f"without targets {missing}, without prices {extra}"
        )
    if cash_asset not in prices.columns:
        raise ValueError(f"the cash asset {cash_asset!r} is not among the columns")
    if not targets.index.equals(prices.index):
        raise ValueError("targets and prices must have the same index (the trading calendar)")
    return targets.loc[:, list(prices.columns)]


def _check_target_rows(values: np.ndarray, index: pd.DatetimeIndex) -> None:
    """Each row is all NaN (no rebalance) or finite weights summing to 1."""
    missing = np.isnan(values)
    partial = missing.any(axis=1) & ~missing.all(axis=1)
    if partial.any():
        day = index[int(np.argmax(partial))]
        raise ValueError(f"target row on {day:%Y-%m-%d} is partly NaN: a row is all NaN or none")
    infinite = np.isinf(values).any(axis=1)
    if infinite.any():
        day = index[int(np.argmax(infinite))]
        raise ValueError(f"target row on {day:%Y-%m-%d} has an infinite weight")
    held = ~missing.all(axis=1)
    sums = np.where(held, values.sum(axis=1, where=~missing), 1.0)
    off = np.abs(sums - 1.0) > WEIGHT_SUM_TOLERANCE
    if off.any():
        row = int(np.argmax(off))
        raise ValueError(
            f"target row on {index[row]:%Y-%m-%d} sums to {sums[row]:.12g}, not 1 "
            "(the cash asset takes the remainder)"
        )


def _traded_value(trades: pd.DataFrame, index: pd.DatetimeIndex, cash_asset: str) -> np.ndarray:
    """Per day, the absolute value traded in risky assets (the cash asset's flows excluded)."""
    traded = np.zeros(len(index))
    risky = trades["asset"] != cash_asset
    np.add.at(
        traded,
        index.get_indexer(pd.DatetimeIndex(trades.loc[risky, "date"])),
        trades.loc[risky, "value"].abs().to_numpy(),
    )
    return traded


def _after_borrow(
    scale: np.ndarray, value: np.ndarray, trades: pd.DataFrame, index: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """The value, returns and trades once the borrow fee's daily ``scale`` is applied."""
    value = value * scale
    returns = value / np.r_[INITIAL_VALUE, value[:-1]] - 1.0
    day_scale = scale[index.get_indexer(pd.DatetimeIndex(trades["date"]))]
    trades = trades.copy()
    for column in ("quantity", "value", "fees"):
        trades[column] = trades[column].to_numpy() * day_scale
    return value, returns, trades


def _held_weights(executed: np.ndarray) -> np.ndarray:
    """Target weight in force at each close after trading (0 before the first trade)."""
    # Rows are all NaN or all weights, so a row-wise carry forward is a column-wise one.
    return pd.DataFrame(executed).ffill().fillna(0.0).to_numpy(dtype=np.float64)


def _engine_prices(prices: pd.DataFrame, executed: np.ndarray) -> np.ndarray:
    """Validated prices, filled where the asset is neither held nor traded."""
    values = prices.to_numpy(dtype=np.float64, na_value=np.nan)
    valid = np.isfinite(values) & (values > 0)
    held = _held_weights(executed)
    held_before = np.vstack([np.zeros((1, held.shape[1])), held[:-1]])
    needed = (held != 0) | (held_before != 0)
    bad = needed & ~valid
    if bad.any():
        row, column = (int(axis[0]) for axis in np.nonzero(bad))
        raise MissingPriceError(
            f"price of {prices.columns[column]!r} on {prices.index[row]:%Y-%m-%d} is "
            f"{values[row, column]}: it must be positive and finite while the asset is "
            f"held or traded (target weight {held[row, column]:.6g})"
        )
    filled = pd.DataFrame(np.where(valid, values, np.nan)).ffill().bfill().fillna(1.0)
    return filled.to_numpy(dtype=np.float64)


def _data_hash(prices: pd.DataFrame, targets: pd.DataFrame) -> str:
    """Short SHA-256 of both panels: column names, dates and values."""
    digest = hashlib.sha256()
    for label, frame in (("prices", prices), ("targets", targets)):
        digest.update(label.encode())
        digest.update("\x1f".join(map(str, frame.columns)).encode())
        digest.update(pd.DatetimeIndex(frame.index).as_unit("ns").asi8.tobytes())
        digest.update(np.ascontiguousarray(frame.to_numpy(np.float64, na_value=np.nan)).tobytes())
    return digest.hexdigest()[:_DATA_HASH_LENGTH]


def _simulate(
    close: pd.DataFrame,
    executed: pd.DataFrame,
    costs: Costs,
    cash_column: int | np.ndarray,
    group_by: bool | np.ndarray = True,
) -> vbt.Portfolio:
    """One vectorbt call, every setting that matters passed explicitly (``group_by``: one
    portfolio, or one per group of columns, each with its cash column).
    """
    fees = np.full((1, close.shape[1]), costs.fees)
    slippage = np.full((1, close.shape[1]), costs.slippage)
    fees[0, cash_column] = 0.0
    slippage[0, cash_column] = 0.0
    return vbt.Portfolio.from_orders(
        close=close,
        size=executed,
        size_type="targetpercent",
        direction="both",  # a negative cash weight borrows at the cash rate
        price=np.inf,  # fill at the close
        val_price=np.inf,  # value the portfolio at the same close for sizing
        fees=fees,
        fixed_fees=0.0,
        slippage=slippage,
        min_size=0.0,  # vectorbt's default 1e-8 shares would reject small orders
        max_size=np.inf,
        size_granularity=np.nan,  # fractional shares
        reject_prob=0.0,
        lock_cash=False,
        allow_partial=True,  # the last buy is cut to the cash left after costs
        raise_reject=False,  # checked after the run against the targets instead
        log=False,
        init_cash=INITIAL_VALUE,
        cash_sharing=True,
        group_by=group_by,
        call_seq="auto",
        ffill_val_price=True,
        update_value=False,  # every order sized off the pre-trade value
        init_temp_records=False,
        # None keeps numpy's global random state untouched; nothing is random
        # with reject_prob=0 (an int would reseed numpy and numba globally).
        seed=None,
        freq="1D",  # only labels the index; metrics are computed elsewhere (252 days)
        attach_call_seq=False,
        broadcast_kwargs={},
        wrapper_kwargs={},
        fillna_close=False,  # the engine's prices have no gaps
        trades_type="exittrades",
        engine=_ENGINE,
    )


def _holdings(positions: np.ndarray, close: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Weight of each asset at each close, after trading (the borrow fee scales none of them)."""
    worth = positions * close
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(value[:, None] != 0.0, worth / value[:, None], 0.0)


def _orders_frame(portfolio: vbt.Portfolio, index: pd.DatetimeIndex) -> pd.DataFrame:
    records = portfolio.orders.values
    size = records["size"].astype(np.float64)
    price = records["price"].astype(np.float64)
    return pd.DataFrame(
        {
            "date": index[records["idx"]],
            "asset": portfolio.wrapper.columns[records["col"]].astype(object),
            "side": np.where(records["side"] == 0, "buy", "sell"),
            "quantity": size,
            "price": price,
            "value": size * price,
            "fees": records["fees"].astype(np.float64),
        }
    )


def _value_before_trading(portfolio: vbt.Portfolio, close: np.ndarray) -> np.ndarray:
    """Net asset value at each close before that day's orders (the sizing value)."""
    cash = np.asarray(portfolio.cash(), dtype=np.float64).reshape(-1)
    positions = np.asarray(portfolio.assets(), dtype=np.float64)
    before = np.empty(len(close))
    before[0] = INITIAL_VALUE
    before[1:] = cash[:-1] + np.sum(positions[:-1] * close[1:], axis=1)
    return before


def _borrow_scale(
    positions: np.ndarray, close: np.ndarray, value_before: np.ndarray, rates: np.ndarray
) -> np.ndarray:
    """The factor ``k_t`` the borrow fee leaves of a portfolio that never paid it.

    Day ``t`` pays ``rates / 252 * |short shares_{t-1}| * close_{t-1}`` out of
    the value before its orders, ``value_before_t``; ``k`` compounds the
    fraction kept, ``1 - fee / value_before_t``, from day 0 (``k_0 = 1``).
    """
    kept = np.ones(len(close))
    if len(close) > 1:
        short_value = np.maximum(-positions[:-1], 0.0) * close[:-1]
        fee = short_value @ (rates / PERIODS_PER_YEAR)
        exhausted = (fee > 0) & (fee >= value_before[1:])
        if exhausted.any():
            raise RuntimeError(
                f"the borrow fee of day {int(np.argmax(exhausted)) + 1} exceeds the portfolio's value"
            )
        kept[1:] = 1.0 - fee / value_before[1:]
    return np.cumprod(kept)


def _check_on_target(
    executed: np.ndarray,
    positions: np.ndarray,
    close: np.ndarray,
    value_before: np.ndarray,
    value_after: np.ndarray,
    index: pd.DatetimeIndex,
    columns: pd.Index,
) -> None:
    """Raise if vectorbt rejected or ignored an order so as to leave a holding off target.

    Each order is sized to ``weight * V`` of value, ``V`` the value before
    trading. Fills then leave every holding on that value except the last
    buy, which the day's costs ``C = V - V_after`` cut short: one holding off,
    by at most ``C``. vectorbt's float tolerances (a relative 1e-9, 1e-12
    shares or units of cash) add noise. Two holdings off, or one off by more
    than the costs, mean an order was rejected.
    """
    rows = np.flatnonzero(~np.isnan(executed[:, 0]))
    bust = rows[value_before[rows] <= 0]
    if len(bust):
        raise RuntimeError(
            f"the portfolio is worth {value_before[bust[0]]:.6g} on {index[bust[0]]:%Y-%m-%d}: "
            "nothing left to rebalance"
        )
    held_before = np.zeros((len(rows), close.shape[1]))
    after_first = rows > 0
    held_before[after_first] = positions[rows[after_first] - 1] * close[rows[after_first]]
    wanted = executed[rows] * value_before[rows, None]
    held = positions[rows] * close[rows]
    noise = _ON_TARGET_TOLERANCE * (np.abs(wanted) + np.abs(held_before)) + (
        _VECTORBT_ABSOLUTE_TOLERANCE * (close[rows] + 1.0)
    )
    gap = np.abs(held - wanted) - noise
    costs = value_before[rows] - value_after[rows]
    too_many = (gap > 0).sum(axis=1) > 1
    too_far = gap.max(axis=1) > costs * (1 + 1e-9)
    failed = too_many | too_far
    if failed.any():
        row = int(np.argmax(failed))
        off = [
            f"{columns[column]!r} (holds {held[row, column]:.6g}, target {wanted[row, column]:.6g})"
            for column in np.flatnonzero(gap[row] > 0).tolist()
        ]
        raise RuntimeError(
            f"vectorbt left {', '.join(off)} off target on {index[rows[row]]:%Y-%m-%d}, "
            f"beyond that day's costs ({costs[row]:.3g}): an order was rejected, most likely "
            "for want of cash; lower the costs"
        )


def run_backtest(
    *,
    name: str,
    targets: pd.DataFrame,
    prices: pd.DataFrame,
    costs: Costs,
    execution_lag: int = 1,
    cash_asset: str = "cash",
    parameters: Mapping[str, object] | None = None,
    config_hash: str = "",
) -> Result:
    """Trade a strategy's target weights and account for the outcome.

    Parameters
    ----------
    name
        The strategy's name; names the return and value series.
    targets
        Target weights per decision date (rows on the trading calendar, NaN
        row = no rebalance), one column per asset, ``cash_asset`` included.
        A row that holds weights sums to 1 (within 1e-9); negative weights
        are traded as short positions.
    prices
        Daily close of every asset, with the same index and columns as
        ``targets`` (in any column order).
    costs
        Fees and slippage, charged on every asset but the cash asset, and
        the borrow fee, charged daily on short positions of every asset but
        the cash asset (see "Borrow fee" above).
    execution_lag
        Trading days between a decision (at a close) and its trade (at a
        later close); 0 is look-ahead-prone, for tests and research only.
    cash_asset
        The column that holds the uninvested weight.
    parameters
        The strategy's parameters, carried into the result.
    config_hash
        Digest of the experiment as run, carried into the result.

    Returns
    -------
    Result
        ``returns`` (first day 0 unless trading on it), ``value`` (from 1.0),
        ``weights`` (the target rows on execution dates), ``trades`` (one row
        per filled order, the cash asset's included), ``turnover`` (traded
        value of all assets but cash over the value before trading, per day),
        ``holdings`` (each asset's weight at each close after trading; rows
        are 0 before the first trade, when the money waits uninvested), and
        the digests.

    Raises
    ------
    ValueError
        If the inputs disagree in columns or index, a target row is partly
        NaN, infinite or does not sum to 1, ``execution_lag`` is negative, or
        a price is missing or not positive where its asset is held or traded.
    RuntimeError
        If vectorbt left a weight off target by more than the day's costs.
    """
    aligned, close, executed, portfolio = _simulated(
        targets, prices, costs, execution_lag, cash_asset
    )
    return _result(
        name, portfolio, close=close, executed=executed, prices=prices, aligned=aligned,
        costs=costs, cash_asset=cash_asset, parameters=parameters, config_hash=config_hash,
    )  # fmt: skip


def simulate_portfolio(
    *,
    targets: pd.DataFrame,
    prices: pd.DataFrame,
    costs: Costs,
    execution_lag: int = 1,
    cash_asset: str = "cash",
) -> vbt.Portfolio:
    """The vectorbt Portfolio :func:`run_backtest` simulates for these inputs (same
    arguments), for a researcher to explore with vectorbt's own tools. Borrow fees on short
    positions are charged by :func:`run_backtest` outside vectorbt: they are not in it.
    """
    return _simulated(targets, prices, costs, execution_lag, cash_asset)[3]


def _simulated(
    targets: pd.DataFrame,
    prices: pd.DataFrame,
    costs: Costs,
    execution_lag: int,
    cash_asset: str,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, vbt.Portfolio]:
    """The checked targets, the engine's prices and executed rows, and the portfolio."""
    check_lag_and_costs(execution_lag, costs)
    aligned = _aligned_targets(targets, prices, cash_asset)
    index, columns = pd.DatetimeIndex(prices.index), prices.columns
    decisions = aligned.to_numpy(dtype=np.float64, na_value=np.nan)
    _check_target_rows(decisions, index)
    executed = executed_rows(decisions, int(execution_lag))
    close = _engine_prices(prices, executed)
    portfolio = _simulate(
        pd.DataFrame(close, index=index, columns=columns),
        pd.DataFrame(executed, index=index, columns=columns),
        costs,
        cash_column=list(columns).index(cash_asset),
    )
    return aligned, close, executed, portfolio


def _result(
    name: str,
    portfolio: vbt.Portfolio,
    *,
    close: np.ndarray,
    executed: np.ndarray,
    prices: pd.DataFrame,
    aligned: pd.DataFrame,
    costs: Costs,
    cash_asset: str,
    parameters: Mapping[str, object] | None,
    config_hash: str,
) -> Result:
    """The :class:`Result` of a simulated portfolio, checked on target, borrow fee applied."""
    index, columns = pd.DatetimeIndex(prices.index), prices.columns
    value = np.asarray(portfolio.value(), dtype=np.float64).reshape(-1)
    holdings = _holdings(np.asarray(portfolio.assets(), dtype=np.float64), close, value)
    returns = np.asarray(portfolio.returns(), dtype=np.float64).reshape(-1)
    positions = np.asarray(portfolio.assets(), dtype=np.float64)
    value_before = _value_before_trading(portfolio, close)
    _check_on_target(executed, positions, close, value_before, value, index, columns)

    trades = _orders_frame(portfolio, index)
    traded = _traded_value(trades, index, cash_asset)
    # The borrow fee scales the outcome (the turnover, a ratio, is unchanged).
    rates = np.full(len(columns), costs.borrow)
    rates[list(columns).index(cash_asset)] = 0.0
    if costs.borrow > 0 and (positions[:, rates > 0] < 0).any():
        value, returns, trades = _after_borrow(
            _borrow_scale(positions, close, value_before, rates), value, trades, index
        )
    traded_days = ~np.isnan(executed[:, 0])
    return Result(
        name=name,
        returns=pd.Series(returns, index=index, name=name),
        value=pd.Series(value, index=index, name=name),
        weights=pd.DataFrame(executed[traded_days], index=index[traded_days], columns=columns),
        trades=trades,
        turnover=pd.Series(traded / value_before, index=index, name=name),
        holdings=pd.DataFrame(holdings, index=index, columns=columns),
        parameters=dict(parameters) if parameters is not None else {},
        config_hash=config_hash,
        data_hash=_data_hash(prices, aligned),
    )


def grouped_returns(
    cube: np.ndarray,
    *,
    prices: pd.DataFrame,
    costs: Costs,
    execution_lag: int = 1,
    cash_asset: str = "cash",
) -> np.ndarray:
    """Daily returns of many target-weight variants in ONE vectorbt call, column-grouped.

    The prices are tiled once per variant and every variant is a group of
    columns sharing its cash, with the settings of :func:`run_backtest`. This is
    how vectorbt itself batches variants; the returns-only kernel
    (:mod:`macropatch.backtests.engine.kernel`) does the same in far less
    memory (vectorbt holds several float64 arrays of days by variants x
    assets), and the two are tested equal. No borrow fee: ``costs.borrow``
    is not charged, so a variant may not short an asset while it is above 0.

    Parameters
    ----------
    cube
        Variants by days by price columns: decision rows, as for
        :func:`~macropatch.backtests.engine.kernel.simulate_cube`.
    prices, costs, execution_lag, cash_asset
        As for :func:`run_backtest`.

    Returns
    -------
    numpy.ndarray
        Variants by days.
    """
    check_lag_and_costs(execution_lag, costs)
    cube = np.asarray(cube, dtype=np.float64)
    variants, days, assets = cube.shape
    if (days, assets) != prices.shape:
        raise ValueError(f"cube must be variants by {prices.shape}, got {cube.shape}")
    risky = np.arange(assets) != list(prices.columns).index(cash_asset)
    if costs.borrow > 0 and (cube[:, :, risky] < 0).any():
        raise ValueError(
            "grouped_returns charges no borrow fee on short positions: use run_backtest"
        )
    executed = [executed_rows(cube[variant], int(execution_lag)) for variant in range(variants)]
    for plan in executed:
        _check_target_rows(plan, pd.DatetimeIndex(prices.index))
    close = np.hstack([_engine_prices(prices, plan) for plan in executed])
    portfolio = _simulate(
        pd.DataFrame(close, index=prices.index),
        pd.DataFrame(np.hstack(executed), index=prices.index),
        costs,
        cash_column=np.arange(variants) * assets + list(prices.columns).index(cash_asset),
        group_by=np.repeat(np.arange(variants), assets),
    )
    return np.asarray(portfolio.returns(), dtype=np.float64).T

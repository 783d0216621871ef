"""A returns-only numba kernel for target-weight portfolios: the fast path of sweeps.

Requires what :func:`macropatch.backtests.engine.adapter.run_backtest` requires, for many variants
of one strategy at once. Produces their daily returns (and turnover), equal to
the engine's to ~1e-15 in the tests, in a pass over the days per variant,
variants in parallel, without order records.

It trades as the engine does (``tests/backtests/reference.py`` writes it out):
orders sized off the value at the close, sells first then buys by ascending
value, fills at ``close * (1 +/- slippage)`` paying ``fees``, the last buy cut
to the cash left, vectorbt's tolerances (relative 1e-9, absolute 1e-12), the
borrow fee paid pro rata before a close's orders; and it lags, fills missing
prices, checks and fails as the engine does, naming the variant.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numba
import numpy as np
import pandas as pd

from macropatch.backtests.engine.conventions import (
    INITIAL_VALUE,
    WEIGHT_SUM_TOLERANCE,
    MissingPriceError,
    check_lag_and_costs,
    check_price_calendar,
)
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.lag import decision_row
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR

__all__ = ["simulate_cube", "simulate_rows", "simulate_target_weights"]

_RELATIVE_TOLERANCE = 1e-9
"""vectorbt's relative float tolerance."""

_ABSOLUTE_TOLERANCE = 1e-12
"""vectorbt's absolute float tolerance (shares or units of cash)."""

# Status codes of the kernel, one per variant (0: simulated).
_OK, _PARTLY_NAN, _INFINITE, _SUM_OFF, _MISSING_PRICE, _BUST, _REJECTED, _BORROW = range(8)


@numba.njit(cache=True)
def _is_close(first: float, second: float) -> bool:
    """Vectorbt's ``is_close_nb``: equal within the relative or absolute tolerance."""
    tolerance = max(_RELATIVE_TOLERANCE * max(abs(first), abs(second)), _ABSOLUTE_TOLERANCE)
    return abs(first - second) <= tolerance


@numba.njit(cache=True)
def _add(first: float, second: float) -> float:
    """Vectorbt's ``add_nb``: ``first + second``, zero when the two (nearly) cancel."""
    if np.sign(first) != np.sign(second):
        cancel = _is_close(abs(first), abs(second))
    else:
        cancel = _is_close(first + second, 0.0)
    return 0.0 if cancel else first + second


@numba.njit(cache=True)
def _worth(shares: np.ndarray, price: np.ndarray) -> float:
    """Market value of the positions, summed in column order."""
    total = 0.0
    for asset in range(len(shares)):
        total += shares[asset] * price[asset]
    return total


@numba.njit(cache=True)
def _row_statistics(row: np.ndarray) -> tuple[int, bool, float]:
    """A decision row's count of missing weights, whether one is infinite, and their sum."""
    missing, infinite, total = 0, False, 0.0
    for weight in row:
        if np.isnan(weight):
            missing += 1
        else:
            infinite = infinite or np.isinf(weight)
            total += weight
    return missing, infinite, total


@numba.njit(cache=True)
def _check_plan(plan: np.ndarray, valid: np.ndarray, lag: int) -> tuple[int, int, int]:
    """The engine's input checks of one plan, as a status, in the engine's priority.

    Rows partly NaN, then infinite, then off 1; then a missing price on a day
    its asset is held (after the day's trades) or was held the day before.
    """
    days, assets = plan.shape
    first = np.full(4, days)  # the first row partly NaN, infinite, off 1, without a price
    culprit, current = -1, -1  # the asset without a price; the decision row in force
    for day in range(days):
        missing, infinite, total = _row_statistics(plan[day])
        if 0 < missing < assets:
            first[0] = min(first[0], day)
        if infinite:
            first[1] = min(first[1], day)
        elif missing == 0 and abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            first[2] = min(first[2], day)
        previous = current
        row = decision_row(day, lag)
        if row >= 0 and not np.isnan(plan[row, 0]):
            current = row
        for asset in range(assets):
            if first[3] < days or valid[day, asset]:
                continue
            if (current >= 0 and plan[current, asset] != 0.0) or (
                previous >= 0 and plan[previous, asset] != 0.0
            ):
                first[3], culprit = day, asset
    for check in range(4):  # codes _PARTLY_NAN, _INFINITE, _SUM_OFF, _MISSING_PRICE
        if first[check] < days:
            return check + 1, first[check], culprit if check == 3 else -1
    return _OK, -1, -1


@numba.njit(cache=True)
def _stable_order(values: np.ndarray, order: np.ndarray) -> None:
    """Fill ``order`` with the indices sorting ``values`` ascending, ties in column order."""
    for position in range(len(values)):
        key = position
        while position > 0 and values[order[position - 1]] > values[key]:
            order[position] = order[position - 1]
            position -= 1
        order[position] = key


@numba.njit(cache=True)
def _kept_after_borrow(
    shares: np.ndarray, close: np.ndarray, day: int, daily_borrow: np.ndarray, ledger: float
) -> float:
    """The share of every holding left after the day's borrow fee (1: none; 0: all taken)."""
    fee = 0.0
    for asset in range(len(shares)):
        if shares[asset] < 0.0:
            fee += -shares[asset] * close[day - 1, asset] * daily_borrow[asset]
    if fee <= 0.0:
        return 1.0
    before = ledger + _worth(shares, close[day])
    return 0.0 if fee >= before else 1.0 - fee / before


@numba.njit(cache=True)
def _day_flow(flows: np.ndarray) -> float:
    """The day's cash flows summed, each vanishing one left out (as vectorbt books them)."""
    total = 0.0
    for flow in flows:
        if not _is_close(flow, 0.0):
            total += flow
    return total


@numba.njit(cache=True)
def _off_target(
    weights: np.ndarray,
    booked: float,
    shares: np.ndarray,
    held_before: np.ndarray,
    price: np.ndarray,
    ledger: float,
) -> bool:
    """The engine's on-target check failed: more than one holding off, or one by more than
    the day's costs (``booked`` less the value after trading).
    """
    costs = booked - (ledger + _worth(shares, price))
    off, widest = 0, -np.inf
    for asset in range(len(shares)):
        target = weights[asset] * booked
        noise = _RELATIVE_TOLERANCE * (abs(target) + abs(held_before[asset]))
        noise += _ABSOLUTE_TOLERANCE * (price[asset] + 1.0)
        gap = abs(shares[asset] * price[asset] - target) - noise
        if gap > 0.0:
            off += 1
        widest = max(widest, gap)
    return off > 1 or widest > costs * (1.0 + 1e-9)


@numba.njit(cache=True)
def _is_shorting(shares: np.ndarray, daily_borrow: np.ndarray) -> bool:
    """Whether a short position that pays the borrow fee is held (no array allocated)."""
    for asset in range(len(shares)):  # noqa: SIM110 - a loop numba compiles, no generator
        if shares[asset] < 0.0 and daily_borrow[asset] > 0.0:
            return True
    return False


@numba.njit(cache=True)
def _day_return(value_now: float, previous_value: float) -> float:
    """The day's return as vectorbt's ``get_return_nb`` computes it."""
    if previous_value == 0.0:
        return 0.0 if value_now == 0.0 else np.inf * np.sign(value_now)
    return (value_now - previous_value) / abs(previous_value)


@numba.njit(cache=True)
def _fill_orders(
    order: np.ndarray,
    weights: np.ndarray,
    value: float,
    price: np.ndarray,
    shares: np.ndarray,
    flows: np.ndarray,
    cash: float,
    fees: np.ndarray,
    slippage: np.ndarray,
    cash_column: int,
) -> tuple[float, float]:
    """Fill the day's orders in ``order`` as vectorbt does (sells first, buys as cash allows).

    Updates ``shares`` and ``flows`` in place; returns the cash left and the
    value traded in risky assets.
    """
    traded = 0.0
    for position in range(len(order)):
        asset = int(order[position])
        wanted = weights[asset] * value / price[asset] - shares[asset]
        if _is_close(wanted, 0.0):
            continue  # vectorbt ignores the order
        if wanted < 0.0:
            fill = price[asset] * (1.0 - slippage[asset])
            filled = -wanted * fill
            fee = filled * fees[asset]
            cash += _add(filled, -fee)
        else:
            if _is_close(cash, 0.0):
                continue  # nothing left to buy with: rejected
            fill = price[asset] * (1.0 + slippage[asset])
            filled = wanted * fill
            fee = filled * fees[asset]
            if filled + fee <= cash or _is_close(filled + fee, cash):
                cash = _add(cash, -(filled + fee))
            else:  # the cash left buys less, fees included
                filled = cash / (1.0 + fees[asset])
                fee = cash - filled
                wanted = filled / fill
                cash = 0.0
        flows[asset] = -wanted * fill - fee
        shares[asset] = _add(shares[asset], wanted)
        if asset != cash_column:
            traded += filled
    return cash, traded


@numba.njit(cache=True)
def _simulate_variant(
    close: np.ndarray,
    plan: np.ndarray,
    lag: int,
    rates: np.ndarray,
    cash_column: int,
    returns: np.ndarray,
    turnover: np.ndarray,
) -> tuple[int, int, int]:
    """Trade one variant's plan, writing its daily returns and turnover; a status out."""
    days, assets = close.shape
    fees, slippage, daily_borrow = rates[0], rates[1], rates[2] / PERIODS_PER_YEAR
    shares = np.zeros(assets)
    held_before, order_value, flows = np.empty(assets), np.empty(assets), np.empty(assets)
    order = np.empty(assets, dtype=np.int64)
    cash = INITIAL_VALUE  # what the orders may spend
    ledger = INITIAL_VALUE  # the books' cash (recorded fills), which the NAV reports
    previous_value = INITIAL_VALUE
    shorting = False  # a short position that pays the borrow fee is held
    for day in range(days):
        price = close[day]
        if shorting:  # the borrow fee, paid pro rata from every holding before any order
            kept = _kept_after_borrow(shares, close, day, daily_borrow, ledger)
            if kept <= 0.0:
                return _BORROW, day, -1
            if kept < 1.0:
                for asset in range(assets):
                    shares[asset] *= kept
                cash *= kept
                ledger *= kept
        row = decision_row(day, lag)
        if row >= 0 and not np.isnan(plan[row, 0]):
            weights = plan[row]
            booked = ledger + _worth(shares, price)  # the engine's value before trading
            if not booked > 0.0:
                return _BUST, day, -1
            value = cash + _worth(shares, price)  # the sizing value
            for asset in range(assets):
                held_before[asset] = shares[asset] * price[asset]
                order_value[asset] = weights[asset] * value - held_before[asset]
                flows[asset] = 0.0
            _stable_order(order_value, order)
            cash, traded = _fill_orders(
                order, weights, value, price, shares, flows, cash, fees, slippage, cash_column
            )
            ledger = _add(ledger, _day_flow(flows))
            if _off_target(weights, booked, shares, held_before, price, ledger):
                return _REJECTED, day, -1
            turnover[day] = traded / booked
            shorting = _is_shorting(shares, daily_borrow)
        value_now = ledger + _worth(shares, price)
        returns[day] = _day_return(value_now, previous_value)
        previous_value = value_now
    return _OK, -1, -1


def _read_only(dimensions: int, dtype: Any = numba.float64) -> Any:
    return numba.types.Array(dtype, dimensions, "A", readonly=True)


_SIGNATURE = numba.types.Tuple((numba.float64[:, ::1], numba.float64[:, ::1], numba.int64[:, ::1]))(
    _read_only(2),
    _read_only(2, numba.boolean),
    _read_only(2),
    _read_only(2, numba.int32),
    numba.int64,
    _read_only(2),
    numba.int64,
    numba.boolean,
)
"""The kernel's one compiled type (compiled on import, then cached): arrays of any
strides, writeable ones accepted as read-only."""


@numba.njit(cache=True)
def _plan_of(table: np.ndarray, rows: np.ndarray, plan: np.ndarray) -> None:
    """Fill ``plan`` (days by assets) with the table's row of each day (NaN for -1)."""
    for day in range(len(rows)):
        row = rows[day]
        for asset in range(plan.shape[1]):
            plan[day, asset] = np.nan if row < 0 else table[row, asset]


@numba.njit(_SIGNATURE, cache=True, parallel=True)
def simulate_target_weights(
    close: np.ndarray,
    valid: np.ndarray,
    table: np.ndarray,
    rows: np.ndarray,
    execution_lag: int,
    rates: np.ndarray,
    cash_column: int,
    daily_turnover: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate many target-weight plans over the same prices, one variant at a time.

    Parameters
    ----------
    close, valid
        Days by assets: closes, positive and finite (missing ones filled), and
        False where the original was not (a variant holding the asset fails).
    table, rows
        The decision rows every variant draws from (rows by assets) and, variants
        by days, which row each variant decides on each day (-1: no decision, a
        NaN row). A plan is ``table[rows[variant]]``, built one variant at a time.
    execution_lag, cash_column
        Rows from a decision to its trade; the column left out of the turnover.
    rates
        3 by assets: fees, slippage and annual borrow fee (0 for the cash asset).
    daily_turnover
        Keep each day's turnover (variants by days), or only each variant's sum
        over the days (variants by 1), which saves a variants-by-days array.

    Returns
    -------
    returns, turnover, status : numpy.ndarray
        Variants by days, as :func:`simulate_cube`'s (turnover: by 1 when not
        daily); variants by 3: a code (0 when simulated), the row or day of a
        failure and its asset (or -1).
    """
    variants, days = rows.shape
    returns = np.zeros((variants, days))
    turnover = np.zeros((variants, days if daily_turnover else 1))
    status = np.zeros((variants, 3), dtype=np.int64)
    for variant in numba.prange(variants):
        plan = np.empty((days, table.shape[1]))
        _plan_of(table, rows[variant], plan)
        traded = turnover[variant] if daily_turnover else np.zeros(days)
        code, day, asset = _check_plan(plan, valid, execution_lag)
        if code == _OK:
            code, day, asset = _simulate_variant(
                close, plan, execution_lag, rates, cash_column, returns[variant], traded
            )
        if not daily_turnover:
            turnover[variant, 0] = traded.sum()
        status[variant, 0], status[variant, 1], status[variant, 2] = code, day, asset
    return returns, turnover, status


def _check_inputs(prices: pd.DataFrame, costs: Costs, execution_lag: int, cash_asset: str) -> None:
    """The engine's checks of everything but the targets."""
    check_lag_and_costs(execution_lag, costs)
    if not isinstance(prices, pd.DataFrame):
        raise ValueError(f"prices must be a DataFrame, got {type(prices).__name__}")
    check_price_calendar(prices)
    if cash_asset not in prices.columns:
        raise ValueError(f"the cash asset {cash_asset!r} is not among the columns")


_MESSAGES = {
    _PARTLY_NAN: "target row on {day} is partly NaN: a row is all NaN or none",
    _INFINITE: "target row on {day} has an infinite weight",
    _SUM_OFF: "target row on {day} sums to {total:.12g}, not 1 (the cash asset takes the remainder)",
    _MISSING_PRICE: "price of {asset!r} on {day} is {price}: it must be positive and finite "
    "while the asset is held or traded",
    _BUST: "the portfolio is worth nothing on {day}: nothing left to rebalance",
    _BORROW: "the borrow fee of {day} exceeds the portfolio's value",
    _REJECTED: "an order on {day} was rejected for want of cash, leaving weights off target "
    "beyond that day's costs; lower the costs",
}


def simulate_cube(
    cube: np.ndarray,
    *,
    prices: pd.DataFrame,
    costs: Costs,
    execution_lag: int = 1,
    cash_asset: str = "cash",
    labels: Sequence[Hashable] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns and turnover of many target-weight variants, as the engine would trade them.

    Parameters
    ----------
    cube
        Variants by days by assets: each variant's decision rows on the
        prices' calendar, one column per price column in the prices' order
        (NaN row = no rebalance; a row of weights sums to 1 within 1e-9).
    prices
        Daily close of every asset, as for the engine.
    costs
        Fees and slippage on every asset but the cash asset; the borrow fee
        on their short positions.
    execution_lag
        Trading days between a decision and its trade (rows shifted down;
        the decisions of the last rows are never traded).
    cash_asset
        The column that holds the uninvested weight.
    labels
        One name per variant for the error messages (default: its number).

    Returns
    -------
    returns, turnover : numpy.ndarray
        Variants by days: daily returns (first day 0 unless trading on it)
        and the engine's turnover (traded value of all assets but cash over
        the value before trading).

    Raises
    ------
    ValueError
        In the engine's cases (a target row partly NaN, infinite or not
        summing to 1, a bad ``execution_lag`` or prices, a missing price
        where held or traded as :class:`~macropatch.backtests.engine.adapter.MissingPriceError`),
        naming the variant; or if ``cube`` or ``labels`` do not fit.
    RuntimeError
        If a variant's order would be rejected for want of cash, its value
        reaches zero, or the borrow fee exceeds it.

    Notes
    -----
    Beyond ``cube`` (not copied if float64) the kernel allocates two
    variants-by-days arrays; chunk the variants to bound memory.
    """
    _check_inputs(prices, costs, execution_lag, cash_asset)
    cube = np.asarray(cube, dtype=np.float64)
    if cube.ndim != 3 or cube.shape[1:] != prices.shape:
        raise ValueError(
            f"cube must be variants by {prices.shape} (days, assets), got {cube.shape}"
        )
    variants, days, assets = cube.shape
    if variants * days >= 2**31:
        raise ValueError(
            f"{variants} variants of {days} days are too many for one cube: chunk them"
        )
    return simulate_rows(
        cube.reshape(variants * days, assets),
        np.arange(variants * days, dtype=np.int32).reshape(variants, days),
        prices=prices,
        costs=costs,
        execution_lag=execution_lag,
        cash_asset=cash_asset,
        labels=labels,
    )


def simulate_rows(
    table: np.ndarray,
    rows: np.ndarray,
    *,
    prices: pd.DataFrame,
    costs: Costs,
    execution_lag: int = 1,
    cash_asset: str = "cash",
    labels: Sequence[Hashable] | None = None,
    daily_turnover: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`simulate_cube`, for variants whose decision rows come from one table.

    Parameters
    ----------
    table
        Decision rows (rows by price columns, in the prices' order) shared by
        every variant: a sweep of a strategy that decides by the day has a few
        distinct rows for thousands of variants and days.
    rows
        Variants by days (integers, int32 taken as is): the row of ``table`` each variant
        decides on each day, -1 for no decision (a NaN row). Variant ``v``'s
        plan is ``table[rows[v]]``; the plans are never all built at once, so
        memory is ``rows`` and the two variants-by-days results.
    daily_turnover
        False: the turnover returned is each variant's sum over the days (a
        vector), and no variants-by-days turnover array is made.

    Other parameters, the returns and the errors are :func:`simulate_cube`'s.
    """
    _check_inputs(prices, costs, execution_lag, cash_asset)
    table, rows = np.asarray(table, dtype=np.float64), np.asarray(rows)
    if not np.issubdtype(rows.dtype, np.integer):
        raise ValueError(f"rows must be integers, got {rows.dtype}")
    if len(table) >= 2**31:
        raise ValueError(f"a table of {len(table)} rows is too long: chunk the variants")
    rows = rows.astype(np.int32, copy=False)
    if table.ndim != 2 or table.shape[1] != prices.shape[1]:
        raise ValueError(f"table must be rows by {prices.shape[1]} assets, got {table.shape}")
    if rows.ndim != 2 or rows.shape[1] != len(prices):
        raise ValueError(f"rows must be variants by {len(prices)} days, got {rows.shape}")
    if rows.size and (rows.min() < -1 or rows.max() >= len(table)):
        raise ValueError(f"rows must be -1 or a row of the table (0 to {len(table) - 1})")
    labels = range(len(rows)) if labels is None else labels
    if len(labels) != len(rows):
        raise ValueError(f"{len(labels)} labels for {len(rows)} variants")
    # Where an asset is neither held nor traded its price cannot matter: missing ones take
    # the last valid price, then the first, then 1.0 (the engine's rule).
    values = prices.to_numpy(dtype=np.float64, na_value=np.nan)
    valid = np.isfinite(values) & (values > 0)
    close = pd.DataFrame(np.where(valid, values, np.nan)).ffill().bfill().fillna(1.0)
    cash_column = list(prices.columns).index(cash_asset)
    rates = np.array([[costs.fees], [costs.slippage], [costs.borrow]]).repeat(values.shape[1], 1)
    rates[:, cash_column] = 0.0
    returns, turnover, status = simulate_target_weights(
        close.to_numpy(dtype=np.float64),
        valid,
        table,
        rows,
        int(execution_lag),
        rates,
        cash_column,
        bool(daily_turnover),
    )
    failed = np.flatnonzero(status[:, 0] != _OK)
    if len(failed):
        raise _first_failure(status, failed, table, rows, prices, labels)
    return returns, (turnover if daily_turnover else turnover[:, 0])


def _first_failure(
    status: np.ndarray,
    failed: np.ndarray,
    table: np.ndarray,
    rows: np.ndarray,
    prices: pd.DataFrame,
    labels: Sequence[object] | range,
) -> Exception:
    """The error of the failed variant the engine would report first, naming it."""
    codes = status[failed, 0]  # input errors first, then missing prices, then the rest
    variant = int(
        failed[np.argmin(np.select([codes <= _SUM_OFF, codes == _MISSING_PRICE], [0, 1], 2))]
    )
    code, row, column = (int(number) for number in status[variant])
    message = f"variant {labels[variant]!r}: " + _MESSAGES[code].format(
        day=f"{pd.Timestamp(prices.index[row]):%Y-%m-%d}",
        total=table[rows[variant, row]].sum() if code == _SUM_OFF else 0.0,
        asset=prices.columns[column],
        price=prices.iat[row, column],
    )
    if code == _MISSING_PRICE:
        return MissingPriceError(message)
    return (ValueError if code <= _SUM_OFF else RuntimeError)(message)

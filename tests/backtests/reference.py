"""An independent reference simulator for the engine: a plain NumPy loop over days.

It knows nothing of vectorbt. It follows the execution convention the engine
documents, written out step by step:

* before the first trade the portfolio is ``initial_value`` of uninvested
  cash (the broker's cash, not the cash asset);
* on an execution day (a row of ``executed`` without NaN) the portfolio is
  valued at the close, ``V = cash + sum(shares * close)``; the target of
  asset ``j`` is ``weight_j * V / close_j`` shares, all off that same ``V``;
* orders are processed in ascending order of ``weight_j * V - shares_j *
  close_j`` (a stable sort): sells first, then buys from the smallest to
  the largest;
* a sell fills at ``close * (1 - slippage)``, a buy at ``close * (1 +
  slippage)``; each fill pays ``fees * |shares * fill price|`` out of cash;
* a buy that would need more cash than there is (fees included) buys what
  the cash left pays for, fees included, and leaves cash at zero;
* between execution days the shares stay put and their value moves with the
  close; NAV is ``cash + sum(shares * close)`` at every close;
* borrow fee: on every day but the first, before any order, each short
  position owes ``borrow / 252 * |shares| * close`` at the previous close
  (shares as they were after that close's orders); the total is paid pro rata
  out of every holding: the shares, the trading cash and the books' cash are
  all multiplied by ``1 - fee / NAV`` (NAV at today's close, before orders).

Float tolerances (vectorbt's, mirrored so that the two agree to ~1e-15 rather
than ~1e-9): an order of at most 1e-12 shares is not placed; a position or
cash balance that an order brings within a relative 1e-9 of zero becomes
zero; a buy whose cost is within a relative 1e-9 of the cash left is filled
in full. Because of that rounding, the cash that decides what can be bought
and the cash reported in the NAV are two books, as in vectorbt: the NAV's
cash is the starting cash plus each day's recorded fills (``shares * fill
price`` and fees, added asset by asset in column order), which can differ
from the trading cash by ~1e-12.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ReferenceRun", "simulate_reference"]

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12


def _close(first: float, second: float) -> bool:
    """Equal within the relative or absolute tolerance."""
    tolerance = max(RELATIVE_TOLERANCE * max(abs(first), abs(second)), ABSOLUTE_TOLERANCE)
    return abs(first - second) <= tolerance


def _add(first: float, second: float) -> float:
    """``first + second``, zero when the two (nearly) cancel."""
    if np.sign(first) != np.sign(second):
        cancel = _close(abs(first), abs(second))
    else:
        cancel = _close(first + second, 0.0)
    return 0.0 if cancel else first + second


@dataclass(frozen=True, kw_only=True)
class ReferenceRun:
    """What the reference produces, one row per day."""

    value: np.ndarray
    shares: np.ndarray
    cash: np.ndarray
    """The reported cash (the books), not the trading cash."""
    fees: np.ndarray
    traded_value: np.ndarray


def simulate_reference(
    *,
    close: np.ndarray,
    executed: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    borrow: np.ndarray | None = None,
    initial_value: float = 1.0,
) -> ReferenceRun:
    """Simulate trading to ``executed`` target rows at the close.

    Parameters
    ----------
    close
        Close prices, days by assets, positive and finite.
    executed
        Target weights on execution days (already lagged), NaN rows elsewhere.
    fees, slippage
        Per-asset cost fractions.
    borrow
        Per-asset annual borrow fee on short positions (zeros by default).
    initial_value
        Starting cash.
    """
    days, assets = close.shape
    shares = np.zeros(assets)
    cash = float(initial_value)
    value = np.empty(days)
    shares_path = np.empty((days, assets))
    cash_path = np.empty(days)
    fees_path = np.zeros(days)
    traded_path = np.zeros((days, assets))
    ledger = float(initial_value)
    daily_borrow = np.zeros(assets) if borrow is None else np.asarray(borrow) / 252
    for day in range(days):
        price = close[day]
        weights = executed[day]
        flows = np.zeros(assets)
        if day > 0:
            short_value = np.where(shares < 0, -shares * close[day - 1], 0.0)
            borrow_fee = float(np.sum(short_value * daily_borrow))
            if borrow_fee > 0:
                kept = 1.0 - borrow_fee / (ledger + float(np.sum(shares * price)))
                shares = shares * kept
                cash *= kept
                ledger *= kept
        if not np.isnan(weights).any():
            portfolio_value = cash + float(np.sum(shares * price))
            order_value = weights * portfolio_value - shares * price
            for asset in np.argsort(order_value, kind="stable"):
                wanted = weights[asset] * portfolio_value / price[asset] - shares[asset]
                if _close(wanted, 0.0):
                    continue
                if wanted < 0:
                    fill = price[asset] * (1 - slippage[asset])
                    proceeds = -wanted * fill
                    fee = proceeds * fees[asset]
                    cash += _add(proceeds, -fee)
                    traded_path[day, asset] = proceeds
                    flows[asset] = -wanted * fill - fee
                else:
                    if _close(cash, 0.0):
                        continue  # nothing left to buy with
                    fill = price[asset] * (1 + slippage[asset])
                    cost = wanted * fill
                    fee = cost * fees[asset]
                    if cost + fee <= cash or _close(cost + fee, cash):
                        cash = _add(cash, -(cost + fee))
                    else:
                        # Not enough cash: buy what the cash pays for, fees included.
                        cost = cash / (1 + fees[asset])
                        fee = cash - cost
                        wanted = cost / fill
                        cash = 0.0
                    traded_path[day, asset] = cost
                    flows[asset] = -wanted * fill - fee
                shares[asset] = _add(shares[asset], wanted)
                fees_path[day] += fee
        day_flow = 0.0
        for flow in flows:
            day_flow += 0.0 if _close(flow, 0.0) else flow
        ledger = _add(ledger, day_flow)
        shares_path[day] = shares
        cash_path[day] = ledger
        value[day] = ledger + float(np.sum(shares * price))
    return ReferenceRun(
        value=value,
        shares=shares_path,
        cash=cash_path,
        fees=fees_path,
        traded_value=traded_path,
    )

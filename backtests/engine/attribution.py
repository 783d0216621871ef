"""What a group of assets added to a portfolio's return, day by day.

Requires the weights a portfolio held at each close (:attr:`macropatch.backtests.engine.result.
Result.holdings`) and the prices of its assets. Produces, per day, the return
the chosen assets contributed beyond what the same weight would have earned
in the cash asset (or in the asset each one is measured against: an index held
with puts against the bare index): for a hedge, the premium it cost less what
it paid out.

Accounting, not timing: the weight held at the close of day ``t - 1`` earns
the return from that close to the close of ``t``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["excess_contribution"]


def excess_contribution(
    holdings: pd.DataFrame,
    prices: pd.DataFrame,
    assets: Sequence[str],
    *,
    cash: str,
    against: Mapping[str, str] | None = None,
) -> pd.Series:
    """Daily return that ``assets`` added beyond the cash asset (or each one's reference).

    Parameters
    ----------
    holdings
        Weight of each asset at each close after trading (rows = trading
        days), ``assets`` and ``cash`` among the columns.
    prices
        Daily close of ``assets`` and ``cash`` on the same calendar.
    assets
        The assets measured (a strategy's hedges).
    cash
        The cash asset's column.
    against
        The asset each of ``assets`` is measured against, where not cash.

    Returns
    -------
    pandas.Series
        ``sum_h w_h(t-1) * (r_h(t) - r_ref(h)(t))`` per day (``ref`` is cash
        unless ``against`` names another asset); 0 on the first day and
        wherever nothing of ``assets`` was held the day before.

    Raises
    ------
    KeyError
        If an asset or the cash asset is missing from ``holdings`` or ``prices``.
    """
    references = [(against or {}).get(asset, cash) for asset in assets]
    columns = list(dict.fromkeys([*assets, *references]))
    absent = [column for column in columns if column not in holdings or column not in prices]
    if absent:
        raise KeyError(f"no holdings or prices for {', '.join(absent)}")
    index = pd.DatetimeIndex(holdings.index)
    close = prices[columns].reindex(index).to_numpy(dtype=np.float64, na_value=np.nan)
    held = holdings[list(assets)].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = close[1:] / close[:-1] - 1.0
    position = {column: place for place, column in enumerate(columns)}
    excess = (
        growth[:, [position[asset] for asset in assets]]
        - growth[:, [position[reference] for reference in references]]
    )
    earned = held[:-1] * excess
    # An asset not held the day before contributes nothing, whatever its (filled) prices.
    earned[held[:-1] == 0.0] = 0.0
    contribution = np.concatenate([[0.0], earned.sum(axis=1)])
    return pd.Series(contribution, index=index, name="hedge_contribution")

"""Many variants side by side in one wide frame, through the kernel (:func:`simulate_cube`).

Sweeps hand the kernel a cube; these tests write variants as a wide frame
(columns ``(variant levels..., asset)``), which is easier to read. This
module turns one into the other and back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.kernel import simulate_cube


def simulate_returns(
    *,
    targets: pd.DataFrame,
    prices: pd.DataFrame,
    costs: Costs,
    execution_lag: int = 1,
    cash_asset: str = "cash",
) -> pd.DataFrame:
    """Daily returns of many target-weight variants in one wide frame (see :func:`simulate_cube`).

    Parameters
    ----------
    targets
        Variants side by side, as sweeps put them: the prices' index, and
        columns a MultiIndex ``(variant levels..., asset)``, the asset last,
        each variant holding every price column in any order (a float64
        frame in price column order is read without a copy).
    prices, costs, execution_lag, cash_asset
        As for :func:`simulate_cube`.

    Returns
    -------
    pandas.DataFrame
        Daily returns, index as ``prices``, one column per variant: the
        variant levels, in order of first appearance.

    Raises
    ------
    ValueError, RuntimeError
        As :func:`simulate_cube`; a ValueError also when the frames' columns
        or index differ from the prices'.
    """
    if not isinstance(targets, pd.DataFrame):
        raise ValueError(f"targets must be a DataFrame, got {type(targets).__name__}")
    if not targets.index.equals(prices.index):
        raise ValueError("targets and prices must have the same index (the trading calendar)")
    if targets.columns.empty:
        raise ValueError("targets hold no variant")
    cube, variants = _cube_from_frame(targets, prices)
    returns, _ = simulate_cube(
        cube,
        prices=prices,
        costs=costs,
        execution_lag=execution_lag,
        cash_asset=cash_asset,
        labels=list(variants),
    )
    return pd.DataFrame(returns.T, index=prices.index, columns=variants, copy=False)


def _cube_from_frame(targets: pd.DataFrame, prices: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Variants by days by assets from ``(variant levels..., asset)`` columns, a view if it can."""
    columns = targets.columns
    if not isinstance(columns, pd.MultiIndex) or columns.nlevels < 2:
        raise ValueError(
            "targets need MultiIndex columns (variant levels..., asset), the asset last"
        )
    keys = columns.droplevel(-1)
    variants = keys.unique()
    assets = columns.get_level_values(-1)
    asset_codes = prices.columns.get_indexer(assets)
    variant_codes = variants.get_indexer(keys)
    width = len(prices.columns)
    counts = np.bincount(variant_codes, minlength=len(variants))
    wrong = variant_codes[(asset_codes < 0) | columns.duplicated(keep=False)]
    wrong = np.r_[wrong, np.flatnonzero(counts != width)]
    if len(wrong):  # the first variant with an unknown, duplicate or missing asset
        mine = assets[variant_codes == wrong.min()]
        raise ValueError(
            f"variant {variants[wrong.min()]!r}: targets and prices must have the same columns: "
            f"without targets {[asset for asset in prices.columns if asset not in mine]}, "
            f"without prices {[asset for asset in mine if asset not in prices.columns]}"
        )
    values = targets.to_numpy(dtype=np.float64, na_value=np.nan)  # a view for float64 columns
    slots = variant_codes * width + asset_codes
    if (slots != np.arange(len(slots))).any():
        values = values[:, np.argsort(slots)]  # price column order within each variant
    days = len(values)
    if values.flags.f_contiguous:  # pandas' own layout: no copy
        return values.T.reshape(len(variants), width, days).transpose(0, 2, 1), variants
    return values.reshape(days, len(variants), width).transpose(1, 0, 2), variants

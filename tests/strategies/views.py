"""Hand-made signal results and market views for strategy tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from macropatch.signals.base import SignalResult
from macropatch.signals.registry import build_signal


def signal_result(name: str, flags: list[bool | None], index: pd.DatetimeIndex) -> SignalResult:
    """A result of the registered signal ``name`` firing as ``flags`` say (None = unknown)."""
    fired = pd.Series(pd.array(flags, dtype="boolean"), index=index)
    return SignalResult(
        name=name,
        signal=build_signal(name, {}),
        value=pd.Series(np.where(fired.isna(), np.nan, 1.0), index=index),
        fired=fired,
        threshold=None,
        last_data=pd.Series(pd.NaT, index=index),
    )


def row(targets: pd.DataFrame, position: int = -1) -> dict[str, float]:
    """One row of targets as a plain dict."""
    return {key: float(value) for key, value in targets.iloc[position].items()}

"""Trades decided while a signal was unknown are marked on the row of the weights they set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from macropatch.backtests.engine.backtest import unknown_on_execution
from tests.strategies.views import signal_result

DAYS = pd.bdate_range("2024-01-01", periods=6)


def test_marks_follow_the_execution_lag() -> None:
    scheduled = pd.DataFrame(
        {"spy": [0.5, np.nan, 0.6, np.nan, 0.7, np.nan]}, index=DAYS, dtype=float
    )
    signals = {
        "vix_stress": signal_result("vix_stress", [None, False, False, True, None, True], DAYS),
        "vix_cheap": signal_result("vix_cheap", [None, None, True, True, True, True], DAYS),
    }
    marks = unknown_on_execution(scheduled, signals, execution_lag=1)
    # decisions on days 0, 2 and 4 trade on days 1, 3 and 5
    assert marks.tolist() == ["", "vix_stress,vix_cheap", "", "", "", "vix_stress"]
    same_day = unknown_on_execution(scheduled, signals, execution_lag=0)
    assert same_day.tolist() == ["vix_stress,vix_cheap", "", "", "", "vix_stress", ""]

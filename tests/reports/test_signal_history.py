"""The run's signals written to signals/ and read back unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.marketdata.errors import UserError
from macropatch.reports.signal_history import (
    read_signal_history,
    signal_records,
    write_signal_history,
)
from macropatch.signals.base import SignalResult, SignalState
from macropatch.signals.registry import build_signal

DAYS = pd.DatetimeIndex(pd.bdate_range("2024-01-01", periods=5), name="date")


def _result() -> SignalResult:
    signal = build_signal("ten_year_above", {"threshold": 0.045})
    name = signal.output_name()
    return SignalResult(
        name=name,
        signal=signal,
        value=pd.Series([np.nan, 0.0441, 0.04500000000000001, 0.0462, 0.0439], index=DAYS),
        fired=pd.Series([pd.NA, False, True, True, False], index=DAYS, dtype="boolean"),
        threshold=signal.chart_threshold(),
        last_data=pd.Series(
            [pd.NaT, *pd.to_datetime(["2023-12-29", "2024-01-02", "2024-01-03", "2024-01-04"])],
            index=DAYS,
        ),
    )


def test_round_trip(tmp_path: Path) -> None:
    original = _result()
    write_signal_history([original], tmp_path / "signals")
    records = signal_records([original], DAYS[-1])
    assert records[0].state == SignalState.QUIET.value
    assert records[0].last_data == "2024-01-04"
    (back,) = read_signal_history(tmp_path / "signals", records)
    assert back.signal == original.signal
    assert back.name == original.name and back.threshold == original.threshold
    pd.testing.assert_series_equal(back.value, original.value, check_names=False, check_freq=False)
    assert back.value.iloc[2] == 0.04500000000000001  # full precision
    assert back.fired.tolist() == original.fired.tolist()
    assert back.last_data.tolist() == original.last_data.tolist()
    assert [back.state_on(day) for day in DAYS] == [original.state_on(day) for day in DAYS]


def test_a_signal_missing_from_the_files_is_named(tmp_path: Path) -> None:
    original = _result()
    write_signal_history([original], tmp_path / "signals")
    records = [signal_records([original], DAYS[-1])[0].model_copy(update={"name": "other[x=1]"})]
    with pytest.raises(UserError, match=r"values.csv has no column for signal 'other\[x=1\]'"):
        read_signal_history(tmp_path / "signals", records)

"""No look-ahead, for every registered signal and every reading of the report's: the future
cannot change the past.

For random input histories and a random date t, changing every input value
that was not yet knowable on t (observed after t, or observed before but
published after t) leaves every output on dates up to t unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macropatch.signals.lookahead import changed_after, check_no_lookahead, synthetic_history
from macropatch.signals.registry import SIGNALS, build_signal
from macropatch.signals.report_readings import REPORT_READINGS
from tests.signals.memory import CATALOG, MemorySources

START, END = "2015-01-01", "2021-12-31"

#: Every registered signal with its defaults, then every reading the evidence studies.
CASES = [
    *((name, {}) for name in sorted(SIGNALS)),
    *((name, dict(changes)) for name, readings in REPORT_READINGS.items()
      for changes in readings.values()),
]  # fmt: skip
IDS = [f"{name}{changes or ''}" for name, changes in CASES]
CALENDAR = pd.bdate_range("2016-01-01", END, name="date")


def history(series_id: str, rng: np.random.Generator) -> pd.Series:
    return synthetic_history(
        CATALOG[series_id], rng, start=pd.Timestamp(START), end=pd.Timestamp(END)
    )


def perturbed(
    series: dict[str, pd.Series], cutoff: pd.Timestamp, rng: np.random.Generator
) -> dict[str, pd.Series]:
    return changed_after(series, CATALOG, cutoff, rng)


@pytest.mark.parametrize(("name", "changes"), CASES, ids=IDS)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), position=st.integers(20, len(CALENDAR) - 2))
def test_future_inputs_never_change_past_outputs(
    name: str, changes: dict[str, object], seed: int, position: int
) -> None:
    signal = build_signal(name, changes)
    rng = np.random.default_rng(seed)
    inputs = {series_id: history(series_id, rng) for series_id in signal.inputs}
    cutoff = CALENDAR[position]
    before = signal.evaluate(MemorySources(inputs), CALENDAR)
    after = signal.evaluate(MemorySources(perturbed(inputs, cutoff, rng)), CALENDAR)
    pd.testing.assert_series_equal(before.value.loc[:cutoff], after.value.loc[:cutoff])
    pd.testing.assert_series_equal(before.fired.loc[:cutoff], after.fired.loc[:cutoff])


@pytest.mark.parametrize(("name", "changes"), CASES, ids=IDS)
def test_every_signal_is_known_on_random_data(name: str, changes: dict[str, object]) -> None:
    """Guards the property test against a signal that is unknown throughout (which would pass trivially)."""
    signal = build_signal(name, changes)
    rng = np.random.default_rng(1)
    inputs = {series_id: history(series_id, rng) for series_id in signal.inputs}
    result = signal.evaluate(MemorySources(inputs), CALENDAR)
    assert result.value.notna().sum() > 100, (
        "the signal is unknown almost everywhere on random inputs"
    )


@pytest.mark.parametrize(("name", "changes"), CASES, ids=IDS)
def test_every_signal_passes_the_packaged_check(name: str, changes: dict[str, object]) -> None:
    check_no_lookahead(build_signal(name, changes), catalog=CATALOG)

"""The packaged look-ahead check refuses a signal that reads the future, naming it and the date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.signals.base import Family, Signal
from macropatch.signals.lookahead import LookAheadError, check_no_lookahead


@dataclass(frozen=True, kw_only=True)
class _Peeking(Signal):
    """The VIX five days from now above 20 (reads the future)."""

    name = "peeking_vix"
    family = Family.VOLATILITY
    summary = "tomorrow's news today"
    days: int = 5

    @property
    def inputs(self) -> tuple[str, ...]:
        return ("vix",)

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        ahead = knowable["vix"].shift(-self.days)
        return ahead, ahead > 20.0


@dataclass(frozen=True, kw_only=True)
class _FullSample(_Peeking):
    """The VIX above its whole-history median (a full-sample statistic reads the future)."""

    name = "full_sample_vix"

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        vix = knowable["vix"]
        return vix, vix > vix.median()


@dataclass(frozen=True, kw_only=True)
class _Honest(_Peeking):
    """The VIX one day ago above 20 (a positive shift only reads the past)."""

    name = "honest_vix"

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        before = knowable["vix"].shift(self.days)
        return before, before > 20.0


@pytest.mark.parametrize("signal", [_Peeking(), _Peeking(days=1), _FullSample()])
def test_a_signal_that_reads_ahead_is_refused_naming_it_and_the_date(signal: Signal) -> None:
    with pytest.raises(
        LookAheadError, match=rf"signal '{signal.name}' looks ahead: its .* on \d{{4}}-\d\d-\d\d"
    ):
        check_no_lookahead(signal, catalog=load_catalog())


def test_a_signal_that_reads_the_past_passes() -> None:
    check_no_lookahead(_Honest(), catalog=load_catalog())

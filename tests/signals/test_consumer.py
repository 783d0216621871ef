"""Consumer signals: card delinquencies, the Sahm rule, discretionary against staples."""

from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources
from macropatch.signals.consumer import CardDelinquencyRising, DiscretionaryLagging, SahmRule
from tests.signals.memory import MemorySources, calendar, daily


def quarterly(values: list[float], start: str) -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="QS"), dtype=float
    )


def monthly(values: list[float], start: str) -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float
    )


def test_card_delinquency_fires_when_the_quarter_above_three_percent_is_published() -> None:
    # Q1 2023 (dated 2023-01-01) ends 2023-03-31, knowable 65 days later: Sunday 2023-06-04,
    # so Monday 2023-06-05.
    sources = MemorySources(
        {"card_delinquency": quarterly([0.025, 0.026, 0.027, 0.028, 0.029, 0.031], "2021-10-01")}
    )
    result = CardDelinquencyRising().evaluate(sources, pd.bdate_range("2022-01-03", "2023-08-31"))
    assert result.value.loc["2023-06-02"] == 0.029
    assert not result.fired.loc["2023-06-02"]
    assert result.value.loc["2023-06-05"] == 0.031
    assert result.fired.loc["2023-06-05"]


def test_card_delinquency_high_but_falling_is_quiet_and_unknown_without_history() -> None:
    sources = MemorySources(
        {"card_delinquency": quarterly([0.06, 0.055, 0.05, 0.045, 0.04, 0.035], "2021-10-01")}
    )
    result = CardDelinquencyRising().evaluate(sources, pd.bdate_range("2022-01-03", "2023-08-31"))
    known = result.fired.dropna()
    assert len(known) > 0 and not known.any()
    # Q4 2021 is knowable from 2022-02-25; one year of history is not there before 2023.
    assert result.value.loc["2022-04-01"] == 0.06
    assert pd.isna(result.fired.loc["2022-04-01"])


def test_sahm_rule_fires_at_half_a_point_once_published() -> None:
    # March 2024 (dated 2024-03-01) is knowable 10 days after 2024-03-31 (the Employment
    # Situation comes out as late as the 10th): Wednesday 10 April.
    sources = MemorySources(
        {"sahm_realtime": monthly([0.3 / 100, 0.4 / 100, 0.5 / 100], "2024-01-01")}
    )
    result = SahmRule().evaluate(sources, pd.bdate_range("2024-02-01", "2024-04-30"))
    assert not result.fired.loc["2024-04-09"]
    assert result.fired.loc["2024-04-10"]
    assert result.value.loc["2024-04-10"] == pytest.approx(0.005)


def test_discretionary_lagging_fires_the_day_the_ratio_drops_below_its_average() -> None:
    xly = daily([1.0] * 10 + [0.9] * 10)
    sources = MemorySources({"xly": xly, "xlp": daily([2.0] * 20)})
    result = DiscretionaryLagging(window_days=5).evaluate(sources, calendar(periods=20))
    assert pd.isna(result.fired.iloc[3])  # window not yet full
    assert not result.fired.iloc[4] and not result.fired.iloc[9]
    assert result.fired.iloc[10]
    assert result.value.iloc[10] == pytest.approx(0.45 / 0.49 - 1.0)
    assert not result.fired.iloc[15]  # the average has caught up


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: CardDelinquencyRising(threshold=3.0), "threshold"),
        (lambda: CardDelinquencyRising(window_days=5), "window_days"),
        (lambda: SahmRule(threshold=0.5), "threshold"),
        (lambda: SahmRule(threshold=0.0), "threshold"),
        (lambda: DiscretionaryLagging(window_days=1), "window_days"),
        (lambda: DiscretionaryLagging(threshold=1.0), "threshold"),
    ],
)
def test_parameters_out_of_range(build: object, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        build()  # type: ignore[operator]


def test_on_the_pack_sahm_fired_in_the_recessions_and_delinquencies_rose_in_2008(
    pack_path: Path,
) -> None:
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    days = pd.bdate_range("2005-01-03", "2024-12-31")
    sahm = SahmRule().evaluate(sources, days)
    assert sahm.fired.loc["2009-03-02"] and sahm.fired.loc["2020-06-15"]
    assert not sahm.fired.loc["2019-06-03"]
    cards = CardDelinquencyRising().evaluate(sources, days)
    assert cards.fired.loc["2009-06-01"] and cards.fired.loc["2024-06-03"]
    assert not cards.fired.loc["2017-06-01"]
    lagging = DiscretionaryLagging().evaluate(sources, days)
    assert lagging.fired.loc["2008-10-15"]

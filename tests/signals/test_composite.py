"""The system-stress composite: configured components, and unknown never read as quiet."""

import pandas as pd
import pytest

from macropatch.signals.composite import SystemStress
from macropatch.signals.rates import TenYearAbove, YieldRule
from macropatch.signals.registry import default_signals
from tests.signals.memory import MemorySources, calendar, daily

COMPONENTS = ("ten_year_above", "vix_stress", "high_yield_spread_above")


def _composite(**parameters: object) -> SystemStress:
    return SystemStress(components=COMPONENTS, **parameters)  # type: ignore[arg-type]


def test_the_composite_reads_its_components_as_the_experiment_configures_them() -> None:
    """[signals.ten_year_above] threshold = 0.045 changes the composite too, not only the
    strategies (it used to build its components with their defaults)."""
    configured = {
        signal.name: signal for signal in default_signals({"ten_year_above": {"threshold": 0.045}})
    }
    composite = configured["system_stress"]
    assert isinstance(composite, SystemStress)
    parts = {part.name: part for part in composite._parts}
    assert parts["ten_year_above"].threshold == 0.045  # type: ignore[attr-defined]
    assert "ten_year_above.threshold=0.045" in composite.output_name()
    assert default_signals()[-1].output_name() == "system_stress[threshold=3.0]"

    days = calendar(periods=5)
    sources = MemorySources(
        {
            "dgs10": daily([0.047] * 5),
            "vix": daily([18.0] * 5),
            "hy_oas": daily([0.03] * 5),
        }
    )
    plain = _composite(threshold=1.0, min_known=3).evaluate(sources, days)
    bound = (
        _composite(threshold=1.0, min_known=3)
        .bound_to({"ten_year_above": configured["ten_year_above"]})
        .evaluate(sources, days)
    )
    assert not plain.fired.any()  # 4.7% is below the default 5%
    assert bound.fired.all()  # and above the configured 4.5%


def test_unknown_components_make_the_composite_unknown_not_quiet() -> None:
    days = calendar(periods=4)
    sources = MemorySources(
        {  # unknown before their first value, knowable a day after it (publication lag)
            "vix": pd.Series([15.0, 45.0, 15.0, 15.0], index=days),
            "dgs10": pd.Series([0.03, 0.03], index=days[1:3]),
            "hy_oas": pd.Series([0.03], index=days[2:3]),
        }
    )
    level = {"ten_year_above": TenYearAbove(rule=YieldRule.ABOVE)}  # known from its first value
    result = _composite(threshold=1.0, min_known=2).bound_to(level).evaluate(sources, days)
    assert [result.describe_on(day) for day in days] == [
        "unknown, 1 of 3 known",  # quiet so far, but too few known to say so
        "fired, 1 of 3 known",  # the known components alone reach the threshold
        "quiet, 2 of 3 known",
        "quiet, 3 of 3 known",
    ]
    assert result.components == 3 and result.known is not None
    assert result.known.tolist() == [1, 1, 2, 3]


def test_min_known_is_checked() -> None:
    with pytest.raises(ValueError, match="min_known"):
        _composite(min_known=4)
    with pytest.raises(ValueError, match="min_known"):
        _composite(min_known=0)

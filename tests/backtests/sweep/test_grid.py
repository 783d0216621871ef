"""The sweep grid: paths, ranges, command-line assignments and combinations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from macropatch.backtests.sweep.grid import Grid, Section, parse_assignment, parse_path, value_range
from macropatch.marketdata.errors import UserError


def test_paths() -> None:
    path = parse_path("signals.valuation_gap.threshold")
    assert (path.section, path.owner, path.field) == (Section.SIGNALS, "valuation_gap", "threshold")
    assert str(path) == "signals.valuation_gap.threshold"
    assert str(parse_path("strategy.growth_weight")) == "strategy.growth_weight"
    for bad in ("signals.x", "valuation_gap.threshold", "strategy.a.b", "signals.1x.y", ""):
        with pytest.raises(UserError, match="expected signals.<signal>.<field>"):
            parse_path(bad)


def test_ranges_include_stop_and_are_rounded() -> None:
    assert value_range(0.04, 0.06, 0.005, where="x") == (0.04, 0.045, 0.05, 0.055, 0.06)
    assert value_range(0.0, 0.3, 0.1, where="x") == (0.0, 0.1, 0.2, 0.3)
    assert value_range(21, 252, 63, where="x") == (21, 84, 147, 210)
    assert all(isinstance(value, int) for value in value_range(1, 5, 2, where="x"))
    with pytest.raises(UserError, match="step must be above 0"):
        value_range(0.0, 1.0, 0.0, where="x")
    with pytest.raises(UserError, match="stop 0.1 is below start 0.2"):
        value_range(0.2, 0.1, 0.05, where="x")
    with pytest.raises(UserError, match="is the step"):
        value_range(0.0, 1.0, 1e-9, where="x")


@given(
    start=st.integers(-50, 50),
    count=st.integers(1, 40),
    step=st.sampled_from([0.001, 0.005, 0.01, 0.025, 0.1, 0.25]),
)
def test_a_range_has_the_expected_count(start: int, count: int, step: float) -> None:
    first = start * step
    values = value_range(first, first + (count - 1) * step, step, where="x")
    assert len(values) == count
    assert all(later > earlier for earlier, later in zip(values, values[1:], strict=False))


def test_assignments() -> None:
    path, values = parse_assignment("signals.ten_year_above.threshold=0.04:0.05:0.005")
    assert str(path) == "signals.ten_year_above.threshold" and values == (0.04, 0.045, 0.05)
    assert parse_assignment("strategy.hedge=put_overlay,vix_fund")[1] == ("put_overlay", "vix_fund")
    assert parse_assignment("strategy.include_uranium=true,false")[1] == (True, False)
    for bad, message in (
        ("signals.x.y", "expected PATH=START:STOP:STEP"),
        ("signals.x.y=1:2", "expected PATH=START:STOP:STEP"),
        ("signals.x.y=a:b:c", "must be numbers"),
        ("signals.x.y=1,2;3", "is not a number or a name"),
    ):
        with pytest.raises(UserError, match=message):
            parse_assignment(bad)


def test_combinations_and_columns() -> None:
    grid = Grid.from_mapping({"signals.a.x": [1, 2, 3], "strategy.y": [0.1, 0.2]})
    assert len(grid) == 6
    variants = list(grid.variants())
    assert [tuple(variant.values()) for variant in variants] == list(grid.columns())
    assert grid.columns().names == ["signals.a.x", "strategy.y"]
    assert variants[0] == {parse_path("signals.a.x"): 1, parse_path("strategy.y"): 0.1}
    merged = grid.merged([parse_assignment("strategy.y=0.5")])
    assert len(merged) == 3 and merged.names == grid.names
    assert "= 6 variants" in grid.describe()
    with pytest.raises(UserError, match="repeats a value"):
        Grid.from_mapping({"strategy.y": [1, 1]})
    with pytest.raises(UserError, match="has no values"):
        Grid.from_mapping({"strategy.y": []})
    with pytest.raises(UserError, match="at least one parameter"):
        Grid(())

"""Costs: defaults, basis points, validation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from macropatch.backtests.engine.costs import Costs


def test_defaults_are_five_and_two_basis_points() -> None:
    costs = Costs()
    assert costs.fees == 0.0005
    assert costs.slippage == 0.0002


def test_from_basis_points_converts_to_fractions() -> None:
    costs = Costs.from_basis_points(5, 2.5)
    assert costs.fees == pytest.approx(0.0005, abs=1e-18)
    assert costs.slippage == pytest.approx(0.00025, abs=1e-18)


def test_zero_costs_are_allowed() -> None:
    assert Costs(fees=0.0, slippage=0.0) == Costs.from_basis_points(0, 0)


def test_numpy_scalars_are_stored_as_floats() -> None:
    costs = Costs(fees=np.float64(0.001), slippage=np.float32(0.0))
    assert type(costs.fees) is float
    assert type(costs.slippage) is float


def test_is_frozen_and_keyword_only() -> None:
    costs = Costs()
    with pytest.raises(dataclasses.FrozenInstanceError):
        costs.fees = 0.1  # type: ignore[misc]
    with pytest.raises(TypeError):
        Costs(0.001, 0.001)  # type: ignore[misc]


@pytest.mark.parametrize("field", ["fees", "slippage"])
@pytest.mark.parametrize("value", [-1e-9, 0.1, 0.5, math.nan, math.inf, -math.inf])
def test_out_of_range_values_name_the_field(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"costs.{field}"):
        Costs(**{field: value})


@pytest.mark.parametrize("value", ["0.001", None, True])
def test_non_numbers_are_rejected(value: object) -> None:
    with pytest.raises(ValueError, match="costs.fees"):
        Costs(fees=value)  # type: ignore[arg-type]


def test_from_basis_points_validates_the_result() -> None:
    with pytest.raises(ValueError, match="costs.slippage"):
        Costs.from_basis_points(5, 1000)
    with pytest.raises(ValueError, match="costs.fees"):
        Costs.from_basis_points(-1, 0)

"""Scenario files: TOML documents validated at the boundary, then :class:`Scenario` values.

A scenario file holds ``name``, ``description`` and a ``[shocks]`` table
mapping factor names (:class:`macropatch.backtests.stress.factors.Factor`) to ``{ change = x }``
or ``{ to = x }``: finite numbers, in macropatch's units (a move of a yield,
spread or unemployment rate of 1 or more, i.e. 100 points, or a return of
1000% or more is taken for percent and refused; the VIX has no level at or
below 0). Every problem is a ``UserError`` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from macropatch.backtests.stress.factors import Factor, Move, Scenario, Shock
from macropatch.experiment import describe_validation_error
from macropatch.marketdata.catalog import Catalog, load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.files import read_toml
from macropatch.marketdata.units import canonical_units

__all__ = ["load_scenario", "load_scenarios"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


# strict: ``true`` or ``"-30%"`` is no number; finite: ``inf`` is no shock
_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Shock(_Model):
    change: _Number | None = None
    to: _Number | None = None


class _Scenario(_Model):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    shocks: dict[str, _Shock]


def _check_units(shock: Shock, catalog: Catalog) -> None:
    """Moves in the wrong units: rates are fractions (a move of 1, i.e. 100 points, is
    percent), returns too (1000% or more is percent), and the VIX has no level at or below 0.
    """
    factor = shock.factor
    if factor.move is Move.PRICE:
        if shock.change is not None and shock.change >= 10:
            raise UserError(
                f"shock on {factor.key}: change = {shock.change:g} is a return of "
                f"{shock.change * 100:g}%; returns are fractions ({shock.change / 100:g} is "
                f"{shock.change:g}%)"
            )
        return
    units = canonical_units(catalog[factor.series].units)
    if units == "fraction":
        for key, value in (("change", shock.change), ("to", shock.to)):
            if value is not None and abs(value) >= 1:
                raise UserError(
                    f"shock on {factor.key}: {key} = {value:g} looks like percent; rates are "
                    f"fractions ({value / 100:g} is {value:g}%)"
                )
    elif units == "index_points" and shock.to is not None and shock.to <= 0:
        raise UserError(f"shock on {factor.key}: to = {shock.to:g} is no level (above 0)")


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file."""
    document = read_toml(Path(path), "scenario file")
    try:
        model = _Scenario.model_validate(document)
    except pydantic.ValidationError as error:
        raise describe_validation_error(error, str(path), document) from None
    try:
        shocks = tuple(
            Shock(factor=Factor.named(key), change=shock.change, to=shock.to)
            for key, shock in model.shocks.items()
        )
        catalog = load_catalog()
        for shock in shocks:
            _check_units(shock, catalog)
        return Scenario(
            name=model.name, description=model.description, shocks=shocks, source=str(path)
        )
    except UserError as error:
        raise UserError(f"{path}: {error}") from None


def load_scenarios(folder: Path) -> list[Scenario]:
    """Every ``*.toml`` scenario of ``folder``, in file-name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"scenario folder {folder} not found")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise UserError(f"scenario folder {folder} holds no *.toml file")
    scenarios = [load_scenario(path) for path in files]
    names = [scenario.name for scenario in scenarios]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UserError(f"{folder}: two scenarios are named {repeated[0]!r}")
    return scenarios

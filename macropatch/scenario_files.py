"""Scenario files: TOML documents validated at the boundary, then :class:`Scenario` values.

A scenario file holds ``name``, ``description`` and a ``[shocks]`` table
mapping factor names (:class:`backtests.factors.Factor`) to ``{ change = x }``
or ``{ to = x }``. Every problem is a ``UserError`` naming the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict

from backtests.factors import Factor, Scenario, Shock
from marketdata.errors import UserError

__all__ = ["load_scenario", "load_scenarios"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class _Shock(_Model):
    change: float | None = None
    to: float | None = None


class _Scenario(_Model):
    name: str
    description: str = ""
    shocks: dict[str, _Shock]


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"scenario file {path} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read scenario file {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: invalid TOML ({error})") from None
    try:
        model = _Scenario.model_validate(document)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise UserError(f"{path}: {location}: {first['msg']}") from None
    try:
        shocks = tuple(
            Shock(factor=Factor.named(key), change=shock.change, to=shock.to)
            for key, shock in model.shocks.items()
        )
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

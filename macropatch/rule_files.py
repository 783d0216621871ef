"""An experiment's ``[rules.<name>]`` tables, validated into strategy definitions.

Requires the tables as the TOML file holds them. Produces one
:class:`~macropatch.strategies.rules.RuleBook` per table (see
:mod:`macropatch.strategies.rules` for what the rules mean); a bad table is a
one-line error naming the strategy, the rule and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, model_validator

from macropatch.marketdata.errors import UserError
from macropatch.strategies.rules import Rule, RuleBook

__all__ = ["rule_books"]

_Weight = Annotated[float, Field(strict=False, ge=0.0, le=1.0, allow_inf_nan=False)]
_Name = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class _When(_Model):
    name: _Name
    signal: _Name
    move: _Weight | None = None
    source: str | None = Field(default=None, alias="from")
    target: str | None = Field(default=None, alias="to")
    above: Annotated[float, Field(strict=False, allow_inf_nan=False)] | None = None
    hold: dict[str, _Weight] | None = None

    @model_validator(mode="after")
    def _one_action(self) -> _When:
        moving = self.move is not None or self.source is not None or self.target is not None
        if self.hold is not None and moving:
            raise ValueError("a rule either moves weight (move, from, to) or holds weights")
        if self.hold is None and not (
            self.move is not None and self.source is not None and self.target is not None
        ):
            raise ValueError("a rule needs move, from and to (or hold)")
        if self.hold is not None and sum(self.hold.values()) > 1.0 + 1e-9:
            raise ValueError("hold weights sum to more than 1")
        if self.source is not None and self.source == self.target:
            raise ValueError("from and to are the same asset")
        return self


class _Book(_Model):
    summary: str = ""
    neutral: dict[str, _Weight]
    when: list[_When] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sane(self) -> _Book:
        if sum(self.neutral.values()) > 1.0 + 1e-9:
            raise ValueError("neutral weights sum to more than 1")
        names = [rule.name for rule in self.when]
        if len(set(names)) != len(names):
            raise ValueError("two rules share a name")
        return self


def _problem(error: pydantic.ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part not in ("function-after",))
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def rule_books(tables: Mapping[str, Any], *, where: str) -> dict[str, RuleBook]:
    """The strategy definitions of an experiment's ``[rules]`` tables, by name."""
    books = {}
    for name, table in tables.items():
        try:
            model = _Book.model_validate(table)
        except pydantic.ValidationError as error:
            raise UserError(f"{where}: rules.{name}: {_problem(error)}") from None
        books[name] = RuleBook(
            name=name,
            summary=model.summary or f"rules from {where}",
            neutral=tuple(model.neutral.items()),
            rules=tuple(
                Rule(
                    name=rule.name,
                    signal=rule.signal,
                    move=rule.move,
                    source=rule.source or "",
                    target=rule.target or "",
                    above=rule.above,
                    hold=tuple((rule.hold or {}).items()),
                )
                for rule in model.when
            ),
        )
    return books

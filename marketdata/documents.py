"""Typed documents: the base of every JSON document a stage hands to another.

Requires nothing. Produces :class:`Document` (a frozen pydantic model without
unknown fields, written with :meth:`Document.to_json` and read back with
``model_validate_json``), and the field types the documents share:
:data:`Number` (a finite number or None: NaN and infinities are ``null``) and
:data:`IsoDate` (a date as ISO text). The run summary
(:mod:`macropatch.reports.documents`), the stress report
(:mod:`macropatch.backtests.stress.document`) and the sweep study
(:mod:`macropatch.backtests.sweep.document`) build on them.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict

__all__ = ["Document", "IsoDate", "Number", "Quantity"]


def _number(value: object) -> object:
    """NaN, infinities and numpy scalars as a JSON number or None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # a numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _iso(value: object) -> object:
    """A date, timestamp or date text as ISO text (a timestamp at midnight as a date)."""
    if isinstance(value, pd.Timestamp | date):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    return value


Number = Annotated[float | None, BeforeValidator(_number)]
"""A finite number, or None where it does not exist."""
Quantity = Annotated[int | float | None, BeforeValidator(_number)]
"""A count (kept whole) or a finite number, or None: a metric table's cell."""
IsoDate = Annotated[str, BeforeValidator(_iso)]
"""A date as ISO text."""


class Document(BaseModel):
    """Base of the typed documents: frozen, no unknown field, names as in the files."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> str:
        """The document as indented JSON (aliases as the file spells them), ending in a newline."""
        return self.model_dump_json(indent=2, by_alias=True) + "\n"

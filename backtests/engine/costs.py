"""Trading costs: proportional fees and slippage, and the cost of borrowing shorted assets.

Requires nothing. Produces a :class:`Costs` value that the engine applies to
every asset but the cash asset: a buy fills at ``close * (1 + slippage)``, a
sell at ``close * (1 - slippage)``, and each fill pays ``fees`` times its
value at the fill price. A short position pays ``borrow / 252`` of its market
value at the previous close every trading day (see :mod:`macropatch.backtests.engine.adapter`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["BASIS_POINT", "MAXIMUM_COST", "Costs"]

BASIS_POINT = 1e-4
"""One basis point as a fraction."""

MAXIMUM_COST = 0.1
"""Exclusive upper bound of each cost fraction (10%): anything larger is a typo."""


def _check_fraction(field_name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"costs.{field_name} must be a number, got {value!r}")
    if not math.isfinite(value) or not 0.0 <= value < MAXIMUM_COST:
        raise ValueError(
            f"costs.{field_name} must be a finite fraction in [0, {MAXIMUM_COST}), got {value!r}"
        )


@dataclass(frozen=True, kw_only=True)
class Costs:
    """Proportional trading costs.

    Attributes
    ----------
    fees
        Commission per fill, as a fraction of the fill's value at the fill
        price (0.0005 = 5 basis points).
    slippage
        Adverse price move per fill, as a fraction of the close: buys fill at
        ``close * (1 + slippage)``, sells at ``close * (1 - slippage)``.
    borrow
        Annual fee for borrowing the assets sold short, as a fraction of
        their market value (0.005 = 50 basis points a year), charged daily
        at ``borrow / 252`` of the short market value at the previous close.
        Default 0: long-only strategies never pay it.

    Raises
    ------
    ValueError
        If a field is not a finite number in ``[0, 0.1)``; the message names
        the field.

    Notes
    -----
    The product always trades with costs; zero is allowed so that tests can
    check the arithmetic without them.
    """

    fees: float = 0.0005
    slippage: float = 0.0002
    borrow: float = 0.0

    def __post_init__(self) -> None:
        """Check each rate is a finite fraction in range and store it as a float."""
        for field_name in ("fees", "slippage", "borrow"):
            _check_fraction(field_name, getattr(self, field_name))
            # Store plain floats (a NumPy scalar in, a float out).
            object.__setattr__(self, field_name, float(getattr(self, field_name)))

    @classmethod
    def from_basis_points(
        cls, fees_bps: float, slippage_bps: float, borrow_bps: float = 0.0
    ) -> Costs:
        """Costs given in basis points (``5`` = 0.05%).

        Parameters
        ----------
        fees_bps, slippage_bps
            Fees and slippage in basis points of traded value.
        borrow_bps
            Borrow fee in basis points a year of the short market value
            (``50`` = 0.5% a year). Default 0.

        Returns
        -------
        Costs
            The same costs as fractions.
        """
        for field_name, value in (
            ("fees", fees_bps),
            ("slippage", slippage_bps),
            ("borrow", borrow_bps),
        ):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"costs.{field_name} must be a number, got {value!r}")
        return cls(
            fees=fees_bps * BASIS_POINT,
            slippage=slippage_bps * BASIS_POINT,
            borrow=borrow_bps * BASIS_POINT,
        )

"""Parameter sweeps: many variants of one strategy, scored without fooling oneself.

The pieces, in the order a sweep uses them: :mod:`.grid` (dotted parameter
paths and their values), :mod:`.variants` (one strategy per grid point),
:mod:`.resources` (what the sweep will need, checked first), :mod:`.runner`
(batches of variants through the numba kernel), :mod:`.executors` (inline,
local processes or Dask), :mod:`.batches` (finished batches kept for resume),
:mod:`.objective`, :mod:`.walk_forward` and :mod:`.overfitting` (PSR, DSR,
PBO). Importing this package imports neither vectorbt nor pandas: the names below load
on first use, so the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macropatch.backtests.sweep.grid import (
        Grid,
        ParameterPath,
        parse_assignment,
        parse_path,
    )
    from macropatch.backtests.sweep.objective import Objective

__all__ = ["Grid", "Objective", "ParameterPath", "parse_assignment", "parse_path"]

_HOMES = {
    "Grid": "grid",
    "ParameterPath": "grid",
    "parse_assignment": "grid",
    "parse_path": "grid",
    "Objective": "objective",
}


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)

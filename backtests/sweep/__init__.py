"""Parameter sweeps: many variants of one strategy, scored without fooling oneself.

The pieces, in the order a sweep uses them: :mod:`.grid` (dotted parameter
paths and their values), :mod:`.variants` (one strategy per grid point),
:mod:`.resources` (what the sweep will need, checked first), :mod:`.runner`
(batches of variants through the numba kernel), :mod:`.executors` (inline,
local processes or Dask), :mod:`.batches` (finished batches kept for resume),
:mod:`.objective`, :mod:`.walk_forward` and :mod:`.overfitting` (PSR, DSR,
PBO). Importing this package does not import vectorbt.
"""

from __future__ import annotations

from macropatch.backtests.sweep.grid import Grid, ParameterPath, parse_assignment, parse_path
from macropatch.backtests.sweep.objective import Objective

__all__ = ["Grid", "Objective", "ParameterPath", "parse_assignment", "parse_path"]

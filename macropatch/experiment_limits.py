"""Bounds of an experiment's stress settings, in a module light enough for the command line."""

from __future__ import annotations

__all__ = ["MAXIMUM_PATHS", "MINIMUM_PATHS", "SEED_LIMIT"]

#: Bootstrap paths a stress test may draw.
MINIMUM_PATHS, MAXIMUM_PATHS = 100, 1_000_000
#: Seeds are below this (numpy's generators take 64-bit seeds).
SEED_LIMIT = 2**64

"""Assets an experiment declares: series the catalog lacks, from yfinance, FRED or a CSV file.

Requires an experiment's ``[assets.<id>]`` tables and the folder its paths are
relative to. Produces the catalog entries (:class:`~macropatch.marketdata.catalog.SeriesSpec`)
they describe, validated like the catalog's own, so the same quality checks,
store, provenance and offline rules apply::

    [assets.tsla]
    yfinance = "TSLA"                 # a live source (tried only when live is on)

    [assets.mine]
    csv = "prices/mine.csv"           # relative to the experiment file
    column = "close"                  # default "value"
    kind = "price"                    # default: price, daily, usd, no lag
    proxies = ["spy"]                 # optional, as in the catalog

Every key of a catalog entry may be given (``name``, ``kind``, ``frequency``,
``units``, ``label``, ``fred``, ``publication_lag_days``, ``stale_after_days``,
``proxies``, ``notes``...), plus ``csv`` and ``column``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from macropatch.marketdata.catalog import SeriesSpec, series_spec
from macropatch.marketdata.errors import UserError

__all__ = ["declared_series"]

_DEFAULTS: Mapping[str, Any] = {"kind": "price", "frequency": "daily", "units": "usd"}


def declared_series(
    tables: Mapping[str, Mapping[str, Any]], *, base: Path, where: str
) -> dict[str, SeriesSpec]:
    """The entries of ``tables`` by id (``csv`` paths resolved against ``base``); a bad table
    is a one-line :class:`UserError` naming ``where``, the id and the key.
    """
    specs = {}
    for series_id, table in tables.items():
        if not isinstance(table, Mapping):
            raise UserError(f"{where}: assets.{series_id} must be a table")
        entry = {"name": series_id, **_DEFAULTS, **table}
        csv = entry.pop("csv", None)
        column = entry.pop("column", None)
        if csv is not None:
            if not isinstance(csv, str) or not csv.strip():
                raise UserError(f"{where}: assets.{series_id}.csv must be a file path")
            path = (base / csv).expanduser().resolve()
            if not path.is_file():
                raise UserError(f"{where}: assets.{series_id}.csv: no such file {path}")
            entry["file"] = str(path)
            entry["file_column"] = column if column is not None else "value"
        elif column is not None:
            raise UserError(f"{where}: assets.{series_id}.column needs a csv file")
        if csv is None and not entry.get("yfinance") and not entry.get("fred"):
            raise UserError(f"{where}: assets.{series_id} needs a source: csv, yfinance or fred")
        specs[series_id] = series_spec(series_id, entry, f"{where}: assets")
    return specs

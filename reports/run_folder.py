"""A finished run read back from its folder, to draw its pages again.

Requires a folder written by a run (see the output contract in the README):
``summary.json``, ``returns.csv`` and ``signals/``. Produces a
:class:`FinishedRun` with the numbers the pages are drawn from, and
:func:`copy_run_data`, which copies every file of the run but its pages (so a
staging folder can receive new pages and replace the run all at once).

Every problem with the folder is a :class:`macropatch.marketdata.errors.UserError` naming
the file at fault.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import ValidationError

from macropatch.backtests.evidence.document import EvidenceReport
from macropatch.backtests.stress.document import StressReport
from macropatch.marketdata.documents import Document
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.files import read_user_bytes
from macropatch.reports.documents import RunSummary, StrategySummary
from macropatch.reports.exports import read_dated_csv
from macropatch.reports.output import RUN_MARKER, FolderKind, resolve_folder
from macropatch.reports.signal_history import read_signal_history
from macropatch.signals.base import SignalResult

__all__ = ["PAGES", "FinishedRun", "copy_run_data", "read_run"]

#: What :func:`macropatch.reports.pages.render_pages` writes; everything else is the run's data.
PAGES = ("index.html", "signals.html", "stress.html", "evidence.html", "tearsheets", "assets")


@dataclass(frozen=True, kw_only=True)
class FinishedRun:
    """The numbers of a finished run."""

    folder: Path
    summary: RunSummary
    returns: pd.DataFrame
    signals: list[SignalResult]
    stress: StressReport | None
    evidence: EvidenceReport | None
    weights: dict[str, pd.DataFrame]
    """Per strategy with a ``weights/<name>.csv``, its target weights (assets and cash)."""


DocumentT = TypeVar("DocumentT", bound=Document)

#: A run's JSON files are a few megabytes at most.
JSON_LIMIT_BYTES = 256 * 2**20


def _json(path: Path) -> Any:
    """The JSON document in ``path``: a regular file of bounded size (read_user_bytes)."""
    data = read_user_bytes(path, "run file", limit=JSON_LIMIT_BYTES)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise UserError(f"{path} cannot be read: {error}") from None


def _summary(folder: Path) -> RunSummary:
    path = folder / RUN_MARKER
    if not folder.is_dir():
        raise UserError(f"run folder {folder} does not exist")
    if not path.is_file():
        raise UserError(f"{folder} holds no run: {RUN_MARKER} is missing")
    summary = _json(path)
    if not isinstance(summary, dict):
        raise UserError(f"{path} is not a run summary (expected a JSON object)")
    if summary.get("schema") != FolderKind.RUN.schema:
        raise UserError(
            f"{path} was not written by this macropatch (no schema {FolderKind.RUN.schema!r}): "
            "run the experiment again"
        )
    try:
        return RunSummary.model_validate(summary)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise UserError(
            f"{path} is not a run summary of this macropatch ({where}: {first['msg']}): "
            "run the experiment again"
        ) from None


def _returns(folder: Path, strategies: Mapping[str, StrategySummary]) -> pd.DataFrame:
    path = folder / "returns.csv"
    returns = read_dated_csv(path)
    absent = [name for name in strategies if name not in returns.columns]
    if absent:
        raise UserError(f"{path} has no column for {', '.join(absent)} (named in summary.json)")
    try:
        selected = returns[list(strategies)].astype(float)
    except (TypeError, ValueError) as error:
        raise UserError(f"{path} holds a value that is not a number: {error}") from None
    if not isinstance(selected.index, pd.DatetimeIndex) or selected.index.hasnans:
        raise UserError(f"{path}: the date column holds a value that is not a date")
    return selected


def read_run(folder: Path) -> FinishedRun:
    """Read the numbers of the run in ``folder``.

    Raises
    ------
    UserError
        If the folder holds no run, or a file is missing or cannot be read.
    """
    folder = resolve_folder(folder)
    summary = _summary(folder)
    returns = _returns(folder, summary.strategies)
    signals = read_signal_history(folder / "signals", summary.signals)
    return FinishedRun(
        folder=folder,
        summary=summary,
        returns=returns,
        signals=signals,
        stress=_document(folder / "stress.json", StressReport, "a run's stress tests"),
        evidence=_document(folder / "evidence.json", EvidenceReport, "a run's evidence"),
        weights=_weights(folder / "weights", summary.strategies),
    )


def _weights(folder: Path, strategies: Mapping[str, StrategySummary]) -> dict[str, pd.DataFrame]:
    """The target weights of each strategy that has a file in ``folder`` (numbers only)."""
    found = {}
    for name in strategies:
        path = folder / f"{name}.csv"
        if not path.is_file():
            continue
        frame = read_dated_csv(path).drop(columns=["neutral_by_default"], errors="ignore")
        try:
            found[name] = frame.astype(float)
        except (TypeError, ValueError) as error:
            raise UserError(f"{path} holds a weight that is not a number: {error}") from None
    return found


def _document(path: Path, kind: type[DocumentT], what: str) -> DocumentT | None:
    """The document in ``path`` when the run has one (an error naming the file when it is bad)."""
    if not path.exists():
        return None
    try:
        return kind.model_validate(_json(path))
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise UserError(f"{path} is not {what} ({where}: {first['msg']})") from None


def copy_run_data(source: Path, target: Path) -> None:
    """Copy every file and folder of the run in ``source`` but its :data:`PAGES` into ``target``."""
    for entry in sorted(Path(source).iterdir()):
        if entry.name in PAGES:
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)

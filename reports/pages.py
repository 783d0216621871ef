"""Every HTML page of a run, drawn from the run's numbers.

Requires a run folder's numbers: the summary (:func:`macropatch.reports.summary.
build_summary`), the daily returns (one column per strategy, the benchmark
included) and the signal results. Produces ``tearsheets/<name>.html`` (one
quantstats tearsheet per strategy, rendered in parallel processes),
``signals.html``, ``stress.html`` (when the run has stress tests) and
``index.html``.

The same function draws the pages at the end of a run and again from a
finished run's files (``macropatch report``), so the two cannot differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from macropatch.backtests.evidence.document import EvidenceReport
from macropatch.backtests.stress.document import StressReport
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.reports.comparison import write_comparison
from macropatch.reports.documents import RunSummary, StrategySummary
from macropatch.reports.evidence_page import write_evidence_page
from macropatch.reports.parallel import TearsheetJob, render_tearsheets
from macropatch.reports.plotting import ensure_plotly_js
from macropatch.reports.signals_page import write_signals_page
from macropatch.reports.stress_page import write_stress_page
from macropatch.reports.tearsheet_cache import reusable
from macropatch.signals.base import SignalResult

__all__ = ["render_pages", "tearsheet_subtitle"]

#: Summary parameters that are not the strategy's own.
_RUN_PARAMETERS = ("strategy", "rebalance")


def tearsheet_subtitle(label: str, measured: StrategySummary) -> str:
    """``strategy(parameter=value, ...), rebalance monthly`` from a summary entry (the line
    below a tearsheet's heading, which is the label and the period).
    """
    parameters = measured.parameters
    own = ", ".join(
        f"{key}={value}" for key, value in parameters.items() if key not in _RUN_PARAMETERS
    )
    strategy = parameters.get("strategy", label)
    rebalance = parameters.get("rebalance")
    line = f"{strategy}({own})"
    return f"{line}, rebalance {rebalance}" if rebalance else line


def render_pages(
    folder: Path,
    *,
    summary: RunSummary,
    returns: pd.DataFrame,
    signals: Sequence[SignalResult],
    stress: StressReport | None = None,
    evidence: EvidenceReport | None = None,
    progress: Progress | None = None,
    previous: Path | None = None,
    weights: Mapping[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """Write the tearsheets, ``signals.html``, ``stress.html`` and ``index.html`` into ``folder``.

    Parameters
    ----------
    folder
        The run folder (usually a staging folder, replaced all at once).
    summary
        The run's summary: every number shown comes from it.
    returns
        Daily returns, one column per strategy in run order; the column of
        ``summary["run"]["benchmark"]`` is each tearsheet's benchmark.
    signals
        The run's signal results, for ``signals.html`` and the shaded periods.
    stress
        The content of ``stress.json``, for ``stress.html`` (none: no page).
    evidence
        The content of ``evidence.json``, for ``evidence.html`` (none: no page).
    progress
        Progress bars (the tearsheets take most of the time).
    weights
        Per strategy, its target weights on execution dates (``weights/<name>.csv``),
        drawn on index.html.
    previous
        The folder of the run these pages replace, if any: a tearsheet there
        drawn from the same content (:mod:`macropatch.reports.tearsheet_cache`)
        is copied instead of drawn again.

    Returns
    -------
    list of Path
        The pages written, ``index.html`` last.

    Raises
    ------
    KeyError
        If the benchmark has no column in ``returns``.
    """
    progress = progress or NoProgress()
    run, measured = summary.run, summary.strategies
    benchmark = run.benchmark
    if benchmark not in returns.columns:
        raise KeyError(f"benchmark {benchmark!r} has no returns")
    names = [str(name) for name in returns.columns]
    ensure_plotly_js(folder)  # once for every page of the folder
    written = _tearsheets(folder, returns, benchmark, measured, progress, previous)
    written.append(
        write_signals_page(
            folder / "signals.html",
            period=(run.period.start, run.period.end),
            results=signals,
            records=summary.signals,
            readers=_readers(measured),
        )
    )
    if stress is not None:
        written.append(write_stress_page(folder / "stress.html", stress=stress))
    if evidence is not None:
        written.append(write_evidence_page(folder / "evidence.html", evidence=evidence))
    written.append(
        write_comparison(
            returns,
            summary=summary,
            path=folder / "index.html",
            tearsheet_links={name: f"tearsheets/{name}.html" for name in names},
            stress_link="stress.html" if stress is not None else None,
            evidence_link="evidence.html" if evidence is not None else None,
            weights=weights,
            signals=signals,
            evidence=evidence,
        )
    )
    return written


def _readers(measured: Mapping[str, StrategySummary]) -> dict[str, list[str]]:
    """Per signal, the strategies of the run that read it, in run order."""
    readers: dict[str, list[str]] = {}
    for name, summary in measured.items():
        for signal in summary.signals:
            readers.setdefault(signal, []).append(name)
    return readers


def _tearsheets(
    folder: Path,
    returns: pd.DataFrame,
    benchmark: str,
    measured: Mapping[str, StrategySummary],
    progress: Progress,
    previous: Path | None,
) -> list[Path]:
    """One quantstats tearsheet per strategy, against the benchmark, in ``folder/tearsheets``;
    those unchanged since the run in ``previous`` are copied from it.
    """
    (folder / "tearsheets").mkdir(exist_ok=True)
    jobs = [
        TearsheetJob(
            returns=returns[name].rename(name),
            benchmark=returns[benchmark].rename(benchmark),
            path=folder / "tearsheets" / f"{name}.html",
            title=name,
            subtitle=tearsheet_subtitle(name, measured[name]),
            previous=previous / "tearsheets" / f"{name}.html" if previous else None,
        )
        for name in (str(column) for column in returns.columns)
    ]
    unchanged = sum(reusable(job.previous, job.key) for job in jobs)
    description = "Rendering tearsheets" + (f" ({unchanged} unchanged)" if unchanged else "")
    with progress.task(description, total=len(jobs)) as task:
        return render_tearsheets(jobs, on_done=lambda _path: task.advance()).paths

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

from collections.abc import Callable, Mapping, Sequence
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
from macropatch.reports.reuse import content_key, copy_if_unchanged
from macropatch.reports.signals_page import write_signals_page
from macropatch.reports.stress_page import write_stress_page
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
        drawn from the same content and code (:mod:`macropatch.reports.reuse`)
        is copied instead of drawn again: every tearsheet, and ``signals.html``,
        ``stress.html``, ``evidence.html`` and ``index.html``.

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
    benchmark = summary.run.benchmark
    if benchmark not in returns.columns:
        raise KeyError(f"benchmark {benchmark!r} has no returns")
    ensure_plotly_js(folder)  # once for every page of the folder
    written = _tearsheets(folder, returns, benchmark, summary.strategies, progress, previous)
    pages = _Pages(folder, previous)
    written.append(_signals_page(pages, summary, signals))
    written.extend(_document_pages(pages, stress, evidence))
    written.append(
        _index_page(
            pages,
            summary,
            returns,
            signals,
            evidence,
            weights or {},
            stress_page=stress is not None,
        )
    )
    return written


def _document_pages(
    pages: _Pages, stress: StressReport | None, evidence: EvidenceReport | None
) -> list[Path]:
    """``stress.html`` and ``evidence.html``, each when the run has its document."""
    written = []
    if stress is not None:
        written.append(
            pages.page(
                "stress.html",
                (stress,),
                lambda path, key: write_stress_page(path, stress=stress, key=key),
            )
        )
    if evidence is not None:
        written.append(
            pages.page(
                "evidence.html",
                (evidence,),
                lambda path, key: write_evidence_page(path, evidence=evidence, key=key),
            )
        )
    return written


def _signals_page(pages: _Pages, summary: RunSummary, signals: Sequence[SignalResult]) -> Path:
    run = summary.run
    period = (run.period.start, run.period.end)
    readers = _readers(summary.strategies)
    end = pd.Timestamp(run.period.end)
    return pages.page(
        "signals.html",
        (period, [_shown_signal(result, end) for result in signals], summary.signals, readers),
        lambda path, key: write_signals_page(
            path, period=period, results=signals, records=summary.signals, readers=readers,
            key=key,
        ),
    )  # fmt: skip


def _index_page(
    pages: _Pages,
    summary: RunSummary,
    returns: pd.DataFrame,
    signals: Sequence[SignalResult],
    evidence: EvidenceReport | None,
    weights: Mapping[str, pd.DataFrame],
    *,
    stress_page: bool,
) -> Path:
    names = [str(name) for name in returns.columns]
    links = {
        "tearsheet_links": {name: f"tearsheets/{name}.html" for name in names},
        "stress_link": "stress.html" if stress_page else None,
        "evidence_link": "evidence.html" if evidence is not None else None,
    }
    # created_at changes every run and is not shown: it must not make the page new
    run = summary.run
    shown = summary.model_copy(update={"run": run.model_copy(update={"created_at": ""})})
    inputs = (
        shown,
        returns,
        {name: _as_drawn(frame) for name, frame in weights.items()},
        {result.signal.name: _as_drawn(result.fired) for result in signals},
        evidence,
        links,
    )
    return pages.page(
        "index.html",
        inputs,
        lambda path, key: write_comparison(
            returns, summary=summary, path=path, weights=weights, signals=signals,
            evidence=evidence, key=key, **links,  # type: ignore[arg-type]
        ),
    )  # fmt: skip


def _shown_signal(result: SignalResult, end: pd.Timestamp) -> tuple[object, ...]:
    """What signals.html shows of a signal: the same whether the result was just computed
    or read back from the run's ``signals/`` files (so the page's key is too).
    """
    signal = result.signal
    return (
        result.name, signal.name, signal.summary, signal.family, result.threshold,
        result.missing, _as_drawn(result.value), _as_drawn(result.fired), result.state_on(end),
        result.coverage_on(end),
    )  # fmt: skip


def _as_drawn(numbers: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Numbers as the charts draw them (single precision; a flag as 1, 0 or NaN): the run's
    files keep 12 significant digits, so a page drawn again from them has the same key.
    """
    drawn = numbers.astype("Float64").astype("float32")
    return drawn.rename(None) if isinstance(drawn, pd.Series) else drawn


class _Pages:
    """Pages of a run folder, each copied from the run it replaces when its key matches."""

    def __init__(self, folder: Path, previous: Path | None) -> None:
        self.folder, self.previous = folder, previous

    def page(
        self, name: str, inputs: tuple[object, ...], draw: Callable[[Path, str], Path]
    ) -> Path:
        """``folder/name``: copied from ``previous/name`` if drawn from the same ``inputs``
        and code, else drawn by ``draw(path, key)``.
        """
        key = content_key(name, *inputs)
        target = self.folder / name
        earlier = self.previous / name if self.previous is not None else None
        if copy_if_unchanged(earlier, target, key):
            return target
        return draw(target, key)


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
    with progress.task("Rendering tearsheets", total=len(jobs)) as task:
        return render_tearsheets(jobs, on_done=lambda _path: task.advance()).paths

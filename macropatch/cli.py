"""The ``macropatch`` command line. Each command parses, calls one library function, prints where the output went.

Exit codes: 0 success; 2 a user error (one line on stderr naming the
culprit, no traceback); 1 an internal error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import os
import re
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from macropatch.backtests.sweep.executors import ExecutorKind
from macropatch.backtests.sweep.objective import Objective
from macropatch.console import RichProgress, error_console, output_console
from macropatch.experiment_limits import MAXIMUM_PATHS, MINIMUM_PATHS, SEED_LIMIT
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.interrupts import Interrupted, interrupt_received, interruption

if TYPE_CHECKING:
    from macropatch import api
    from macropatch.backtests.stress.document import StressReport
    from macropatch.marketdata.catalog import Catalog
    from macropatch.marketdata.ingest import IngestReport
    from macropatch.marketdata.quality import Finding
    from macropatch.marketdata.store import Store

app = typer.Typer(
    name="macropatch",
    help="Backtest the patch strategies of the 2026 US bull-market stress test on point-in-time macro signals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are plain text: "[stress] paths" must not be read as Rich markup.
    rich_markup_mode=None,
)
data_app = typer.Typer(
    help="The local store: import the offline pack, pull live data, show status, check, rebuild.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(data_app, name="data")

DEFAULT_EXPERIMENT = Path("experiments/default.toml")
DateOption = Annotated[str | None, typer.Option(help="YYYY-MM-DD", show_default=False)]
OfflineOption = Annotated[bool, typer.Option("--offline", help="Never try live providers.")]
ExperimentOption = Annotated[Path, typer.Option(help="Experiment TOML file.")]
RunOutOption = Annotated[
    Path, typer.Option(help="Output folder (replaced only if it holds an earlier run).")
]
PackOption = Annotated[
    Path | None,
    typer.Option(
        "--pack", help="Offline pack folder (default: $MACROPATCH_PACK).", show_default=False
    ),
]


AllowDirtyOption = Annotated[
    bool,
    typer.Option(
        "--allow-dirty",
        help="Use series that fail a hard data-quality check (`macropatch data check`); "
        "summary.json's run notes name them.",
    ),
]


def _announce_wait(message: str) -> None:
    error_console.print(message, markup=False)


def _places(pack: Path | None, offline: bool) -> dict[str, Any]:
    """Where a command's data come from: the pack (``--pack``, else ``$MACROPATCH_PACK``),
    the local store, and live providers unless ``--offline`` (or ``$MACROPATCH_OFFLINE``).
    """
    from macropatch.marketdata.pack import pack_from_environment
    from macropatch.marketdata.sources import offline_from_environment

    return {
        "pack": pack_from_environment(pack),
        "store": _store(),
        "live": not (offline or offline_from_environment()),
    }


def _store() -> Store:
    """The store, telling stderr once when it has to wait for another process."""
    from macropatch.marketdata.store import Store

    return Store(on_wait=_announce_wait)


def _kept_folder(folder: Path) -> str:
    """What a Ctrl-C before a folder's swap leaves: the folder as it was."""
    from macropatch.reports.output import resolve_folder

    return f"{resolve_folder(folder)} is as it was"


def _kept_sweep(folder: Path) -> str:
    """What a Ctrl-C before a sweep's swap leaves: its results as they were, and the batches
    it finished, kept for ``--resume``.
    """
    from macropatch.reports.output import resolve_folder

    out = resolve_folder(folder)
    return (
        f"the results in {out} are as they were; the batches finished so far are kept in "
        f"{out / 'batches'}: run again with --resume to continue"
    )


def _kept_store() -> str:
    """What a Ctrl-C before a store's commit leaves: the store as it was."""
    from macropatch.marketdata.store import Store

    return f"the store {Store().path} is as it was"


def _committed(store: Path) -> str:
    """What a Ctrl-C after a store's commit leaves: the new data."""
    return f"the write to the store {store} had been committed"


def _date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


@app.command()
def run(
    experiment: ExperimentOption = DEFAULT_EXPERIMENT,
    out: RunOutOption = Path("runs/latest"),
    pack: PackOption = None,
    start: DateOption = None,
    end: DateOption = None,
    offline: OfflineOption = False,
    allow_dirty: AllowDirtyOption = False,
) -> None:
    """Backtest an experiment's strategies and write reports."""
    from macropatch import api
    from macropatch.reports import TableMetric, format_metric

    with interruption(_kept_folder(out)):
        outcome = api.run(
            experiment_path=experiment,
            out=out,
            **_places(pack, offline),
            start=_date("--start", start),
            end=_date("--end", end),
            progress=RichProgress(),
            allow_dirty=allow_dirty,
        )
    with interruption(f"{outcome.out} was written in full"):
        run = outcome.summary.run
        table = Table(title=escape(f"{run.experiment}: {run.period.start} to {run.period.end}"))
        table.add_column("strategy", no_wrap=True)
        for metric in TableMetric:
            table.add_column(metric.label.replace("\u00a0", " "), justify="right")
        for name, metrics in outcome.summary.strategies.items():
            table.add_row(
                escape(name),
                *(format_metric(metric, metrics.metric(metric.key)) for metric in TableMetric),
            )
        output_console.print(table)
        output_console.print(
            "252 trading days a year; Sharpe and Sortino with rf = 0; turnover = value traded per year over NAV."
        )
        for note in outcome.notes:
            output_console.print(f"note: {note}", markup=False, soft_wrap=True)
        output_console.print(f"Reports: {outcome.out / 'index.html'}", markup=False)


@app.command()
def report(
    run_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder of a finished run (it holds summary.json).", show_default=False
        ),
    ],
) -> None:
    """Draw a finished run's HTML pages again from its files, without backtesting."""
    from macropatch import api

    with interruption(_kept_folder(run_dir)):
        index = api.report(run_dir=run_dir, progress=RichProgress())
        output_console.print(f"Reports: {index}", markup=False)


SIGNAL_TABLE_WIDTH = 150
"""The signal table needs this many columns to show its numbers whole."""


def _number(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return f"{value:.3g}" if isinstance(value, int | float) else str(value)


_MEMORY_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
}


def _memory(text: str) -> int:
    """``2GB``, ``1.5GiB``, ``800MB`` or a number of bytes."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).upper() if match else ""
    if not match or unit not in _MEMORY_UNITS:
        raise UserError(f"--max-memory: {text!r} is not a size (e.g. 2GB, 1.5GiB, 800MB)")
    size = int(float(match.group(1)) * _MEMORY_UNITS[unit])
    if size <= 0:
        raise UserError(f"--max-memory: {text!r} must be above zero")
    return size


ExperimentUnlessRunOption = Annotated[
    Path | None,
    typer.Option(
        help=f"Experiment TOML file, when no RUN_DIR is given [default: {DEFAULT_EXPERIMENT}].",
        show_default=False,
    ),
]

RunDirArgument = Annotated[
    Path | None,
    typer.Argument(
        metavar="RUN_DIR",
        help="Folder of a finished run, to work from its files instead of backtesting (its "
        "pages and the documents the command makes are replaced in one step).",
        show_default=False,
    ),
]


def _finished_run(
    run_dir: Path | None, experiment: Path | None, out: Path | None, what: str
) -> Path | None:
    """The finished run the command works on (``run_dir``), or None to run an experiment; a
    run folder given with ``--experiment`` or ``--out`` is a ``UserError``.
    """
    if run_dir is None:
        return None
    if experiment is not None or out is not None:
        raise UserError(
            f"give a run folder ({run_dir}) or --experiment and --out, not both: a finished "
            f"run {what} in its own folder"
        )
    return run_dir


@app.command("stress")
def stress_command(
    run_dir: RunDirArgument = None,
    experiment: ExperimentUnlessRunOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output folder (replaced only if it holds an earlier run) [default: runs/latest].",
            show_default=False,
        ),
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            help="Folder of scenario TOML files (default: [stress] scenarios).", show_default=False
        ),
    ] = None,
    paths: Annotated[
        int | None,
        typer.Option(
            min=MINIMUM_PATHS,
            max=MAXIMUM_PATHS,
            help="Bootstrap paths (default: [stress] paths).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=SEED_LIMIT - 1,
            help="Bootstrap seed (default: [stress] seed).",
            show_default=False,
        ),
    ] = None,
    pack: PackOption = None,
    offline: OfflineOption = False,
    allow_dirty: AllowDirtyOption = False,
) -> None:
    """Run an experiment and its stress tests (crises replayed, the report's scenarios, a
    bootstrap), or stress-test a finished run again (macropatch stress runs/latest --seed 7).
    """
    from macropatch import api
    from macropatch.experiment import load_experiment

    overrides = {"scenarios": scenarios, "paths": paths, "seed": seed}
    finished = _finished_run(run_dir, experiment, out, "is stress-tested again")
    if finished is not None:
        with interruption(_kept_folder(finished)):
            again = api.stress_finished_run(
                run_dir=finished,
                **overrides,  # type: ignore[arg-type]
                **_places(pack, offline),
                progress=RichProgress(),
                allow_dirty=allow_dirty,
            )
        _print_stress(again.stress, again.out)
        return
    experiment = experiment if experiment is not None else DEFAULT_EXPERIMENT
    out = out if out is not None else Path("runs/latest")
    with interruption(_kept_folder(out)):
        settings = load_experiment(experiment).stress
        settings = dataclasses.replace(
            settings,
            **{name: value for name, value in overrides.items() if value is not None},  # type: ignore[arg-type]
        )
        outcome = api.run(
            experiment_path=experiment,
            out=out,
            **_places(pack, offline),
            progress=RichProgress(),
            stress=settings,
            allow_dirty=allow_dirty,
        )
    _print_stress(outcome.stress, outcome.out)


def _print_stress(stress: StressReport, out: Path) -> None:
    """The stress table: each strategy's scenario P&L and one-year bootstrap outcomes."""
    from macropatch.reports import ValueKind, format_value

    with interruption(f"{out} was written in full"):
        table = Table(title=f"Stress tests, holdings as of {stress.as_of}")
        table.add_column("strategy", no_wrap=True)
        for scenario in stress.scenarios:
            table.add_column(escape(scenario.name), justify="right")
        table.add_column("1-year median", justify="right")
        table.add_column("P(loss > 20%)", justify="right")
        bootstrap = stress.bootstrap.strategies
        for name in stress.strategies:
            drawn = bootstrap.get(name, {})
            table.add_row(
                escape(name),
                *(
                    format_value(scenario.strategies[name].expected, ValueKind.PERCENT)
                    for scenario in stress.scenarios
                ),
                format_value(drawn.get("median"), ValueKind.PERCENT),
                format_value(drawn.get("probability_loss_20"), ValueKind.PERCENT),
            )
        output_console.print(table)
        output_console.print(
            f"Scenarios: expected P&L from the regression; bootstrap: {stress.bootstrap.paths:,} "
            f"one-year paths (seed {stress.bootstrap.seed}) from days "
            f"{' or '.join(stress.bootstrap.signals)} fired.",
            markup=False,
        )
        output_console.print(f"Reports: {out / 'stress.html'}", markup=False)


@app.command("evidence")
def evidence_command(
    run_dir: RunDirArgument = None,
    experiment: ExperimentUnlessRunOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder of its own for evidence.json and evidence.html [default: runs/evidence].",
            show_default=False,
        ),
    ] = None,
    pack: PackOption = None,
    offline: OfflineOption = False,
    allow_dirty: AllowDirtyOption = False,
) -> None:
    """What each signal adds over its strategy's neutral twin, and what followed each trigger
    (macropatch evidence runs/latest measures a finished run again from its files).
    """
    from macropatch import api
    from macropatch.backtests.evidence.document import AS_CONFIGURED
    from macropatch.reports import ValueKind, format_value

    finished = _finished_run(run_dir, experiment, out, "has its evidence measured again")
    if finished is not None:
        with interruption(_kept_folder(finished)):
            outcome = api.evidence_finished_run(
                run_dir=finished,
                **_places(pack, offline),
                progress=RichProgress(),
                allow_dirty=allow_dirty,
            )
    else:
        out = out if out is not None else Path("runs/evidence")
        with interruption(_kept_folder(out)):
            outcome = api.evidence(
                experiment_path=experiment if experiment is not None else DEFAULT_EXPERIMENT,
                out=out,
                **_places(pack, offline),
                progress=RichProgress(),
                allow_dirty=allow_dirty,
            )
    with interruption(f"{outcome.out} was written in full"):
        found = outcome.evidence
        twins = Table(title=f"What the signals add over the neutral twin, to {found.as_of}")
        for column in ("strategy", "active/yr", "t (NW)", "verdict"):
            twins.add_column(
                column, justify="right" if column in {"active/yr", "t (NW)"} else "left"
            )
        for name, item in found.strategies.items():
            twins.add_row(
                escape(name),
                format_value(item.twin.annual_return, ValueKind.PERCENT),
                "n/a" if item.twin.t_statistic is None else f"{item.twin.t_statistic:.2f}",
                escape(item.verdict),
            )
        output_console.print(twins)
        triggers = Table(title="The triggers as predictors (S&P 500, next 252 trading days)")
        for column in ("signal", "known from", "episodes", "finding"):
            triggers.add_column(column)
        for name, trigger in found.triggers.items():
            triggers.add_row(
                ("" if trigger.reading == AS_CONFIGURED else "  ")
                + escape(name)
                + ("" if trigger.point_in_time else " (not point-in-time)"),
                str(trigger.first_known),
                f"{len(trigger.episodes)} ({trigger.independent} independent)",
                escape(trigger.finding),
            )
        output_console.print(triggers)
        for note in outcome.notes:
            output_console.print(f"note: {note}", markup=False, soft_wrap=True)
        output_console.print(f"Reports: {outcome.out / 'evidence.html'}", markup=False)


ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        help="PATH=START:STOP:STEP or PATH=a,b,c (e.g. signals.ten_year_above.threshold="
        "0.04:0.06:0.005); adds to or replaces [sweep.parameters]. Repeatable.",
        show_default=False,
    ),
]
SweptOption = Annotated[
    str | None,
    typer.Option(
        "--strategy",
        help="Label of the strategy to sweep (default: [sweep] strategy).",
        show_default=False,
    ),
]
ObjectiveOption = Annotated[
    Objective | None,
    typer.Option(
        help="Metric that ranks the variants (default: [sweep] objective).", show_default=False
    ),
]
ExecutorOption = Annotated[
    ExecutorKind,
    typer.Option(
        help="Where batches run: auto (dask with --scheduler, inline for a few hundred "
        "variants, local processes for more), local, dask or inline."
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="Dask scheduler address tcp://HOST:PORT (default: a LocalCluster).",
        show_default=False,
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(min=1, help="Worker processes (default: one per core).", show_default=False),
]
MaxMemoryOption = Annotated[
    str, typer.Option("--max-memory", help="Memory budget of all workers together.")
]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Keep the batches an interrupted run finished.")
]


@app.command("sweep")
def sweep_command(
    experiment: Annotated[
        Path, typer.Option(help="Experiment TOML file (its [sweep] table).")
    ] = DEFAULT_EXPERIMENT,
    param: ParamOption = None,
    strategy: SweptOption = None,
    objective: ObjectiveOption = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("runs/sweep"),
    executor: ExecutorOption = ExecutorKind.AUTO,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    max_memory: MaxMemoryOption = "2GB",
    resume: ResumeOption = False,
    pack: PackOption = None,
    offline: OfflineOption = False,
    allow_dirty: AllowDirtyOption = False,
) -> None:
    """Tune a strategy's parameters: every variant, walk-forward, deflated Sharpe, PBO."""
    from macropatch import api

    with interruption(_kept_sweep(out)):
        outcome = api.sweep(
            experiment_path=experiment,
            out=out,
            assignments=param or (),
            strategy_label=strategy,
            objective=objective,
            executor=executor,
            scheduler=scheduler,
            workers=workers,
            max_memory=_memory(max_memory),
            resume=resume,
            **_places(pack, offline),
            progress=RichProgress(),
            allow_dirty=allow_dirty,
        )
    with interruption(f"{outcome.out} was written in full"):
        _print_sweep(outcome)


def _print_sweep(outcome: api.SweepOutcome) -> None:
    """What a finished sweep found, in four lines."""
    summary = outcome.summary
    spec, best = summary.sweep, summary.best_in_sample
    rate = f"{spec.variants_per_second:.0f}" if spec.variants_per_second is not None else "n/a"
    output_console.print(
        f"{spec.variants} variants of {spec.strategy} "
        f"({summary.overfitting.trials} distinct) in {spec.sweep_seconds:.1f} s "
        f"({rate} a second, {spec.executor})",
        markup=False,
    )
    parameters = ", ".join(f"{key}={value}" for key, value in best.parameters.items())
    output_console.print(f"best in sample: {parameters}", markup=False)
    output_console.print(summary.verdict.text, markup=False)
    output_console.print(f"Report: {outcome.out / 'sweep.html'}", markup=False)


@app.command("signals")
def signals(
    asof: DateOption = None,
    experiment: Annotated[
        Path, typer.Option(help="Experiment TOML file (signal parameters).")
    ] = DEFAULT_EXPERIMENT,
    pack: PackOption = None,
    offline: OfflineOption = False,
    list_parameters: Annotated[
        bool,
        typer.Option(
            "--list", help="List every signal's parameters (default, allowed values); no data."
        ),
    ] = False,
) -> None:
    """Each signal's state on a date: value, threshold, last data date, fired or not."""
    from macropatch.signals.registry import SIGNALS

    if list_parameters:
        output_console.print(
            _parameter_table(
                "Signal parameters (set them in an experiment: [signals.<name>])",
                dict(SIGNALS),
            )
        )
        return
    from macropatch import api
    from macropatch.signals.readings import read_on, why_not_known

    states = api.signal_states(
        experiment_path=experiment,
        asof=_date("--asof", asof),
        **_places(pack, offline),
    )
    day = states.asof
    table = Table(
        title=f"Signals as knowable on {day.date()} (rates and spreads as fractions: 0.05 = 5%)",
    )
    for header in (
        "signal", "state", "value", "threshold", "distance", "pctile", "3-month change",
        "stalest input", "its last data",
    ):  # fmt: skip
        table.add_column(
            header,
            justify="left" if header in {"signal", "state", "stalest input"} else "right",
            no_wrap=header in {"signal", "state", "its last data", "stalest input"},
        )
    colours = {"fired": "bold red", "quiet": "green", "unknown": "yellow", "no data": "dim"}
    for result in states.results:
        state = result.state_on(day).value
        reading = read_on(result, day)
        table.add_row(
            result.signal.name + ("" if states.point_in_time[result.signal.name] else " *"),
            f"[{colours[state]}]{escape(result.describe_on(day))}[/]",
            _number(reading.value),
            _number(reading.threshold),
            _number(reading.distance),
            "" if math.isnan(reading.percentile) else f"{reading.percentile:.0%}",
            _number(reading.trend),
            escape(reading.binding_series or ""),
            "" if reading.binding_date is None else str(reading.binding_date.date()),
        )
    wide = Console(
        file=output_console.file,
        width=max(output_console.width, SIGNAL_TABLE_WIDTH),
        emoji=False,
        force_terminal=output_console.is_terminal,
    )
    wide.print(table)
    output_console.print(
        "distance = value - threshold; pctile = percentile among the signal's own known history; "
        "stalest input = the input whose latest observation is oldest, and its date; "
        "* = reads a series its publisher re-estimates (not point-in-time).",
        markup=False,
    )
    for result in states.results:
        reason = why_not_known(result, day, states.catalog)
        if reason is not None:
            output_console.print(f"not known: {reason}", markup=False, soft_wrap=True)
    for note in states.notes:
        output_console.print(f"note: {note}", markup=False)


def _parameter_table(title: str, owners: dict[str, type]) -> Table:
    """One row per parameter: its owner, name, kind, default and allowed values."""
    from macropatch.marketdata.parameters import describe_parameters

    table = Table(title=escape(title))
    for header in ("name", "parameter", "kind", "default", "allowed"):
        table.add_column(header, no_wrap=header in {"name", "parameter"}, overflow="fold")
    for name, cls in owners.items():
        for position, parameter in enumerate(describe_parameters(cls)):
            table.add_row(
                name if position == 0 else "",
                parameter.name,
                parameter.kind,
                escape(parameter.default),
                escape(parameter.allowed),
            )
        table.add_section()
    return table


@app.command("strategies")
def list_strategies(
    name: Annotated[
        str | None,
        typer.Argument(help="A strategy's name: show only its parameters.", show_default=False),
    ] = None,
) -> None:
    """List the registered strategies and their parameters (default, allowed values)."""
    from macropatch.strategies.registry import STRATEGIES

    if name is not None and name not in STRATEGIES:
        raise UserError(f"unknown strategy {name!r} (known: {', '.join(sorted(STRATEGIES))})")
    if name is None:
        table = Table(title="Registered strategies")
        table.add_column("name")
        table.add_column("what it does")
        for strategy, cls in sorted(STRATEGIES.items()):
            table.add_row(strategy, cls.summary)
        output_console.print(table)
    chosen = {name: STRATEGIES[name]} if name else dict(sorted(STRATEGIES.items()))
    output_console.print(
        _parameter_table(
            "Parameters (set them in an experiment: parameters = { name = value })", chosen
        )
    )


def _say(text: str) -> None:
    """One line of a data command's report, never wrapped."""
    output_console.print(text, markup=False, soft_wrap=True)


def _print_quality(findings: tuple[Finding, ...]) -> None:
    """After an import: each hard finding, then the counts."""
    from macropatch.marketdata.quality import hard_findings, summarise

    for finding in hard_findings(findings):
        _say(f"hard: {finding.series_id}: {finding.describe()}")
    refused = "; runs refuse the hard ones without --allow-dirty" if hard_findings(findings) else ""
    _say(f"Data quality: {summarise(findings)}{refused} (details: macropatch data check)")


def _print_import(report: IngestReport, what: str) -> None:
    _say(what)
    _print_quality(report.findings)


@data_app.command("import")
def data_import(
    folder: Annotated[
        Path | None,
        typer.Argument(help="Pack folder (default: $MACROPATCH_PACK).", show_default=False),
    ] = None,
) -> None:
    """Import every catalog series found in a pack folder, in one transaction."""
    from macropatch.marketdata.ingest import import_pack
    from macropatch.marketdata.pack import pack_from_environment

    pack = pack_from_environment(folder)
    if pack is None:
        raise UserError(
            "no pack folder: pass one (`macropatch data import DIR`) or set MACROPATCH_PACK"
        )
    with interruption(_kept_store()):
        report = import_pack(pack, _store(), progress=RichProgress())
    with interruption(_committed(report.store)):
        _say(f"Imported {len(report.imported)} series from {pack.root} into {report.store}")
        if report.absent:
            _say(f"Not in this pack: {', '.join(report.absent)}")
        _print_quality(report.findings)


@data_app.command("import-series")
def data_import_series(
    series: Annotated[
        str,
        typer.Argument(
            help="Id of an optional series (see `macropatch data status`), or of an asset "
            "the --experiment declares."
        ),
    ],
    file: Annotated[
        Path, typer.Argument(help="CSV with columns date,value and optionally release_date.")
    ],
    experiment: Annotated[
        Path | None,
        typer.Option(help="An experiment whose [assets] declare the series.", show_default=False),
    ] = None,
) -> None:
    """Store an optional user-supplied series (e.g. unprofitable_small_caps), or an asset an
    experiment declares.
    """
    from macropatch.marketdata.ingest import import_user_series

    catalog, declared = _declared(experiment)
    with interruption(_kept_store()):
        report = import_user_series(series, file, _store(), catalog=catalog, declared=declared)
    with interruption(_committed(report.store)):
        _print_import(report, f"Imported {series} from {file} into {report.store}")


def _declared(experiment: Path | None) -> tuple[Catalog | None, tuple[str, ...]]:
    """The catalog with ``experiment``'s declared assets, and their ids (none without one)."""
    if experiment is None:
        return None, ()
    from macropatch.experiment import load_experiment
    from macropatch.marketdata.catalog import load_catalog

    chosen = load_experiment(experiment)
    builtin = load_catalog()
    return chosen.catalog, tuple(key for key in chosen.catalog if key not in builtin)


@data_app.command("pull")
def data_pull(
    series: Annotated[
        list[str] | None,
        typer.Argument(help="Series ids (default: every series with a live source)."),
    ] = None,
    experiment: Annotated[
        Path | None,
        typer.Option(
            help="An experiment whose [assets] declare series to pull too.", show_default=False
        ),
    ] = None,
) -> None:
    """Download series from their live providers (yfinance, FRED), in one transaction."""
    from macropatch.marketdata.ingest import pull_live

    catalog, _ = _declared(experiment)
    with interruption(_kept_store()):
        report = pull_live(series or [], _store(), catalog=catalog, progress=RichProgress())
    with interruption(_committed(report.store)):
        _print_import(report, f"Pulled {len(report.imported)} series into {report.store}")


@data_app.command("status")
def data_status(pack: PackOption = None) -> None:
    """One row per catalog series: where a run takes it from (the store, else the pack),
    first and last date, rows, stale or not.
    """
    from macropatch.marketdata.ingest import catalog_status
    from macropatch.marketdata.pack import pack_from_environment
    from macropatch.marketdata.pack_summaries import SummaryCache

    store = _store()
    folder = pack_from_environment(pack)
    summaries = SummaryCache(store.path.parent / "pack-summaries.json")
    rows = catalog_status(store, today=dt.date.today(), pack=folder, summaries=summaries)
    where = f"Store {store.path}" + (f", then pack {folder.root}" if folder is not None else "")
    table = Table(title=escape(where))
    for header in ("series", "source", "first date", "last date", "rows", "stale"):
        table.add_column(header, justify="right" if header == "rows" else "left")
    for row in rows:
        table.add_row(
            row.series_id, escape(row.source), row.first_date, row.last_date, row.rows, row.stale
        )
    output_console.print(table)


@data_app.command("check")
def data_check(
    series: Annotated[
        list[str] | None,
        typer.Argument(help="Series ids (default: every series in the store and the pack)."),
    ] = None,
    pack: PackOption = None,
    asof: Annotated[
        str | None,
        typer.Option(
            help="Day against which staleness is judged, YYYY-MM-DD (default: today).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check the store's series (and the pack's): gaps, spikes, prices <= 0, staleness.

    Prints every finding; exits with code 2 when a check fails hard.
    """
    from macropatch.marketdata.catalog import load_catalog
    from macropatch.marketdata.checkup import check_data
    from macropatch.marketdata.pack import pack_from_environment
    from macropatch.marketdata.quality import Severity, summarise

    day = _date("--asof", asof) or dt.date.today()
    checkup = check_data(
        load_catalog(),
        store=_store(),
        pack=pack_from_environment(pack),
        series=series or [],
        as_of=day,
    )
    rows = checkup.findings
    table = Table(title=f"Data quality, staleness as of {day}")
    for header in ("series", "in", "check", "severity", "first date", "detail"):
        table.add_column(header, overflow="fold")
    colours = {Severity.HARD: "bold red", Severity.WARNING: "yellow"}
    for where, finding in rows:
        table.add_row(
            finding.series_id,
            where,
            finding.check.value,
            f"[{colours[finding.severity]}]{finding.severity.value}[/]",
            str(finding.date.date()),
            escape(finding.detail),
        )
    if rows:
        output_console.print(table)
    findings = [finding for _, finding in rows]
    _say(f"{checkup.checked} series checked: {summarise(findings)}")
    hard = checkup.hard
    if hard:
        where, first = hard[0]
        names = sorted({finding.series_id for _, finding in hard})
        raise UserError(
            f"{len(hard)} hard finding{'s' if len(hard) > 1 else ''} in {len(names)} series "
            f"({', '.join(names)}); the first: {first.series_id} ({where}) {first.describe()}; "
            "runs refuse these series without --allow-dirty"
        )


@data_app.command("rebuild")
def data_rebuild(
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="Pack folder to import (default: $MACROPATCH_PACK).", show_default=False
        ),
    ] = None,
) -> None:
    """Replace a damaged store with a fresh one: the pack and the user series imported again.

    The old file is moved aside (store.duckdb.damaged-<timestamp>), never deleted.
    """
    from macropatch.marketdata.ingest import rebuild_store
    from macropatch.marketdata.pack import pack_from_environment

    pack = pack_from_environment(folder)
    with interruption(_kept_store()):
        report = rebuild_store(_store(), pack, progress=RichProgress())
    with interruption(f"the store {report.store} had been rebuilt"):
        if report.moved_aside is not None:
            state = f"damaged ({report.damage})" if report.damage else "not damaged"
            _say(f"The old store was {state}: kept as {report.moved_aside}")
        if report.pack is not None:
            _say(f"Imported {len(report.imported)} series from {report.pack}")
        else:
            _say("No pack given (pass DIR or set MACROPATCH_PACK): no pack series imported")
        if report.user_series:
            _say(f"User-supplied series imported again: {', '.join(report.user_series)}")
        if report.not_reimported:
            _say(f"Not imported again: {'; '.join(report.not_reimported)}")
        _say(f"Rebuilt {report.store}")
        if report.findings:
            _print_quality(report.findings)


def _one_line(message: str) -> str:
    r"""A message on one line: line breaks (in a file name, say) shown as ``\n``."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


NOTHING_WRITTEN = "nothing was written"


def _interrupted(kept: str) -> None:
    """Ctrl-C: one line saying what was kept, exit code 130."""
    with contextlib.suppress(Exception):
        error_console.print(f"interrupted: {_one_line(kept)}", markup=False)
    sys.exit(130)


def main() -> None:
    """Entry point: run the app, turning errors into exit codes."""
    swallowed: list[object] = []

    def unraisable(report: sys.UnraisableHookArgs) -> None:
        """A Ctrl-C that Python could only report (in a fork handler, a finaliser): keep it
        quiet and remember it, so that the command still ends as interrupted.
        """
        if isinstance(report.exc_value, KeyboardInterrupt):
            swallowed.append(report.exc_value)
            return
        sys.__unraisablehook__(report)

    sys.unraisablehook = unraisable
    try:
        result = app(standalone_mode=False)
        # The command is over: a Ctrl-C from here on (printing, shutting down) changes nothing.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _after_command(result, interrupted=bool(swallowed) or interrupt_received())
    except UserError as error:
        error_console.print(f"error: {_one_line(str(error))}", markup=False)
        sys.exit(2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        error_console.print("aborted", markup=False)
        sys.exit(130)
    except Interrupted as stopped:
        _interrupted(str(stopped))
    except KeyboardInterrupt:
        _interrupted(NOTHING_WRITTEN)
    except Exception as error:
        _unexpected(error)
    sys.exit(0)


def _after_command(result: object, *, interrupted: bool) -> None:
    """Exit as the finished command asks: 130 after a Ctrl-C, its own code, or go on."""
    if result == 130:  # Typer's answer to a Ctrl-C no command accounted for
        _interrupted(NOTHING_WRITTEN)
    if interrupted:  # a Ctrl-C some library caught and dropped
        _interrupted("as the command finished: what it writes was written in full")
    if isinstance(result, int) and not isinstance(result, bool) and result != 0:
        sys.exit(result)


def _unexpected(error: Exception) -> None:
    """A usage error of the parser (exit 2, with its message), or an internal error (exit 1)."""
    # Usage errors of the command-line parser (Typer vendors click) carry
    # their own exit code (2) and know how to show themselves.
    exit_code = getattr(error, "exit_code", None)
    format_message = getattr(error, "format_message", None)
    if isinstance(exit_code, int) and callable(format_message):
        context = getattr(error, "ctx", None)
        command = getattr(context, "command_path", None) or "macropatch"
        error_console.print(
            f"error: {_one_line(str(format_message()))} (see `{command} --help`)",
            markup=False,
        )
        sys.exit(exit_code)
    if os.environ.get("MACROPATCH_DEBUG"):
        raise error
    error_console.print(
        f"internal error: {type(error).__name__}: {error} (set MACROPATCH_DEBUG=1 for a traceback)",
        markup=False,
    )
    sys.exit(1)

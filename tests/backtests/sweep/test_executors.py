"""Batch executors: same results everywhere, shared shipped once, failures and interrupts."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from macropatch.backtests.sweep.executors import (
    AUTO_INLINE_BELOW,
    Executor,
    ExecutorKind,
    choose_executor,
    make_executor,
)
from macropatch.marketdata.errors import UserError

ITEMS = [3, 1, 4, 1, 5, 9, 2]

_deserialisations = 0
"""How many times this process unpickled a :class:`CountedPanel`."""


class CountedPanel:
    """A stand-in for the shared price panel that counts its unpicklings per process."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __getstate__(self) -> dict[str, Any]:
        return {"values": self.values}

    def __setstate__(self, state: dict[str, Any]) -> None:
        global _deserialisations
        _deserialisations += 1
        self.values = state["values"]


def weighted_value(shared: np.ndarray, item: int) -> float:
    return float(shared[item] * item + shared.sum())


def value_with_evidence(shared: CountedPanel, item: int) -> tuple[float, int, int]:
    """The value, and which process computed it after unpickling the panel how many times."""
    return weighted_value(shared.values, item), os.getpid(), _deserialisations


def fail_on_four(shared: np.ndarray, item: int) -> float:
    if item == 4:
        raise ArithmeticError(f"item {item} cannot be priced")
    return weighted_value(shared, item)


def fail_first_sleep_others(shared: object, item: int) -> int:
    if item == 0:
        raise ArithmeticError("the first item cannot be priced")
    time.sleep(60)
    return item


def quick_first_sleep_others(shared: object, item: int) -> int:
    if item != 0:
        time.sleep(60)
    return item


@pytest.fixture
def values() -> np.ndarray:
    return np.linspace(0.5, 5.0, 10)


@pytest.fixture(scope="module")
def scheduler_address() -> Iterator[str]:
    """An explicit Dask scheduler on loopback, as a user would start one."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster.scheduler_address


def run_with_evidence(executor: Executor, values: np.ndarray) -> list[tuple[int, float]]:
    """Run :func:`value_with_evidence` on ITEMS; check the panel was unpickled once per worker.

    Returns the ``(position, value)`` pairs sorted by position.
    """
    outcomes = sorted(
        executor.map_unordered(value_with_evidence, ITEMS, shared=CountedPanel(values))
    )
    counts_by_process: dict[int, set[int]] = {}
    for _, (_, process, count) in outcomes:
        counts_by_process.setdefault(process, set()).add(count)
    # 7 items ran on at most `workers` processes, each of which unpickled the panel exactly once.
    assert os.getpid() not in counts_by_process
    assert 1 <= len(counts_by_process) <= executor.workers < len(ITEMS)
    assert all(counts == {1} for counts in counts_by_process.values())
    return [(index, value) for index, (value, _, _) in outcomes]


def test_inline_runs_in_order_on_shared_itself(values: np.ndarray) -> None:
    panel = CountedPanel(values)
    with make_executor(ExecutorKind.INLINE) as executor:
        assert executor.workers == 1
        outcomes = list(executor.map_unordered(value_with_evidence, ITEMS, shared=panel))
    expected = [(index, weighted_value(values, item)) for index, item in enumerate(ITEMS)]
    assert [(index, value) for index, (value, _, _) in outcomes] == expected
    assert {(process, count) for _, (_, process, count) in outcomes} == {
        (os.getpid(), _deserialisations)
    }


def test_local_processes_match_inline_and_unpickle_shared_once(values: np.ndarray) -> None:
    with make_executor(ExecutorKind.INLINE) as executor:
        expected = sorted(executor.map_unordered(weighted_value, ITEMS, shared=values))
    with make_executor(ExecutorKind.LOCAL, workers=2) as executor:
        assert (executor.workers, executor.description) == (2, "2 local processes")
        assert run_with_evidence(executor, values) == expected


def test_dask_local_cluster_matches_inline_and_stops_on_interrupt(
    values: np.ndarray,
) -> None:
    with make_executor(ExecutorKind.INLINE) as executor:
        expected = sorted(executor.map_unordered(weighted_value, ITEMS, shared=values))
    with make_executor(ExecutorKind.DASK, workers=2) as executor:
        assert executor.workers == 2
        assert executor.description == "Dask LocalCluster, 2 workers on 127.0.0.1"
        assert run_with_evidence(executor, values) == expected
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            for _index, _result in executor.map_unordered(
                quick_first_sleep_others, range(4), shared=None
            ):
                raise KeyboardInterrupt
    # The cluster stops although its workers are still running cancelled items.
    assert time.monotonic() - started < 30


def test_dask_connects_to_an_explicit_scheduler(scheduler_address: str, values: np.ndarray) -> None:
    with make_executor(ExecutorKind.DASK, scheduler=scheduler_address) as executor:
        assert executor.workers == 2
        assert executor.description == f"Dask scheduler {scheduler_address}, 2 workers"
        results = run_with_evidence(executor, values)
        with pytest.raises(ArithmeticError, match="item 4 cannot be priced"):
            list(executor.map_unordered(fail_on_four, ITEMS, shared=values))
    assert results == [(index, weighted_value(values, item)) for index, item in enumerate(ITEMS)]


def test_an_exception_in_one_item_reaches_the_caller_inline(values: np.ndarray) -> None:
    with (
        pytest.raises(ArithmeticError, match="item 4 cannot be priced"),
        make_executor(ExecutorKind.INLINE) as executor,
    ):
        list(executor.map_unordered(fail_on_four, ITEMS, shared=values))


def test_a_failure_in_local_processes_stops_the_other_items_promptly() -> None:
    started = time.monotonic()
    with (
        pytest.raises(ArithmeticError, match="the first item cannot be priced"),
        make_executor(ExecutorKind.LOCAL, workers=2) as executor,
    ):
        list(executor.map_unordered(fail_first_sleep_others, range(4), shared=None))
    assert time.monotonic() - started < 30


def test_an_interrupt_in_the_caller_stops_the_local_processes_promptly() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), make_executor(ExecutorKind.LOCAL, workers=2) as executor:
        for _index, _result in executor.map_unordered(
            quick_first_sleep_others, range(4), shared=None
        ):
            raise KeyboardInterrupt
    assert time.monotonic() - started < 30


def test_closing_stops_the_processes_of_an_abandoned_loop() -> None:
    executor = make_executor(ExecutorKind.LOCAL, workers=2)
    results = executor.map_unordered(quick_first_sleep_others, range(4), shared=None)
    assert next(results) == (0, 0)
    started = time.monotonic()
    executor.close()
    assert time.monotonic() - started < 10
    del results  # closing the generator now finds its pool already stopped


def test_no_items_start_nothing(values: np.ndarray) -> None:
    with make_executor(ExecutorKind.LOCAL, workers=2) as executor:
        assert list(executor.map_unordered(weighted_value, [], shared=values)) == []


def free_loopback_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("address", [free_loopback_address(), "no-port-here"])
def test_an_unreachable_scheduler_is_a_user_error_naming_it(address: str) -> None:
    started = time.monotonic()
    with pytest.raises(
        UserError, match=f"^cannot reach the Dask scheduler at {re.escape(address)}: "
    ):
        make_executor(ExecutorKind.DASK, scheduler=address, timeout=1.0)
    assert time.monotonic() - started < 10


def test_a_port_that_accepts_and_never_answers_is_a_user_error_after_the_timeout() -> None:
    """It used to hang forever: the client's handshake has no timeout of its own."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(
            UserError,
            match=f"^the Dask scheduler at {re.escape(address)} did not answer within 1 s",
        ):
            make_executor(ExecutorKind.DASK, scheduler=address, timeout=1.0)
        assert time.monotonic() - started < 5


def test_a_scheduler_without_workers_is_a_user_error() -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=0, host="127.0.0.1", scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}
    ) as cluster:
        address = cluster.scheduler_address
        with pytest.raises(
            UserError, match=f"^the Dask scheduler at {re.escape(address)} has no worker"
        ):
            make_executor(ExecutorKind.DASK, scheduler=address, timeout=1.0)


@pytest.mark.parametrize("kind", [ExecutorKind.LOCAL, ExecutorKind.INLINE])
def test_a_scheduler_needs_the_dask_kind(kind: ExecutorKind) -> None:
    with pytest.raises(ValueError, match="scheduler"):
        make_executor(kind, scheduler="tcp://127.0.0.1:8786")


@pytest.mark.parametrize(
    ("kind", "workers"),
    [
        (ExecutorKind.LOCAL, 0),
        (ExecutorKind.LOCAL, True),
        (ExecutorKind.DASK, -1),
        (ExecutorKind.INLINE, 2),
    ],
)
def test_invalid_worker_counts_are_rejected(kind: ExecutorKind, workers: Any) -> None:
    with pytest.raises(ValueError, match="workers"):
        make_executor(kind, workers=workers)


def test_workers_default_to_the_available_cores() -> None:
    with make_executor(ExecutorKind.LOCAL) as executor:
        assert executor.workers == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("items", "scheduler", "workers", "chosen"),
    [
        (10, None, None, ExecutorKind.INLINE),  # start-up would dominate
        (AUTO_INLINE_BELOW - 1, None, None, ExecutorKind.INLINE),
        (AUTO_INLINE_BELOW, None, 2, ExecutorKind.LOCAL),
        (100_000, None, 1, ExecutorKind.INLINE),  # one worker: nothing to share the work with
        (10, "tcp://127.0.0.1:8786", None, ExecutorKind.DASK),  # a cluster was asked for
    ],
)
def test_auto_chooses_by_size_and_scheduler(
    items: int, scheduler: str | None, workers: int | None, chosen: ExecutorKind
) -> None:
    kind = choose_executor(ExecutorKind.AUTO, items=items, scheduler=scheduler, workers=workers)
    assert kind is chosen
    # an explicit kind is kept whatever the size
    for explicit in (ExecutorKind.INLINE, ExecutorKind.LOCAL, ExecutorKind.DASK):
        assert choose_executor(explicit, items=items, scheduler=None) is explicit


def test_auto_runs_variants_from_a_table_of_day_states_inline() -> None:
    """The compiled passes use every core; processes would only copy the returns back."""
    for items in (10, AUTO_INLINE_BELOW, 100_000):
        kind = choose_executor(
            ExecutorKind.AUTO, items=items, scheduler=None, workers=2, by_state=True
        )
        assert kind is ExecutorKind.INLINE
    assert (
        choose_executor(ExecutorKind.AUTO, items=10, scheduler="tcp://127.0.0.1:1", by_state=True)
        is ExecutorKind.DASK
    )


def test_auto_must_be_chosen_before_an_executor_is_made() -> None:
    with pytest.raises(ValueError, match="choose the executor first"):
        make_executor(ExecutorKind.AUTO)

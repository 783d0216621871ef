"""Batch executors: one function over many items, on local processes, Dask or inline.

Requires a picklable module-level ``function(shared, item)``, picklable items
and results, and one read-only ``shared`` object (the price panel and the
signals). Produces ``(position in items, result)`` pairs in the calling
process, in completion order. ``shared`` reaches each worker once, not once
per item. When an item raises, the other items are cancelled and the original
exception (its type kept when it pickles) reaches the caller; Ctrl-C or
leaving the loop early stops the workers at once.

- ``AUTO`` is not an executor of its own: :func:`choose_executor` turns it
  into one of the three below from the number of items and the scheduler.
- ``INLINE`` calls the function in the calling process, item after item, on
  ``shared`` itself: for tests, debugging and a single worker.
- ``LOCAL`` (the default) starts ``workers`` processes at the first map and
  keeps them for later maps with the same ``shared``; they come from a fork
  server that imported the ``preload`` modules once (spawned where there is no
  fork server), so the calling script must guard its code with
  ``if __name__ == "__main__"``. The pool initializer hands
  ``shared`` to each worker; workers ignore SIGINT and the caller, on Ctrl-C
  or a failure, terminates them.
- ``DASK`` needs ``dask[distributed]``. Given a ``scheduler`` address it
  connects to that cluster, whose workers must import the function's module,
  and leaves it running on exit. Without one it starts a ``LocalCluster`` of
  ``workers`` single-threaded processes listening on 127.0.0.1 only, with no
  dashboard, logging warnings only, and closes it on exit. ``shared`` goes to
  every worker by one ``client.scatter(..., broadcast=True)`` per map.
"""

from __future__ import annotations

import abc
import asyncio
import concurrent.futures
import contextlib
import enum
import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from macropatch.marketdata.errors import UserError
from macropatch.marketdata.interrupts import deferred_interrupts
from macropatch.marketdata.processes import become_worker

__all__ = [
    "AUTO_INLINE_BELOW",
    "DEFAULT_TIMEOUT",
    "DaskExecutor",
    "Executor",
    "ExecutorKind",
    "InlineExecutor",
    "ProcessExecutor",
    "available_cores",
    "choose_executor",
    "make_executor",
    "stop_pool",
]

DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler to answer, then for it to have a worker."""

LOOPBACK = "127.0.0.1"
"""The only interface a Dask LocalCluster listens on."""

SharedT = TypeVar("SharedT")
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

_Pairs = Iterator[tuple[int, Any]]

_worker_shared: Any = None
"""In a LOCAL worker process: ``shared``, set once by the pool initializer."""


class ExecutorKind(enum.Enum):
    """Where the items run; the values are the names used on the command line."""

    AUTO = "auto"
    """Chosen by :func:`choose_executor`: Dask with a scheduler, else inline for a few
    items and local processes for many."""
    LOCAL = "local"
    """Processes on this machine."""
    DASK = "dask"
    """A Dask distributed cluster: a running scheduler, or a LocalCluster."""
    INLINE = "inline"
    """The calling process, one item after the other."""


AUTO_INLINE_BELOW = 1500
"""Below this many variants ``AUTO`` runs them inline: starting local worker processes (a
fork server importing numpy, pandas and the kernel, then the panel shipped to each) costs
about 2 s, more than the second core saves. Measured on 2 cores with the default
experiment's quality_over_growth over 2000-2026: 404 variants took 1.1 s inline and 2.4 s
on 2 local processes, 1,616 took 4.4 s and 4.5 s."""


def choose_executor(
    kind: ExecutorKind,
    *,
    items: int,
    scheduler: str | None,
    workers: int | None = None,
    by_state: bool = False,
) -> ExecutorKind:
    """The executor ``kind`` stands for: itself, or for ``AUTO`` Dask when a ``scheduler``
    is given; inline when the variants run from one table of day states (``by_state``: the
    compiled passes already use every core, and processes would only copy their results),
    below :data:`AUTO_INLINE_BELOW` items or with one worker (asked for or available);
    local processes otherwise.
    """
    kind = ExecutorKind(kind)
    if kind is not ExecutorKind.AUTO:
        return kind
    if scheduler is not None:
        return ExecutorKind.DASK
    cores = available_cores() if workers is None else workers
    if by_state or items < AUTO_INLINE_BELOW or cores <= 1:
        return ExecutorKind.INLINE
    return ExecutorKind.LOCAL


def available_cores() -> int:
    """Return the number of CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class Executor(abc.ABC):
    """Runs ``function(shared, item)`` for every item; a context manager.

    Attributes
    ----------
    workers
        How many items run at the same time (to choose a number of batches).
    description
        A short phrase for progress messages, e.g. ``"2 local processes"``.
    """

    workers: int
    description: str

    def map_unordered(
        self,
        function: Callable[[SharedT, ItemT], ResultT],
        items: Sequence[ItemT],
        *,
        shared: SharedT,
    ) -> Iterator[tuple[int, ResultT]]:
        """Yield ``(position in items, function(shared, item))`` as each item finishes.

        Parameters
        ----------
        function
            A picklable module-level function of ``(shared, item)``.
        items
            The items (batches of variants), each picklable.
        shared
            One read-only object, shipped to each worker once.

        Raises
        ------
        Exception
            The first exception raised by ``function``, after the other
            items were cancelled.
        """
        return self._map(function, items, shared) if items else iter(())

    @abc.abstractmethod
    def _map(self, function: Callable[..., Any], items: Sequence[Any], shared: Any) -> _Pairs:
        """Run non-empty ``items`` for :meth:`map_unordered`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the workers; closing twice does nothing."""

    def __enter__(self) -> Self:
        """The executor, open for work."""
        return self

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the executor and its workers."""
        self.close()


class InlineExecutor(Executor):
    """Calls the function in the calling process, in the order of the items."""

    def __init__(self) -> None:
        self.workers = 1
        self.description = "inline, in this process"

    def _map(self, function: Callable[..., Any], items: Sequence[Any], shared: Any) -> _Pairs:
        for index, item in enumerate(items):
            yield index, function(shared, item)

    def close(self) -> None:
        """Nothing to release."""


def _install_shared(shared: object) -> None:
    """Pool initializer: keep ``shared`` for the worker's life; leave Ctrl-C to the caller;
    die with the parent (the fork server, which itself ends when the caller does).
    """
    global _worker_shared
    become_worker()
    _worker_shared = shared


def _call_with_shared(function: Callable[[Any, ItemT], ResultT], item: ItemT) -> ResultT:
    return function(_worker_shared, item)


def stop_pool(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Terminate the worker processes, running items included, and wait for them."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14 and later
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


class ProcessExecutor(Executor):
    """Runs the items on ``workers`` local processes.

    The processes start at the first map, forked from a fork server that has
    imported the ``preload`` modules once, and serve every later map that
    passes the same ``shared`` object (a benchmark's warm-up and its run, or a
    sweep's batches); another ``shared`` starts new processes.
    """

    def __init__(self, workers: int, *, preload: Sequence[str] = ()) -> None:
        self.workers = workers
        self.preload = list(preload)
        self.description = f"{workers} local process{'es' if workers != 1 else ''}"
        method = (
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
        self._context = multiprocessing.get_context(method)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._shared: Any = None

    def _pool_for(
        self, function: Callable[..., Any], shared: Any
    ) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is not None and self._shared is shared:
            return self._pool
        self.close()
        if isinstance(self._context, multiprocessing.context.ForkServerContext):
            # Only heeded before the fork server starts.
            self._context.set_forkserver_preload([__name__, *self.preload])
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context,
            initializer=_install_shared,
            initargs=(shared,),
        )
        self._shared = shared
        return self._pool

    def _map(self, function: Callable[..., Any], items: Sequence[Any], shared: Any) -> _Pairs:
        pool = self._pool_for(function, shared)
        try:
            with deferred_interrupts():  # processes start here: no Ctrl-C mid-fork
                positions = {
                    pool.submit(_call_with_shared, function, item): index
                    for index, item in enumerate(items)
                }
            for future in concurrent.futures.as_completed(positions):
                yield positions[future], future.result()
        except BaseException:  # a failed item, Ctrl-C, or the caller left the loop
            stop_pool(pool)
            self._pool, self._shared = None, None
            raise

    def close(self) -> None:
        """Stop the worker processes, an abandoned map's running items included."""
        if self._pool is not None:
            stop_pool(self._pool)
        self._pool, self._shared = None, None


@contextlib.contextmanager
def _distributed_warnings_only() -> Iterator[None]:
    """Raise the ``distributed`` logger to WARNING for the block, for every handler."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


class _Silent(Exception):
    """The scheduler took the connection but said nothing."""


async def _identity(scheduler: str, timeout: float) -> object:
    """Ask the scheduler who it is, over a fresh connection."""
    from distributed.comm.core import connect

    try:  # connect retries a refused port until its timeout, then raises OSError
        comm = await asyncio.wait_for(connect(scheduler, timeout=timeout), 2 * timeout)
    except TimeoutError:  # connected, but the handshake never came back
        raise _Silent from None
    try:
        await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), timeout)
        return await asyncio.wait_for(comm.read(), timeout)
    except TimeoutError:
        raise _Silent from None
    finally:
        comm.abort()


def _handshake(scheduler: str, timeout: float) -> None:
    """Raise UserError unless ``scheduler`` answers a Dask handshake in time (a port that
    accepts connections and never answers would otherwise hang the client for good).
    """
    try:
        answer = asyncio.run(_identity(scheduler, timeout))
    except _Silent:
        raise UserError(
            f"the Dask scheduler at {scheduler} did not answer within {timeout:g} s "
            "(is it a Dask scheduler?)"
        ) from None
    except (OSError, ValueError, TypeError) as error:
        raise UserError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise UserError(f"{scheduler} answered, but not as a Dask scheduler")


def _connect(scheduler: str, timeout: float) -> Any:
    """Return a client of ``scheduler``, or raise UserError with the reason it failed."""
    from distributed import Client

    _handshake(scheduler, timeout)
    try:
        return Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, ValueError) as error:  # TimeoutError is an OSError
        reason = str(error)
    # The half-made client is a reference cycle that the traceback kept alive: collect it while
    # its event loop runs, or its __del__ waits 2 s at exit and prints a TimeoutError.
    gc.collect()
    raise UserError(f"cannot reach the Dask scheduler at {scheduler}: {reason}")


class DaskExecutor(Executor):
    """Runs the items on a Dask cluster, started or reached by :func:`make_executor`."""

    def __init__(self, scheduler: str | None, workers: int, timeout: float) -> None:
        from distributed import Client, LocalCluster

        with contextlib.ExitStack() as stack:  # closes what was opened if a step fails
            stack.enter_context(_distributed_warnings_only())
            if scheduler is None:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host=LOOPBACK,
                    dashboard_address=None,
                    # Without a dashboard the scheduler still serves HTTP (health, metrics):
                    # on a free loopback port rather than on 8787.
                    scheduler_kwargs={"dashboard_address": f"{LOOPBACK}:0"},
                    silence_logs=logging.WARNING,
                )
                stack.enter_context(cluster)
                client = stack.enter_context(Client(cluster, timeout=timeout, set_as_default=False))
                self.description = f"Dask LocalCluster, {workers} workers on {LOOPBACK}"
            else:
                client = stack.enter_context(_connect(scheduler, timeout))
                try:
                    client.wait_for_workers(1, timeout=timeout)
                except TimeoutError as error:
                    message = f"the Dask scheduler at {scheduler} has no worker after {timeout:g} s"
                    raise UserError(message) from error
            self.workers = sum(client.nthreads().values())
            if scheduler is not None:
                self.description = f"Dask scheduler {scheduler}, {self.workers} workers"
            self._client = client
            self._stack = stack.pop_all()

    def _map(self, function: Callable[..., Any], items: Sequence[Any], shared: Any) -> _Pairs:
        from distributed import as_completed

        client = self._client
        shared_futures: list[Any] = []
        futures: list[Any] = []
        try:
            # In a list: scatter would ship the elements of a list, tuple or dict one by one.
            shared_futures = client.scatter([shared], broadcast=True, hash=False)
            futures = client.map(function, shared_futures * len(items), items, pure=False)
            positions = {future.key: index for index, future in enumerate(futures)}
            for future in as_completed(futures, loop=client.loop):
                yield positions[future.key], future.result()
        except BaseException:  # a failed item, Ctrl-C, or the caller left the loop
            with contextlib.suppress(Exception):
                client.cancel([*futures, *shared_futures])
            raise

    def close(self) -> None:
        """Disconnect from the scheduler; stop the LocalCluster if this executor started it."""
        self._stack.close()


def make_executor(
    kind: ExecutorKind,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    preload: Sequence[str] = (),
) -> Executor:
    """Open an executor of the given kind; use it as a context manager.

    Parameters
    ----------
    kind
        Where the items run.
    workers
        How many items run at once; by default the cores available to this
        process. Only 1 for ``INLINE``; not allowed with a ``scheduler``,
        whose cluster decides.
    scheduler
        ``DASK`` only: the address of a running scheduler, e.g.
        ``"tcp://10.0.0.5:8786"``; None starts a LocalCluster.
    timeout
        Seconds to wait for the scheduler to answer, then to have a worker.
    preload
        ``LOCAL`` only: modules the fork server imports once, so that each
        worker starts with them loaded. Leave out modules that start threads
        at import (numba's parallel code): forking from a threaded fork server
        is unsafe.

    Returns
    -------
    Executor
        Ready to map; leave the ``with`` block (or close it) to release it.

    Raises
    ------
    ValueError
        If ``workers`` is not a positive integer or does not fit ``kind``, or
        if a ``scheduler`` is given for a kind other than ``DASK``.
    UserError
        If the scheduler cannot be reached, or has no worker, in ``timeout``.
    """
    kind = ExecutorKind(kind)
    if kind is ExecutorKind.AUTO:
        raise ValueError("choose the executor first: choose_executor(ExecutorKind.AUTO, ...)")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if scheduler is not None and kind is not ExecutorKind.DASK:
        raise ValueError(f"a scheduler address needs the dask executor, not {kind.value}")
    if scheduler is not None and workers is not None:
        raise ValueError("workers cannot be set with a scheduler: its cluster decides")
    if kind is ExecutorKind.INLINE:
        if workers not in (None, 1):
            raise ValueError(f"the inline executor runs 1 worker, got workers={workers}")
        return InlineExecutor()
    count = available_cores() if workers is None else workers
    if kind is ExecutorKind.LOCAL:
        return ProcessExecutor(count, preload=preload)
    return DaskExecutor(scheduler, count, timeout)

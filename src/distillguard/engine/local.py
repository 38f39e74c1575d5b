"""In-process engine: runs stage functions over Arrow data on all local cores.

Stages are plain picklable functions, so the same functions run unchanged on a Spark engine
(``mapInArrow`` for batch stages such as ``scan.parse_and_signal``, ``applyInArrow`` for keyed
stages such as ``accounts.features.online_account_features``, which accepts any set of whole
accounts). Keyed stages run in this process: Polars already spreads them over every core.

Stop signals: workers ignore SIGINT and exit with their parent; the parent turns SIGINT and
SIGTERM into ``Stopped`` inside ``stop_signals(raise_stopped)``, whose unwinding ends the pool.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, NoReturn, Self, TypeVar

T = TypeVar("T")
R = TypeVar("R")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived. A KeyboardInterrupt, so whatever lets Ctrl-C through (and
    runs its ``finally`` and ``__exit__`` on the way) lets SIGTERM through too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's code for a process ended by this signal (130 for SIGINT)."""
        return 128 + self.signum


@dataclass
class _SpawnGuard:
    """While the main thread spawns a worker (``active``), a stop signal waits (``waiting``)
    until the spawn is done; see ``_spawning``."""

    active: bool = False
    waiting: int | None = None


_SPAWN = _SpawnGuard()


@contextlib.contextmanager
def stop_signals(handler: Callable[[int], object]) -> Iterator[None]:
    """Call ``handler(signum)`` on SIGINT and SIGTERM inside the block (main thread only);
    the previous handlers come back after it."""

    def deliver(signum: int, frame: object) -> None:
        if _SPAWN.active:
            _SPAWN.waiting = signum
        else:
            handler(signum)

    previous = {s: signal.signal(s, deliver) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler_before in previous.items():
            signal.signal(signum, handler_before)


def raise_stopped(signum: int) -> NoReturn:
    """A ``stop_signals`` handler that unwinds the block with ``Stopped``. A second signal
    takes its default action and ends the process at once, without waiting for the pool to
    shut down; the workers then exit with it."""
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_DFL)
    raise Stopped(signum)


@dataclass
class LocalEngine:
    """Runs batch stages in one process pool; ``workers=1`` runs inline.

    Workers are *spawned*, not forked: Polars, numba and Arrow keep thread pools that a
    forked child inherits in a locked state. Use as a context manager so the pool (and its
    start-up cost) is shared by every stage of a scan. Leaving the block cancels the queued
    items; normally it waits for the running ones, through an exception (``Stopped``
    included) it terminates the workers.

    ``setup(*setup_args)`` runs once in each worker before its first item: state that every
    item needs (the simulator's render context) is then sent once per worker, not per item.
    """

    workers: int = field(default_factory=_default_workers)
    max_in_flight: int = 3
    setup: Callable[..., object] | None = None
    setup_args: tuple[Any, ...] = ()
    _pool: ProcessPoolExecutor | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is None:
            pool.shutdown(cancel_futures=True)
            return
        # Unwinding (Ctrl-C, SIGTERM, a failed stage): no result is wanted, so the workers need
        # not finish their items (nor, just started, their imports). Nor is the pool's manager
        # thread waited for: a signal can land inside the executor's own bookkeeping, after
        # which joining it may never return.
        for worker in list(pool._processes.values()):  # Python 3.14: terminate_workers()
            worker.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    def map_batches(self, items: Iterable[T], fn: Callable[[T], R]) -> Iterator[R]:
        """Apply ``fn`` to each item, in order, keeping a bounded number of items in flight.

        Bounded so that a stream of large batches never piles up in memory.
        """
        if self.workers <= 1:
            for item in items:
                yield fn(item)
            return
        pool = self._executor()
        pending: deque[Future[R]] = deque()
        limit = self.workers * self.max_in_flight
        for item in items:
            with _spawning():  # a submit may spawn a worker
                pending.append(pool.submit(fn, item))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(self.setup, self.setup_args),
            )
        return self._pool


@contextlib.contextmanager
def _spawning() -> Iterator[None]:
    """Let a worker be spawned whole: block SIGINT in this thread and hold back stop signals.

    A worker spawned meanwhile starts with SIGINT blocked, so a Ctrl-C during its start-up,
    before ``_init_worker`` ignores it, stays pending and is then dropped instead of
    interrupting its imports with a traceback. The mask does not stop the signal reaching
    another thread of this process, whose Python handler then runs here: unwinding in the
    middle of the spawn would leave the worker half its start-up data (an ``EOFError``
    traceback). So a stop signal that arrives meanwhile is delivered once the spawn is done.
    """
    before = (
        None
        if sys.platform == "win32"
        else signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    )
    _SPAWN.active = True
    try:
        yield
    finally:
        _SPAWN.active = False
        if before is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
        waiting, _SPAWN.waiting = _SPAWN.waiting, None
        if waiting is not None:
            signal.raise_signal(waiting)


def _init_worker(setup: Callable[..., object] | None, args: tuple[Any, ...]) -> None:
    """Make a worker ignore Ctrl-C and exit when its parent does; then run ``setup(*args)``.

    Ctrl-C reaches the whole process group; the parent alone handles it and ends the pool, so
    no worker prints a KeyboardInterrupt traceback.

    A worker blocks on the pool's call queue, and holds both ends of that pipe itself, so it
    never sees its parent die. A thread therefore waits on the spawn sentinel
    (``multiprocessing.parent_process()``): a pipe only the parent holds open, so it closes
    however the parent ends, SIGKILL included, on every platform and without polling. Linux's
    ``PR_SET_PDEATHSIG`` would need ctypes and fires when the *thread* that spawned the
    worker exits, not the process.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform != "win32":
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # see _spawning
    parent = multiprocessing.parent_process()
    if parent is not None:
        watchdog = threading.Thread(
            target=_exit_with, args=(parent,), name="exit-with-parent", daemon=True
        )
        watchdog.start()
    if setup is not None:
        setup(*args)


def _exit_with(parent: BaseProcess) -> None:
    parent.join()  # returns once the parent has exited
    os._exit(1)

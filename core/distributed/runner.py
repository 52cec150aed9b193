"""Run independent per-window tasks in this process or on Dask, handing their results back in order.

A task is a module-level function and its arguments: paths, grids, windows and small arrays travel, never a whole
raster (workers open the rasters themselves). The caller's ``consume(key, result)`` receives every result in
submission order on the calling thread, so a window writer commits windows in order and the outputs stay one
transaction. The same function computes every window in both modes, so the results are bit-identical.

Floating-point sums can depend on how many threads share them (a 1-ulp difference in a PyTorch convolution between
1 and 2 threads), so every task runs on the worker with the thread counts of this process (PyTorch's, and the BLAS
library's through ``threadpoolctl`` when it is installed): bit-identical then holds on workers with the same CPU
type and library versions, at the price of more threads than cores on a local cluster.

A worker lost mid-run is handled by Dask: its tasks are recomputed on the other workers (``allowed-failures``
times); an exception raised by a task is raised here unchanged.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import Any, Callable, Deque, Hashable, Optional, Sequence, Tuple

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..threads import blas_threads
from .scheduler import Scheduler, dask_client, parse_scheduler

#: seconds between two looks at the next result (and is_cancelled()) while waiting
POLL_S = 0.05

Task = Tuple[Hashable, Tuple[Any, ...]]
#: (BLAS threads or None, PyTorch threads or None) of the calling process
ThreadCounts = Tuple[Optional[int], Optional[int]]


def thread_counts() -> ThreadCounts:
    """This process's BLAS thread count (None without ``threadpoolctl``) and PyTorch's (None if not imported)."""
    blas = None
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
        blas = max(counts) if counts else None
    torch = sys.modules.get("torch")
    return blas, (torch.get_num_threads() if torch is not None else None)


def _same(value: Any) -> Any:
    return value


def call_with_threads(counts: ThreadCounts, func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` with the BLAS and PyTorch thread counts of the submitting process (on a worker)."""
    blas, torch_threads = counts
    with blas_threads(blas):
        if torch_threads is not None:
            import torch

            if torch.get_num_threads() != torch_threads:
                torch.set_num_threads(torch_threads)
        return func(*args)


class TaskRunner:
    """Runs tasks on ``scheduler`` (a string, see :func:`.scheduler.parse_scheduler`, or a :class:`Scheduler`).

    Use as a context manager: a local cluster starts on entry and stops on exit.
    """

    def __init__(self, scheduler: Any = "", parameter: str = "SCHEDULER", in_flight_per_worker: int = 2) -> None:
        self.scheduler = scheduler if isinstance(scheduler, Scheduler) else parse_scheduler(scheduler, parameter)
        self.parameter = parameter
        self.in_flight_per_worker = in_flight_per_worker
        self.client: Any = None
        self._context: Any = None

    @property
    def in_process(self) -> bool:
        return self.scheduler.in_process

    def __enter__(self) -> "TaskRunner":
        if not self.in_process:
            self._context = dask_client(self.scheduler, self.parameter)
            self.client = self._context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._context is not None:
            context, self._context, self.client = self._context, None, None
            context.__exit__(*exc)

    def workers(self) -> int:
        """Worker processes available (1 in-process)."""
        if self.client is None:
            return 1
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def share(self, value: Any) -> Any:
        """``value`` itself in-process; on Dask, a handle sent to the cluster once (for arguments that many tasks
        repeat, such as the sample points)."""
        if self.client is None:
            return value
        # a task holding the value, not scattered data: the scheduler can compute it again if its worker is lost
        return self.client.submit(_same, value, pure=False)

    def map(
        self,
        func: Callable[..., Any],
        tasks: Sequence[Task],
        consume: Callable[[Hashable, Any], None],
        progress: ProgressCallback = None,
        is_cancelled: CancelCallback = None,
    ) -> None:
        """``consume(key, func(*args))`` for every ``(key, args)`` of ``tasks``, in order.

        On Dask at most ``in_flight_per_worker`` tasks per worker wait ahead of the next result to consume, so
        memory stays bounded; cancelling drops the queued and running tasks.
        """
        total = len(tasks)
        if self.client is None:
            try:
                for i, (key, args) in enumerate(tasks):
                    check_cancelled(is_cancelled)
                    consume(key, func(*args))
                    report(progress, (i + 1) / max(total, 1))
            finally:
                # In this process the tasks' cached readers would keep the inputs open after the run (a file lock on
                # Windows, and GDAL datasets outliving QGIS's GDAL at exit: a crash on closing QGIS).
                from .tasks import release_cached

                release_cached()
            return
        self._map_dask(func, tasks, consume, progress, is_cancelled)

    def _map_dask(
        self,
        func: Callable[..., Any],
        tasks: Sequence[Task],
        consume: Callable[[Hashable, Any], None],
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
    ) -> None:
        client = self.client
        limit = max(2, self.in_flight_per_worker * self.workers())
        counts = thread_counts()
        pending: Deque[Tuple[Hashable, Any]] = deque()
        submitted = 0
        try:
            for done in range(len(tasks)):
                while submitted < len(tasks) and len(pending) < limit:
                    key, args = tasks[submitted]
                    pending.append((key, client.submit(call_with_threads, counts, func, *args, pure=False)))
                    submitted += 1
                key, future = pending[0]
                check_cancelled(is_cancelled)
                while not future.done():  # wait without fetching: a fetch cut by a timeout can lose its result
                    time.sleep(POLL_S)
                    check_cancelled(is_cancelled)
                try:
                    result = future.result()
                except Exception as exc:
                    if type(exc).__name__ != "KilledWorker":  # a task's own error reaches the caller unchanged
                        raise
                    raise InputError(workers_lost_message(), self.parameter) from None
                pending.popleft()
                future.release()
                consume(key, result)
                report(progress, (done + 1) / len(tasks))
        finally:
            if pending:
                client.cancel([f for _, f in pending], force=True)


def workers_lost_message() -> str:
    """What to do when Dask gave a task up (``KilledWorker``): every worker that ran it died."""
    return (
        "the Dask workers died while running one of the run's tasks (each worker that took it over died too, as many "
        "times as Dask allows: distributed.scheduler.allowed-failures), so the run stopped and nothing was written. A "
        "worker most often dies for lack of memory (a local worker may use this "
        "computer's memory divided by their number) or is stopped from outside. Use fewer workers (e.g. local:1), "
        "free memory, or leave SCHEDULER empty to run in this process; on a cluster of your own, its workers' logs "
        "say why."
    )


def run_tasks(
    runner: Optional[TaskRunner],
    func: Callable[..., Any],
    tasks: Sequence[Task],
    consume: Callable[[Hashable, Any], None],
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
) -> None:
    """:meth:`TaskRunner.map` on ``runner``, or in this process when it is None."""
    (runner or TaskRunner()).map(func, tasks, consume, progress, is_cancelled)

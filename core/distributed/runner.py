"""Run independent per-window tasks in this process or on Dask, handing their results back in order.

A task is a module-level function and its arguments: paths, grids, windows and small arrays travel, never a whole
raster (workers open the rasters themselves). The caller's ``consume(key, result)`` receives every result in
submission order on the calling thread, so a window writer commits windows in order and the outputs stay one
transaction. The same function computes every window in both modes, so the results are bit-identical.

A worker lost mid-run is handled by Dask: its tasks are recomputed on the other workers (``allowed-failures``
times); an exception raised by a task is raised here unchanged.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable, Deque, Hashable, Optional, Sequence, Tuple

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from .scheduler import Scheduler, dask_client, parse_scheduler

#: seconds between two looks at is_cancelled() while waiting for a result
POLL_S = 0.2

Task = Tuple[Hashable, Tuple[Any, ...]]


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
        """``value`` itself in-process; on Dask, a handle sent once to every worker (for arguments that many
        tasks repeat, such as the sample points)."""
        if self.client is None:
            return value
        return self.client.scatter(value, broadcast=True, hash=False)

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
            for i, (key, args) in enumerate(tasks):
                check_cancelled(is_cancelled)
                consume(key, func(*args))
                report(progress, (i + 1) / max(total, 1))
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
        from distributed import TimeoutError as DaskTimeout

        client = self.client
        limit = max(2, self.in_flight_per_worker * self.workers())
        pending: Deque[Tuple[Hashable, Any]] = deque()
        submitted = 0
        try:
            for done in range(len(tasks)):
                while submitted < len(tasks) and len(pending) < limit:
                    key, args = tasks[submitted]
                    pending.append((key, client.submit(func, *args, pure=False)))
                    submitted += 1
                key, future = pending[0]
                while True:
                    check_cancelled(is_cancelled)
                    try:
                        result = future.result(timeout=POLL_S)
                        break
                    except (DaskTimeout, TimeoutError):
                        continue
                pending.popleft()
                future.release()
                consume(key, result)
                report(progress, (done + 1) / len(tasks))
        finally:
            if pending:
                client.cancel([f for _, f in pending], force=True)


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

"""The tasks Dask workers run: each opens the rasters and the model file itself (paths travel, never a raster).

Open readers and loaded models are kept per worker process (a few, keyed by path, size and modification time, so a
replaced file is opened again), so a worker opens each file once per run, not once per tile. A run's files are
stamped (size, modification time) when it starts, and every task checks them first: a worker reads a file by its path,
so one replaced during the run (an evidence stack or a model written again meanwhile) would silently give tiles of
the new file beside tiles of the old.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, Callable, Hashable, List, Optional, Sequence, Tuple

from ..callbacks import CancelCallback, ProgressCallback
from ..errors import InputError
from ..grid import GridSpec
from .runner import TaskRunner, run_tasks

#: open readers / loaded models kept per worker process
CACHE_SIZE = 4

_readers: "OrderedDict[Hashable, Any]" = OrderedDict()
_models: "OrderedDict[Hashable, Any]" = OrderedDict()


def _stamp(path: str) -> Tuple[str, int, int]:
    st = os.stat(path)
    return os.path.abspath(path), st.st_size, st.st_mtime_ns


#: (path, size, modification time in ns, parameter) of each file a run's tasks read
Stamps = Tuple[Tuple[str, int, int, str], ...]


def stamps_of(files: Sequence[Tuple[str, str]]) -> Stamps:
    """The stamps of ``files`` ((path, parameter)) as they are now, each file once."""
    seen = {}
    for path, parameter in files:
        if path not in seen:
            _, size, mtime = _stamp(path)
            seen[path] = (path, size, mtime, parameter)
    return tuple(seen.values())


def file_stamp(path: str) -> Optional[Tuple[int, int]]:
    """(size, modification time in ns) of a file on disk; None where there is none (a file gone, or a GDAL path
    such as ``/vsimem/`` or ``/vsizip/`` that ``os.stat`` cannot see)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size, info.st_mtime_ns


def check_unchanged(stamps: Optional[Stamps]) -> None:
    """Raise :class:`InputError` naming the parameter if a file is not the one stamped when the run started."""
    for path, size, mtime, parameter in stamps or ():
        now = file_stamp(path)
        if now != (size, mtime):
            what = "moved, renamed or deleted" if now is None else "replaced or written again"
            raise InputError(
                f"'{path}' was {what} while the run read it (it is read tile by tile, and it is no longer the file "
                "the run checked at the start); nothing was written. Run again once no other program or run "
                "writes it.",
                parameter,
            )


def checked_task(stamps: Optional[Stamps], func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` once ``stamps`` are checked (a task of :func:`.runner.run_tasks`: give it as
    ``functools.partial(checked_task, stamps, func)``, which pickles for the workers)."""
    check_unchanged(stamps)
    return func(*args)


def _cached(cache: "OrderedDict[Hashable, Any]", key: Hashable, make: Callable[[], Any], close=None) -> Any:
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = make()
    cache[key] = value
    while len(cache) > CACHE_SIZE:
        _, old = cache.popitem(last=False)
        if close is not None:
            close(old)
    return value


def release_cached() -> None:
    """Close every cached reader and forget the loaded models of this process."""
    while _readers:
        _, reader = _readers.popitem(last=False)
        reader.close()
    _models.clear()


def stack_reader(selection: Sequence[Tuple[str, int]], grid: GridSpec, parameter: str = "INPUT_RASTERS") -> Any:
    """A :class:`core.io.windows.StackWindowReader` of ``selection`` on ``grid``, opened once per process."""
    from ..io.windows import StackWindowReader

    key = (tuple(_stamp(p) + (b,) for p, b in selection), grid, parameter)
    return _cached(_readers, key, lambda: StackWindowReader(selection, grid, parameter), lambda r: r.close())


def patch_model(path: str, device: str) -> Any:
    """The model file at ``path`` (validated on load, as everywhere): a CNN with its networks on ``device``, or a
    classic learner (trainmodel's; ``device`` unused), once per process."""
    from ..learning.classic_file import load_model
    from ..learning.estimator import PatchCNN

    def load() -> Any:
        model = load_model(path)
        if isinstance(model, PatchCNN):
            for net in model._require_fitted():
                net.to(device)
        return model

    return _cached(_models, (_stamp(path), device), load)


def predict_tile_task(
    model_path: str,
    selection: Sequence[Tuple[str, int]],
    grid: GridSpec,
    index: int,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
    device: str,
    mc_samples: Optional[int],
    stamps: Optional[Stamps] = None,
) -> Any:
    """Tile ``index`` of a prediction (a :class:`core.learning.inference.WindowScores`: probability, spread and
    ranking score), computed on a worker exactly as :meth:`PatchCNN.predict_tiled` does, once ``stamps`` (the
    model file and the rasters as the run found them) are checked."""
    check_unchanged(stamps)
    model = patch_model(model_path, device)
    return model.predict_tile(stack_reader(selection, grid), index, r0, r1, c0, c1, device, mc_samples)


def predict_tiles(
    runner: TaskRunner,
    model_path: str,
    selection: Sequence[Tuple[str, int]],
    grid: GridSpec,
    write_window: Callable[..., None],
    tile: int = 512,
    device: str = "cpu",
    mc_samples: Optional[int] = None,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    with_score: bool = False,
    stamps: Optional[Stamps] = None,
) -> None:
    """:meth:`PatchCNN.predict_tiled` of the model file over the bands ``selection`` ((path, band) on ``grid``),
    one task per tile on ``runner``; ``write_window(row0, col0, prob, std)`` receives the tiles in order
    (``write_window(row0, col0, prob, std, score)`` with ``with_score``). Every task checks ``stamps`` (default:
    the model file and the rasters as they are now) before it reads."""
    from ..learning.estimator import tile_windows

    tasks: List[Tuple[Hashable, Tuple[Any, ...]]] = []
    selection = [(str(p), int(b)) for p, b in selection]
    if stamps is None:
        stamps = stamps_of([(model_path, "MODEL"), *((p, "INPUT_RASTERS") for p, _ in selection)])
    for i, (r0, r1, c0, c1) in enumerate(tile_windows(grid.height, grid.width, tile)):
        tasks.append(((r0, c0), (model_path, selection, grid, i, r0, r1, c0, c1, device, mc_samples, stamps)))

    def consume(key: Any, result: Any) -> None:
        if with_score:
            write_window(key[0], key[1], result.prob, result.std, result.score)
        else:
            write_window(key[0], key[1], result.prob, result.std)

    run_tasks(runner, predict_tile_task, tasks, consume, progress, is_cancelled)


class DistributedTiles:
    """Stands in for a model in ``predict_tiled(read_window, height, width, write_window, ...)`` calls: the
    tiles run on ``runner``, whose workers read ``selection`` from the files and load the model from
    ``model_path`` (``read_window`` is not used)."""

    def __init__(self, runner: TaskRunner, model_path: str, selection: Sequence[Tuple[str, int]], grid: GridSpec):
        self.runner, self.model_path, self.selection, self.grid = runner, model_path, list(selection), grid
        # the files as the run checked them (the model loaded, the bands matched): every tile checks them
        self.stamps = stamps_of([(model_path, "MODEL"), *((str(p), "INPUT_RASTERS") for p, _ in self.selection)])

    def predict_tiled(
        self,
        read_window: Any,
        height: int,
        width: int,
        write_window: Callable[..., None],
        tile: int = 512,
        device: Optional[str] = None,
        mc_samples: Optional[int] = None,
        progress: ProgressCallback = None,
        is_cancelled: CancelCallback = None,
        with_score: bool = False,
    ) -> None:
        if (height, width) != (self.grid.height, self.grid.width):
            raise ValueError("the tiles' grid differs from the reader's")
        predict_tiles(
            self.runner, self.model_path, self.selection, self.grid, write_window, tile, device or "cpu",
            mc_samples, progress, is_cancelled, with_score, self.stamps,
        )  # fmt: skip

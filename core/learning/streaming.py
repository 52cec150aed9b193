"""Training on rasters larger than memory: labelled cells, normalisation and patches gathered window by window.

Two passes over windows of the evidence, label (and confidence) rasters, each window a task (in this process or on
Dask workers, which open the files themselves): the first finds the labelled cells, a random sample of cells for
the robust normalisation and a random subset of unlabelled cells for the consistency loss; the second cuts the
normalised patches of those cells (a halo of half a patch read around each window) into a :class:`PatchBank`, the
only copy of evidence the training holds. Memory: (labelled + unlabelled cells) x bands x patch² x 4 bytes, plus
one window per task, whatever the raster size.

On a raster that fits the in-memory path's limits (under ``max_cells`` cells, every unlabelled cell kept) the cells,
the normalisation and the patches are those of :meth:`PatchCNN.fit`, in the same order, so the trained model is the
same; on larger rasters the normalisation sample and the unlabelled subset are drawn window by window instead.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, report
from ..distributed.runner import TaskRunner, run_tasks
from ..distributed.tasks import Stamps, checked_task, stack_reader, stamps_of
from ..errors import InputError
from ..grid import GridSpec
from ..io.rasters import require_band_values
from ..labels.confidence import (
    check_confidence,
    confidence_weights,
    require_confidence_values,
    require_values_at_labels,
)
from .ensemble import LabelledCells, class_weights, label_classes
from .model_file import array_hash
from .network import receptive_field
from .patches import extract_patches, normalise, robust_normalisation, valid_centres
from .piecewise import piecewise_edges
from .pu import check_prior, check_pu_cells, default_prior, unlabelled_ranks
from .quantiles import data_quantiles, fit_input_quantiles, transform
from .training import LogCallback, TrainingConfig, TrainingData
from .training_range import band_range

Selection = Sequence[Tuple[str, int]]

#: cells sampled for the robust normalisation (as :func:`.patches.robust_normalisation` keeps in memory)
NORMALISATION_CELLS = 1_000_000
#: the memory the bank of unlabelled patches read window by window may take
UNLABELLED_BANK_BYTES = 512 << 20


class PatchBank:
    """Normalised patches of a fixed set of cells, stored in the order of their flat index ``row * width + col``;
    :func:`.patches.extract_patches` takes it in place of the padded stack."""

    def __init__(self, keys: np.ndarray, patches: np.ndarray, width: int) -> None:
        self.keys = np.asarray(keys, dtype=np.int64)
        self.patches_ = patches
        self.width = int(width)

    @property
    def nbytes(self) -> int:
        return int(self.patches_.nbytes + self.keys.nbytes)

    def patches(self, rows: np.ndarray, cols: np.ndarray, patch_size: int) -> np.ndarray:
        if patch_size != self.patches_.shape[-1]:
            raise ValueError(f"the bank holds patches of {self.patches_.shape[-1]} cells, not {patch_size}")
        flat = np.asarray(rows, dtype=np.int64) * self.width + np.asarray(cols, dtype=np.int64)
        idx = np.minimum(np.searchsorted(self.keys, flat), max(self.keys.size - 1, 0))
        if self.keys.size == 0 or not np.array_equal(self.keys[idx], flat):
            raise KeyError("a cell whose patch was not read was asked for")
        return self.patches_[idx]


@dataclass(frozen=True)
class PointLabels:
    """Labels given as cells of the grid (from labelled points) rather than as a label raster: global ``rows``,
    ``cols`` and class ``values``. Where several points share a cell the highest class wins."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray

    def inside(self, r0: int, r1: int, c0: int, c1: int) -> "PointLabels":
        """The points in rows ``r0:r1``, columns ``c0:c1``."""
        at = (self.rows >= r0) & (self.rows < r1) & (self.cols >= c0) & (self.cols < c1)
        return PointLabels(self.rows[at], self.cols[at], self.values[at])

    def rasterise(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """The label raster of that window: NaN where no point lies."""
        labels = np.full((r1 - r0, c1 - c0), np.nan)
        points = self.inside(r0, r1, c0, c1)
        order = np.argsort(points.values, kind="stable")  # the higher class is written last, so it wins
        labels[points.rows[order] - r0, points.cols[order] - c0] = points.values[order]
        return labels


#: a label raster ((path, band) on the grid) or labelled points
LabelSource = Union[Selection, PointLabels]


def unlabelled_bank_cells(n_bands: int, patch_size: int, coarse: int) -> int:
    """How many unlabelled cells the bank of patches (of ``n_bands`` bands as float32) that :func:`fit_windows`
    samples may hold: as many as :data:`UNLABELLED_BANK_BYTES` take, a million at most."""
    per_cell = n_bands * receptive_field(patch_size, coarse) ** 2 * 4  # one patch
    return int(min(1_000_000, UNLABELLED_BANK_BYTES // per_cell))


def window_labels(labels: LabelSource, grid: GridSpec, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """The labels of a window, float64, NaN = unlabelled."""
    if isinstance(labels, PointLabels):
        return labels.rasterise(r0, r1, c0, c1)
    return stack_reader(labels, grid, "LABELS")(r0, r1, c0, c1)[0].astype(np.float64)


@dataclass
class WindowScan:
    """What the first pass finds in one window (global row/column indices)."""

    rows: np.ndarray
    cols: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    sample: np.ndarray  # (bands, m) values of randomly drawn cells, NaN for nodata
    unlabelled_rows: np.ndarray
    unlabelled_cols: np.ndarray
    digests: Tuple[str, str, str]
    pool_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # valid cells (pre-training)
    pool_cols: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    candidates: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # PU: per row of the window
    n_valid: int = 0
    band_values: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # per band: cells with a value
    confidence_values: int = 0  # cells of the window with a confidence value
    confidence_at_labels: int = 0  # labelled cells (``rows``, ``cols``) with a confidence value


def _confidence_name(weight_selection: Selection) -> str:
    """The confidence raster's name as messages give it: its file's, without the extension."""
    return os.path.splitext(os.path.basename(str(weight_selection[0][0])))[0]


def scan_window(
    selection: Selection,
    label_source: LabelSource,
    weight_selection: Optional[Selection],
    grid: GridSpec,
    index: int,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
    seed: int,
    sample_quota: int,
    unlabelled_quota: int,
    pool_quota: int = 0,
    pu: bool = False,
) -> WindowScan:
    """First pass over one window: labelled cells with evidence (``pu``: the cells labelled 1 only), a
    normalisation sample, unlabelled cells, a pool of valid cells for pre-training and (``pu``) the count of
    unlabelled candidates (valid cells not labelled 1) in each row."""
    bands = stack_reader(selection, grid, "INPUT_RASTERS")(r0, r1, c0, c1)
    labels = window_labels(label_source, grid, r0, r1, c0, c1)
    weights = None
    if weight_selection:
        weights = stack_reader(weight_selection, grid, "CONFIDENCE")(r0, r1, c0, c1)[0].astype(np.float64)
        check_confidence(weights, _confidence_name(weight_selection), whole=False)
    valid = valid_centres(bands)
    labelled = np.isfinite(labels) & ((labels == 1) if pu else (labels >= 0)) & valid
    rows, cols = np.nonzero(labelled)
    rng = np.random.default_rng([seed, index])
    n_cells = bands.shape[1] * bands.shape[2]
    drawn = np.sort(rng.choice(n_cells, min(n_cells, sample_quota), replace=False))
    sample = bands.reshape(bands.shape[0], -1)[:, drawn]
    unlabelled = np.flatnonzero(valid & ~labelled)
    if unlabelled.size > unlabelled_quota:
        unlabelled = np.sort(rng.choice(unlabelled, unlabelled_quota, replace=False))
    u_rows, u_cols = np.divmod(unlabelled, bands.shape[2])
    pool = np.flatnonzero(valid) if pool_quota > 0 else np.empty(0, np.int64)
    if pool.size > pool_quota:
        pool = np.sort(rng.choice(pool, pool_quota, replace=False))
    p_rows, p_cols = np.divmod(pool, bands.shape[2])
    candidates = (valid & ~labelled).sum(axis=1).astype(np.int64) if pu else np.empty(0, np.int64)
    w = confidence_weights(weights, bands.shape[1:], rows, cols, whole=False)
    digests = (array_hash(bands), array_hash(labels), array_hash(weights))
    # a window may lack confidence values (fit_windows refuses the raster when every window does)
    with_value = (
        (0, 0) if weights is None else (int(np.isfinite(weights).sum()), int(np.isfinite(weights[rows, cols]).sum()))
    )
    return WindowScan(
        rows + r0, cols + c0, labels[rows, cols], w, sample, u_rows + r0, u_cols + c0, digests, p_rows + r0,
        p_cols + c0, candidates, int(valid.sum()), np.isfinite(bands).reshape(bands.shape[0], -1).sum(axis=1),
        *with_value,
    )  # fmt: skip


def candidate_columns(
    selection: Selection,
    label_source: LabelSource,
    grid: GridSpec,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
    rows: np.ndarray,
    ranks: np.ndarray,
) -> np.ndarray:
    """Positive-unlabelled training: the column of the ``ranks[i]``-th unlabelled candidate (valid, not labelled
    1; counted from 0, left to right) in row ``rows[i]`` of the window."""
    bands = stack_reader(selection, grid, "INPUT_RASTERS")(r0, r1, c0, c1)
    labels = window_labels(label_source, grid, r0, r1, c0, c1)
    candidates = valid_centres(bands) & ~(np.isfinite(labels) & (labels == 1))
    cols = np.empty(rows.size, np.int64)
    for r in np.unique(rows).tolist():
        at = rows == r
        cols[at] = np.flatnonzero(candidates[r - r0])[ranks[at]] + c0
    return cols


def window_patches(
    selection: Selection,
    grid: GridSpec,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
    median: np.ndarray,
    scale: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    patch_size: int,
    quantiles: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Second pass: the normalised (n, bands, p, p) patches of cells (rows, cols) inside the window, read with a
    halo of p // 2 (NaN outside the raster normalises to 0, as :func:`.patches.pad_halo` pads), through the
    normal-score ``quantiles`` first when given (INPUT_TRANSFORM quantile)."""
    halo = patch_size // 2
    window = stack_reader(selection, grid, "INPUT_RASTERS")(r0 - halo, r1 + halo, c0 - halo, c1 + halo)
    return extract_patches(normalise(transform(window, quantiles), median, scale), rows - r0, cols - c0, patch_size)


def _labelled(rows: np.ndarray, cols: np.ndarray, y_raw: np.ndarray, weights: np.ndarray) -> LabelledCells:
    """The labelled cells as :func:`.ensemble.labelled_cells` describes them (without the whole-raster masks)."""
    y, classes, positive = label_classes(y_raw)
    none = np.zeros((0, 0), dtype=bool)
    return LabelledCells(none, none, rows, cols, y, classes, positive, weights)


def _combined(digests: List[str]) -> str:
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def fit_windows(
    model: Any,
    selection: Selection,
    grid: GridSpec,
    label_selection: LabelSource,
    weight_selection: Optional[Selection] = None,
    band_names: Optional[Sequence[str]] = None,
    grid_info: Optional[Dict[str, Any]] = None,
    runner: Optional[TaskRunner] = None,
    window: int = 1024,
    unlabelled_cells: int = 20_000,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    log: LogCallback = None,
    pretrain_cells: int = 20_000,
) -> Any:
    """:meth:`PatchCNN.fit` of ``model`` on rasters read window by window (``selection``: (path, band) of the
    evidence on ``grid``; ``label_selection``: the label band on the same grid, or :class:`PointLabels`;
    ``weight_selection``: the confidence band), never holding the whole stack; windows run on ``runner`` (None:
    this process). The coarse view works (the patches are cut at the full receptive field).

    Positive-unlabelled training draws its unlabelled cells as :func:`.pu.unlabelled_sample` does, from the same
    generator: the first pass counts the candidates of every row, the ranks drawn are found in a pass over the
    windows that hold them. Masked-band pre-training draws its cells from a pool of ``pretrain_cells`` valid cells
    sampled window by window (every valid cell when the raster has no more; the in-memory path uses every valid
    cell)."""
    from .estimator import tile_windows

    config = TrainingConfig.from_params(model.get_params())
    if config.teacher != "none":
        raise InputError(
            "the gradient-boosting teacher scores the whole stack in memory, but this stack is read window by "
            "window (it is large, or SCHEDULER is set); leave SCHEDULER empty, use a smaller area, or TEACHER none.",
            "TEACHER",
        )
    pu = config.training == "pu"
    names = list(band_names) if band_names is not None else [f"band {i + 1}" for i in range(len(selection))]
    if len(names) != len(selection):
        raise InputError("one band name is needed per band.", "INPUT_RASTERS")
    height, width = grid.height, grid.width
    windows = tile_windows(height, width, window)
    total = height * width
    pool_cells = pretrain_cells if config.pretrain_epochs > 0 else 0
    # every window task checks the files are still those the run started on: a stack written again between the
    # passes would give patches of one file normalised by the statistics of another
    stamps = stamps_of(
        [
            *((str(p), "INPUT_RASTERS") for p, _ in selection),
            *(() if isinstance(label_selection, PointLabels) else ((str(p), "LABELS") for p, _ in label_selection)),
            *((str(p), "CONFIDENCE") for p, _ in weight_selection or ()),
        ]
    )
    tasks = []
    for i, (r0, r1, c0, c1) in enumerate(windows):
        share = (r1 - r0) * (c1 - c0) / total
        quotas = (math.ceil(NORMALISATION_CELLS * share), math.ceil(unlabelled_cells * share),
                  math.ceil(pool_cells * share))  # fmt: skip
        labels: LabelSource = label_selection
        if isinstance(label_selection, PointLabels):
            labels = label_selection.inside(r0, r1, c0, c1)  # only the window's points travel
        tasks.append((i, (selection, labels, weight_selection, grid, i, r0, r1, c0, c1, config.seed, *quotas, pu)))
    scans: List[WindowScan] = []
    run_tasks(runner, functools.partial(checked_task, stamps, scan_window), tasks, lambda _, scan: scans.append(scan),
              lambda f: report(progress, 0.05 * f), is_cancelled)  # fmt: skip
    # a band all nodata leaves no cell with evidence: say so, as the whole-stack path does, not blame the labels
    require_band_values(names, np.sum([s.band_values for s in scans], axis=0).tolist(), "INPUT_RASTERS")
    if weight_selection:  # each window was judged alone: the confidence as the in-memory path judges it, whole
        require_confidence_values(sum(s.confidence_values for s in scans), _confidence_name(weight_selection))
        require_values_at_labels(sum(s.rows.size for s in scans), sum(s.confidence_at_labels for s in scans))

    rows = np.concatenate([s.rows for s in scans])
    cols = np.concatenate([s.cols for s in scans])
    order = np.argsort(rows.astype(np.int64) * width + cols, kind="stable")  # row-major, as np.nonzero
    rows, cols = rows[order], cols[order]
    weights = np.concatenate([s.weights for s in scans])[order]
    rng: Optional[np.random.Generator] = None
    prior = None
    sampled = 0
    if pu:
        rng = np.random.default_rng(config.seed)  # as PatchCNN.fit: the PU draw, then the split
        n_candidates = int(sum(int(s.candidates.sum()) for s in scans))
        check_pu_cells(rows.size, n_candidates)
        prior = config.class_prior or default_prior(rows.size, sum(s.n_valid for s in scans))
        check_prior(prior)
        (x_rows, x_cols), sampled = _unlabelled_cells(
            selection, tasks, windows, scans, grid, window, n_candidates, rows.size, rng, runner, is_cancelled, stamps
        )
        cells = LabelledCells(
            np.zeros((0, 0), dtype=bool), np.zeros((0, 0), dtype=bool), np.concatenate([rows, x_rows]),
            np.concatenate([cols, x_cols]), np.concatenate([np.ones(rows.size, np.int64), np.zeros(x_rows.size,
            np.int64)]), np.array([0, 1]), 1, np.concatenate([weights, np.ones(x_rows.size)]),
        )  # fmt: skip
    else:
        cells = _labelled(rows, cols, np.concatenate([s.labels for s in scans])[order], weights)
    sample = np.concatenate([s.sample for s in scans], axis=1)
    quantiles = fit_input_quantiles(sample, config.input_transform, config.seed)
    median, scale = robust_normalisation(
        transform(sample, data_quantiles(quantiles, config.input_transform)), seed=config.seed
    )
    edges = piecewise_edges(quantiles, median, scale) if config.input_transform == "piecewise" else None
    sampled_range = band_range(sample)  # of the normalisation's sample, which holds every cell of a small raster
    del sample  # not held through training
    u_rows, u_cols = _row_major(scans, "unlabelled", width)
    if pu:  # the mean teacher's unlabelled cells: valid, and neither positive nor in the PU sample
        keep = ~np.isin(u_rows.astype(np.int64) * width + u_cols, cells.rows.astype(np.int64) * width + cells.cols)
        u_rows, u_cols = u_rows[keep], u_cols[keep]
    semi = config.semi_supervised if config.semi_supervised is not None else bool(u_rows.size)
    if not semi:
        u_rows, u_cols = u_rows[:0], u_cols[:0]
    v_rows, v_cols = _row_major(scans, "pool", width)
    bank, read = _read_bank(
        selection, grid, windows, window, median, scale, config.field, np.concatenate([cells.rows, u_rows, v_rows]),
        np.concatenate([cells.cols, u_cols, v_cols]), runner, progress, is_cancelled,
        data_quantiles(quantiles, config.input_transform), stamps,
    )  # fmt: skip
    where = runner.scheduler.describe() if runner is not None else "this process"
    reading = {
        "mode": "window by window",
        "scheduler": where,
        "window": int(window),
        "windows_scanned": len(windows),
        "windows_read_for_patches": read,
        "patch_cells": int(bank.keys.size),
        "patch_mib": round(bank.nbytes / 2**20, 1),
    }
    if pu:
        reading["windows_read_for_unlabelled_sample"] = sampled
    if pool_cells:
        reading["pretraining_pool_cells"] = int(v_rows.size)
    if log:
        log(
            f"patches read window by window on {where}: {len(windows)} windows of {window} cells scanned, {read} "
            f"read for patches; {bank.keys.size} cells, {bank.nbytes / 2**20:.0f} MiB"
            + (f"; pre-training draws from {v_rows.size} valid cells" if pool_cells else "")
        )

    def make_data(train: np.ndarray, val: np.ndarray, rng: np.random.Generator) -> TrainingData:
        n_classes = int(cells.classes.size)
        class_w = class_weights(cells.y[train], n_classes, config.class_balanced and prior is None)
        padded: Any = bank  # extract_patches reads it as it reads a padded stack
        return TrainingData(
            padded, cells.rows, cells.cols, cells.y, cells.weights, train, val, u_rows, u_cols,
            bool(semi and u_rows.size > 0), class_w, len(selection), n_classes, prior=prior, valid_rows=v_rows,
            valid_cols=v_cols, positive=cells.positive, edges=edges,
        )  # fmt: skip

    hashes = {k: _combined([s.digests[j] for s in scans]) for j, k in enumerate(("bands", "labels", "weights"))}
    if not weight_selection:
        hashes["weights"] = array_hash(None)

    def fit_progress(fraction: float) -> None:
        report(progress, 0.1 + 0.9 * fraction)

    model._fit_cells(
        config, cells, make_data, median, scale, names, (height, width), hashes, grid_info, fit_progress,
        is_cancelled, log, prior, rng, quantiles,
    )  # fmt: skip
    model.metadata_["reading"] = reading
    model.metadata_["band_range"] = sampled_range
    return model


def _row_major(scans: List[WindowScan], what: str, width: int) -> Tuple[np.ndarray, np.ndarray]:
    """The ``unlabelled`` or ``pool`` cells of every window, in row-major order (as np.nonzero of the raster)."""
    rows = np.concatenate([getattr(s, f"{what}_rows") for s in scans])
    cols = np.concatenate([getattr(s, f"{what}_cols") for s in scans])
    order = np.argsort(rows.astype(np.int64) * width + cols, kind="stable")
    return rows[order], cols[order]


def _unlabelled_cells(
    selection: Selection,
    tasks: List[Tuple[int, Tuple[Any, ...]]],
    windows: List[Tuple[int, int, int, int]],
    scans: List[WindowScan],
    grid: GridSpec,
    window: int,
    n_candidates: int,
    n_positive: int,
    rng: np.random.Generator,
    runner: Optional[TaskRunner],
    is_cancelled: CancelCallback,
    stamps: Optional[Stamps] = None,
) -> Tuple[Tuple[np.ndarray, np.ndarray], int]:
    """The unlabelled cells of positive-unlabelled training, row-major: the ranks :func:`.pu.unlabelled_ranks`
    draws among the candidates (in the raster's row-major order, as the in-memory path's ``np.flatnonzero``),
    located from the per-row counts of the first pass and resolved to columns by the windows that hold them; and
    how many windows that took."""
    n_wcols = -(-grid.width // window)
    counts = np.zeros((grid.height, n_wcols), np.int64)
    for (r0, r1, c0, _), scan in zip(windows, scans):
        counts[r0:r1, c0 // window] = scan.candidates
    ranks = unlabelled_ranks(n_candidates, n_positive, rng)
    if ranks is None:
        ranks = np.arange(n_candidates, dtype=np.int64)
    flat = counts.ravel()
    ends = np.cumsum(flat)
    segment = np.searchsorted(ends, ranks, side="right")  # (row, window column) of each rank
    within = ranks - (ends[segment] - flat[segment])
    rows, wcol = np.divmod(segment, n_wcols)
    owner = (rows // window) * n_wcols + wcol
    cols = np.empty(ranks.size, np.int64)
    jobs, places = [], {}
    for w in np.unique(owner).tolist():
        at = places[w] = np.flatnonzero(owner == w)
        r0, r1, c0, c1 = windows[w]
        label_source = tasks[w][1][1]
        jobs.append((w, (selection, label_source, grid, r0, r1, c0, c1, rows[at], within[at])))

    def consume(w: Any, found: np.ndarray) -> None:
        cols[places[w]] = found

    run_tasks(runner, functools.partial(checked_task, stamps, candidate_columns), jobs, consume, None, is_cancelled)
    return (rows, cols), len(jobs)


def _read_bank(
    selection: Selection,
    grid: GridSpec,
    windows: List[Tuple[int, int, int, int]],
    window: int,
    median: np.ndarray,
    scale: np.ndarray,
    patch_size: int,
    rows: np.ndarray,
    cols: np.ndarray,
    runner: Optional[TaskRunner],
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
    quantiles: Optional[np.ndarray] = None,
    stamps: Optional[Stamps] = None,
) -> Tuple[PatchBank, int]:
    """The patches of cells (rows, cols), one task per window holding any of them; and how many windows that was."""
    keys, first = np.unique(rows.astype(np.int64) * grid.width + cols, return_index=True)
    rows, cols = rows[first], cols[first]
    n_wcols = -(-grid.width // window)
    owner = (rows // window) * n_wcols + cols // window
    patches = np.empty((keys.size, len(selection), patch_size, patch_size), dtype=np.float32)
    tasks = []
    places = {}
    for w in np.unique(owner).tolist():
        at = places[w] = np.flatnonzero(owner == w)
        r0, r1, c0, c1 = windows[w]
        tasks.append((w, (selection, grid, r0, r1, c0, c1, median, scale, rows[at], cols[at], patch_size, quantiles)))

    def consume(w: Any, block: np.ndarray) -> None:
        patches[places[w]] = block

    run_tasks(runner, functools.partial(checked_task, stamps, window_patches), tasks, consume,
              lambda f: report(progress, 0.05 + 0.05 * f), is_cancelled)  # fmt: skip
    return PatchBank(keys, patches, grid.width), len(tasks)

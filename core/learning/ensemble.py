"""Fitting an ensemble: the labelled cells, the training record all networks share, the networks (side by side in
threads on the CPU, one after another on a GPU), and their scores on the validation cells."""

from __future__ import annotations

import dataclasses
import math
import queue
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..callbacks import CancelCallback, Cancelled, ProgressCallback, report
from ..errors import InputError
from ..labels.confidence import confidence_weights
from .calibration import (
    COMBINE_LOGITS,
    Calibration,
    TemperatureFit,
    combine_logits,
    confidence_targets,
    fit_temperature,
)
from .network import PatchNet
from .patches import device_bytes_free, valid_centres
from .pu import check_prior, check_pu_cells, default_prior, unlabelled_sample
from .sparsity import SPARSITY_GRID
from .training import (
    DEVICE_STACK_SHARE,
    LogCallback,
    TrainingConfig,
    TrainingData,
    batches_for,
    confusion,
    fit_member,
    network_logits,
    pu_validation_risk,
    roc_auc,
    start_member,
    train_network,
    validation_patches,
    weighted_loss_accuracy,
)

#: ensemble member i trains from seed + i * MEMBER_SEED_STEP (so seeds 0 and 1 share no member)
MEMBER_SEED_STEP = 7919


@dataclass
class LabelledCells:
    """The labelled cells of a label raster that have evidence, with their class index and weight."""

    valid: np.ndarray  # (H, W) cells with every band
    labelled: np.ndarray  # (H, W) valid cells with a label
    rows: np.ndarray
    cols: np.ndarray
    y: np.ndarray  # index into ``classes``
    classes: np.ndarray  # the class values, ascending
    positive: int  # index of the mineralised class
    weights: np.ndarray


def label_classes(y_raw: np.ndarray) -> Tuple[np.ndarray, np.ndarray, int]:
    """The class index of each label value in ``y_raw`` (labelled cells with evidence), the class values ascending
    and the index of the mineralised class (1, else the highest); refused unless the labels are whole numbers of at
    least two classes. Shared by the in-memory and the window-by-window training, so both say the same."""
    if np.any(y_raw != np.round(y_raw)):
        raise InputError("labels must be whole class numbers (1 mineralised, 0 barren).", "LABELS")
    classes = np.unique(y_raw).astype(int)
    if classes.size < 2:
        raise InputError(
            "at least two classes are needed among labelled cells with evidence values "
            f"(found {classes.tolist()} in {y_raw.size} cells).",
            "LABELS",
        )
    y = np.searchsorted(classes, y_raw.astype(int))
    positive = int(classes.size - 1 if 1 not in classes else np.searchsorted(classes, 1))
    return y, classes, positive


def class_weights(y: np.ndarray, n_classes: int, balanced: bool) -> np.ndarray:
    """Loss weights per class from the training cells' class indices ``y``: inversely proportional to each class's
    count when ``balanced`` (a class with no cell counts as one), else all 1."""
    if not balanced:
        return np.ones(n_classes)
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return counts.sum() / (n_classes * np.maximum(counts, 1.0))


def labelled_cells(bands: np.ndarray, labels: np.ndarray, sample_weight: Optional[np.ndarray]) -> LabelledCells:
    """The labelled cells with evidence, their classes and confidence weights (NaN weight counts as 1)."""
    valid = valid_centres(bands)
    labelled = np.isfinite(labels) & (labels >= 0) & valid
    rows, cols = np.nonzero(labelled)
    y, classes, positive = label_classes(labels[rows, cols])
    weights = confidence_weights(sample_weight, bands.shape[1:], rows, cols)
    return LabelledCells(valid, labelled, rows, cols, y, classes, positive, weights)


def pu_cells(
    bands: np.ndarray,
    labels: np.ndarray,
    sample_weight: Optional[np.ndarray],
    class_prior: float,
    rng: np.random.Generator,
) -> Tuple[LabelledCells, float]:
    """Positive-unlabelled cells: the cells labelled 1 (mineralised) as positives (class index 1), and a random
    sample of every other valid cell, barren labels included, as unlabelled (class index 0); with the class prior
    (``class_prior`` 0: the share of valid cells labelled positive)."""
    valid = valid_centres(bands)
    positive = np.isfinite(labels) & (labels == 1) & valid
    n_pos = int(positive.sum())
    candidates = np.flatnonzero(valid & ~positive) if n_pos >= 2 else np.empty(0, np.int64)
    check_pu_cells(n_pos, candidates.size)
    prior = class_prior or default_prior(n_pos, int(valid.sum()))
    check_prior(prior)
    unlabelled = unlabelled_sample(candidates, n_pos, rng)
    height, width = labels.shape
    p_rows, p_cols = np.nonzero(positive)
    u_rows, u_cols = np.divmod(unlabelled, width)
    rows, cols = np.concatenate([p_rows, u_rows]), np.concatenate([p_cols, u_cols])
    y = np.concatenate([np.ones(n_pos, np.int64), np.zeros(unlabelled.size, np.int64)])
    weights = np.ones(rows.size)
    weights[:n_pos] = confidence_weights(sample_weight, (height, width), p_rows, p_cols)
    used = np.zeros((height, width), dtype=bool)
    used[rows, cols] = True
    return LabelledCells(valid, used, rows, cols, y, np.array([0, 1]), 1, weights), prior


def training_data(
    config: TrainingConfig,
    cells: LabelledCells,
    padded: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    rng: np.random.Generator,
    n_bands: int,
    prior: Optional[float] = None,
    edges: Optional[np.ndarray] = None,
) -> TrainingData:
    """The training record every member shares: unlabelled cells for the consistency loss, class weights (none
    for positive-unlabelled training, ``prior`` given: its risk weighs the classes itself), the piecewise-linear
    encoding's ``edges`` (INPUT_TRANSFORM piecewise, else None)."""
    width = cells.valid.shape[1]
    unlabelled = cells.valid & ~cells.labelled
    semi = config.semi_supervised if config.semi_supervised is not None else bool(unlabelled.any())
    u_flat = np.flatnonzero(unlabelled) if semi else np.empty(0, np.int64)
    if u_flat.size > 1_000_000:  # a fixed random subset is plenty for the consistency loss
        u_flat = np.unique(u_flat[rng.integers(0, u_flat.size, 1_000_000)])
    u_rows, u_cols = np.divmod(u_flat, width)
    v_rows, v_cols = np.nonzero(cells.valid) if config.pretrain_epochs > 0 else (np.empty(0, np.int64),) * 2
    n_classes = int(cells.classes.size)
    class_w = class_weights(cells.y[train], n_classes, config.class_balanced and prior is None)
    return TrainingData(
        padded=padded,
        rows=cells.rows,
        cols=cells.cols,
        y=cells.y,
        weights=cells.weights,
        train=train,
        val=val,
        unlabelled_rows=u_rows,
        unlabelled_cols=u_cols,
        semi_supervised=bool(semi and u_rows.size > 0),
        class_weights=class_w,
        n_bands=n_bands,
        n_classes=n_classes,
        prior=prior,
        valid_rows=v_rows,
        valid_cols=v_cols,
        positive=cells.positive,
        edges=edges,
    )


def member_workers(ensemble: int, device: str, threads: Optional[int] = None) -> Tuple[int, int]:
    """How many networks of an ensemble train at once, and torch's threads for each: on the CPU, with two or more
    threads (``threads``, default torch's count in this thread), every network at once, each with an equal share
    of the threads (at least one, so more networks than threads share them by turns). A network's small batches
    keep one thread busy better than several (2 cores: three networks of the demo's one after another took 71 s
    with 2 threads, 56 s with 1, and 32 s side by side). One at a time on a GPU or with a single thread."""
    budget = torch.get_num_threads() if threads is None else int(threads)
    if ensemble < 2 or budget < 2 or device.startswith("cuda"):
        return 1, budget
    workers = min(ensemble, MAX_MEMBER_WORKERS)
    return workers, max(1, budget // workers)


#: the most networks trained side by side (each holds its batches, a teacher and an optimiser: megabytes)
MAX_MEMBER_WORKERS = 16


def train_members(
    config: TrainingConfig,
    data: TrainingData,
    rng: np.random.Generator,
    device: str,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
    log: LogCallback,
) -> Tuple[List[PatchNet], List[Dict[str, Any]]]:
    """Train the ensemble's networks (:func:`train_networks`); returns them and their histories."""
    n = config.ensemble
    seeds = [config.seed + MEMBER_SEED_STEP * member for member in range(n)]
    # member 0 continues the split's generator, so a single network trains exactly as before ensembles
    rngs = [rng] + [np.random.default_rng(seed) for seed in seeds[1:]]
    prefixes = [f"member {member + 1}/{n}: " if n > 1 else "" for member in range(n)]
    results = train_networks([config] * n, data, seeds, rngs, prefixes, device, progress, is_cancelled, log)
    members = [net for net, _, _ in results]
    histories = [
        {"best_epoch": best_epoch, "epochs_run": len(history), "history": history} for _, history, best_epoch in results
    ]
    return members, histories


def train_networks(
    configs: Sequence[TrainingConfig],
    data: TrainingData,
    seeds: Sequence[int],
    rngs: Sequence[np.random.Generator],
    prefixes: Sequence[str],
    device: str,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
    log: LogCallback,
) -> List[Tuple[PatchNet, List[Dict[str, float]], int]]:
    """Train one network per settings in ``configs`` (from its seed and generator), side by side in threads where
    :func:`member_workers` says so, else one after another; a seed gives the same networks either way, for the same
    threads per network. The validation patches are cut once for all. Progress and log lines (each network's with
    its prefix) are passed on from this thread. Returns each network, its history and its best epoch."""
    n = len(configs)
    field = configs[0].field
    val_x = validation_patches(configs[0], data)
    if device.startswith("cuda") and val_x.numel() * 4 < DEVICE_STACK_SHARE * device_bytes_free(device):
        val_x = val_x.to(device)  # sent once, not every epoch
    count, threads = member_workers(n, device)
    if count > 1:
        if log:
            log(f"{n} networks train side by side: {count} at once, {threads} of torch's threads each")
        return _train_side_by_side(
            configs, data, seeds, rngs, prefixes, val_x, device, count, threads, progress, is_cancelled, log
        )
    results = []
    # on a GPU one copy of the stack serves every network; on the CPU each makes its own (cheap) host batches
    batches = batches_for(data, field, device) if device.startswith("cuda") else None
    for member in range(n):

        def member_progress(fraction: float, member: int = member) -> None:
            report(progress, (member + fraction) / n)

        def member_log(message: str, prefix: str = prefixes[member]) -> None:
            if log:
                log(prefix + message)

        results.append(
            train_network(
                configs[member],
                data,
                seeds[member],
                rngs[member],
                device,
                member_progress,
                is_cancelled,
                member_log if log else None,
                val_x,
                batches,
            )
        )
    return results


def _train_side_by_side(
    configs: Sequence[TrainingConfig],
    data: TrainingData,
    seeds: Sequence[int],
    rngs: Sequence[np.random.Generator],
    prefixes: Sequence[str],
    val_x: torch.Tensor,
    device: str,
    workers: int,
    threads: int,
    progress: ProgressCallback,
    is_cancelled: CancelCallback,
    log: LogCallback,
) -> List[Tuple[PatchNet, List[Dict[str, float]], int]]:
    """Each network (its settings in ``configs``) in a thread of its own (``workers`` at once, ``threads`` torch
    threads each). Their starting points are drawn here, in order; their progress and log lines come back through
    a queue and are passed on from this thread, so ``progress`` and ``log`` are never called from two threads
    (``is_cancelled`` is: every network asks it between batches, as ``feedback.isCanceled`` may be). The first
    network to fail, or an error here, stops the others, and that error is raised."""
    n = len(seeds)
    starts = [start_member(config, data, seed, device) for config, seed in zip(configs, seeds)]
    events: "queue.SimpleQueue[Tuple[int, Optional[float], Optional[str]]]" = queue.SimpleQueue()
    failed = threading.Event()
    fractions = [0.0] * n

    def stop() -> bool:
        return failed.is_set() or (is_cancelled is not None and bool(is_cancelled()))

    def run(member: int) -> Tuple[PatchNet, List[Dict[str, float]], int]:
        torch.set_num_threads(threads)  # this thread's own count (OpenMP's is per thread)
        try:
            return fit_member(
                configs[member],
                data,
                starts[member],
                rngs[member],
                device,
                lambda fraction: events.put((member, fraction, None)),
                stop,
                (lambda message: events.put((member, None, message))) if log else None,
                val_x,
            )
        except BaseException:
            failed.set()
            raise

    def pass_on() -> None:
        while True:
            try:
                member, fraction, message = events.get_nowait()
            except queue.Empty:
                return
            if fraction is not None:
                fractions[member] = fraction
                report(progress, sum(fractions) / n)
            if message is not None and log:
                log(prefixes[member] + message)

    budget = torch.get_num_threads()
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="prospector-network") as pool:
            futures = [pool.submit(run, member) for member in range(n)]
            pending = set(futures)
            try:
                while pending:
                    _, pending = wait(pending, timeout=0.1)
                    pass_on()
            except BaseException:  # a callback's error or Ctrl-C here: stop the networks, not wait for their end
                failed.set()
                raise
        pass_on()
    finally:
        torch.set_num_threads(budget)  # MKL's count is process-wide: set it back to this thread's
    errors = [error for error in (f.exception() for f in futures) if error is not None]
    if errors:
        # a network's own error rather than the stop it caused in the others
        raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
    return [f.result() for f in futures]


#: the candidate networks of BAND_SPARSITY -1 train from seed + CHOICE_SEED_STEP (none of the ensemble's seeds)
CHOICE_SEED_STEP = 104_729


def choose_band_sparsity(
    config: TrainingConfig,
    data: TrainingData,
    device: str,
    is_cancelled: CancelCallback,
    log: LogCallback,
) -> Tuple[TrainingConfig, Dict[str, float]]:
    """BAND_SPARSITY -1: one network per strength of :data:`.sparsity.SPARSITY_GRID`, trained as a member would
    be (same cells, one seed for all); the strength whose network ranks the validation cells best (ROC AUC of its
    kept epoch; a tie goes to the stronger penalty, fewer bands) is chosen. Not the validation loss: the penalty
    shrinks every weight, so a stronger one gives less confident log-odds, a higher loss at the same ranking.
    Returns the settings with it, and the validation AUC of every strength."""
    positive = data.n_classes - 1 if data.positive is None else data.positive
    val_x = validation_patches(config, data)
    is_positive = data.y[data.val] == positive
    aucs: Dict[str, float] = {}
    seed = config.seed + CHOICE_SEED_STEP
    configs = [dataclasses.replace(config, band_sparsity=strength) for strength in SPARSITY_GRID]
    k = len(configs)
    trained = train_networks(
        configs,
        data,
        [seed] * k,
        [np.random.default_rng(seed) for _ in configs],
        [""] * k,
        device,
        None,
        is_cancelled,
        None,
    )
    nets = [net for net, _, _ in trained]
    for strength, net in zip(SPARSITY_GRID, nets):
        logits = network_logits([net], val_x, device)[0]
        aucs[f"{strength:g}"] = roc_auc(is_positive, logits[:, positive] - logits.mean(axis=1))
    best = max(v for v in aucs.values() if np.isfinite(v)) if any(np.isfinite(list(aucs.values()))) else math.nan
    chosen = max(s for s in SPARSITY_GRID if not np.isfinite(best) or aucs[f"{s:g}"] >= best - 1e-12)
    if log:
        log(
            "band sparsity chosen on the validation cells (ROC AUC): "
            + ", ".join(f"{k}: {v:.4f}" for k, v in aucs.items())
            + f"; {chosen:g}"
        )
    return dataclasses.replace(config, band_sparsity=chosen), aucs


def validation_metrics(
    config: TrainingConfig,
    nets: Sequence[PatchNet],
    data: TrainingData,
    positive: int,
    histories: Sequence[Dict[str, Any]],
    split_info: Dict[str, Any],
    device: str,
    is_cancelled: CancelCallback = None,
) -> Tuple[Dict[str, Any], TemperatureFit]:
    """The ensemble's scores on the validation cells (mean logits, temperature-scaled), with the training curves'
    summary, and the temperature fitted on those cells (against their labels' confidence when the sample weights
    are confidences, :func:`.calibration.confidence_targets`). ``is_cancelled`` is checked between batches."""
    val = data.val
    val_x = validation_patches(config, data)
    y_val = data.y[val]
    logits = network_logits(nets, val_x, device, is_cancelled=is_cancelled)
    if data.prior is None:
        fit = fit_temperature(logits.mean(axis=0), y_val, confidence_targets(data.weights[val]))
    else:  # unlabelled is not barren: a likelihood against it would calibrate towards the wrong labels
        fit = TemperatureFit(
            1.0,
            math.nan,
            math.nan,
            int(y_val.size),
            "positive-unlabelled training has no barren cells to fit a temperature on",
        )
    val_prob = np.exp(combine_logits(logits, Calibration(COMBINE_LOGITS, fit.temperature)))
    val_loss, val_acc = weighted_loss_accuracy(val_prob, y_val, data.class_weights)
    if data.prior is not None:  # the PU risk of the ensemble's mean logits, not a cross-entropy against unlabelled
        val_loss = pu_validation_risk(logits.mean(axis=0), data, val)
    history = histories[0]["history"]
    pred = val_prob.argmax(axis=1)
    recall = [float(np.mean(pred[y_val == i] == i)) for i in range(data.n_classes)]
    metrics = {
        "best_epoch": histories[0]["best_epoch"],
        "epochs_run": len(history),
        "iterations": history[-1]["iteration"] if history else 0,
        "ensemble": [{k: h[k] for k in ("best_epoch", "epochs_run")} for h in histories],
        "validation_loss": val_loss,
        "validation_accuracy": val_acc,
        "validation_balanced_accuracy": float(np.mean(recall)),
        "validation_roc_auc": roc_auc(y_val == positive, val_prob[:, positive]),
        # what the AUC rests on: one positive cell held out (a regional grid, a few deposits) is its rank, one draw
        "validation_positive_cells": int(np.count_nonzero(y_val == positive)),
        "confusion_matrix": confusion(y_val, pred, data.n_classes),
        "split": split_info,
    }
    return metrics, fit

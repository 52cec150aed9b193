"""A small patch CNN for prospectivity: training, safe model files, exact dense tiled prediction.

The classifier sees a ``patch_size`` x ``patch_size`` window of every evidence band around a cell and predicts the
class of the centre cell (convolution + ReLU + pooling + fully connected + softmax, cross-entropy loss).

Every layer is shift-equivariant ("valid" convolutions, max pooling with stride 1, the fully connected layer written
as a convolution whose kernel covers the whole remaining feature map), so running the same network over a whole
window with a halo of ``patch_size // 2`` cells gives, at every cell, exactly the per-patch prediction, for a tiny
fraction of the cost. Uncertainty is MC-dropout: the dropout layer sits after the fully connected layer, so the
(deterministic) features are computed once and only the cheap last layer is resampled.

Model files are ``torch.save`` of a plain dict of strings and tensors, read back with ``weights_only=True`` (no
pickle code can run); the metadata is a JSON string inside that dict. Runs on plain numpy arrays: no QGIS, no
rasterio needed (GPU machines).
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError, ModelFileError
from ..evaluation.auc import roc_auc as auc_of_scores
from .model_file import FORMAT, FORMAT_VERSION, _json_default, array_hash
from .network import PatchNet, resolve_device
from .patches import (
    CLIP,
    augment,
    extract_patches,
    normalise,
    pad_halo,
    robust_normalisation,
    valid_centres,
    window_reader,
)
from .splits import spatial_split

#: ensemble member i trains from seed + i * MEMBER_SEED_STEP (so seeds 0 and 1 share no member)
MEMBER_SEED_STEP = 7919


LogCallback = Optional[Callable[[str], None]]


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of the positive cells against the others; NaN if one class is missing."""
    y_true = np.asarray(y_true, dtype=bool)
    score = np.asarray(score, dtype=np.float64)
    if y_true.all() or not y_true.any():
        return float("nan")
    return auc_of_scores(score[y_true], score[~y_true])


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> List[List[int]]:
    """Confusion matrix [true][predicted] as nested lists of counts."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m.tolist()


class PatchCNN:
    """Patch CNN classifier of raster cells, scikit-learn style: configure, ``fit``, ``predict_proba``, ``save``."""

    def __init__(
        self,
        patch_size: int = 9,
        epochs: int = 60,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-4,
        seed: int = 0,
        device: str = "auto",
        validation: str = "blocks",
        block_size: int = 0,
        validation_fraction: float = 0.2,
        cluster_distance: float = 0.0,
        semi_supervised: Optional[bool] = None,
        consistency_weight: float = 1.0,
        ema_decay: float = 0.99,
        patience: int = 10,
        width: int = 32,
        hidden: int = 64,
        dropout: float = 0.3,
        mc_samples: int = 20,
        class_balanced: bool = True,
        early_stopping: bool = True,
        ensemble: int = 1,
    ) -> None:
        self.patch_size = int(patch_size)
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.seed = int(seed)
        self.device = device
        self.validation = validation
        self.block_size = int(block_size)
        self.validation_fraction = float(validation_fraction)
        self.cluster_distance = float(cluster_distance)
        self.semi_supervised = semi_supervised
        self.consistency_weight = float(consistency_weight)
        self.ema_decay = float(ema_decay)
        self.patience = int(patience)
        self.width = int(width)
        self.hidden = int(hidden)
        self.dropout = float(dropout)
        self.mc_samples = int(mc_samples)
        self.class_balanced = bool(class_balanced)
        self.early_stopping = bool(early_stopping)
        self.ensemble = int(ensemble)
        self.nets_: List[PatchNet] = []
        self.metadata_: Dict[str, object] = {}

    # -- configuration ------------------------------------------------------------------------------------------

    def settings(self) -> Dict[str, object]:
        """The constructor arguments (recorded in the model file)."""
        keys = (
            "patch_size epochs batch_size learning_rate weight_decay seed device validation block_size "
            "validation_fraction cluster_distance semi_supervised consistency_weight ema_decay patience width "
            "hidden dropout mc_samples class_balanced early_stopping ensemble"
        ).split()
        return {k: getattr(self, k) for k in keys}

    def _check_settings(self) -> None:
        if self.patch_size < 5 or self.patch_size % 2 == 0:
            raise InputError("the patch size must be an odd number of cells, 5 or more.", "PATCH_SIZE")
        if self.epochs < 1:
            raise InputError("train for at least one epoch.", "EPOCHS")
        if self.batch_size < 2:
            raise InputError("the batch size must be 2 or more.", "BATCH_SIZE")
        if not (0 < self.learning_rate < 1):
            raise InputError("the learning rate must be between 0 and 1 (1e-3 is usual).", "LEARNING_RATE")
        if not 1 <= self.ensemble <= 100:
            raise InputError("the ensemble needs 1 to 100 networks (5 is usual).", "ENSEMBLE")

    def _build(self, n_bands: int, n_classes: int) -> PatchNet:
        net = PatchNet(n_bands, n_classes, self.patch_size, self.width, self.hidden)
        net.dropout_p = self.dropout
        return net

    # -- training -----------------------------------------------------------------------------------------------

    def fit(
        self,
        bands: np.ndarray,
        labels: np.ndarray,
        band_names: Optional[Sequence[str]] = None,
        sample_weight: Optional[np.ndarray] = None,
        grid: Optional[Dict[str, object]] = None,
        progress: ProgressCallback = None,
        is_cancelled: CancelCallback = None,
        log: LogCallback = None,
    ) -> "PatchCNN":
        """Train on a (bands, H, W) stack and an (H, W) label raster (integers; NaN or < 0 = unlabelled).

        ``sample_weight`` (H, W) is a confidence raster (NaN counts as 1). Returns ``self``.
        """
        self._check_settings()
        bands = np.asarray(bands, dtype=np.float32)
        if bands.ndim != 3:
            raise InputError("the evidence stack must be (bands, rows, columns).", "INPUT_RASTERS")
        n_bands, height, width = bands.shape
        labels = np.asarray(labels, dtype=np.float64)
        if labels.shape != (height, width):
            raise InputError("the label raster must be on the evidence rasters' grid.", "LABELS")
        names = list(band_names) if band_names is not None else [f"band {i + 1}" for i in range(n_bands)]
        if len(names) != n_bands:
            raise InputError("one band name is needed per band.", "INPUT_RASTERS")
        valid = valid_centres(bands)
        labelled = np.isfinite(labels) & (labels >= 0) & valid
        rows, cols = np.nonzero(labelled)
        y_raw = labels[rows, cols]
        if np.any(y_raw != np.round(y_raw)):
            raise InputError("labels must be whole class numbers (1 mineralised, 0 barren).", "LABELS")
        classes = np.unique(y_raw).astype(int)
        if classes.size < 2:
            raise InputError(
                "at least two classes are needed among labelled cells with evidence values "
                f"(found {classes.tolist()} in {rows.size} cells).",
                "LABELS",
            )
        y = np.searchsorted(classes, y_raw.astype(int))
        positive = int(classes.size - 1 if 1 not in classes else np.searchsorted(classes, 1))
        if sample_weight is not None:
            sw_full = np.asarray(sample_weight, dtype=np.float64)
            if sw_full.shape != (height, width):
                raise InputError("the confidence raster must be on the evidence rasters' grid.", "CONFIDENCE")
            sw = np.nan_to_num(sw_full[rows, cols], nan=1.0)
            sw = np.clip(sw, 0.0, None)
        else:
            sw = np.ones(rows.size)

        device = resolve_device(self.device)
        rng = np.random.default_rng(self.seed)
        halo = self.patch_size // 2
        median, scale = robust_normalisation(bands, seed=self.seed)
        padded = pad_halo(normalise(bands, median, scale), halo)
        block = self.block_size or max(4 * self.patch_size, int(round(math.sqrt(height * width) / 6)))
        train, val, split_info = spatial_split(
            rows,
            cols,
            y,
            (height, width),
            self.validation,
            block,
            self.patch_size - 1,
            rng,
            self.validation_fraction,
            positive,
            self.cluster_distance or None,
        )
        train = train[sw[train] > 0]
        unlabelled = valid & ~labelled
        semi = self.semi_supervised if self.semi_supervised is not None else bool(unlabelled.any())
        u_flat = np.flatnonzero(unlabelled) if semi else np.empty(0, np.int64)
        if u_flat.size > 1_000_000:  # a fixed random subset is plenty for the consistency loss
            u_flat = np.unique(u_flat[rng.integers(0, u_flat.size, 1_000_000)])
        u_rows, u_cols = np.divmod(u_flat, width)
        semi = semi and u_rows.size > 0
        counts = np.bincount(y[train], minlength=classes.size).astype(np.float64)
        class_w = (
            counts.sum() / (classes.size * np.maximum(counts, 1.0)) if self.class_balanced else np.ones(classes.size)
        )
        if log:
            log(
                f"{rows.size} labelled cells ({', '.join(f'class {c}: {int(np.sum(y == i))}' for i, c in enumerate(classes))}); "
                f"{split_info['method']} validation: {train.size} training, {val.size} validation cells, "
                f"{split_info['dropped_in_gap']} dropped in the gap between them; semi-supervised: {semi} "
                f"({u_rows.size} unlabelled cells); device {device}"
            )

        members, histories = [], []
        for member in range(self.ensemble):
            # member 0 continues the split's generator, so a single network trains exactly as before ensembles
            member_seed = self.seed + MEMBER_SEED_STEP * member
            member_rng = rng if member == 0 else np.random.default_rng(member_seed)
            prefix = f"member {member + 1}/{self.ensemble}: " if self.ensemble > 1 else ""

            def member_progress(fraction: float, member: int = member) -> None:
                report(progress, (member + fraction) / self.ensemble)

            net, history, best_epoch = self._fit_member(
                padded=padded,
                rows=rows,
                cols=cols,
                y=y,
                sw=sw,
                train=train,
                val=val,
                u_rows=u_rows,
                u_cols=u_cols,
                semi=semi,
                class_w=class_w,
                n_bands=n_bands,
                n_classes=classes.size,
                seed=member_seed,
                rng=member_rng,
                device=device,
                progress=member_progress,
                is_cancelled=is_cancelled,
                log=(lambda msg, prefix=prefix: log(prefix + msg)) if log else None,
            )
            members.append(net)
            histories.append({"best_epoch": best_epoch, "epochs_run": len(history), "history": history})
        self.nets_ = members
        val_x = torch.as_tensor(extract_patches(padded, rows[val], cols[val], self.patch_size))
        val_loss, val_acc, val_prob = self._evaluate(members, val_x, y[val], class_w, device)
        history = histories[0]["history"]
        iteration = history[-1]["iteration"] if history else 0
        y_val = y[val]
        pred = val_prob.argmax(axis=1)
        recall = [float(np.mean(pred[y_val == i] == i)) for i in range(classes.size)]
        metrics = {
            "best_epoch": histories[0]["best_epoch"],
            "epochs_run": len(history),
            "iterations": iteration,
            "ensemble": [{k: h[k] for k in ("best_epoch", "epochs_run")} for h in histories],
            "validation_loss": val_loss,
            "validation_accuracy": val_acc,
            "validation_balanced_accuracy": float(np.mean(recall)),
            "validation_roc_auc": roc_auc(y_val == positive, val_prob[:, positive]),
            "confusion_matrix": confusion(y_val, pred, classes.size),
            "split": split_info,
        }
        self.metadata_ = {
            "band_names": names,
            "normalisation": {"median": median.tolist(), "scale": scale.tolist(), "clip": CLIP},
            "patch_size": self.patch_size,
            "classes": classes.tolist(),
            "positive_class": int(classes[positive]),
            "grid": grid or {"width": width, "height": height},
            "settings": {**self.settings(), "device": device, "semi_supervised": semi, "block_size": block},
            "class_weights": class_w.tolist(),
            "metrics": metrics,
            "history": history,
            "member_histories": [h["history"] for h in histories[1:]],
            "data_hashes": {
                "bands": array_hash(bands),
                "labels": array_hash(labels),
                "weights": array_hash(None if sample_weight is None else np.asarray(sample_weight)),
            },
            "uncertainty": self.uncertainty_description(self.mc_samples),
            "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "torch_version": torch.__version__,
        }
        return self

    def _fit_member(
        self,
        padded: np.ndarray,
        rows: np.ndarray,
        cols: np.ndarray,
        y: np.ndarray,
        sw: np.ndarray,
        train: np.ndarray,
        val: np.ndarray,
        u_rows: np.ndarray,
        u_cols: np.ndarray,
        semi: bool,
        class_w: np.ndarray,
        n_bands: int,
        n_classes: int,
        seed: int,
        rng: np.random.Generator,
        device: str,
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
        log: LogCallback,
    ) -> Tuple[PatchNet, List[Dict[str, float]], int]:
        """Train one network from ``seed``; returns it (best validation weights, on the CPU), its history, best epoch."""
        history: List[Dict[str, float]] = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = self._build(n_bands, n_classes).to(device)
            teacher = copy.deepcopy(net).eval() if semi else None
            if teacher is not None:
                for p in teacher.parameters():
                    p.requires_grad_(False)
            optimiser = torch.optim.Adam(net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
            cw = torch.as_tensor(class_w, dtype=torch.float32, device=device)
            y_t = torch.as_tensor(y, dtype=torch.long)
            sw_t = torch.as_tensor(sw, dtype=torch.float32)
            val_x = torch.as_tensor(extract_patches(padded, rows[val], cols[val], self.patch_size))
            best = (math.inf, None, -1)
            iteration = 0
            for epoch in range(self.epochs):
                net.train()
                order = rng.permutation(train)
                tot_loss = tot_w = tot_correct = 0.0
                for start in range(0, order.size, self.batch_size):
                    check_cancelled(is_cancelled)
                    idx = order[start : start + self.batch_size]
                    x = torch.as_tensor(extract_patches(padded, rows[idx], cols[idx], self.patch_size))
                    x = augment(x, rng).to(device)
                    target = y_t[idx].to(device)
                    w = cw[target] * sw_t[idx].to(device)
                    logits = net(x).flatten(1)
                    loss = (F.cross_entropy(logits, target, reduction="none") * w).sum() / w.sum().clamp_min(1e-12)
                    if semi:
                        pick = rng.integers(0, u_rows.size, size=idx.size)
                        xu = torch.as_tensor(extract_patches(padded, u_rows[pick], u_cols[pick], self.patch_size))
                        student = F.softmax(net(augment(xu, rng).to(device)).flatten(1), dim=1)
                        with torch.no_grad():
                            target_u = F.softmax(teacher(augment(xu, rng).to(device)).flatten(1), dim=1)
                        ramp = math.exp(-5.0 * (1.0 - min(1.0, (epoch + 1) / max(1.0, 0.3 * self.epochs))) ** 2)
                        loss = loss + self.consistency_weight * ramp * F.mse_loss(student, target_u)
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                    if teacher is not None:
                        decay = min(self.ema_decay, (iteration + 1) / (iteration + 10))
                        with torch.no_grad():
                            for pt, ps in zip(teacher.parameters(), net.parameters()):
                                pt.mul_(decay).add_(ps.detach(), alpha=1 - decay)
                    iteration += 1
                    with torch.no_grad():
                        tot_loss += float(loss) * float(w.sum())
                        tot_w += float(w.sum())
                        tot_correct += float(((logits.argmax(1) == target).float() * w).sum())
                model = teacher if teacher is not None else net
                val_loss, val_acc, _ = self._evaluate([model], val_x, y[val], class_w, device)
                record = {
                    "epoch": epoch + 1,
                    "iteration": iteration,
                    "train_loss": tot_loss / max(tot_w, 1e-12),
                    "train_accuracy": tot_correct / max(tot_w, 1e-12),
                    "val_loss": val_loss,
                    "val_accuracy": val_acc,
                }
                history.append(record)
                if log:
                    log(
                        f"epoch {epoch + 1}/{self.epochs} (iteration {iteration}): train loss {record['train_loss']:.4f} "
                        f"acc {record['train_accuracy']:.3f} | validation loss {val_loss:.4f} acc {val_acc:.3f}"
                    )
                report(progress, (epoch + 1) / self.epochs)
                if not self.early_stopping:
                    best = (val_loss, copy.deepcopy(model.state_dict()), epoch + 1)  # keep the last weights
                elif val_loss < best[0] - 1e-6:
                    best = (val_loss, copy.deepcopy(model.state_dict()), epoch + 1)
                elif epoch + 1 - best[2] >= self.patience:
                    if log:
                        log(f"early stop: validation loss has not improved for {self.patience} epochs")
                    break
            if best[1] is None:  # every validation loss was NaN: the optimiser diverged
                raise InputError(
                    "training diverged (the validation loss is not a number); lower LEARNING_RATE.", "LEARNING_RATE"
                )
            final = self._build(n_bands, n_classes)
            final.load_state_dict({k: v.cpu() for k, v in best[1].items()})
            final.eval()
        return final, history, best[2]

    @staticmethod
    def _evaluate(
        models: Sequence[PatchNet], x: torch.Tensor, y: np.ndarray, class_w: np.ndarray, device: str, batch: int = 1024
    ) -> Tuple[float, float, np.ndarray]:
        """Class-weighted loss, accuracy and mean probabilities of networks on fixed patches (no augmentation)."""
        probs = []
        for model in models:
            was_training, was_on = model.training, next(model.parameters()).device
            model.to(device).eval()
            member = []
            with torch.no_grad():
                for start in range(0, x.shape[0], batch):
                    logits = model(x[start : start + batch].to(device)).flatten(1)
                    member.append(F.softmax(logits, dim=1).cpu().numpy())
            model.train(was_training).to(was_on)
            probs.append(np.concatenate(member).astype(np.float64))
        prob = np.mean(probs, axis=0)
        w = class_w[y]
        loss = float(np.sum(-np.log(np.clip(prob[np.arange(y.size), y], 1e-12, 1.0)) * w) / np.sum(w))
        return loss, float(np.mean(prob.argmax(1) == y)), prob

    # -- prediction ---------------------------------------------------------------------------------------------

    @property
    def net_(self) -> Optional[PatchNet]:
        """The first (or only) network of the ensemble; None before training."""
        return self.nets_[0] if self.nets_ else None

    def _require_fitted(self) -> List[PatchNet]:
        if not self.nets_:
            raise InputError("the model is not trained yet; call fit() or load() first.", "MODEL")
        return self.nets_

    def uncertainty_description(self, mc_samples: int) -> str:
        """What OUTPUT_UNCERTAINTY holds, for the model file, logs and reports."""
        n = len(self.nets_) or self.ensemble
        parts = []
        if n > 1:
            parts.append(f"the {n} ensemble networks")
        if mc_samples > 0:
            parts.append(f"{mc_samples} MC-dropout masks (p = {self.dropout}){' each' if n > 1 else ''}")
        if not parts:
            return "none (one network, no MC-dropout samples)"
        return "standard deviation of the positive-class probability over " + " x ".join(parts)

    @property
    def band_names(self) -> List[str]:
        return list(self.metadata_.get("band_names", []))

    def _norm(self) -> Tuple[np.ndarray, np.ndarray]:
        n = self.metadata_["normalisation"]
        return np.asarray(n["median"], dtype=np.float32), np.asarray(n["scale"], dtype=np.float32)

    def _check_bands(self, bands: np.ndarray) -> None:
        if bands.ndim != 3 or bands.shape[0] != len(self.band_names):
            raise InputError(
                f"the model needs {len(self.band_names)} bands ({', '.join(self.band_names)}), got "
                f"{bands.shape[0] if bands.ndim == 3 else 'an array of shape ' + str(bands.shape)}.",
                "INPUT_RASTERS",
            )

    def predict_proba_cells(
        self, bands: np.ndarray, rows: np.ndarray, cols: np.ndarray, device: str = "cpu", batch: int = 2048
    ) -> np.ndarray:
        """(n, classes) probabilities at given cells, one patch at a time through the patch classifier (ensemble mean)."""
        nets = self._require_fitted()
        bands = np.asarray(bands, dtype=np.float32)
        self._check_bands(bands)
        median, scale = self._norm()
        padded = pad_halo(normalise(bands, median, scale), self.patch_size // 2)
        dev = resolve_device(device)
        out = []
        try:
            with torch.no_grad():
                for net in nets:
                    net.to(dev).eval()
                for start in range(0, len(rows), batch):
                    x = torch.as_tensor(
                        extract_patches(
                            padded, rows[start : start + batch], cols[start : start + batch], self.patch_size
                        )
                    ).to(dev)
                    probs = [F.softmax(net(x).flatten(1), dim=1) for net in nets]
                    out.append(torch.stack(probs).mean(0).cpu().numpy())
        finally:
            for net in nets:
                net.cpu()
        prob = np.concatenate(out) if out else np.empty((0, len(self.metadata_["classes"])), np.float32)
        prob[~valid_centres(bands)[rows, cols]] = np.nan
        return prob

    def _positive_index(self) -> int:
        return list(self.metadata_["classes"]).index(self.metadata_["positive_class"])

    def predict_window(
        self, window: np.ndarray, device: str = "cpu", mc_samples: int = 0, seed: int = 0
    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Dense prediction over a (bands, h + 2 halo, w + 2 halo) window (NaN = nodata, also outside the raster).

        Returns the positive-class probability (h, w), the mean over the ensemble's networks, and, when
        ``mc_samples`` > 0, its standard deviation (h, w) over every network's MC-dropout samples; NaN where the
        centre cell lacks a band.
        """
        nets = self._require_fitted()
        median, scale = self._norm()
        halo = self.patch_size // 2
        inner = window[:, halo : window.shape[1] - halo, halo : window.shape[2] - halo]
        bad = ~valid_centres(inner)
        pos = self._positive_index()
        x = torch.as_tensor(normalise(window, median, scale))[None].to(device)
        total = None
        sums = squares = None
        with torch.no_grad():
            gen = torch.Generator(device=device).manual_seed(seed) if mc_samples > 0 else None
            for net in nets:
                net.eval()
                h = net.hidden(x)
                p = F.softmax(net.head(h), dim=1)[0, pos]
                total = p if total is None else total + p
                if gen is None:
                    continue
                # One dropout mask per sample, shared by the tile's cells: each cell's distribution over masks is
                # exactly per-patch MC-dropout, and the masks fold into the last layer's weights (one matmul).
                keep = 1.0 - net.dropout_p
                n_hidden, n_classes = h.shape[1], net.out.weight.shape[0]
                masks = (torch.rand(mc_samples, n_hidden, generator=gen, device=device) < keep).float() / keep
                weight = net.out.weight[:, :, 0, 0]  # (classes, hidden)
                folded = (masks[:, None, :] * weight[None]).reshape(mc_samples * n_classes, n_hidden)
                cells = h[0].reshape(n_hidden, -1).T  # (cells, hidden)
                logits = (cells @ folded.T + net.out.bias.repeat(mc_samples)).reshape(-1, mc_samples, n_classes)
                samples = F.softmax(logits, dim=2)[:, :, pos].double()  # float64 sums: no cancellation below
                sums = samples.sum(1) if sums is None else sums + samples.sum(1)
                squares = (samples**2).sum(1) if squares is None else squares + (samples**2).sum(1)
            prob = (total / len(nets)).cpu().numpy()
            std = None
            if sums is not None:
                n_samples = mc_samples * len(nets)
                mean = sums / n_samples
                var = (squares / n_samples - mean**2).clamp_min(0.0)
                std = var.sqrt().reshape(prob.shape).cpu().numpy()
        prob[bad] = np.nan
        if std is not None:
            std[bad] = np.nan
        return prob.astype(np.float32), std if std is None else std.astype(np.float32)

    def predict_tiled(
        self,
        read_window: Callable[[int, int, int, int], np.ndarray],
        height: int,
        width: int,
        write_window: Callable[[int, int, np.ndarray, Optional[np.ndarray]], None],
        tile: int = 512,
        device: str = "auto",
        mc_samples: Optional[int] = None,
        progress: ProgressCallback = None,
        is_cancelled: CancelCallback = None,
    ) -> None:
        """Dense prediction tile by tile; memory is bounded by the tile size whatever the raster size.

        ``read_window(row0, row1, col0, col1)`` returns the bands of that (possibly out-of-raster) window, NaN
        outside; ``write_window(row0, col0, prob, std)`` receives each finished tile.
        """
        nets = self._require_fitted()
        dev = resolve_device(device)
        mc = self.mc_samples if mc_samples is None else int(mc_samples)
        halo = self.patch_size // 2
        for net in nets:
            net.to(dev)
        tiles = [(r, c) for r in range(0, height, tile) for c in range(0, width, tile)]
        try:
            for i, (r0, c0) in enumerate(tiles):
                check_cancelled(is_cancelled)
                r1, c1 = min(height, r0 + tile), min(width, c0 + tile)
                window = read_window(r0 - halo, r1 + halo, c0 - halo, c1 + halo)
                prob, std = self.predict_window(window, dev, mc, seed=self.seed + i)
                write_window(r0, c0, prob, std)
                report(progress, (i + 1) / len(tiles))
        finally:
            for net in nets:
                net.cpu()

    def predict_proba(
        self, bands: np.ndarray, device: str = "auto", tile: int = 512, mc_samples: int = 0
    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Positive-class probability (H, W) for an in-memory stack, dense and tiled (+ MC-dropout std if asked)."""
        bands = np.asarray(bands, dtype=np.float32)
        self._check_bands(bands)
        height, width = bands.shape[1:]
        prob = np.full((height, width), np.nan, np.float32)
        std = np.full((height, width), np.nan, np.float32) if mc_samples else None
        reader = window_reader(bands)

        def write(r0: int, c0: int, p: np.ndarray, s: Optional[np.ndarray]) -> None:
            prob[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = p
            if std is not None and s is not None:
                std[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = s

        self.predict_tiled(reader, height, width, write, tile=tile, device=device, mc_samples=mc_samples)
        return prob, std

    # -- model files --------------------------------------------------------------------------------------------

    def save(self, path: str, extra: Optional[Dict[str, object]] = None, parameter: str = "OUTPUT_MODEL") -> str:
        """Write the model atomically: weights as tensors, metadata as JSON (nothing executable).

        ``parameter`` names the output in error messages.
        """
        from ..io.rasters import atomic_output

        nets = self._require_fitted()
        metadata = dict(self.metadata_)
        if extra:
            metadata.update(extra)
        weights = {
            f"member{i}.{k}": v.detach().cpu().contiguous().clone()
            for i, net in enumerate(nets)
            for k, v in net.state_dict().items()
        }
        payload = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "metadata": json.dumps(metadata, sort_keys=True, default=_json_default),
            "weights": weights,
        }
        with atomic_output(path, parameter) as tmp:
            torch.save(payload, tmp)
        return path

    @classmethod
    def load(cls, path: str) -> "PatchCNN":
        """Read a model file; refuse anything that is not a valid, safe GeoChem Prospector model."""
        if not os.path.isfile(path):
            raise ModelFileError(f"the model file '{path}' does not exist.", "MODEL")
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # corrupt zip, foreign pickle, code-carrying pickle refused by weights_only
            raise ModelFileError(
                f"'{os.path.basename(path)}' is not a GeoChem Prospector model file, is damaged, or holds "
                f"objects that are unsafe to load ({type(exc).__name__}); train a model with prospector:traincnn.",
                "MODEL",
            ) from None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ModelFileError(
                f"'{os.path.basename(path)}' is not a GeoChem Prospector CNN model (unknown format).", "MODEL"
            )
        version = payload.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ModelFileError(f"model format version {version!r} is newer than this plugin; update it.", "MODEL")
        try:
            metadata = json.loads(payload["metadata"])
            weights = payload["weights"]
            settings = metadata["settings"]
            classes = metadata["classes"]
            names = metadata["band_names"]
            norm = metadata["normalisation"]
            if not (isinstance(weights, dict) and all(isinstance(v, torch.Tensor) for v in weights.values())):
                raise TypeError("weights are not tensors")
            if len(norm["median"]) != len(names) or len(norm["scale"]) != len(names):
                raise ValueError("normalisation does not match the bands")
            model = cls(**{k: v for k, v in settings.items() if k in cls().settings()})
            if version == 1:  # one network, unprefixed keys
                weights = {f"member0.{k}": v for k, v in weights.items()}
            members: Dict[int, Dict[str, torch.Tensor]] = {}
            for key, value in weights.items():
                member, _, layer = key.partition(".")
                if not (member.startswith("member") and member[6:].isdigit() and layer):
                    raise KeyError(f"unexpected weight '{key}'")
                members.setdefault(int(member[6:]), {})[layer] = value
            if sorted(members) != list(range(len(members))) or len(members) != model.ensemble:
                raise ValueError(f"{len(members)} networks stored, the settings say {model.ensemble}")
            nets = []
            for i in range(len(members)):
                net = model._build(len(names), len(classes))
                net.load_state_dict(members[i], strict=True)
                nets.append(net.eval())
        except ModelFileError:
            raise
        except Exception as exc:
            raise ModelFileError(
                f"'{os.path.basename(path)}' is damaged or inconsistent ({type(exc).__name__}: {exc}).", "MODEL"
            ) from None
        model.nets_ = nets
        model.metadata_ = metadata
        return model

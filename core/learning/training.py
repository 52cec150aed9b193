"""Training one patch network: the validated settings, the prepared data, the epoch loop with early stopping.

The estimator (:mod:`.estimator`) prepares a :class:`TrainingData` once and trains every ensemble member from it
with :func:`train_network`; :func:`evaluate_networks` scores networks on fixed validation patches.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..evaluation.auc import roc_auc as auc_of_scores
from ..lazy import lazy_function
from .distil import DISTIL_BATCH_FACTOR, DISTIL_TARGETS, TEACHERS, distillation_loss, draw_targets
from .network import PatchNet, receptive_field
from .patches import DevicePatches, augment, device_bytes_free, extract_patches
from .pu import UNLABELLED_PER_POSITIVE, log_odds, nnpu_risk
from .sparsity import CHOOSE, group_soft_threshold, shrink_first_layers

softmax = lazy_function("scipy.special", "softmax")  # scipy imported when used: the plugin loads without it

LogCallback = Optional[Callable[[str], None]]
History = List[Dict[str, float]]

#: how the networks learn: "pseudolabels", class-balanced cross-entropy on the labelled cells (with the mean
#: teacher on unlabelled ones); "pu", positives against every other valid cell as unlabelled (non-negative PU risk)
TRAINING_MODES = ("pseudolabels", "pu")

#: what the bands go through before the median / IQR normalisation: "robust", nothing (every model before
#: INPUT_TRANSFORM); "quantile", each band's normal scores through quantiles fitted on the training stack
#: (:mod:`.quantiles`); "piecewise", nothing before the normalisation, then each band's piecewise-linear encoding
#: in bins at its training quantiles, as the network's first layer (:mod:`.piecewise`)
INPUT_TRANSFORMS = ("robust", "quantile", "piecewise")


@dataclass(frozen=True)
class TrainingConfig:
    """The estimator's settings, checked and converted to their types (the names are the model file's keys)."""

    patch_size: int
    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    seed: int
    device: str
    validation: str
    block_size: int
    validation_fraction: float
    cluster_distance: float
    semi_supervised: Optional[bool]
    consistency_weight: float
    ema_decay: float
    patience: int
    width: int
    hidden: int
    dropout: float
    mc_samples: int
    class_balanced: bool
    early_stopping: bool
    ensemble: int
    training: str
    class_prior: float
    coarse: int
    pretrain_epochs: int
    barren_ratio: float
    input_transform: str
    teacher: str
    distil_weight: float
    band_sparsity: float
    distil_target: str

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "TrainingConfig":
        """Convert and check constructor arguments; an :class:`InputError` names the parameter at fault."""
        converted: Dict[str, Any] = {}
        for f in fields(cls):
            value = params[f.name]
            if f.name == "device":
                converted[f.name] = str(value or "auto")
            elif f.name in ("validation", "training", "input_transform", "teacher", "distil_target"):
                converted[f.name] = str(value)
            elif f.name == "semi_supervised":
                converted[f.name] = None if value is None else bool(value)
            else:
                kind = {"int": int, "float": float, "bool": bool}[str(f.type)]
                converted[f.name] = kind(value)
        config = cls(**converted)
        config.check()
        return config

    def check(self) -> None:
        if not (self.patch_size == 1 or (self.patch_size >= 5 and self.patch_size % 2 == 1)):
            raise InputError(
                "the patch size must be an odd number of cells, 5 or more (or 1: a per-cell network, no context).",
                "PATCH_SIZE",
            )
        if self.epochs < 1:
            raise InputError("train for at least one epoch.", "EPOCHS")
        if self.batch_size < 2:
            raise InputError("the batch size must be 2 or more.", "BATCH_SIZE")
        if not (0 < self.learning_rate < 1):
            raise InputError("the learning rate must be between 0 and 1 (1e-3 is usual).", "LEARNING_RATE")
        if not 1 <= self.ensemble <= 100:
            raise InputError("the ensemble needs 1 to 100 networks (5 is usual).", "ENSEMBLE")
        if self.coarse not in (0, 1) and self.patch_size == 1:
            raise InputError("the coarse view needs a patch of 5 cells or more (got 1).", "COARSE_VIEW")
        if self.coarse not in (0, 1) and (self.coarse < 3 or self.coarse % 2 == 0 or self.field > 255):
            raise InputError(
                "the coarse view needs an odd factor of 3 or more (0 = none), and the patch size times it must "
                f"not exceed 255 cells (got {self.coarse} x {self.patch_size}).",
                "COARSE_VIEW",
            )
        if self.pretrain_epochs < 0:
            raise InputError("pre-train for 0 (none) or more epochs.", "PRETRAIN_EPOCHS")
        if self.input_transform not in INPUT_TRANSFORMS:
            raise InputError(
                f"unknown input transform '{self.input_transform}'; use {' or '.join(INPUT_TRANSFORMS)}.",
                "INPUT_TRANSFORM",
            )
        if self.teacher not in TEACHERS:
            raise InputError(f"unknown teacher '{self.teacher}'; use {' or '.join(TEACHERS)}.", "TEACHER")
        if self.distil_target not in DISTIL_TARGETS:
            raise InputError(
                f"unknown distillation target '{self.distil_target}'; use {' or '.join(DISTIL_TARGETS)}.",
                "DISTIL_TARGET",
            )
        if not 0.0 <= self.distil_weight <= 100.0:
            raise InputError(
                f"the distillation weight must be from 0 to 100 (1 is usual; got {self.distil_weight:g}).",
                "DISTIL_WEIGHT",
            )
        if not (self.band_sparsity == CHOOSE or 0.0 <= self.band_sparsity <= 1000.0):
            raise InputError(
                "the band sparsity must be 0 (none), a strength up to 1000, or -1 (chosen on the validation cells; "
                f"got {self.band_sparsity:g}).",
                "BAND_SPARSITY",
            )
        if self.training not in TRAINING_MODES:
            raise InputError(f"unknown training '{self.training}'; use {' or '.join(TRAINING_MODES)}.", "TRAINING")
        if not (self.barren_ratio == 0 or 0.1 <= self.barren_ratio <= 1000):
            raise InputError(
                "draw from 0.1 to 1000 barren cells per positive cell in each epoch, or 0 for every barren cell in "
                f"every epoch (got {self.barren_ratio:g}).",
                "BARREN_RATIO",
            )
        if not 0.0 <= self.class_prior < 1.0:
            raise InputError(
                "the class prior must be from 0 (automatic) to below 1: the share of positive ground among all cells.",
                "CLASS_PRIOR",
            )

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @property
    def field(self) -> int:
        """The cells across the window the network sees around a cell (patches are cut this large)."""
        return receptive_field(self.patch_size, self.coarse)

    def build(self, n_bands: int, n_classes: int, edges: Optional[np.ndarray] = None) -> PatchNet:
        """A fresh network of these settings (weights from torch's current random state); ``edges`` (bands,
        bins + 1), the piecewise-linear encoding's bin edges in normalised units, are needed with INPUT_TRANSFORM
        piecewise (:func:`.piecewise.piecewise_edges`) and ignored otherwise."""
        bins = 0
        if self.input_transform == "piecewise":
            if edges is None:
                raise ValueError("INPUT_TRANSFORM piecewise builds its network from bin edges; none were given")
            bins = int(np.shape(edges)[1]) - 1
        net = PatchNet(n_bands, n_classes, self.patch_size, self.width, self.hidden, self.coarse, bins)
        if bins:
            net.set_edges(edges)
        net.dropout_p = self.dropout
        return net


@dataclass
class TrainingData:
    """Everything one ensemble member trains on, prepared once for all members.

    ``rows``/``cols``/``y``/``weights`` describe the labelled cells; ``train`` and ``val`` index into them.
    """

    padded: np.ndarray  # normalised bands with a halo of field // 2 cells
    rows: np.ndarray
    cols: np.ndarray
    y: np.ndarray  # class index per labelled cell
    weights: np.ndarray  # confidence weight per labelled cell
    train: np.ndarray
    val: np.ndarray
    unlabelled_rows: np.ndarray
    unlabelled_cols: np.ndarray
    semi_supervised: bool
    class_weights: np.ndarray
    n_bands: int
    n_classes: int
    prior: Optional[float] = None  # positive-unlabelled training: y = 1 positives, 0 unlabelled, with this prior
    valid_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # every valid cell (pre-training)
    valid_cols: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    positive: Optional[int] = None  # class index of the mineralised class (None: the last class)
    edges: Optional[np.ndarray] = None  # INPUT_TRANSFORM piecewise: the bin edges (bands, bins + 1), normalised
    # TEACHER: every valid cell the teacher scored, and its positive-class probability there (None: no teacher)
    soft_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    soft_cols: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    soft_targets: Optional[np.ndarray] = None


#: the fewest barren cells an epoch draws when BARREN_RATIO caps them, so that a few positive cells still make an
#: epoch of some 30 batches of 64 and early stopping judges whole passes over something, not a handful of batches
MIN_BARREN_PER_EPOCH = 2048


class EpochSampler:
    """The training cells each epoch visits: every positive (mineralised) training cell and, with ``barren_ratio``
    > 0, at most ``barren_ratio`` barren cells (every other class) per positive one, but at least
    MIN_BARREN_PER_EPOCH, so that an epoch's cost grows with the positives, not with the barren ground.

    The barren cells of an epoch are the next ones of a shuffled cycle through all of them (a new shuffle when a
    cycle is used up), so every barren cell is visited once every ``ceil(n_barren / cap)`` epochs or so, and none
    twice in one epoch. Each drawn barren cell weighs ``n / drawn`` of its class (an importance weight), so an
    epoch's expected loss is the loss over every training cell, with the class balancing unchanged. Without a cap
    (ratio 0, or fewer barren cells than the cap) an epoch is a permutation of every training cell, as before.
    """

    def __init__(self, data: TrainingData, barren_ratio: float) -> None:
        positive = data.n_classes - 1 if data.positive is None else data.positive
        self.train = data.train
        self.y = data.y
        self.n_classes = data.n_classes
        is_positive = data.y[data.train] == positive
        self.positives = data.train[is_positive]
        self.barren = data.train[~is_positive]
        self.floor = MIN_BARREN_PER_EPOCH
        cap = max(math.ceil(barren_ratio * self.positives.size), self.floor) if barren_ratio > 0 else 0
        self.capped = 0 < cap < self.barren.size
        self.cap = cap if self.capped else int(self.barren.size)
        self._queue = np.empty(0, np.int64)
        counts = np.bincount(data.y[self.barren], minlength=self.n_classes).astype(np.float64)
        self._barren_counts = counts

    @property
    def per_epoch(self) -> int:
        """Training cells visited in one epoch."""
        return int(self.positives.size + self.cap)

    def epoch(self, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
        """The cells of the next epoch in visiting order, and the per-class factor of their loss weights."""
        if not self.capped:
            return rng.permutation(self.train), np.ones(self.n_classes)
        if self._queue.size >= self.cap:
            drawn, self._queue = self._queue[: self.cap], self._queue[self.cap :]
        else:  # the rest of this cycle, then the start of a new one without those cells
            fresh = rng.permutation(self.barren)
            fresh = fresh[~np.isin(fresh, self._queue)]
            need = self.cap - self._queue.size
            drawn, self._queue = np.concatenate([self._queue, fresh[:need]]), fresh[need:]
        drawn_counts = np.bincount(self.y[drawn], minlength=self.n_classes).astype(np.float64)
        factor = np.ones(self.n_classes)
        seen = drawn_counts > 0
        factor[seen] = self._barren_counts[seen] / drawn_counts[seen]
        factor[self._barren_counts == 0] = 1.0
        return rng.permutation(np.concatenate([self.positives, drawn])), factor


class HostBatches:
    """The patches of one epoch cut with numpy on the host, augmented there and moved to the device batch by
    batch, every random draw taken from ``rng`` when the batch is made (the CPU's way, and every model's before
    :class:`DeviceBatches`: seeds give the same networks as before)."""

    def __init__(self, data: TrainingData, size: int, device: str) -> None:
        self.data, self.size, self.device = data, size, device
        self.y = torch.as_tensor(data.y, dtype=torch.long)
        self.weights = torch.as_tensor(data.weights, dtype=torch.float32)
        self.order = np.empty(0, np.int64)
        self.pick = np.empty(0, np.int64)  # the pre-training epoch's valid cells

    def start_epoch(self, order: np.ndarray, rng: np.random.Generator, distil: bool, unlabelled: bool) -> None:
        self.order = order

    def _patches(self, rows: np.ndarray, cols: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        return augment(torch.as_tensor(extract_patches(self.data.padded, rows, cols, self.size)), rng).to(self.device)

    def start_pretraining(self, pick: np.ndarray, rng: np.random.Generator) -> None:
        """A pre-training epoch over the valid cells ``pick`` (indices into ``data.valid_rows``)."""
        self.pick = pick

    def pretraining(self, start: int, stop: int, rng: np.random.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        """Patches of the epoch's valid cells start:stop and which bands each hides (:func:`hidden_bands`)."""
        data, idx = self.data, self.pick[start:stop]
        x = augment(
            torch.as_tensor(extract_patches(data.padded, data.valid_rows[idx], data.valid_cols[idx], self.size)), rng
        )
        hidden = torch.as_tensor(hidden_bands(x.shape[0], data.n_bands, rng))
        return x.to(self.device), hidden.to(self.device)

    def labelled(
        self, start: int, stop: int, rng: np.random.Generator
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Patches, class indices and confidence weights of the epoch's cells start:stop."""
        idx = self.order[start:stop]
        x = self._patches(self.data.rows[idx], self.data.cols[idx], rng)
        return x, self.y[idx].to(self.device), self.weights[idx].to(self.device)

    def soft(self, start: int, stop: int, rng: np.random.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        """Patches of DISTIL_BATCH_FACTOR teacher-scored cells per labelled cell start:stop, and their targets."""
        data = self.data
        assert data.soft_targets is not None
        pick = draw_targets(data.soft_targets.size, (stop - start) * DISTIL_BATCH_FACTOR, rng)
        x = self._patches(data.soft_rows[pick], data.soft_cols[pick], rng)
        return x, torch.as_tensor(data.soft_targets[pick]).to(self.device)

    def unlabelled(self, start: int, stop: int, rng: np.random.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        """One unlabelled cell per labelled cell start:stop, in two independent orientations (student, teacher)."""
        data = self.data
        pick = rng.integers(0, data.unlabelled_rows.size, size=stop - start)
        x = torch.as_tensor(
            extract_patches(data.padded, data.unlabelled_rows[pick], data.unlabelled_cols[pick], self.size)
        )
        return augment(x, rng).to(self.device), augment(x, rng).to(self.device)


class DeviceBatches:
    """The same batches as :class:`HostBatches`, made on the device: the stack, the cells and their labels are
    copied there once (for every network of an ensemble), each epoch's random draws (orientations, unlabelled and
    teacher-scored cells) are drawn at its start and copied in one go, and each batch is one gather
    (:class:`.patches.DevicePatches`). The draws come from ``rng`` in another order than on the host, so a seed
    gives other (equally valid) networks there."""

    def __init__(self, data: TrainingData, size: int, device: str) -> None:
        self.device = device
        self.patches = DevicePatches(data.padded, size, device)
        put = self._put
        self.rows, self.cols = put(data.rows), put(data.cols)
        self.y, self.weights = put(data.y), put(data.weights, torch.float32)
        self.unlabelled_rows, self.unlabelled_cols = put(data.unlabelled_rows), put(data.unlabelled_cols)
        self.soft_rows, self.soft_cols = put(data.soft_rows), put(data.soft_cols)
        self.soft_targets = None if data.soft_targets is None else put(data.soft_targets, torch.float32)
        self.draws: Dict[str, torch.Tensor] = {}
        self.valid = (data.valid_rows, data.valid_cols)  # every valid cell: copied when pre-training starts
        self.valid_rows: Optional[torch.Tensor] = None
        self.valid_cols: Optional[torch.Tensor] = None
        self.pretrain_draws: Dict[str, torch.Tensor] = {}

    def _put(self, values: np.ndarray, dtype: torch.dtype = torch.long) -> torch.Tensor:
        return torch.as_tensor(values).to(device=self.device, dtype=dtype)

    def start_epoch(self, order: np.ndarray, rng: np.random.Generator, distil: bool, unlabelled: bool) -> None:
        n, put = order.size, self._put
        draws = {"order": order, "ks": rng.integers(0, 8, n)}
        if distil:
            assert self.soft_targets is not None
            draws["soft"] = draw_targets(self.soft_targets.numel(), n * DISTIL_BATCH_FACTOR, rng)
            draws["soft_ks"] = rng.integers(0, 8, n * DISTIL_BATCH_FACTOR)
        if unlabelled:
            draws["unlabelled"] = rng.integers(0, self.unlabelled_rows.numel(), n)
            draws["student_ks"] = rng.integers(0, 8, n)
            draws["teacher_ks"] = rng.integers(0, 8, n)
        self.draws = {name: put(values) for name, values in draws.items()}

    def labelled(
        self, start: int, stop: int, rng: np.random.Generator
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        idx = self.draws["order"][start:stop]
        x = self.patches.gather(self.rows[idx], self.cols[idx], self.draws["ks"][start:stop])
        return x, self.y[idx], self.weights[idx]

    def soft(self, start: int, stop: int, rng: np.random.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        assert self.soft_targets is not None
        span = slice(start * DISTIL_BATCH_FACTOR, stop * DISTIL_BATCH_FACTOR)
        pick = self.draws["soft"][span]
        x = self.patches.gather(self.soft_rows[pick], self.soft_cols[pick], self.draws["soft_ks"][span])
        return x, self.soft_targets[pick]

    def start_pretraining(self, pick: np.ndarray, rng: np.random.Generator) -> None:
        """The pre-training epoch's draws (orientations, hidden bands) taken at its start and copied in one go, the
        valid cells' positions copied once."""
        if self.valid_rows is None:
            self.valid_rows, self.valid_cols = self._put(self.valid[0]), self._put(self.valid[1])
        n, bands = pick.size, self.patches.bands
        draws = {"pick": pick, "ks": rng.integers(0, 8, n)}
        self.pretrain_draws = {name: self._put(values) for name, values in draws.items()}
        self.pretrain_draws["hidden"] = self._put(hidden_bands(n, bands, rng), torch.bool)

    def pretraining(self, start: int, stop: int, rng: np.random.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        draws = self.pretrain_draws
        idx = draws["pick"][start:stop]
        assert self.valid_rows is not None and self.valid_cols is not None  # start_pretraining copied them
        x = self.patches.gather(self.valid_rows[idx], self.valid_cols[idx], draws["ks"][start:stop])
        return x, draws["hidden"][start:stop]

    def unlabelled(self, start: int, stop: int, rng: np.random.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        pick = self.draws["unlabelled"][start:stop]
        rows, cols = self.unlabelled_rows[pick], self.unlabelled_cols[pick]
        student = self.patches.gather(rows, cols, self.draws["student_ks"][start:stop])
        return student, self.patches.gather(rows, cols, self.draws["teacher_ks"][start:stop])


#: the share of the device's free memory the stack may take for :class:`DeviceBatches` (the rest is the network's)
DEVICE_STACK_SHARE = 0.5


def batches_for(data: TrainingData, size: int, device: str) -> Union[HostBatches, DeviceBatches]:
    """Device batches on a CUDA device when the stack is in memory and fits; host batches otherwise: on the CPU
    (where they keep every seed's networks, and the gather was slower: 3,224 against 4,675 samples/s at batch 64 on
    2 cores) and for a stack streamed from disk."""
    if (
        device.startswith("cuda")
        and isinstance(data.padded, np.ndarray)
        and data.padded.size * 4 * 2 < DEVICE_STACK_SHARE * device_bytes_free(device)  # x 2: the permuted copy
    ):
        return DeviceBatches(data, size, device)
    return HostBatches(data, size, device)


@dataclass
class MemberStart:
    """A network's starting point, made where torch's global random state is seeded (the calling thread): the
    network, the pre-training decoder (PRETRAIN_EPOCHS > 0, else None), the generator its dropout masks come from
    on the CPU (None on a GPU: the device's global one, as before) and the network the best weights go into."""

    net: PatchNet
    decoder: Optional[torch.nn.Conv2d]
    generator: Optional[torch.Generator]
    final: PatchNet


def start_member(config: TrainingConfig, data: TrainingData, seed: int, device: str) -> MemberStart:
    """Build a network from ``seed`` and take every draw training needs from torch's global random state here, in
    the order training used to take them (the weights, the pre-training decoder, then the dropout masks), so that
    the network trains alike in this thread or another and torch's global state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = config.build(data.n_bands, data.n_classes, data.edges).to(device)
        if config.band_sparsity > 0:
            shrink_first_layers(net)
        decoder = None
        if config.pretrain_epochs > 0 and data.valid_rows.size > 0:
            decoder = torch.nn.Conv2d(net.fc.out_channels, data.n_bands, 1).to(device)
        generator = None
        if not device.startswith("cuda"):
            generator = torch.Generator()
            generator.set_state(torch.get_rng_state())
        final = config.build(data.n_bands, data.n_classes, data.edges)
    return MemberStart(net, decoder, generator, final)


def validation_patches(config: TrainingConfig, data: TrainingData) -> torch.Tensor:
    """The validation cells' patches, cut once for every network of an ensemble."""
    return torch.as_tensor(extract_patches(data.padded, data.rows[data.val], data.cols[data.val], config.field))


def train_network(
    config: TrainingConfig,
    data: TrainingData,
    seed: int,
    rng: np.random.Generator,
    device: str,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    log: LogCallback = None,
    val_x: Optional[torch.Tensor] = None,
    batches: Optional[Union[HostBatches, DeviceBatches]] = None,
) -> Tuple[PatchNet, History, int]:
    """Train one network from ``seed`` in this thread; returns it (best validation weights, on the CPU), its
    history, best epoch. ``val_x`` and ``batches`` as for :func:`fit_member`."""
    with torch.random.fork_rng(devices=[]):  # a GPU's dropout draws from the device's global state, seeded here
        start = start_member(config, data, seed, device)
        if start.generator is None:
            torch.manual_seed(seed)
        return fit_member(config, data, start, rng, device, progress, is_cancelled, log, val_x, batches)


def fit_member(
    config: TrainingConfig,
    data: TrainingData,
    start: MemberStart,
    rng: np.random.Generator,
    device: str,
    progress: ProgressCallback = None,
    is_cancelled: CancelCallback = None,
    log: LogCallback = None,
    val_x: Optional[torch.Tensor] = None,
    batches: Optional[Union[HostBatches, DeviceBatches]] = None,
) -> Tuple[PatchNet, History, int]:
    """Train the network of ``start`` (:func:`start_member`) with early stopping on the validation cells; returns
    the best weights in ``start.final`` (on the CPU), the history and the best epoch. On the CPU it draws nothing
    from torch's global random state, so networks may train side by side in threads. ``val_x`` and ``batches``
    (the validation patches and the batch maker) may be shared by networks trained one after another."""
    history: History = []
    net = start.net
    if batches is None:
        batches = batches_for(data, config.field, device)
    if start.decoder is not None:  # PRETRAIN_EPOCHS > 0 and cells to pre-train on
        pretrain_network(config, data, net, start.decoder, rng, device, batches, is_cancelled, log)
    teacher = copy.deepcopy(net).eval() if data.semi_supervised else None
    if teacher is not None:
        for p in teacher.parameters():
            p.requires_grad_(False)
    net.dropout_generator = start.generator
    optimiser = torch.optim.Adam(
        net.parameters(),
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
        fused=True if device.startswith("cuda") else None,  # one kernel per step on a GPU; the CPU's as before
    )
    if val_x is None:
        val_x = validation_patches(config, data)
    best: Tuple[float, Optional[Dict[str, torch.Tensor]], int] = (math.inf, None, -1)
    iteration = 0
    sampler = EpochSampler(data, config.barren_ratio if data.prior is None else 0.0)
    started = clock()
    for epoch in range(config.epochs):

        def in_epoch(fraction: float, epoch: int = epoch) -> None:  # the batches; the validation takes the rest
            report(progress, (epoch + 0.9 * fraction) / config.epochs)

        iteration, totals = _train_epoch(
            config,
            data,
            net,
            teacher,
            optimiser,
            epoch,
            iteration,
            rng,
            device,
            is_cancelled,
            sampler,
            batches,
            in_epoch,
        )
        model = teacher if teacher is not None else net
        val_y, weights = data.y[data.val], data.class_weights
        val_loss, val_acc, _ = evaluate_networks([model], val_x, val_y, weights, device, is_cancelled=is_cancelled)
        if data.prior is not None:  # the PU risk, not a cross-entropy that takes unlabelled cells as barren
            logits = network_logits([model], val_x, device, is_cancelled=is_cancelled)
            val_loss = pu_validation_risk(logits[0], data, data.val)
        tot_loss, tot_w, tot_correct = totals
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
            log(epoch_line(record, config.epochs, data.prior is not None))
            if epoch == 0 and config.epochs > 1:
                seconds = clock() - started
                log(pace_note(seconds, config.epochs, sampler.per_epoch, data.prior is not None, config.barren_ratio))
        report(progress, (epoch + 1) / config.epochs)
        if not config.early_stopping:
            best = (val_loss, copy.deepcopy(model.state_dict()), epoch + 1)  # keep the last weights
        elif val_loss < best[0] - 1e-6:
            best = (val_loss, copy.deepcopy(model.state_dict()), epoch + 1)
        elif epoch + 1 - best[2] >= config.patience:
            if log:
                log(f"early stop: validation loss has not improved for {config.patience} epochs")
            break
    if best[1] is None:  # every validation loss was NaN: the optimiser diverged
        raise InputError(
            "training diverged (the validation loss is not a number); lower LEARNING_RATE.", "LEARNING_RATE"
        )
    final = start.final
    final.load_state_dict({k: v.cpu() for k, v in best[1].items()})
    final.eval()
    return final, history, best[2]


#: a network whose epochs would take longer than this in all gets the advice of :func:`pace_note`
LONG_TRAINING_SECONDS = 600.0
#: the clock of the training pace (a test may replace it without touching the time module of other threads)
clock = time.monotonic


def pace_note(
    first_epoch_seconds: float, epochs: int, cells_per_epoch: int, positive_unlabelled: bool, barren_ratio: float
) -> str:
    """After the first epoch: how long a network's epochs take at that pace (at most: early stopping may end them
    sooner), and, when that is long, how to train faster."""
    bound = first_epoch_seconds * epochs
    pace = f"{bound / 60.0:.0f} min" if bound >= 90.0 else f"{bound:.0f} s"
    text = (
        f"the first epoch ({cells_per_epoch:,} cells) took {first_epoch_seconds:.1f} s: at this pace this network's "
        f"{epochs} epochs take up to about {pace} (early stopping may end them sooner)"
    )
    if bound > LONG_TRAINING_SECONDS:
        if positive_unlabelled:
            text += (
                "; to train faster, lower EPOCHS or ENSEMBLE, or train on labelled cells (Train CNN's TRAINING 0, "
                "where BARREN_RATIO caps the barren cells an epoch visits): positive-unlabelled training visits its "
                f"whole unlabelled sample, {UNLABELLED_PER_POSITIVE} cells per positive one, every epoch"
            )
        elif barren_ratio > 0:
            text += "; to train faster, lower EPOCHS, ENSEMBLE or BARREN_RATIO"
        else:
            text += "; to train faster, lower EPOCHS or ENSEMBLE, or set BARREN_RATIO 1 (0 visits every barren cell)"
    return text


#: masked-band pre-training: cells drawn per epoch, and the chance that a band is hidden in a patch
PRETRAIN_CELLS = 8192
MASK_PROBABILITY = 0.3


def hidden_bands(n: int, bands: int, rng: np.random.Generator) -> np.ndarray:
    """(n, bands) booleans: which bands each of ``n`` pre-training patches hides, each with probability
    MASK_PROBABILITY and at least one per patch."""
    hidden = rng.random((n, bands)) < MASK_PROBABILITY
    hidden[np.arange(n), rng.integers(0, bands, n)] = True
    return hidden


def pretrain_network(
    config: TrainingConfig,
    data: TrainingData,
    net: PatchNet,
    decoder: torch.nn.Conv2d,
    rng: np.random.Generator,
    device: str,
    batches: Union[HostBatches, DeviceBatches],
    is_cancelled: CancelCallback = None,
    log: LogCallback = None,
) -> List[float]:
    """Self-supervised pre-training on patches around every valid cell, labels unused: masked-band reconstruction.

    In each patch every band is hidden (set to 0, its median) with probability MASK_PROBABILITY (at least one
    band); the network's convolutional and fully connected layers, with a linear decoder in place of the class
    layer, predict the centre cell's hidden values (mean squared error of the normalised values). Predicting a band
    from the others and from its surroundings makes the layers learn the relations between the bands and their
    spatial patterns from all cells, not only the few labelled ones. The decoder is then dropped; fine-tuning on
    the labels starts from these layers. ``decoder`` comes from :func:`start_member`, drawn where the weights
    were. ``batches`` makes the patches: on the host as always (:class:`HostBatches`), or on a GPU
    (:class:`DeviceBatches`: the epoch's draws copied once, each batch one gather, no wait for the device until
    the epoch's loss is read). Returns the mean loss per epoch.
    """
    params = [p for name, p in net.named_parameters() if not name.startswith("out.")] + list(decoder.parameters())
    optimiser = torch.optim.Adam(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    centre = config.field // 2
    losses = []
    net.train()
    for epoch in range(config.pretrain_epochs):
        n = min(PRETRAIN_CELLS, data.valid_rows.size)
        batches.start_pretraining(rng.choice(data.valid_rows.size, n, replace=False), rng)
        total = torch.zeros((), dtype=torch.float64, device=device)
        for start in range(0, n, config.batch_size):
            check_cancelled(is_cancelled)
            stop = min(start + config.batch_size, n)
            x, hidden = batches.pretraining(start, stop, rng)
            target = x[:, :, centre, centre].clone()
            masked = x * (~hidden)[:, :, None, None]
            recon = decoder(net.hidden(masked)).flatten(1)
            loss = ((recon - target) ** 2 * hidden).sum() / hidden.sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.detach().double() * (stop - start)
        losses.append(float(total) / n)
        if log:
            log(
                f"pre-training epoch {epoch + 1}/{config.pretrain_epochs}: masked-band reconstruction loss "
                f"{losses[-1]:.4f}"
            )
    return losses


def _train_epoch(
    config: TrainingConfig,
    data: TrainingData,
    net: PatchNet,
    teacher: Optional[PatchNet],
    optimiser: torch.optim.Optimizer,
    epoch: int,
    iteration: int,
    rng: np.random.Generator,
    device: str,
    is_cancelled: CancelCallback,
    sampler: EpochSampler,
    batches: Union[HostBatches, DeviceBatches],
    progress: ProgressCallback = None,
) -> Tuple[int, Tuple[float, float, float]]:
    """One epoch over the cells ``sampler`` draws; returns the iteration count and (weighted loss, weight, correct)
    sums. Nothing in the loop waits for the device (the sums stay there until the epoch ends), so a GPU is fed
    batch after batch. ``progress`` gets the share of the epoch's cells done, some 50 times an epoch."""
    net.train()
    order, factor = sampler.epoch(rng)
    distil = data.soft_targets is not None and config.distil_weight > 0
    batches.start_epoch(order, rng, distil, teacher is not None)
    cw = torch.as_tensor(data.class_weights * factor, dtype=torch.float32, device=device)
    sums = torch.zeros(3, dtype=torch.float64, device=device)  # weighted loss, weight, weighted correct
    positive = data.n_classes - 1 if data.positive is None else data.positive
    student_params = [p.detach() for p in net.parameters()]
    teacher_params: List[torch.Tensor] = list(teacher.parameters()) if teacher is not None else []
    every = config.batch_size * max(1, order.size // config.batch_size // 50)
    for start in range(0, order.size, config.batch_size):
        check_cancelled(is_cancelled)
        if start and start % every == 0:
            report(progress, start / order.size)
        stop = min(start + config.batch_size, order.size)
        x, target, sample_w = batches.labelled(start, stop, rng)
        w = cw[target] * sample_w
        logits = net(x).flatten(1)
        if data.prior is not None:
            pu = nnpu_risk(log_odds(logits), target == 1, data.prior, sample_w)
            loss, reported = pu.objective, pu.risk
        else:
            loss = (F.cross_entropy(logits, target, reduction="none") * w).sum() / w.sum().clamp_min(1e-12)
            reported = loss
        if distil:
            xs, soft = batches.soft(start, stop, rng)
            distil_loss = config.distil_weight * distillation_loss(
                net(xs).flatten(1), soft, positive, config.distil_target
            )
            loss, reported = loss + distil_loss, reported + distil_loss
        if teacher is not None:
            x_student, x_teacher = batches.unlabelled(start, stop, rng)
            student = F.softmax(net(x_student).flatten(1), dim=1)
            with torch.no_grad():
                target_u = F.softmax(teacher(x_teacher).flatten(1), dim=1)
            ramp = math.exp(-5.0 * (1.0 - min(1.0, (epoch + 1) / max(1.0, 0.3 * config.epochs))) ** 2)
            consistency = config.consistency_weight * ramp * F.mse_loss(student, target_u)
            loss, reported = loss + consistency, reported + consistency
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if config.band_sparsity > 0:
            group_soft_threshold(net, data.n_bands, config.learning_rate * config.band_sparsity)
        if teacher is not None:
            decay = min(config.ema_decay, (iteration + 1) / (iteration + 10))
            with torch.no_grad():  # teacher = decay * teacher + (1 - decay) * student, all tensors in one call each
                torch._foreach_mul_(teacher_params, decay)
                torch._foreach_add_(teacher_params, student_params, alpha=1 - decay)
        iteration += 1
        with torch.no_grad():
            w_sum = w.sum()
            correct = ((logits.argmax(1) == target).float() * w).sum()
            sums += torch.stack([reported.detach().double() * w_sum.double(), w_sum.double(), correct.double()])
    tot_loss, tot_w, tot_correct = (float(v) for v in sums.cpu())
    return iteration, (tot_loss, tot_w, tot_correct)


def network_logits(
    models: Sequence[PatchNet], x: torch.Tensor, device: str, batch: int = 1024, is_cancelled: CancelCallback = None
) -> np.ndarray:
    """(networks, n, classes) logits of each network on fixed patches (no augmentation, no dropout), float64;
    ``is_cancelled`` is checked before each batch."""
    out = []
    for model in models:
        was_training, was_on = model.training, next(model.parameters()).device
        model.to(device).eval()
        member = []
        with torch.no_grad():
            for start in range(0, x.shape[0], batch):
                check_cancelled(is_cancelled)
                member.append(model(x[start : start + batch].to(device)).flatten(1).cpu().numpy())
        model.train(was_training).to(was_on)
        out.append(np.concatenate(member).astype(np.float64) if member else np.empty((0, 0)))
    return np.stack(out)


def evaluate_networks(
    models: Sequence[PatchNet],
    x: torch.Tensor,
    y: np.ndarray,
    class_w: np.ndarray,
    device: str,
    batch: int = 1024,
    is_cancelled: CancelCallback = None,
) -> Tuple[float, float, np.ndarray]:
    """Class-weighted loss, accuracy and mean probabilities of networks on fixed patches (no augmentation)."""
    prob = softmax(network_logits(models, x, device, batch, is_cancelled), axis=2).mean(axis=0)
    return (*weighted_loss_accuracy(prob, y, class_w), prob)


def pu_validation_risk(logits: np.ndarray, data: TrainingData, index: np.ndarray) -> float:
    """The non-negative PU risk of (n, 2) logits of the cells ``index`` (into the data's cells)."""
    assert data.prior is not None
    risk = nnpu_risk(
        log_odds(torch.as_tensor(logits)),
        torch.as_tensor(data.y[index] == 1),
        data.prior,
        torch.as_tensor(data.weights[index]),
    ).risk
    return float(risk)


def epoch_line(record: Mapping[str, float], epochs: int, positive_unlabelled: bool) -> str:
    """An epoch's log line (the desktop's training monitor charts it). Under positive-unlabelled training both
    losses are the PU risk, and no accuracy is given: it would count unlabelled cells as barren, so it stays at
    their share whatever the network learns."""
    head = f"epoch {record['epoch']}/{epochs} (iteration {record['iteration']}): "
    if positive_unlabelled:
        said = " (the non-negative PU risk; no accuracy: it would count unlabelled cells as barren)"
        return (
            f"{head}train loss {record['train_loss']:.4f} | validation loss {record['val_loss']:.4f}"
            f"{said if record['epoch'] == 1 else ''}"
        )
    return (
        f"{head}train loss {record['train_loss']:.4f} acc {record['train_accuracy']:.3f} | "
        f"validation loss {record['val_loss']:.4f} acc {record['val_accuracy']:.3f}"
    )


def weighted_loss_accuracy(prob: np.ndarray, y: np.ndarray, class_w: np.ndarray) -> Tuple[float, float]:
    """Class-weighted cross-entropy and accuracy of (n, classes) probabilities against class indices ``y``."""
    w = class_w[y]
    loss = float(np.sum(-np.log(np.clip(prob[np.arange(y.size), y], 1e-12, 1.0)) * w) / np.sum(w))
    return loss, float(np.mean(prob.argmax(1) == y))


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

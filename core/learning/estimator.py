"""A small patch CNN for prospectivity, in scikit-learn's shape: configure, ``fit``, ``predict_proba``, ``save``.

The classifier sees a ``patch_size`` x ``patch_size`` window of every evidence band around a cell and predicts the
class of the centre cell (convolution + ReLU + pooling + fully connected + softmax, cross-entropy loss).

Every layer is shift-equivariant ("valid" convolutions, max pooling with stride 1, the fully connected layer written
as a convolution whose kernel covers the whole remaining feature map), so running the same network over a whole
window with a halo of ``patch_size // 2`` cells gives, at every cell, exactly the per-patch prediction, for a tiny
fraction of the cost (:mod:`.inference`). Uncertainty is MC-dropout: the dropout layer sits after the fully
connected layer, so the (deterministic) features are computed once and only the cheap last layer is resampled.

Model files (:mod:`.model_file`) hold tensors and JSON only. Runs on plain numpy arrays: no QGIS, no rasterio
needed (GPU machines).
"""

from __future__ import annotations

import datetime
import inspect
import math
import os
from dataclasses import fields
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..callbacks import CancelCallback, ProgressCallback
from ..errors import InputError, ModelFileError
from ..io.windows import TileTimes, prefetched_tiles
from .calibration import Calibration, combine_logits
from .distil import check_teacher, teacher_targets
from .ensemble import (
    choose_band_sparsity,
    labelled_cells,
    pu_cells,
    train_members,
    training_data,
    validation_metrics,
)
from .inference import WindowScores, predict_prepared_scores, prepare_window
from .model_file import ExpectedWeights, array_hash, read_model, write_model
from .model_schema import check_metadata
from .network import PatchNet, resolve_device, state_shapes
from .patches import CLIP, extract_patches, normalise, pad_halo, robust_normalisation, valid_centres, window_reader
from .piecewise import piecewise_edges
from .quantiles import data_quantiles, fit_input_quantiles, transform
from .sparsity import CHOOSE, bands_in_use
from .splits import spatial_split
from .training import EpochSampler, LogCallback, TrainingConfig
from .training_range import band_range

#: the constructor's arguments, in order: the keys of ``settings`` in a model file
PARAM_NAMES = tuple(f.name for f in fields(TrainingConfig))


#: settings of 0.3.0's distillation and band selection, left out of a model file while they hold these defaults, so
#: a file trained without them still loads in earlier versions, whose schema knows no such keys (this version reads
#: the defaults for keys a file lacks)
OMITTED_AT_DEFAULT: Dict[str, Any] = {
    "teacher": "none",
    "distil_weight": 1.0,
    "band_sparsity": 0.0,
    "distil_target": "probability",
}
_KEPT = object()


class PatchCNN:
    """Patch CNN classifier of raster cells, in scikit-learn's shape.

    The constructor only stores its arguments; :meth:`fit` checks them (an :class:`InputError` names the
    parameter) and sets the fitted attributes ``config_``, ``nets_`` and ``metadata_``. ``device`` is the one
    device default of every method (``auto``: CUDA when available); a method's ``device`` argument overrides it.
    """

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
        training: str = "pseudolabels",
        class_prior: float = 0.0,
        coarse: int = 0,
        pretrain_epochs: int = 0,
        barren_ratio: float = 1.0,
        input_transform: str = "robust",
        teacher: str = "none",
        distil_weight: float = 1.0,
        band_sparsity: float = 0.0,
        distil_target: str = "probability",
    ) -> None:
        self.patch_size = patch_size
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.seed = seed
        self.device = device
        self.validation = validation
        self.block_size = block_size
        self.validation_fraction = validation_fraction
        self.cluster_distance = cluster_distance
        self.semi_supervised = semi_supervised
        self.consistency_weight = consistency_weight
        self.ema_decay = ema_decay
        self.patience = patience
        self.width = width
        self.hidden = hidden
        self.dropout = dropout
        self.mc_samples = mc_samples
        self.class_balanced = class_balanced
        self.early_stopping = early_stopping
        self.ensemble = ensemble
        self.training = training
        self.class_prior = class_prior
        self.coarse = coarse
        self.pretrain_epochs = pretrain_epochs
        self.barren_ratio = barren_ratio
        self.input_transform = input_transform
        self.teacher = teacher
        self.distil_weight = distil_weight
        self.band_sparsity = band_sparsity
        self.distil_target = distil_target

    # -- parameters ---------------------------------------------------------------------------------------------

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor's arguments as given (``deep`` is accepted for scikit-learn's ``clone``)."""
        return {name: getattr(self, name) for name in PARAM_NAMES}

    def set_params(self, **params: Any) -> "PatchCNN":
        """Change constructor arguments (e.g. ``device`` of a loaded model); returns ``self``."""
        for name, value in params.items():
            if name not in PARAM_NAMES:
                raise TypeError(f"PatchCNN has no parameter '{name}'")
            setattr(self, name, value)
        return self

    # -- training -----------------------------------------------------------------------------------------------

    def fit(
        self,
        bands: np.ndarray,
        labels: np.ndarray,
        band_names: Optional[Sequence[str]] = None,
        sample_weight: Optional[np.ndarray] = None,
        grid: Optional[Dict[str, Any]] = None,
        progress: ProgressCallback = None,
        is_cancelled: CancelCallback = None,
        log: LogCallback = None,
    ) -> "PatchCNN":
        """Train on a (bands, H, W) stack and an (H, W) label raster (integers; NaN or < 0 = unlabelled).

        ``sample_weight`` (H, W) is a confidence raster (NaN counts as 1). Returns ``self``.
        """
        config = TrainingConfig.from_params(self.get_params())
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
        rng = np.random.default_rng(config.seed)
        if config.training == "pu":
            cells, prior = pu_cells(bands, labels, sample_weight, config.class_prior, rng)
        else:
            cells, prior = labelled_cells(bands, labels, sample_weight), None
        quantiles = fit_input_quantiles(bands, config.input_transform, config.seed)
        bands_in = transform(bands, data_quantiles(quantiles, config.input_transform))
        median, scale = robust_normalisation(bands_in, seed=config.seed)
        padded = pad_halo(normalise(bands_in, median, scale), config.field // 2)
        del bands_in
        edges = piecewise_edges(quantiles, median, scale) if config.input_transform == "piecewise" else None

        check_teacher(config.teacher, int(cells.classes.size), prior is not None)

        def make_data(train: np.ndarray, val: np.ndarray, rng: np.random.Generator) -> Any:
            data = training_data(config, cells, padded, train, val, rng, n_bands, prior, edges)
            if config.teacher != "none":  # "gradient_boosting": the training cells alone, never the validation ones
                taught = train if config.teacher == "gradient_boosting" else np.flatnonzero(cells.weights > 0)
                data.soft_rows, data.soft_cols, data.soft_targets = teacher_targets(
                    bands, cells.rows[taught], cells.cols[taught], cells.y[taught] == cells.positive,
                    cells.weights[taught], cells.valid, config.seed, names,
                )  # fmt: skip
            return data

        hashes = {
            "bands": array_hash(bands),
            "labels": array_hash(labels),
            "weights": array_hash(None if sample_weight is None else np.asarray(sample_weight)),
        }
        self._fit_cells(
            config, cells, make_data, median, scale, names, (height, width), hashes, grid, progress, is_cancelled, log,
            prior, rng, quantiles,
        )  # fmt: skip
        self.metadata_["band_range"] = band_range(bands)  # predict warns where the evidence it maps lies beyond
        return self

    def _fit_cells(
        self,
        config: TrainingConfig,
        cells: Any,
        make_data: Callable[[np.ndarray, np.ndarray, np.random.Generator], Any],
        median: np.ndarray,
        scale: np.ndarray,
        names: List[str],
        shape: Tuple[int, int],
        hashes: Dict[str, Any],
        grid: Optional[Dict[str, Any]],
        progress: ProgressCallback,
        is_cancelled: CancelCallback,
        log: LogCallback,
        prior: Optional[float] = None,
        rng: Optional[np.random.Generator] = None,
        quantiles: Optional[np.ndarray] = None,
    ) -> "PatchCNN":
        """Split, train and describe the ensemble from the labelled ``cells`` (:class:`.ensemble.LabelledCells`);
        ``make_data(train, val, rng)`` gives the :class:`.training.TrainingData` (whose patches come from the
        stack in memory, or from a :class:`.streaming.PatchBank` read window by window). ``prior``: the class
        prior of positive-unlabelled cells (:func:`.ensemble.pu_cells`), None for labelled cells; ``rng``: the
        generator that drew them (None: a fresh one from the seed), which the split continues; ``quantiles``:
        the table of INPUT_TRANSFORM quantile (normal scores, :mod:`.quantiles`) or piecewise (the bin edges,
        :mod:`.piecewise`), else None."""
        height, width = shape
        device = resolve_device(config.device)
        rng = np.random.default_rng(config.seed) if rng is None else rng
        block = config.block_size or max(4 * config.field, int(round(math.sqrt(height * width) / 6)))
        train, val, split_info = spatial_split(
            cells.rows,
            cells.cols,
            cells.y,
            (height, width),
            config.validation,
            block,
            config.field - 1,
            rng,
            config.validation_fraction,
            cells.positive,
            config.cluster_distance or None,
        )
        data = make_data(train[cells.weights[train] > 0], val, rng)
        if log:
            counts = ", ".join(f"class {c}: {int(np.sum(cells.y == i))}" for i, c in enumerate(cells.classes))
            # positive-unlabelled: class 0 is a random draw of unlabelled cells, not cells labelled barren
            drawn = (
                f"{cells.rows.size} training cells ({int(np.sum(cells.y == 1))} positive, labelled 1; "
                f"{int(np.sum(cells.y == 0))} unlabelled, drawn from every other valid cell)"
                if prior is not None
                else f"{cells.rows.size} labelled cells ({counts})"
            )
            log(
                f"{drawn}; "
                f"{split_info['method']} validation: {data.train.size} training, {val.size} validation cells, "
                f"{split_info['dropped_in_gap']} dropped in the gap between them; semi-supervised: "
                f"{data.semi_supervised} ({data.unlabelled_rows.size} unlabelled cells); device {device}"
            )
            if prior is not None:
                log(
                    f"positive-unlabelled training (non-negative PU risk): {int(np.sum(cells.y == 1))} positive "
                    f"cells against {int(np.sum(cells.y == 0))} unlabelled ones drawn from every other valid cell; "
                    f"class prior {prior:.4g}"
                    + ("" if config.class_prior else " (the share of valid cells labelled positive)")
                )
            sampler = EpochSampler(data, config.barren_ratio if prior is None else 0.0)
            if sampler.capped:
                log(
                    f"class-balanced sampling: each epoch visits the {sampler.positives.size} positive training "
                    f"cells and {sampler.cap} of the {sampler.barren.size} barren ones (BARREN_RATIO "
                    f"{config.barren_ratio:g}, at least {sampler.floor}), a fresh draw each epoch that cycles "
                    "through all of them, weighted so the loss is that of every cell"
                )
        if log and data.soft_targets is not None:
            taught = "training" if config.teacher == "gradient_boosting" else "labelled (training and validation)"
            target = "log-odds" if config.distil_target == "log_odds" else "probabilities"
            log(
                f"distillation: a gradient-boosting teacher trained on the {taught} cells scored "
                f"{data.soft_targets.size} valid cells; the networks learn its {target} there (weight "
                f"{config.distil_weight:g}) besides the labels, and inherit its view of the area"
            )
        choice: Dict[str, float] = {}
        if config.band_sparsity == CHOOSE:
            config, choice = choose_band_sparsity(config, data, device, is_cancelled, log)
        nets, histories = train_members(config, data, rng, device, progress, is_cancelled, log)
        self.config_ = config
        self.nets_ = nets
        metrics, temperature = validation_metrics(
            config, nets, data, cells.positive, histories, split_info, device, is_cancelled
        )
        if config.band_sparsity > 0:
            used = np.mean([bands_in_use(net, data.n_bands) for net in nets], axis=0)
            metrics["bands_used"] = {name: float(share) for name, share in zip(names, used)}
            metrics["band_sparsity_choice"] = choice
            if log:
                log(
                    f"band sparsity {config.band_sparsity:g}: the networks read "
                    + ", ".join(f"{n} ({s:.0%})" for n, s in zip(names, used) if s > 0)
                    + f"; {int(np.sum(used == 0))} of {len(names)} bands unused"
                )
        if log and math.isnan(temperature.nll_at_1):  # not fitted (positive-unlabelled): no likelihood to quote
            log(f"calibration: the networks' mean logits, T = {temperature.temperature:.4g} ({temperature.note})")
        elif log:
            log(
                f"calibration: the networks' mean logits divided by T = {temperature.temperature:.4g} "
                f"({temperature.note}; validation NLL {temperature.nll_at_1:.4f} at T = 1, "
                f"{temperature.nll:.4f} at T)"
            )
        self.metadata_ = {
            "band_names": names,
            "normalisation": {
                "median": median.tolist(),
                "scale": scale.tolist(),
                "clip": CLIP,
                **({"quantiles": np.asarray(quantiles).tolist()} if quantiles is not None else {}),
            },
            "patch_size": config.patch_size,
            "classes": cells.classes.tolist(),
            "positive_class": int(cells.classes[cells.positive]),
            "grid": grid or {"width": width, "height": height},
            "settings": {
                **{k: v for k, v in config.as_dict().items() if OMITTED_AT_DEFAULT.get(k, _KEPT) != v},
                "device": device,
                "semi_supervised": data.semi_supervised,
                "block_size": block,
                "class_prior": prior if prior is not None else config.class_prior,
            },
            "class_weights": data.class_weights.tolist(),
            "calibration": temperature.as_metadata(),
            "metrics": metrics,
            "history": histories[0]["history"],
            "member_histories": [h["history"] for h in histories[1:]],
            "data_hashes": hashes,
            "uncertainty": self.uncertainty_description(config.mc_samples),
            "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "torch_version": torch.__version__,
        }
        return self

    # -- fitted state -------------------------------------------------------------------------------------------

    def _require_fitted(self) -> List[PatchNet]:
        nets: List[PatchNet] = getattr(self, "nets_", [])
        if not nets:
            raise InputError("the model is not trained yet; call fit() or load() first.", "MODEL")
        return nets

    @property
    def band_names_(self) -> List[str]:
        """The evidence bands the model was trained on, in order."""
        self._require_fitted()
        return list(self.metadata_.get("band_names", []))

    def uncertainty_description(self, mc_samples: int) -> str:
        """What OUTPUT_UNCERTAINTY holds, for the model file, logs and reports."""
        n = len(getattr(self, "nets_", [])) or int(self.ensemble)
        parts = []
        if n > 1:
            parts.append(f"the {n} ensemble networks")
        if mc_samples > 0:
            parts.append(f"{mc_samples} MC-dropout masks (p = {float(self.dropout)}){' each' if n > 1 else ''}")
        if not parts:
            return "none (one network, no MC-dropout samples)"
        return "standard deviation of the positive-class probability over " + " x ".join(parts)

    def _norm(self) -> Tuple[np.ndarray, np.ndarray]:
        n = self.metadata_["normalisation"]
        return np.asarray(n["median"], dtype=np.float32), np.asarray(n["scale"], dtype=np.float32)

    def transform_bands(self, bands: np.ndarray) -> np.ndarray:
        """What the model's normalisation starts from: the bands (float32) through the model's stored input
        transform (normal scores with INPUT_TRANSFORM quantile; unchanged otherwise: the piecewise-linear
        encoding is the network's first layer). Elementwise, so a window or the whole stack give every cell the
        same value; applied wherever the model reads bands."""
        table = self.metadata_["normalisation"].get("quantiles")
        return transform(bands, data_quantiles(table, self.metadata_["settings"].get("input_transform", "robust")))

    def _check_bands(self, bands: np.ndarray) -> None:
        names = self.band_names_
        if bands.ndim != 3 or bands.shape[0] != len(names):
            raise InputError(
                f"the model needs {len(names)} bands ({', '.join(names)}), got "
                f"{bands.shape[0] if bands.ndim == 3 else 'an array of shape ' + str(bands.shape)}.",
                "INPUT_RASTERS",
            )

    @property
    def calibration_(self) -> Calibration:
        """How the networks are combined: mean logit / temperature, or (0.2.x model files) the mean
        probability."""
        self._require_fitted()
        return Calibration.from_metadata(self.metadata_)

    def _positive_index(self) -> int:
        return list(self.metadata_["classes"]).index(self.metadata_["positive_class"])

    def _device(self, device: Optional[str]) -> str:
        return resolve_device(self.device if device is None else device)

    # -- prediction ---------------------------------------------------------------------------------------------

    def predict_proba_cells(
        self, bands: np.ndarray, rows: np.ndarray, cols: np.ndarray, device: Optional[str] = None, batch: int = 2048
    ) -> np.ndarray:
        """(n, classes) probabilities at given cells, one patch at a time through the patch classifier (the ensemble
        combined as :attr:`calibration_` says)."""
        nets = self._require_fitted()
        bands = np.asarray(bands, dtype=np.float32)
        self._check_bands(bands)
        median, scale = self._norm()
        size = self.config_.field
        padded = pad_halo(normalise(self.transform_bands(bands), median, scale), size // 2)
        dev = self._device(device)
        calibration = self.calibration_
        out = []
        try:
            with torch.no_grad():
                for net in nets:
                    net.to(dev).eval()
                for start in range(0, len(rows), batch):
                    picked = slice(start, start + batch)
                    x = torch.as_tensor(extract_patches(padded, rows[picked], cols[picked], size)).to(dev)
                    logits = torch.stack([net(x).flatten(1) for net in nets]).cpu().numpy()
                    out.append(np.exp(combine_logits(logits, calibration)).astype(np.float32))
        finally:
            for net in nets:
                net.cpu()
        prob = np.concatenate(out) if out else np.empty((0, len(self.metadata_["classes"])), np.float32)
        prob[~valid_centres(bands)[rows, cols]] = np.nan
        return prob

    def predict_tiled(
        self,
        read_window: Callable[[int, int, int, int], np.ndarray],
        height: int,
        width: int,
        write_window: Callable[..., None],
        tile: int = 512,
        device: Optional[str] = None,
        mc_samples: Optional[int] = None,
        progress: ProgressCallback = None,
        is_cancelled: CancelCallback = None,
        with_score: bool = False,
    ) -> TileTimes:
        """Dense prediction tile by tile; memory is bounded by the tile size whatever the raster size.

        ``read_window(row0, row1, col0, col1)`` returns the bands of that (possibly out-of-raster) window, NaN
        outside; ``write_window(row0, col0, prob, std)`` receives each finished tile (``std`` None without
        MC-dropout samples), and ``with_score`` adds the ranking score: ``write_window(row0, col0, prob, std,
        score)`` (the ensemble's log-odds, which never saturate; see :class:`.inference.WindowScores`).
        ``mc_samples`` None uses the model's own. The next tile's window is read (and transformed) on one
        background thread while a tile is computed (:func:`..io.windows.prefetched_tiles`: ``read_window`` is
        called from that thread only, one window ahead at most). Returns where the time went
        (:class:`..io.windows.TileTimes`).
        """
        nets = self._require_fitted()
        dev = self._device(device)
        for net in nets:
            net.to(dev)
        tiles = tile_windows(height, width, tile)

        def write(i: int, scored: WindowScores) -> None:
            r0, _, c0, _ = tiles[i]
            if with_score:
                write_window(r0, c0, scored.prob, scored.std, scored.score)
            else:
                write_window(r0, c0, scored.prob, scored.std)

        try:
            return prefetched_tiles(
                len(tiles),
                lambda i: [self.read_tile(read_window, *tiles[i])],  # a box, which _score_boxed empties
                lambda i, box: self._score_boxed(box, i, dev, mc_samples),
                write,
                progress,
                is_cancelled,
            )
        finally:
            for net in nets:
                net.cpu()

    def predict_tile(
        self,
        read_window: Callable[[int, int, int, int], np.ndarray],
        index: int,
        r0: int,
        r1: int,
        c0: int,
        c1: int,
        device: Optional[str] = None,
        mc_samples: Optional[int] = None,
    ) -> WindowScores:
        """Probability, MC-dropout spread and ranking score (:class:`.inference.WindowScores`) of tile ``index``
        of :func:`tile_windows` (rows ``r0:r1``, columns ``c0:c1``), read with its halo of half the receptive
        field (the coarse view's included), the ensemble combined as :attr:`calibration_` says: the unit of work
        of :meth:`predict_tiled` (:meth:`read_tile` then :meth:`score_tile`), in this process and on Dask workers
        (the networks must already be on ``device``)."""
        return self.score_tile(self.read_tile(read_window, r0, r1, c0, c1), index, device, mc_samples)

    def read_tile(
        self, read_window: Callable[[int, int, int, int], np.ndarray], r0: int, r1: int, c0: int, c1: int
    ) -> np.ndarray:
        """The window of the tile ``r0:r1``, ``c0:c1`` with its halo, through the model's input transform."""
        halo = self.config_.field // 2
        return self.transform_bands(read_window(r0 - halo, r1 + halo, c0 - halo, c1 + halo))

    def score_tile(
        self, window: np.ndarray, index: int, device: Optional[str] = None, mc_samples: Optional[int] = None
    ) -> WindowScores:
        """:meth:`predict_tile` of a window from :meth:`read_tile` (tile ``index`` draws MC-dropout seed
        ``seed + index``)."""
        return self._score_boxed([window], index, device, mc_samples)

    def _score_boxed(
        self, box: List[np.ndarray], index: int, device: Optional[str], mc_samples: Optional[int]
    ) -> WindowScores:
        """:meth:`score_tile` of the one window in ``box``, taken out of it: nothing holds the window once it is
        normalised, so while the networks run this tile keeps one copy of its bands (the normalised one) beside
        the next tile's window read ahead, as many as a loop without reading ahead held."""
        median, scale = self._norm()
        x, bad = prepare_window(box.pop(), median, scale, self.config_.field // 2, self._device(device))
        return self._score_prepared(x, bad, index, device, mc_samples)

    def _score_prepared(
        self, x: torch.Tensor, bad: np.ndarray, index: int, device: Optional[str], mc_samples: Optional[int]
    ) -> WindowScores:
        mc = self.config_.mc_samples if mc_samples is None else int(mc_samples)
        return predict_prepared_scores(
            self._require_fitted(),
            x,
            bad,
            self._positive_index(),
            self._device(device),
            mc,
            self.config_.seed + index,
            self.calibration_,
        )

    def predict_proba(self, bands: np.ndarray, device: Optional[str] = None, tile: int = 512) -> np.ndarray:
        """Positive-class probability (H, W) of an in-memory stack, dense and tiled (the ensemble combined as
        :attr:`calibration_` says)."""
        return self._predict_in_memory(bands, device, tile, 0)[0]

    def predict_score(self, bands: np.ndarray, device: Optional[str] = None, tile: int = 512) -> np.ndarray:
        """The ranking score (H, W): the ensemble's log-odds of the positive class (the probability for model
        files of 0.2.x), in the order of :meth:`predict_proba` but without its float32 saturation."""
        return self._predict_in_memory(bands, device, tile, 0)[2]

    def predict_uncertainty(
        self, bands: np.ndarray, mc_samples: Optional[int] = None, device: Optional[str] = None, tile: int = 512
    ) -> np.ndarray:
        """Standard deviation (H, W) of the positive-class probability over every network's MC-dropout samples
        (``mc_samples`` None: the model's own); the values :meth:`predict_tiled` writes."""
        self._require_fitted()
        mc = self.config_.mc_samples if mc_samples is None else int(mc_samples)
        if mc < 1:
            raise InputError("the uncertainty needs at least one MC-dropout sample.", "MC_SAMPLES")
        std = self._predict_in_memory(bands, device, tile, mc)[1]
        assert std is not None  # mc >= 1 always gives a spread
        return std

    def _predict_in_memory(
        self, bands: np.ndarray, device: Optional[str], tile: int, mc_samples: int
    ) -> Tuple[np.ndarray, Optional[np.ndarray], np.ndarray]:
        bands = np.asarray(bands, dtype=np.float32)
        self._check_bands(bands)
        height, width = bands.shape[1:]
        prob = np.full((height, width), np.nan, np.float32)
        score = np.full((height, width), np.nan, np.float32)
        std = np.full((height, width), np.nan, np.float32) if mc_samples else None

        def write(r0: int, c0: int, p: np.ndarray, s: Optional[np.ndarray], z: np.ndarray) -> None:
            prob[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = p
            score[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = z
            if std is not None and s is not None:
                std[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = s

        self.predict_tiled(
            window_reader(bands), height, width, write, tile=tile, device=device, mc_samples=mc_samples,
            with_score=True,
        )  # fmt: skip
        return prob, std, score

    # -- model files --------------------------------------------------------------------------------------------

    def save(self, path: str, extra: Optional[Dict[str, Any]] = None, parameter: str = "OUTPUT_MODEL") -> str:
        """Write the model atomically: weights as tensors, metadata as JSON (nothing executable).

        ``parameter`` names the output in error messages.
        """
        nets = self._require_fitted()
        return write_model(path, nets, {**self.metadata_, **(extra or {})}, parameter)

    @classmethod
    def load(cls, path: str) -> "PatchCNN":
        """Read a model file; refuse anything that is not a valid, safe GeoChem Prospector model.

        The whole metadata is checked against the schema (:mod:`.model_schema`) and every tensor against the
        network it describes before any network is built (:func:`.model_file.read_model`).
        """
        metadata, members = read_model(path, expected_weights)
        settings = check_metadata(metadata, DEFAULTS)  # checked by read_model already: the complete settings
        try:
            model = cls(**settings)
            config = TrainingConfig.from_params(model.get_params())
            nets = []
            norm = metadata["normalisation"]
            edges = (
                piecewise_edges(norm["quantiles"], np.asarray(norm["median"]), np.asarray(norm["scale"]))
                if config.input_transform == "piecewise"
                else None
            )
            for weights in members:
                net = config.build(len(metadata["band_names"]), len(metadata["classes"]), edges)
                net.load_state_dict(weights, strict=True)
                nets.append(net.eval())
        except Exception as exc:  # not expected once the schema has passed; never a traceback for the user
            raise ModelFileError(
                f"'{os.path.basename(path)}' is damaged or inconsistent ({type(exc).__name__}: {exc}); train a new "
                "model with prospector:traincnn.",
                "MODEL",
            ) from None
        model.config_ = config
        model.nets_ = nets
        model.metadata_ = metadata
        return model


#: the constructor's defaults: the settings an older model file lacks (format 1 has no ``ensemble``)
DEFAULTS: Dict[str, Any] = {
    name: p.default for name, p in inspect.signature(PatchCNN.__init__).parameters.items() if name in PARAM_NAMES
}


def tile_windows(height: int, width: int, tile: int) -> List[Tuple[int, int, int, int]]:
    """(row0, row1, col0, col1) of the tiles of a raster, row by row: tile ``i`` draws MC-dropout seed ``seed + i``."""
    return [
        (r, min(height, r + tile), c, min(width, c + tile))
        for r in range(0, height, tile)
        for c in range(0, width, tile)
    ]


def expected_weights(metadata: Dict[str, Any]) -> ExpectedWeights:
    """Check a model file's metadata against the schema and give the networks it describes (for read_model)."""
    settings = check_metadata(metadata, DEFAULTS)
    shapes = state_shapes(
        len(metadata["band_names"]),
        len(metadata["classes"]),
        settings["patch_size"],
        settings["width"],
        settings["hidden"],
        settings["coarse"],
        len(metadata["normalisation"]["quantiles"][0]) - 1 if settings["input_transform"] == "piecewise" else 0,
    )
    return ExpectedWeights(settings["ensemble"], shapes)

"""Classic learners of raster cells in scikit-learn's shape: random forest, gradient boosting, regularised logistic
regression (fitted with scikit-learn) and weights of evidence (by hand, :mod:`.woe`).

Each sees the features of :mod:`.features` at a labelled cell (the evidence bands, optionally with their mean and
standard deviation over a window). Labels are the CNN's: a label raster (0 barren, 1 and above mineralised, NaN or
negative unlabelled) with optional confidence weights; each class is weighted to the same total (balanced), times
the confidence. Once fitted, the model is arrays and JSON only (:mod:`.arrays`): prediction, saving and loading need
no scikit-learn, and a model file holds nothing executable (:mod:`..learning.classic_file`).
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from ..callbacks import CancelCallback, ProgressCallback, check_cancelled, report
from ..errors import InputError
from ..io.windows import TileTimes, array_window_reader, prefetched_tiles
from ..labels.confidence import confidence_weights
from ..learning.training_range import band_range
from .arrays import (
    Arrays,
    TreeTable,
    boosting_arrays,
    boosting_proba,
    forest_arrays,
    forest_proba,
    logistic_arrays,
    logistic_proba,
)
from .features import band_shift, cell_features, check_window, feature_names, window_features
from .woe import conditional_independence, fit_weights, woe_proba

#: the learners, simplest first (a comparison's tie goes to the earlier one)
METHODS = ("woe", "logistic", "random_forest", "gradient_boosting")

#: how the reports name them
METHOD_TITLES = {
    "woe": "weights of evidence",
    "logistic": "logistic regression",
    "random_forest": "random forest",
    "gradient_boosting": "gradient boosting",
}

#: the arrays each learner stores, and their length in terms of the metadata's sizes
ARRAY_SHAPES: Dict[str, Dict[str, str]] = {
    "random_forest": {k: "nodes" for k in ("left", "right", "feature", "threshold", "value")} | {"offsets": "trees+1"},
    "gradient_boosting": {k: "nodes" for k in ("left", "right", "feature", "threshold", "value")}
    | {"offsets": "trees+1", "init": "1", "learning_rate": "1"},
    "logistic": {"mean": "features", "scale": "features", "coef": "features", "intercept": "1"},
    "woe": {k: "rows" for k in ("band", "low", "high", "weight", "variance")} | {"prior": "1"},
}


#: learners whose score is linear in each band: a band of class codes is read by them as an amount
LINEAR_METHODS = ("logistic",)


def codes_as_amounts_note(band_names: Sequence[str], kinds: Sequence[str], methods: Sequence[str]) -> str:
    """The warning when a linear learner among ``methods`` is given bands of class codes (``kinds`` 'categorical',
    as prospector:evidence marks a CATEGORICAL_RASTERS band): code 8 would count twice code 4, which means nothing
    for rock types (review 36: a coefficient for 'higher rock code'). "" when none is."""
    linear = [m for m in methods if m in LINEAR_METHODS]
    coded = [name for name, kind in zip(band_names, kinds) if kind == "categorical"]
    if not linear or not coded or len(kinds) != len(band_names):
        return ""
    shown = ", ".join(f"'{name}'" for name in coded[:5]) + (f" and {len(coded) - 5} more" if len(coded) > 5 else "")
    return (
        f"INPUT_RASTERS: {shown} hold(s) class codes (prospector:evidence's CATEGORICAL_RASTERS), which "
        f"{' and '.join(METHOD_TITLES[m] for m in linear)} reads as amounts: code 8 counts twice code 4, which means "
        "nothing for rock types. Give the geological map to prospector:evidence as POLYGONS with its CLASS_FIELD "
        "(one 0/1 band per class), or use random forest, gradient boosting or weights of evidence."
    )


def sklearn_missing_message(exc: BaseException) -> str:
    return (
        f"scikit-learn is needed to train random forests, gradient boosting and logistic regression but could not "
        f"be imported ({exc}). Install Debian's python3-sklearn (`sudo apt install python3-sklearn`), or use "
        "Plugins › GeoChem Prospector › Install dependencies…, then restart QGIS."
    )


def positive_cells(labels: np.ndarray, features: np.ndarray, sample_weight: Optional[np.ndarray]):
    """Rows, columns, mineralised flags and confidence of the labelled cells whose features all have values."""
    labels = np.asarray(labels, dtype=np.float64)
    usable = np.isfinite(labels) & (labels >= 0) & np.isfinite(features).all(axis=0)
    rows, cols = np.nonzero(usable)
    values = labels[rows, cols]
    if np.any(values != np.round(values)):
        raise InputError("labels must be whole class numbers (1 mineralised, 0 barren).", "LABELS")
    y = values >= 1
    if y.all() or not y.any():
        advice = (
            "all are mineralised. Give barren ones too: train on pseudolabel's label raster, which labels barren "
            "ground away from the deposits, or add barren points (class 0) to the labels."
            if y.all()
            else "all are barren. Add the known deposits as mineralised labels (class 1)."
        )
        raise InputError(
            f"both mineralised (1 and above) and barren (0) cells are needed among the {rows.size} labelled cells "
            f"with evidence values: {advice if rows.size else 'there are none.'}",
            "LABELS",
        )
    return rows, cols, y, confidence_weights(sample_weight, labels.shape, rows, cols)


def balanced(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Confidence times a class weight that gives both classes the same total."""
    total = w.sum()
    out = w.copy()
    for cls in (False, True):
        part = w[y == cls].sum()
        out[y == cls] *= total / (2.0 * part) if part > 0 else 0.0
    return out


def balanced_probability_note(metadata: Dict[str, Any]) -> str:
    """What a map of a class-balanced learner's probability means, for predict to say; '' for weights of evidence
    (fitted on the classes as they are) or a model file without its training counts.

    The learners scikit-learn fits are trained on :func:`balanced` weights, as if half the ground were mineralised:
    their probabilities rank the cells but stand far above the share of mineralised ground."""
    method = str(metadata.get("method", ""))
    training = metadata.get("training") or {}
    cells, mineralised = int(training.get("cells", 0) or 0), int(training.get("mineralised_cells", 0) or 0)
    if method == "woe" or method not in METHOD_TITLES or cells <= 0:
        return ""
    return (
        f"OUTPUT: the {METHOD_TITLES[method]} was trained with both classes weighted to the same total, as if half "
        f"the ground were mineralised ({mineralised:,} of its {cells:,} training cells, "
        f"{100 * mineralised / cells:.1f} "
        "%, were), so its values overstate the chance of mineralisation, though they rank the cells as "
        "they should. Read the map by its rank (OUTPUT_RANK: the top 1 / 5 / 10 % of the area) or OUTPUT_CLASSES, "
        "not as a probability."
    )


class ClassicLearner:
    """A classic classifier of raster cells, in scikit-learn's shape.

    ``method``: ``random_forest``, ``gradient_boosting``, ``logistic`` or ``woe``. ``window``: 0 (the cell alone)
    or an odd size of the window whose mean and standard deviation are added per band. The constructor stores its
    arguments; :meth:`fit` checks them and sets ``arrays_`` and ``metadata_`` (and ``estimator_``, the scikit-learn
    object, which is never saved).
    """

    def __init__(
        self,
        method: str = "random_forest",
        window: int = 0,
        n_estimators: int = 200,
        max_depth: int = 0,
        min_samples_leaf: int = 5,
        learning_rate: float = 0.1,
        regularisation: float = 1.0,
        seed: int = 0,
    ) -> None:
        self.method = method
        self.window = window
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.learning_rate = learning_rate
        self.regularisation = regularisation
        self.seed = seed

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in PARAM_NAMES}

    def set_params(self, **params: Any) -> "ClassicLearner":
        for name, value in params.items():
            if name not in PARAM_NAMES:
                raise TypeError(f"ClassicLearner has no parameter '{name}'")
            setattr(self, name, value)
        return self

    def check(self) -> None:
        """Check the settings before any work; an :class:`InputError` names the parameter at fault."""
        if self.method not in METHODS:
            raise InputError(f"unknown learner '{self.method}'; use one of {', '.join(METHODS)}.", "METHOD")
        check_window(self.window)
        if int(self.n_estimators) < 1 or int(self.min_samples_leaf) < 1 or int(self.max_depth) < 0:
            raise InputError("trees need n_estimators >= 1, min_samples_leaf >= 1, max_depth >= 0.", "N_ESTIMATORS")
        if not (0 < float(self.learning_rate) <= 1) or not float(self.regularisation) > 0:
            raise InputError("the learning rate must be in (0, 1] and the regularisation above 0.", "LEARNING_RATE")

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
    ) -> "ClassicLearner":
        """Train on a (bands, H, W) stack and an (H, W) label raster; returns ``self``. ``progress`` rises with the
        trees grown (forest, boosting); ``is_cancelled`` is checked between trees (a forest grows in chunks, each
        chunk as the single fit would have grown it: the same trees) and raises :class:`..errors.Cancelled`."""
        self.check()
        bands = np.asarray(bands, dtype=np.float64)
        if bands.ndim != 3:
            raise InputError("the evidence stack must be (bands, rows, columns).", "INPUT_RASTERS")
        names = list(band_names) if band_names is not None else [f"band {i + 1}" for i in range(bands.shape[0])]
        if len(names) != bands.shape[0]:
            raise InputError("one band name is needed per band.", "INPUT_RASTERS")
        if np.asarray(labels).shape != bands.shape[1:]:
            raise InputError("the label raster must be on the evidence rasters' grid.", "LABELS")
        window = int(self.window)
        shift = band_shift(bands)
        features = cell_features(bands, window, shift)
        rows, cols, y, w = positive_cells(labels, features, sample_weight)
        x = features[:, rows, cols].T
        fnames = feature_names(names, window)
        summary: Dict[str, Any]
        if self.method == "woe":
            arrays, table = fit_weights(x, y, w, fnames)
            self.estimator_: Any = None
            summary = {"weights": table, "conditional_independence": conditional_independence(arrays, x, y, w)}
        else:
            check_cancelled(is_cancelled)
            arrays, summary = self._fit_sklearn(x, y, balanced(y, w), fnames, progress, is_cancelled)
        check_cancelled(is_cancelled)
        report(progress, 1.0)
        self.arrays_ = arrays
        self.metadata_ = {
            "method": self.method,
            "band_names": names,
            "feature_names": fnames,
            "window": window,
            "shift": shift.tolist(),
            "settings": self.get_params(),
            "sizes": _sizes(self.method, arrays, len(fnames)),
            "grid": grid or {"width": bands.shape[2], "height": bands.shape[1]},
            "training": {
                "cells": int(y.size),
                "mineralised_cells": int(y.sum()),
                "barren_cells": int((~y).sum()),
                "weight_mineralised": float(w[y].sum()),
                "weight_barren": float(w[~y].sum()),
            },
            "summary": summary,
            "band_range": band_range(bands),  # predict warns where the evidence it maps lies beyond
            "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        self._prepare()
        return self

    def _fit_sklearn(
        self,
        x: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        names: List[str],
        progress: ProgressCallback = None,
        is_cancelled: CancelCallback = None,
    ):
        try:
            from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
            from sklearn.linear_model import LogisticRegression
            from sklearn.preprocessing import StandardScaler
        except ImportError as exc:
            raise InputError(sklearn_missing_message(exc), "METHOD") from None
        yi = y.astype(int)
        leaf = int(self.min_samples_leaf)
        if self.method in ("random_forest", "gradient_boosting") and 2 * leaf > len(yi):
            raise InputError(
                f"{leaf} cells a leaf: a tree splits only where each side keeps that many, so it needs at least "
                f"{2 * leaf} training cells and there are {len(yi)}: every tree would be one leaf, giving one "
                f"probability everywhere. Use a MIN_SAMPLES_LEAF of at most {len(yi) // 2} (a few % of the cells).",
                "MIN_SAMPLES_LEAF",
            )
        depth = int(self.max_depth) or None
        if self.method == "random_forest":
            total = int(self.n_estimators)
            est: Any = RandomForestClassifier(
                n_estimators=0,
                max_depth=depth,
                min_samples_leaf=int(self.min_samples_leaf),
                random_state=int(self.seed) % 2**32,
                n_jobs=1,
                warm_start=True,  # grown in chunks: scikit-learn draws each tree's seed as a single fit would
            )
            step = max(1, total // 20)
            for grown in range(step, total + step, step):
                est.set_params(n_estimators=min(grown, total)).fit(x, yi, sample_weight=w)
                report(progress, min(grown, total) / total)
                check_cancelled(is_cancelled)
            self.estimator_ = est
            return forest_arrays(est), {"importance": dict(zip(names, est.feature_importances_.tolist()))}
        if self.method == "gradient_boosting":
            est = GradientBoostingClassifier(
                n_estimators=int(self.n_estimators),
                learning_rate=float(self.learning_rate),
                max_depth=depth or 3,
                min_samples_leaf=int(self.min_samples_leaf),
                random_state=int(self.seed) % 2**32,
            )

            def monitor(i: int, *_: Any) -> bool:  # after each tree; True stops the boosting
                report(progress, (i + 1) / int(self.n_estimators))
                return bool(is_cancelled is not None and is_cancelled())

            est.fit(x, yi, sample_weight=w, monitor=monitor)
            check_cancelled(is_cancelled)
            self.estimator_ = est
            return boosting_arrays(est), {"importance": dict(zip(names, est.feature_importances_.tolist()))}
        scaler = StandardScaler().fit(x)
        logistic = LogisticRegression(C=float(self.regularisation), max_iter=5000).fit(
            scaler.transform(x), yi, sample_weight=w
        )
        self.estimator_ = (scaler, logistic)
        arrays = logistic_arrays(scaler, logistic)
        return arrays, {
            "coefficients": dict(zip(names, arrays["coef"].tolist())),
            "intercept": float(arrays["intercept"][0]),
            "note": "coefficients of standardised features (per standard deviation of the feature)",
        }

    # -- fitted state -------------------------------------------------------------------------------------------

    def _prepare(self) -> None:
        """The tree table checked once (a loaded model's arrays are checked here before any prediction)."""
        arrays = self.arrays_
        n_features = len(self.metadata_["feature_names"])
        self._table = TreeTable(arrays, n_features) if "left" in arrays else None

    def _require_fitted(self) -> None:
        if not hasattr(self, "arrays_"):
            raise InputError("the model is not trained yet; call fit() or load() first.", "MODEL")

    @property
    def band_names_(self) -> List[str]:
        self._require_fitted()
        return list(self.metadata_["band_names"])

    #: classic models have no uncertainty raster
    has_uncertainty = False

    def uncertainty_description(self, mc_samples: int) -> str:
        return "none (a classic learner has no uncertainty raster)"

    def predict_features(self, x: np.ndarray, is_cancelled: CancelCallback = None) -> np.ndarray:
        """Positive-class probability of (n, features) samples without NaN, from the arrays alone; a forest or
        boosting checks ``is_cancelled`` between chunks of samples."""
        self._require_fitted()
        x = np.asarray(x, dtype=np.float64)
        method = self.metadata_["method"]
        if method == "random_forest":
            assert self._table is not None
            return forest_proba(self._table, x, is_cancelled)
        if method == "gradient_boosting":
            assert self._table is not None
            return boosting_proba(self._table, self.arrays_, x, is_cancelled)
        if method == "logistic":
            return logistic_proba(self.arrays_, x)
        return woe_proba(self.arrays_, x)

    def _predict_window(self, window: np.ndarray, is_cancelled: CancelCallback = None) -> np.ndarray:
        feats = window_features(window, self.metadata_["window"], np.asarray(self.metadata_["shift"]))
        ok = np.isfinite(feats).all(axis=0)
        prob = np.full(ok.shape, np.nan, dtype=np.float32)
        if ok.any():
            prob[ok] = self.predict_features(feats[:, ok].T, is_cancelled)
        return prob

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
    ) -> Any:
        """The tile ``r0:r1``, ``c0:c1`` read with its window's halo, as :meth:`PatchCNN.predict_tile` (the unit of
        work on Dask workers): the probability, no spread, and the probability again as the ranking score, as
        :meth:`predict_tiled` computes them (a :class:`..learning.inference.WindowScores`; ``index``, ``device`` and
        ``mc_samples`` are not used)."""
        from ..learning.inference import WindowScores  # (torch: there on the workers, which run CNNs too)

        self._require_fitted()
        halo = self.metadata_["window"] // 2
        prob = self._predict_window(read_window(r0 - halo, r1 + halo, c0 - halo, c1 + halo))
        return WindowScores(prob, None, prob.copy())

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
        """Tile by tile, as :meth:`PatchCNN.predict_tiled` (``device`` and ``mc_samples`` are ignored; the
        uncertainty passed to ``write_window`` is None; with ``with_score`` the ranking score passed after it is
        the probability itself): the next tile's window is read on a background thread while one is computed
        (:func:`..io.windows.prefetched_tiles`). Returns where the time went."""
        self._require_fitted()
        halo = self.metadata_["window"] // 2
        tiles = [(r, c) for r in range(0, height, tile) for c in range(0, width, tile)]

        def read(i: int) -> np.ndarray:
            r0, c0 = tiles[i]
            return read_window(r0 - halo, min(height, r0 + tile) + halo, c0 - halo, min(width, c0 + tile) + halo)

        def write(i: int, prob: np.ndarray) -> None:
            r0, c0 = tiles[i]
            if with_score:
                write_window(r0, c0, prob, None, prob.copy())
            else:
                write_window(r0, c0, prob, None)

        return prefetched_tiles(
            len(tiles),
            read,
            lambda i, window: self._predict_window(window, is_cancelled),
            write,
            progress,
            is_cancelled,
        )

    def predict_proba(
        self, bands: np.ndarray, device: Optional[str] = None, tile: int = 512, is_cancelled: CancelCallback = None
    ) -> np.ndarray:
        """Positive-class probability (H, W) of an in-memory stack (NaN where a feature lacks a value); as
        :meth:`PatchCNN.predict_proba` (``device`` is ignored); ``is_cancelled`` as in :meth:`predict_tiled`."""
        bands = np.asarray(bands, dtype=np.float64)
        if bands.ndim != 3 or bands.shape[0] != len(self.band_names_):
            raise InputError(f"the model needs {len(self.band_names_)} bands.", "INPUT_RASTERS")
        height, width = bands.shape[1:]
        out = np.full((height, width), np.nan, np.float32)

        def write(r0: int, c0: int, p: np.ndarray, s: Optional[np.ndarray]) -> None:
            out[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = p

        reader = array_window_reader(bands, np.float64)
        self.predict_tiled(reader, height, width, write, tile=tile, is_cancelled=is_cancelled)
        return out

    # -- model files --------------------------------------------------------------------------------------------

    def save(self, path: str, extra: Optional[Dict[str, Any]] = None, parameter: str = "OUTPUT_MODEL") -> str:
        """Write the model atomically: arrays as tensors, metadata as JSON (nothing executable)."""
        self._require_fitted()
        from ..learning.classic_file import write_classic

        return write_classic(path, self.arrays_, {**self.metadata_, **(extra or {})}, parameter)

    @classmethod
    def load(cls, path: str) -> "ClassicLearner":
        """Read a classic model file; refuse anything that is not a valid, safe one (nothing is executed)."""
        from ..learning.classic_file import read_classic

        metadata, arrays = read_classic(path)
        model = cls(**metadata["settings"])
        model.arrays_ = arrays
        model.metadata_ = metadata
        model.estimator_ = None
        model._prepare()
        return model


PARAM_NAMES = (
    "method",
    "window",
    "n_estimators",
    "max_depth",
    "min_samples_leaf",
    "learning_rate",
    "regularisation",
    "seed",
)


def _sizes(method: str, arrays: Arrays, n_features: int) -> Dict[str, int]:
    """The sizes the metadata declares, from which a reader knows every array's length before reading it."""
    sizes = {"features": n_features}
    if "offsets" in arrays:
        sizes["trees"] = int(arrays["offsets"].size - 1)
        sizes["nodes"] = int(arrays["left"].size)
    if method == "woe":
        sizes["rows"] = int(arrays["band"].size)
    return sizes


def array_lengths(method: str, sizes: Dict[str, int]) -> Dict[str, int]:
    """Every array's length for a method and the declared sizes."""
    lengths = {"nodes": sizes.get("nodes", 0), "trees+1": sizes.get("trees", 0) + 1, "1": 1}
    lengths.update({"features": sizes.get("features", 0), "rows": sizes.get("rows", 0)})
    return {name: lengths[kind] for name, kind in ARRAY_SHAPES[method].items()}

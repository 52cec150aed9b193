"""Distillation from gradient boosting over every valid cell (traincnn TEACHER).

A gradient-boosting teacher (:class:`..classic.learner.ClassicLearner`, comparemodels' settings) is trained on the
network's own training cells alone (never its validation cells, never anything the caller held out) and scores
every valid cell; the network then learns, besides the hard labels, the teacher's probability on cells drawn from
the whole area (binary cross-entropy of the network's log-odds against it). The network thus sees the whole study
area instead of the few hundred labelled cells, but through the teacher's eyes: it inherits the teacher's view,
its errors included.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)

from ..errors import InputError
from .pu import log_odds

#: "none", no teacher (every model before TEACHER); "gradient_boosting", soft targets from gradient boosting trained
#: on the network's training cells; "gradient_boosting_all", trained on every labelled cell, the validation cells
#: included (as comparemodels' gradient boosting is), whose validation figures then no longer judge the student
#: apart from its teacher
TEACHERS = ("none", "gradient_boosting", "gradient_boosting_all")

#: what the network matches: "probability", binary cross-entropy against the teacher's probability; "log_odds",
#: squared difference to the teacher's log-odds (probability clipped to [PROBABILITY_CLIP, 1 - PROBABILITY_CLIP]),
#: which keeps the teacher's ranking among the many cells it puts near 0, where the cross-entropy's gradient vanishes
DISTIL_TARGETS = ("probability", "log_odds")
PROBABILITY_CLIP = 1e-6

#: distillation cells per labelled cell of a batch (the per-cell network is cheap; the whole area is large)
DISTIL_BATCH_FACTOR = 4

#: the teacher's settings: comparemodels' gradient boosting (depth-3 trees)
TEACHER_SETTINGS: Dict[str, Any] = {
    "window": 0,
    "n_estimators": 200,
    "max_depth": 0,
    "min_samples_leaf": 5,
    "learning_rate": 0.1,
    "regularisation": 1.0,
}


def check_teacher(teacher: str, n_classes: int, positive_unlabelled: bool) -> None:
    """Refuse a teacher the labels cannot train; an :class:`InputError` names TEACHER."""
    if teacher == "none":
        return
    if positive_unlabelled:
        raise InputError(
            "a teacher learns from barren and mineralised labels, which positive-unlabelled training (TRAINING pu, "
            "the default) does not have; set TRAINING to 'labelled cells' (0), or TEACHER none.",
            "TEACHER",
        )
    if n_classes != 2:
        raise InputError(
            f"the gradient-boosting teacher needs two classes (mineralised, barren); the labels have {n_classes}.",
            "TEACHER",
        )


def teacher_targets(
    bands: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    is_positive: np.ndarray,
    weights: np.ndarray,
    valid: np.ndarray,
    seed: int,
    band_names: Optional[Sequence[str]] = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The teacher trained on the cells (``rows``, ``cols``; mineralised where ``is_positive``, confidence
    ``weights``) scores every ``valid`` cell: (rows, cols, positive-class probability, float32)."""
    from ..classic.learner import ClassicLearner

    labels = np.full(valid.shape, np.nan)
    labels[rows, cols] = is_positive.astype(np.float64)
    confidence = np.full(valid.shape, np.nan)
    confidence[rows, cols] = weights
    # a leaf of at most half the cells it learns from: the teacher's fixed 5 would refuse under 10 cells, naming
    # MIN_SAMPLES_LEAF, which traincnn does not have
    usable = int(np.isfinite(bands[:, rows, cols]).all(axis=0).sum())
    settings = dict(TEACHER_SETTINGS, min_samples_leaf=max(1, min(TEACHER_SETTINGS["min_samples_leaf"], usable // 2)))
    learner = ClassicLearner("gradient_boosting", seed=seed, **settings)
    prob = learner.fit(bands, labels, band_names, sample_weight=confidence).predict_proba(bands)
    v_rows, v_cols = np.nonzero(valid & np.isfinite(prob))
    return v_rows, v_cols, prob[v_rows, v_cols].astype(np.float32)


def distillation_loss(
    logits: torch.Tensor, target: torch.Tensor, positive: int = 1, kind: str = "probability"
) -> torch.Tensor:
    """The loss of (n, 2) ``logits`` (their log-odds z of class ``positive``) against the teacher's probabilities
    ``target`` (n,), both minimised where z equals the teacher's log-odds t: "probability", the mean binary
    cross-entropy; "log_odds", mean (z - t)^2 / 8 (t from the clipped probability; / 8: the cross-entropy's
    curvature at p = 0.5, so a weight means about the same for both)."""
    z = log_odds(logits, positive)
    if kind == "log_odds":
        p = target.double().clamp(PROBABILITY_CLIP, 1.0 - PROBABILITY_CLIP)
        t = torch.log(p / (1.0 - p)).to(z.dtype)
        return torch.mean((z - t) ** 2) / 8.0
    return F.binary_cross_entropy_with_logits(z, target.to(z.dtype))


def draw_targets(n: int, size: int, rng: np.random.Generator) -> Any:
    """Indices of ``size`` distillation cells among ``n``, drawn with replacement."""
    return rng.integers(0, n, size=size)

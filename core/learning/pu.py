"""Positive-unlabelled training: deposits (or pseudo-positives) against every other valid cell as *unlabelled*,
with a class prior, through the non-negative PU risk of Kiryo et al. (2017, "Positive-unlabeled learning with
non-negative risk estimator", NeurIPS), so that no barren label has to be invented.

With ``g`` the network's log-odds of the positive class, a loss ``l(g, +1) = softplus(-g)`` (logistic) and
``l(g, -1) = softplus(g)``, and the class prior ``pi`` (the share of positive ground among all cells):

    R_pu(g) = pi * R_p+(g) + max(0, R_u-(g) - pi * R_p-(g))

where ``R_p+`` and ``R_p-`` are the mean losses of the positive cells labelled positive and negative, and ``R_u-`` the
mean loss of the unlabelled cells labelled negative. The unbiased PU risk (without the max) goes negative when a
flexible network overfits; when ``R_u- - pi R_p-`` falls below ``-beta`` the step instead *raises* it (gradient
ascent with factor ``gamma``), Kiryo et al.'s Algorithm 1 (beta = 0, gamma = 1 as in their experiments).
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)

from ..errors import InputError

#: Kiryo et al.'s defaults
BETA = 0.0
GAMMA = 1.0
#: the unlabelled cells of a fit: this many per positive cell (at least MIN, at most MAX), drawn once at random
UNLABELLED_PER_POSITIVE = 20
MIN_UNLABELLED = 2000
MAX_UNLABELLED = 200_000


class PuRisk(NamedTuple):
    """The non-negative PU risk (to report) and the quantity to minimise in this step (the risk, or the
    negated negative part when it fell below -beta)."""

    risk: torch.Tensor
    objective: torch.Tensor


def log_odds(logits: torch.Tensor, positive: int = 1) -> torch.Tensor:
    """(n, 2) logits -> (n,) log-odds of class index ``positive``."""
    return logits[:, positive] - logits[:, 1 - positive]


def nnpu_risk(
    g: torch.Tensor,
    is_positive: torch.Tensor,
    prior: float,
    weights: Optional[torch.Tensor] = None,
    beta: float = BETA,
    gamma: float = GAMMA,
) -> PuRisk:
    """The non-negative PU risk of log-odds ``g`` (n,) with ``is_positive`` (n,) marking the labelled positives
    (every other cell is unlabelled); ``weights`` (n,) weight the positives (label confidence; 1 if None).

    A batch without positives has R_p+ = R_p- = 0; one without unlabelled cells R_u- = 0.
    """
    pos = is_positive.bool()
    w = torch.ones_like(g) if weights is None else weights.to(g.dtype)
    wp = torch.where(pos, w, torch.zeros_like(w))
    n_p = wp.sum().clamp_min(1e-12)
    n_u = (~pos).sum().clamp_min(1)
    r_p_plus = (wp * F.softplus(-g)).sum() / n_p
    r_p_minus = (wp * F.softplus(g)).sum() / n_p
    r_u_minus = torch.where(~pos, F.softplus(g), torch.zeros_like(g)).sum() / n_u
    negative = r_u_minus - prior * r_p_minus
    risk = prior * r_p_plus + negative.clamp_min(0.0)
    # chosen on the device (no wait for it): when the negative risk dips below -beta, step back up its gradient
    objective = torch.where(negative < -beta, -gamma * negative, prior * r_p_plus + negative)
    return PuRisk(risk, objective)


def check_prior(prior: float) -> None:
    if not 0.0 < prior < 1.0:
        raise InputError(
            f"the class prior must be between 0 and 1 (the share of positive ground among all cells), not {prior:g}.",
            "CLASS_PRIOR",
        )


def check_pu_cells(n_positive: int, n_candidates: int) -> None:
    """Positive-unlabelled training needs two positive cells and at least one other valid cell."""
    if n_positive < 2:
        raise InputError(
            f"positive-unlabelled training needs at least two cells labelled 1 (mineralised) with evidence values "
            f"(found {n_positive}). Check that LABELS marks deposits with 1 (or a word such as 'mineralised') "
            "where the evidence rasters have values, or train with TRAINING 'labelled cells' on barren and "
            "mineralised labels.",
            "LABELS",
        )
    if n_candidates == 0:
        raise InputError("every valid cell is labelled positive: there is nothing unlabelled to learn from.", "LABELS")


def other_classes_warning(values: np.ndarray, class_names: Optional[Dict[int, str]] = None) -> Optional[str]:
    """The warning for labels of mineralised classes other than 1 (deposit types as classes 1, 2, ...), which
    positive-unlabelled training counts as unlabelled ground; None when there are none. ``values``: the label
    values of the labelled cells (NaN: unlabelled), ``class_names``: the words they were read from, if any."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    others, counts = np.unique(finite[finite >= 2], return_counts=True)
    if others.size == 0:
        return None
    names = class_names or {}

    def named(value: float) -> str:
        word = names.get(int(value))
        return f"{int(value)} ('{word}')" if word else f"{int(value)}"

    listed = ", ".join(f"{named(v)}: {int(n):,} cell(s)" for v, n in zip(others, counts))
    return (
        f"LABELS: positive-unlabelled training learns the cells labelled {named(1)} ({int(np.sum(finite == 1)):,}) "
        f"as deposits and counts the other mineralised classes as unlabelled ground ({listed}). To train on every "
        "deposit, label them all 1; to tell the classes apart, train with TRAINING 'labelled cells'."
    )


def default_prior(n_positive: int, n_valid: int) -> float:
    """The class prior used when none is given: the share of the valid cells labelled positive (a lower bound:
    undiscovered deposits make the true share larger)."""
    return float(min(0.5, max(n_positive, 1) / max(n_valid, 1)))


def unlabelled_ranks(n_candidates: int, n_positive: int, rng: np.random.Generator) -> Optional[np.ndarray]:
    """Which of ``n_candidates`` unlabelled candidate cells (their ranks, ascending) the fit uses, sized by the
    positives; None when it uses all of them."""
    n = int(min(n_candidates, max(MIN_UNLABELLED, UNLABELLED_PER_POSITIVE * n_positive), MAX_UNLABELLED))
    if n >= n_candidates:
        return None
    return np.sort(rng.choice(n_candidates, n, replace=False))


def unlabelled_sample(candidates: np.ndarray, n_positive: int, rng: np.random.Generator) -> np.ndarray:
    """A random subset (sorted flat indices) of the unlabelled candidate cells, sized by the positives (the draw
    of :func:`unlabelled_ranks`, which a fit reading window by window repeats without holding ``candidates``)."""
    ranks = unlabelled_ranks(candidates.size, n_positive, rng)
    return candidates if ranks is None else candidates[ranks]

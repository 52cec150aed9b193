"""Gaussian anamorphosis (normal-score transform) with explicit ties, and its back-transform.

The ``n`` finite sample values are sorted; the ``i``-th (1-based) gets the plotting position
``p_i = (i - 0.5) / n`` and the normal score ``Phi^-1(p_i)`` (Hazen's plotting position, as GSLIB's
``nscore`` without declustering weights). Values that are **tied** (typically a block of values at or below
a detection limit, all replaced by one substitute) all get **one** score: the mean of the scores of the ranks
they occupy, which is the discrete form of the conditional expectation ``E[Z | Z in block]`` of a standard
normal ``Z``. A block of 37 % censored values therefore sits at about -1.03, where it belongs, instead of
being spread over arbitrary ranks or turned into one spike far in the tail (as ``ln`` of a small substitute).

The back-transform ``g`` (score -> value) interpolates linearly between the (score, value) pairs of the
distinct sample values and is held constant beyond the smallest and largest (no extrapolation: estimates stay
within the sample range). Kriging of normal scores gives a Gaussian conditional distribution
``N(y*, sigma^2)`` at each cell; the estimate reported in value units is its mean through ``g``,
``E[g(Y)]``, computed exactly (:meth:`NormalScore.back_transform_mean`): ``g`` is piecewise linear, so
``g(y) = v_0 + sum_j c_j (y - s_j)^+`` (``c_j`` the change of slope at knot ``s_j``) and
``E[(Y - s)^+] = sigma phi(d) + (y* - s) Phi(d)`` with ``d = (y* - s) / sigma``. Where
``sigma^2 = 0`` (on a sample) it is ``g(y*)``, the sample's value. The kriging variance stays in normal-score
units: 0 on a sample, near 1 (the variance of the scores) far from every sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import InputError

#: cells x knots evaluated at a time by the back-transform (bounds its memory to a few tens of MB)
CHUNK_ELEMENTS = 2_000_000


@dataclass(frozen=True)
class NormalScore:
    """A fitted anamorphosis: the distinct sample ``values`` (increasing), their ``scores`` and ``counts``."""

    values: np.ndarray
    scores: np.ndarray
    counts: np.ndarray

    @classmethod
    def fit(cls, z: np.ndarray) -> "NormalScore":
        """Fit on the finite values of ``z`` (at least 2 distinct values)."""
        z = np.asarray(z, dtype=np.float64)
        z = np.sort(z[np.isfinite(z)])
        n = z.size
        distinct, first, counts = np.unique(z, return_index=True, return_counts=True)
        if distinct.size < 2:
            raise InputError("a normal-score transform needs at least 2 distinct values.", "FIELDS")
        rank_scores = ndtri((np.arange(1, n + 1) - 0.5) / n)
        # mean score of each tied block of ranks first .. first + count - 1
        cumulative = np.concatenate([[0.0], np.cumsum(rank_scores)])
        scores = (cumulative[first + counts] - cumulative[first]) / counts
        return cls(distinct, scores, counts)

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def largest_tie(self) -> "tuple[float, float]":
        """The value shared by the most samples and the share of the samples it holds."""
        i = int(np.argmax(self.counts))
        return float(self.values[i]), float(self.counts[i]) / self.n

    def transform(self, z: np.ndarray) -> np.ndarray:
        """Normal scores of ``z`` (sample values map to their own scores; others by linear interpolation)."""
        z = np.asarray(z, dtype=np.float64)
        out = np.interp(z, self.values, self.scores)
        out[~np.isfinite(z)] = np.nan
        return out

    def back_transform(self, y: np.ndarray) -> np.ndarray:
        """``g(y)``: values of scores ``y`` (constant beyond the sample range)."""
        y = np.asarray(y, dtype=np.float64)
        out = np.interp(y, self.scores, self.values)
        out[~np.isfinite(y)] = np.nan
        return out

    def back_transform_mean(self, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
        """``E[g(Y)]`` for ``Y ~ N(mean, variance)``, element-wise and exact (NaN where either input is NaN)."""
        mean = np.asarray(mean, dtype=np.float64)
        sd = np.sqrt(np.maximum(np.asarray(variance, dtype=np.float64), 0.0))
        mean, sd = np.broadcast_arrays(mean, sd)
        slopes = np.diff(self.values) / np.diff(self.scores)
        change = np.diff(np.concatenate([[0.0], slopes, [0.0]]))  # slope change at every knot
        knots = self.scores
        flat_m, flat_s = mean.ravel(), sd.ravel()
        out = np.empty(flat_m.shape)
        step = max(1, CHUNK_ELEMENTS // knots.size)
        for start in range(0, flat_m.size, step):
            m = flat_m[start : start + step, None]
            s = flat_s[start : start + step, None]
            gap = m - knots[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                d = gap / s
                expected = s * np.exp(-0.5 * d * d) / np.sqrt(2.0 * np.pi) + gap * ndtr(d)
            exact = s[:, 0] == 0  # no spread: (m - s)^+
            expected[exact] = np.maximum(gap[exact], 0.0)
            out[start : start + step] = self.values[0] + expected @ change
        out[~(np.isfinite(flat_m) & np.isfinite(flat_s))] = np.nan
        return out.reshape(mean.shape)

    def as_dict(self) -> Dict[str, object]:
        """A JSON-friendly summary for provenance (the table itself is not stored)."""
        value, share = self.largest_tie()
        return {
            "samples": self.n,
            "distinct_values": int(self.values.size),
            "min": float(self.values[0]),
            "max": float(self.values[-1]),
            "largest_tie": {"value": value, "share": round(share, 4)},
        }

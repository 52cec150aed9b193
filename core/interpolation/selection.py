"""Interpolation candidates (method x transform), their cross-validation and the automatic choice.

A :class:`Candidate` is one way of gridding one element: IDW at a power, or ordinary kriging with a
variogram, on raw values, logarithms or normal scores (:mod:`.anamorphosis`). Every candidate is
cross-validated the same way (:func:`.crossval.cross_validate`, metrics on the original values) and the
automatic choice is the candidate of smallest RMSE. Fitting the variogram and the anamorphosis uses every
sample (as gstat's and PyKrige's cross-validation do); only the prediction leaves samples out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..callbacks import CancelCallback
from ..errors import InputError
from ..io.values import average_duplicates, substitute_nonpositive
from . import crossval
from .anamorphosis import NormalScore
from .idw import idw_points
from .kriging import krige_points
from .variogram import MODELS, PURE_NUGGET_SHARE, Variogram, auto_variogram

TRANSFORMS = ("none", "log", "normal_score")
TRANSFORM_LABELS = {"none": "raw values", "log": "log values", "normal_score": "normal scores"}

#: a kriged element whose cross-validated RMSE exceeds the best IDW's by this factor gets a warning
WORSE_THAN_IDW = 1.2


@dataclass(frozen=True)
class Candidate:
    """One interpolator: ``method`` "idw" or "kriging", ``transform`` one of :data:`TRANSFORMS`."""

    method: str
    transform: str
    power: float = 2.0
    variogram: Optional[Variogram] = None

    def label(self) -> str:
        name = f"IDW power {self.power:g}" if self.method == "idw" else "ordinary kriging"
        return f"{name} on {TRANSFORM_LABELS[self.transform]}"

    def cv_method(self) -> str:
        """The ``method`` column of the cross-validation table (the transform is in ``settings``)."""
        return "idw" if self.method == "idw" else "ordinary kriging"


def working_values(z: np.ndarray, transform: str) -> Tuple[np.ndarray, Optional[NormalScore], int]:
    """The values a candidate interpolates before its own transform: for "log", values <= 0 set to half the
    smallest positive value (returns how many); for "normal_score", also the fitted anamorphosis."""
    z = np.asarray(z, dtype=np.float64)
    if transform == "log":
        out, replaced, _ = substitute_nonpositive(z)
        if not np.any(out[np.isfinite(out)] > 0):
            raise InputError("no value is positive, so no logarithm can be taken; use raw values.", "FIELDS")
        return out, None, replaced
    if transform == "normal_score":
        return z, NormalScore.fit(z), 0
    if transform != "none":
        raise InputError(f"unknown transform '{transform}'.", "FIELDS")
    return z, None, 0


def merge_sites(
    xy: np.ndarray, values: np.ndarray, transforms: Sequence[str], tolerance: float = 0.0
) -> Tuple[np.ndarray, np.ndarray, int]:
    """Samples closer than ``tolerance`` (one site: field duplicates, repeated analyses) merged into one per site,
    each column averaged in the space its ``transforms`` entry grids it in: "none" on its values, "log" on its
    logarithms (the geometric mean), "normal_score" on its normal scores. A normal score is a rank: the scores
    come from the anamorphosis of every analysis (each duplicate counted, as each is a measurement of the
    distribution), the site's mean score is taken back to a value through that anamorphosis (a value within the
    samples' range, whose rank among them is the mean score's), so that the site ranks where its analyses rank
    together: a sample and a duplicate 100 times higher average near the middle of their two ranks, not to half
    the higher one (the raw mean, which would rank the site near the top). Returns the merged coordinates, values
    and how many samples were merged away."""
    values = np.asarray(values, dtype=np.float64)
    one_d = values.ndim == 1
    work = values[:, None].copy() if one_d else values.copy()
    if len(transforms) != work.shape[1]:
        raise ValueError(f"{len(transforms)} transforms for {work.shape[1]} columns")
    anamorphoses: Dict[int, NormalScore] = {}
    for j, transform in enumerate(transforms):
        if transform == "normal_score" and np.unique(work[np.isfinite(work[:, j]), j]).size >= 2:
            anamorphoses[j] = NormalScore.fit(work[:, j])
            work[:, j] = anamorphoses[j].transform(work[:, j])
    merged_xy, merged, count = average_duplicates(xy, work, tolerance, log_columns=[t == "log" for t in transforms])
    for j, anamorphosis in anamorphoses.items():
        merged[:, j] = anamorphosis.back_transform(merged[:, j])  # a site of one sample gets its own value back
    return merged_xy, (merged[:, 0] if one_d else merged), count


def kriging_units(z: np.ndarray, transform: str) -> np.ndarray:
    """Finite values ``z`` in the units kriging works in: raw, ln (after :func:`working_values`), normal scores."""
    work, anamorphosis, _ = working_values(z, transform)
    if transform == "log":
        return np.log(work)
    return work if anamorphosis is None else anamorphosis.transform(work)


def fit_variogram_for(
    xy: np.ndarray,
    z: np.ndarray,
    transform: str,
    models: Sequence[str] = MODELS,
    estimator: str = "matheron",
    anisotropy: Optional[Tuple[float, float]] = None,
) -> Tuple[Variogram, Dict[str, float]]:
    """The best variogram of ``z`` in the units a kriging candidate works in (raw, ln, normal scores)."""
    ok = np.isfinite(z)
    data = kriging_units(z[ok], transform)
    model, scores, _ = auto_variogram(xy[ok], data, models=models, estimator=estimator, anisotropy=anisotropy)
    return model, scores


def predict(
    candidate: Candidate,
    xy: np.ndarray,
    z: np.ndarray,
    targets: np.ndarray,
    exclude: Optional[np.ndarray] = None,
    neighbors: int = 16,
    max_distance: Optional[float] = None,
    anamorphosis: Optional[NormalScore] = None,
    is_cancelled: CancelCallback = None,
    length_unit: str = "",
) -> np.ndarray:
    """Estimates at ``targets`` in value units (``z`` already passed through :func:`working_values`);
    ``length_unit`` (the map's: 'm') names the unit of a variogram range a refusal quotes."""
    log = candidate.transform == "log"
    if candidate.transform == "normal_score":
        if anamorphosis is None:
            anamorphosis = NormalScore.fit(z)
        y = anamorphosis.transform(z)
    else:
        y = z
    if candidate.method == "idw":
        est = idw_points(xy, y, targets, candidate.power, neighbors, max_distance, exclude, log)
        return anamorphosis.back_transform(est) if candidate.transform == "normal_score" and anamorphosis else est
    if candidate.variogram is None:
        raise InputError("kriging needs a variogram.", "VARIOGRAM_MODEL")
    est, var = krige_points(
        xy, y, targets, candidate.variogram, neighbors, max_distance, exclude, log, is_cancelled=is_cancelled,
        length_unit=length_unit,
    )  # fmt: skip
    if candidate.transform == "normal_score" and anamorphosis is not None:
        est = anamorphosis.back_transform_mean(est, var)
    return est


def cross_validate_candidate(
    element: str,
    candidate: Candidate,
    xy: np.ndarray,
    z: np.ndarray,
    neighbors: int = 16,
    max_distance: Optional[float] = None,
    is_cancelled: CancelCallback = None,
    every_sample: bool = False,
    length_unit: str = "",
) -> crossval.CvScore:
    """Cross-validated scores of one candidate on the finite values of ``z`` (observations in value units).

    ``every_sample``: IDW over every sample (``neighbors`` 0; ignored otherwise, and for kriging) is checked one at
    a time at a random subset beyond :data:`crossval.MAX_LOO_SAMPLES` (:func:`crossval.cross_validate`); give
    the same value to every candidate of a field so that their scores compare. ``length_unit`` (the map's: 'm')
    follows the variogram's range in the settings and in a refusal."""
    ok = np.isfinite(z)
    pxy, observed = xy[ok], z[ok]
    work, anamorphosis, _ = working_values(observed, candidate.transform)

    def predictor(txy, tz, targets, exclude):
        return predict(
            candidate, txy, tz, targets, exclude, neighbors, max_distance, anamorphosis, is_cancelled, length_unit
        )

    # global kriging keeps k-fold: its folds are one system each, while leaving out one sample at a subset would
    # solve an (n - 1)-sample system per check
    subset = every_sample and neighbors <= 0 and candidate.method == "idw"
    pred, scheme = crossval.cross_validate(pxy, work, predictor, is_cancelled=is_cancelled, every_sample=subset)
    if candidate.method == "idw":
        settings = f"power={candidate.power:g} k={neighbors}"
    else:
        assert candidate.variogram is not None
        settings = f"{candidate.variogram.describe(length_unit)} k={neighbors}"
    settings += f" transform={candidate.transform}"
    return crossval.score(element, candidate.cv_method(), settings, scheme, observed, pred)


def choose(candidates: Sequence[Candidate], scores: Sequence[crossval.CvScore]) -> int:
    """Index of the candidate of smallest cross-validated RMSE (the first on a tie; NaN never wins)."""
    rmse = np.array([s.rmse for s in scores], dtype=float)
    if len(candidates) != len(scores) or not np.isfinite(rmse).any():
        raise InputError("no candidate could be cross-validated; check the field's values.", "FIELDS")
    return int(np.nanargmin(rmse))


def kriging_warnings(
    element: str,
    candidates: Sequence[Candidate],
    scores: Sequence[crossval.CvScore],
    factor: float = WORSE_THAN_IDW,
    only: Optional[int] = None,
    spacing: float = 0.0,
    length_text: Callable[[float], str] = lambda v: f"{v:,.4g} map units",
) -> List[str]:
    """Warnings for kriging candidates cross-validated much worse than the best IDW, and for pure-nugget fits; with
    ``only``, for that candidate alone (the one chosen to make the map: a candidate left aside is no concern).

    A fit is pure nugget too where its structure lies below the samples' ``spacing`` (their median distance to the
    nearest other sample, map units; 0 = not checked): a model that reaches more than :data:`PURE_NUGGET_SHARE` of
    its sill there (along its major axis) describes the few closest pairs, and at the distances between most
    samples it is as flat as a nugget."""
    idw = [s for c, s in zip(candidates, scores) if c.method == "idw" and np.isfinite(s.rmse)]
    best_idw = min(idw, key=lambda s: s.rmse) if idw else None
    out = []
    for i, (c, s) in enumerate(zip(candidates, scores)):
        if c.method != "kriging" or (only is not None and i != only):
            continue
        if best_idw is not None and np.isfinite(s.rmse) and s.rmse > factor * best_idw.rmse:
            out.append(
                f"{element}: {c.label()} cross-validates much worse than IDW: RMSE {s.rmse:.4g} against "
                f"{best_idw.rmse:.4g} ({best_idw.settings}), R2 {s.r2:.3g} against {best_idw.r2:.3g}, mean error "
                f"{s.me:+.4g} against {best_idw.me:+.4g}. Prefer IDW or METHOD = Automatic for this element."
            )
        if c.variogram is not None and c.variogram.nugget_share > PURE_NUGGET_SHARE:
            out.append(
                f"{element}: the variogram of {TRANSFORM_LABELS[c.transform]} is almost pure nugget (nugget "
                f"{c.variogram.nugget:.4g} = {100 * c.variogram.nugget_share:.0f} % of the sill): it explains "
                "(nearly) no spatial structure, so kriging returns little more than a local mean."
            )
        elif c.variogram is not None and spacing > 0:
            reached = float(c.variogram.isotropic()(np.array([spacing]))[0] / c.variogram.sill)
            if reached > PURE_NUGGET_SHARE:
                out.append(
                    f"{element}: the variogram of {TRANSFORM_LABELS[c.transform]} ({c.variogram.model}, range "
                    f"{length_text(c.variogram.range)}) reaches {100 * reached:.0f} % of its sill at the samples' "
                    f"spacing ({length_text(spacing)}, their median distance to the nearest other sample): its "
                    "structure is shorter than the distances between most samples, which measure none, so there it "
                    "is as good as pure nugget, and kriging returns little more than a local mean with a spot around "
                    "each sample. Prefer IDW or METHOD = Automatic for this element, or sample more closely."
                )
    return out


#: an element with more than this share of its values at or below detection is heavily censored
HEAVY_CENSORING = 0.25


def below_detection_share(values: np.ndarray, censored: int, censored_factor: float, signed: bool = False) -> float:
    """Share of the finite ``values`` at or below detection: the ``censored`` entries ('<5', negative codes,
    already replaced by ``censored_factor`` x the limit) plus the values <= 0 that are not such substitutes.
    ``signed``: the field's negative numbers are real values (magnetics in nT, a log-ratio, levelled data), so a
    value <= 0 is a measurement like any other and only the ``censored`` entries count."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0
    if signed:
        return min(1.0, censored / finite.size)
    below = int(np.sum(finite <= 0)) + (censored if censored_factor > 0 else 0)
    return min(1.0, below / finite.size)

"""Experimental semivariograms and their model fits (spherical, exponential, gaussian).

Conventions (stated once, used everywhere):

* ``gamma(h) = nugget + psill * f(h / range)`` for ``h > 0`` and ``gamma(0) = 0``;
* ``range`` is the *practical* range for every model: spherical reaches the
  sill at ``range``; exponential ``f = 1 - exp(-3 h / range)`` and gaussian
  ``f = 1 - exp(-3 h^2 / range^2)`` reach 95 % of it there (as PyKrige's
  exponential; gstat's ``Exp``/``Gau`` range parameters are ``range / 3`` and
  ``range / sqrt(3)``).

Geometric anisotropy (``angle``, ``ratio``) follows PyKrige: ``range`` is the range along the major axis,
which points ``angle`` degrees counter-clockwise from the x axis (east); along the minor axis the range is
``range / ratio``. Distances are measured after rotating the coordinates by ``-angle`` and stretching the
minor axis by ``ratio`` (:func:`anisotropic_coordinates`), so an anisotropic model is an isotropic one in
those coordinates.

The experimental variogram uses Matheron's estimator, or Cressie and Hawkins' robust one (1980), which
averages square roots of the absolute differences and resists outliers that dominate squared differences.

The fit is weighted least squares with gstat's default weights ``N_j / h_j^2``
(pairs per lag over squared lag distance, "fit.method = 7"), so the short lags
that matter most for kriging dominate. The experimental variogram defaults to
gstat's lag set: cutoff one third of the bounding-box diagonal, 15 lags.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ..errors import InputError
from ..reports.legend import readable_number

MODELS = ("spherical", "exponential", "gaussian")

#: experimental variograms on more samples than this use a random subset (pairs grow as n^2)
MAX_VARIOGRAM_SAMPLES = 3000

ESTIMATORS = ("matheron", "cressie_hawkins")
#: the fewest samples whose fitted variogram is worth more than a guess: 30 give 435 pairs, about 30 to each of
#: the usual 15 lags (Journel and Huijbregts' 30 pairs a lag); Webster and Oliver (1992) advise 100 or more
MIN_VARIOGRAM_SAMPLES = 30

#: a fitted nugget above this share of the sill: the variogram explains (almost) nothing
PURE_NUGGET_SHARE = 0.9


#: lags beyond this many ranges are as far as infinity for every model (exp(-3 * 1e3) is 0 in float64); clipped there,
#: so that r * r of a lag over a range of 1e-300 does not overflow
FAR = 1e3


@dataclass(frozen=True)
class Variogram:
    """An isotropic variogram model; see the module docstring for the formulas."""

    model: str
    nugget: float
    psill: float
    range: float
    angle: float = 0.0  # direction of the major axis, degrees counter-clockwise from east
    ratio: float = 1.0  # major range / minor range (1 = isotropic)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.angle) and math.isfinite(self.ratio) and self.ratio >= 1.0):
            raise InputError(
                "the anisotropy ratio must be >= 1 (major range / minor range) and the angle finite.",
                "ANISOTROPY_RATIO",
            )
        if self.model not in MODELS:
            raise InputError(f"unknown variogram model '{self.model}'; use one of {', '.join(MODELS)}.", "METHOD")
        if not self.range > 0:
            raise InputError("a variogram needs a range > 0.", "VARIOGRAM_RANGE")
        if not (self.nugget >= 0 and self.psill >= 0) or self.nugget + self.psill <= 0:
            raise InputError(
                f"a variogram needs nugget >= 0 and partial sill >= 0, not both 0 (here {self.nugget:g} and "
                f"{self.psill:g}: a sill of 0 is no variance at all); give the partial sill of the model, its sill "
                "minus the nugget, e.g. read from the experimental variogram.",
                "VARIOGRAM_SILL",
            )

    @property
    def sill(self) -> float:
        return self.nugget + self.psill

    @property
    def anisotropic(self) -> bool:
        return self.ratio != 1.0

    @property
    def nugget_share(self) -> float:
        """``nugget / sill``: 1 for a pure-nugget model, which says the samples carry no spatial structure."""
        return self.nugget / self.sill

    def isotropic(self) -> "Variogram":
        """The same model without its anisotropy (for coordinates already made isotropic)."""
        return Variogram(self.model, self.nugget, self.psill, self.range)

    def structure(self, h: np.ndarray) -> np.ndarray:
        """The unit structure ``f(h)`` (0 at 0, 1 at infinity)."""
        with np.errstate(over="ignore"):  # a range of 1e-308: every lag is beyond it (r = inf), no warning
            r = np.asarray(h, dtype=np.float64) / self.range
        if self.model == "spherical":
            r = np.minimum(r, 1.0)  # 1 from the range on (r**3 of a huge r would overflow)
            return 1.5 * r - 0.5 * r**3
        r = np.minimum(r, FAR)
        if self.model == "exponential":
            return 1.0 - np.exp(-3.0 * r)
        return 1.0 - np.exp(-3.0 * r * r)

    def __call__(self, h: np.ndarray) -> np.ndarray:
        """Semivariance at lag distance ``h`` (0 at ``h == 0``)."""
        h = np.asarray(h, dtype=np.float64)
        return np.where(h > 0, self.nugget + self.psill * self.structure(h), 0.0)

    def covariance(self, h: np.ndarray) -> np.ndarray:
        """``C(h) = sill - gamma(h)``; ``C(0) = sill``."""
        return self.sill - self(h)

    def unit_covariance(self, h: np.ndarray) -> np.ndarray:
        """``C(h) / sill`` (1 at ``h <= 0``), computed in place on a fresh array: the kriging hot path."""
        with np.errstate(over="ignore", invalid="ignore"):  # a range of 1e-308 or 5e-324: r = inf (nan at 0, set below)
            r = np.multiply(h, 1.0 / self.range)
        if self.model != "spherical":  # (spherical clips at 1 below)
            np.minimum(r, FAR, out=r)
        if self.model == "spherical":
            np.minimum(r, 1.0, out=r)
            f = r * r
            f *= -0.5
            f += 1.5
            f *= r  # 1.5 r - 0.5 r^3 = structure
            np.subtract(1.0, f, out=f)
        elif self.model == "exponential":
            f = np.multiply(r, -3.0, out=r)
            np.exp(f, out=f)
        else:
            f = np.multiply(r, r, out=r)
            f *= -3.0
            np.exp(f, out=f)
        f *= self.psill / self.sill
        f[h <= 0] = 1.0
        return f

    def as_dict(self) -> Dict[str, object]:
        """The model as a plain dict (the anisotropy only when there is one, as before it existed)."""
        out = asdict(self)
        if not self.anisotropic:
            del out["angle"], out["ratio"]
        return out

    def describe(self, length_unit: str = "") -> str:
        """The model in words, numbers written out (range 112,400, not 1.124e+05), the range in ``length_unit``
        (the map's: 'm', 'ft') when given."""
        n = readable_number
        reach = f"{n(self.range)} {length_unit}" if length_unit else n(self.range)
        text = f"{self.model}, nugget {n(self.nugget)}, partial sill {n(self.psill)}, range {reach}"
        if self.anisotropic:
            text += f" (major axis {n(self.angle)}° from east, anisotropy ratio {n(self.ratio)})"
        return text


def anisotropic_coordinates(xy: np.ndarray, angle: float, ratio: float) -> np.ndarray:
    """Coordinates in which a model of anisotropy (``angle``, ``ratio``) is isotropic (PyKrige's convention).

    Rotated by ``-angle`` degrees (the major axis onto x) and the minor axis (y) stretched by ``ratio``.
    """
    xy = np.asarray(xy, dtype=np.float64)
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    out = np.empty_like(xy)
    out[:, 0] = c * xy[:, 0] + s * xy[:, 1]
    out[:, 1] = ratio * (-s * xy[:, 0] + c * xy[:, 1])
    return out


@dataclass(frozen=True)
class ExperimentalVariogram:
    lags: np.ndarray  # mean pair distance per lag
    gamma: np.ndarray  # semivariance per lag
    counts: np.ndarray  # pairs per lag


def experimental_variogram(
    xy: np.ndarray,
    z: np.ndarray,
    n_lags: int = 15,
    max_lag: Optional[float] = None,
    max_samples: int = MAX_VARIOGRAM_SAMPLES,
    seed: int = 0,
    estimator: str = "matheron",
) -> ExperimentalVariogram:
    """Semivariance on equal-width lags: Matheron's ``sum (z_i - z_j)^2 / (2 N(h))`` or, with
    ``estimator="cressie_hawkins"``, ``(mean |z_i - z_j|^0.5)^4 / (2 (0.457 + 0.494 / N + 0.045 / N^2))``.

    ``max_lag`` defaults to a third of the bounding-box diagonal (gstat's cutoff).
    Above ``max_samples`` samples a random subset (fixed ``seed``) is used. Lags
    without pairs are dropped.
    """
    from scipy.spatial.distance import pdist

    xy = np.asarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    keep = np.isfinite(z)
    xy, z = xy[keep], z[keep]
    if len(z) < 3:
        raise InputError(
            f"a variogram needs at least 3 samples with values, and the field has {len(z)}; add samples, or "
            "interpolate the field with METHOD idw.",
            "FIELDS",
        )
    if max_lag is None:
        span = xy.max(axis=0) - xy.min(axis=0)
        max_lag = float(np.hypot(*span)) / 3.0
    if not max_lag > 0:
        raise InputError("the samples all lie at one place; no variogram can be computed.", "INPUT")
    if len(z) > max_samples:
        pick = np.random.default_rng(seed).choice(len(z), max_samples, replace=False)
        xy, z = xy[pick], z[pick]
    if estimator not in ESTIMATORS:
        raise InputError(f"unknown variogram estimator '{estimator}'; use one of {', '.join(ESTIMATORS)}.", "FIELDS")
    dist = pdist(xy)
    if estimator == "matheron":
        sq = pdist(z[:, None], "sqeuclidean")
    else:
        sq = np.sqrt(pdist(z[:, None], "cityblock"))
    use = (dist > 0) & (dist <= max_lag)
    dist, sq = dist[use], sq[use]
    width = max_lag / n_lags
    lag = np.minimum((dist / width).astype(np.int64), n_lags - 1)
    counts = np.bincount(lag, minlength=n_lags)
    sums = np.bincount(lag, weights=sq, minlength=n_lags)
    dsum = np.bincount(lag, weights=dist, minlength=n_lags)
    ok = counts > 0
    counts, sums, dsum = counts[ok], sums[ok], dsum[ok]
    if estimator == "matheron":
        gamma = sums / (2.0 * counts)
    else:
        gamma = (sums / counts) ** 4 / (2.0 * (0.457 + 0.494 / counts + 0.045 / counts**2))
    return ExperimentalVariogram(dsum / counts, gamma, counts)


def fit_variogram(
    experimental: ExperimentalVariogram, models: Sequence[str] = MODELS
) -> Tuple[Variogram, Dict[str, float]]:
    """Weighted least-squares fit of each model; returns the best and every model's weighted SSE.

    Weights are ``N_j / h_j^2``; nugget, partial sill and range are bounded to
    ``[0, 2 max gamma]``, ``[0, 2 max gamma]`` and ``[lag_1 / 10, 2 max lag]``. The fit runs on gamma / max gamma
    and lag / max lag, so that it does not depend on the units: a field of fractions (1e-9, a variogram of 1e-18)
    or of counts (1e9) fits as the same field in ppm does (the optimiser's tolerances are absolute).
    """
    from scipy.optimize import least_squares

    h, g, n = experimental.lags, experimental.gamma, experimental.counts
    if len(h) < 3:
        pairs = int(np.sum(n))
        held = (
            f"the {pairs} pair{'s' if pairs != 1 else ''} of samples within its largest lag fall in {len(h)} distance "
            "class(es)"
            if pairs
            else "no two samples lie within its largest lag (by default a third of the samples' extent across)"
        )
        raise InputError(
            f"too few lags with sample pairs to fit a variogram: {held}, and a fit needs 3; add samples, or "
            "interpolate the field with METHOD idw.",
            "FIELDS",
        )
    gmax = float(g.max())
    if not gmax > 0:
        raise InputError(
            "the values do not vary (zero variogram), so there is nothing to krige: leave the field out of FIELDS, "
            "or interpolate it with METHOD idw, which gives its one value everywhere.",
            "FIELDS",
        )
    sw = np.sqrt(n / np.maximum(h, 1e-12) ** 2)
    sw = sw / sw.max()
    hmax = float(h.max())
    units = np.array([gmax, gmax, hmax])  # the fit's parameters are nugget, partial sill and range in these
    h, g = h / hmax, g / gmax
    lower = np.array([0.0, 0.0, h.min() / 10.0])
    upper = np.array([2.0, 2.0, 2.0])
    scores: Dict[str, float] = {}
    best: Optional[Variogram] = None
    best_score = math.inf
    for model in models:
        if model not in MODELS:
            raise InputError(f"unknown variogram model '{model}'.", "VARIOGRAM_MODEL")

        def residuals(p: np.ndarray, model: str = model) -> np.ndarray:
            r = h / p[2]
            if model == "spherical":
                f = np.where(r < 1.0, 1.5 * r - 0.5 * r**3, 1.0)
            elif model == "exponential":
                f = 1.0 - np.exp(-3.0 * r)
            else:
                f = 1.0 - np.exp(-3.0 * r * r)
            return sw * (p[0] + p[1] * f - g)

        model_best: Optional[Tuple[float, np.ndarray]] = None
        for nugget0, range0 in ((0.1, 0.5), (0.3, 0.3), (0.05, 1.0), (0.5, 0.8)):
            x0 = np.clip([nugget0, 1 - nugget0, range0], lower + 1e-12, upper - 1e-12)
            result = least_squares(residuals, x0, bounds=(lower, upper), method="trf", x_scale="jac")
            cost = float(np.sum(result.fun**2)) * gmax**2  # in the variogram's own units, squared
            if model_best is None or cost < model_best[0]:
                model_best = (cost, result.x)
        assert model_best is not None  # the loop ran
        cost, p = model_best[0], model_best[1] * units
        scores[model] = cost
        if cost < best_score and p[0] + p[1] > 0:
            best_score = cost
            best = Variogram(model, float(p[0]), float(p[1]), float(p[2]))
    assert best is not None
    return best, scores


def auto_variogram(
    xy: np.ndarray,
    z: np.ndarray,
    models: Sequence[str] = MODELS,
    n_lags: int = 15,
    max_lag: Optional[float] = None,
    estimator: str = "matheron",
    anisotropy: Optional[Tuple[float, float]] = None,
) -> Tuple[Variogram, Dict[str, float], ExperimentalVariogram]:
    """Experimental variogram of ``z`` and its best-fitting model.

    ``anisotropy`` (angle, ratio) fits the model in the coordinates where it is isotropic and returns it with
    that anisotropy; ``max_lag`` is then measured in those coordinates (along the major axis).
    """
    if anisotropy is not None and anisotropy[1] != 1.0:
        xy = anisotropic_coordinates(xy, *anisotropy)
    experimental = experimental_variogram(xy, z, n_lags=n_lags, max_lag=max_lag, estimator=estimator)
    model, scores = fit_variogram(experimental, models)
    if anisotropy is not None and anisotropy[1] != 1.0:
        model = Variogram(model.model, model.nugget, model.psill, model.range, *anisotropy)
    return model, scores, experimental


def fit_anisotropy(
    xy: np.ndarray,
    z: np.ndarray,
    models: Sequence[str] = MODELS,
    estimator: str = "matheron",
    step: float = 15.0,
    tolerance: float = 22.5,
    max_ratio: float = 10.0,
    n_lags: int = 15,
    seed: int = 0,
) -> Tuple[float, float]:
    """The geometric anisotropy (angle, ratio) of ``z`` from directional variograms.

    The isotropic model is fitted first; then, every ``step`` degrees, the directional experimental variogram
    (pairs within ``tolerance`` degrees of the direction) is fitted with that model's nugget and sill and only
    the range free. The major axis is the direction of the longest range; the ratio is that range over the
    range across it (at most ``max_ratio``).
    """
    from scipy.optimize import minimize_scalar

    base, _, _ = auto_variogram(xy, z, models, n_lags=n_lags, estimator=estimator)
    xy = np.asarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    if len(z) > MAX_VARIOGRAM_SAMPLES:
        pick = np.random.default_rng(seed).choice(len(z), MAX_VARIOGRAM_SAMPLES, replace=False)
        xy, z = xy[pick], z[pick]
    span = xy.max(axis=0) - xy.min(axis=0)
    max_lag = float(np.hypot(*span)) / 3.0
    i, j = np.triu_indices(len(z), 1)
    dx, dy = xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1]
    dist = np.hypot(dx, dy)
    use = (dist > 0) & (dist <= max_lag)
    i, j, dist = i[use], j[use], dist[use]
    direction = np.degrees(np.arctan2(dy[use], dx[use])) % 180.0
    diff = z[i] - z[j]
    width = max_lag / n_lags
    lag = np.minimum((dist / width).astype(np.int64), n_lags - 1)
    angles = np.arange(0.0, 180.0, step)
    ranges = np.full(angles.size, np.nan)
    for k, angle in enumerate(angles):
        off = np.abs((direction - angle + 90.0) % 180.0 - 90.0)
        sel = off <= tolerance
        counts = np.bincount(lag[sel], minlength=n_lags)
        ok = counts > 0
        if ok.sum() < 3:
            continue
        h = np.bincount(lag[sel], weights=dist[sel], minlength=n_lags)[ok] / counts[ok]
        if estimator == "matheron":
            g = np.bincount(lag[sel], weights=diff[sel] ** 2, minlength=n_lags)[ok] / (2.0 * counts[ok])
        else:
            root = np.bincount(lag[sel], weights=np.sqrt(np.abs(diff[sel])), minlength=n_lags)[ok] / counts[ok]
            c = counts[ok]
            g = root**4 / (2.0 * (0.457 + 0.494 / c + 0.045 / c**2))
        w = counts[ok] / np.maximum(h, 1e-12) ** 2

        def cost(log_range: float, h: np.ndarray = h, g: np.ndarray = g, w: np.ndarray = w) -> float:
            model = Variogram(base.model, base.nugget, base.psill, float(np.exp(log_range)))
            return float(np.sum(w * (model(h) - g) ** 2))

        low, high = math.log(width / 10.0), math.log(10.0 * max_lag)
        ranges[k] = math.exp(minimize_scalar(cost, bounds=(low, high), method="bounded").x)
    if not np.isfinite(ranges).any():
        return 0.0, 1.0
    major = int(np.nanargmax(ranges))
    across = ranges[int(np.argmin(np.abs((angles - angles[major]) % 180.0 - 90.0)))]
    if not np.isfinite(across) or across <= 0:
        return float(angles[major]), 1.0
    return float(angles[major]), float(min(max_ratio, max(1.0, ranges[major] / across)))

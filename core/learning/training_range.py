"""Is the evidence a model maps like the evidence it was trained on? Per band, the share of cells whose value lies
beyond the range the model file records (another district, or a band in other units), counted tile by tile.

The range is what the file stores, for every learner (no torch needed):
- ``band_range`` (files from 0.3.0 on, CNN and classic alike): the lowest and highest value of each band of the
  training stack (a CNN trained window by window: of its normalisation's sample);
- older CNN files with the quantile or piecewise input transform: the lowest and highest stored quantile, beyond
  which the transform is clamped;
- older files with the robust normalisation only: none. Median +- ``clip`` robust standard deviations is no
  training range: on the demo's own training stack it put 0.1-0.8 % of the cells of five bands beyond it
  (heavy-tailed elements, 0/1 lithology indicators), so a warning from it would cry wolf on the training data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Sequence

import numpy as np

from ..reports.legend import format_number

#: a band is reported when more than this share of its cells lies beyond the training range (the quantiles are
#: of a sample of the training cells, so a few of the training stack's own cells may lie beyond them)
REPORTED_SHARE = 0.001


@dataclass(frozen=True)
class TrainingRange:
    """Per band, the lowest and highest value the model was trained on, and what the range is, in words."""

    low: np.ndarray
    high: np.ndarray
    what: str


def training_range(metadata: Mapping[str, Any]) -> Optional[TrainingRange]:
    """The range a model file's metadata records (see the module's docstring), or None when it records none."""
    stored = metadata.get("band_range")
    if stored:
        bounds = np.array([[np.nan if v is None else v for v in row] for row in stored], dtype=np.float64)
        return TrainingRange(bounds[:, 0], bounds[:, 1], "the lowest and highest value of the training evidence")
    norm = metadata.get("normalisation") or {}
    transform = (metadata.get("settings") or {}).get("input_transform", "robust")
    if transform in ("quantile", "piecewise") and norm.get("quantiles"):
        table = [np.asarray(row, dtype=np.float64) for row in norm["quantiles"]]
        return TrainingRange(
            np.array([row[0] for row in table]),
            np.array([row[-1] for row in table]),
            f"the lowest and highest of the training evidence's quantiles (its {transform} input transform is "
            "clamped beyond them)",
        )
    return None


def band_range(bands: np.ndarray) -> List[List[Optional[float]]]:
    """``[lowest, highest]`` of each band of a (bands, rows, columns) stack over its cells with a value (None for a
    band without any: JSON has no NaN): what a classic model file stores as ``training.band_range``."""
    out: List[List[Optional[float]]] = []
    for band in np.asarray(bands):
        ok = np.isfinite(band)
        out.append([float(band[ok].min()), float(band[ok].max())] if ok.any() else [None, None])
    return out


@dataclass
class RangeTally:
    """Counts, band by band, the cells with a value and those beyond a :class:`TrainingRange`, window by window."""

    limits: TrainingRange
    valid: np.ndarray = field(init=False)
    beyond: np.ndarray = field(init=False)
    lowest: np.ndarray = field(init=False)
    highest: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.limits.low)
        self.valid = np.zeros(n, np.int64)
        self.beyond = np.zeros(n, np.int64)
        self.lowest = np.full(n, np.inf)
        self.highest = np.full(n, -np.inf)

    def add(self, bands: np.ndarray, inside: Optional[np.ndarray] = None) -> None:
        """Count a (bands, rows, columns) window (NaN = no value, as the window readers give it); ``inside``
        (rows, columns) limits it to the study area. This runs on predict's read-ahead thread for every tile, so
        each band's lowest and highest value come first and the cells are compared with the range only in a band
        that reaches beyond it (three passes over the window in the usual case, not five)."""
        if inside is not None:
            bands = np.where(inside, bands, np.nan)
        # per band and without an axis: count_nonzero's fast path (with axis= it sums a bool array: 1.5x slower)
        valid = np.array([band.size - np.count_nonzero(np.isnan(band)) for band in bands], dtype=np.int64)
        with np.errstate(invalid="ignore"):  # an all-NaN band: fmin/fmax give NaN, skipped below
            lowest, highest = np.fmin.reduce(bands, axis=(1, 2)), np.fmax.reduce(bands, axis=(1, 2))
        for i in np.flatnonzero(valid):
            self.valid[i] += int(valid[i])
            self.lowest[i] = min(self.lowest[i], float(lowest[i]))
            self.highest[i] = max(self.highest[i], float(highest[i]))
            low, high = self.limits.low[i], self.limits.high[i]
            if np.isfinite(low) and np.isfinite(high) and (lowest[i] < low or highest[i] > high):
                band = bands[i]  # NaN compares False: cells without a value never count
                self.beyond[i] += int(np.count_nonzero(band < low)) + int(np.count_nonzero(band > high))

    def shares(self) -> np.ndarray:
        """Per band, the share of its cells with a value that lie beyond the range (0 for a band without any)."""
        return self.beyond / np.maximum(self.valid, 1)

    def report(self, band_names: Sequence[str], parameter: str = "INPUT_RASTERS") -> Optional[str]:
        """A warning naming every band with more than :data:`REPORTED_SHARE` of its cells beyond the range, or
        None when no band has."""
        shares = self.shares()
        flagged = [i for i in np.argsort(-shares, kind="stable") if shares[i] > REPORTED_SHARE]
        if not flagged:
            return None
        parts = [
            f"'{band_names[i]}' {100 * shares[i]:.1f} % of its cells (values {format_number(self.lowest[i], 4)} to "
            f"{format_number(self.highest[i], 4)}; trained on {format_number(self.limits.low[i], 4)} to "
            f"{format_number(self.limits.high[i], 4)})"
            for i in flagged
        ]
        return (
            f"{parameter}: the evidence lies beyond what the model was trained on in {len(flagged)} of "
            f"{len(band_names)} band{'s' if len(band_names) != 1 else ''}: {'; '.join(parts)}. The range is "
            f"{self.limits.what}. There the model extrapolates and its probabilities are not backed by training "
            "data: check that each raster is the one (and in the units) the model was trained on, and read the map "
            "there with care (another district may need its own training)."
        )


class TalliedReader:
    """A window reader (``read(row0, row1, col0, col1)`` and ``close()``) that adds each window it reads to a
    :class:`RangeTally`, less the ``halo`` of cells read on every side for the neighbouring tiles (so each cell is
    counted once) and the cells outside ``inside`` (the study area, a (rows, columns) mask of the whole grid)."""

    def __init__(
        self,
        reader: Any,
        tally: RangeTally,
        halo: int,
        inside: Optional[np.ndarray] = None,
        band_names: Sequence[str] = (),
    ) -> None:
        self._reader = reader
        self.tally = tally
        self.band_names = list(band_names)
        self._halo = halo
        self._inside = inside

    def __call__(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        window = self._reader(r0, r1, c0, c1)
        h = self._halo
        rows, cols = slice(h, window.shape[1] - h), slice(h, window.shape[2] - h)
        inside = None
        if self._inside is not None:  # the mask beyond the grid counts as outside, as the reader's NaN there
            inside = np.zeros((r1 - r0 - 2 * h, c1 - c0 - 2 * h), dtype=bool)
            top, left = max(0, r0 + h), max(0, c0 + h)
            part = self._inside[top : r1 - h, left : c1 - h]
            inside[top - r0 - h : top - r0 - h + part.shape[0], left - c0 - h : left - c0 - h + part.shape[1]] = part
        self.tally.add(window[:, rows, cols], inside)
        return window

    def scan(self, height: int, width: int, cells: int = 1 << 20) -> None:
        """Tally a whole grid of ``height`` x ``width`` cells here, in blocks of rows of about ``cells`` cells each
        (for when the tiles were read elsewhere, as on Dask workers, and the tally is needed after all)."""
        h = self._halo
        rows = max(1, cells // max(1, width))
        for r0 in range(0, height, rows):
            self(r0 - h, min(r0 + rows, height) + h, -h, width + h)

    def close(self) -> None:
        self._reader.close()


def training_ground_gap(trained: Mapping[str, Any], grid: Any) -> Optional[float]:
    """How far (metres) the ground a model was trained on (the grid its file records: ``xmin``, ``ymax``,
    ``width``, ``height``, ``pixel_size``, ``crs_wkt``) lies from the extent of ``grid`` (a GridSpec), 0 when they
    overlap; None when the file records no such grid or the two CRSs cannot be related."""
    from rasterio.warp import transform_bounds

    try:
        xmin, ymax, size = float(trained["xmin"]), float(trained["ymax"]), float(trained["pixel_size"])
        width, height = int(trained["width"]), int(trained["height"])
    except (KeyError, TypeError, ValueError):
        return None
    bounds = (xmin, ymax - height * size, xmin + width * size, ymax)
    crs, here = trained.get("crs_wkt"), grid.crs_wkt
    if crs and here:
        try:
            bounds = transform_bounds(crs, here, *bounds)
        except Exception:  # rasterio raises CRSError or a GDAL error for CRSs it cannot relate (a mine grid)
            return None
    elif crs or here:
        return None
    left, bottom, right, top = bounds
    dx = max(left - grid.xmax, grid.xmin - right, 0.0)
    dy = max(bottom - grid.ymax, grid.ymin - top, 0.0)
    return float(np.hypot(dx, dy)) * grid.metres_per_unit

"""Evidence from points (intrusion centres, occurrences used as evidence, not as labels): distance."""

from __future__ import annotations

from typing import List

import numpy as np

from ..callbacks import CancelCallback
from ..grid import GridSpec
from .bands import BandSpec, band_name
from .geometry import PointIndex, distance_window


class PointEvidence:
    """``<layer>:distance_m``: the exact distance from each cell centre to the nearest point of ``xy`` (n, 2),
    given in the grid's CRS."""

    def __init__(self, layer: str, xy: np.ndarray, kind_label: str = "points") -> None:
        self.layer = layer
        self.index = PointIndex(xy)
        self.bands: List[BandSpec] = [
            BandSpec(band_name(layer, "distance_m"), "m", "distance", layer, description=f"distance to {kind_label}")
        ]

    def window(
        self, grid: GridSpec, r0: int, r1: int, c0: int, c1: int, is_cancelled: CancelCallback = None
    ) -> np.ndarray:
        """(1, rows, cols) float32 for one window."""
        return distance_window(self.index, grid, r0, r1, c0, c1, is_cancelled)[None]

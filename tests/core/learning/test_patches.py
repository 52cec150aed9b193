"""core.learning.patches: the cells with evidence in every band, counted band by band against a cell-by-cell count."""

import math

import numpy as np

from geochem_prospector.core.learning.patches import valid_centre_count, valid_centres


def test_valid_centre_count_matches_a_cell_by_cell_count():
    rng = np.random.default_rng(3)
    bands = rng.normal(size=(3, 12, 9)).astype(np.float32)
    bands[0, rng.uniform(size=(12, 9)) < 0.2] = np.nan
    bands[2, rng.uniform(size=(12, 9)) < 0.1] = np.inf  # not a value either
    by_cell = sum(
        all(math.isfinite(float(v)) for v in bands[:, r, c])
        for r in range(bands.shape[1])
        for c in range(bands.shape[2])
    )
    assert 0 < by_cell < 12 * 9
    assert valid_centre_count(bands) == by_cell == int(valid_centres(bands).sum())

"""The note evaluate adds when the deposits rank clearly worse than chance: the map may be read the wrong way."""

import numpy as np
from sklearn.metrics import roc_auc_score

from geochem_prospector.core.evaluation.evaluate import direction_note, evaluate
from geochem_prospector.core.grid import GridSpec

GRID = GridSpec(xmin=0.0, ymax=400.0, pixel_size=10.0, width=40, height=40)


def _deposits_on_lowest(raster: np.ndarray, n: int = 12) -> np.ndarray:
    """Cell centres of ``n`` cells among the lowest tenth of ``raster``, spread over it."""
    rows, cols = np.unravel_index(
        np.argsort(raster, axis=None)[: raster.size // 10 : raster.size // 10 // n], raster.shape
    )
    return np.column_stack([GRID.xmin + (cols + 0.5) * 10.0, GRID.ymax - (rows + 0.5) * 10.0])[:n]


def test_inverted_map_gets_the_note_and_its_auc_is_scikit_learns():
    rng = np.random.default_rng(3)
    raster = rng.normal(size=(40, 40))
    xy = _deposits_on_lowest(raster)
    ev = evaluate(raster, GRID, xy, iterations=200, seed=1)
    on = np.zeros(raster.shape, bool)
    cols, rows = ((xy[:, 0] - GRID.xmin) // 10).astype(int), ((GRID.ymax - xy[:, 1]) // 10).astype(int)
    on[rows, cols] = True
    # evaluate's AUC ranks each deposit against every cell (itself included, ties half); scikit-learn's against the
    # other cells: n deposits among N cells differ by n / N / 2 at most
    assert abs(ev.auc - roc_auc_score(on.ravel(), raster.ravel())) < len(xy) / raster.size
    assert ev.auc_bootstrap[1] < 0.5
    note = direction_note(ev)
    assert note is not None and note.startswith("DIRECTION: the deposits lie on lower values")
    assert note.endswith("run again with DIRECTION 'Low values are prospective'.")
    # the same map ranked low values first: the deposits now rank first, no note
    assert direction_note(evaluate(raster, GRID, xy, iterations=200, seed=1, low_values_favourable=True)) is None
    # its negative ranked low values first places them last again: the note turns the other way
    flipped = direction_note(evaluate(-raster, GRID, xy, iterations=200, seed=1, low_values_favourable=True))
    assert flipped is not None and "run again with DIRECTION 'High values are prospective'." in flipped


def test_no_note_while_the_interval_reaches_one_half():
    rng = np.random.default_rng(4)
    raster = rng.normal(size=(40, 40))
    xy = np.column_stack([rng.uniform(0, 400, 5), rng.uniform(0, 400, 5)])  # five deposits at random
    ev = evaluate(raster, GRID, xy, iterations=200, seed=1)
    assert ev.auc_bootstrap[0] <= 0.5 <= ev.auc_bootstrap[1]
    assert direction_note(ev) is None

"""comparemodels on a coarse grid (sweep 21a, the Kola data on 5 km cells): CLUSTER_DISTANCE's 3 km default is 0.6
of a cell, so deposits on neighbouring cells were separate clusters. A fold then held one out while the other, a
training deposit, labelled its 3 x 3 window mineralised, the held-out deposit's cell included, and the window's
other cells stayed in the background it was scored against. Now deposits within 1.5 cells (the window's reach) are
linked whatever CLUSTER_DISTANCE says, when the folds' labels are built from the deposits. Checked against scipy's
connected components and a brute-force walk over every fold's label raster."""

import itertools

import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist

from geochem_prospector.core.evaluation.compare import compare, linking_cells

ROWS = np.array([5, 5, 6, 20, 20, 12, 27])
COLS = np.array([5, 6, 14, 5, 20, 25, 12])  # the first two on neighbouring cells, the others far apart


def test_neighbouring_deposits_are_one_cluster_and_never_under_a_training_window():
    rng = np.random.default_rng(0)
    bands = rng.normal(size=(2, 30, 30))
    valid = np.ones((30, 30), dtype=bool)
    seen = []

    def recording(b, labels):
        seen.append(np.array(labels))
        return b[0]

    result = compare(bands, valid, ROWS, COLS, {"rec": recording}, folds=3, cluster_cells=0.6, iterations=50)
    assert result.settings["cluster_cells"] == 1.5
    cells = np.column_stack([ROWS, COLS]).astype(float)
    n, reference = connected_components(cdist(cells, cells) <= 1.5, directed=False)
    assert n == 6 and reference[0] == reference[1]
    for i, j in itertools.combinations(range(ROWS.size), 2):  # the folds hold out whole reference clusters
        if reference[i] == reference[j]:
            assert result.folds[i] == result.folds[j]
    assert len(seen) == 3  # one call per fold, in fold order
    for f, labels in enumerate(seen):
        train = np.flatnonzero(result.folds != f)
        for k in np.flatnonzero(result.folds == f):  # no held-out deposit lies in a training deposit's window
            assert all(max(abs(ROWS[k] - ROWS[t]), abs(COLS[k] - COLS[t])) > 1 for t in train)
            assert labels[ROWS[k], COLS[k]] != 1


def test_the_floor_is_for_labels_built_from_the_deposits_only():
    assert linking_cells(0.6) == 1.5 and linking_cells(4.0) == 4.0
    assert linking_cells(0.6, labels_given=True) == 0.6  # the user's labels: CLUSTER_DISTANCE as given

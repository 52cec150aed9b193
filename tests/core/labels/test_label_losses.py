"""Labelled points that fall into one cell keep one label, and labelled cells without evidence are left out: the
warnings count them as a brute-force count does."""

from collections import defaultdict

import numpy as np
import pytest

from geochem_prospector.core.labels.seeds import shared_cells_warning


def brute_force(rows, cols, classes):
    cells = defaultdict(list)
    for r, c, k in zip(rows.tolist(), cols.tolist(), classes.tolist()):
        cells[(r, c)].append(k)
    shared = [v for v in cells.values() if len(v) > 1]
    return sum(len(v) for v in shared), len(shared), sum(len(set(v)) > 1 for v in shared), len(cells)


@pytest.mark.parametrize("seed", range(5))
def test_the_counts_are_those_of_a_brute_force_count(seed):
    rng = np.random.default_rng(seed)
    n = 60
    rows, cols, classes = rng.integers(0, 12, n), rng.integers(0, 9, n), rng.integers(0, 3, n)
    in_shared, n_shared, mixed, distinct = brute_force(rows, cols, classes)
    message = shared_cells_warning(rows, cols, classes, "500 m")
    assert message is not None and message.startswith("LABELS: ")
    assert (
        f"{in_shared} of {n} labelled points share a cell of 500 m with another point ({n_shared} cells hold" in message
    )
    assert (f"in {mixed} of them the classes differ" in message) == (mixed > 0)
    assert f"so {n - distinct} labels were lost ({distinct} labelled cells remain)" in message
    assert "finer PIXEL_SIZE" in message and "fewer points" in message


def test_points_in_cells_of_their_own_and_a_single_point_say_nothing():
    rows, cols = np.array([0, 0, 1, 5]), np.array([0, 1, 0, 5])
    assert shared_cells_warning(rows, cols, np.array([1, 0, 1, 0]), "100 m") is None
    assert shared_cells_warning(rows[:1], cols[:1], np.array([1]), "100 m") is None
    # a row-major key that is not column-blind: (0, 10) and (1, 0) are different cells on any grid
    assert shared_cells_warning(np.array([0, 1]), np.array([10, 0]), np.array([1, 1]), "100 m") is None


def test_two_points_in_one_cell_are_one_lost_label_in_words():
    message = shared_cells_warning(np.array([3, 3, 4]), np.array([2, 2, 2]), np.array([1, 0, 0]), "250 US ft", "LABELS")
    assert message is not None
    assert (
        "2 of 3 labelled points share a cell of 250 US ft with another point (1 cell holds more than one; in 1 of them"
        in (message)
    )
    assert "so 1 label was lost (2 labelled cells remain)" in message


def test_labelled_cells_without_evidence_are_counted_by_band_as_numpy_counts_them():
    from geochem_prospector.core.labels.seeds import labels_without_evidence

    rng = np.random.default_rng(4)
    bands = rng.normal(size=(3, 30, 30))
    bands[1, 5:20, 5:20] = np.nan
    bands[2, 15:25, :] = np.nan
    labels = np.where(rng.random((30, 30)) < 0.2, rng.integers(0, 2, (30, 30)), np.nan)
    labelled = np.isfinite(labels)
    lost = labelled & ~np.isfinite(bands).all(axis=0)
    in_b1, in_b2 = (int((labelled & np.isnan(bands[i])).sum()) for i in (1, 2))
    message = labels_without_evidence(bands, labels, ["Cu", "Pb", "Zn"])
    assert message is not None
    first, second = sorted([(in_b1, "Pb"), (in_b2, "Zn")], reverse=True)
    assert message.startswith(
        f"LABELS: {lost.sum()} of {labelled.sum()} labelled cells have no value in band(s) '{first[1]}' ({first[0]}), "
        f"'{second[1]}' ({second[0]}) (nodata there), so training leaves them out and sees {labelled.sum() - lost.sum()}."
    )
    assert labels_without_evidence(bands[:1], labels, ["Cu"]) is None


def test_every_seed_warning_starts_with_the_parameter_to_fix():
    """pseudolabel's seed warnings (points off the grid, barren points and known-barren cells inside a positive's
    buffer, points sharing a cell) each name LABELS or NEGATIVES first, as every message of the plugin does."""
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.labels.seeds import _seed_labels

    grid = GridSpec(0.0, 1000.0, 100.0, 10, 10)
    valid = np.ones((10, 10), bool)
    points = np.array(
        [[150.0, 850.0], [160.0, 860.0], [5000.0, 5000.0]]
    )  # a deposit, a barren point beside it, one off
    negatives = np.zeros((10, 10), bool)
    negatives[1, 2] = True  # known barren, next to the deposit
    warnings = []
    _seed_labels(grid, valid, points, np.array([1, 0, 0]), negatives, 50.0, 300.0, warnings)
    assert len(warnings) == 4, warnings
    assert all(w.startswith(("LABELS: ", "NEGATIVES: ")) for w in warnings), warnings


@pytest.mark.parametrize("seed", range(3))
def test_records_repeated_exactly_are_counted_as_a_set_of_tuples_counts_them(seed):
    """A deposit table exported with each site twice (and some sites twice with another class): the repeats are
    the points whose (x, y, class) an earlier point already has (Python's set of tuples); when they are all the
    labels lost, the warning says nothing is lost, else it adds them to the usual count."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, (20, 2)).round(1)
    classes = rng.integers(0, 2, 20)
    rows, cols = (xy[:, 1] // 100).astype(int), (xy[:, 0] // 100).astype(int)  # 100 m cells: one point a cell
    assert len(set(zip(rows.tolist(), cols.tolist()))) == 20
    twice = np.r_[np.arange(20), rng.choice(20, 7, replace=False)]
    seen, repeats = set(), 0
    for p in twice.tolist():
        key = (float(xy[p, 0]), float(xy[p, 1]), int(classes[p]))
        repeats += key in seen
        seen.add(key)
    assert repeats == 7
    message = shared_cells_warning(rows[twice], cols[twice], classes[twice], "100 m", xy=xy[twice])
    assert message == (
        "LABELS: 7 of 27 labelled points repeat another point's place and class exactly (the same site recorded "
        "twice, as database exports hold them): each place is labelled once, so nothing is lost; remove the repeats "
        "where the table is counted as deposits."
    )
    # one site entered again with the other class: a true conflict, so the usual warning, with the repeats added
    flipped = np.r_[classes[twice], 1 - classes[:1]]
    again = np.r_[twice, 0]
    message = shared_cells_warning(rows[again], cols[again], flipped, "100 m", xy=xy[again])
    assert message is not None and "so 8 labels were lost (20 labelled cells remain)" in message
    assert "7 of the points repeat another's place and class exactly" in message and "finer PIXEL_SIZE" in message
    assert "in 1 of them the classes differ" in message

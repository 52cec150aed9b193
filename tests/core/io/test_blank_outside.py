"""blank_outside: a tile's cells outside the mask's window become NaN, by hand on a 3 x 4 mask."""

import numpy as np

from geochem_prospector.core.io.windows import blank_outside

MASK = np.array(
    [
        [True, True, False, False],
        [True, False, True, False],
        [False, True, True, True],
    ]
)


def test_window_of_the_mask_at_the_tile_corner():
    prob = np.ones((2, 2))
    std = np.full((2, 2), 2.0)
    blank_outside(MASK, 1, 1, prob, std)  # the window rows 1-2, columns 1-2: [[F, T], [T, T]]
    expected = np.array([[np.nan, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(prob, expected)
    np.testing.assert_array_equal(std, 2 * expected)


def test_tile_at_the_edge_and_a_missing_uncertainty():
    prob = np.arange(3.0).reshape(1, 3)
    blank_outside(MASK, 0, 1, prob, None)  # row 0, columns 1-3: [T, F, F]
    np.testing.assert_array_equal(prob, [[0.0, np.nan, np.nan]])


def test_no_mask_leaves_the_tile():
    prob = np.ones((2, 2))
    blank_outside(None, 0, 0, prob)
    np.testing.assert_array_equal(prob, np.ones((2, 2)))

"""GridSpec: which cell holds a point, and how a grid's cell size is written in messages."""

import numpy as np
import pytest
from rasterio.crs import CRS
from rasterio.transform import rowcol as rasterio_rowcol
from shapely.geometry import Point, box

from geochem_prospector.core.grid import GridSpec


def test_points_map_to_cells_as_rasterio_does_and_the_closed_grid_edge_is_inside():
    grid = GridSpec(xmin=400_000.0, ymax=7_500_000.0, pixel_size=250.0, width=12, height=8)
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(grid.xmin - 500, grid.xmax + 500, 400), [grid.xmax, grid.xmax, grid.xmin]])
    ys = np.concatenate([rng.uniform(grid.ymin - 500, grid.ymax + 500, 400), [grid.ymin, grid.ymax - 1, grid.ymin]])
    rows, cols = grid.rowcol(xs, ys)
    inside = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
    outline = box(grid.xmin, grid.ymin, grid.xmax, grid.ymax)
    assert inside.tolist() == [outline.covers(Point(x, y)) for x, y in zip(xs, ys)]
    on_far_edge = (xs == grid.xmax) | (ys == grid.ymin)
    ref_rows, ref_cols = rasterio_rowcol(grid.affine(), xs[inside & ~on_far_edge], ys[inside & ~on_far_edge])
    assert rows[inside & ~on_far_edge].tolist() == list(ref_rows)
    assert cols[inside & ~on_far_edge].tolist() == list(ref_cols)
    # the east / south edge: the last column / row (rasterio, like GDAL, puts them one past the grid)
    assert (rows[-3:].tolist(), cols[-3:].tolist()) == ([7, 0, 7], [11, 11, 0])


def test_points_far_off_the_grid_or_without_coordinates_are_outside_without_overflow():
    grid = GridSpec(xmin=0.0, ymax=10.0, pixel_size=1.0, width=10, height=10)
    rows, cols = grid.rowcol(np.array([1e300, -1e300, np.nan, 10.0 + 1e-6]), np.array([5.0, 5.0, 5.0, 5.0]))
    assert cols.tolist() == [10, -1, -1, 10]
    assert rows.tolist() == [5, 5, 5, 5]


@pytest.mark.parametrize(
    "crs, unit",
    [("EPSG:3067", "m"), ("EPSG:2277", "US ft"), ("EPSG:2222", "ft"), ("EPSG:4326", "map units"), (None, "map units")],
)
def test_messages_write_the_cell_size_with_its_unit_and_without_exponents(crs, unit):
    wkt = CRS.from_user_input(crs).to_wkt() if crs else None
    grid = GridSpec(xmin=0.0, ymax=0.0, pixel_size=250.0, width=40, height=30, crs_wkt=wkt)
    assert grid.describe() == f"40 x 30 cells of 250 {unit}"
    assert grid.length_text(1e6) == f"1,000,000 {unit}"


@pytest.mark.parametrize("pixel", [1e308, 1e6, 10_001.0])
def test_a_cell_larger_than_the_whole_extent_is_refused_one_a_little_smaller_gives_whole_cells(pixel):
    import warnings

    from geochem_prospector.core.errors import InputError

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning on the way
        with pytest.raises(InputError, match=r"larger than the whole extent \(10,000 x 6000 m\)") as raised:
            GridSpec.from_extent(np.float64(0), np.float64(0), np.float64(10_000), 6000.0, pixel, "EPSG:3067")
        assert raised.value.parameter == "PIXEL_SIZE"
        grid = GridSpec.from_extent(np.float64(0), np.float64(0), np.float64(10_000), 6000.0, 9999.0, "EPSG:3067")
    assert (grid.width, grid.height) == (2, 1)  # ceil(10000 / 9999), ceil(6000 / 9999): by hand


@pytest.mark.parametrize("pixel", [1e-308, 5e-324, 1e-6])
def test_a_cell_so_small_that_the_cells_cannot_be_counted_is_refused_as_too_large(pixel):
    import warnings

    from geochem_prospector.core.errors import GridTooLargeError

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "overflow encountered in scalar divide" on a numpy extent
        with pytest.raises(GridTooLargeError, match=r"more than the 400,000,000 allowed; use a larger pixel size"):
            GridSpec.from_extent(np.float64(0), np.float64(0), np.float64(10_000), np.float64(6000), pixel)


def test_holds_and_on_shape_agree_with_a_loop_over_every_index():
    """GridSpec.holds and on_shape against a plain Python test of each index: random ints around the grid (negative,
    0, the last cell, height/width and past), the same as floats, and NaN-derived floats (a NaN coordinate floored)."""
    from geochem_prospector.core.grid import on_shape

    rng = np.random.default_rng(28)
    grid = GridSpec(0.0, 70.0, 10.0, width=5, height=7)
    rows = np.concatenate([rng.integers(-9, 17, 400), [-1, 0, 6, 7, -7, 5], [0, 6, 0, 6, 7, -1]])
    cols = np.concatenate([rng.integers(-9, 15, 400), [0, -1, 4, 0, 5, -5], [0, 0, 4, 4, 0, 5]])

    def brute(rs, cs, h, w):
        return np.array([0 <= r < h and 0 <= c < w for r, c in zip(rs.tolist(), cs.tolist())], dtype=bool)

    expected = brute(rows, cols, 7, 5)
    assert expected.any() and not expected.all()
    assert np.array_equal(grid.holds(rows, cols), expected)
    assert np.array_equal(on_shape(rows, cols, (7, 5)), expected)
    assert np.array_equal(on_shape(rows, cols, (7, 5, 3)), expected)  # extra dimensions are ignored
    assert np.array_equal(grid.holds(rows.astype(float), cols.astype(float)), expected)
    # NaN-derived: cell_floor of NaN or inf coordinates gives NaN or ±inf, on no cell
    x = np.array([np.nan, 5.0, np.inf, -np.inf, 49.9999, 50.0, 25.0, 1e308, 50.5, -0.1])
    y = np.array([5.0, np.nan, 5.0, 5.0, 0.0, 35.0, 70.0, 5.0, 35.0, 35.0])
    frow, fcol = grid.cell_floor(x, y)
    with np.errstate(invalid="ignore"):
        loop = np.array([bool(0 <= r < 7 and 0 <= c < 5) for r, c in zip(frow.tolist(), fcol.tolist())])
    assert np.array_equal(grid.holds(frow, fcol), loop)
    # the east edge (x = 50) belongs to the last cell; half a cell past it or a little west of the grid, to none
    assert loop.tolist() == [False, False, False, False, True, True, True, False, False, False]
    r_int, c_int = grid.rowcol(x, y)  # the ints rowcol makes of the same points agree
    assert np.array_equal(grid.holds(r_int, c_int), loop)


def test_the_cell_size_note_speaks_of_a_window_only_for_a_model_that_reads_one():
    from geochem_prospector.core.grid import cell_size_change_note

    windowed = cell_size_change_note(250.0, 228.6, 5)
    assert "the window it reads covers 0.914 times the ground it learned from (its 5 x 5 cells: 1,143 m instead of " \
        "1,250 m)" in windowed  # fmt: skip
    alone = cell_size_change_note(500.0, 250.0, 1)
    assert "window" not in alone and "each cell's values stand for 0.25 times the ground" in alone
    assert alone.startswith("INPUT_RASTERS: the model was trained on cells of 500 m, these have cells of 250 m: ")


def test_a_grid_of_many_cells_is_said_before_the_work():
    from geochem_prospector.core.grid import many_cells_note

    note = many_cells_note(14_909, 17_893, 1, 5.0, "m")  # review 36: PIXEL_SIZE=5 on the Lapland till
    assert note.startswith("PIXEL_SIZE: the grid is 14,909 x 17,893 cells (267 million) of 5 m")
    assert "about 1.1 GB" in note and "A PIXEL_SIZE of 10 gives a quarter of the cells." in note
    assert many_cells_note(7000, 7000, 8, 250.0, "m") == ""  # 49 million: no word

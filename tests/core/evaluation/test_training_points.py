"""The points a model was trained on, as a label raster, a model file and predict's output record them, and the
deposits of an evaluation that lie on their cells (evaluate warns: there the figures measure the fit to training)."""

import json

import numpy as np
import rasterio

from geochem_prospector.core.evaluation.deposits import (
    NODATA,
    TRAINED_ON_NAMES_SHOWN,
    TRAINING_POINTS_KEPT,
    USED,
    labelled_cells_record,
    labelled_cells_record_of_file,
    on_training_cells,
    on_training_warning,
    training_points_record,
    training_source,
    unplaced_training_count,
    unplaced_training_warning,
)
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import PROVENANCE_TAG, read_provenance, write_geotiff

GRID = GridSpec(xmin=400_000.0, ymax=7_510_000.0, pixel_size=250.0, width=40, height=40, crs_wkt=None)


def test_the_record_keeps_finite_points_to_the_centimetre_and_only_a_count_past_its_limit():
    record = training_points_record(np.array([[400_123.456, 7_501_000.004], [np.nan, 1.0]]), "WKT", "deposits")
    assert record == {"layer": "deposits", "crs": "WKT", "count": 1, "xy": [[400_123.456, 7_501_000.004]]}
    # in degrees a centimetre is 1e-7: rounding to 0.01 put a point up to a kilometre off
    degrees = training_points_record(np.array([[26.123456789, 67.98765432]]), "WKT", "deposits")
    assert degrees["xy"] == [[26.1234568, 67.9876543]]
    many = np.zeros((TRAINING_POINTS_KEPT + 1, 2))
    assert training_points_record(many, "WKT", "samples") == {
        "layer": "samples", "crs": "WKT", "count": TRAINING_POINTS_KEPT + 1, "xy": []
    }  # fmt: skip
    json.dumps(record)  # a provenance tag holds it as JSON


def test_deposits_on_training_cells_as_a_brute_force_comparison_of_cells():
    rng = np.random.default_rng(11)
    training = np.column_stack([rng.uniform(400_000, 410_000, 30), rng.uniform(7_500_000, 7_510_000, 30)])
    # deposits: half near training points (some in the same cell, some in the next), half anywhere, two off the grid
    near = training[:10] + rng.uniform(-200, 200, (10, 2))
    anywhere = np.column_stack([rng.uniform(400_000, 410_000, 10), rng.uniform(7_500_000, 7_510_000, 10)])
    off = np.array([[399_000.0, 7_505_000.0], [405_000.0, 7_511_000.0]])
    deposits = np.vstack([near, anywhere, off])

    def cell(x, y):
        return int((GRID.ymax - y) // GRID.pixel_size), int((x - GRID.xmin) // GRID.pixel_size)

    taught = {cell(x, y) for x, y in training}
    expected = [400_000 <= x < 410_000 and 7_500_000 < y <= 7_510_000 and cell(x, y) in taught for x, y in deposits]
    found = on_training_cells(deposits, training, GRID)
    assert found.tolist() == expected
    assert 0 < found.sum() < 10  # the sample holds both cases
    assert not on_training_cells(deposits, np.zeros((0, 2)), GRID).any()


def test_the_training_warning_counts_and_names_the_used_deposits_on_training_cells_only():
    # eight deposits in cells 0..7 of the top row; training points in cells 0..6; deposit 2 is on nodata
    deposits = np.array([[400_125.0 + 250 * i, 7_509_900.0] for i in range(8)])
    training = np.array([[400_010.0 + 250 * i, 7_509_990.0] for i in range(7)])
    status = [USED] * 8
    status[2] = NODATA
    names = [f"d{i}" for i in range(8)]
    # the reference: a deposit counts when used and its cell (by floor division) holds a training point
    taught = {int((x - GRID.xmin) // GRID.pixel_size) for x, _ in training}
    expected = [n for n, (x, _), s in zip(names, deposits, status) if s == USED and int((x - 400_000) // 250) in taught]
    trained_on = training_source({"layer": "labels"})
    count, warning = on_training_warning(deposits, training, GRID, status, names, "prospectivity", trained_on)
    assert count == len(expected) == 6
    shown = ", ".join(expected[:TRAINED_ON_NAMES_SHOWN]) + " …"
    assert warning.startswith(f"DEPOSITS: 6 of the 7 deposits used ({shown}) lie on cells that the model behind ")
    assert "'prospectivity' was trained on as mineralised (the points of 'labels')" in warning
    one, single = on_training_warning(deposits[:1], training, GRID, [USED], ["d0"], "p", "l")
    assert one == 1 and "(d0) lies on cells" in single
    assert on_training_warning(deposits[7:], training, GRID, [USED], ["d7"], "p", "l") == (0, "")


def test_read_provenance_gives_the_record_written_and_nothing_for_other_files(tmp_path):
    record = {"algorithm": "prospector:predict", "mineralised_points": training_points_record([[1.0, 2.0]], "", "d")}
    path = write_geotiff(
        str(tmp_path / "p.tif"), np.zeros((1, 2, 2)), GridSpec(0, 2, 1, 2, 2), ["p"], provenance=record
    )
    assert read_provenance(path) == record
    plain = tmp_path / "plain.tif"
    with rasterio.open(plain, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32") as dst:
        dst.write(np.zeros((1, 2, 2), dtype="float32"))
    assert read_provenance(str(plain)) == {}
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"not a tiff")
    assert read_provenance(str(junk)) == {}
    with rasterio.open(plain, "r+") as dst:
        dst.update_tags(**{PROVENANCE_TAG: "[1, 2]"})  # not a record
    assert read_provenance(str(plain)) == {}


def _label_file(path, labels, transform, crs, nodata=255):
    with rasterio.open(path, "w", driver="GTiff", width=labels.shape[1], height=labels.shape[0], count=1,
                       dtype="uint8", crs=crs, transform=transform, nodata=nodata) as dst:  # fmt: skip
        dst.write(labels, 1)
    return str(path)


def test_a_label_raster_made_elsewhere_is_recorded_by_the_centres_of_its_mineralised_cells(tmp_path):
    """A label raster with no provenance (rasterised deposits, say) is recorded by its cells of class 1 and above:
    from the labels read onto the evidence grid, and from the file read in blocks of rows (the window-by-window
    path); the reference is rasterio's own cell-centre transform over the whole array."""
    from rasterio.transform import from_origin, xy

    rng = np.random.default_rng(3)
    labels = rng.choice([0, 1, 2, 255], size=(300, 170), p=[0.9, 0.05, 0.01, 0.04]).astype(np.uint8)
    labels[0, 0], labels[-1, -1] = 1, 1  # the corners
    transform = from_origin(400_000.0, 7_510_000.0, 250.0, 250.0)
    path = _label_file(tmp_path / "rasterised.tif", labels, transform, "EPSG:3067")
    rows, cols = np.nonzero((labels >= 1) & (labels != 255))
    expected = sorted(map(tuple, np.round(np.column_stack(xy(transform, rows, cols)), 6).tolist()))
    grid = GridSpec(xmin=400_000.0, ymax=7_510_000.0, pixel_size=250.0, width=170, height=300, crs_wkt="WKT")
    on_grid = labelled_cells_record(np.where(labels == 255, np.nan, labels.astype(np.float64)), grid, "rasterised")
    of_file = labelled_cells_record_of_file(path, "rasterised")
    in_blocks = labelled_cells_record_of_file(path, "rasterised", cells_per_read=7 * 170 + 5)  # 43 blocks of 7 rows
    for record in (on_grid, of_file, in_blocks):
        assert record["count"] == len(rows) and record["cells"] and record["layer"] == "rasterised"
        assert sorted(map(tuple, np.round(np.array(record["xy"]), 6).tolist())) == expected
    assert on_grid["crs"] == "WKT" and "3067" in of_file["crs"]
    assert training_source(of_file) == "the mineralised cells of the label raster 'rasterised'"
    assert training_source({"layer": "deposits"}) == "the points of 'deposits'"


def test_a_label_raster_in_degrees_is_recorded_where_its_cells_are(tmp_path):
    """Cells of 0.0008 degrees (about 80 m): the centimetre rounding of projected coordinates put them up to 0.005
    degrees (six cells) off (review 33); the record's centres are rasterio's to 1e-7 degrees."""
    from rasterio.transform import from_origin, xy

    labels = np.zeros((50, 60), dtype=np.uint8)
    labels[[3, 17, 42], [5, 33, 58]] = 1
    transform = from_origin(26.1003, 67.9507, 0.0008, 0.0008)
    record = labelled_cells_record_of_file(_label_file(tmp_path / "deg.tif", labels, transform, "EPSG:4326"), "deg")
    rows, cols = np.nonzero(labels)
    assert np.allclose(np.array(record["xy"]), np.column_stack(xy(transform, rows, cols)), atol=1e-7, rtol=0)


def test_the_record_of_a_label_file_is_of_the_band_read_as_labels(tmp_path):
    """Band 2 of a two-band label file, where band 1 has other mineralised cells: the record places band 2's."""
    from rasterio.transform import from_origin, xy

    transform = from_origin(400_000.0, 7_510_000.0, 250.0, 250.0)
    bands = np.zeros((2, 20, 30), dtype=np.uint8)
    bands[0, 2, 3] = bands[1, 11, 27] = bands[1, 19, 0] = 1
    path = str(tmp_path / "two.tif")
    with rasterio.open(path, "w", driver="GTiff", width=30, height=20, count=2, dtype="uint8", crs="EPSG:3067",
                       transform=transform) as dst:  # fmt: skip
        dst.write(bands)
    record = labelled_cells_record_of_file(path, "two", band=2)
    assert record["count"] == 2
    assert np.allclose(sorted(record["xy"]), sorted(np.column_stack(xy(transform, [11, 19], [27, 0])).tolist()))
    assert labelled_cells_record_of_file(path, "two")["count"] == 1  # band 1 by default


def test_a_label_raster_with_more_mineralised_cells_than_kept_records_only_their_count(tmp_path):
    side = int(np.ceil(np.sqrt(TRAINING_POINTS_KEPT + 1)))
    grid = GridSpec(xmin=400_000.0, ymax=7_510_000.0, pixel_size=250.0, width=side, height=side, crs_wkt=None)
    path = write_geotiff(str(tmp_path / "all.tif"), np.ones((1, side, side)), grid, ["class"])
    for record in (
        labelled_cells_record(np.ones((side, side)), grid, "all"),
        labelled_cells_record_of_file(path, "all"),
    ):
        assert record["count"] == side * side > TRAINING_POINTS_KEPT and record["xy"] == []
        assert unplaced_training_count(record) == side * side
        warning = unplaced_training_warning(record, "prospectivity")
        assert warning.startswith(
            f"DEPOSITS: the model behind 'prospectivity' was trained on {side * side:,} mineralised cells (the "
            "mineralised cells of the label raster 'all'), more than the 5,000 whose places a model records, so "
            "evaluate cannot tell whether the deposits used are among them."
        )
    assert labelled_cells_record_of_file(str(tmp_path / "missing.tif"), "missing") == {}
    assert unplaced_training_count(training_points_record([[1.0, 2.0]], "", "d")) == 0  # placed
    assert unplaced_training_count(None) == unplaced_training_count({"count": "x"}) == 0

"""value_counts: a label raster's distinct values and their cell counts, read in blocks of rows (traincnn's
window-by-window path checks its classes with them); the reference is numpy's unique over the whole array. The
blocks themselves (band_row_blocks) against rasterio's read of the whole band."""

import numpy as np
import rasterio
from rasterio.transform import from_origin

from geochem_prospector.core.io.rasters import band_row_blocks, value_counts


def _write(path, values, nodata):
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype=values.dtype, crs="EPSG:3067", transform=from_origin(400_000, 7_510_000, 250, 250),
                       nodata=nodata) as dst:  # fmt: skip
        dst.write(values, 1)
    return str(path)


def test_counts_equal_numpys_over_the_whole_array_whatever_the_blocks(tmp_path):
    values = np.random.default_rng(1).choice([0, 1, 2, 7, 255], size=(37, 23), p=[0.7, 0.1, 0.05, 0.05, 0.1])
    path = _write(tmp_path / "labels.tif", values.astype(np.uint8), nodata=7)
    expected = np.unique(values[values != 7], return_counts=True)
    for cells_per_read in (23, 5 * 23 + 3, 10**6):  # one row, several rows, the whole raster at once
        distinct, counts = value_counts(path, cells_per_read=cells_per_read)
        assert distinct.tolist() == expected[0].tolist() and counts.tolist() == expected[1].tolist()


def test_the_reading_stops_past_the_limit_of_distinct_values(tmp_path):
    values = np.arange(40 * 40, dtype=np.int16).reshape(40, 40)
    distinct, _ = value_counts(_write(tmp_path / "dem.tif", values, nodata=-1), limit=100, cells_per_read=400)
    assert 100 < distinct.size < 40 * 40  # stopped after the block that passed the limit


def test_the_row_blocks_tile_the_band_as_rasterio_reads_it_whole(tmp_path):
    values = np.random.default_rng(2).integers(0, 5, size=(37, 23)).astype(np.uint8)
    path = _write(tmp_path / "labels.tif", values, nodata=4)
    with rasterio.open(path) as src:
        whole = src.read(1, masked=True).astype(np.float64).filled(np.nan)
        for cells_per_read in (1, 23, 5 * 23 + 3, 10**6):  # under a row, one row, several rows, all at once
            blocks = list(band_row_blocks(src, cells_per_read=cells_per_read))
            rows = max(1, min(37, cells_per_read // 23))
            assert [top for top, _ in blocks] == list(range(0, 37, rows))
            joined = np.vstack([block for _, block in blocks])
            np.testing.assert_array_equal(joined, whole)

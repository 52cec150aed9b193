"""The warning for a map evaluated without a MASK whose lowest value fills much of it (review 36: a probability map
with its nodata written as 0 and untagged, a third of its cells, raised the AUC from 0.895 to 0.928)."""

import numpy as np

from geochem_prospector.core.evaluation.coverage import lowest_value_block_note


def _map(fill_share: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.01, 1.0, (100, 100)).astype(np.float32)
    values[:, : int(100 * fill_share)] = 0.0  # the fill: whole columns beyond the study area
    return values


def test_a_third_of_the_map_at_zero_is_warned_of_with_its_share_and_the_fix():
    note = lowest_value_block_note(_map(0.32), "p_lr_zero")
    assert note.startswith("INPUT_RASTER: 32 % of the cells of 'p_lr_zero' (3,200) hold exactly its lowest value, 0.")
    assert "give the study area as MASK" in note and "gdal_edit.py -a_nodata 0 FILE" in note


def test_a_small_plateau_a_class_band_and_a_map_with_nodata_say_nothing():
    assert lowest_value_block_note(_map(0.05), "p") == ""  # 5 % tied at the bottom: below the share
    classes = (np.random.default_rng(1).uniform(size=(100, 100)) > 0.7).astype(np.float32)
    assert lowest_value_block_note(classes, "granite") == ""  # 0/1 ties by design
    tagged = _map(0.32)
    tagged[tagged == 0.0] = np.nan  # the same fill read as nodata
    assert lowest_value_block_note(tagged, "p") == ""
    assert lowest_value_block_note(np.full((3, 3), np.nan), "p") == ""

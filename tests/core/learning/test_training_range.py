"""predict's training-range check: each cell counted once (halo cut, study area only), against a brute-force count
of the whole stack; the range stored by training, read back from model files, and refused when malformed."""

import numpy as np
import pytest

from geochem_prospector.core.classic.learner import ClassicLearner
from geochem_prospector.core.classic.schema import check_classic_metadata
from geochem_prospector.core.io.windows import array_window_reader
from geochem_prospector.core.learning.model_schema import MetadataError
from geochem_prospector.core.learning.training_range import (
    RangeTally,
    TalliedReader,
    TrainingRange,
    training_range,
)

pytest.importorskip("sklearn")


def stack(seed=0, shape=(3, 45, 70)):
    rng = np.random.default_rng(seed)
    bands = rng.normal(size=shape).astype(np.float32)
    bands[1, 10:20, 30:40] = np.nan
    bands[2] *= 3
    return bands


def labels_for(bands, seed=1):
    rng = np.random.default_rng(seed)
    labels = (bands[0] > 1).astype(np.float64)
    labels[rng.random(labels.shape) < 0.5] = np.nan
    return labels


@pytest.mark.parametrize("halo", [0, 2, 7])
@pytest.mark.parametrize("masked", [False, True])
def test_the_tally_of_tiles_with_halos_counts_each_cell_of_the_area_once(halo, masked):
    bands = stack()
    limits = TrainingRange(np.array([-1.0, -0.5, -2.0]), np.array([1.0, 0.5, 2.0]), "test")
    inside = None
    if masked:
        yy, xx = np.mgrid[0:45, 0:70]
        inside = (yy - 20) ** 2 + (xx - 40) ** 2 < 400
    reader = TalliedReader(array_window_reader(bands), RangeTally(limits), halo, inside)
    tile = 16
    for r0 in range(0, 45, tile):  # as predict_tiled reads: each tile with its halo, beyond the raster too
        for c0 in range(0, 70, tile):
            window = reader(r0 - halo, min(45, r0 + tile) + halo, c0 - halo, min(70, c0 + tile) + halo)
            assert window.shape == (3, min(45, r0 + tile) - r0 + 2 * halo, min(70, c0 + tile) - c0 + 2 * halo)
    area = np.ones((45, 70), bool) if inside is None else inside
    for i in range(3):
        values = bands[i][np.isfinite(bands[i]) & area]
        assert reader.tally.valid[i] == values.size
        assert reader.tally.beyond[i] == np.count_nonzero((values < limits.low[i]) | (values > limits.high[i]))
        assert reader.tally.lowest[i] == values.min() and reader.tally.highest[i] == values.max()


def test_a_classic_model_stores_its_training_range_and_keeps_it_in_its_file(tmp_path):
    bands = stack()
    model = ClassicLearner("logistic").fit(bands, labels_for(bands), band_names=["a", "b", "c"])
    expected = [[float(np.nanmin(b)), float(np.nanmax(b))] for b in bands]
    assert model.metadata_["band_range"] == expected
    loaded = ClassicLearner.load(model.save(str(tmp_path / "m.pt")))
    found = training_range(loaded.metadata_)
    assert found is not None and found.low.tolist() == [r[0] for r in expected]
    assert found.high.tolist() == [r[1] for r in expected]


def test_the_same_evidence_is_within_the_range_and_the_same_in_ppb_is_beyond_in_every_band():
    bands = stack()
    model = ClassicLearner("logistic").fit(bands, labels_for(bands), band_names=["Cu", "Pb", "Zn"])
    limits = training_range(model.metadata_)
    assert limits is not None
    height, width = bands.shape[1:]
    same = TalliedReader(array_window_reader(bands, np.float64), RangeTally(limits), 0)
    model.predict_tiled(same, height, width, lambda *a: None, tile=16)
    assert same.tally.valid.sum() == np.isfinite(bands).sum() and same.tally.report(["Cu", "Pb", "Zn"]) is None
    shifted = bands.copy()
    shifted[0] = np.abs(shifted[0]) * 1000 + 1000  # Cu in ppb: every cell beyond
    shifted[1, :9] += 100  # Pb: the top 9 of 45 rows from another district: 20 % of its cells
    other = TalliedReader(array_window_reader(shifted, np.float64), RangeTally(limits), 0)
    model.predict_tiled(other, height, width, lambda *a: None, tile=16)
    message = other.tally.report(["Cu", "Pb", "Zn"])
    assert message is not None and message.startswith("INPUT_RASTERS: ")
    pb_share = 100 * np.count_nonzero(np.isfinite(shifted[1, :9])) / np.count_nonzero(np.isfinite(shifted[1]))
    assert "in 2 of 3 bands: 'Cu' 100.0 % of its cells" in message
    assert f"'Pb' {pb_share:.1f} % of its cells" in message and "'Zn'" not in message


def test_older_files_give_the_range_they_can_or_none():
    quantile_cnn = {
        "band_names": ["a", "b"],
        "normalisation": {"median": [0, 0], "scale": [1, 1], "clip": 10, "quantiles": [[1, 2, 5], [-3, 0, 4]]},
        "settings": {"input_transform": "quantile"},
    }
    found = training_range(quantile_cnn)
    assert found is not None and found.low.tolist() == [1, -3] and found.high.tolist() == [5, 4]
    robust_cnn = {**quantile_cnn, "settings": {"input_transform": "robust"}}
    assert training_range(robust_cnn) is None  # median +- clip x scale is no training range (module docstring)
    assert training_range({"method": "woe", "band_names": ["a"], "training": {}}) is None


@pytest.mark.parametrize(
    "band_range, field",
    [([[0.0, 1.0]], "band_range"), ([[0.0, 1.0], [2.0, 1.0], [0, 1]], "band_range[1]"),
     ([[0.0, None], [0, 1], [0, 1]], "band_range[0]")],
)  # fmt: skip
def test_a_malformed_band_range_is_refused_naming_the_field(band_range, field):
    bands = stack()
    model = ClassicLearner("logistic").fit(bands, labels_for(bands), band_names=["a", "b", "c"])
    with pytest.raises(MetadataError) as refused:
        check_classic_metadata({**model.metadata_, "band_range": band_range})
    assert str(refused.value).startswith(field)

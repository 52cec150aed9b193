"""CNN prediction tiles on a local Dask cluster of 2 workers (each opening the rasters and the model file itself)
compared bit for bit with the same model's tiled prediction in this process, and with the patch-by-patch
classifier (an independent path: one patch per cell)."""

import os

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed")
pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")

from geochem_prospector.core.distributed.runner import TaskRunner  # noqa: E402
from geochem_prospector.core.distributed.tasks import DistributedTiles, predict_tiles  # noqa: E402
from geochem_prospector.core.errors import ProspectorError  # noqa: E402
from geochem_prospector.core.grid import GridSpec  # noqa: E402
from geochem_prospector.core.io.rasters import write_geotiff  # noqa: E402
from geochem_prospector.core.io.windows import StackWindowReader  # noqa: E402
from geochem_prospector.core.learning.estimator import PatchCNN  # noqa: E402
from tests.conftest import TEST_DATA  # noqa: E402
from tests.core.learning.test_cnn import SMALL, synthetic  # noqa: E402

MODEL = os.path.join(TEST_DATA, "models", "patchcnn_0.2.0.pt")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    bands, _ = synthetic()
    grid = GridSpec(500000.0, 7000000.0, 25.0, bands.shape[2], bands.shape[1], None)
    path = str(tmp_path_factory.mktemp("stack") / "stack.tif")
    write_geotiff(path, bands, grid, ["a", "b", "c"])
    return path, grid


def collect(grid):
    prob = np.full((grid.height, grid.width), -1.0, np.float32)
    std = np.full((grid.height, grid.width), -1.0, np.float32)
    order = []

    def write(r0, c0, p, s):
        order.append((r0, c0))
        prob[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = p
        if s is not None:
            std[r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = s

    return prob, std, order, write


@pytest.fixture
def two_torch_threads():
    """Two threads here (workers start with one): a convolution's sums differ by an ulp between 1 and 2 threads,
    so the workers must take this process's count for the results to be identical."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_prediction_tiles_on_two_workers_are_bit_identical(stack, two_torch_threads):
    path, grid = stack
    selection = [(path, 1), (path, 2), (path, 3)]
    model = PatchCNN.load(MODEL)
    here_prob, here_std, here_order, write = collect(grid)
    reader = StackWindowReader(selection, grid)
    model.predict_tiled(reader, grid.height, grid.width, write, tile=16, device="cpu", mc_samples=4)
    reader.close()
    there_prob, there_std, there_order, write2 = collect(grid)
    fractions = []
    with TaskRunner("local:2") as runner:
        predict_tiles(runner, MODEL, selection, grid, write2, 16, "cpu", 4, progress=fractions.append)
        pids = set(runner.client.run(os.getpid).values())
    assert os.getpid() not in pids  # the tiles really ran in other processes
    assert there_order == here_order and len(here_order) == 9  # written in the same order, tile by tile
    assert here_prob.tobytes() == there_prob.tobytes() and here_std.tobytes() == there_std.tobytes()
    assert fractions[-1] == 1.0 and len(fractions) == 9
    # and it is the model's prediction: patch by patch, cell by cell
    bands, _ = synthetic()
    rows, cols = np.indices(bands.shape[1:]).reshape(2, -1)
    per_patch = model.predict_proba_cells(bands, rows, cols, "cpu")[:, 1].reshape(bands.shape[1:])
    np.testing.assert_allclose(there_prob, per_patch, atol=1e-5, equal_nan=True)
    assert np.isnan(there_prob).sum() == np.isnan(per_patch).sum() > 0
    assert (there_std[np.isfinite(there_prob)] > 0).all()


def test_a_bad_model_file_is_refused_on_the_worker_with_the_usual_message(stack, tmp_path):
    path, grid = stack
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with TaskRunner("local:1") as runner, pytest.raises(ProspectorError) as err:
        DistributedTiles(runner, str(bad), [(path, 1)], grid).predict_tiled(
            None, grid.height, grid.width, lambda *a: None, tile=16
        )
    assert "MODEL" in str(err.value)


@pytest.mark.parametrize("transform", ["robust", "quantile", "piecewise"])
def test_scores_of_a_coarse_view_ensemble_on_two_workers_are_bit_identical(
    stack, two_torch_threads, tmp_path, transform
):
    """The ranking score travels with the tiles, and the coarse view's wider halo is read on the workers: a
    logit-averaged, temperature-calibrated ensemble with a 15-cell view, against this process bit for bit and
    against the patch-by-patch classifier (whose probability gives the log-odds independently); with
    INPUT_TRANSFORM quantile the workers apply the model file's quantiles to what they read, with piecewise their
    networks encode it from the bin edges they rebuild from the model file (both views, the coarse one averaged)."""
    path, grid = stack
    bands, labels = synthetic()
    settings = {**SMALL, "patch_size": 5, "coarse": 3, "block_size": 12, "ensemble": 2, "epochs": 1}
    settings["input_transform"] = transform
    model = PatchCNN(**settings).fit(bands, labels, band_names=["a", "b", "c"])
    assert model.config_.field == 15 and model.calibration_.combine == "logits"
    model_path = str(tmp_path / "coarse.pt")
    model.save(model_path)
    selection = [(path, 1), (path, 2), (path, 3)]

    def collect_scores():
        out = {k: np.full((grid.height, grid.width), -1.0, np.float32) for k in ("prob", "std", "score")}

        def write(r0, c0, p, s, score):
            for key, value in (("prob", p), ("std", s), ("score", score)):
                out[key][r0 : r0 + p.shape[0], c0 : c0 + p.shape[1]] = value

        return out, write

    here, write = collect_scores()
    reader = StackWindowReader(selection, grid)
    PatchCNN.load(model_path).predict_tiled(reader, grid.height, grid.width, write, 16, "cpu", 3, with_score=True)
    reader.close()
    there, write2 = collect_scores()
    with TaskRunner("local:2") as runner:
        DistributedTiles(runner, model_path, selection, grid).predict_tiled(
            None, grid.height, grid.width, write2, 16, "cpu", 3, with_score=True
        )
    for key in ("prob", "std", "score"):
        assert here[key].tobytes() == there[key].tobytes(), key
    rows, cols = np.indices(bands.shape[1:]).reshape(2, -1)
    per_patch = model.predict_proba_cells(bands, rows, cols, "cpu").reshape(*bands.shape[1:], 2).astype(np.float64)
    np.testing.assert_allclose(there["prob"], per_patch[..., 1], atol=1e-5, equal_nan=True)
    ok = np.isfinite(per_patch[..., 1]) & (np.abs(per_patch[..., 1] - 0.5) < 0.49)  # log-odds well defined
    assert ok.sum() > 100
    log_odds = np.log(per_patch[..., 1] / per_patch[..., 0])
    np.testing.assert_allclose(there["score"][ok], log_odds[ok], atol=1e-3)


def test_a_trainmodel_forest_predicts_on_two_workers_as_in_process(stack, tmp_path):
    """predict with a trainmodel file and SCHEDULER=local:2 was refused on the workers as 'not a GeoChem Prospector
    model (unknown format: neither traincnn's nor trainmodel's)', the same file that predicts in QGIS: the workers
    loaded CNNs only. Now a classic model's tiles (with its window's halo) run there, bit for bit as here, and the
    map is scikit-learn's predict_proba of the cells' features."""
    pytest.importorskip("sklearn")
    from geochem_prospector.core.classic.features import cell_features
    from geochem_prospector.core.classic.learner import ClassicLearner

    path, grid = stack
    bands, labels = synthetic()
    model = ClassicLearner("random_forest", window=3, n_estimators=15, seed=2).fit(bands, labels, ["a", "b", "c"])
    model_path = model.save(str(tmp_path / "forest.pt"))
    selection = [(path, 1), (path, 2), (path, 3)]
    here_prob, _, here_order, write = collect(grid)
    reader = StackWindowReader(selection, grid)
    model.predict_tiled(reader, grid.height, grid.width, write, tile=16)
    reader.close()
    there_prob, there_std, there_order, write2 = collect(grid)
    with TaskRunner("local:2") as runner:
        DistributedTiles(runner, model_path, selection, grid).predict_tiled(
            None, grid.height, grid.width, write2, tile=16
        )
    assert there_order == here_order and len(here_order) == 9
    assert here_prob.tobytes() == there_prob.tobytes() and (there_std == -1).all()  # no spread written
    feats = cell_features(bands, 3, np.asarray(model.metadata_["shift"]))
    ok = np.isfinite(feats).all(axis=0)
    expected = model.estimator_.predict_proba(feats[:, ok].T.astype(np.float64))[:, 1]
    np.testing.assert_allclose(there_prob[ok], expected, atol=1e-6)
    assert np.isnan(there_prob[~ok]).all() and (~ok).sum() > 0


def test_a_file_replaced_after_the_run_started_is_refused_not_mixed_in(stack, tmp_path):
    """Workers read the rasters and the model by their paths: a stack or a model written again after the run
    checked them (another run writing the same output) must be refused, naming the parameter, not read. The
    stamps are (size, modification time) as os.stat gives them."""
    import shutil

    path, grid = stack
    copy, model = str(tmp_path / "stack.tif"), str(tmp_path / "model.pt")
    shutil.copyfile(path, copy)
    shutil.copyfile(MODEL, model)
    selection = [(copy, 1), (copy, 2), (copy, 3)]
    with TaskRunner("local:1") as runner:
        tiles = DistributedTiles(runner, model, selection, grid)  # the run checks the files here
        assert [s[1:] for s in tiles.stamps] == [
            (os.stat(model).st_size, os.stat(model).st_mtime_ns, "MODEL"),
            (os.stat(copy).st_size, os.stat(copy).st_mtime_ns, "INPUT_RASTERS"),
        ]
        bands, _ = synthetic()
        write_geotiff(copy, bands * 2, grid, ["a", "b", "c"])  # written again, renamed over it
        with pytest.raises(ProspectorError, match=r"^INPUT_RASTERS: '.*stack\.tif' was replaced or written again"):
            tiles.predict_tiled(None, grid.height, grid.width, lambda *a: None, tile=16)
        tiles = DistributedTiles(runner, model, selection, grid)
        os.remove(model)
        with pytest.raises(ProspectorError, match=r"^MODEL: '.*model\.pt' was moved, renamed or deleted"):
            tiles.predict_tiled(None, grid.height, grid.width, lambda *a: None, tile=16)

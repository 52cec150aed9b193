"""core.cnn: dense == per-patch, determinism, safe model files, spatial split, cancel."""

import os
import pickle

import numpy as np
import pytest
import torch
from scipy import ndimage

from geochem_prospector.core.errors import Cancelled, InputError, ModelFileError
from geochem_prospector.core.learning.ensemble import member_workers
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.model_file import FORMAT
from geochem_prospector.core.learning.patches import extract_patches, pad_halo, window_reader
from geochem_prospector.core.learning.splits import spatial_split
from geochem_prospector.core.learning.training import roc_auc


def synthetic(seed=0, height=40, width=44):
    """Three bands, one carrying a smooth signal; label = signal above a threshold at scattered cells."""
    rng = np.random.default_rng(seed)
    bands = rng.normal(size=(3, height, width)).astype(np.float32)
    bands[0] = ndimage.gaussian_filter(bands[0], 2) * 6 + 100
    bands[1, :4, :6] = np.nan  # a nodata corner
    labels = np.full((height, width), np.nan)
    r, c = rng.integers(0, height, 300), rng.integers(0, width, 300)
    labels[r, c] = (bands[0, r, c] > 100.6).astype(float)
    return bands, labels


SMALL = dict(patch_size=7, epochs=2, batch_size=32, seed=3, device="cpu", width=8, hidden=16)


@pytest.fixture(scope="module")
def trained():
    bands, labels = synthetic()
    return PatchCNN(**SMALL).fit(bands, labels, band_names=["a", "b", "c"]), bands, labels


def test_extract_patches_matches_slicing():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(2, 9, 11)).astype(np.float32)
    padded = pad_halo(z, 2)
    rows, cols = np.array([0, 4, 8, 8]), np.array([0, 5, 10, 0])
    patches = extract_patches(padded, rows, cols, 5)
    for k, (r, c) in enumerate(zip(rows, cols)):
        expected = np.zeros((2, 5, 5), np.float32)
        for dr in range(-2, 3):
            for dc in range(-2, 3):
                if 0 <= r + dr < 9 and 0 <= c + dc < 11:
                    expected[:, dr + 2, dc + 2] = z[:, r + dr, c + dc]
        np.testing.assert_array_equal(patches[k], expected)


def test_dense_tiled_prediction_equals_per_patch_prediction(trained):
    model, bands, _ = trained
    rng = np.random.default_rng(5)
    # tile 16 puts tile seams, the raster edge and the nodata corner among the sampled cells
    dense = model.predict_proba(bands, device="cpu", tile=16)
    rows = np.concatenate([rng.integers(0, bands.shape[1], 150), [0, 39, 15, 16, 3, 5]])
    cols = np.concatenate([rng.integers(0, bands.shape[2], 150), [0, 43, 15, 16, 5, 7]])
    per_patch = model.predict_proba_cells(bands, rows, cols)[:, 1]
    assert np.array_equal(np.isnan(per_patch), np.isnan(dense[rows, cols]))
    assert np.isnan(dense[:4, :6]).all() and np.isfinite(dense[4:, 6:]).all()
    ok = np.isfinite(per_patch)
    np.testing.assert_allclose(dense[rows, cols][ok], per_patch[ok], atol=2e-6)
    # and an independent per-patch pass: the network on one hand-cut, zero-padded patch
    median = np.asarray(model.metadata_["normalisation"]["median"], np.float32)
    scale = np.asarray(model.metadata_["normalisation"]["scale"], np.float32)
    z = np.clip((bands - median[:, None, None]) / scale[:, None, None], -10, 10)
    z = np.nan_to_num(np.pad(z, ((0, 0), (3, 3), (3, 3)), constant_values=np.nan), nan=0.0)
    r, c = 20, 30
    with torch.no_grad():
        logits = model.nets_[0](torch.as_tensor(z[None, :, r : r + 7, c : c + 7]))
    assert logits.shape == (1, 2, 1, 1)
    temperature = model.metadata_["calibration"]["temperature"]  # one network: its logits / T
    assert abs(float(torch.softmax(logits.flatten(1) / temperature, 1)[0, 1]) - dense[r, c]) < 2e-6


def test_mc_dropout_uncertainty(trained):
    model, bands, _ = trained
    prob = model.predict_proba(bands, device="cpu", tile=32)
    std = model.predict_uncertainty(bands, mc_samples=8, device="cpu", tile=32)
    ok = np.isfinite(prob)
    assert np.array_equal(ok, np.isfinite(std))
    assert (std[ok] >= 0).all() and (std[ok] <= 0.5).all() and std[ok].max() > 0
    assert ((prob[ok] >= 0) & (prob[ok] <= 1)).all()


def test_training_is_deterministic_with_a_seed():
    bands, labels = synthetic()
    a = PatchCNN(**SMALL).fit(bands, labels).nets_[0].state_dict()
    b = PatchCNN(**SMALL).fit(bands, labels).nets_[0].state_dict()
    c = PatchCNN(**{**SMALL, "seed": 4}).fit(bands, labels).nets_[0].state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_learns_a_simple_signal():
    bands, labels = synthetic()
    model = PatchCNN(**{**SMALL, "epochs": 12, "patience": 12}).fit(bands, labels)
    prob = model.predict_proba(bands, device="cpu")
    known = np.isfinite(labels) & np.isfinite(prob)
    assert roc_auc(labels[known] == 1, prob[known]) > 0.85
    history = model.metadata_["history"]
    assert [h["epoch"] for h in history] == list(range(1, len(history) + 1))
    assert history[-1]["iteration"] > history[0]["iteration"]


def test_model_file_round_trip(trained, tmp_path):
    model, bands, _ = trained
    path = str(tmp_path / "m.pt")
    model.save(path, extra={"note": "x"})
    loaded = PatchCNN.load(path)
    assert loaded.band_names_ == ["a", "b", "c"] and loaded.metadata_["note"] == "x"
    assert loaded.metadata_["patch_size"] == 7 and loaded.metadata_["classes"] == [0, 1]
    for k, v in model.nets_[0].state_dict().items():
        assert torch.equal(v, loaded.nets_[0].state_dict()[k])
    np.testing.assert_array_equal(model.predict_proba(bands, "cpu"), loaded.predict_proba(bands, "cpu"))
    # the file is a plain dict: it opens with weights_only and carries JSON metadata
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == FORMAT and isinstance(raw["metadata"], str)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_malicious_and_foreign_files_are_refused(tmp_path, trained):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "format_version": 1, "metadata": "{}", "weights": _Evil(str(marker))}, evil)
    plain = tmp_path / "plain.pt"
    with open(plain, "wb") as handle:
        pickle.dump({"format": FORMAT, "x": _Evil(str(marker))}, handle)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(os.urandom(2000))
    foreign = tmp_path / "foreign.pt"
    torch.save({"conv.weight": torch.zeros(3)}, foreign)
    good = trained[0]
    wrong_shapes = tmp_path / "wrong.pt"
    good.save(str(wrong_shapes))
    payload = torch.load(wrong_shapes, weights_only=True)
    payload["weights"]["out.weight"] = torch.zeros(5, 5)
    torch.save(payload, wrong_shapes)
    for path in (evil, plain, junk, foreign, wrong_shapes, tmp_path / "missing.pt"):
        with pytest.raises(ModelFileError, match="MODEL"):
            PatchCNN.load(str(path))
    assert not marker.exists()


def test_spatial_split_keeps_validation_apart():
    bands, labels = synthetic(height=60, width=60)
    rows, cols = np.nonzero(np.isfinite(labels))
    y = labels[rows, cols].astype(int)
    for method in ("blocks", "clusters"):
        train, val, info = spatial_split(
            rows, cols, y, (60, 60), method, 15, 6, np.random.default_rng(0), cluster_cells=4
        )
        assert set(train).isdisjoint(val) and train.size and val.size
        # Chebyshev distance from every training cell to every validation cell is more than the gap
        d = np.maximum(np.abs(rows[train][:, None] - rows[val][None]), np.abs(cols[train][:, None] - cols[val][None]))
        assert d.min() > 6, method
        for part in (train, val):
            assert set(y[part]) == {0, 1}


def test_roc_auc_matches_sklearn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.normal(size=300) + y, 1)  # with ties
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_cancel_stops_training_within_one_batch():
    bands, labels = synthetic()
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(Cancelled):
        PatchCNN(**SMALL).fit(bands, labels, is_cancelled=cancelled)
    assert len(calls) == 3


def test_cancel_stops_tiled_prediction(trained):
    model, bands, _ = trained
    written = []
    with pytest.raises(Cancelled):
        model.predict_tiled(
            window_reader(bands), 40, 44, lambda *a: written.append(a), tile=8, is_cancelled=lambda: len(written) >= 2
        )
    assert len(written) == 2


def test_bad_inputs_name_the_parameter():
    bands, labels = synthetic()
    with pytest.raises(InputError, match="LABELS"):
        PatchCNN(**SMALL).fit(bands, np.where(np.isfinite(labels), 1.0, np.nan))
    with pytest.raises(InputError, match="PATCH_SIZE"):
        PatchCNN(**{**SMALL, "patch_size": 8}).fit(bands, labels)
    with pytest.raises(InputError, match="INPUT_RASTERS"):
        PatchCNN(**SMALL).fit(bands, labels).predict_proba(bands[:2])


#: the history's curves in a training report's SVG (not the grey line of the commonest class's share)
CURVES = r'<polyline points="([^"]*)" fill="none" stroke="(?!#888888)'


def test_report_plots_every_epoch_and_the_confusion_matrix(trained):
    import re

    from geochem_prospector.core.reports.training import training_report_html

    model = trained[0]
    page = training_report_html(model.metadata_)
    lines = re.findall(CURVES, page)  # the grey reference line (commonest class) is no curve of the history
    assert len(lines) == 4  # train/validation loss and accuracy
    assert all(len(pts.split()) == len(model.metadata_["history"]) for pts in lines)
    for row in model.metadata_["metrics"]["confusion_matrix"]:
        assert "".join(f"<td>{v}</td>" for v in row) in page
    # what the validation AUC rests on (sweep 21a: 0.991 from 1 positive cell read as skill): the positive row of
    # the confusion matrix, and the labels of the validation cells counted here
    positives = model.metadata_["metrics"]["validation_positive_cells"]
    assert positives == sum(model.metadata_["metrics"]["confusion_matrix"][1]) > 0
    assert f"(from {positives:,} positive validation cell{'s' if positives != 1 else ''})" in page


def test_report_curves_follow_the_history(trained):
    """Each chart draws the history's (iteration, value) pairs under one linear map, values growing upwards,
    with the zero line in view (built with core.svgplot, the one SVG plotting module)."""
    import re

    from geochem_prospector.core.reports.training import training_report_html

    history = trained[0].metadata_["history"]
    svgs = re.findall(r"<svg.*?</svg>", training_report_html(trained[0].metadata_), re.S)
    assert len(svgs) == 2
    for svg, key in zip(svgs, ("loss", "accuracy")):
        lines = re.findall(CURVES, svg)
        pts = np.array([p.split(",") for line in lines for p in line.split()], float)
        iterations = np.array([h["iteration"] for h in history] * 2, float)
        values = np.array([h[f"train_{key}"] for h in history] + [h[f"val_{key}"] for h in history])
        for coord, data, sign in ((pts[:, 0], iterations, 1), (pts[:, 1], values, -1)):  # SVG y grows downwards
            slope, intercept = np.polyfit(data, coord, 1)
            assert np.sign(slope) == sign
            np.testing.assert_allclose(coord, slope * data + intercept, atol=0.1)
        assert f">training {key}</text>" in svg and f">validation {key}</text>" in svg
        # loss from 0 up; accuracy from its lowest value or the commonest class's share, down to a multiple of 0.05
        if key == "loss":
            assert re.search(r'text-anchor="end">0</text>', svg)
        else:
            cm = trained[0].metadata_["metrics"]["confusion_matrix"]
            share = max(sum(r) for r in cm) / sum(sum(r) for r in cm)
            low = np.floor(20 * min(values.min(), share)) / 20
            # the plot's frame runs from y = 34 (top, accuracy 1) to 34 + 294 (bottom, ``low``)
            np.testing.assert_allclose([slope * 1.0 + intercept, slope * low + intercept], [34, 328], atol=0.2)
        assert re.search(r"<title>(Loss|Accuracy)", svg)  # svgplot's charts carry an accessible title


def test_report_shows_the_provenance_it_is_given(trained):
    from geochem_prospector.core.reports.training import training_report_html

    provenance = {
        "algorithm": "prospector:traincnn",
        "plugin_version": "9.8.7",
        "qgis_version": "3.22.16-Białowieża",
        "created_utc": "2026-01-02T03:04:05+00:00",
        "parameters": {"EPOCHS": 60, "INPUT_RASTERS": ["/data/a<1>.tif", "/data/b.tif"]},
        "inputs": ["/data/a<1>.tif", "/data/b.tif"],
    }
    page = training_report_html({**trained[0].metadata_, "provenance": provenance})
    section = page[page.index("<h2>Provenance</h2>") :]
    for expected in (
        "<th>Algorithm</th><td>prospector:traincnn</td>",
        "<th>Plugin version</th><td>9.8.7</td>",
        "<th>QGIS version</th><td>3.22.16-Białowieża</td>",
        f"<th>PyTorch version</th><td>{torch.__version__}</td>",
        "<th>Inputs</th><td>/data/a&lt;1&gt;.tif<br>/data/b.tif</td>",  # escaped: a file name is not markup
        "<th>EPOCHS</th><td>60</td>",
        "<th>INPUT_RASTERS</th><td>/data/a&lt;1&gt;.tif<br>/data/b.tif</td>",  # one per line, not a JSON list
    ):
        assert expected in section, expected
    assert "<h2>Provenance</h2>" not in training_report_html(trained[0].metadata_)  # none given, none shown


def test_match_bands_by_name_then_by_unique_band_part():
    from geochem_prospector.core.io.windows import match_bands

    found, missing = match_bands(["till:Cu", "till:Ni", "mag:band 1"], ["area2:Ni", "area2:Cu", "mag:band 1"])
    assert found == [1, 0, 2] and missing == []
    found, missing = match_bands(["a:band 1", "b:band 1"], ["c:band 1", "d:band 1"])
    assert missing == ["a:band 1", "b:band 1"]


def test_square_dilation_matches_scipy():
    from geochem_prospector.core.learning.splits import _dilate_square

    mask = np.random.default_rng(4).random((23, 31)) > 0.97
    for radius in (1, 3, 6):
        expected = ndimage.binary_dilation(mask, np.ones((2 * radius + 1,) * 2, bool))
        np.testing.assert_array_equal(_dilate_square(mask, radius), expected)


def test_without_early_stopping_the_last_weights_are_kept():
    bands, labels = synthetic()
    model = PatchCNN(**{**SMALL, "epochs": 3, "early_stopping": False}).fit(bands, labels)
    assert model.metadata_["metrics"]["best_epoch"] == 3 == model.metadata_["metrics"]["epochs_run"]


# ---- ensembles -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ensemble():
    bands, labels = synthetic()
    model = PatchCNN(**{**SMALL, "ensemble": 3}).fit(bands, labels, band_names=["a", "b", "c"])
    return model, bands, labels


def _hand_cut_log_odds(net, model, bands, r, c):
    """One network's log-odds (logit 1 - logit 0) on one zero-padded patch cut by hand (independent of the dense
    and per-patch code)."""
    median = np.asarray(model.metadata_["normalisation"]["median"], np.float32)
    scale = np.asarray(model.metadata_["normalisation"]["scale"], np.float32)
    z = np.clip((bands - median[:, None, None]) / scale[:, None, None], -10, 10)
    z = np.nan_to_num(np.pad(z, ((0, 0), (3, 3), (3, 3)), constant_values=np.nan), nan=0.0)
    with torch.no_grad():
        logits = net.eval()(torch.as_tensor(z[None, :, r : r + 7, c : c + 7])).flatten().double()
    return float(logits[1] - logits[0])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def test_ensemble_members_differ_and_the_first_is_the_single_network(ensemble):
    model, bands, labels = ensemble
    # the ensemble's networks train side by side with a share of torch's threads each: the single network with
    # as many (a network's last bits depend on its thread count)
    _, threads = member_workers(3, "cpu")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        single = PatchCNN(**SMALL).fit(bands, labels, band_names=["a", "b", "c"])
    finally:
        torch.set_num_threads(before)
    assert len(model.nets_) == 3 and len(model.metadata_["metrics"]["ensemble"]) == 3
    states = [net.state_dict() for net in model.nets_]
    assert all(torch.equal(states[0][k], v) for k, v in single.nets_[0].state_dict().items())
    assert not all(torch.equal(states[1][k], states[2][k]) for k in states[1])


def test_ensemble_prediction_is_its_networks_mean_logit_over_the_temperature(ensemble):
    model, bands, _ = ensemble
    dense = model.predict_proba(bands, device="cpu", tile=16)
    score = model.predict_score(bands, device="cpu", tile=16)
    temperature = model.metadata_["calibration"]["temperature"]
    assert model.metadata_["calibration"]["combine"] == "logits"
    rows, cols = np.array([20, 5, 39, 10]), np.array([30, 7, 43, 12])
    per_patch = model.predict_proba_cells(bands, rows, cols)[:, 1]
    np.testing.assert_allclose(dense[rows, cols], per_patch, atol=2e-6)
    for r, c in zip(rows, cols):
        log_odds = [_hand_cut_log_odds(net, model, bands, r, c) for net in model.nets_]
        expected = _sigmoid(np.mean(log_odds) / temperature)
        assert abs(dense[r, c] - expected) < 2e-6
        assert abs(score[r, c] - np.mean(log_odds) / temperature) < 1e-5  # the score is the log-odds
        assert min(_sigmoid(z / temperature) for z in log_odds) < expected  # not one member


def test_ensemble_uncertainty_without_dropout_is_the_spread_of_the_networks():
    bands, labels = synthetic()
    model = PatchCNN(**{**SMALL, "ensemble": 3, "dropout": 0.0}).fit(bands, labels)
    prob = model.predict_proba(bands, device="cpu", tile=20)
    std = model.predict_uncertainty(bands, mc_samples=4, device="cpu", tile=20)
    rows, cols = np.nonzero(np.isfinite(prob))
    temperature = model.metadata_["calibration"]["temperature"]
    log_odds = [[_hand_cut_log_odds(n, model, bands, r, c) for r, c in zip(rows[:50], cols[:50])] for n in model.nets_]
    members = _sigmoid(np.array(log_odds) / temperature)  # each network's probability at T
    np.testing.assert_allclose(std[rows[:50], cols[:50]], members.std(axis=0), atol=2e-6)
    assert std[rows, cols].max() > 0
    assert "3 ensemble networks" in model.uncertainty_description(4)


def test_ensemble_model_file_round_trip_and_version_1_files_still_load(ensemble, trained, tmp_path):
    model, bands, _ = ensemble
    path = str(tmp_path / "ens.pt")
    model.save(path)
    loaded = PatchCNN.load(path)
    assert len(loaded.nets_) == 3 and loaded.ensemble == 3
    for a, b in zip(model.nets_, loaded.nets_):
        assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    np.testing.assert_array_equal(model.predict_proba(bands, "cpu"), loaded.predict_proba(bands, "cpu"))
    # a file written before ensembles: format version 1, one network, unprefixed weight names
    single, _, _ = trained
    old = tmp_path / "v1.pt"
    single.save(str(old))
    raw = torch.load(old, weights_only=True)
    raw["format_version"] = 1
    raw["weights"] = {k.split(".", 1)[1]: v for k, v in raw["weights"].items()}
    torch.save(raw, old)
    np.testing.assert_array_equal(
        PatchCNN.load(str(old)).predict_proba(bands, "cpu"), single.predict_proba(bands, "cpu")
    )
    # a member missing from the file is refused, not silently dropped
    raw = torch.load(path, weights_only=True)
    raw["weights"] = {k: v for k, v in raw["weights"].items() if not k.startswith("member2.")}
    torch.save(raw, tmp_path / "cut.pt")
    with pytest.raises(ModelFileError, match="3"):
        PatchCNN.load(str(tmp_path / "cut.pt"))


def test_ensemble_size_is_checked():
    bands, labels = synthetic()
    with pytest.raises(InputError) as err:
        PatchCNN(**{**SMALL, "ensemble": 0}).fit(bands, labels)
    assert err.value.parameter == "ENSEMBLE"


def test_report_lists_every_network_of_the_ensemble(ensemble):
    import re

    from geochem_prospector.core.reports.training import training_report_html

    model, _, _ = ensemble
    page = training_report_html(model.metadata_)
    epochs = ", ".join(str(m["best_epoch"]) for m in model.metadata_["metrics"]["ensemble"])
    assert "<th>Networks in the ensemble</th><td>3</td>" in page
    assert f"<th>Best epoch (weights kept), per network</th><td>{epochs}</td>" in page
    assert "Every network of the ensemble of 3" in page
    # per-epoch curves of every network: training and validation loss and accuracy, each as long as its history
    histories = [model.metadata_["history"], *model.metadata_["member_histories"]]
    lines = re.findall(CURVES, page)
    assert len(lines) == 4 * 3
    lengths = [len(h) for h in histories]
    assert sorted(len(pts.split()) for pts in lines) == sorted(lengths * 4)
    for i in range(3):
        assert f">network {i + 1}: validation loss</text>" in page


def test_report_says_first_that_agreement_with_labels_is_not_map_skill(trained):
    from geochem_prospector.core.reports.training import training_report_html

    page = training_report_html(trained[0].metadata_)
    body = page[page.index("<body>") :]
    first = body[: body.index("<h2>")]  # before any figure
    assert "Agreement with the training labels is not map skill" in first
    assert "prospector:evaluate" in first and "prospector:comparemodels" in first
    calibration = trained[0].metadata_["calibration"]
    assert f"<th>Temperature T</th><td>{calibration['temperature']:.3f}</td>" in page


def test_a_model_file_written_by_0_2_0_loads_and_predicts_as_it_did():
    from tests.conftest import TEST_DATA

    folder = os.path.join(TEST_DATA, "models")
    bands, _ = synthetic()
    model = PatchCNN.load(os.path.join(folder, "patchcnn_0.2.0.pt"))
    expected = np.load(os.path.join(folder, "patchcnn_0.2.0_prediction.npz"))
    assert model.band_names_ == ["a", "b", "c"] and len(model.nets_) == 2
    assert model.metadata_["provenance"]["parameters"]["VALIDATION"] == 0  # stored by position then
    assert "calibration" not in model.metadata_ and model.calibration_.combine == "probabilities"
    # float32 sums round differently on other processors' SIMD paths (6e-8 seen): equal to float32 precision
    np.testing.assert_allclose(model.predict_proba(bands, "cpu", tile=16), expected["prob"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict_uncertainty(bands, 4, "cpu", tile=16), expected["std"], rtol=0, atol=1e-6)


def test_the_estimator_keeps_scikit_learns_contract():
    """scikit-learn's own clone() and its rules: arguments stored unchanged, fitted state only after fit."""
    from sklearn.base import clone

    settings = {**SMALL, "learning_rate": "0.001", "ensemble": 1}
    model = PatchCNN(**settings)
    assert model.get_params() == {**PatchCNN().get_params(), **settings}  # nothing converted or added
    assert not [name for name in vars(model) if name.endswith("_")]  # no fitted attribute before fit
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    bands, labels = synthetic()
    model.fit(bands, labels)
    assert model.learning_rate == "0.001" and model.config_.learning_rate == 0.001
    assert clone(model).get_params() == model.get_params() and not hasattr(clone(model), "nets_")
    prob = model.predict_proba(bands)
    assert prob.shape == labels.shape and np.nanmax(prob) <= 1.0  # probabilities only, no (prob, std) tuple
    with pytest.raises(TypeError):
        model.set_params(colour="red")
    with pytest.raises(InputError, match="^MODEL:"):
        PatchCNN().predict_proba(bands)
    with pytest.raises(InputError, match="^PATCH_SIZE:"):
        PatchCNN(patch_size=6).fit(bands, labels)


# ---- the coarse second view ------------------------------------------------------------------------------------


def test_the_coarse_view_sees_k_times_the_patch_and_dense_equals_per_patch():
    bands, labels = synthetic(height=48, width=52)
    model = PatchCNN(**{**SMALL, "patch_size": 5, "coarse": 3, "epochs": 1, "block_size": 12}).fit(bands, labels)
    net = model.nets_[0]
    assert model.config_.field == 15 and net.crop == 5
    # a hand-made check of what the network sees: a change 7 cells from the centre (beyond the fine 5 x 5 patch,
    # within the coarse 15 x 15 view) moves the output; one 8 cells away (beyond both) does not
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.normal(size=(1, 3, 17, 17)).astype(np.float32))
    with torch.no_grad():
        base = net(x)  # (1, 2, 3, 3): the centre cell is [1, 1], its window x[..., 1:16, 1:16]
        near, far = x.clone(), x.clone()
        near[0, :, 8, 1] += 5.0  # 7 cells left of the centre (8, 8)
        far[0, :, 8, 0] += 5.0  # 8 cells left
        assert not torch.allclose(net(near)[0, :, 1, 1], base[0, :, 1, 1])
        assert torch.equal(net(far)[0, :, 1, 1], base[0, :, 1, 1])
    # dense tiled prediction equals the per-patch one (tile seams, edges, the nodata corner)
    dense = model.predict_proba(bands, device="cpu", tile=16)
    rows = np.concatenate([rng.integers(0, 48, 120), [0, 47, 15, 16, 3, 5]])
    cols = np.concatenate([rng.integers(0, 52, 120), [0, 51, 15, 16, 5, 7]])
    per_patch = model.predict_proba_cells(bands, rows, cols)[:, 1]
    ok = np.isfinite(per_patch)
    assert np.array_equal(ok, np.isfinite(dense[rows, cols]))
    np.testing.assert_allclose(dense[rows, cols][ok], per_patch[ok], atol=2e-6)


def test_the_coarse_branch_averages_k_by_k_cells():
    """The coarse branch's input is scipy's uniform (mean) filter of the bands, sampled every k cells."""
    model = PatchCNN(**{**SMALL, "patch_size": 5, "coarse": 3, "epochs": 1, "block_size": 12})
    bands, labels = synthetic()
    net = model.fit(bands, labels).nets_[0]
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 15, 15)).astype(np.float32)
    seen = {}
    net.coarse_features.register_forward_hook(lambda _m, inputs, _o: seen.update(x=inputs[0]))
    with torch.no_grad():
        net(torch.as_tensor(x[None]))
    expected = np.stack([ndimage.uniform_filter(b.astype(np.float64), 3, mode="constant")[1:-1, 1:-1] for b in x])
    np.testing.assert_allclose(seen["x"][0].numpy(), expected, atol=1e-5)


def test_coarse_view_settings_are_checked():
    bands, labels = synthetic()
    for coarse in (2, 4):
        with pytest.raises(InputError, match="^COARSE_VIEW:"):
            PatchCNN(**{**SMALL, "coarse": coarse}).fit(bands, labels)
    with pytest.raises(InputError, match="^COARSE_VIEW:"):
        PatchCNN(**{**SMALL, "patch_size": 65, "coarse": 5}).fit(bands, labels)


# ---- self-supervised pre-training ------------------------------------------------------------------------------


def test_masked_band_pretraining_learns_to_predict_hidden_bands_from_the_others():
    """Two bands that are one signal plus noise: a hidden band is predicted from the other far better than by the
    median (0 in normalised units), the best guess without the other bands; the baseline is computed here from
    the normalised bands themselves."""
    from geochem_prospector.core.learning.patches import normalise, robust_normalisation

    rng = np.random.default_rng(2)
    signal = ndimage.gaussian_filter(rng.normal(size=(40, 44)), 2) * 8
    bands = np.stack([signal, signal + 0.1 * rng.normal(size=signal.shape), rng.normal(size=signal.shape)])
    bands = bands.astype(np.float32)
    labels = np.full(signal.shape, np.nan)
    r, c = rng.integers(0, 40, 200), rng.integers(0, 44, 200)
    labels[r, c] = (signal[r, c] > 0.5).astype(float)
    messages = []
    model = PatchCNN(**{**SMALL, "epochs": 1, "pretrain_epochs": 6}).fit(bands, labels, log=messages.append)
    losses = [float(m.rsplit(" ", 1)[1]) for m in messages if "masked-band reconstruction loss" in m]
    assert len(losses) == 6 and model.metadata_["settings"]["pretrain_epochs"] == 6
    median, scale = robust_normalisation(bands, seed=SMALL["seed"])
    z = normalise(bands, median, scale)
    baseline = float(np.mean(z**2))  # predicting every hidden value by the median, averaged over the bands
    assert losses[-1] < 0.75 * baseline and losses[-1] < losses[0]  # the noise band stays unpredictable (~1)


def test_pretraining_is_checked():
    bands, labels = synthetic()
    with pytest.raises(InputError, match="^PRETRAIN_EPOCHS:"):
        PatchCNN(**{**SMALL, "pretrain_epochs": -1}).fit(bands, labels)


def test_progress_rises_within_an_epoch_and_a_cancel_stops_the_validation(monkeypatch):
    """An epoch reports its batches as they go (on the Lapland evidence at 50 m one epoch of traincnn was 10-20 s
    with the progress bar still), and a cancel asked while the validation cells are scored stops within a batch
    of them, in the epoch's validation and in the calibration after the last epoch (6 s of 138,000 cells there, not
    checked before): the forward passes after the cancel are counted."""
    from geochem_prospector.core.learning.network import PatchNet

    rng = np.random.default_rng(1)
    bands = rng.normal(size=(3, 90, 90)).astype(np.float32)
    bands[0] = ndimage.gaussian_filter(bands[0], 3) * 6 + 100
    labels = (bands[0] > 100.5).astype(float)  # every cell labelled: thousands of validation cells, several batches
    progress = []
    PatchCNN(**{**SMALL, "epochs": 1}).fit(bands, labels, progress=progress.append)
    assert [p for p in progress if 0 < p < 0.9], progress
    assert progress == sorted(progress) and progress[-1] == 1.0

    forward = PatchNet.forward
    passes = {"before": 0, "after": 0}
    cancelled = []

    def counted(self, x):
        if not self.training:  # the validation cells, scored in batches of 1024
            passes["after" if cancelled else "before"] += 1
            cancelled.append(True)
        return forward(self, x)

    monkeypatch.setattr(PatchNet, "forward", counted)
    with pytest.raises(Cancelled):
        PatchCNN(**{**SMALL, "epochs": 1}).fit(bands, labels, is_cancelled=lambda: bool(cancelled))
    assert passes == {"before": 1, "after": 0}

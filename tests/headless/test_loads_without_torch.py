"""QGIS's own Python without torch: the plugin loads, its non-CNN algorithms work, CNN steps say what to do."""

import os
import subprocess

import pytest

from tests.headless.fresh_plugin import run_with_plugin

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QGIS_PYTHON = "/usr/bin/python3"

BODY = r"""
provider = QgsApplication.processingRegistry().providerById("prospector")
report = {"algorithms": {}, "torch_imported": "torch" in sys.modules}
for alg in provider.algorithms():
    ok, message = alg.canExecute()
    report["algorithms"][alg.name()] = [bool(ok), message]
plugin.unload()
print("REPORT" + json.dumps(report))
"""


def qgis_python_has_torch(env):
    return subprocess.run([QGIS_PYTHON, "-c", "import torch"], env=env, capture_output=True).returncode == 0


@pytest.mark.skipif(not os.path.exists(QGIS_PYTHON), reason="QGIS's system Python /usr/bin/python3 is missing")
def test_plugin_loads_without_torch(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    if qgis_python_has_torch(env):
        pytest.skip("torch is installed for QGIS's own Python here: nothing to prove")
    report = run_with_plugin(QGIS_PYTHON, BODY, env)
    assert report["torch_imported"] is False, "loading the plugin must not import torch"
    assert report["algorithms"]["interpolate"] == [True, ""]
    for name, (ok, message) in report["algorithms"].items():
        if not ok:  # only the CNN steps may refuse, and they must say how to get torch
            assert "PyTorch" in message and "Install dependencies" in message, (name, message)


HIDE_TORCH = """
import sys
sys.modules["torch"] = None  # 'import torch' now raises ImportError, as in a QGIS without PyTorch
"""


def test_classic_model_trains_and_predicts_without_torch(qgis_process_env, tmp_path):
    """trainmodel and predict of a classic model run through qgis_process with torch hidden from QGIS's Python;
    the CNN step, in the same environment, says PyTorch is missing (the reference that it is hidden)."""
    import numpy as np
    import rasterio

    from tests.headless.cli import run_qgis_process
    from tests.headless.scenes import signal_scene

    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(HIDE_TORCH)
    env = {k: v for k, v in qgis_process_env.items() if k != "VIRTUAL_ENV"}
    env["PYTHONPATH"] = str(hide)  # QGIS's own Python and Debian's packages (scikit-learn), without the venv
    signal, labels = signal_scene(tmp_path, seed=1, width=24, height=22)[1:]
    code, _, log = run_qgis_process(
        env,
        "prospector:traincnn",
        {"INPUT_RASTERS": str(tmp_path / "ev.tif"), "LABELS": str(tmp_path / "labels.tif"),
         "OUTPUT_MODEL": str(tmp_path / "cnn.pt"), "OUTPUT_REPORT": str(tmp_path / "cnn.html")},
        timeout=300,
    )  # fmt: skip
    assert code != 0 and "PyTorch" in log, log[-2000:]
    code, _, log = run_qgis_process(
        env,
        "prospector:trainmodel",
        {"INPUT_RASTERS": str(tmp_path / "ev.tif"), "LABELS": str(tmp_path / "labels.tif"), "METHOD": "2",
         "OUTPUT_MODEL": str(tmp_path / "model.pt"), "OUTPUT_REPORT": str(tmp_path / "report.html")},
        timeout=300,
    )  # fmt: skip
    assert code == 0, log[-3000:]
    code, _, log = run_qgis_process(
        env,
        "prospector:predict",
        {"INPUT_RASTERS": str(tmp_path / "ev.tif"), "MODEL": str(tmp_path / "model.pt"),
         "OUTPUT": str(tmp_path / "p.tif")},
        timeout=300,
    )  # fmt: skip
    assert code == 0, log[-3000:]
    # the reference: scikit-learn's logistic regression (regularisation C = 1, as trainmodel's default) on the
    # same labelled cells, standardised as the learner does, maps the same probabilities
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    ok = np.isfinite(labels)
    with rasterio.open(tmp_path / "ev.tif") as src:
        x = np.moveaxis(src.read().astype(float), 0, -1)  # the evidence as written (float32)
    scaler = StandardScaler().fit(x[ok])
    est = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(scaler.transform(x[ok]), labels[ok])
    expected = est.predict_proba(scaler.transform(x.reshape(-1, 2)))[:, 1].reshape(signal.shape)
    with rasterio.open(tmp_path / "p.tif") as src:
        prob = src.read(1)
    np.testing.assert_allclose(prob, expected, atol=2e-3)

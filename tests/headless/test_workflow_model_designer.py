"""The shipped workflow model opened in the real Model Designer (QGIS desktop under Xvfb): every box it draws has
its own place, none overlaps another, and the steps run left to right."""

import itertools
import json
import os
import shutil

import pytest

from tests.headless.desktop import run_desktop

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "desktop_model_designer_script.py")
STEPS = [  # the boxes' labels, in workflow order
    "Interpolate elements",
    "Identify and screen anomalies",
    "Stack the element rasters with the geology",
    "Pseudo-label from training deposits",
    "Train the CNN",
    "Predict prospectivity",
    "Evaluate against held-out deposits",
    "Compare learners on the training deposits",
]


@pytest.mark.skipif(shutil.which("qgis") is None, reason="QGIS desktop (apt package qgis) is not installed")
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is missing (apt-get install xvfb)")
def test_model_designer_shows_the_workflow_laid_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, _, stdout, stderr = run_desktop(SCRIPT, tmp_path, {"PROSPECTOR_DESIGNER_OUT": str(out)}, timeout=240)
    log = stdout[-4000:] + stderr[-4000:]
    assert (out / "report.json").exists(), f"the startup script did not finish (exit {code}):\n{log}"
    report = json.loads((out / "report.json").read_text())
    assert report["errors"] == [], "\n".join(report["errors"])
    assert report["loaded"]
    boxes = report["boxes"]
    kinds = [b["kind"] for b in boxes]
    assert kinds.count("QgsProcessingModelChildAlgorithm") == len(STEPS)
    assert kinds.count("QgsProcessingModelParameter") == 13
    assert kinds.count("QgsProcessingModelOutput") == 9
    # as drawn: no two boxes overlap (QGIS's scene rectangles, not the file's numbers)
    for a, b in itertools.combinations(boxes, 2):
        (ax, ay, aw, ah), (bx, by, bw, bh) = a["rect"], b["rect"]
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a["label"], b["label"])
    steps = {b["label"]: b["rect"] for b in boxes if b["kind"] == "QgsProcessingModelChildAlgorithm"}
    xs = [steps[label][0] for label in STEPS]
    assert xs == sorted(xs) and len(set(xs)) == len(xs), xs
    inputs_right = max(b["rect"][0] + b["rect"][2] for b in boxes if b["kind"] == "QgsProcessingModelParameter")
    outputs_left = min(b["rect"][0] for b in boxes if b["kind"] == "QgsProcessingModelOutput")
    assert inputs_right < min(xs) < outputs_left
    assert (out / "designer.png").stat().st_size > 20000

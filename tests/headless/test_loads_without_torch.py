"""QGIS's own Python without torch: the plugin loads, its non-CNN algorithms work, CNN steps say what to do."""

import json
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QGIS_PYTHON = "/usr/bin/python3"

CODE = r"""
import json, sys
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
sys.path.insert(0, PLUGINS)
from geochem_prospector import classFactory
plugin = classFactory(None)
plugin.initGui()
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
    code = CODE.replace("PLUGINS", repr(os.path.join(REPO, "build", "plugins")))
    proc = subprocess.run([QGIS_PYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("REPORT")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(lines[0][len("REPORT") :])
    assert report["torch_imported"] is False, "loading the plugin must not import torch"
    assert report["algorithms"]["interpolate"] == [True, ""]
    for name, (ok, message) in report["algorithms"].items():
        if not ok:  # only the CNN steps may refuse, and they must say how to get torch
            assert "PyTorch" in message and "Install dependencies" in message, (name, message)

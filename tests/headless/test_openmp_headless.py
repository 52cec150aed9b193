"""Loading the plugin, then traincnn's import_cnn (used by traincnn, predict and comparemodels), in a fresh process as
qgis_process runs them: PyTorch loads with its OpenMP threads told to wait passively (core/learning/openmp.py), and a
user's own OMP_WAIT_POLICY is kept."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CODE = r"""
import os, sys
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
sys.path.insert(0, PLUGINS)
from geochem_prospector import classFactory
plugin = classFactory(None)
plugin.initGui()
assert "torch" not in sys.modules, "loading the plugin must not import torch"
from geochem_prospector.algorithms.traincnn import import_cnn
import_cnn()
assert "torch" in sys.modules
plugin.unload()
print("POLICY", os.environ.get("OMP_WAIT_POLICY"))
"""


@pytest.mark.parametrize("users, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_torch_loads_with_passive_openmp_unless_the_user_chose(tmp_path, users, expected):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env.update(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    if users:
        env["OMP_WAIT_POLICY"] = users
    code = CODE.replace("PLUGINS", repr(os.path.join(REPO, "build", "plugins")))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("POLICY")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert lines[-1] == f"POLICY {expected}"

"""qgis_process as a user runs it: a subprocess, a temporary HOME with the plugin enabled."""

import os
import sys

import pytest

from tests.headless.cli import run_qgis_process

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from enable_plugin import enable  # noqa: E402


@pytest.fixture(scope="session")
def qgis_process_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("qgis_home")
    enable(str(home / ".local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"))
    env = dict(os.environ)
    site = os.path.join(REPO, ".venv", "lib", "python3.11", "site-packages")
    env.update(
        HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        QGIS_PLUGINPATH=os.path.join(REPO, "build", "plugins"),
        PROJ_DATA="/usr/share/proj",
        PYTHONPATH=site + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        XDG_RUNTIME_DIR=str(home),
    )
    return env


@pytest.fixture
def qgis_process(qgis_process_env):
    """Run ``qgis_process.bin run ALG --json -- K=V ...``; returns (returncode, parsed JSON or None, stderr)."""

    def _run(algorithm_id, parameters, timeout=600):
        return run_qgis_process(qgis_process_env, algorithm_id, parameters, timeout)

    return _run

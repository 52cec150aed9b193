"""A script run in a fresh Python process that loads the plugin as qgis_process does (QGIS started, classFactory,
initGui), for what only a new process shows: which modules loading imports, what it sets before a library loads."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any, Dict, Mapping

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(REPO, "build", "plugins")

LOAD = """
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
sys.path.insert(0, {plugins!r})
from geochem_prospector import classFactory
plugin = classFactory(None)
plugin.initGui()
"""


def run_with_plugin(
    python: str, body: str, env: Mapping[str, str], prelude: str = "", timeout: float = 120
) -> Dict[str, Any]:
    """Run ``prelude`` (before QGIS starts), the plugin's loading (as ``plugin``), then ``body`` under ``python``;
    ``body`` prints one line ``REPORT`` + JSON, which is returned. Fails the test on any other end."""
    code = "import json, os, sys, time\n" + prelude + LOAD.format(plugins=PLUGINS) + body
    proc = subprocess.run([python, "-c", code], env=dict(env), capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("REPORT")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[-1][len("REPORT") :])

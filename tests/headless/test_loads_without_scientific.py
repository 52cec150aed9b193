"""A QGIS whose Python lacks scipy, rasterio and geopandas (reported for Windows and macOS builds): the plugin still
loads, and every step says what is missing instead of failing with a generic error after Run. The modules are
hidden the way Python itself blocks an import (None in sys.modules), in QGIS's own Python."""

import os

import pytest

from tests.headless.fresh_plugin import run_with_plugin

QGIS_PYTHON = "/usr/bin/python3"
HIDDEN = ("scipy", "rasterio", "geopandas")

PRELUDE = """
for name in HIDDEN:
    sys.modules[name] = None  # 'import name' now raises ImportError
"""

BODY = r"""
provider = QgsApplication.processingRegistry().providerById("prospector")
report = {"algorithms": {}}
for alg in provider.algorithms():
    if alg.provider() is not None and hasattr(alg, "needs_torch"):
        report["algorithms"][alg.name()] = list(alg.canExecute())
blocked = []
for name in HIDDEN:
    try:
        __import__(name)
    except ImportError:
        blocked.append(name)
report["blocked"] = blocked
plugin.unload()
print("REPORT" + json.dumps(report))
"""


@pytest.mark.skipif(not os.path.exists(QGIS_PYTHON), reason="QGIS's system Python /usr/bin/python3 is missing")
def test_plugin_loads_without_scipy_rasterio_geopandas_and_says_what_is_missing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    prelude, body = (text.replace("HIDDEN", repr(HIDDEN)) for text in (PRELUDE, BODY))
    report = run_with_plugin(QGIS_PYTHON, body, env, prelude)
    assert report["blocked"] == list(HIDDEN)  # the reference: Python refuses to import them
    steps = {"interpolate", "anomalies", "pseudolabel", "traincnn", "predict", "evaluate"}
    assert steps <= set(report["algorithms"])
    for name, (ok, message) in report["algorithms"].items():
        assert not ok, name
        assert "lacks scipy, rasterio, geopandas" in message and "Install dependencies" in message, (name, message)

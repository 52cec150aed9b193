"""Makes the repository importable as the ``geochem_prospector`` package, as QGIS imports it."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGINS = os.path.join(REPO, "build", "plugins")
SAMPLE_DATA = os.path.join(REPO, "resources", "sample_data")
TEST_DATA = os.path.join(REPO, "tests", "data")
SHARED_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))

_link = os.path.join(PLUGINS, "geochem_prospector")
if not os.path.exists(_link):
    os.makedirs(PLUGINS, exist_ok=True)
    os.symlink(REPO, _link)
if PLUGINS not in sys.path:
    sys.path.insert(0, PLUGINS)
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

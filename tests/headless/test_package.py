"""`make package` builds a zip that QGIS loads as a plugin, without the tests."""

import os
import subprocess
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_package_zip_loads_in_qgis_process(qgis_process_env, tmp_path):
    subprocess.run(["make", "-s", "package"], cwd=REPO, check=True, capture_output=True)
    archive = os.path.join(REPO, "dist", "geochem_prospector.zip")
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert "geochem_prospector/metadata.txt" in names
        assert not [n for n in names if n.startswith("geochem_prospector/tests/")]
        zipped.extractall(tmp_path / "plugins")
    env = dict(qgis_process_env, QGIS_PLUGINPATH=str(tmp_path / "plugins"))
    listed = subprocess.run(["qgis_process.bin", "list"], env=env, capture_output=True, text=True, timeout=300)
    assert "prospector:interpolate" in listed.stdout, listed.stderr[-2000:]

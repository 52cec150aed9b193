"""The "Default Dask scheduler" Processing setting (Settings > Options > Processing > Providers > GeoChem
Prospector): registered with the provider, refused when malformed, and used when SCHEDULER is left empty (the run
says so, and its stack equals the in-process one bit for bit; the distance band is shapely's)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import rasterio
from qgis.core import QgsProcessingException

from tests.helpers import free_port
from tests.qgis.feedback import RecordingFeedback

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")
FAULTS = os.path.join(SAMPLES, "faults.gpkg")
NAME = "PROSPECTOR_DEFAULT_SCHEDULER"


@pytest.fixture
def config(prospector_provider):
    """ProcessingConfig, with the setting cleared again after the test."""
    from processing.core.ProcessingConfig import ProcessingConfig

    yield ProcessingConfig
    ProcessingConfig.setSettingValue(NAME, "")


def evidence(tmp_path, name, **changes):
    return {
        "LINES": [FAULTS],
        "DENSITY_RADIUS": 3000,
        "POLYGONS": os.path.join(SAMPLES, "lithology.gpkg"),
        "CLASS_FIELD": "GENERALI_1",
        "CLASSES": "Granit",
        "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
        "PIXEL_SIZE": 500,
        "OUTPUT": str(tmp_path / name),
        **changes,
    }


def test_the_setting_is_on_the_providers_page(config):
    setting = config.settings[NAME]
    assert setting.group == "GeoChem Prospector"
    assert setting.description.startswith("Default Dask scheduler") and setting.default == ""
    assert config.getSetting(NAME) == ""
    with pytest.raises(ValueError, match="Default Dask scheduler: 'local:x' is not a scheduler"):
        setting.setValue("local:x")  # what the options dialog calls: it shows the message
    setting.setValue("tcp://10.0.0.5:8786")
    assert config.getSetting(NAME) == "tcp://10.0.0.5:8786"


def test_an_empty_scheduler_runs_on_the_default_cluster(config, run_algorithm, tmp_path):
    pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")
    here = RecordingFeedback()
    run_algorithm("prospector:evidence", evidence(tmp_path, "here.tif"), here)
    config.setSettingValue(NAME, "local:2")
    there = RecordingFeedback()
    run_algorithm("prospector:evidence", evidence(tmp_path, "there.tif", SCHEDULER=""), there)
    assert not any("Dask" in line for line in here.infos)
    assert any(
        "a local Dask cluster of 2 worker process(es) (SCHEDULER is empty: the Default Dask scheduler of the "
        "Processing settings)" in line
        for line in there.infos
    ), there.infos
    # a SCHEDULER given wins over the default
    config.setSettingValue(NAME, "tcp://127.0.0.1:1")
    given = RecordingFeedback()
    run_algorithm("prospector:evidence", evidence(tmp_path, "given.tif", SCHEDULER="local:1"), given)
    assert any("a local Dask cluster of 1 worker" in line for line in given.infos)
    stacks = []
    for name in ("here.tif", "there.tif", "given.tif"):
        with rasterio.open(tmp_path / name) as src:
            stacks.append((src.read(), src.descriptions, src.transform))
    assert stacks[0][0].tobytes() == stacks[1][0].tobytes() == stacks[2][0].tobytes()
    assert stacks[0][1:] == stacks[1][1:] == stacks[2][1:]
    # the distance band against shapely (an independent reference)
    import geopandas as gpd
    from shapely.geometry import Point
    from shapely.ops import unary_union

    faults = unary_union(list(gpd.read_file(FAULTS).geometry))
    distance, transform = stacks[1][0][0], stacks[1][2]
    rows, cols = np.nonzero(distance != -9999)
    assert len(rows) > 1000
    for r, c in list(zip(rows, cols))[:: len(rows) // 25]:
        x, y = transform * (c + 0.5, r + 0.5)
        assert abs(float(distance[r, c]) - faults.distance(Point(x, y))) <= 0.01


def test_a_bad_default_is_refused_naming_scheduler_and_the_setting(config, run_algorithm, tmp_path):
    pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")
    from qgis.core import QgsSettings

    # a value saved outside the dialog (e.g. edited in QGIS3.ini) is not validated on the way in
    QgsSettings().setValue(f"Processing/Configuration/{NAME}", "local")
    config.readSettings()
    with pytest.raises(QgsProcessingException) as err:
        run_algorithm("prospector:evidence", evidence(tmp_path, "bad.tif"))
    prefix = "SCHEDULER: empty, so the default Dask scheduler of the Processing settings is used: "
    assert str(err.value).startswith(prefix + "'local' is not a scheduler")
    port = free_port()
    config.setSettingValue(NAME, f"tcp://127.0.0.1:{port}")
    with pytest.raises(QgsProcessingException) as err:
        run_algorithm("prospector:evidence", evidence(tmp_path, "bad.tif"))
    message = str(err.value)
    assert message.startswith(prefix + f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert "clear the default in Settings › Options › Processing › Providers › GeoChem Prospector" in message
    assert not os.listdir(tmp_path)


def test_the_options_dialog_lists_it_under_providers(config, qgis_app):
    """Settings › Options › Processing: Providers › GeoChem Prospector holds the setting, showing its value."""
    from processing.gui.ConfigDialog import ConfigDialog

    config.setSettingValue(NAME, "local:3")
    dialog = ConfigDialog(showSearch=False)
    try:
        model = dialog.model
        root = model.invisibleRootItem()
        providers = next(root.child(i) for i in range(root.rowCount()) if root.child(i).text() == "Providers")
        ours = next(providers.child(i) for i in range(providers.rowCount())
                    if providers.child(i).text() == "GeoChem Prospector")  # fmt: skip
        rows = {ours.child(i, 0).text(): ours.child(i, 1) for i in range(ours.rowCount())}
        label = next(text for text in rows if text.startswith("Default Dask scheduler"))
        assert rows[label].data(0) == "local:3"
    finally:
        dialog.deleteLater()

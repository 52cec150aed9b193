"""The shipped workflow model checks its inputs without writing beside them (sweep 21b).

QGIS 3.22's own check of a list of line layers (the model's `faults`) passes a raster file, loading it with GDAL's
PAM on: when the layer closes, GDAL writes `<raster>.aux.xml` (the statistics QGIS computed for its renderer)
beside the user's file. The first test shows that call alone does it; the others that the model, as the provider
registers it, refuses the raster before loading it and loads layers through the plugin's guarded parameters."""

import gc
import os

import numpy as np
import pytest

from geochem_prospector.common import MODELS_DIR

MODEL_FILE = os.path.join(MODELS_DIR, "prospectivity_workflow.model3")


def _raster(folder) -> str:
    """A one-band float GeoTIFF with no statistics stored anywhere, alone in ``folder``."""
    import rasterio
    from rasterio.transform import from_origin

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(str(folder), "oneband.tif")
    profile = dict(driver="GTiff", width=20, height=20, count=1, dtype="float32", crs="EPSG:3067", nodata=-9999.0)
    with rasterio.open(path, "w", transform=from_origin(400_000, 7_510_000, 250, 250), **profile) as dst:
        dst.write(np.linspace(1, 50, 400, dtype=np.float32).reshape(1, 20, 20))
    return path


def _check_and_close(definition, path) -> bool:
    from qgis.core import QgsProcessingContext

    context = QgsProcessingContext()
    accepted = definition.checkValueIsAcceptable([path], context)
    context.temporaryLayerStore().removeAllMapLayers()  # as a run's end closes the layers it loaded
    del context
    gc.collect()
    return accepted


def test_qgis_own_check_of_line_layers_writes_aux_xml_beside_a_raster(tmp_path):
    """The cause, in QGIS before any plugin code: QgsProcessingParameterMultipleLayers(TypeVectorLine) accepts a
    raster and leaves `oneband.tif.aux.xml`; the same parameter guarded as the plugin's are accepts it and writes
    nothing (PAM off while it loads)."""
    from qgis.core import QgsProcessing, QgsProcessingParameterMultipleLayers

    from geochem_prospector.algorithms.inputs import guarded_parameter

    plain = QgsProcessingParameterMultipleLayers("faults", "Faults", QgsProcessing.TypeVectorLine, optional=True)
    path = _raster(tmp_path / "plain")
    assert _check_and_close(plain, path)
    assert sorted(os.listdir(tmp_path / "plain")) == ["oneband.tif", "oneband.tif.aux.xml"]

    guarded = guarded_parameter(plain.clone())
    path = _raster(tmp_path / "guarded")
    assert _check_and_close(guarded, path)
    assert sorted(os.listdir(tmp_path / "guarded")) == ["oneband.tif"]


@pytest.fixture
def model(prospector_provider):
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry().createAlgorithmById("prospector:prospectivity_workflow")


def test_model_refuses_a_raster_as_faults_before_loading_it(model, tmp_path):
    from qgis.core import QgsProcessingContext

    path = _raster(tmp_path / "in")
    ok, message = model.checkParameterValues({"faults": [path]}, QgsProcessingContext())
    assert not ok
    assert message.startswith("faults: 'oneband.tif' is a raster, not a vector layer; give a vector file"), message
    assert os.listdir(tmp_path / "in") == ["oneband.tif"]


def test_model_parameters_are_the_files_in_order_with_layer_checks_guarded(model, tmp_path):
    """Same names, types and flags in the file's order (the form's order); the list of line layers is checked
    through a guarded parameter, which loads the raster without writing beside it (qgis_process checks each
    parameter itself before the algorithm's check)."""
    from qgis.core import QgsProcessingModelAlgorithm

    from geochem_prospector.algorithms.inputs import _ReadsWithoutWriting

    plain = QgsProcessingModelAlgorithm()
    assert plain.fromFile(MODEL_FILE)
    listed = [(d.name(), d.type(), int(d.flags())) for d in model.parameterDefinitions()]
    assert listed == [(d.name(), d.type(), int(d.flags())) for d in plain.parameterDefinitions()]
    outputs = [(o.name(), o.type(), o.description()) for o in model.outputDefinitions()]
    assert len(outputs) == 9 and outputs == [(o.name(), o.type(), o.description()) for o in plain.outputDefinitions()]
    faults = model.parameterDefinition("faults")
    assert isinstance(faults, _ReadsWithoutWriting)
    path = _raster(tmp_path / "in")
    assert _check_and_close(faults, path)  # QGIS's check of the type still passes it; it is not written beside
    assert os.listdir(tmp_path / "in") == ["oneband.tif"]

"""In-process QGIS: pytest-qgis starts QgsApplication; we add QGIS's processing and our provider."""

import gc

import pytest


@pytest.fixture(scope="session", autouse=True)
def no_layer_outlives_qgis(qgis_app):
    """Fail the session, naming them, when map layers a test made are still alive as QGIS exits, and release them
    first: a file-backed layer released after exitQgis() segfaults the test process (stop 51's CI died so, after
    every test had passed, on a layer kept alive by a caught refusal's traceback)."""
    yield
    from qgis.core import QgsMapLayer
    from qgis.PyQt import sip

    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, QgsMapLayer) and not sip.isdeleted(o) and sip.ispyowned(o)]
    names = sorted(f"'{layer.name()}' ({layer.providerType()}: {layer.source()})" for layer in alive)
    for layer in alive:
        sip.delete(layer)
    assert not names, "map layers outlived their tests (release them, e.g. del layer): " + "; ".join(names)


@pytest.fixture(scope="session")
def prospector_provider(qgis_app, qgis_processing):
    """Register the plugin's provider once per session, as QGIS does when the plugin loads."""
    from qgis.core import QgsApplication

    from geochem_prospector.plugin import GeoChemProspectorPlugin

    plugin = GeoChemProspectorPlugin(None)
    plugin.initProcessing()
    yield QgsApplication.processingRegistry().providerById("prospector")
    plugin.unload()


@pytest.fixture
def run_algorithm(prospector_provider):
    """processing.run with a fresh context and feedback; returns the results dict."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    def _run(algorithm_id, parameters, feedback=None):
        context = QgsProcessingContext()
        try:
            return processing.run(
                algorithm_id, parameters, context=context, feedback=feedback or QgsProcessingFeedback()
            )
        finally:
            # as the desktop and qgis_process do when a run ends: the input layers it opened close now (GDAL
            # writes any sidecar then, so the error matrix's folder check sees it)
            context.temporaryLayerStore().removeAllMapLayers()

    return _run


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The folder of the synthetic scene of :mod:`tests.qgis.synthetic` (elements.tif, mag.tif, labels.tif), written
    once per test module (a module with its own ``data`` fixture overrides this one)."""
    from tests.qgis.synthetic import write_scene

    return write_scene(tmp_path_factory.mktemp("cnn"))

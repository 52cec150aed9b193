"""In-process QGIS: pytest-qgis starts QgsApplication; we add QGIS's processing and our provider."""

import pytest


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

"""In-process QGIS: pytest-qgis starts QgsApplication; we add QGIS's processing and our provider."""

import gc

import pytest

#: providers that close their files through GDAL, whose drivers exitQgis() unloads: an OGR layer released after it
#: crashed the process (GDAL rasters close the same way)
GDAL_PROVIDERS = ("ogr", "gdal")


@pytest.fixture(scope="session", autouse=True)
def no_layer_outlives_qgis(qgis_app, request):
    """Release the map layers the tests left alive before QGIS exits, and fail the session naming those that read
    through GDAL: such a layer released after exitQgis() segfaults the test process (stop 51's CI died so, after
    every test had passed, on an OGR layer kept alive by a caught refusal's traceback). Memory and delimited-text
    layers left alive are released without a word (they never crashed). After a failed test the layers its
    traceback holds are released without a word too: the failure is the news."""
    yield
    import sys

    from qgis.core import QgsMapLayer
    from qgis.PyQt import sip

    for name in ("last_type", "last_value", "last_traceback", "last_exc"):  # a failure's frame, kept by pytest
        if hasattr(sys, name):
            setattr(sys, name, None)
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, QgsMapLayer) and not sip.isdeleted(o) and sip.ispyowned(o)]
    names = sorted(
        f"'{layer.name()}' ({layer.providerType()}: {layer.source()})"
        for layer in alive
        if layer.providerType() in GDAL_PROVIDERS
    )
    for layer in alive:
        sip.delete(layer)
    assert request.session.testsfailed or not names, (
        "at the session's end, layers read through GDAL were still alive, which crashes the process as QGIS exits "
        "(release them in the test, e.g. del layer): " + "; ".join(names)
    )


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

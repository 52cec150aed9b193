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
        return processing.run(algorithm_id, parameters, context=context, feedback=feedback or QgsProcessingFeedback())

    return _run

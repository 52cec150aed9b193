"""QGIS with Processing and this plugin's provider, in a script's own process (for the developer scripts)."""

import sys


def start():
    """(the QgsApplication, the plugin): QGIS initialised without a GUI, Processing and ``prospector`` registered.
    Keep both referenced while the script runs."""
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from geochem_prospector.plugin import GeoChemProspectorPlugin

    plugin = GeoChemProspectorPlugin(None)
    plugin.initProcessing()
    return app, plugin

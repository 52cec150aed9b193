"""GeoChem Prospector QGIS plugin entry point."""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    """Called by QGIS to create the plugin; ``iface`` is None under qgis_process."""
    from .plugin import GeoChemProspectorPlugin

    return GeoChemProspectorPlugin(iface)

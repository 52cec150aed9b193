"""GeoChem Prospector QGIS plugin entry point."""

from .core.learning.openmp import prefer_passive_waiting

# Before any OpenMP runtime loads (pykdtree's at plugin load, PyTorch's later): libgomp reads it once, at load.
prefer_passive_waiting()


def classFactory(iface):  # noqa: N802 (QGIS API name)
    """Called by QGIS to create the plugin; ``iface`` is None under qgis_process."""
    from .plugin import GeoChemProspectorPlugin

    return GeoChemProspectorPlugin(iface)

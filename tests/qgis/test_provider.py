"""The plugin registers the provider and its algorithms the way QGIS loads it."""


def test_provider_registered_with_algorithms(prospector_provider):
    assert prospector_provider is not None
    assert prospector_provider.id() == "prospector"
    ids = {alg.id() for alg in prospector_provider.algorithms()}
    assert "prospector:interpolate" in ids
    for alg in prospector_provider.algorithms():
        assert alg.groupId() in ("geochemistry", "deep learning")
        assert alg.shortHelpString(), f"{alg.id()} has no help"


def test_plugin_without_iface_loads_and_unloads(qgis_app, qgis_processing):
    from qgis.core import QgsApplication

    from geochem_prospector import classFactory

    registry = QgsApplication.processingRegistry()
    plugin = classFactory(None)
    plugin.initGui()  # tolerated without iface (qgis_process)
    assert registry.providerById("prospector") is not None
    owned = plugin.provider is not None  # False if another instance (the session fixture) registered first
    plugin.unload()
    assert plugin.provider is None
    if owned:
        assert registry.providerById("prospector") is None

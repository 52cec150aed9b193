"""The plugin registers the provider and its algorithms the way QGIS loads it."""


def test_provider_registered_with_algorithms(prospector_provider):
    assert prospector_provider is not None
    assert prospector_provider.id() == "prospector"
    from qgis.core import QgsProcessingModelAlgorithm

    ids = {alg.id() for alg in prospector_provider.algorithms()}
    steps = ("interpolate", "anomalies", "pseudolabel", "traincnn", "predict", "evaluate")
    assert {f"prospector:{step}" for step in steps} | {"prospector:prospectivity_workflow"} <= ids
    for alg in prospector_provider.algorithms():
        if isinstance(alg, QgsProcessingModelAlgorithm):  # shipped .model3 workflows
            assert alg.group() == "Workflows" and alg.childAlgorithms()
            continue
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

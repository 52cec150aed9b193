"""The plugin registers the provider and its algorithms the way QGIS loads it."""


def test_provider_registered_with_algorithms(prospector_provider):
    assert prospector_provider is not None
    assert prospector_provider.id() == "prospector"
    from qgis.core import QgsProcessingModelAlgorithm

    ids = {alg.id() for alg in prospector_provider.algorithms()}
    steps = ("interpolate", "anomalies", "evidence", "pseudolabel", "traincnn", "predict", "evaluate")
    assert {f"prospector:{step}" for step in steps} | {"prospector:prospectivity_workflow"} <= ids
    for alg in prospector_provider.algorithms():
        if isinstance(alg, QgsProcessingModelAlgorithm):  # shipped .model3 workflows
            assert alg.group() == "Workflows" and alg.childAlgorithms()
            continue
        assert alg.groupId() in ("geochemistry", "evidence", "deep learning", "machine learning")
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


def test_every_enum_option_has_a_stable_name(prospector_provider):
    """Provenance and model files store enum choices by name: each option list needs its names, in order."""
    from qgis.core import QgsProcessingModelAlgorithm, QgsProcessingParameterEnum

    checked = 0
    for alg in prospector_provider.algorithms():
        if isinstance(alg, QgsProcessingModelAlgorithm):
            continue
        for definition in alg.parameterDefinitions():
            if not isinstance(definition, QgsProcessingParameterEnum) or definition.usesStaticStrings():
                continue
            names = alg.ENUM_NAMES.get(definition.name())
            assert names is not None, f"{alg.id()} {definition.name()} has no stable option names"
            assert len(names) == len(definition.options()) and len(set(names)) == len(names)
            checked += 1
    assert checked >= 6


def test_provenance_records_enum_choices_by_name(prospector_provider):
    from qgis.core import QgsProcessingContext

    alg = prospector_provider.algorithm("traincnn")
    record = alg.provenance({"VALIDATION": 1, "SEED": 3}, QgsProcessingContext())
    assert record["parameters"]["VALIDATION"] == "clusters" and record["parameters"]["SEED"] == 3
    interpolate = prospector_provider.algorithm("interpolate")
    record = interpolate.provenance({"METHOD": 1, "VARIOGRAM_MODEL": 0}, QgsProcessingContext())
    assert record["parameters"]["METHOD"] == "kriging" and record["parameters"]["VARIOGRAM_MODEL"] == "auto"


def test_predict_names_both_trainers_as_the_source_of_its_model(prospector_provider):
    """predict runs traincnn's and trainmodel's files alike: its label and help must not send users to one only."""
    from geochem_prospector.algorithms.help import PARAMETER_HELP

    alg = prospector_provider.algorithm("predict")
    label = alg.parameterDefinition("MODEL").description()
    assert "traincnn" in label and "trainmodel" in label
    assert "trainmodel" in PARAMETER_HELP["predict"]["MODEL"]


def test_the_output_file_filters_offer_only_the_formats_written(prospector_provider):
    """The dialog's 'Save to File…' filter of every raster and vector output lists the formats the algorithm
    writes (GeoTIFF; GeoPackage, GeoJSON), not every GDAL/OGR format, which the run would refuse (.vrt, .asc,
    .img, .nc, .shp): before, each raster output offered 37 extensions."""
    from geochem_prospector.core.io.destinations import RASTER_EXTENSIONS
    from geochem_prospector.core.io.vectors import DRIVERS

    checked = 0
    for algorithm in prospector_provider.algorithms():
        for definition in algorithm.destinationParameterDefinitions():
            if definition.type() == "rasterDestination":
                offered, written = definition.supportedOutputRasterLayerExtensions(), RASTER_EXTENSIONS
            elif definition.type() == "vectorDestination":
                offered, written = definition.supportedOutputVectorLayerExtensions(), tuple(DRIVERS)
            else:
                continue
            checked += 1
            assert offered and [f".{e}" for e in offered] == list(written), (algorithm.id(), definition.name(), offered)
            assert definition.defaultFileExtension() == offered[0], (algorithm.id(), definition.name())
            for extension in offered:  # the filter the dialog shows names each, and nothing else
                assert f"*.{extension}" in definition.createFileFilter()
            assert "*.vrt" not in definition.createFileFilter() and "*.shp" not in definition.createFileFilter()
    assert checked >= 14  # interpolate 2, anomalies 5, evidence 1, pseudolabel 2, predict 4


def test_an_extent_named_by_a_layer_with_brackets_is_no_crs(prospector_provider):
    """An extent given as a layer whose name ends in brackets ('faults [GTK]') was refused as an unreadable CRS
    'GTK' (found by review); an extent typed as numbers with a compound code still is."""
    algorithm = prospector_provider.algorithm("interpolate")
    assert algorithm.unreadable_extent_crs({"EXTENT": "faults [GTK]"}) == ""
    refusal = algorithm.unreadable_extent_crs({"EXTENT": "24.6,24.9,67.6,67.7 [EPSG:4326+5773]"})
    assert refusal.startswith("EXTENT: ") and "EPSG:4326+5773" in refusal
    assert algorithm.unreadable_extent_crs({"EXTENT": "400000,410000,7500000,7510000 [EPSG:3067]"}) == ""

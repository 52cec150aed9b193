"""The toolbox finds the algorithms by what a geologist would type; dialogs explain parameters by their labels.

The reference is QGIS itself: its toolbox filter (QgsProcessingToolboxProxyModel, what the search box uses) and the
tooltip it builds from a parameter (QgsProcessingParameterDefinition.toolTip); its parameter definitions for the
help page; the Help button of its own algorithm dialog.
"""

import html
import os
import re
from html.parser import HTMLParser

import pytest

from geochem_prospector.algorithms.help import with_labels

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STEPS = ("interpolate", "anomalies", "pseudolabel", "traincnn", "predict", "evaluate")


def _algorithms(provider):
    from qgis.core import QgsProcessingModelAlgorithm

    return [a for a in provider.algorithms() if not isinstance(a, QgsProcessingModelAlgorithm)]


def _toolbox_search(text):
    """Algorithm ids the Processing toolbox lists for ``text`` typed in its search box."""
    from qgis.core import QgsApplication
    from qgis.gui import QgsProcessingToolboxProxyModel

    model = QgsProcessingToolboxProxyModel(None, QgsApplication.processingRegistry())
    model.setFilterString(text)
    found = []

    def walk(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            algorithm = model.toolboxModel().algorithmForIndex(model.mapToSource(index))
            if algorithm is not None:
                found.append(algorithm.id())
            walk(index)

    from qgis.PyQt.QtCore import QModelIndex

    walk(QModelIndex())
    return found


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("kriging", {"prospector:interpolate"}),
        ("IDW", {"prospector:interpolate"}),
        ("variogram", {"prospector:interpolate"}),
        ("anomaly", {"prospector:anomalies"}),
        ("C-A fractal", {"prospector:anomalies"}),
        ("semi-supervised", {"prospector:pseudolabel", "prospector:traincnn"}),
        ("CNN", {"prospector:traincnn", "prospector:predict"}),
        ("ROC", {"prospector:evaluate"}),
        ("success-rate", {"prospector:evaluate"}),
    ],
)
def test_toolbox_search_finds_algorithms_by_tag(prospector_provider, typed, expected):
    found = {i for i in _toolbox_search(typed) if i.startswith("prospector:")}
    assert expected <= found, f"searching {typed!r} lists {sorted(found)}"


def test_toolbox_search_without_tags_would_not_find_kriging(prospector_provider):
    """The words are not in the display names: without tags() the search above finds nothing (the test can fail)."""
    names = " ".join(a.displayName().lower() for a in _algorithms(prospector_provider))
    assert "kriging" not in names and "idw" not in names and "roc" not in names.split()


def test_every_parameter_has_a_tooltip_with_help(prospector_provider):
    missing = []
    for algorithm in _algorithms(prospector_provider):  # every algorithm, the ones added later too
        for definition in algorithm.parameterDefinitions():
            text = definition.help()
            if not text or text not in definition.toolTip():
                missing.append(f"{algorithm.id()} {definition.name()}")
    assert missing == []


def test_every_algorithm_has_tags_and_a_help_link(prospector_provider):
    for algorithm in _algorithms(prospector_provider):
        assert len(algorithm.tags()) >= 3, algorithm.id()
        url = algorithm.helpUrl()
        assert url.startswith("file://") and os.path.isfile(_local_path(url)), (algorithm.id(), url)


def test_help_names_parameters_by_their_labels_not_ids(prospector_provider):
    for algorithm in _algorithms(prospector_provider):
        text = algorithm.shortHelpString()
        ids = [d.name() for d in algorithm.parameterDefinitions()]
        left = [i for i in ids if re.search(rf"(?<![\w'‘]){re.escape(i)}(?![\w'’])", text)]
        assert left == [], f"{algorithm.id()} help still says {left}"
    interpolate = prospector_provider.algorithm("interpolate").shortHelpString()
    assert "‘Nearest samples per cell’ nearest samples" in interpolate
    assert "‘Search radius’" in interpolate and "NEIGHBORS" not in interpolate


def test_with_labels_replaces_whole_ids_only():
    labels = {"OUTPUT": "Element rasters", "NEIGHBORS": "Nearest samples per cell (0 = all)"}
    text = "OUTPUT and OUTPUT_CV use NEIGHBORS; NEIGHBOURS and output stay."
    assert with_labels(text, labels) == (
        "‘Element rasters’ and OUTPUT_CV use ‘Nearest samples per cell’; NEIGHBOURS and output stay."
    )


def _local_path(url):
    from qgis.PyQt.QtCore import QUrl

    return QUrl(url).toLocalFile()


class _PageText(HTMLParser):
    """A help page's visible text, and the text of its <code> elements."""

    def __init__(self):
        super().__init__()
        self.text, self.codes, self._in_code = [], [], False

    def handle_starttag(self, tag, attrs):
        self._in_code = self._in_code or tag == "code"

    def handle_endtag(self, tag):
        self._in_code = self._in_code and tag != "code"

    def handle_data(self, data):
        self.text.append(data)
        if self._in_code:
            self.codes.append(data.strip())


def _words(text):
    """``text`` with white space folded and list items' '- ' dropped (the page shows them as a list)."""
    return " ".join(text.replace("- ", " ").split())


def _page(algorithm):
    parser = _PageText()
    with open(_local_path(algorithm.helpUrl()), encoding="utf-8") as handle:
        parser.feed(handle.read())
    return " ".join(" ".join(parser.text).split()), set(parser.codes)


def test_help_page_lists_every_parameter_as_qgis_defines_it(prospector_provider):
    """The page the Help button opens gives, for each parameter QGIS shows, the form's label, the id qgis_process
    takes, its help, and an option list's numbers (qgis_process takes numbers, not the words)."""
    from qgis.core import QgsProcessingParameterDefinition

    for algorithm in _algorithms(prospector_provider):
        text, codes = _page(algorithm)
        assert f"prospector:{algorithm.name()}" in codes
        for definition in algorithm.parameterDefinitions():
            if definition.flags() & QgsProcessingParameterDefinition.FlagHidden:
                continue
            where = f"{algorithm.id()} {definition.name()}"
            assert definition.name() in codes, where
            assert " ".join(definition.description().split()) in text, where
            written = " ".join(html.unescape(definition.help()).split())
            assert written in text, where
            if definition.type() == "enum":
                for number, option in enumerate(definition.options()):
                    assert f"{number} = {' '.join(option.split())}" in text, where
        for output in algorithm.outputDefinitions():
            assert output.name() in codes, f"{algorithm.id()} output {output.name()}"
    text, _ = _page(prospector_provider.algorithm("evaluate"))
    assert "2 = Low values are prospective" in text
    assert (
        "qgis_process run prospector:evaluate -- INPUT_RASTER=<raster file> DEPOSITS=<vector file> OUTPUT_REPORT=<output file>"
        in text
    )


def test_help_page_carries_the_whole_help_text(prospector_provider):
    """Evidence's help says '(<layer>:<what>)': the page shows it as written, not as tags."""
    for algorithm in _algorithms(prospector_provider):
        text, _ = _page(algorithm)
        assert _words(html.unescape(algorithm.shortHelpString())) in _words(text), algorithm.id()
    text, _ = _page(prospector_provider.algorithm("evidence"))
    assert "(<layer>:<what>)" in text


def test_help_page_is_rewritten_when_stale(prospector_provider):
    algorithm = prospector_provider.algorithm("interpolate")
    path = _local_path(algorithm.helpUrl())
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("an older plugin's page")
    assert _local_path(algorithm.helpUrl()) == path
    with open(path, encoding="utf-8") as handle:
        assert "NEIGHBORS" in handle.read()


def test_the_dialogs_help_button_opens_the_page(qgis_iface, prospector_provider, monkeypatch):
    """Clicked in the real algorithm dialog, Help asks the desktop to open the page (QDesktopServices, whose file
    handler the test takes over), not a page of QGIS's manual."""
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    from qgis.gui import QgsBrowserGuiModel
    from qgis.PyQt.QtCore import QObject, QUrl, pyqtSlot
    from qgis.PyQt.QtGui import QDesktopServices
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    class Opened(QObject):
        def __init__(self):
            super().__init__()
            self.urls = []

        @pyqtSlot(QUrl)
        def open(self, url):
            self.urls.append(url.toString())

    browser = QgsBrowserGuiModel()
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        for step in ("evaluate", "traincnn"):
            algorithm = prospector_provider.algorithm(step)
            dialog = AlgorithmDialog(algorithm.create(), False, None)
            try:
                dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Help).click()
            finally:
                dialog.deleteLater()
            assert opened.urls and opened.urls[-1] == algorithm.helpUrl(), (step, opened.urls)
            assert os.path.isfile(_local_path(opened.urls[-1]))
    finally:
        QDesktopServices.unsetUrlHandler("file")


def test_fields_separated_by_semicolons_work_as_the_message_says(run_algorithm, tmp_path):
    """The refusal of FIELDS='Cu,Fe' suggests 'Cu;Fe': QGIS splits it into two fields (bands read by rasterio)."""
    import rasterio

    till = os.path.join(REPO, "resources", "sample_data", "till_geochemistry.gpkg")
    result = run_algorithm(
        "prospector:interpolate",
        {"INPUT": till, "FIELDS": "Cu;Fe", "PIXEL_SIZE": 5000, "OUTPUT": str(tmp_path / "e.tif")},
    )
    with rasterio.open(result["OUTPUT"]) as src:
        assert src.descriptions == ("Cu", "Fe")


def test_geographic_samples_are_refused_before_the_run(prospector_provider, tmp_path):
    """The dialog calls checkParameterValues before running: the refusal comes there, not after Run."""
    import geopandas as gpd
    from qgis.core import QgsProcessingContext
    from shapely.geometry import Point

    path = str(tmp_path / "wgs84.gpkg")
    gpd.GeoDataFrame(
        {"Cu": [1.0, 2.0, 3.0]}, geometry=[Point(24, 67), Point(24.1, 67), Point(24, 67.1)], crs=4326
    ).to_file(path)
    algorithm = prospector_provider.algorithm("interpolate")
    ok, message = algorithm.checkParameterValues(
        {"INPUT": path, "FIELDS": ["Cu"], "OUTPUT": "TEMPORARY_OUTPUT"}, QgsProcessingContext()
    )
    assert not ok
    assert message.startswith("INPUT: the layer is in a geographic CRS (EPSG:4326, degrees), but distances and pixel")
    # 24° E, 67° N lies in UTM zone 35 (18-24° E is 34, 24-30° E is 35): the message names it
    assert "UTM zone): here EPSG:32635 (WGS 84 / UTM zone 35N, the zone of the layer's centre)" in message
    projected = str(tmp_path / "tm35.gpkg")
    gpd.read_file(path).to_crs(3067).to_file(projected)
    ok, message = algorithm.checkParameterValues(
        {"INPUT": projected, "FIELDS": ["Cu"], "OUTPUT": "TEMPORARY_OUTPUT"}, QgsProcessingContext()
    )
    assert ok, message


def test_every_distance_parameter_shows_a_unit(prospector_provider):
    """The dialog showed the unit '<unknown>' until a layer was chosen, and always for traincnn's block size (its
    parent is a list of rasters). Checked on QGIS's own widget: its unit label."""
    from qgis.core import QgsUnitTypes

    unknown = []
    for algorithm in _algorithms(prospector_provider):
        for definition in algorithm.parameterDefinitions():
            if definition.type() == "distance" and definition.defaultUnit() == QgsUnitTypes.DistanceUnknownUnit:
                unknown.append(f"{algorithm.id()} {definition.name()}")
    assert unknown == []
    from qgis.core import QgsProcessingContext
    from qgis.gui import QgsGui, QgsProcessingGui
    from qgis.PyQt.QtWidgets import QLabel

    for alg, name in (("traincnn", "BLOCK_SIZE"), ("evaluate", "CLUSTER_DISTANCE")):
        definition = prospector_provider.algorithm(alg).parameterDefinition(name)
        wrapper = QgsGui.processingGuiRegistry().createParameterWidgetWrapper(definition, QgsProcessingGui.Standard)
        widget = wrapper.createWrappedWidget(QgsProcessingContext())
        assert "meters" in [label.text() for label in widget.findChildren(QLabel)], (alg, name)


def test_each_step_has_its_own_icon(prospector_provider):
    """Distinct files that Qt renders (QIcon from an SVG QGIS can draw), one per step."""
    paths = {prospector_provider.algorithm(step).svgIconPath() for step in STEPS}
    assert len(paths) == len(STEPS) and all(os.path.isfile(p) for p in paths)
    for step in STEPS:
        icon = prospector_provider.algorithm(step).icon()
        assert not icon.isNull() and not icon.pixmap(32, 32).toImage().isNull()


def test_toolbox_lists_each_group_in_workflow_order(prospector_provider):
    """The steps as QGIS's toolbox model sorts them (display names, locale-aware), against the workflow of the
    README's table, typed here by hand; before the step numbers the Geochemistry group read anomalies, evaluate,
    interpolate, pseudolabel."""
    from qgis.core import QgsApplication
    from qgis.gui import QgsProcessingToolboxProxyModel
    from qgis.PyQt.QtCore import QModelIndex

    workflow = [
        "interpolate", "anomalies", "evidence", "pseudolabel", "traincnn", "trainmodel", "comparemodels", "predict",
        "evaluate",
    ]  # fmt: skip
    model = QgsProcessingToolboxProxyModel(None, QgsApplication.processingRegistry())
    groups = {}

    def walk(parent, group):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            algorithm = model.toolboxModel().algorithmForIndex(model.mapToSource(index))
            if algorithm is None:
                walk(index, model.data(index))
            elif algorithm.provider().id() == "prospector" and algorithm.name() in workflow:
                groups.setdefault(group, []).append(algorithm.name())

    walk(QModelIndex(), None)
    assert set(groups) == {"Geochemistry", "Evidence", "Machine learning", "Deep learning"}
    for group, listed in groups.items():
        assert listed == sorted(listed, key=workflow.index), group
    assert groups["Geochemistry"] == ["interpolate", "anomalies", "pseudolabel", "evaluate"]

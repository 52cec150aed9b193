"""The toolbox finds the algorithms by what a geologist would type; dialogs explain parameters by their labels.

The reference is QGIS itself: its toolbox filter (QgsProcessingToolboxProxyModel, what the search box uses) and the
tooltip it builds from a parameter (QgsProcessingParameterDefinition.toolTip). Anchors are GitHub's, by hand.
"""

import os
import re

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
    for algorithm in _algorithms(prospector_provider):
        if algorithm.name() not in STEPS:
            continue
        for definition in algorithm.parameterDefinitions():
            text = definition.help()
            if not text or text not in definition.toolTip():
                missing.append(f"{algorithm.id()} {definition.name()}")
    assert missing == []


def test_help_names_parameters_by_their_labels_not_ids(prospector_provider):
    for algorithm in _algorithms(prospector_provider):
        text = algorithm.shortHelpString()
        ids = [d.name() for d in algorithm.parameterDefinitions()]
        left = [i for i in ids if re.search(rf"(?<![\w']){re.escape(i)}(?![\w'])", text)]
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


def test_help_button_opens_the_readme_section(prospector_provider):
    """GitHub's anchors of the README headings, worked out by hand (lower case, punctuation dropped, spaces '-')."""
    expected = {
        "interpolate": "#prospectorinterpolate",
        "anomalies": "#prospectoranomalies--identify-and-screen-anomalies",
        "evaluate": "#prospectorevaluate--against-held-out-deposits",
    }
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    for step, anchor in expected.items():
        url = prospector_provider.algorithm(step).helpUrl()
        assert url.endswith(anchor), url
    for step in STEPS:  # predict is documented with traincnn
        url = prospector_provider.algorithm(step).helpUrl()
        documented = "traincnn" if step == "predict" else step
        assert url.startswith(("https://", "http://")) and f"#prospector{documented}" in url, url
        assert f"### `prospector:{documented}`" in readme

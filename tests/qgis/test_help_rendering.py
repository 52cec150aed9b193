"""The help a user reads in an algorithm's dialog is the help we wrote, character for character.

QGIS renders an algorithm's help text and each parameter's tooltip as HTML, so a text such as evidence's
'(<layer>:<what>)' showed as '(:)': the angle brackets were taken for tags. The reference is QGIS and Qt
themselves: the help panel of the real algorithm dialog (processing's AlgorithmDialog, the QTextBrowser
'textShortHelp' that QgsProcessingAlgorithmDialogBase fills) and QTextDocument, which the tooltips render with;
the expected text is the one written in the algorithm files and algorithms/help.py, un-escaped by Python's html
module.
"""

import html
import re

import pytest

from geochem_prospector.algorithms.help import PARAMETER_HELP


@pytest.fixture
def dialogs(qgis_iface, prospector_provider, monkeypatch):
    """The provider, with the browser model the algorithm dialogs ask the (pytest-qgis) iface for."""
    from qgis.gui import QgsBrowserGuiModel

    browser = QgsBrowserGuiModel()
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    return prospector_provider


def _algorithms(provider):
    from qgis.core import QgsProcessingModelAlgorithm

    return [a for a in provider.algorithms() if not isinstance(a, QgsProcessingModelAlgorithm)]


def _words(text):
    """``text`` with white space folded (the rendering joins paragraphs and lines differently)."""
    return " ".join(text.split())


def _rendered(markup):
    """What Qt shows for ``markup`` (rich text), as plain text."""
    from qgis.PyQt.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(markup)
    return document.toPlainText()


def _help_panel(algorithm):
    """The text of the help panel of the algorithm's dialog, as QGIS shows it."""
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    from qgis.PyQt.QtWidgets import QTextBrowser

    dialog = AlgorithmDialog(algorithm.create(), False, None)
    try:
        panel = dialog.findChild(QTextBrowser, "textShortHelp")
        assert panel is not None, "the dialog has no help panel named textShortHelp"
        return panel.toPlainText()
    finally:
        dialog.deleteLater()


def test_the_help_panel_shows_placeholders_in_angle_brackets(dialogs):
    """Written in evidence.py: 'bands named for what they hold (<layer>:<what>) with its unit'."""
    shown = _words(_help_panel(dialogs.algorithm("evidence")))
    assert "(<layer>:<what>) with its unit" in shown
    assert "one band <layer>:<class> per class" in shown
    assert "(:)" not in shown


def test_every_help_panel_shows_the_whole_help_text(dialogs):
    for algorithm in _algorithms(dialogs):  # every algorithm, the ones added later too
        written = _words(html.unescape(algorithm.shortHelpString()))
        shown = _words(_help_panel(algorithm))
        assert written in shown, f"{algorithm.id()}: the dialog's help panel drops part of the help text"


def test_every_tooltip_shows_the_whole_parameter_help(prospector_provider):
    """Tooltips include help(); interpolate's CENSORED_FACTOR help says ''<5', or -5 for 'below 5''."""
    lost = []
    for algorithm in _algorithms(prospector_provider):
        for definition in algorithm.parameterDefinitions():
            written = PARAMETER_HELP.get(algorithm.name(), {}).get(definition.name())
            if written and _words(written) not in _words(_rendered(definition.toolTip())):
                lost.append(f"{algorithm.id()} {definition.name()}")
    assert lost == []
    tooltip = prospector_provider.algorithm("interpolate").parameterDefinition("CENSORED_FACTOR").toolTip()
    assert re.search(r"\('<5', or -5 for 'below 5'\)", _rendered(tooltip))

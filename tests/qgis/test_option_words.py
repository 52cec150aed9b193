"""Option lists (enum parameters) take words besides numbers, as a qgis_process user types them ('METHOD=kriging').

The reference is QGIS's own reading of the option's number: a run given the word must equal the run given the number.
"""

import os

import pytest

from geochem_prospector.algorithms.parameters import option_number, with_option_numbers

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


def _options(provider, algorithm, name):
    return provider.algorithm(algorithm).parameterDefinition(name).options()


@pytest.mark.parametrize(
    "algorithm, name, typed, number",
    [
        ("interpolate", "METHOD", "kriging", 1),
        ("interpolate", "METHOD", "Ordinary Kriging", 1),
        ("interpolate", "METHOD", "idw", 0),
        ("interpolate", "METHOD", "auto", 2),
        ("interpolate", "METHOD", " 1 ", 1),
        ("interpolate", "METHOD", "universal", None),
        ("interpolate", "TRANSFORM", "normal", 2),  # the start of one option before a word of another
        ("evaluate", "DIRECTION", "low", 2),
        ("evaluate", "DIRECTION", "HIGH", 1),
        ("evaluate", "DIRECTION", "automatic", 0),
        ("anomalies", "METHOD", "fractal", 1),
        ("anomalies", "METHOD", "MAD", 3),
        ("anomalies", "METHOD", "tukey", 4),
        ("anomalies", "INDEX_METHOD", "clr", 1),
        ("comparemodels", "CNN_MODES", "CNN", 0),
        ("comparemodels", "CNN_MODES", "positive-unlabelled", 1),
        ("comparemodels", "CNN_MODES", "distilled", 6),
        ("comparemodels", "CNN_MODES", "per cell", None),  # in two options: ambiguous, refused
        ("trainmodel", "METHOD", "gradient boosting", 1),
        ("traincnn", "TRAINING", "positive-unlabelled", 1),
        ("traincnn", "TRAINING", "", None),
    ],
)
def test_words_name_one_option(prospector_provider, algorithm, name, typed, number):
    assert option_number(_options(prospector_provider, algorithm, name), typed) == number


def test_several_options_by_words_numbers_or_both(prospector_provider):
    definitions = prospector_provider.algorithm("comparemodels").parameterDefinitions()
    given = {"LEARNERS": "random forest,logistic regression", "CNN_MODES": ["CNN", 3], "SEED": 0}
    assert with_option_numbers(definitions, given) == {"LEARNERS": [0, 2], "CNN_MODES": [0, 3], "SEED": 0}
    unchanged = {"LEARNERS": "random forest,trees", "CNN_MODES": "0,1"}
    assert with_option_numbers(definitions, unchanged) == unchanged  # left for QGIS's check and its message


def _evaluate(direction, folder):
    """evaluate's parameters on the bundled magnetics and deposits, outputs in ``folder``."""
    return {
        "INPUT_RASTER": os.path.join(SAMPLES, "magnetics_tmi_nT.tif"),
        "DEPOSITS": os.path.join(SAMPLES, "deposits.gpkg"),
        "ITERATIONS": 50,
        "DIRECTION": direction,
        "OUTPUT_REPORT": str(folder / "r.html"),
        "OUTPUT_TABLE": str(folder / "t.csv"),
    }


def test_a_word_runs_as_its_number(run_algorithm, tmp_path):
    runs = {}
    for value in ("low", 2, "high"):
        folder = tmp_path / str(value)
        folder.mkdir()
        runs[value] = run_algorithm("prospector:evaluate", _evaluate(value, folder))
    assert runs["low"]["AUC"] == runs[2]["AUC"]
    assert runs["low"]["LOW_VALUES_FIRST"] and not runs["high"]["LOW_VALUES_FIRST"]
    assert runs["low"]["AUC"] == pytest.approx(1 - runs["high"]["AUC"], abs=1e-9)


def test_a_word_of_no_option_is_refused_with_the_options(run_algorithm, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match=r"DIRECTION: choose one of 0 \(Automatic.*2 \(Low values"):
        run_algorithm("prospector:evaluate", _evaluate("sideways", tmp_path))


def test_an_option_holding_a_comma_is_one_option(prospector_provider):
    """CNN_MODES lists 'CNN, positive-unlabelled': typed as listed on the command line it is that option alone, not
    'CNN' and 'positive-unlabelled' (which ran the plain CNN as well); the refusal's own example is accepted."""
    definitions = prospector_provider.algorithm("comparemodels").parameterDefinitions()
    for typed, numbers in (
        ("CNN, positive-unlabelled", [1]),
        ("cnn,positive-unlabelled", [1]),
        ("CNN,CNN, masked-band pre-training", [0, 2]),
        ("CNN per cell, distilled from gradient boosting,random forest", [6]),  # random forest: no CNN mode
        ("CNN per cell, distilled from gradient boosting", [6]),
    ):
        given = {"CNN_MODES": typed}
        expected = given if typed.endswith("random forest") else {"CNN_MODES": numbers}
        assert with_option_numbers(definitions, given) == expected, typed


def test_a_list_for_a_single_option_is_left_to_qgis(prospector_provider):
    """QGIS refuses a list for an option list of one choice; reading its first word would drop the others."""
    definitions = prospector_provider.algorithm("trainmodel").parameterDefinitions()
    given = {"METHOD": ["gradient boosting", "random forest"]}
    assert with_option_numbers(definitions, given) == given
    assert option_number(["a", "b"], "²") is None  # a digit, but no number: no crash


def test_a_setting_at_its_default_is_no_change(prospector_provider):
    """`changed_setting`, which every 'is read only by … ignores it' warning asks: every parameter of every
    algorithm given at its default, as the dialog and the modeler pass it (or as text, as qgis_process does),
    counts as unchanged; another option or number counts as changed and is shown as the message shows it."""
    from qgis.core import QgsProcessingContext

    context = QgsProcessingContext()
    checked = 0
    for algorithm in prospector_provider.algorithms():
        if not hasattr(algorithm, "changed_setting"):  # the bundled workflow model
            continue
        for definition in algorithm.parameterDefinitions():
            name, default = definition.name(), definition.defaultValue()
            if definition.isDestination() or default is None or definition.type() not in (
                "enum", "number", "distance", "string"
            ):  # fmt: skip
                continue
            if definition.type() == "enum" and definition.allowMultiple():
                continue
            for given in (default, str(default)):
                assert algorithm.changed_setting({name: given}, name, context) is None, (algorithm.id(), name, given)
            assert algorithm.changed_setting({}, name, context) is None
            if definition.type() == "enum" and len(definition.options()) > 1:
                at = definition.options().index(default) if default in definition.options() else int(default)
                other = 1 - at if at in (0, 1) else 0
                assert algorithm.changed_setting({name: other}, name, context) == definition.options()[other]
            elif definition.type() in ("number", "distance"):
                bigger = float(default) + 1
                assert algorithm.changed_setting({name: bigger}, name, context) == f"{bigger:g}"
            checked += 1
    assert checked > 50

"""The shipped workflow model is what scripts/make_workflow_model.py builds today.

The model file pins every child parameter; a step that gains a parameter, a changed default or a reworded output
help leaves an old file behind silently (it had drifted before this test: predict's tile size, nine new child
parameters, two help texts). Here the script's model is built in memory and compared with the file QGIS reads."""

import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "make_workflow_model.py")
SHIPPED = os.path.join(REPO, "resources", "models", "prospectivity_workflow.model3")


def _flatten(value, path="", out=None):
    """{path: leaf} of a model's variant map, so a difference is reported by where it is."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}/{key}", out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    else:
        out[path] = value
    return out


def _read(path):
    from qgis.core import QgsProcessingModelAlgorithm

    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(path), path
    return _flatten(model.toVariant())


def test_shipped_model_matches_the_script(prospector_provider, tmp_path):

    spec = importlib.util.spec_from_file_location("make_workflow_model", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = script.build()
    built.updateDestinationParameters()
    rebuilt = str(tmp_path / "rebuilt.model3")
    assert built.toFile(rebuilt)  # through a file, as the script writes it: empty texts read back alike

    want, have = _read(rebuilt), _read(SHIPPED)
    differences = sorted(
        f"{key}: file {have.get(key)!r}, script {want.get(key)!r}"
        for key in set(want) | set(have)
        if want.get(key) != have.get(key)
    )
    assert not differences, (
        "resources/models/prospectivity_workflow.model3 is stale; run scripts/make_workflow_model.py:\n"
        + "\n".join(differences[:20])
    )

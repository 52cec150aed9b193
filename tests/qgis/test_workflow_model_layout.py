"""The shipped workflow model as QGIS reads it: a readable left-to-right layout and the inputs in fill order."""

import itertools

import pytest

WORKFLOW = "prospector:prospectivity_workflow"
# the order a user fills the form: data first, then the optional geology, then the settings (issue 19)
FILL_ORDER = [
    "samples",
    "elements",
    "study_area",
    "training_deposits",
    "heldout_deposits",
    "faults",
    "lithology",
    "lithology_field",
    "pixel_size",
    "patch_size",
    "epochs",
    "ensemble",
    "folds",
]


@pytest.fixture
def model(prospector_provider):
    from qgis.core import QgsApplication

    algorithm = QgsApplication.processingRegistry().algorithmById(WORKFLOW)
    assert algorithm is not None, "the provider did not load the shipped model"
    return algorithm


def _step_order(model):
    """Child ids in data-flow order, by brute force: a step comes after every step whose output it reads."""
    children = model.childAlgorithms()
    upstream = {child_id: set(model.dependsOnChildAlgorithms(child_id)) for child_id in children}
    order, placed = [], set()
    while len(order) < len(children):
        ready = sorted(c for c in children if c not in placed and upstream[c] <= placed)
        assert ready, f"the model's steps form a cycle: {upstream}"
        order.extend(ready)
        placed.update(ready)
    return order, upstream


def _components(model):
    """(label, QRectF) of every component the Model Designer draws: inputs, steps and their outputs."""
    from qgis.PyQt.QtCore import QRectF

    def rect(component):
        size, centre = component.size(), component.position()  # the designer centres a box on its position
        return QRectF(centre.x() - size.width() / 2, centre.y() - size.height() / 2, size.width(), size.height())

    items = [(f"input {name}", rect(c)) for name, c in model.parameterComponents().items()]
    for child_id, child in model.childAlgorithms().items():
        items.append((f"step {child_id}", rect(child)))
        items += [(f"output {child_id}:{name}", rect(o)) for name, o in child.modelOutputs().items()]
    return items


def test_inputs_in_the_order_a_user_fills_them(model):
    inputs = [p.name() for p in model.parameterDefinitions() if not p.isDestination()]
    assert inputs == FILL_ORDER


def test_every_component_placed_without_overlaps(model):
    items = _components(model)
    assert len(items) == len(model.parameterComponents()) + sum(
        1 + len(c.modelOutputs()) for c in model.childAlgorithms().values()
    )
    positions = [(r.center().x(), r.center().y()) for _, r in items]
    assert len(set(positions)) == len(positions), "two components share a position"
    for (a, ra), (b, rb) in itertools.combinations(items, 2):
        assert not ra.intersects(rb), f"{a} overlaps {b}"


def test_layout_flows_left_to_right(model):
    order, upstream = _step_order(model)
    children = model.childAlgorithms()
    inputs = model.parameterComponents()
    leftmost_step = min(children[c].position().x() for c in order)
    # inputs in one column on the left, top to bottom in the dialog's order
    assert all(c.position().x() + c.size().width() <= leftmost_step for c in inputs.values())
    ys = [inputs[name].position().y() for name in FILL_ORDER]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    # every step to the right of the steps it reads from
    for child_id, before in upstream.items():
        for other in before:
            assert children[child_id].position().x() > children[other].position().x(), (other, child_id)
    # each step's outputs to its right
    for child_id, child in children.items():
        for name, output in child.modelOutputs().items():
            assert output.position().x() > child.position().x(), f"{child_id}:{name}"


def test_outputs_and_title_readable(model):
    outputs = [o for c in model.childAlgorithms().values() for o in c.modelOutputs().values()]
    for output in outputs:
        description = output.description()
        assert description and description != output.name() and "_" not in description, output.name()
    # 3.22: name() is the id and the display name; the title lives in the help's short description
    assert model.id() == WORKFLOW
    assert model.shortDescription() and "_" not in model.shortDescription()


def test_comparison_step_reads_the_cnn_evidence(model):
    children = model.childAlgorithms()
    assert "comparemodels" in children
    compare = children["comparemodels"]
    train = children["traincnn"]

    def sources(step, name):
        return [
            (s.source(), s.outputChildId(), s.outputName(), s.parameterName()) for s in step.parameterSources()[name]
        ]

    assert sources(compare, "INPUT_RASTERS") == sources(train, "INPUT_RASTERS")
    assert [s.parameterName() for s in compare.parameterSources()["DEPOSITS"]] == ["training_deposits"]
    for name, parameter in (("PATCH_SIZE", "patch_size"), ("EPOCHS", "epochs"), ("ENSEMBLE", "ensemble")):
        assert [s.parameterName() for s in compare.parameterSources()[name]] == [parameter]  # the same CNN
        assert [s.parameterName() for s in train.parameterSources()[name]] == [parameter]
    assert [s.parameterName() for s in compare.parameterSources()["FOLDS"]] == ["folds"]

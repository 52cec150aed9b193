"""The seven workflow steps and how one step's outputs pre-fill the next step's parameters (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

# A source is ("<step id>", "<output key>") for a previous step's output, ("sample", "<layer file stem>")
# for a bundled sample layer that is in the project, or ("given", "<PARAMETER>") for the layer the user chose for
# that parameter in the step run last from the panel ("<step id>:<PARAMETER>": in that step's run), their own
# deposits, study area, samples: without it a dialog's empty layer box showed QGIS's first layer of the right
# geometry, e.g. "High-value samples" as the deposits.
Source = Tuple[str, str]


@dataclass(frozen=True)
class Step:
    """One workflow step: the algorithm it opens and where its inputs come from."""

    step_id: str
    title: str
    description: str
    needs_torch: bool = False
    # parameter name -> candidate sources: a parameter taking one layer gets the first available, one taking a
    # list of layers every available one, in order; parameters the algorithm lacks are skipped
    prefill: Mapping[str, Sequence[Source]] = field(default_factory=dict)
    # parameter name -> (sample layer stem, value): the value, when that sample layer is in the project (the
    # settings that go with it, such as the field of the sample lithology holding the rock classes)
    sample_settings: Mapping[str, Tuple[str, object]] = field(default_factory=dict)


#: the elements of the bundled till that `make demo` interpolates (scripts/demo.py takes them from here)
SAMPLE_ELEMENTS: Tuple[str, ...] = ("Cu", "Ni", "Co", "Zn", "Th", "La", "Fe", "Y")

# the user's own study area and deposits (as given to an earlier step) before the sample layers
MASK: Tuple[Source, ...] = (("given", "MASK"), ("sample", "study_area"))
DEPOSITS: Tuple[Source, ...] = (("given", "DEPOSITS"), ("given", "pseudolabel:LABELS"), ("sample", "deposits"))

# Parameter names as the algorithms declare them (DESIGN.md); a name an algorithm lacks is skipped.
STEPS: Tuple[Step, ...] = (
    Step(
        "interpolate",
        "Interpolate",
        "Grid the element concentrations of the sample points (one band per element).",
        prefill={
            "INPUT": [("given", "INPUT"), ("sample", "till_geochemistry")],
            "MASK": [("given", "MASK"), ("sample", "study_area")],
        },
        # the sample till's elements `make demo` maps: the dialog opened with none chosen and could not run
        sample_settings={"FIELDS": ("till_geochemistry", SAMPLE_ELEMENTS)},
    ),
    Step(
        "anomalies",
        "Anomalies",
        "Identify and screen geochemical anomalies (thresholds, contours, ranked polygons).",
        prefill={
            "INPUT_RASTER": [("interpolate", "OUTPUT")],
            "INPUT": [("given", "INPUT"), ("sample", "till_geochemistry")],
            "DEPOSITS": DEPOSITS,
            "MASK": MASK,
        },
    ),
    Step(
        "evidence",
        "Evidence",
        "Put faults, contacts, lithology and geophysics on the element rasters' grid as one evidence stack.",
        prefill={
            "REFERENCE_RASTER": [("interpolate", "OUTPUT")],
            "LINES": [("given", "LINES"), ("sample", "faults")],
            "POLYGONS": [("given", "POLYGONS"), ("sample", "lithology")],
            "CONTINUOUS_RASTERS": [("given", "CONTINUOUS_RASTERS"), ("sample", "magnetics_tmi_nT")],
            "MASK": MASK,
        },
        # the sample lithology's rock classes (as `make demo` uses them), and the contacts between them
        sample_settings={"CLASS_FIELD": ("lithology", "GENERALI_1"), "CONTACTS": ("lithology", True)},
    ),
    Step(
        "pseudolabel",
        "Pseudo-labels",
        "Extend known deposits and labelled samples to pseudo-labels (semi-supervised).",
        prefill={
            "INPUT_RASTERS": [("interpolate", "OUTPUT"), ("evidence", "OUTPUT")],
            # pseudolabel's own points: traincnn's LABELS are the label raster this step wrote
            "LABELS": [("given", "pseudolabel:LABELS"), ("given", "DEPOSITS"), ("sample", "deposits")],
            "MASK": MASK,
        },
    ),
    Step(
        "traincnn",
        "Train CNN",
        "Train the convolutional neural network on the labels (live loss and accuracy below).",
        needs_torch=True,
        prefill={
            "INPUT_RASTERS": [("interpolate", "OUTPUT"), ("evidence", "OUTPUT")],
            "LABELS": [("pseudolabel", "OUTPUT")],
            "CONFIDENCE": [("pseudolabel", "OUTPUT_CONFIDENCE")],
        },
    ),
    Step(
        "predict",
        "Predict",
        "Map the probability of mineralisation with the trained model.",
        needs_torch=True,
        prefill={
            "INPUT_RASTERS": [("interpolate", "OUTPUT"), ("evidence", "OUTPUT")],
            "MODEL": [("traincnn", "OUTPUT_MODEL"), ("traincnn", "OUTPUT")],
            "MASK": MASK,
        },
    ),
    Step(
        "evaluate",
        "Evaluate",
        "Test the prospectivity map against held-out deposits (ROC AUC, success-rate curve).",
        prefill={
            "INPUT_RASTER": [("predict", "OUTPUT")],
            "DEPOSITS": DEPOSITS,
            "MASK": MASK,
        },
    ),
)

# the output a step's row names when it is done, first present wins
MAIN_OUTPUTS = ("OUTPUT", "OUTPUT_MODEL", "OUTPUT_REPORT")

STEP_IDS: Tuple[str, ...] = tuple(step.step_id for step in STEPS)


def step_by_id(step_id: str) -> Step:
    for step in STEPS:
        if step.step_id == step_id:
            return step
    raise KeyError(step_id)


def prefill_parameters(
    step: Step,
    parameter_names: Sequence[str],
    outputs: Mapping[str, Mapping[str, object]],
    sample_layers: Mapping[str, str],
    multiple: Sequence[str] = (),
    given: Optional[Mapping[str, object]] = None,
) -> Dict[str, object]:
    """Initial parameters for ``step``'s dialog.

    ``parameter_names``: the algorithm's parameters; ``outputs``: results of the steps already run, by step id;
    ``sample_layers``: bundled sample layer stem -> layer id in the project; ``multiple``: parameters taking a list;
    ``given``: parameter -> the layer (or list of layers) the user last chose for it in a step, still present.
    A parameter the user gave earlier takes their choice only, never the sample layer beside it.
    """
    values: Dict[str, object] = {}
    for name, sources in step.prefill.items():
        if name not in parameter_names:
            continue
        found = _available(sources, outputs, sample_layers, given or {})
        if found:
            values[name] = found if name in multiple else found[0]
    chosen = {str(v) for value in values.values() for v in (value if isinstance(value, list) else [value])}
    for name, (stem, value) in step.sample_settings.items():
        # the sample layer's settings (its fields) only where that layer was filled in, not the user's own
        if name in parameter_names and sample_layers.get(stem) in chosen:
            values[name] = list(value) if isinstance(value, tuple) else value  # a fresh list the dialog may keep
    return values


def _available(
    sources: Sequence[Source],
    outputs: Mapping[str, Mapping[str, object]],
    sample_layers: Mapping[str, str],
    given: Mapping[str, object],
) -> List[object]:
    """The values of ``sources`` that exist (the user's earlier choice, a loaded sample layer's id, a recorded
    output), in order; once a source of the user's choice is found, sample layers are left out."""
    found: List[object] = []
    for origin, key in sources:
        if origin == "given":
            value = given.get(key)
            if value not in (None, "", []):
                found.extend(value if isinstance(value, list) else [value])
        elif origin == "sample":
            if key in sample_layers and not any(o == "given" and given.get(k) for o, k in sources):
                found.append(sample_layers[key])
        elif outputs.get(origin, {}).get(key) not in (None, ""):
            found.append(outputs[origin][key])
    return found

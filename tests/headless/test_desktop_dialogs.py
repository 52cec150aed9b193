"""Real QGIS desktop under Xvfb: the dialog of every `prospector` algorithm opens with real layers in it.

Guards against dialogs that kill QGIS (3.22 died on signal 11 when traincnn's LABELS held a raster while a field
parameter had LABELS as its parent) and dialogs that raise or drop the layers they were given. The workflow's
algorithms first run headless on a coarse grid, so the dialogs and the panel's pre-fills get real rasters, a real
model file and real vector outputs. One QGIS run opens them all (desktop_dialogs_script.py); when QGIS dies, the
dialog it was opening is recorded and QGIS is started again without it, so one run names every dialog that crashes.

Screenshots and report.json are left in the test's temporary folder, or in $PROSPECTOR_DESKTOP_OUT when set.
"""

import json
import os
import re
import shutil
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "desktop_dialogs_script.py")
from tests.headless.cli import run_qgis_process  # noqa: E402
from tests.headless.desktop import run_desktop  # noqa: E402
from tests.helpers import WORKFLOW_STEPS  # noqa: E402

STEP_IDS = list(WORKFLOW_STEPS)
ALGORITHMS = [f"prospector:{name}" for name in STEP_IDS] + ["prospector:prospectivity_workflow"]
MAX_ATTEMPTS = 4  # QGIS restarts after a crash; more crashing dialogs than this and the rest go unopened
ATTEMPT_TIMEOUT_S = 240

pytestmark = [
    pytest.mark.skipif(shutil.which("qgis") is None, reason="QGIS desktop (apt package qgis) is not installed"),
    pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is missing (apt-get install xvfb)"),
]


def run_headless(env, algorithm_id, parameters):
    code, parsed, log = run_qgis_process(env, algorithm_id, parameters, timeout=300)
    assert code == 0 and parsed is not None, f"{algorithm_id} failed headless:\n{log[-5000:]}"
    return parsed["results"]


@pytest.fixture(scope="module")
def workflow_outputs(qgis_process_env, tmp_path_factory):
    """Each workflow step run once through qgis_process on a 2 km grid: {step id: results}, and the files."""
    d = tmp_path_factory.mktemp("workflow_outputs")
    till, deposits, area = (os.path.join(SAMPLES, f"{n}.gpkg") for n in ("till_geochemistry", "deposits", "study_area"))
    steps = {}
    steps["interpolate"] = run_headless(
        qgis_process_env,
        "prospector:interpolate",
        {"INPUT": till, "FIELDS": ["Cu", "Fe", "Th"], "PIXEL_SIZE": 2000, "MASK": area, "OUTPUT": d / "elements.tif"},
    )
    elements = steps["interpolate"]["OUTPUT"]
    steps["anomalies"] = run_headless(
        qgis_process_env,
        "prospector:anomalies",
        {
            "INPUT_RASTER": elements,
            "INPUT": till,
            "DEPOSITS": deposits,
            "MASK": area,
            "OUTPUT": d / "anomaly_classes.tif",
            "OUTPUT_CONTOURS": d / "anomaly_contours.gpkg",
            "OUTPUT_ANOMALIES": d / "ranked_anomalies.gpkg",
            "OUTPUT_POINTS": d / "high_value_points.gpkg",
        },
    )
    steps["evidence"] = run_headless(
        qgis_process_env,
        "prospector:evidence",
        {
            "REFERENCE_RASTER": elements,
            "LINES": os.path.join(SAMPLES, "faults.gpkg"),
            "POLYGONS": os.path.join(SAMPLES, "lithology.gpkg"),
            "CLASS_FIELD": "GENERALI_1",
            "CONTACTS": "true",
            "CONTINUOUS_RASTERS": os.path.join(SAMPLES, "magnetics_tmi_nT.tif"),
            "MASK": area,
            "OUTPUT": d / "evidence.tif",
        },
    )
    evidence = [elements, steps["evidence"]["OUTPUT"]]  # as the panel fills the learning steps
    steps["pseudolabel"] = run_headless(
        qgis_process_env,
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": evidence,
            "LABELS": deposits,
            "MASK": area,
            "OUTPUT": d / "pseudolabels.tif",
            "OUTPUT_CONFIDENCE": d / "confidence.tif",
            "OUTPUT_SUMMARY": d / "pseudolabels.html",
        },
    )
    steps["traincnn"] = run_headless(
        qgis_process_env,
        "prospector:traincnn",
        {
            "INPUT_RASTERS": evidence,
            "LABELS": steps["pseudolabel"]["OUTPUT"],
            "CONFIDENCE": steps["pseudolabel"]["OUTPUT_CONFIDENCE"],
            "PATCH_SIZE": 5,
            "EPOCHS": 1,
            "ENSEMBLE": 1,
            "DEVICE": "cpu",
            "OUTPUT_MODEL": d / "model.pt",
            "OUTPUT_REPORT": d / "training.html",
        },
    )
    steps["predict"] = run_headless(
        qgis_process_env,
        "prospector:predict",
        {
            "INPUT_RASTERS": evidence,
            "MODEL": steps["traincnn"]["OUTPUT_MODEL"],
            "DEVICE": "cpu",
            "MC_SAMPLES": 2,
            "MASK": area,
            "OUTPUT": d / "prediction.tif",
            "OUTPUT_UNCERTAINTY": d / "uncertainty.tif",
        },
    )
    steps["evaluate"] = run_headless(
        qgis_process_env,
        "prospector:evaluate",
        {
            "INPUT_RASTER": steps["predict"]["OUTPUT"],
            "DEPOSITS": deposits,
            "MASK": area,
            "ITERATIONS": 10,
            "OUTPUT_REPORT": d / "evaluation.html",
            "OUTPUT_TABLE": d / "evaluation.csv",
        },
    )
    layers = {
        name: str(d / name) + ext
        for name, ext in (
            ("elements", ".tif"),
            ("evidence", ".tif"),
            ("anomaly_classes", ".tif"),
            ("pseudolabels", ".tif"),
            ("confidence", ".tif"),
            ("prediction", ".tif"),
            ("uncertainty", ".tif"),
            ("anomaly_contours", ".gpkg"),
            ("ranked_anomalies", ".gpkg"),
            ("high_value_points", ".gpkg"),
        )
    }
    for path in layers.values():
        assert os.path.getsize(path) > 0, path
    return {"results": steps, "layers": layers, "files": {"pt": steps["traincnn"]["OUTPUT_MODEL"]}}


def launch_qgis(tmp_path, out, inputs_path, skip):
    extra = {
        "PROSPECTOR_DIALOGS_OUT": str(out),
        "PROSPECTOR_DIALOGS_INPUTS": str(inputs_path),
        "PROSPECTOR_DIALOGS_SKIP": json.dumps(sorted(skip)),
    }
    return run_desktop(SCRIPT, tmp_path, extra, ATTEMPT_TIMEOUT_S, with_torch=True)


@pytest.fixture(scope="module")
def desktop(workflow_outputs, tmp_path_factory):
    """Every dialog opened in QGIS desktop; restarts QGIS past a dialog that killed it."""
    tmp_path = tmp_path_factory.mktemp("desktop_dialogs")
    out_root = os.environ.get("PROSPECTOR_DESKTOP_OUT") or str(tmp_path / "out")
    inputs_path = tmp_path / "inputs.json"
    inputs_path.write_text(json.dumps(workflow_outputs, default=str))
    started = time.monotonic()
    dialogs, errors, messages, crashes, attempts = [], [], [], [], []
    seen = set()
    final = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        out = os.path.join(out_root, f"attempt{attempt}")
        os.makedirs(out, exist_ok=True)
        code, timed_out, stdout, stderr = launch_qgis(tmp_path, out, inputs_path, seen)
        report_path = os.path.join(out, "report.json")
        report = json.loads(open(report_path, encoding="utf-8").read()) if os.path.exists(report_path) else None
        attempts.append(
            {
                "exit": code,
                "timed_out": timed_out,
                "report": report is not None,
                "stderr": stderr[-3000:] + stdout[-1000:],
            }
        )
        if report is None:
            crashes.append({"dialog": None, "exit": code, "timed_out": timed_out, "log": crash_log(stderr + stdout)})
            break
        dialogs += report["dialogs"]
        errors += report["errors"]
        messages += report["messages"]
        seen.update(d["key"] for d in report["dialogs"])
        final = report
        if report["finished"] and code == 0 and not timed_out:
            break
        crashes.append(
            {"dialog": report["current"], "exit": code, "timed_out": timed_out, "log": crash_log(stderr + stdout)}
        )
        if report["current"] is None:
            break  # died outside any dialog: restarting would only repeat it
        seen.add(report["current"])
    return {
        "out": out_root,
        "seconds": time.monotonic() - started,
        "dialogs": {d["key"]: d for d in dialogs},
        "errors": errors,
        "messages": messages,
        "crashes": crashes,
        "attempts": attempts,
        "final": final,
        "stderr": "\n".join(a["stderr"] for a in attempts),
    }


def crash_log(text):
    """The crash handler's first line and the top of the backtrace it gets from gdb (when gdb is installed)."""
    lines = text.splitlines()
    died = [line for line in lines if "died on signal" in line or "Segmentation fault" in line]
    frames = [line for line in lines if re.match(r"#\d+ ", line)]
    return "\n".join(died + frames[:14]) or text[-1500:]


def describe_crashes(desktop):
    lines = []
    for crash in desktop["crashes"]:
        what = f"while opening dialog {crash['dialog']!r}" if crash["dialog"] else "outside any dialog"
        how = "hung (killed after the timeout)" if crash.get("timed_out") else f"exit status {crash['exit']}"
        lines.append(f"QGIS died {what}: {how}\n{crash['log']}")
    return "\n".join(lines) + f"\n(screenshots and reports in {desktop['out']})"


def final_report(desktop):
    assert desktop["final"] is not None, describe_crashes(desktop)
    return desktop["final"]


def test_no_dialog_crashes_qgis(desktop):
    assert desktop["crashes"] == [], describe_crashes(desktop)
    final = final_report(desktop)
    assert final["finished"] and final["current"] is None
    assert desktop["attempts"][-1]["exit"] == 0
    assert final["torch"] is True, "torch was not importable in QGIS: traincnn and predict would be blocked"


def test_no_python_errors(desktop):
    assert desktop["errors"] == [], "\n".join(desktop["errors"])
    python_errors = [
        m
        for m in desktop["messages"]
        if m["tag"].startswith("Python") or m["level"] == 2 or "Traceback" in m["message"]  # 2: Qgis.Critical
    ]
    assert python_errors == [], python_errors
    assert "Traceback" not in desktop["stderr"], desktop["stderr"][-4000:]


def test_every_dialog_shown_with_a_screenshot(desktop):
    final = final_report(desktop)
    assert set(ALGORITHMS) <= set(final["algorithms"]), final["algorithms"]
    dialogs = desktop["dialogs"]
    opened = {d["algorithm"] for d in dialogs.values() if d["phase"] == "all"}
    assert set(final["algorithms"]) <= opened, sorted(set(final["algorithms"]) - opened)
    # the map-layer parameter that takes rasters and points was tried with each
    assert {"all:prospector:traincnn:LABELS=raster", "all:prospector:traincnn:LABELS=point"} <= set(dialogs)
    assert {d["step"] for d in dialogs.values() if d["phase"] == "panel"} == set(STEP_IDS)
    not_shown = [key for key, d in dialogs.items() if not d.get("shown") or not d.get("visible")]
    assert not_shown == [], describe_crashes(desktop) if desktop["crashes"] else not_shown
    for key, d in dialogs.items():
        assert os.path.getsize(d["screenshot"]) > 10_000, key
        width, height = d["size"]
        assert width >= 400 and height >= 300, (key, d["size"])
        assert d["colours"] >= 20, (key, "the screenshot is nearly blank")
        assert d["title"], key


def test_dialog_widgets_hold_the_layers_they_were_given(desktop):
    dialogs = desktop["dialogs"]
    wrong = {
        key: {name: check for name, check in d["values"].items() if not check["ok"]}
        for key, d in dialogs.items()
        if d.get("shown")
    }
    wrong = {key: checks for key, checks in wrong.items() if checks}
    assert wrong == {}, json.dumps(wrong, indent=1)
    for key, d in dialogs.items():
        if d["phase"] == "all":
            # every layer parameter got a layer and every other input a valid value: the dialog could run as is
            assert d["create_error"] is None, (key, d["create_error"])
            # ... and every layer, field and file input of it was given a value (optional ones too)
            assert set(d["layer_parameters"]) <= set(d["values"]), (key, d["layer_parameters"], d["parameters"])


def test_panel_steps_open_with_previous_outputs(desktop, workflow_outputs):
    from geochem_prospector.ui.steps import STEPS

    results = workflow_outputs["results"]
    panel = [d for d in desktop["dialogs"].values() if d["phase"] == "panel"]
    for step in STEPS:
        opened = [d for d in panel if d["step"] == step.step_id]
        assert opened, (step.step_id, "never opened from the panel")
        for d in opened:
            # clicked as a user clicks: the button was enabled and the panel's runner opened the dialog
            assert d["button_enabled"] and d["state"] in ("ready", "done"), d
            assert d.get("runner_called") and d.get("shown"), d
            assert d["parameters"] == d["prefill"]  # the dialog got what parameters_for() built
        # once every earlier step has run, every input the step pre-fills is pre-filled
        last = max(opened, key=lambda d: d["stage"])
        assert sorted(last["prefill"]) == sorted({*step.prefill, *step.sample_settings}), (last["key"], last["prefill"])
    traincnn = desktop["dialogs"]["panel:after_pseudolabel:traincnn"]
    assert traincnn["prefill"]["LABELS"] == results["pseudolabel"]["OUTPUT"]  # a raster in LABELS: the 3.22 crash
    assert traincnn["prefill"]["CONFIDENCE"] == results["pseudolabel"]["OUTPUT_CONFIDENCE"]
    assert traincnn["prefill"]["INPUT_RASTERS"] == [results["interpolate"]["OUTPUT"], results["evidence"]["OUTPUT"]]
    evidence = desktop["dialogs"]["panel:after_interpolate:evidence"]
    assert evidence["prefill"]["REFERENCE_RASTER"] == results["interpolate"]["OUTPUT"]
    assert evidence["prefill"]["CLASS_FIELD"] == "GENERALI_1" and evidence["prefill"]["CONTACTS"] is True
    predict = desktop["dialogs"]["panel:after_traincnn:predict"]
    assert predict["prefill"]["MODEL"] == results["traincnn"]["OUTPUT_MODEL"]
    evaluate = desktop["dialogs"]["panel:after_predict:evaluate"]
    assert evaluate["prefill"]["INPUT_RASTER"] == results["predict"]["OUTPUT"]
    done = {step.step_id: "done" for step in STEPS[:-1]}
    assert final_report(desktop)["panel_states"] == dict(done, evaluate="ready")

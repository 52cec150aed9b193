"""Real QGIS desktop under Xvfb: interpolate, anomalies and pseudolabel run through their dialogs (Run button,
background task, QGIS's own loading of the results); the layer tree then reads as `make demo`'s project does.

References: the demo project's arrangement (scripts/render.py: one group per step, vectors above rasters, secondary
outputs unchecked) and the values GDAL reads from the outputs (which classes exist). Screenshots are left in the
test's temporary folder, or in $PROSPECTOR_DESKTOP_OUT when set.
"""

import json
import os
import shutil

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "desktop_outputs_script.py")
from tests.headless.desktop import run_desktop  # noqa: E402

pytestmark = [
    pytest.mark.skipif(shutil.which("qgis") is None, reason="QGIS desktop (apt package qgis) is not installed"),
    pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is missing (apt-get install xvfb)"),
]


@pytest.fixture(scope="module")
def desktop(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("desktop_outputs")
    out = os.environ.get("PROSPECTOR_DESKTOP_OUT") or str(tmp / "out")
    os.makedirs(out, exist_ok=True)
    code, timed_out, stdout, stderr = run_desktop(SCRIPT, tmp, {"PROSPECTOR_OUTPUTS_OUT": out}, timeout=300)
    path = os.path.join(out, "report.json")
    assert os.path.exists(path), f"QGIS did not finish (exit {code}, timed out {timed_out}):\n{stderr[-4000:]}"
    with open(path, encoding="utf-8") as handle:
        return json.load(handle), out


def by_name(nodes):
    return {node["name"]: node for node in nodes}


def test_steps_ran_through_their_dialogs_without_errors(desktop):
    report, _ = desktop
    assert report["errors"] == [], "\n".join(report["errors"])
    assert all(run["executed"] for run in report["runs"].values()) and len(report["runs"]) == 3
    python_errors = [m for m in report["messages"] if m["tag"] == "Python error"]
    assert python_errors == []


def test_layer_tree_groups_names_order_and_visibility(desktop):
    report, _ = desktop
    groups = [node["name"] for node in report["tree"]]
    steps = ["Anomalies", "Pseudo-labels", "Geochemistry"]
    # the anomaly polygons above the rasters; the sample points and lines above, the sample geology and magnetics
    # under every step's raster (the pseudo-labels and the element map hid the deposits and the anomalies)
    assert [g for g in groups if g in steps] == steps
    sample, background = "GeoChem Prospector sample data (GTK, CC BY 4.0)", groups[-1]
    assert groups.index(sample) < groups.index("Pseudo-labels") and background.startswith("GeoChem Prospector sample")
    tree = by_name(report["tree"])
    anomalies = tree["Anomalies"]["children"]
    assert [(n["name"], n["checked"]) for n in anomalies] == [
        ("High-value samples", False),
        ("Anomaly contours of the index", True),
        ("Ranked anomalies (1 = follow up first)", True),
        ("Anomaly classes (index band)", False),
        ("Integrated anomaly index", False),
    ]
    kinds = [n["kind"] for n in anomalies]
    assert kinds == sorted(kinds, key=lambda k: k == "raster")  # vectors above rasters
    assert anomalies[1]["subset"] == "\"element\" = 'index'"
    labels = tree["Pseudo-labels"]["children"]
    assert [(n["name"], n["checked"]) for n in labels] == [
        ("Pseudo-labels", True),
        ("Pseudo-label confidence", False),
    ]
    (element,) = tree["Geochemistry"]["children"]
    assert element["name"] == "Cu (ppm, IDW): band 1 of Cu, Fe, Th" and element["checked"]


def test_legends_read_as_an_atlas(desktop):
    from osgeo import gdal

    report, _ = desktop
    tree = by_name(report["tree"])
    (element,) = tree["Geochemistry"]["children"]
    legend = element["legend"]
    assert len(legend) == 7 and legend[0].endswith("ppm (≤ P25)") and legend[-1].endswith("ppm (above P98)")
    assert element["legend_shown"] == ["Cu (ppm), percentile classes"] + legend  # not QGIS's "Band 1: Cu (Gray)"
    for label in legend:  # rounded: at most 3 significant digits in every limit
        for number in label.replace(",", "").split(" ppm")[0].replace("≤", "").replace(">", "").split("–"):
            digits = number.strip().replace(".", "").lstrip("0")
            assert len(digits.rstrip("0")) <= 3, label
    labels = by_name(tree["Pseudo-labels"]["children"])["Pseudo-labels"]
    dataset = gdal.Open(labels["source"])  # kept: a band outlives its dataset only as a dangling pointer
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray()
    present = {int(v) for v in np.unique(values[values != band.GetNoDataValue()])}
    names = {0: "barren (0)", 1: "mineralised (1)"}
    assert set(labels["legend"]) == {names[v] for v in present}


def test_band_choosers_work_in_the_dialog(desktop):
    """The anomaly dialog's standard band widgets hand the chosen bands to the run: the class raster holds Cu and
    Th (bands 1 and 3 of Cu, Fe, Th) and the index, as GDAL reads it."""
    from osgeo import gdal

    report, _ = desktop
    given = report["dialogs"]["prospector:anomalies"]["given"]
    assert [int(b) for b in given["ELEMENT_BANDS"]] == [1, 3] and [int(b) for b in given["ASSOCIATION_BANDS"]] == [1, 3]
    assert not given.get("BANDS") and not given.get("ASSOCIATION")
    classes = by_name(by_name(report["tree"])["Anomalies"]["children"])["Anomaly classes (index band)"]
    dataset = gdal.Open(classes["source"])
    names = [dataset.GetRasterBand(i + 1).GetDescription() for i in range(dataset.RasterCount)]
    assert names == ["Cu", "Th", "index"]


def test_toolbox_and_dialogs_show_the_workflow_order(desktop):
    """The Processing toolbox dock lists each group's steps in workflow order (README's table, typed here), each
    name starting with its step number; the dialogs' titles carry the same names."""
    report, _ = desktop
    toolbox = report["toolbox"]
    assert [n for n, _ in toolbox["Geochemistry"]] == ["interpolate", "anomalies", "pseudolabel", "evaluate"]
    assert [n for n, _ in toolbox["Machine learning"]] == ["trainmodel", "comparemodels"]
    assert [n for n, _ in toolbox["Deep learning"]] == ["traincnn", "predict"]
    assert [t for _, t in toolbox["Geochemistry"]][:2] == [
        "1 · Interpolate geochemistry to rasters",
        "2 · Identify and screen geochemical anomalies",
    ]
    titles = {k: v["title"] for k, v in report["dialogs"].items()}
    assert titles["prospector:interpolate"].startswith("1 · Interpolate geochemistry to rasters")
    assert titles["prospector:pseudolabel"].startswith("4 · Pseudo-label cells")


def test_screenshot_taken(desktop):
    report, out = desktop
    assert os.path.getsize(os.path.join(out, "main_window.png")) > 50_000
    if os.environ.get("UPDATE_SCREENSHOTS"):  # refresh the README's picture on request, never as a side effect
        shutil.copyfile(os.path.join(out, "main_window.png"), os.path.join(REPO, "docs", "screenshot_outputs.png"))

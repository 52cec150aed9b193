"""`make demo`: run the whole GeoChem Prospector workflow headless on the bundled sample data.

Every step goes through `qgis_process.bin`, as a user would run it. A spatially separate group of
known deposits (the southern Rautuvaara-Kolari group) is held out of training and used only by
`evaluate`. Results, a styled QGIS project and rendered maps land in --output (default demo_output/);
files of the same name there are replaced.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SAMPLES = os.path.join(REPO, "resources", "sample_data")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")  # the venv hides Debian's PROJ data from pyproj

import cnn_steps  # noqa: E402
from enable_plugin import enable  # noqa: E402

from geochem_prospector.ui.steps import SAMPLE_ELEMENTS  # noqa: E402 (the panel offers the same elements)

DEMO_ELEMENTS = list(SAMPLE_ELEMENTS)
#: deposits south of this northing (TM35FIN) form the held-out group; the 9 to the north train the model
HOLDOUT_NORTHING = 7491500.0


def sample(name: str) -> str:
    return os.path.join(SAMPLES, name)


class QgisProcess:
    """Runs algorithms through qgis_process.bin with the plugin enabled in a private profile."""

    def __init__(self) -> None:
        self.home = tempfile.mkdtemp(prefix="prospector-demo-home-")
        enable(os.path.join(self.home, ".local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"))
        self.env = dict(os.environ)
        site = os.path.join(REPO, ".venv", "lib", "python3.11", "site-packages")
        self.env.update(
            HOME=self.home,
            XDG_RUNTIME_DIR=self.home,
            QT_QPA_PLATFORM="offscreen",
            QGIS_PLUGINPATH=os.path.join(REPO, "build", "plugins"),
            PYTHONPATH=site,
        )
        self.log: list = []

    def run(self, algorithm: str, parameters: dict) -> dict:
        args = ["qgis_process.bin", "run", algorithm, "--json", "--"]
        for key, value in parameters.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                args.append(f"{key}={item}")
        started = time.monotonic()
        cpu_before = _children_cpu()
        print(f"==> {algorithm}", flush=True)
        proc = subprocess.run(args, env=self.env, capture_output=True, text=True)
        cpu = _children_cpu() - cpu_before
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:] + proc.stdout[-4000:])
            raise SystemExit(f"{algorithm} failed (exit {proc.returncode})")
        results = json.loads(proc.stdout)["results"]
        seconds = time.monotonic() - started
        self.log.append(
            {"algorithm": algorithm, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "results": results}
        )
        shown = {k: v for k, v in results.items() if not isinstance(v, str) or not v.startswith("/")}
        print(f"    {seconds:.1f} s ({cpu:.1f} s CPU) {shown if shown else ''}", flush=True)
        return results


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (qgis_process runs), all cores together."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def split_deposits(out: str) -> tuple:
    """Write the in-area deposits as a training and a held-out (southern group) layer."""
    import geopandas as gpd

    deposits = gpd.read_file(sample("deposits.gpkg"))
    deposits = deposits[deposits["in_study_area"].astype(bool)]
    held_out = deposits.geometry.y < HOLDOUT_NORTHING
    paths = []
    for name, part in (("deposits_training", deposits[~held_out]), ("deposits_heldout", deposits[held_out])):
        path = os.path.join(out, f"{name}.gpkg")
        if os.path.exists(path):
            os.remove(path)
        part.to_file(path, layer=name, driver="GPKG")
        paths.append(path)
    print(f"==> deposits: {int((~held_out).sum())} for training, {int(held_out.sum())} held out (south)")
    return tuple(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(REPO, "demo_output"))
    parser.add_argument("--epochs", type=int, default=12)
    # three networks keep the demo near five minutes on two cores; traincnn's default is five
    parser.add_argument("--ensemble", type=int, default=3)
    parser.add_argument(
        "--compare-geology",
        action="store_true",
        help="also train and evaluate the CNN without the geology (elements and magnetics only), as the 0.2 release "
        "did",
    )
    args = parser.parse_args()
    out = os.path.abspath(args.output)
    os.makedirs(out, exist_ok=True)
    started = time.monotonic()
    qp = QgisProcess()
    path = lambda name: os.path.join(out, name)  # noqa: E731
    training, held_out = split_deposits(out)

    elements = qp.run(
        "prospector:interpolate",
        {
            "INPUT": sample("till_geochemistry.gpkg"),
            "FIELDS": DEMO_ELEMENTS,
            "PIXEL_SIZE": 250,
            "MASK": sample("study_area.gpkg"),
            "LOG_TRANSFORM": "true",
            "NEIGHBORS": 12,
            "OUTPUT": path("elements.tif"),
        },
    )["OUTPUT"]
    kriged = qp.run(
        "prospector:interpolate",
        {
            "INPUT": sample("till_geochemistry.gpkg"),
            "FIELDS": ["Cu", "Ni"],
            "PIXEL_SIZE": 500,
            "MASK": sample("study_area.gpkg"),
            "METHOD": 1,
            "NEIGHBORS": 16,
            "LOG_TRANSFORM": "true",
            "OUTPUT": path("kriged_cu_ni.tif"),
            "OUTPUT_VARIANCE": path("kriging_variance.tif"),
            "OUTPUT_CV": path("cross_validation.csv"),
        },
    )
    anomalies = qp.run(
        "prospector:anomalies",
        {
            "INPUT_RASTER": elements,
            "METHOD": 1,
            "ASSOCIATION": "Th,La",
            "INDEX_METHOD": 0,
            "MASK": sample("study_area.gpkg"),
            "INPUT": sample("till_geochemistry.gpkg"),
            "DEPOSITS": training,
            "MIN_CELLS": 4,
            "OUTPUT": path("anomaly_classes.tif"),
            "OUTPUT_CONTOURS": path("anomaly_contours.gpkg"),
            "OUTPUT_ANOMALIES": path("anomalies_ranked.gpkg"),
            "OUTPUT_POINTS": path("high_value_samples.gpkg"),
            "OUTPUT_TABLE": path("anomaly_thresholds.csv"),
            "OUTPUT_INDEX": path("anomaly_index.tif"),
        },
    )
    # geology beside the geochemistry: distance to faults, lithology classes and contacts, magnetics, on one grid
    stack = qp.run(
        "prospector:evidence",
        {
            "REFERENCE_RASTER": elements,
            "LINES": sample("faults.gpkg"),
            "POLYGONS": sample("lithology.gpkg"),
            "CLASS_FIELD": "GENERALI_1",
            "CONTACTS": "true",
            "CONTINUOUS_RASTERS": sample("magnetics_tmi_nT.tif"),
            "CONTINUOUS_METHOD": 1,  # average: the 200 m magnetics onto the 250 m grid
            "MASK": sample("study_area.gpkg"),
            "OUTPUT": path("evidence.tif"),
            "OUTPUT_TABLE": path("evidence_bands.csv"),
        },
    )["OUTPUT"]
    evidence = [elements, stack]
    labels = qp.run(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": evidence,
            "LABELS": training,
            "MASK": sample("study_area.gpkg"),
            "METHOD": 2,
            "POSITIVE_RADIUS": 500,
            "NEGATIVE_BUFFER": 3000,
            "CONFIDENCE": 0.9,
            "ITERATIONS": 5,
            "SEED": 42,
            "OUTPUT": path("pseudolabels.tif"),
            "OUTPUT_CONFIDENCE": path("pseudolabel_confidence.tif"),
            "OUTPUT_SUMMARY": path("pseudolabels.html"),
        },
    )
    layers = {
        "elements": elements,
        "kriged": kriged,
        "evidence": stack,
        "anomalies": anomalies,
        "labels": labels,
        "training": training,
        "held_out": held_out,
    }
    if has_cnn(qp):
        model = cnn_steps.train(
            qp, evidence, labels, args.epochs, args.ensemble, path("model.pt"), path("training_report.html")
        )
        prediction = cnn_steps.predict(
            qp,
            evidence,
            model["OUTPUT_MODEL"],
            sample("study_area.gpkg"),
            path("prospectivity.tif"),
            OUTPUT_UNCERTAINTY=path("prospectivity_uncertainty.tif"),
            OUTPUT_RANK=path("prospectivity_rank.tif"),
        )
        layers.update(model=model, prediction=prediction)
        scored = prediction["OUTPUT"]
    else:
        print("    (traincnn/predict not available: evaluating the anomaly index instead)")
        scored = anomalies["OUTPUT_INDEX"]
    evaluation = cnn_steps.evaluate(
        qp,
        scored,
        held_out,
        sample("study_area.gpkg"),
        path("evaluation.html"),
        path("evaluation.csv"),
        NAME_FIELD="Name",
    )
    layers["evaluation"] = evaluation
    if args.compare_geology and "model" in layers:
        layers["without_geology"] = without_geology(qp, path, elements, labels, held_out, args)
    # Baselines on the same held-out deposits: the CNN map has to be read against them. evaluate ranks the distance
    # bands nearest first by itself (their reports say so).
    baselines = {}
    bands = evidence_bands(path("evidence_bands.csv"))
    for name, raster, band in (
        ("magnetics alone", sample("magnetics_tmi_nT.tif"), 1),
        ("Th alone (best single element)", elements, DEMO_ELEMENTS.index("Th") + 1),
        ("anomaly index (Th-La)", anomalies["OUTPUT_INDEX"], 1),
        ("proximity to faults", stack, bands["faults:distance_m"]),
        ("proximity to lithological contacts", stack, bands["lithology:contact_distance_m"]),
    ):
        result = qp.run(
            "prospector:evaluate",
            {
                "INPUT_RASTER": raster,
                "BAND": band,
                "DEPOSITS": held_out,
                "NAME_FIELD": "Name",
                "MASK": sample("study_area.gpkg"),
                "ITERATIONS": 200,
                "SEED": 0,
                "OUTPUT_REPORT": path(f"baseline_{len(baselines)}.html"),
                "OUTPUT_TABLE": path(f"baseline_{len(baselines)}.csv"),
            },
        )
        baselines[name] = {k: result[k] for k in ("AUC", "AUC_LOW", "AUC_HIGH", "CAPTURE_10", "LOW_VALUES_FIRST")}

    from render import build_demo_project, render_element_map, render_project_map

    project_path = build_demo_project(layers, path("prospectivity.qgz"))
    best = max(baselines.items(), key=lambda item: item[1]["AUC"])
    render_project_map(project_path, path("map.png"), evaluation, (best[0], best[1]["AUC"]))
    render_element_map(elements, band_name="Cu", path=path("map_elements.png"))
    with open(path("demo_log.json"), "w", encoding="utf-8") as handle:
        json.dump(
            {
                "steps": qp.log,
                "baselines": baselines,
                "without_geology": layers.get("without_geology"),
                "seconds": round(time.monotonic() - started, 1),
            },
            handle,
            indent=2,
        )
    print(f"==> project {project_path}, maps {path('map.png')} and {path('map_elements.png')}")
    print(
        f"Held-out deposits ({evaluation['DEPOSITS_USED']:.0f}): ROC AUC {evaluation['AUC']:.3f} "
        f"[{evaluation['AUC_LOW']:.3f}, {evaluation['AUC_HIGH']:.3f}], {evaluation['CAPTURE_10']:.0f} % in the top "
        f"10 % of the area"
    )
    if "without_geology" in layers:
        other = layers["without_geology"]
        print(
            f"  the same CNN without the geology (elements and magnetics only): AUC {other['AUC']:.3f} "
            f"[{other['AUC_LOW']:.3f}, {other['AUC_HIGH']:.3f}], {other['CAPTURE_10']:.0f} % in the top 10 %"
        )
    for name, result in baselines.items():
        print(f"  baseline {name}: AUC {result['AUC']:.3f} [{result['AUC_LOW']:.3f}, {result['AUC_HIGH']:.3f}]")
    print(f"Demo finished in {time.monotonic() - started:.0f} s; outputs in {out}")


def evidence_bands(table: str) -> dict:
    """Band name -> 1-based band number, from prospector:evidence's band table."""
    import csv

    with open(table, newline="", encoding="utf-8") as handle:
        return {row["name"]: int(row["band"]) for row in csv.DictReader(handle)}


def without_geology(qp: QgisProcess, path, elements: str, labels: dict, held_out: str, args) -> dict:
    """The same CNN, labels and held-out deposits with the element rasters and magnetics only: what the geology
    adds is the difference."""
    inputs = [elements, sample("magnetics_tmi_nT.tif")]
    area = sample("study_area.gpkg")
    model = cnn_steps.train(
        qp,
        inputs,
        labels,
        args.epochs,
        args.ensemble,
        path("model_without_geology.pt"),
        path("training_report_without_geology.html"),
    )
    prediction = cnn_steps.predict(qp, inputs, model["OUTPUT_MODEL"], area, path("prospectivity_without_geology.tif"))
    result = cnn_steps.evaluate(
        qp,
        prediction["OUTPUT"],
        held_out,
        area,
        path("evaluation_without_geology.html"),
        path("evaluation_without_geology.csv"),
    )
    return {k: result[k] for k in cnn_steps.SUMMARY}


def has_cnn(qp: QgisProcess) -> bool:
    proc = subprocess.run(["qgis_process.bin", "list"], env=qp.env, capture_output=True, text=True)
    return "prospector:traincnn" in proc.stdout and "prospector:predict" in proc.stdout


if __name__ == "__main__":
    main()

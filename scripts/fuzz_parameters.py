"""Fuzz every algorithm's parameters, one at a time (sweep 19a; developers only, not a test).

Usage: QT_QPA_PLATFORM=offscreen PROJ_DATA=/usr/share/proj PYTHONDONTWRITEBYTECODE=1 \
    .venv/bin/python scripts/fuzz_parameters.py [--data DIR] [--alg NAME ...] [--param NAME ...]

For each algorithm of the provider `prospector`: start from the valid run of tests/error_cases.base_params on the
small synthetic inputs of tests/error_cases.build (checked to succeed), then change ONE parameter at a time to each
value of a hostile palette chosen by the parameter's type (numbers, enums, booleans, strings and fields, layers,
files, output paths). Every run goes through processing.run in this one QGIS process with a fresh output folder.

A run is a FINDING when: its message or log holds "Unexpected error" or a Python "Traceback"; it raised something
other than QgsProcessingException; a refusal does not start with a parameter name (nor is QGIS's own "Incorrect
parameter value for X" / "Could not load source layer for X"); an output is left after a refusal; an input file (or
its folder's list of names) changed; it took more than 60 s; or it "succeeded" writing a raster that is all nodata
or a vector layer without features, with no warning in its log. Prints a table of findings at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
sys.path.insert(0, REPO)

HANG_S = 60.0
MORE = [False]  # --more-layers
#: QGIS's own refusals, before the algorithm runs: they name the parameter, not at the start
QGIS_OWN = re.compile(r"(Incorrect parameter value for|Could not load source layer for|Could not create destination)")
#: a "parameter name" is upper case with underscores
STARTS_WITH_PARAM = re.compile(r"^([A-Z][A-Z0-9_]*)\b")


def start():
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from geochem_prospector.plugin import GeoChemProspectorPlugin

    plugin = GeoChemProspectorPlugin(None)
    plugin.initProcessing()
    return app, plugin


class LogFeedback:
    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.lines: List[str] = []
                self.warnings: List[str] = []

            def pushInfo(self, info):  # noqa: N802
                self.lines.append(info)

            def pushWarning(self, warning):  # noqa: N802
                self.lines.append(warning)
                self.warnings.append(warning)

            def pushDebugInfo(self, info):  # noqa: N802
                self.lines.append(info)

            def pushConsoleInfo(self, info):  # noqa: N802
                self.lines.append(info)

            def reportError(self, error, fatalError=False):  # noqa: N802, N803
                self.lines.append(error)
                self.warnings.append(error)

        return _Feedback()


def extra_inputs(folder: str) -> Dict[str, str]:
    """Inputs the matrix does not have: a point layer of null geometries only."""
    from osgeo import ogr, osr

    path = os.path.join(folder, "fuzz_null_points.gpkg")
    if not os.path.exists(path):
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(3067)
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        layer = ds.CreateLayer("fuzz_null_points", srs, ogr.wkbPoint)
        for name in ("Cu", "Pb"):
            layer.CreateField(ogr.FieldDefn(name, ogr.OFTReal))
        layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
        layer.CreateField(ogr.FieldDefn("cls", ogr.OFTInteger))
        for i in range(5):
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetField("Cu", 10.0 + i)
            feature.SetField("Pb", 2.0 + i)
            feature.SetField("name", f"n{i}")
            feature.SetField("cls", i % 2)
            layer.CreateFeature(feature)
        ds = None
    return {"null_points": path}


#: ``--more-layers``: a second palette of layers, in other CRSs or with holes, nulls and outlines
MORE_LAYERS = [
    "geographic",  # points in EPSG:4326
    "geographic_raster",  # raster in EPSG:4326
    "holes",  # raster with a nodata hole and NaN cells
    "deposits_polygons",  # deposits drawn as outlines
    "lithology_nulls",  # polygons with null classes
    "faults_null_empty",  # lines with null and empty geometries
    "label_points_4326",  # labelled points with a class field, EPSG:4326
    "deposits_outside",  # points far off the grid
]


def layer_palette(d: Dict[str, str], more: bool = False) -> List[Tuple[str, Any]]:
    """Layers of every wrong kind (and some right kinds) a layer parameter may be given."""
    if more:
        return [(n, d[n]) for n in MORE_LAYERS if n in d]
    names = [
        "samples",  # points
        "faults",  # lines
        "lithology",  # polygons
        "empty",  # empty point layer
        "null_points",  # only null geometries
        "oneband",  # one-band raster
        "allnodata",  # raster of nodata only
        "raster_no_crs",  # raster without a CRS
        "constant",  # constant raster
        "label_raster",  # sparse label raster
    ]
    return [(n, d[n]) for n in names if n in d]


def number_palette(p) -> List[Tuple[str, Any]]:
    from qgis.core import QgsProcessingParameterNumber

    values: List[Tuple[str, Any]] = [("0", 0), ("-1", -1), ("-0.0", -0.0), ("1e-300", 1e-300), ("1e300", 1e300)]
    integer = p.dataType() == QgsProcessingParameterNumber.Integer
    lo, hi = p.minimum(), p.maximum()
    step = 1 if integer else max(abs(lo), abs(hi), 1.0) * 1e-9
    if lo > -1e300:
        values += [("min", lo), ("min-", lo - step)]
    if hi < 1e300:
        values += [("max", hi), ("max+", hi + step)]
    default = p.defaultValue()
    if isinstance(default, (int, float)) and default:
        values.append(("10x default", default * 10))
        values.append(("1000x default", default * 1000))
    else:
        values.append(("1e6", 1_000_000))
    return values


def palette(alg, p, d: Dict[str, str], fields_numeric: List[str]) -> List[Tuple[str, Any]]:
    """The hostile values for one parameter definition."""
    t = p.type()
    if p.isDestination():
        folder_existing = d["__out_existing_folder__"]
        return [
            ("existing folder", folder_existing),
            ("no extension", "{out}/noext"),
            (".txt extension", "{out}/out.txt"),
            ("missing folder", "{out}/no/such/folder/out" + _ext(p)),
        ]
    if t == "number":
        return number_palette(p)
    if t == "enum":
        opts = p.options()
        static = p.usesStaticStrings()  # such an enum takes its options' words, not their numbers
        values = [
            (f"option {i} ({o})", [o if static else i] if p.allowMultiple() else (o if static else i))
            for i, o in enumerate(opts)
        ]
        past = "no_such_option" if static else len(opts)
        values += [("index past the end", [past] if p.allowMultiple() else past)]
        if p.allowMultiple():
            values += [("all options", list(opts) if static else list(range(len(opts)))), ("none", [])]
        return values
    if t == "boolean":
        return [("True", True), ("False", False)]
    if t in ("string", "field"):
        values = [("''", ""), ("' '", " "), ("missing name", "NoSuchField"), ("300 chars", "x" * 300)]
        if t == "field":
            values += [("text field 'name'", "name"), ("numeric field 'Cu'", "Cu")]
            if p.allowMultiple():
                values = [(n, [v] if v != "" else []) for n, v in values]
                values += [("text+numeric", ["Cu", "name"]), ("duplicate", ["Cu", "Cu"])]
        return values
    if t in ("vector", "source", "raster", "multilayer", "layer"):
        values = list(layer_palette(d, MORE[0]))
        if t == "multilayer":
            values = [(n, [v]) for n, v in values] + [("none", []), ("raster twice", [d["raster"], d["raster"]])]
        return values
    if t == "file":
        return [
            ("random bytes", d["model_random"]) if "model_random" in d else ("raster", d["raster"]),
            ("raster as file", d["raster"]),
            ("missing file", "/no/such/file.pt"),
            ("a folder", os.path.dirname(d["raster"])),
            ("''", ""),
        ]
    if t == "extent":
        return [("zero area", "400000,400000,7500000,7500000 [EPSG:3067]"), ("far away", "0,1,0,1 [EPSG:3067]")]
    if t == "crs":
        return [("EPSG:4326", "EPSG:4326"), ("bad crs", "EPSG:999999")]
    return []


def _ext(p) -> str:
    try:
        return "." + p.defaultFileExtension()
    except Exception:  # noqa: BLE001
        return ""


def digest_inputs(params: Dict[str, Any]) -> Dict[str, str]:
    from tests.error_cases import input_file

    result: Dict[str, str] = {}
    for key, value in params.items():
        if key.startswith("OUTPUT"):
            continue
        for item in value if isinstance(value, list) else [value]:
            path = input_file(item)
            if path:
                with open(path, "rb") as handle:
                    result[path] = hashlib.sha256(handle.read()).hexdigest()
                folder = os.path.dirname(os.path.abspath(path))
                result[folder + "/<names>"] = ",".join(sorted(os.listdir(folder)))
    return result


def empty_output(path: str) -> Optional[str]:
    """Why an output is empty (all nodata, no features), or None."""
    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    low = path.lower()
    try:
        if low.endswith(".tif"):
            import numpy as np
            import rasterio

            with rasterio.open(path) as src:
                for band in range(1, src.count + 1):
                    if src.read_masks(band).any() and np.isfinite(src.read(band, masked=True).compressed()).any():
                        return None
                return "raster all nodata"
        if low.endswith(".gpkg"):
            from osgeo import ogr

            ds = ogr.Open(path)
            if ds is None:
                return "unreadable gpkg"
            counts = [ds.GetLayer(i).GetFeatureCount() for i in range(ds.GetLayerCount())]
            return "vector without features" if not any(counts) else None
    except Exception as error:  # noqa: BLE001
        return f"unreadable output: {error}"
    return None


def run_one(alg_id: str, params: Dict[str, Any], out: str, param_names: List[str]) -> Dict[str, Any]:
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingException

    feedback = LogFeedback()
    context = QgsProcessingContext()
    before = digest_inputs(params)
    outputs = {k: v for k, v in params.items() if k.startswith("OUTPUT") and isinstance(v, str)}
    existing = {p for p in outputs.values() if os.path.exists(p)}
    t0 = time.time()
    result, message, other = None, "", None
    try:
        result = processing.run(alg_id, params, context=context, feedback=feedback)
    except QgsProcessingException as error:
        message = str(error)
    except Exception as error:  # noqa: BLE001
        other = f"{type(error).__name__}: {error}"
        message = traceback.format_exc()
    finally:
        context.temporaryLayerStore().removeAllMapLayers()
    elapsed = time.time() - t0
    import gc

    gc.collect()
    log = "\n".join(feedback.lines)
    problems = []
    if "Unexpected error" in message or "Unexpected error" in log:
        problems.append("Unexpected error")
    if "Traceback" in message or "Traceback" in log:
        problems.append("Traceback")
    if other:
        problems.append("not a QgsProcessingException: " + other.splitlines()[0][:120])
    if result is None and not other:
        # processing.run puts QGIS's "Unable to execute algorithm" above a refusal by checkParameterValues
        lines = [line for line in message.strip().splitlines() if line != "Unable to execute algorithm"]
        first_line = lines[0] if lines else ""
        head = STARTS_WITH_PARAM.match(first_line)
        if not (head and head.group(1) in param_names) and not QGIS_OWN.search(message):
            problems.append("refusal not starting with a parameter name")
        left = [p for p in outputs.values() if p not in existing and os.path.exists(p)]
        left += [
            os.path.join(out, f) for f in (os.listdir(out) if os.path.isdir(out) else []) if f.startswith(".partial")
        ]
        if left:
            problems.append("output left after refusal: " + ", ".join(os.path.basename(p) for p in left))
    if result is not None:
        for key, value in result.items():
            if key.startswith("OUTPUT"):
                why = empty_output(value)
                if why and not feedback.warnings:
                    problems.append(f"{key}: {why}, no warning")
    if elapsed > HANG_S:
        problems.append(f"took {elapsed:.0f} s")
    after = digest_inputs(params)
    if after != before:
        changed = [k for k in before if before.get(k) != after.get(k)] + [k for k in after if k not in before]
        problems.append("input changed: " + ", ".join(os.path.basename(k) for k in changed))
    return {
        "ok": result is not None,
        "message": message.strip().replace("\n", " / ")[:300],
        "problems": problems,
        "seconds": round(elapsed, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", help="folder of tests/error_cases.build's inputs (built there once, reused)")
    ap.add_argument("--alg", nargs="*", default=None)
    ap.add_argument("--param", nargs="*", default=None)
    ap.add_argument("--json", help="write every run as JSON lines here")
    ap.add_argument("--more-layers", action="store_true", help="only layer parameters, with the MORE_LAYERS palette")
    ap.add_argument("--skip", nargs="*", default=[], help="ALG:PARAM or ALG:PARAM:VALUE not to run")
    ap.add_argument("--after", help="ALG:PARAM: start that algorithm's parameters after this one (a resumed run)")
    args = ap.parse_args()
    MORE[0] = args.more_layers

    app, plugin = start()
    from qgis.core import QgsApplication

    from tests.error_cases import base_params, build, outputs_for

    data_folder = args.data or tempfile.mkdtemp(prefix="fuzz_inputs_")
    os.makedirs(data_folder, exist_ok=True)
    index = os.path.join(data_folder, "fuzz_index.json")
    if os.path.exists(index):
        with open(index) as handle:
            d = json.load(handle)
    else:
        t0 = time.time()
        d = build(data_folder)
        print(f"built inputs in {time.time() - t0:.0f} s", flush=True)
        with open(index, "w") as handle:
            json.dump(d, handle)
    d.update(extra_inputs(data_folder))
    scratch = tempfile.mkdtemp(prefix="fuzz_out_")
    d["__out_existing_folder__"] = os.path.join(scratch, "existing_folder")
    os.makedirs(d["__out_existing_folder__"], exist_ok=True)

    provider = QgsApplication.processingRegistry().providerById("prospector")
    algs = sorted(provider.algorithms(), key=lambda a: a.name())
    findings: List[Tuple[str, str, str, str, str]] = []
    runs = 0
    log = open(args.json, "w") if args.json else None
    counter = [0]

    def fresh() -> str:
        counter[0] += 1
        folder = os.path.join(scratch, f"run{counter[0]}")
        os.makedirs(folder)
        return folder

    for alg in algs:
        name = alg.name()
        if args.alg and name not in args.alg:
            continue
        try:
            valid = base_params(name, d)
        except KeyError:
            print(f"# {name}: no valid run in tests/error_cases.base_params, skipped", flush=True)
            continue
        definitions = alg.parameterDefinitions()
        param_names = [p.name() for p in definitions]
        numeric = ["Cu", "Pb"]

        def params_with(out: str, change: Optional[Tuple[str, Any]] = None, valid=valid, name=name) -> Dict[str, Any]:
            params = {**valid, **outputs_for(name, out)}
            if change:
                key, value = change
                if isinstance(value, str) and "{out}" in value:
                    value = value.replace("{out}", out)
                params[key] = value
            return params

        out = fresh()
        baseline = run_one(f"prospector:{name}", params_with(out), out, param_names)
        runs += 1
        print(
            f"# {name}: baseline {'ok' if baseline['ok'] else 'FAILED ' + baseline['message']}"
            f" ({baseline['seconds']} s)",
            flush=True,
        )
        if not baseline["ok"] or baseline["problems"]:
            findings.append((name, "(baseline)", "", "; ".join(baseline["problems"]), baseline["message"]))
            if not baseline["ok"]:
                continue
        resume = args.after.split(":")[1] if args.after and args.after.startswith(name + ":") else None
        for p in definitions:
            if resume:
                resume = None if p.name() == resume else resume
                continue
            if args.param and p.name() not in args.param:
                continue
            if args.more_layers and p.type() not in ("vector", "source", "raster", "multilayer", "layer"):
                continue
            if f"{name}:{p.name()}" in args.skip:
                continue
            for label, value in palette(alg, p, d, numeric):
                if f"{name}:{p.name()}:{label}" in args.skip:
                    print(f"{name:14} {p.name():22} {label:26} skipped", flush=True)
                    continue
                out = fresh()
                params = params_with(out, (p.name(), value))
                record = run_one(f"prospector:{name}", params, out, param_names)
                runs += 1
                status = "ok" if record["ok"] else "refused"
                line = f"{name:14} {p.name():22} {label:26} {status:8} {record['seconds']:6.1f}s"
                if record["problems"]:
                    line += "  FINDING: " + "; ".join(record["problems"]) + " | " + record["message"][:160]
                    findings.append((name, p.name(), label, "; ".join(record["problems"]), record["message"]))
                print(line, flush=True)
                if log:
                    log.write(json.dumps({"alg": name, "param": p.name(), "value": label, **record}) + "\n")
                    log.flush()
                shutil.rmtree(out, ignore_errors=True)

    print(f"\n{runs} runs, {len(findings)} findings")
    print("| algorithm | parameter | value | finding | message |")
    print("|---|---|---|---|---|")
    for row in findings:
        print("| " + " | ".join(str(c).replace("|", "/")[:200] for c in row) + " |")
    shutil.rmtree(scratch, ignore_errors=True)
    del plugin
    return 0


if __name__ == "__main__":
    sys.exit(main())

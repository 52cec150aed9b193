"""The error matrix (tests/ERROR_MATRIX.md) through processing.run: one test per (case, algorithm) row.

Every row checks, beyond its own expectation:
- a refusal is a QgsProcessingException whose message names the parameter (and says what to do);
- the log never holds a Python traceback;
- a refused or cancelled run leaves nothing at any output path, nor a temporary file beside it;
- the inputs are byte-for-byte unchanged (hashed before and after).
Rows for traincnn / predict (model files) are added when those algorithms land: give their ``Case`` entries the
same shape.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import pytest

from tests.error_cases import build, digest

ALGS = ("interpolate", "anomalies", "pseudolabel", "evaluate")


def outputs_for(alg: str, folder: str) -> Dict[str, str]:
    """Every destination parameter of ``alg``, as files in ``folder``."""
    join = os.path.join
    return {
        "interpolate": {"OUTPUT": join(folder, "grid.tif")},
        "anomalies": {
            "OUTPUT": join(folder, "classes.tif"),
            "OUTPUT_CONTOURS": join(folder, "contours.gpkg"),
            "OUTPUT_ANOMALIES": join(folder, "areas.gpkg"),
            "OUTPUT_TABLE": join(folder, "thresholds.csv"),
        },
        "pseudolabel": {
            "OUTPUT": join(folder, "labels.tif"),
            "OUTPUT_CONFIDENCE": join(folder, "confidence.tif"),
            "OUTPUT_SUMMARY": join(folder, "summary.json"),
        },
        "evaluate": {"OUTPUT_REPORT": join(folder, "report.html"), "OUTPUT_TABLE": join(folder, "table.csv")},
    }[alg]


def base_params(alg: str, d: Dict[str, str]) -> Dict[str, object]:
    """A run of ``alg`` that succeeds; each case changes one thing."""
    return {
        "interpolate": {"INPUT": d["samples"], "FIELDS": ["Cu", "Pb"], "PIXEL_SIZE": 500, "NEIGHBORS": 8},
        "anomalies": {"INPUT_RASTER": d["raster"], "METHOD": 0, "MIN_CELLS": 2},
        "pseudolabel": {
            "INPUT_RASTERS": [d["raster"]],
            "LABELS": d["deposits"],
            "POSITIVE_RADIUS": 300,
            "NEGATIVE_BUFFER": 1000,
            "BAGS": 5,
            "SEED": 1,
        },
        "evaluate": {"INPUT_RASTER": d["raster"], "DEPOSITS": d["deposits"], "ITERATIONS": 20},
    }[alg]


@dataclass
class Case:
    """One row of the matrix: what to change, and what must happen."""

    case: str
    alg: str
    change: Callable[[Dict[str, str], Dict[str, object]], Dict[str, object]]
    error: Optional[str] = None  # regex the QgsProcessingException must match; None = the run must succeed
    warning: Optional[str] = None  # regex one log line must match
    outputs_in: Optional[str] = None  # key of ``d`` holding the output folder (default: a fresh folder)
    cancel_at: Optional[float] = None  # cancel when progress reaches this (0 = before the first step)
    inputs: List[str] = field(default_factory=list)  # keys of ``d`` to hash (default: every path in params)

    @property
    def id(self) -> str:
        return f"{self.case}-{self.alg}"


def _set(**changes):
    """Change parameters; a value (or list item) naming an input of ``build`` becomes its path."""

    def resolve(d, v):
        if isinstance(v, list):
            return [resolve(d, item) for item in v]
        return d[v] if isinstance(v, str) and v in d else v

    return lambda d, p: {**p, **{k: resolve(d, v) for k, v in changes.items()}}


def _same_as_input(output: str, input_key: str):
    return lambda d, p: {**p, output: d[input_key]}


CASES: List[Case] = [
    # ---- empty layer -----------------------------------------------------------------------------------------
    Case("empty layer", "interpolate", _set(INPUT="empty"), error=r"^INPUT: .*no point features"),
    Case("empty layer", "anomalies", _set(INPUT_RASTER="allnodata"), error=r"^INPUT_RASTER: .*valid cells"),
    Case("empty layer", "pseudolabel", _set(LABELS="deposits_empty"), error=r"^LABELS: .*no point features"),
    Case("empty layer", "evaluate", _set(DEPOSITS="deposits_empty"), error=r"^DEPOSITS: .*no features"),
    # ---- no numeric fields / field missing ----------------------------------------------------------------------
    Case("no numeric fields", "interpolate", _set(FIELDS=["name"]), error=r"^FIELDS: .*'name' has no numeric"),
    Case(
        "no numeric fields",
        "interpolate",
        _set(INPUT="textonly", FIELDS=["name"]),
        error=r"^FIELDS: .*no numeric",
    ),
    Case("field missing", "interpolate", _set(FIELDS=["Au"]), error=r"^FIELDS: .*Au"),
    Case("field missing", "anomalies", _set(BANDS="Cu,Au"), error=r"^INPUT_RASTER: .*Au.*not found"),
    Case("field missing", "pseudolabel", _set(LABEL_FIELD="class"), error=r"LABEL_FIELD"),
    Case("field missing", "evaluate", _set(NAME_FIELD="nope"), error=r"NAME_FIELD"),
    # ---- text, NULL, '<DL' and negative below-detection values ---------------------------------------------------
    Case(
        "text/NULL/<DL values",
        "interpolate",
        _set(INPUT="messy", FIELDS=["Cu_raw"]),
        warning=r"Cu_raw: \d+ of 36 samples skipped",
    ),
    Case(
        "negative below-detection",
        "interpolate",
        _set(INPUT="negative", FIELDS=["Cu"], LOG_TRANSFORM=True),
        warning=r"Cu: 6 values <= 0 \(below detection\)",
    ),
    Case("text labels", "pseudolabel", _set(LABELS="messy", LABEL_FIELD="Cu_raw"), error=None),
    # ---- one sample / all identical / duplicates -----------------------------------------------------------------
    Case("one sample", "interpolate", _set(INPUT="one")),
    Case("one sample", "pseudolabel", _set(LABELS="one", POSITIVE_RADIUS=0)),
    Case("one sample", "evaluate", _set(DEPOSITS="one")),
    Case("all identical", "interpolate", _set(INPUT="identical", FIELDS=["Cu"])),
    Case("all identical", "anomalies", _set(INPUT_RASTER="constant"), error=r"^(INPUT_RASTER|METHOD): "),
    Case("all identical", "pseudolabel", _set(INPUT_RASTERS=["constant"])),
    Case("all identical", "evaluate", _set(INPUT_RASTER="constant")),
    Case("duplicate coordinates", "interpolate", _set(INPUT="duplicates")),
    # ---- CRS -----------------------------------------------------------------------------------------------------
    Case(
        "geographic CRS, metre pixel",
        "interpolate",
        _set(INPUT="geographic"),
        error=r"^INPUT: .*geographic CRS.*Reproject",
    ),
    Case(
        "geographic CRS, metre pixel",
        "anomalies",
        _set(INPUT_RASTER="geographic_raster"),
        error=r"^INPUT_RASTER: .*geographic CRS",
    ),
    Case(
        "geographic CRS, metre pixel",
        "pseudolabel",
        _set(INPUT_RASTERS=["geographic_raster"]),
        error=r"^INPUT_RASTERS: .*projected CRS",
    ),
    Case(
        "geographic CRS, metre pixel",
        "evaluate",
        _set(INPUT_RASTER="geographic_raster", DEPOSITS="deposits_4326"),
        warning=r"geographic CRS: cells differ in area",
    ),
    Case("different CRSs", "interpolate", _set(MASK="mask_4326")),
    Case("different CRSs", "anomalies", _set(MASK="mask_4326", DEPOSITS="deposits_4326")),
    Case("different CRSs", "pseudolabel", _set(LABELS="deposits_4326", MASK="mask_4326")),
    Case("different CRSs", "evaluate", _set(DEPOSITS="deposits_4326", MASK="mask_4326")),
    # ---- deposits outside the raster or mask ---------------------------------------------------------------------
    Case("deposits outside", "anomalies", _set(DEPOSITS="deposits_outside")),
    Case("deposits outside", "pseudolabel", _set(LABELS="deposits_outside"), error=r"^LABELS: .*overlap"),
    Case("deposits outside", "evaluate", _set(DEPOSITS="deposits_outside"), error=r"^DEPOSITS: none of the 2"),
    Case("mask outside", "interpolate", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    Case("mask outside", "anomalies", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    Case("mask outside", "pseudolabel", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    Case("mask outside", "evaluate", _set(MASK="mask_outside"), error=r"^MASK: .*do not cover"),
    # ---- rasters: nodata holes and NaN, one band -----------------------------------------------------------------
    Case("nodata holes and NaN", "anomalies", _set(INPUT_RASTER="holes")),
    Case("nodata holes and NaN", "pseudolabel", _set(INPUT_RASTERS=["holes"])),
    Case("nodata holes and NaN", "evaluate", _set(INPUT_RASTER="holes")),
    Case("one-band raster", "anomalies", _set(INPUT_RASTER="oneband")),
    Case("one-band raster", "pseudolabel", _set(INPUT_RASTERS=["oneband"])),
    Case("one-band raster", "evaluate", _set(INPUT_RASTER="oneband", BAND=2), error=r"^BAND: band 2 does not exist"),
    # ---- too large for memory: estimated and refused before any allocation -----------------------------------------
    Case("grid too large", "interpolate", _set(PIXEL_SIZE=0.01), error=r"^PIXEL_SIZE: .*cells.*larger pixel size"),
    Case("grid too large", "anomalies", _set(INPUT_RASTER="huge"), error=r"^INPUT_RASTER: .*GiB"),
    Case("grid too large", "pseudolabel", _set(INPUT_RASTERS=["huge"]), error=r"^INPUT_RASTERS: .*GiB"),
    Case("grid too large", "evaluate", _set(INPUT_RASTER="huge"), error=r"^INPUT_RASTER: .*GiB"),
]
for _alg in ALGS:
    CASES += [
        Case("cancel at start", _alg, lambda d, p: p, error=r"Cancelled by the user", cancel_at=0.0),
        Case("cancel midway", _alg, lambda d, p: p, error=r"Cancelled by the user", cancel_at=50.0),
        Case("cancel late", _alg, lambda d, p: p, error=r"Cancelled by the user", cancel_at=85.0),
        Case(
            "output folder not writable",
            _alg,
            lambda d, p: p,
            error=r"OUTPUT\w*: .*is a file, not a folder",
            outputs_in="file",
        ),
        Case(
            "output folder read-only (/proc)",
            _alg,
            lambda d, p: p,
            error=r"OUTPUT\w*: cannot write in the folder '/proc'",
            outputs_in="/proc",
        ),
    ]
CASES += [
    Case("output equals input", "interpolate", _same_as_input("OUTPUT", "samples"), error=r"^OUTPUT: .*input"),
    Case("output equals input", "anomalies", _same_as_input("OUTPUT", "raster"), error=r"^OUTPUT: .*input"),
    Case("output equals input", "pseudolabel", _same_as_input("OUTPUT_CONFIDENCE", "raster"), error=r"input"),
    Case(
        "output equals input", "evaluate", _same_as_input("OUTPUT_TABLE", "deposits"), error=r"^OUTPUT_TABLE: .*input"
    ),
    Case(
        "two outputs, one file",
        "anomalies",
        lambda d, p: {**p, "OUTPUT_ANOMALIES": p["OUTPUT_CONTOURS"]},
        error=r"^OUTPUT_\w+: .*same file",
    ),
]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return build(str(tmp_path_factory.mktemp("matrix_inputs")))


class LogFeedback:
    """A QgsProcessingFeedback that keeps every line it is given and can cancel at a progress value."""

    def __new__(cls, cancel_at=None):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.lines: List[str] = []
                if cancel_at == 0.0:
                    self.cancel()
                elif cancel_at is not None:
                    self.progressChanged.connect(lambda value: value >= cancel_at and self.cancel())

            def pushInfo(self, info):  # noqa: N802 (QGIS API name)
                self.lines.append(info)
                super().pushInfo(info)

            def pushWarning(self, warning):  # noqa: N802 (QGIS API name)
                self.lines.append(warning)
                super().pushWarning(warning)

            def pushDebugInfo(self, info):  # noqa: N802 (QGIS API name)
                self.lines.append(info)
                super().pushDebugInfo(info)

            def reportError(self, error, fatalError=False):  # noqa: N802, N803 (QGIS API names)
                self.lines.append(error)
                super().reportError(error, fatalError)

        return _Feedback()


def _input_paths(params: Dict[str, object]) -> List[str]:
    paths = []
    for value in params.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and os.path.isfile(item):
                paths.append(item)
    return paths


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_error_matrix(case: Case, data, run_algorithm, tmp_path):
    from qgis.core import QgsProcessingException

    if case.outputs_in == "file":
        out_folder = data["not_a_folder"]
    elif case.outputs_in == "/proc":
        out_folder = "/proc"
    else:
        out_folder = str(tmp_path)
    outputs = outputs_for(case.alg, out_folder)
    params = case.change(data, {**base_params(case.alg, data), **outputs})
    outputs = {k: v for k, v in params.items() if k.startswith("OUTPUT")}
    inputs = _input_paths(params)  # an output that names an input is hashed too
    before = digest(inputs)
    existing = {p for p in outputs.values() if os.path.exists(p)}
    feedback = LogFeedback(case.cancel_at)

    if case.error is None:
        result = run_algorithm(f"prospector:{case.alg}", params, feedback=feedback)
        for key, path in outputs.items():
            assert result.get(key) == path and os.path.isfile(path), f"{key} was not written"
    else:
        with pytest.raises(QgsProcessingException) as raised:
            run_algorithm(f"prospector:{case.alg}", params, feedback=feedback)
        message = str(raised.value)
        print(f"[{case.id}] {message}")  # pytest -rP lists every message (tests/ERROR_MATRIX.md quotes them)
        assert re.search(case.error, message), message
        assert "Unexpected error" not in message, message
        for path in outputs.values():
            if path not in existing:
                assert not os.path.exists(path), f"{path} left behind"
        if os.path.isdir(out_folder):
            assert not [f for f in os.listdir(out_folder) if f.startswith(".partial-")], "temporary file left"

    log = "\n".join(feedback.lines)
    assert "Traceback" not in log, log
    if case.warning:
        assert re.search(case.warning, log, re.MULTILINE), log
    assert digest(inputs) == before, "an input was modified"

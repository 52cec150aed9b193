"""The error matrix (tests/ERROR_MATRIX.md) through processing.run: one test per (case, algorithm) row.

Every row checks, beyond its own expectation:
- a refusal is a QgsProcessingException whose message names the parameter (and says what to do);
- the log never holds a Python traceback;
- a refused or cancelled run leaves nothing at any output path, nor a temporary file beside it;
- the inputs are byte-for-byte unchanged (hashed before and after), and so is every file in their folders
  (names and bytes): reading an input writes nothing beside it (no .aux.xml, no rewritten VRT).
The rows live in tests/error_cases.py (shared with the qgis_process tests).
"""

from __future__ import annotations

import gc
import os
import re
import warnings
from typing import Dict, List

import pytest

from tests.error_cases import (
    ALGS,
    CASES,
    Case,
    base_params,
    build,
    crafted_model,
    digest,
    folder_digest,
    hashed_inputs,
    input_folders,
    output_folder,
    outputs_for,
    put_old_outputs,
    written_path,
)


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
    return hashed_inputs(params)  # files, and the archive of a file in one ('/vsizip/…' or a layer on it)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_error_matrix(case: Case, data, run_algorithm, tmp_path):
    with output_folder(case, data, str(tmp_path)) as out_folder:
        _run_row(case, data, run_algorithm, out_folder)


def _run_row(case: Case, data, run_algorithm, out_folder: str) -> None:
    outputs = outputs_for(case.alg, out_folder)
    params = case.change(data, {**base_params(case.alg, data), **outputs})
    outputs = {k: v for k, v in params.items() if k.startswith("OUTPUT")}
    if case.old_outputs:
        put_old_outputs(outputs.values())
    after_run = case.prepare(data, params) if case.prepare else None
    inputs = _input_paths(params)  # an output naming an input, or an old output, is hashed too
    before = digest(inputs)
    folders = input_folders(params)
    before_folders = folder_digest(folders)
    existing = {p for p in outputs.values() if os.path.exists(p)}
    feedback = LogFeedback(case.cancel_at)
    try:
        _run_and_check(case, data, run_algorithm, params, outputs, existing, out_folder, feedback)
    finally:
        if after_run is not None:
            after_run()
    gc.collect()  # the run's context and its layers go now: GDAL writes sidecars when a dataset closes
    assert digest(inputs) == before, "an input was modified"
    assert folder_digest(folders) == before_folders, "a file beside an input was written or changed"


def _run_and_check(case: Case, data, run_algorithm, params, outputs, existing, out_folder, feedback) -> None:
    from qgis.core import QgsProcessingException

    if case.error is None:
        with warnings.catch_warnings(record=True) as raised_warnings:
            warnings.simplefilter("always" if case.not_in_log else "default")
            result = run_algorithm(f"prospector:{case.alg}", params, feedback=feedback)
        feedback.lines += [f"{w.category.__name__}: {w.message}" for w in raised_warnings]  # as qgis_process logs them
        for key, path in outputs.items():
            path = written_path(path)
            assert result.get(key) == path and os.path.isfile(path), f"{key} was not written"
        if case.check:
            case.check(params)
    else:
        with pytest.raises(QgsProcessingException) as raised:
            run_algorithm(f"prospector:{case.alg}", params, feedback=feedback)
        message = str(raised.value)
        print(
            f"[{case.id}] " + " / ".join(message.splitlines())
        )  # pytest -rP lists every message (tests/ERROR_MATRIX.md quotes them)
        assert re.search(case.error, message, re.MULTILINE), message
        assert "Unexpected error" not in message, message
        for path in outputs.values():
            if path not in existing:
                assert not os.path.exists(path), f"{path} left behind"
        if os.path.isdir(out_folder):
            assert not [f for f in os.listdir(out_folder) if f.startswith(".partial-")], "temporary file left"

    log = "\n".join(feedback.lines)
    assert "Traceback" not in log, log
    for key in case.never_created:
        assert not os.path.exists(data[key]), f"{data[key]} exists: the run executed code from an input file"
    if case.warning:
        assert re.search(case.warning, log, re.MULTILINE), log
    if case.not_in_log:
        assert not re.search(case.not_in_log, log, re.MULTILINE), log


def test_the_crafted_model_file_does_run_code_when_unpickled_unsafely(tmp_path):
    """The 'crafted to run code' row proves something only if the file really is an exploit: unpickled the
    unsafe way (torch.load without weights_only), it creates its marker file."""
    import torch

    for legacy in (False, True):
        marker = tmp_path / f"marker{legacy}"
        path = crafted_model(str(tmp_path / f"crafted{legacy}.pt"), str(marker), legacy=legacy)
        torch.load(path, weights_only=False)
        assert marker.exists()


def test_a_late_write_failure_leaves_no_output_and_old_files_intact(data, run_algorithm, tmp_path, monkeypatch):
    """The disk fills while the 3rd of anomalies' outputs is written: the two written before must not appear,
    files of an earlier run stay as they were, and the message says what to check (no 'Unexpected error')."""
    from qgis.core import QgsProcessingException

    import geochem_prospector.algorithms.anomalies as module

    real = module.write_vector
    calls = []

    def failing(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # OUTPUT (raster) and OUTPUT_CONTOURS are done by now
            raise OSError(28, "No space left on device", path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, "write_vector", failing)
    outputs = outputs_for("anomalies", str(tmp_path))
    put_old_outputs([outputs["OUTPUT"]])
    before = digest([outputs["OUTPUT"]])
    with pytest.raises(QgsProcessingException, match=r"^Could not read or write a file .*No space left on device"):
        run_algorithm("prospector:anomalies", {**base_params("anomalies", data), **outputs})
    assert len(calls) == 2
    assert digest([outputs["OUTPUT"]]) == before
    assert sorted(os.listdir(tmp_path)) == ["classes.tif"]


#: outputs beyond outputs_for(): interpolate's kriging variance and cross-validation table
EXTRA_OUTPUTS = {"interpolate": {"METHOD": 1, "OUTPUT_VARIANCE": "variance.tif", "OUTPUT_CV": "cv.csv"}}
WRITES = [
    (alg, key)
    for alg in ALGS
    for key in [*outputs_for(alg, ""), *(k for k in EXTRA_OUTPUTS.get(alg, {}) if k.startswith("OUTPUT"))]
]


@pytest.mark.parametrize("alg,output", WRITES, ids=[f"{a}-{o}" for a, o in WRITES])
def test_a_failing_write_names_its_own_output(alg, output, data, run_algorithm, tmp_path, monkeypatch):
    """The folders are checked before any work; should one fail only when its output is written (a network
    drive gone meanwhile), the message must still name that output, not a generic OUTPUT."""
    from qgis.core import QgsProcessingException

    from geochem_prospector.algorithms.base import ProspectorAlgorithm

    monkeypatch.setattr(ProspectorAlgorithm, "check_outputs", lambda self, parameters, context: None)
    extra = {
        k: os.path.join(str(tmp_path), v) if k.startswith("OUTPUT") else v
        for k, v in EXTRA_OUTPUTS.get(alg, {}).items()
    }
    params = {**base_params(alg, data), **outputs_for(alg, str(tmp_path)), **extra}
    params[output] = os.path.join(data["not_a_folder"], os.path.basename(params[output]))
    with pytest.raises(QgsProcessingException, match=rf"^{output}: '.*' is a file, not a folder"):
        run_algorithm(f"prospector:{alg}", params)
    assert os.listdir(tmp_path) == []  # the other outputs, written or not, are gone with it


def test_layers_in_another_crs_are_reprojected_not_misplaced(data, run_algorithm, tmp_path):
    """The 'different CRSs' rows run; here the numbers show the deposits (EPSG:4326) landed where the same
    deposits in the raster's CRS do, rather than being silently misplaced."""
    import rasterio

    def evaluate(deposits, name):
        params = {**base_params("evaluate", data), **outputs_for("evaluate", str(tmp_path / name))}
        (tmp_path / name).mkdir()
        return run_algorithm("prospector:evaluate", {**params, "DEPOSITS": data[deposits], "SEED": 3})

    same, other = evaluate("deposits", "a"), evaluate("deposits_4326", "b")
    assert other["DEPOSITS_USED"] == same["DEPOSITS_USED"] == 3
    assert other["AUC"] == same["AUC"]

    def labels(deposits, name):
        params = {**base_params("pseudolabel", data), **outputs_for("pseudolabel", str(tmp_path / name))}
        (tmp_path / name).mkdir()
        out = run_algorithm("prospector:pseudolabel", {**params, "LABELS": data[deposits]})
        with rasterio.open(out["OUTPUT"]) as src:
            return src.read(1)

    assert (labels("deposits", "c") == labels("deposits_4326", "d")).all()


def test_every_algorithm_gets_the_output_checks_including_file_inputs(prospector_provider, tmp_path):
    """The checks live in the base class: an algorithm written later (e.g. predict, with a MODEL file input) is
    covered without code of its own. Shown with a minimal algorithm with a file input and two file outputs."""
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingException,
        QgsProcessingFeedback,
        QgsProcessingParameterFile,
        QgsProcessingParameterFileDestination,
    )

    from geochem_prospector.algorithms.base import ProspectorAlgorithm

    class Minimal(ProspectorAlgorithm):
        def name(self):
            return "minimal"

        def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
            self.addParameter(QgsProcessingParameterFile("MODEL", "Model"))
            self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", "Out"))
            self.addParameter(QgsProcessingParameterFileDestination("OUTPUT_REPORT", "Report"))

        def process(self, parameters, context, feedback):
            return {}

    model = tmp_path / "model.pt"
    model.write_bytes(b"weights")
    alg = Minimal()
    alg.initAlgorithm()
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    good = {"MODEL": str(model), "OUTPUT": str(tmp_path / "a.tif"), "OUTPUT_REPORT": str(tmp_path / "r.html")}
    assert alg.processAlgorithm(good, context, feedback) == {}
    with pytest.raises(QgsProcessingException, match=r"^OUTPUT: the output would overwrite an input \(MODEL: "):
        alg.processAlgorithm({**good, "OUTPUT": str(model)}, context, feedback)
    with pytest.raises(QgsProcessingException, match=r"^OUTPUT_REPORT: the same file as OUTPUT"):
        alg.processAlgorithm({**good, "OUTPUT_REPORT": good["OUTPUT"]}, context, feedback)
    assert model.read_bytes() == b"weights" and sorted(os.listdir(tmp_path)) == ["model.pt"]


def test_dates_and_times_read_as_iso_text_keeping_milliseconds():
    """Attribute dates become ISO text as Python's own isoformat writes them; milliseconds are kept, so two
    readings within one second stay apart."""
    import datetime

    from qgis.PyQt.QtCore import QDate, QDateTime, QTime

    from geochem_prospector.algorithms.point_reading import plain_value

    moment = datetime.datetime(2001, 5, 1, 12, 30, 5, 250000)
    assert plain_value(QDate(2001, 5, 1)) == moment.date().isoformat()
    assert plain_value(QDateTime(QDate(2001, 5, 1), QTime(12, 30, 5))) == moment.replace(microsecond=0).isoformat()
    assert plain_value(QDateTime(QDate(2001, 5, 1), QTime(12, 30, 5, 250))) == moment.isoformat(timespec="milliseconds")
    assert plain_value(QTime(12, 30, 5, 250)) == moment.time().isoformat(timespec="milliseconds")
    assert plain_value(QDate()) is None
    assert plain_value(7) == 7

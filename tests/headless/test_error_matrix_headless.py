"""The error matrix (tests/ERROR_MATRIX.md) through qgis_process, as a user runs it: every row but the
cancellations, which qgis_process cannot express (tests/qgis runs those). Expected: exit code != 0 with the parameter named in the log, no
Python traceback, nothing at the output paths, inputs unchanged and nothing written beside them (every file in the
inputs' folders hashed).
"""

import os
import re

import pytest

from tests.error_cases import (
    CASES,
    base_params,
    build,
    digest,
    folder_digest,
    hashed_inputs,
    input_folders,
    output_folder,
    outputs_for,
    put_old_outputs,
    written_path,
)

#: every row qgis_process can express: all but the cancellations (qgis_process cannot cancel a run) and the rows
#: that pass a layer object
ROWS = [c for c in CASES if c.cancel_at is None and c.headless]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return build(str(tmp_path_factory.mktemp("headless_matrix_inputs")))


@pytest.mark.parametrize("case", ROWS, ids=[c.id for c in ROWS])
def test_error_matrix_headless(case, data, qgis_process, tmp_path):
    with output_folder(case, data, str(tmp_path)) as out_folder:
        _run_row(case, data, qgis_process, out_folder)


def _run_row(case, data, qgis_process, out_folder):
    params = case.change(data, {**base_params(case.alg, data), **outputs_for(case.alg, out_folder)})
    outputs = [v for k, v in params.items() if k.startswith("OUTPUT")]
    if case.old_outputs:
        put_old_outputs(outputs)
    after_run = case.prepare(data, params) if case.prepare else None
    inputs = hashed_inputs(params)  # an archive is hashed for a file in it
    before = digest(inputs)
    folders = input_folders(params)
    before_folders = folder_digest(folders)
    existing = {p for p in outputs if os.path.exists(p)}

    try:
        code, result, log = qgis_process(f"prospector:{case.alg}", params)
    finally:
        if after_run is not None:
            after_run()

    assert "Traceback" not in log, log
    if case.error is None:
        assert code == 0, log
        assert all(os.path.isfile(written_path(p)) for p in outputs), log
        if case.check:
            case.check(params)
    else:
        assert code != 0, log
        # qgis_process prints the exception text on its own line
        assert any(re.search(case.error, line.strip()) for line in log.splitlines()), log
        assert not [p for p in outputs if p not in existing and os.path.exists(p)]
    if case.warning:
        assert re.search(case.warning, log, re.MULTILINE), log
    if case.not_in_log:
        assert not re.search(case.not_in_log, log, re.MULTILINE), log
    for key in case.never_created:
        assert not os.path.exists(data[key]), f"{data[key]} exists: the run executed code from an input file"
    assert digest(inputs) == before, "an input was modified"
    assert folder_digest(folders) == before_folders, "a file beside an input was written or changed"

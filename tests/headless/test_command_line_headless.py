"""What a user types on the command line: ``qgis_process help`` prints an algorithm's help as plain text (escaped
for the dialogs' HTML there, '<layer>' must read as written on a terminal), option lists take words, and a run
asked to end (``kill``, a service manager's SIGTERM) takes its temporary files with it."""

import os
import signal
import subprocess
import time

import rasterio

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "resources", "sample_data")


def _help(env, algorithm_id):
    proc = subprocess.run(
        ["qgis_process.bin", "help", algorithm_id], env=dict(env), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_help_prints_angle_brackets_as_written(qgis_process_env):
    evidence = _help(qgis_process_env, "prospector:evidence")
    assert "(<layer>:<what>)" in evidence
    interpolate = _help(qgis_process_env, "prospector:interpolate")
    assert "text such as '<5' or '< 0.5'" in interpolate  # the help text
    assert "('<5', or -5 for 'below 5')" in interpolate  # a parameter's help
    for text in (evidence, interpolate):
        assert "&lt;" not in text and "&gt;" not in text and "&amp;" not in text


def _evaluate(direction, folder):
    """evaluate's parameters on the bundled magnetics and deposits, outputs in ``folder``."""
    return {
        "INPUT_RASTER": os.path.join(SAMPLES, "magnetics_tmi_nT.tif"),
        "DEPOSITS": os.path.join(SAMPLES, "deposits.gpkg"),
        "DIRECTION": direction,
        "ITERATIONS": 50,
        "OUTPUT_REPORT": str(folder / "r.html"),
        "OUTPUT_TABLE": str(folder / "t.csv"),
    }


def test_an_option_given_by_words_runs_as_its_number(qgis_process, tmp_path):
    """DIRECTION=low is DIRECTION=2 (QGIS 3.22's own check refused every word before the algorithm ran)."""
    results = {}
    for value in ("low", "2"):
        folder = tmp_path / value
        folder.mkdir()
        code, out, log = qgis_process("prospector:evaluate", _evaluate(value, folder))
        assert code == 0, log[-2000:]
        results[value] = out["results"]
    assert results["low"]["AUC"] == results["2"]["AUC"] and results["low"]["LOW_VALUES_FIRST"]
    code, _, log = qgis_process("prospector:evaluate", _evaluate("sideways", tmp_path))
    assert code != 0 and "DIRECTION: choose one of 0 (Automatic" in log and "(got 'sideways')" in log
    assert not (tmp_path / "r.html").exists()


def test_a_run_asked_to_end_removes_its_temporaries_and_keeps_the_old_output(qgis_process_env, tmp_path):
    """SIGTERM while interpolate writes its 9 MB raster: before, the process died at once and left the temporary
    (a hidden ``.partial-*`` file of the raster's size) until a later run wrote into that folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "cu.tif").write_bytes(b"the earlier run's raster")
    args = ["qgis_process.bin", "run", "prospector:interpolate", "--", f"OUTPUT={folder / 'cu.tif'}"]
    args += [f"INPUT={os.path.join(SAMPLES, 'till_geochemistry.gpkg')}", "PIXEL_SIZE=50"]
    args += [f"FIELDS={name}" for name in ("Cu", "Fe", "Th")]
    run = subprocess.Popen(args, env=dict(qgis_process_env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while run.poll() is None and time.monotonic() < deadline:
        # the raster is being written (not the probe of the folder's permissions, ``.partial-*.probe``)
        if any(name.startswith(".partial-") and name.endswith(".tif") for name in os.listdir(folder)):
            run.send_signal(signal.SIGTERM)
            break
        time.sleep(0.005)
    log = run.communicate(timeout=300)[0].decode(errors="replace")
    assert run.returncode == -signal.SIGTERM, log[-2000:]  # it still ends by the signal, as asked
    assert "Stopped by SIGTERM" in log and "Traceback" not in log, log[-2000:]
    assert sorted(os.listdir(folder)) == ["cu.tif"], log[-3000:]  # no temporary, no backup of the earlier raster
    if "no output was written" in log:  # the usual case: the signal came while the raster was written
        assert (folder / "cu.tif").read_bytes() == b"the earlier run's raster"
    else:  # it came as the raster was put in place (a race the test cannot rule out): the run finished it first
        assert "its outputs are written and complete" in log, log[-2000:]
        with rasterio.open(folder / "cu.tif") as written:
            assert written.count == 3 and written.read(1, masked=True).count() > 0

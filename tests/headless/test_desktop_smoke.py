"""Real QGIS desktop under Xvfb with the plugin enabled: the panel opens, nothing raises, a screenshot is taken."""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from enable_plugin import enable  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "desktop_smoke_script.py")


@pytest.mark.skipif(shutil.which("qgis") is None, reason="QGIS desktop (apt package qgis) is not installed")
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is missing (apt-get install xvfb)")
def test_desktop_opens_panel_without_errors(tmp_path):
    profiles = tmp_path / "profiles_root"
    ini = profiles / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    enable(str(ini))
    with open(ini, "a", encoding="utf-8") as handle:  # no tips or news dialogs on a fresh profile
        handle.write("\n[qgis]\ncheckVersion=false\nshowTips322=false\nallowVersionCheck=false\n")
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform on Xvfb
    env.update(
        QGIS_PLUGINPATH=os.path.join(REPO, "build", "plugins"),
        PROSPECTOR_SMOKE_OUT=str(out),
        PROJ_DATA="/usr/share/proj",
        HOME=str(tmp_path),
        XDG_RUNTIME_DIR=str(tmp_path),
    )
    command = [
        "xvfb-run", "-a", "-s", "-screen 0 1400x900x24",
        "qgis", "--profiles-path", str(profiles), "--profile", "default",
        "--nologo", "--noversioncheck", "--nocustomization",
        "--code", SCRIPT,
    ]  # fmt: skip
    # own process group, so a QGIS stuck in a dialog is killed with xvfb-run rather than left behind
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
    log = stdout[-4000:] + stderr[-4000:]
    report_path = out / "report.json"
    assert report_path.exists(), f"the startup script did not finish (exit {proc.returncode}):\n{log}"
    report = json.loads(report_path.read_text())
    assert report["errors"] == [], "\n".join(report["errors"])
    python_errors = [
        m
        for m in report["messages"]
        if m["tag"] == "Python error" or "geochem_prospector" in m["message"] and m["level"] >= 2
    ]
    assert python_errors == [], python_errors
    assert "Traceback" not in stderr, log
    assert report["plugin_loaded"] and "geochem_prospector" in report["active_plugins"]
    assert report["dock_visible"] is True
    assert list(report["steps"]) == ["interpolate", "anomalies", "pseudolabel", "traincnn", "predict", "evaluate"]
    assert report["steps"]["interpolate"] in ("ready", "done")
    assert "Till geochemistry samples" in report["layers"] and len(report["layers"]) == 6
    screenshot = out / "screenshot.png"
    assert (out / "panel.png").stat().st_size > 5000 and screenshot.stat().st_size > 20000
    # inside QGIS sys.executable is the QGIS program: the dialog must still find the Python to run pip with
    assert report["python"] and os.path.isfile(report["python"]) and "python" in os.path.basename(report["python"])
    command = report["install_command"]
    assert command[1:4] == ["-m", "pip", "install"]
    assert command[command.index("--target") + 1].startswith(str(profiles))
    if os.environ.get("UPDATE_SCREENSHOTS"):  # refresh the README's picture on request, never as a side effect
        shutil.copyfile(screenshot, os.path.join(REPO, "docs", "screenshot_panel.png"))

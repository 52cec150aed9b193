"""Start real QGIS desktop under Xvfb with the plugin enabled in a private profile, running a startup script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Dict, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from enable_plugin import enable  # noqa: E402


def profiles_root(tmp_path) -> str:
    """A profiles folder whose default profile has the plugin enabled and no tips or news dialogs."""
    profiles = tmp_path / "profiles_root"
    ini = profiles / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    if not ini.exists():
        enable(str(ini))
        with open(ini, "a", encoding="utf-8") as handle:
            handle.write("\n[qgis]\ncheckVersion=false\nshowTips322=false\nallowVersionCheck=false\n")
    return str(profiles)


def run_desktop(
    script: str, tmp_path, extra_env: Dict[str, str], timeout: float, with_torch: bool = False
) -> Tuple[int, bool, str, str]:
    """Run ``qgis --code script``; returns (exit code, timed out, stdout, stderr).

    QGIS runs in its own process group, so one stuck in a dialog is killed with xvfb-run, not left behind.
    ``with_torch`` puts the venv's site-packages on PYTHONPATH, as after "Install PyTorch".
    """
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform on Xvfb
    env.update(
        QGIS_PLUGINPATH=os.path.join(REPO, "build", "plugins"),
        PROJ_DATA="/usr/share/proj",
        HOME=str(tmp_path),
        XDG_RUNTIME_DIR=str(tmp_path),
        **extra_env,
    )
    if with_torch:
        site = os.path.join(REPO, ".venv", "lib", "python3.11", "site-packages")
        env["PYTHONPATH"] = site + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    command = [
        "xvfb-run", "-a", "-s", "-screen 0 1400x900x24",
        "qgis", "--profiles-path", profiles_root(tmp_path), "--profile", "default",
        "--nologo", "--noversioncheck", "--nocustomization",
        "--code", script,
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, False, stdout, stderr
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return proc.returncode, True, stdout, stderr

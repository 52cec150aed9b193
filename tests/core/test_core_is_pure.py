"""core/ must import without QGIS or Qt: it runs on GPU machines and in plain Python."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_importing_every_core_module_imports_no_qgis():
    modules = sorted(
        f"geochem_prospector.core.{name[:-3]}"
        for name in os.listdir(os.path.join(REPO, "core"))
        if name.endswith(".py") and name != "__init__.py"
    )
    assert len(modules) >= 3
    code = (
        "import sys, importlib\n"
        f"sys.path.insert(0, {os.path.join(REPO, 'build', 'plugins')!r})\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5', 'PyQt6', 'sip'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported {out.stdout.strip()}"

"""core/ must import without QGIS or Qt: it runs on GPU machines and in plain Python."""

import os
import subprocess
import sys

from tests.conftest import REPO


def core_modules():
    """Every module of core/ and of its stage packages, as dotted names."""
    modules = []
    root = os.path.join(REPO, "core")
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        package = ".".join(["geochem_prospector", *os.path.relpath(folder, REPO).split(os.sep)])
        modules += [
            package if name == "__init__.py" else f"{package}.{name[:-3]}" for name in files if name.endswith(".py")
        ]
    return sorted(modules)


def test_every_stage_package_is_walked():
    modules = core_modules()
    for package in ("io", "interpolation", "anomalies", "labels", "learning", "evaluation", "reports"):
        assert f"geochem_prospector.core.{package}" in modules
    assert "geochem_prospector.core.learning.estimator" in modules and len(modules) > 30


def test_importing_every_core_module_imports_no_qgis():
    code = (
        "import sys, importlib\n"
        f"sys.path.insert(0, {os.path.join(REPO, 'build', 'plugins')!r})\n"
        f"for m in {core_modules()!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5', 'PyQt6', 'sip'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported {out.stdout.strip()}"


def test_only_the_learning_package_imports_torch():
    code = (
        "import sys, importlib\n"
        f"sys.path.insert(0, {os.path.join(REPO, 'build', 'plugins')!r})\n"
        f"for m in {[m for m in core_modules() if '.learning' not in m]!r}: importlib.import_module(m)\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", "a module outside core/learning imported torch"


def test_io_imports_no_stage_package():
    """core/io serves every stage, so it may not depend on one (that would make the stages a cycle)."""
    import re

    stages = ("interpolation", "anomalies", "labels", "learning", "evaluation", "reports")
    found = []
    for name in os.listdir(os.path.join(REPO, "core", "io")):
        if name.endswith(".py"):
            with open(os.path.join(REPO, "core", "io", name), encoding="utf-8") as handle:
                text = handle.read()
            found += [f"{name}: {m}" for m in re.findall(r"from \.\.(\w+)", text) if m in stages]
    assert found == []

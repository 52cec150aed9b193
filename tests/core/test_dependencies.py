"""Dependency detection, the private install folder and the pip command line (no QGIS needed)."""

import glob
import os
import subprocess
import sys

import pytest

from geochem_prospector.core import dependencies as deps

WHEELS = sorted(glob.glob("/opt/wheels/torch-*+cpu-*.whl")) or sorted(
    glob.glob(os.path.join(os.environ.get("PROSPECTOR_TORCH_WHEELS", "/nonexistent"), "torch-*.whl"))
)


def test_deps_dir_is_private_to_profile_and_python_version(tmp_path):
    folder = deps.deps_dir(str(tmp_path / "profiles" / "default"), (3, 12))
    assert folder == os.path.join(str(tmp_path), "profiles", "default", "python", "geochem_prospector_deps", "py312")
    assert deps.deps_dir(str(tmp_path)).endswith(f"py{sys.version_info[0]}{sys.version_info[1]}")


def test_add_deps_to_path_appends_once_and_only_existing_folders(tmp_path):
    path = ["/usr/lib/python3/dist-packages"]
    missing = tmp_path / "absent"
    assert deps.add_deps_to_path(str(missing), path) is False
    assert path == ["/usr/lib/python3/dist-packages"]
    folder = tmp_path / "deps"
    folder.mkdir()
    assert deps.add_deps_to_path(str(folder), path) is True
    assert deps.add_deps_to_path(str(folder) + os.sep, path) is True
    # appended after QGIS's own packages, never in front of them, and only once
    assert path == ["/usr/lib/python3/dist-packages", str(folder)]


def test_find_module_sees_a_package_in_the_private_folder(tmp_path, monkeypatch):
    folder = tmp_path / "deps"
    (folder / "fake_torch_xyz").mkdir(parents=True)
    (folder / "fake_torch_xyz" / "__init__.py").write_text("")
    assert deps.find_module("fake_torch_xyz") is None
    monkeypatch.setattr(sys, "path", list(sys.path))
    deps.add_deps_to_path(str(folder))
    assert deps.find_module("fake_torch_xyz") == str(folder / "fake_torch_xyz" / "__init__.py")


def test_check_torch_message_says_how_to_install(monkeypatch):
    monkeypatch.setattr(deps, "find_module", lambda name: None)
    ok, message = deps.check_torch()
    assert ok is False
    assert "PyTorch is not installed" in message and "Install dependencies" in message
    monkeypatch.setattr(deps, "find_module", lambda name: "/x/torch/__init__.py")
    assert deps.check_torch() == (True, "")
    assert deps.torch_status().location == "/x/torch/__init__.py"


@pytest.mark.parametrize(
    "output, expected",
    [
        ("| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4     |", (12, 4)),
        ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", None),
        ("", None),
    ],
)
def test_parse_cuda_version(output, expected):
    assert deps.parse_cuda_version(output) == expected


@pytest.mark.parametrize(
    "driver, tag",
    [(None, None), ((11, 4), None), ((11, 8), "cu118"), ((12, 2), "cu118"), ((12, 4), "cu124"), ((13, 0), "cu126")],
)
def test_cuda_tag_is_newest_build_the_driver_runs(driver, tag):
    assert deps.cuda_tag(driver) == tag


def test_cuda_driver_version_without_nvidia_smi(tmp_path):
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho '| Driver Version: 535.1   CUDA Version: 12.2 |'\n")
    fake.chmod(0o755)
    assert deps.cuda_driver_version(str(fake)) == (12, 2)
    assert deps.cuda_driver_version(str(tmp_path / "missing")) is None


def test_index_url_per_platform():
    assert deps.index_url(None, "linux") == "https://download.pytorch.org/whl/cpu"
    assert deps.index_url(None, "win32") == "https://download.pytorch.org/whl/cpu"
    assert deps.index_url(None, "darwin") is None
    assert deps.index_url("cu124", "linux") == "https://download.pytorch.org/whl/cu124"


def test_python_executable_inside_qgis(tmp_path):
    # a venv or a plain interpreter: sys.executable under exec_prefix is the one
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    assert deps.python_executable(str(venv), "linux", str(venv / "bin" / "python")) == str(venv / "bin" / "python")
    # inside QGIS sys.executable is the QGIS program or another python3 on PATH: use exec_prefix's interpreter
    win = tmp_path / "apps" / "Python312"
    win.mkdir(parents=True)
    (win / "python.exe").write_text("")
    found = deps.python_executable(str(win), "win32", executable=r"C:\\OSGeo4W\\bin\\qgis-bin.exe")
    assert found == str(win / "python.exe")
    unix = tmp_path / "usr"
    (unix / "bin").mkdir(parents=True)
    (unix / "bin" / "python3").write_text("")
    assert deps.python_executable(str(unix), "linux", executable="/usr/bin/qgis") == str(unix / "bin" / "python3")
    pyenv = "/root/.pyenv/shims/python3"  # what an embedded Python may report: not QGIS's interpreter
    assert deps.python_executable(str(unix), "linux", executable=pyenv) == str(unix / "bin" / "python3")
    assert deps.python_executable(str(tmp_path / "empty"), "linux", executable="/usr/bin/qgis") is None


def test_constraints_pin_installed_versions():
    versions = deps.installed_versions(["numpy", "surely-not-installed-pkg"])
    import numpy

    assert versions == {"numpy": numpy.__version__}
    text = deps.constraints_text(versions)
    assert f"numpy=={numpy.__version__}" in text.splitlines()


def test_pip_command_targets_private_folder_with_constraints(tmp_path):
    cmd = deps.pip_command(
        "/usr/bin/python3", str(tmp_path / "t"), str(tmp_path / "c.txt"), index=deps.index_url("cu124", "linux")
    )
    assert cmd[:4] == ["/usr/bin/python3", "-m", "pip", "install"]
    assert cmd[cmd.index("--target") + 1] == str(tmp_path / "t")
    assert cmd[cmd.index("--constraint") + 1] == str(tmp_path / "c.txt")
    assert cmd[cmd.index("--index-url") + 1] == "https://download.pytorch.org/whl/cu124"
    assert cmd[-1] == deps.TORCH_SPEC
    assert "--user" not in cmd and "--no-index" not in cmd


def test_pip_command_offline_and_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cmd = deps.pip_command("py", "target", None, spec="torch==2.13.0", find_links=["wheels"], offline=True)
    assert "--index-url" not in cmd and "--constraint" not in cmd
    assert "--no-index" in cmd
    assert cmd[cmd.index("--target") + 1] == str(tmp_path / "target")
    assert cmd[cmd.index("--find-links") + 1] == str(tmp_path / "wheels")
    with pytest.raises(ValueError):
        deps.pip_command("", "target")


def test_verify_command_and_output_parsing(tmp_path):
    folder = tmp_path / "deps"
    (folder / "torch").mkdir(parents=True)
    (folder / "torch" / "__init__.py").write_text(
        "__version__ = '9.9'\nclass cuda:\n    is_available = staticmethod(lambda: False)\n"
    )
    cmd = deps.verify_command(sys.executable, str(folder))
    cmd.insert(1, "-S")  # no site-packages: the only torch is the one in the private folder
    proc = subprocess.run(cmd, capture_output=True, text=True)
    parsed = deps.parse_verify_output(proc.stdout)
    assert parsed == {"version": "9.9", "file": str(folder / "torch" / "__init__.py"), "cuda": "False"}, proc.stderr
    assert deps.parse_verify_output("Traceback ...\nModuleNotFoundError: No module named 'torch'") is None


@pytest.mark.skipif(not WHEELS, reason="no local torch CPU wheel in /opt/wheels (or $PROSPECTOR_TORCH_WHEELS)")
@pytest.mark.skipif(not os.path.exists("/usr/bin/python3"), reason="needs QGIS's system Python /usr/bin/python3")
def test_real_install_of_local_torch_wheel_into_private_folder(tmp_path):
    """The dialog's real path: pip --target with constraints, then import in a fresh QGIS Python."""
    check = subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True)
    if check.returncode == 0:
        pytest.skip("/usr/bin/python3 already has torch: the import would not prove the install")
    target = deps.deps_dir(str(tmp_path / "profile"))
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(deps.constraints_text(deps.installed_versions()))
    # the wheel file itself as the spec: no CUDA build can sneak in from an index
    # pip run by QGIS's own Python, as the dialog does (falls back to this interpreter's pip)
    has_pip = subprocess.run(["/usr/bin/python3", "-m", "pip", "--version"], capture_output=True).returncode == 0
    python = "/usr/bin/python3" if has_pip else sys.executable
    cmd = deps.pip_command(python, target, str(constraints), spec=WHEELS[-1], index=None)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    unreachable = ("No matching distribution found", "Could not find a version", "NewConnectionError", "Max retries")
    if proc.returncode != 0 and any(text in proc.stderr for text in unreachable):
        pytest.skip("torch's dependencies (sympy, networkx, ...) are not reachable from this machine's pip indexes")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert os.path.isdir(os.path.join(target, "torch"))
    assert not os.path.exists(os.path.join(target, "numpy")), "QGIS's numpy must not be shadowed"
    verify = subprocess.run(
        deps.verify_command("/usr/bin/python3", target), capture_output=True, text=True, timeout=300, env={}
    )
    parsed = deps.parse_verify_output(verify.stdout)
    assert parsed is not None, verify.stderr[-3000:]
    assert parsed["file"].startswith(target)
    assert parsed["version"] in os.path.basename(WHEELS[-1])


def test_sklearn_missing_says_how_to_install(monkeypatch):
    monkeypatch.setattr(deps, "find_module", lambda name: None)
    ok, message = deps.check_sklearn()
    assert not ok and "python3-sklearn" in message and "Install dependencies" in message


def test_sklearn_verify_command_imports_it_in_a_fresh_interpreter(tmp_path):
    pytest.importorskip("sklearn")
    import sklearn

    out = subprocess.run(deps.sklearn_verify_command(sys.executable, str(tmp_path)), capture_output=True, text=True)
    assert deps.parse_sklearn_verify(out.stdout) == sklearn.__version__
    assert deps.parse_sklearn_verify("torch 2.1 x cuda=False") is None


def test_a_hidden_module_is_reported_missing_by_its_package_name(monkeypatch):
    """Hidden as Python blocks an import (None in sys.modules); the reference is the ImportError itself."""
    assert deps.check_scientific() == (True, "")
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(ImportError):
        import rasterio  # noqa: F401
    assert deps.missing_modules() == ["rasterio"]
    ok, message = deps.check_scientific()
    assert not ok and message.startswith("This QGIS's Python lacks rasterio, which every GeoChem Prospector step")
    assert "Install dependencies" in message


def test_lazy_imports_behave_like_the_module_and_fail_only_when_used(monkeypatch):
    import numpy as np
    from scipy import ndimage

    from geochem_prospector.core.lazy import lazy_function, lazy_module

    lazy = lazy_module("scipy.ndimage")
    image = np.array([[1, 0, 1], [0, 0, 1]])
    assert np.array_equal(lazy.label(image)[0], ndimage.label(image)[0])
    tree = lazy_function("scipy.spatial", "cKDTree")(np.array([[0.0, 0.0], [3.0, 4.0]]))
    assert tree.query([0.0, 0.0], k=2)[0][1] == 5.0  # a 3-4-5 triangle
    monkeypatch.setitem(sys.modules, "scipy.ndimage", None)
    stand_in = lazy_module("scipy.ndimage")  # creating it imports nothing
    with pytest.raises(ImportError):
        stand_in.label(image)

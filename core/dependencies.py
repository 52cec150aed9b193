"""Optional dependencies (PyTorch): detection, the plugin-private install folder and the pip command.

Pure Python (no QGIS, no Qt) so the algorithms, the desktop dialog and plain tests share it.

PyTorch is installed with ``pip install --target`` into a folder private to the plugin and to the
Python version (``<QGIS profile>/python/geochem_prospector_deps/py311``). That folder is *appended* to
``sys.path``, so every package QGIS ships keeps priority: the install can add packages but never
replaces or upgrades one QGIS already has. A constraints file pins QGIS's numpy and scientific stack to
their installed versions in case anything in the install asks for them.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

DEPS_FOLDER = "geochem_prospector_deps"
TORCH_SPEC = "torch>=2.1"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CUDA_INDEX = "https://download.pytorch.org/whl/{tag}"
# CUDA builds published by PyTorch, newest first; a driver runs builds up to its own CUDA version.
CUDA_TAGS: Tuple[Tuple[Tuple[int, int], str], ...] = (((12, 6), "cu126"), ((12, 4), "cu124"), ((11, 8), "cu118"))
# Packages QGIS relies on: pinned to the installed version so pip never brings another one.
PINNED_PACKAGES = ("numpy", "scipy", "pandas", "shapely", "pyproj", "gdal", "matplotlib", "pyqt5", "sip", "pillow")

INSTALL_HINT = (
    "Install it from QGIS with the menu GeoChem Prospector › Install dependencies… (one click, no admin "
    "rights), or run `python -m pip install torch` with the Python QGIS uses."
)


@dataclass(frozen=True)
class DependencyStatus:
    """Whether an optional package is importable, and a message for the user."""

    name: str
    available: bool
    location: Optional[str]
    message: str


def deps_dir(profile_dir: str, version: Optional[Tuple[int, int]] = None) -> str:
    """The plugin-private package folder of a QGIS profile, one per Python version (binary wheels differ)."""
    major, minor = version or sys.version_info[:2]
    return os.path.join(os.path.abspath(profile_dir), "python", DEPS_FOLDER, f"py{major}{minor}")


def add_deps_to_path(folder: str, path: Optional[List[str]] = None) -> bool:
    """Append ``folder`` to ``sys.path`` (after QGIS's own packages) when it exists; True if it is on the path."""
    path = sys.path if path is None else path
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        return False
    if folder not in (os.path.abspath(p) for p in path if p):
        path.append(folder)
        importlib.invalidate_caches()
    return True


def find_module(name: str) -> Optional[str]:
    """Where ``name`` would be imported from, or None; does not import it (importing torch takes seconds)."""
    if name in sys.modules:
        if sys.modules[name] is None:  # blocked: importing it raises ImportError
            return None
        return getattr(sys.modules[name], "__file__", None) or name
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    return spec.origin or name


def torch_status() -> DependencyStatus:
    """Is PyTorch importable? The message says what to do when it is not."""
    location = find_module("torch")
    if location is None:
        return DependencyStatus(
            "torch",
            False,
            None,
            "PyTorch is not installed, so the CNN steps (train CNN, predict) cannot run; the other steps work. "
            + INSTALL_HINT,
        )
    return DependencyStatus("torch", True, location, f"PyTorch found: {location}")


#: modules every step needs, by import name -> the package to install; QGIS's Debian/Ubuntu/OSGeo4W packages
#: bring them, some Windows and macOS builds do not
SCIENTIFIC_MODULES: Dict[str, str] = {
    "scipy": "scipy",
    "rasterio": "rasterio",
    "geopandas": "geopandas",
    "shapely": "shapely",
    "pandas": "pandas",
}


def missing_modules(modules: Mapping[str, str] = SCIENTIFIC_MODULES) -> List[str]:
    """The packages (install names) of ``modules`` that cannot be imported, without importing any."""
    return [package for name, package in modules.items() if find_module(name) is None]


def check_scientific(modules: Mapping[str, str] = SCIENTIFIC_MODULES) -> Tuple[bool, str]:
    """For ``canExecute()``: ``(True, "")``, or ``(False, message)`` naming what this QGIS's Python lacks."""
    missing = missing_modules(modules)
    if not missing:
        return True, ""
    return False, (
        f"This QGIS's Python lacks {', '.join(missing)}, which every GeoChem Prospector step needs. Install "
        "them from QGIS with the menu GeoChem Prospector › Install dependencies… (into a folder of the plugin; "
        "nothing QGIS ships is replaced), or with QGIS's own installer (OSGeo4W: python3-"
        + " python3-".join(missing)
        + ")."
    )


def check_torch() -> Tuple[bool, str]:
    """For ``QgsProcessingAlgorithm.canExecute()``: ``(True, "")`` or ``(False, message)``."""
    status = torch_status()
    return (True, "") if status.available else (False, status.message)


#: scikit-learn (the classic learners' training): Debian's python3-sklearn where QGIS is Debian's, else PyPI
SKLEARN_SPEC = "scikit-learn>=1.2"

SKLEARN_HINT = (
    "On Debian or Ubuntu install python3-sklearn (`sudo apt install python3-sklearn`); elsewhere use the menu "
    "GeoChem Prospector › Install dependencies… (Install scikit-learn)."
)


def sklearn_status() -> DependencyStatus:
    """Is scikit-learn importable? The message says what to do when it is not."""
    location = find_module("sklearn")
    if location is None:
        return DependencyStatus(
            "sklearn",
            False,
            None,
            "scikit-learn is not installed, so the classic learners (random forest, gradient boosting, logistic "
            "regression) cannot be trained or compared; predicting with a saved model does not need it. "
            + SKLEARN_HINT,
        )
    return DependencyStatus("sklearn", True, location, f"scikit-learn found: {location}")


def check_sklearn() -> Tuple[bool, str]:
    """For ``canExecute()`` of the steps that train classic learners: ``(True, "")`` or ``(False, message)``."""
    status = sklearn_status()
    return (True, "") if status.available else (False, status.message)


def sklearn_verify_command(python: str, target: str) -> List[str]:
    """Import scikit-learn in a fresh interpreter with ``target`` appended to its path; prints ``sklearn <version>``."""
    code = (
        "import sys\n"
        f"sys.path.append({os.path.abspath(target)!r})\n"
        "import sklearn\n"
        "print('sklearn', sklearn.__version__)\n"
    )
    return [python, "-c", code]


def parse_sklearn_verify(text: str) -> Optional[str]:
    """``sklearn 1.2.1`` -> ``1.2.1``; None if absent."""
    match = re.search(r"^sklearn (\S+)\s*$", text or "", re.MULTILINE)
    return match.group(1) if match else None


def python_executable(
    exec_prefix: Optional[str] = None, platform: Optional[str] = None, executable: Optional[str] = None
) -> Optional[str]:
    """The interpreter of the running Python (the one QGIS embeds), or None.

    Inside QGIS ``sys.executable`` is the QGIS program or whatever ``python3`` comes first on PATH (maybe
    another Python altogether), so it is trusted only when it lives under ``exec_prefix``.
    """
    exec_prefix = os.path.realpath(exec_prefix or sys.exec_prefix)
    platform = platform or sys.platform
    executable = sys.executable if executable is None else executable
    if executable and re.match(r"python(\d+(\.\d+)?)?(\.exe)?$", os.path.basename(executable).lower()):
        if os.path.realpath(os.path.dirname(executable)).startswith(exec_prefix):
            return executable
    if platform.startswith("win"):
        candidates = [os.path.join(exec_prefix, "python.exe"), os.path.join(exec_prefix, "python3.exe")]
    else:
        version = "{}.{}".format(*sys.version_info[:2])
        candidates = [os.path.join(exec_prefix, "bin", f"python{version}"), os.path.join(exec_prefix, "bin", "python3")]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    return None


def cuda_driver_version(nvidia_smi: Optional[str] = None, timeout: float = 10.0) -> Optional[Tuple[int, int]]:
    """The CUDA version the NVIDIA driver supports (from ``nvidia-smi``), or None without an NVIDIA GPU."""
    nvidia_smi = nvidia_smi or shutil.which("nvidia-smi")
    if not nvidia_smi:
        return None
    try:
        out = subprocess.run([nvidia_smi], capture_output=True, text=True, timeout=timeout, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_cuda_version(out)


def parse_cuda_version(nvidia_smi_output: str) -> Optional[Tuple[int, int]]:
    """``CUDA Version: 12.4`` in nvidia-smi's header -> (12, 4)."""
    match = re.search(r"CUDA Version:\s*(\d+)\.(\d+)", nvidia_smi_output or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def cuda_tag(driver: Optional[Tuple[int, int]]) -> Optional[str]:
    """The newest PyTorch CUDA build the driver can run (``cu124`` ...), or None (use the CPU build)."""
    if driver is None:
        return None
    for version, tag in CUDA_TAGS:
        if driver >= version:
            return tag
    return None


def index_url(tag: Optional[str], platform: Optional[str] = None) -> Optional[str]:
    """Package index for torch: PyTorch's CPU or CUDA index on Linux/Windows; PyPI (None) on macOS."""
    platform = platform or sys.platform
    if tag:
        return CUDA_INDEX.format(tag=tag)
    if platform == "darwin":
        return None  # PyPI's macOS wheels are the CPU/MPS build
    return CPU_INDEX


def installed_versions(names: Iterable[str] = PINNED_PACKAGES) -> Dict[str, str]:
    """Installed version of each package that QGIS's Python has (skipping Debian's placeholder 0.0.0)."""
    from importlib import metadata

    versions: Dict[str, str] = {}
    for name in names:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if version and version not in ("0.0.0", "0"):
            versions[name] = version
    return versions


def constraints_text(versions: Mapping[str, str]) -> str:
    """A pip constraints file: ``name==version`` per line."""
    lines = ["# Packages QGIS ships: pip must never install another version of them."]
    lines += [f"{name}=={version}" for name, version in sorted(versions.items())]
    return "\n".join(lines) + "\n"


def pip_command(
    python: str,
    target: str,
    constraints: Optional[str] = None,
    *,
    spec: Union[str, Sequence[str]] = TORCH_SPEC,
    index: Optional[str] = CPU_INDEX,
    find_links: Sequence[str] = (),
    offline: bool = False,
) -> List[str]:
    """The pip command line that installs ``spec`` (one requirement or several) into the private ``target`` folder.

    ``index`` replaces PyPI (PyTorch's CPU/CUDA index also serves torch's dependencies); ``find_links``
    adds local folders of wheels; ``offline`` uses only those (``--no-index``).
    """
    if not python:
        raise ValueError("no Python interpreter to run pip with")
    cmd = [
        python,
        "-m",
        "pip",
        "install",
        "--target",
        os.path.abspath(target),
        "--upgrade",
        "--disable-pip-version-check",
        "--no-input",
        "--no-warn-script-location",
        "--no-compile",
        "--progress-bar",
        "off",
    ]
    if constraints:
        cmd += ["--constraint", os.path.abspath(constraints)]
    if offline:
        cmd.append("--no-index")
    elif index:
        cmd += ["--index-url", index]
    for folder in find_links:
        cmd += ["--find-links", os.path.abspath(folder)]
    cmd += [spec] if isinstance(spec, str) else list(spec)
    return cmd


def verify_command(python: str, target: str) -> List[str]:
    """Import torch in a fresh interpreter with ``target`` appended to its path, as the plugin does.

    Prints ``torch <version> <file> cuda=<bool>``; exits non-zero when the import fails.
    """
    code = (
        "import sys\n"
        f"sys.path.append({os.path.abspath(target)!r})\n"
        "import torch\n"
        "print('torch', torch.__version__, torch.__file__, 'cuda=%s' % torch.cuda.is_available())\n"
    )
    return [python, "-c", code]


def parse_verify_output(text: str) -> Optional[Dict[str, str]]:
    """``torch 2.13.0+cpu /path/torch/__init__.py cuda=False`` -> version, file, cuda; None if absent."""
    match = re.search(r"^torch (\S+) (.+) cuda=(True|False)\s*$", text or "", re.MULTILINE)
    if not match:
        return None
    return {"version": match.group(1), "file": match.group(2), "cuda": match.group(3)}

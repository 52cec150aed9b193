"""Install dependencies dialog: command, process flow, cancel (pip itself is replaced by quick commands)."""

import os
import sys
import time

from qgis.PyQt.QtCore import QCoreApplication

from geochem_prospector.core import dependencies as deps
from geochem_prospector.ui.install_dialog import InstallDependenciesDialog


def wait_until(condition, timeout=20.0):
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    return condition()


def make_dialog(tmp_path, **kwargs):
    kwargs.setdefault("detect_gpu", False)
    return InstallDependenciesDialog(str(tmp_path / "profile"), python=sys.executable, **kwargs)


def test_cpu_command_targets_private_folder(qgis_app, tmp_path):
    dialog = make_dialog(tmp_path)
    assert dialog.build_combo.count() == 1
    command = dialog.install_command()
    target = deps.deps_dir(str(tmp_path / "profile"))
    assert command[command.index("--target") + 1] == target and os.path.isdir(target)
    assert command[command.index("--index-url") + 1] in (deps.CPU_INDEX,) or sys.platform == "darwin"
    constraints = command[command.index("--constraint") + 1]
    import numpy

    assert f"numpy=={numpy.__version__}" in open(constraints, encoding="utf-8").read().splitlines()
    assert dialog.cancel_button.isEnabled() is False and dialog.install_button.isEnabled()


def test_gpu_found_offers_and_preselects_cuda_build(qgis_app, tmp_path):
    dialog = make_dialog(tmp_path, cuda_driver=(12, 4))
    assert dialog.build_combo.count() == 2 and dialog.build_combo.currentData() == "cu124"
    command = dialog.install_command()
    assert command[command.index("--index-url") + 1] == "https://download.pytorch.org/whl/cu124"
    dialog.build_combo.setCurrentIndex(0)
    assert deps.CUDA_INDEX.format(tag="cu124") not in dialog.install_command()


def test_install_then_verify_success(qgis_app, tmp_path, monkeypatch):
    dialog = make_dialog(tmp_path)
    monkeypatch.setattr(
        dialog, "install_command", lambda: [sys.executable, "-c", "print('Successfully installed torch-9.9')"]
    )
    monkeypatch.setattr(
        dialog, "verify_command", lambda: [sys.executable, "-c", "print('torch 9.9 /p/torch/__init__.py cuda=False')"]
    )
    versions = []
    dialog.installed.connect(versions.append)
    dialog.install_button.click()
    assert dialog.state == dialog.INSTALLING and dialog.cancel_button.isEnabled()
    assert not dialog.close_button.isEnabled()
    assert wait_until(lambda: versions)
    assert versions == ["9.9"] and dialog.state == dialog.IDLE
    log = dialog.log.toPlainText()
    assert "Successfully installed torch-9.9" in log and "9.9 is installed and works" in log


def test_pip_failure_is_reported(qgis_app, tmp_path, monkeypatch):
    dialog = make_dialog(tmp_path)
    monkeypatch.setattr(
        dialog, "install_command", lambda: [sys.executable, "-c", "import sys; print('ERROR: no match'); sys.exit(1)"]
    )
    dialog.install_button.click()
    assert wait_until(lambda: dialog.state == dialog.IDLE)
    assert "pip failed (exit code 1)" in dialog.result_message
    assert "ERROR: no match" in dialog.log.toPlainText()


def test_broken_torch_fails_verification(qgis_app, tmp_path, monkeypatch):
    dialog = make_dialog(tmp_path)
    monkeypatch.setattr(dialog, "install_command", lambda: [sys.executable, "-c", "pass"])
    monkeypatch.setattr(dialog, "verify_command", lambda: [sys.executable, "-c", "import no_such_torch_module"])
    dialog.install_button.click()
    assert wait_until(lambda: dialog.state == dialog.IDLE)
    assert "does not import" in dialog.result_message


def test_cancel_kills_pip_promptly(qgis_app, tmp_path, monkeypatch):
    dialog = make_dialog(tmp_path)
    monkeypatch.setattr(
        dialog,
        "install_command",
        lambda: [sys.executable, "-c", "import time; print('Collecting', flush=True); time.sleep(60)"],
    )
    dialog.install_button.click()
    assert wait_until(lambda: "Collecting" in dialog.log.toPlainText())
    start = time.monotonic()
    dialog.cancel_button.click()
    assert time.monotonic() - start < 10
    assert dialog.state == dialog.IDLE and dialog.process is None
    assert "Cancelled" in dialog.result_message and dialog.install_button.isEnabled()


def test_missing_python_disables_install(qgis_app, tmp_path):
    dialog = InstallDependenciesDialog(str(tmp_path), python="", detect_gpu=False)
    dialog.python = ""
    dialog._update_buttons()
    assert not dialog.install_button.isEnabled()


def test_sklearn_command_installs_from_pypi_with_qgis_packages_pinned(qgis_app, tmp_path):
    dialog = make_dialog(tmp_path)
    command = dialog.sklearn_install_command()
    assert command[-1] == deps.SKLEARN_SPEC and "--index-url" not in command
    assert command[command.index("--target") + 1] == deps.deps_dir(str(tmp_path / "profile"))
    assert os.path.isfile(command[command.index("--constraint") + 1])


def test_sklearn_install_then_verify(qgis_app, tmp_path, monkeypatch):
    """pip replaced by a quick command; the verification imports the real scikit-learn in a fresh interpreter."""
    dialog = make_dialog(tmp_path)
    monkeypatch.setattr(dialog, "sklearn_install_command", lambda: [sys.executable, "-c", "print('pip ok')"])
    dialog.start_sklearn_install()
    assert wait_until(lambda: dialog.state == dialog.IDLE)
    assert "scikit-learn" in dialog.result_message and "works" in dialog.result_message, dialog.result_message


def test_missing_scientific_packages_are_installed_first_from_pypi_into_the_private_folder(
    qgis_app, tmp_path, monkeypatch
):
    monkeypatch.setitem(deps.SCIENTIFIC_MODULES, "geochem_absent_module_xyz", "absent-package-xyz")
    dialog = make_dialog(tmp_path)
    assert "lacks absent-package-xyz" in dialog.status_label.text()
    command = dialog.scientific_command()
    assert command[-1] == "absent-package-xyz" and "--index-url" not in command  # PyPI, not PyTorch's index
    assert command[command.index("--target") + 1] == deps.deps_dir(str(tmp_path / "profile"))
    import numpy

    pins = open(command[command.index("--constraint") + 1], encoding="utf-8").read().splitlines()
    assert f"numpy=={numpy.__version__}" in pins  # nothing QGIS ships is replaced
    monkeypatch.setattr(dialog, "scientific_command", lambda: [sys.executable, "-c", "print('installed science')"])
    monkeypatch.setattr(dialog, "install_command", lambda: [sys.executable, "-c", "print('installed torch')"])
    monkeypatch.setattr(
        dialog, "verify_command", lambda: [sys.executable, "-c", "print('torch 9.9 /p/torch/__init__.py cuda=False')"]
    )
    versions = []
    dialog.installed.connect(versions.append)
    dialog.install_button.click()
    assert wait_until(lambda: versions)
    log = dialog.log.toPlainText()
    assert log.index("installed science") < log.index("installed torch") < log.index("9.9 is installed and works")


def test_failing_scientific_install_stops_before_torch(qgis_app, tmp_path, monkeypatch):
    dialog = make_dialog(tmp_path)
    monkeypatch.setattr(dialog, "scientific_command", lambda: [sys.executable, "-c", "import sys; sys.exit(3)"])
    monkeypatch.setattr(dialog, "install_command", lambda: [sys.executable, "-c", "print('installed torch')"])
    dialog.install_button.click()
    assert wait_until(lambda: dialog.state == dialog.IDLE)
    assert "exit code 3" in dialog.result_message and "installed torch" not in dialog.log.toPlainText()


def test_intro_names_every_step_that_needs_pytorch(qgis_app, tmp_path):
    """Sweep 24c: the dialog said 'Train CNN, Predict' while comparemodels needs PyTorch too. Every provider
    algorithm that declares it needs PyTorch is named by the start of its toolbox name, and Predict (a CNN model
    asks for it at run time); the classic learners are said not to need it."""
    from qgis.PyQt.QtWidgets import QLabel

    from geochem_prospector.algorithms.provider import ProspectorProvider

    dialog = make_dialog(tmp_path)
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    provider = ProspectorProvider()
    provider.loadAlgorithms()
    needing = [a for a in provider.algorithms() if getattr(a, "needs_torch", False)]  # not the workflow model
    assert {a.name() for a in needing} >= {"traincnn", "comparemodels"}
    for algorithm in needing:
        name = algorithm.displayName().split(" · ")[-1]  # after the workflow step's number
        assert name.split(" on ")[0].split(" (")[0] in text, algorithm.name()
    assert "Predict" in text and "classic learners (Train prospectivity model) do not" in text

"""GeoChem Prospector › Install dependencies: pip installs PyTorch into the plugin-private folder.

pip runs in a QProcess (QGIS stays responsive, Cancel kills it); its log is shown live. Success is
checked by importing torch in a fresh interpreter with the private folder appended to its path.
"""

from __future__ import annotations

import os
from typing import List, Optional

from qgis.PyQt.QtCore import QProcess, QProcessEnvironment, Qt, pyqtSignal
from qgis.PyQt.QtGui import QFont
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from ..common import tr
from ..core import dependencies as deps


class InstallDependenciesDialog(QDialog):
    """Shows whether torch is available and installs it on request."""

    installed = pyqtSignal(str)  # torch version, after the subprocess import succeeded

    IDLE, INSTALLING, VERIFYING = "idle", "installing", "verifying"

    def __init__(
        self,
        profile_dir: str,
        parent=None,
        python: Optional[str] = None,
        cuda_driver: Optional[tuple] = None,
        detect_gpu: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("GeoChem Prospector: install dependencies"))
        self.setObjectName("GeoChemProspectorInstallDialog")
        self.target = deps.deps_dir(profile_dir)
        self.python = python or deps.python_executable()
        if cuda_driver is None and detect_gpu:
            cuda_driver = deps.cuda_driver_version()
        self.cuda = deps.cuda_tag(cuda_driver)
        self.state = self.IDLE
        self.result_message = ""
        self.process: Optional[QProcess] = None
        self._output = ""
        self._build_ui()
        self.refresh_status()

    @staticmethod
    def tr(text: str) -> str:
        return tr(text)

    # ---- UI ------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The CNN steps (Train prospectivity CNN, Compare models, and Predict with a CNN model) need PyTorch; "
                "the classic learners (Train prospectivity model) do not. It is installed with pip into a folder of "
                "your QGIS profile that only this plugin uses; packages QGIS ships (numpy, GDAL, Qt) are never "
                "replaced or upgraded. The download is about 200 MB for the CPU build, 2-3 GB for the NVIDIA "
                "GPU (CUDA) build."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setObjectName("status")
        layout.addWidget(self.status_label)

        form = QFormLayout()
        self.build_combo = QComboBox()
        self.build_combo.setObjectName("build")
        self.build_combo.addItem(self.tr("CPU (works everywhere)"), None)
        if self.cuda:
            self.build_combo.addItem(self.tr("NVIDIA GPU, CUDA build ({})").format(self.cuda), self.cuda)
            self.build_combo.setCurrentIndex(1)
        form.addRow(self.tr("PyTorch build"), self.build_combo)
        folder = QLabel(self.target)
        folder.setTextInteractionFlags(Qt.TextSelectableByMouse)
        folder.setWordWrap(True)
        form.addRow(self.tr("Install folder"), folder)
        form.addRow(self.tr("Python"), QLabel(self.python or self.tr("not found")))
        layout.addLayout(form)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress)
        self.log = QPlainTextEdit()
        self.log.setObjectName("log")
        self.log.setReadOnly(True)
        self.log.setFont(QFont("monospace"))
        self.log.setMinimumSize(560, 220)
        layout.addWidget(self.log)

        self.buttons = QDialogButtonBox()
        self.install_button = QPushButton(self.tr("Install PyTorch"))
        self.install_button.setObjectName("install")
        self.sklearn_button = QPushButton(self.tr("Install scikit-learn"))
        self.sklearn_button.setObjectName("install_sklearn")
        self.sklearn_button.setToolTip(
            self.tr("For the classic learners (Train model, Compare models). On Debian/Ubuntu prefer python3-sklearn.")
        )
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancel")
        self.close_button = QPushButton(self.tr("Close"))
        self.buttons.addButton(self.install_button, QDialogButtonBox.ActionRole)
        self.buttons.addButton(self.sklearn_button, QDialogButtonBox.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.RejectRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.AcceptRole)
        self.install_button.clicked.connect(self.start_install)
        self.sklearn_button.clicked.connect(self.start_sklearn_install)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        layout.addWidget(self.buttons)
        self._update_buttons()

    def refresh_status(self) -> None:
        status = deps.torch_status()
        missing = deps.missing_modules()
        if status.available:
            self.status_label.setText(self.tr("PyTorch is available: {}").format(status.location))
            self.install_button.setText(self.tr("Reinstall PyTorch"))
        else:
            self.status_label.setText(self.tr("PyTorch is not installed: the CNN steps cannot run yet."))
        sklearn = deps.sklearn_status()
        self.sklearn_button.setVisible(not sklearn.available)
        if not sklearn.available:
            self.status_label.setText(
                self.status_label.text()
                + " "
                + self.tr("scikit-learn is not installed: the classic learners cannot be trained.")
            )
        if missing:  # installed first, from PyPI, into the same private folder
            self.status_label.setText(
                self.tr("This QGIS's Python lacks {}, which every step needs: they are installed first. ").format(
                    ", ".join(missing)
                )
                + self.status_label.text()
            )
            self.install_button.setText(self.tr("Install {} and PyTorch").format(", ".join(missing)))

    def _update_buttons(self) -> None:
        busy = self.state != self.IDLE
        self.install_button.setEnabled(not busy and bool(self.python))
        self.sklearn_button.setEnabled(not busy and bool(self.python))
        self.cancel_button.setEnabled(busy)
        self.close_button.setEnabled(not busy)
        self.build_combo.setEnabled(not busy)
        self.progress.setRange(0, 0 if busy else 1)
        self.progress.setVisible(busy)

    def append_log(self, text: str) -> None:
        self.log.appendPlainText(text.rstrip("\n"))

    # ---- commands ------------------------------------------------------------------------------

    def install_command(self) -> List[str]:
        """The pip command line (written constraints file included)."""
        tag = self.build_combo.currentData()
        return deps.pip_command(self.python, self.target, self._constraints(), index=deps.index_url(tag))

    def scientific_command(self) -> Optional[List[str]]:
        """pip installing the scientific packages this Python lacks (from PyPI, into the private folder, the
        packages QGIS has pinned), or None when nothing is missing."""
        missing = deps.missing_modules()
        if not missing:
            return None
        return deps.pip_command(self.python, self.target, self._constraints(), spec=missing, index=None)

    def _constraints(self) -> str:
        """The constraints file pinning what QGIS ships (written next to the private folder)."""
        os.makedirs(self.target, exist_ok=True)
        constraints = os.path.join(os.path.dirname(self.target), f"constraints-{os.path.basename(self.target)}.txt")
        with open(constraints, "w", encoding="utf-8") as handle:
            handle.write(deps.constraints_text(deps.installed_versions()))
        return constraints

    def verify_command(self) -> List[str]:
        return deps.verify_command(self.python, self.target)

    def sklearn_install_command(self) -> List[str]:
        """pip installs scikit-learn from PyPI into the same private folder, QGIS's packages pinned."""
        command = self.install_command()
        return deps.pip_command(
            self.python, self.target, command[command.index("--constraint") + 1], spec=deps.SKLEARN_SPEC, index=None
        )

    def start_sklearn_install(self) -> None:
        """Install scikit-learn, then check that it imports in a fresh interpreter."""
        if self.state != self.IDLE:
            return
        try:
            command = self.sklearn_install_command()
        except (OSError, ValueError) as exc:
            self._finish(False, self.tr("Could not prepare the install: {}").format(exc))
            return
        self.log.clear()
        self.append_log("$ " + " ".join(command))
        self.state = self.INSTALLING
        self._update_buttons()
        self._run(command, self._sklearn_installed)

    def _sklearn_installed(self, process: QProcess, code: int, status) -> None:
        if self.state != self.INSTALLING:
            return
        self._read(process)
        if status != QProcess.NormalExit or code != 0:
            self._finish(False, self.tr("pip failed (exit code {}); see the log above.").format(code))
            return
        self.state = self.VERIFYING
        self._output = ""
        self._run(deps.sklearn_verify_command(self.python, self.target), self._sklearn_verified)

    def _sklearn_verified(self, process: QProcess, code: int, status) -> None:
        if self.state != self.VERIFYING:
            return
        self._read(process)
        version = deps.parse_sklearn_verify(self._output)
        if code != 0 or version is None:
            self._finish(False, self.tr("scikit-learn was installed but does not import; see the log above."))
            return
        deps.add_deps_to_path(self.target)
        self._finish(True, self.tr("scikit-learn {} is installed and works.").format(version))

    # ---- process handling ------------------------------------------------------------------------

    def start_install(self) -> None:
        if self.state != self.IDLE:
            return
        try:
            first = self.scientific_command()
            command = self.install_command()
        except (OSError, ValueError) as exc:
            self._finish(False, self.tr("Could not prepare the install: {}").format(exc))
            return
        self.log.clear()
        self.state = self.INSTALLING
        self._update_buttons()
        if first is None:
            self._start_torch(command)
            return
        self.append_log("$ " + " ".join(first))
        self._run(first, lambda process, code, status: self._scientific_finished(process, code, status, command))

    def _start_torch(self, command: List[str]) -> None:
        self.append_log("$ " + " ".join(command))
        self._run(command, self._install_finished)

    def _scientific_finished(self, process: QProcess, code: int, status, torch_command: List[str]) -> None:
        if self.state != self.INSTALLING:
            return
        self._read(process)
        if status != QProcess.NormalExit or code != 0:
            self._finish(False, self.tr("pip failed (exit code {}); see the log above.").format(code))
            return
        deps.add_deps_to_path(self.target)
        self._start_torch(torch_command)

    def _run(self, command: List[str], on_finished) -> None:
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONNOUSERSITE", "1")
        env.insert("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.MergedChannels)
        process.readyReadStandardOutput.connect(lambda: self._read(process))
        process.finished.connect(lambda code, status: on_finished(process, code, status))
        process.errorOccurred.connect(lambda error: self._process_error(process, error))
        self.process = process
        process.start(command[0], command[1:])

    def _read(self, process: QProcess) -> None:
        data = bytes(process.readAllStandardOutput()).decode("utf-8", "replace")
        if data:
            self._output += data
            self.append_log(data)

    def _process_error(self, process: QProcess, error) -> None:
        if error == QProcess.FailedToStart and self.state != self.IDLE:
            self._finish(False, self.tr("Could not start {}: {}").format(self.python, process.errorString()))

    def _install_finished(self, process: QProcess, code: int, status) -> None:
        if self.state != self.INSTALLING:
            return
        self._read(process)
        if status != QProcess.NormalExit or code != 0:
            self._finish(False, self.tr("pip failed (exit code {}); see the log above.").format(code))
            return
        self.append_log(self.tr("Checking that PyTorch imports…"))
        self.state = self.VERIFYING
        self._output = ""
        self._run(self.verify_command(), self._verify_finished)

    def _verify_finished(self, process: QProcess, code: int, status) -> None:
        if self.state != self.VERIFYING:
            return
        self._read(process)
        parsed = deps.parse_verify_output(self._output)
        if code != 0 or parsed is None:
            self._finish(False, self.tr("PyTorch was installed but does not import; see the log above."))
            return
        deps.add_deps_to_path(self.target)
        message = self.tr("PyTorch {} is installed and works (GPU: {}). The CNN steps are ready.").format(
            parsed["version"], self.tr("yes") if parsed["cuda"] == "True" else self.tr("no")
        )
        self._finish(True, message)
        self.installed.emit(parsed["version"])

    def cancel(self) -> None:
        if self.state == self.IDLE:
            self.reject()
            return
        process, self.process = self.process, None
        self.state = self.IDLE
        if process is not None:
            process.kill()
            process.waitForFinished(5000)
        self._finish(False, self.tr("Cancelled: nothing was changed in QGIS; you can install again later."))

    def _finish(self, ok: bool, message: str) -> None:
        self.state = self.IDLE
        self.process = None
        self.result_message = message
        self.append_log(message)
        self.status_label.setText(message)
        self._update_buttons()
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if ok else 0)
        if ok:
            self.refresh_status()
            self.status_label.setText(message)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API name)
        if self.state != self.IDLE:
            self.cancel()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.state != self.IDLE:
            self.cancel()
            return
        super().reject()

"""Enable the plugin in a QGIS profile's QGIS3.ini (used by `make install`, the demo and the tests).

Uses Qt's own QSettings so an existing profile's settings are kept exactly as QGIS wrote them.
"""

import os
import sys


def enable(ini_path: str, slug: str = "geochem_prospector") -> None:
    from PyQt5.QtCore import QSettings

    os.makedirs(os.path.dirname(ini_path), exist_ok=True)
    settings = QSettings(ini_path, QSettings.IniFormat)
    settings.setValue(f"PythonPlugins/{slug}", True)
    settings.sync()
    if settings.status() != QSettings.NoError:
        raise SystemExit(f"could not write {ini_path}")


if __name__ == "__main__":
    enable(sys.argv[1])

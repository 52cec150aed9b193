"""Enable the plugin in a QGIS profile's QGIS3.ini (used by `make install` and the tests)."""

import configparser
import os
import sys


def enable(ini_path: str, slug: str = "geochem_prospector") -> None:
    config = configparser.RawConfigParser()
    config.optionxform = str  # keep key case
    if os.path.exists(ini_path):
        config.read(ini_path, encoding="utf-8")
    if not config.has_section("PythonPlugins"):
        config.add_section("PythonPlugins")
    config.set("PythonPlugins", slug, "true")
    os.makedirs(os.path.dirname(ini_path), exist_ok=True)
    with open(ini_path, "w", encoding="utf-8") as handle:
        config.write(handle, space_around_delimiters=False)


if __name__ == "__main__":
    enable(sys.argv[1])

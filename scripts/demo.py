"""`make demo`: run the GeoChem Prospector workflow headless on the bundled sample data.

Every step goes through `qgis_process.bin`, as a user would run it, and the
results are rendered to PNG maps with QGIS. Outputs land in --output
(default demo_output/); an existing folder's files are replaced.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SAMPLES = os.path.join(REPO, "resources", "sample_data")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))

from enable_plugin import enable  # noqa: E402

os.environ.setdefault("PROJ_DATA", "/usr/share/proj")

DEMO_ELEMENTS = ["Cu", "Ni", "Co", "Zn", "Th", "La"]


def sample(name: str) -> str:
    return os.path.join(SAMPLES, name)


class QgisProcess:
    """Runs algorithms through qgis_process.bin with the plugin enabled in a private profile."""

    def __init__(self) -> None:
        self.home = tempfile.mkdtemp(prefix="prospector-demo-home-")
        enable(os.path.join(self.home, ".local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"))
        self.env = dict(os.environ)
        site = os.path.join(REPO, ".venv", "lib", "python3.11", "site-packages")
        self.env.update(
            HOME=self.home,
            XDG_RUNTIME_DIR=self.home,
            QT_QPA_PLATFORM="offscreen",
            QGIS_PLUGINPATH=os.path.join(REPO, "build", "plugins"),
            PROJ_DATA="/usr/share/proj",
            PYTHONPATH=site,
        )

    def run(self, algorithm: str, parameters: dict) -> dict:
        args = ["qgis_process.bin", "run", algorithm, "--json", "--"]
        for key, value in parameters.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                args.append(f"{key}={item}")
        started = time.monotonic()
        print(f"==> {algorithm}", flush=True)
        proc = subprocess.run(args, env=self.env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:] + proc.stdout[-4000:])
            raise SystemExit(f"{algorithm} failed (exit {proc.returncode})")
        results = json.loads(proc.stdout)["results"]
        print(f"    done in {time.monotonic() - started:.1f} s: {results}", flush=True)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(REPO, "demo_output"))
    args = parser.parse_args()
    out = os.path.abspath(args.output)
    os.makedirs(out, exist_ok=True)
    started = time.monotonic()
    qp = QgisProcess()

    elements = qp.run(
        "prospector:interpolate",
        {
            "INPUT": sample("till_geochemistry.gpkg"),
            "FIELDS": DEMO_ELEMENTS,
            "PIXEL_SIZE": 250,
            "MASK": sample("study_area.gpkg"),
            "LOG_TRANSFORM": "true",
            "NEIGHBORS": 12,
            "OUTPUT": os.path.join(out, "elements.tif"),
        },
    )["OUTPUT"]

    from render import render_element_map

    png = render_element_map(elements, band_name="Cu", path=os.path.join(out, "map_elements.png"))
    print(f"==> map: {png}")
    print(f"Demo finished in {time.monotonic() - started:.0f} s; outputs in {out}")


if __name__ == "__main__":
    main()

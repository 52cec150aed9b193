"""Measure what the dialog defaults do on the bundled sample data (issue #19, developers only).

Usage: PROJ_DATA=/usr/share/proj QT_QPA_PLATFORM=offscreen \
    PYTHONPATH=build/plugins:.venv/lib/python3.11/site-packages /usr/bin/python3 scripts/measure_defaults.py [OUT [log,labels,anomalies]]

Runs the plugin's own algorithms in-process (as the dialogs do) and prints, for each default a geologist meets:
- interpolate, log values or not: cross-validation MAE / RMSE per element (IDW power 2, 12 neighbours);
- pseudolabel: the share of labelled cells marked mineralised for radius/buffer settings;
- anomalies: the share of samples flagged at each level, and the largest / first-ranked area at each outline level.
Every figure comes from the outputs the algorithms write; the parameters are printed beside it.
"""

import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SAMPLES = os.path.join(REPO, "resources", "sample_data")
sys.path.insert(0, os.path.join(REPO, "build", "plugins"))
from qgis_session import start  # noqa: E402 (beside this script)

from geochem_prospector.ui.steps import SAMPLE_ELEMENTS  # noqa: E402

ELEMENTS = "Al Ba Ca Co Cr Cu Fe K La Li Mg Mn Ni P Sc Sr Th Ti V Y Zn Zr".split()
DEMO_ELEMENTS = list(SAMPLE_ELEMENTS)


def run(algorithm, parameters):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    return processing.run(algorithm, parameters, context=QgsProcessingContext(), feedback=QgsProcessingFeedback())


def sample(name):
    return os.path.join(SAMPLES, name)


def log_or_not(out):
    import pandas as pd

    print("## interpolate: log values or not (IDW power 2, 12 neighbours, cross-validation of the bundled till)")
    tables = {}
    for log in (False, True):
        cv = os.path.join(out, f"cv_log{int(log)}.csv")
        run(
            "prospector:interpolate",
            {
                "INPUT": sample("till_geochemistry.gpkg"),
                "FIELDS": ELEMENTS,
                "PIXEL_SIZE": 2000,
                "MASK": sample("study_area.gpkg"),
                "LOG_TRANSFORM": log,
                "NEIGHBORS": 12,
                "OUTPUT": os.path.join(out, f"elements_log{int(log)}.tif"),
                "OUTPUT_CV": cv,
            },
        )
        table = pd.read_csv(cv)
        tables[log] = table[table.settings.str.startswith("power=2 ")].set_index("element")
    raw, logged = tables[False], tables[True]
    print(f"scheme: {raw['scheme'].iloc[0]}, n = {raw['n'].iloc[0]}")
    print("element  MAE raw  MAE log  RMSE raw  RMSE log")
    for e in ELEMENTS:
        print(f"{e:7s} {raw.mae[e]:8.4g} {logged.mae[e]:8.4g} {raw.rmse[e]:9.4g} {logged.rmse[e]:9.4g}")
    mae = int((logged.mae < raw.mae).sum())
    rmse = int((logged.rmse < raw.rmse).sum())
    print(f"log lower MAE for {mae}/{len(ELEMENTS)} elements, lower RMSE for {rmse}/{len(ELEMENTS)}\n")


def pseudolabel_shares(out, elements):
    import rasterio

    print(
        "## pseudolabel: share of labelled cells marked mineralised (demo elements, 250 m, LABELS = every point of deposits.gpkg)"
    )
    print("method  radius_m  buffer_m  mineralised  barren  share_mineralised")
    for method, radius, buffer in [
        (0, 0, 0),
        (0, 500, 3000),
        (0, 250, 2000),
        (0, 500, 5000),
        (2, 0, 0),
        (2, 500, 3000),
    ]:
        path = os.path.join(out, f"labels_{method}_{radius}_{buffer}.tif")
        run(
            "prospector:pseudolabel",
            {
                "INPUT_RASTERS": [elements],
                "LABELS": sample("deposits.gpkg"),
                "MASK": sample("study_area.gpkg"),
                "METHOD": method,
                "POSITIVE_RADIUS": radius,
                "NEGATIVE_BUFFER": buffer,
                "SEED": 42,
                "OUTPUT": path,
                "OUTPUT_CONFIDENCE": os.path.join(out, f"confidence_{method}_{radius}_{buffer}.tif"),
            },
        )
        with rasterio.open(path) as src:
            labels = src.read(1, masked=True).compressed()
        pos, neg = int((labels >= 1).sum()), int((labels == 0).sum())
        print(f"{method:6d} {radius:9d} {buffer:9d} {pos:12d} {neg:7d} {pos / max(pos + neg, 1):18.3f}")
    print()


def anomaly_levels(out, elements):
    import geopandas as gpd

    print("## anomalies on the demo elements (8 bands, 250 m): samples flagged, ranked areas per outline level")
    paths = {
        "OUTPUT": os.path.join(out, "classes.tif"),
        "OUTPUT_CONTOURS": os.path.join(out, "contours.gpkg"),
        "OUTPUT_ANOMALIES": os.path.join(out, "areas.gpkg"),
        "OUTPUT_POINTS": os.path.join(out, "points.gpkg"),
    }
    common = {
        "INPUT_RASTER": elements,
        "MASK": sample("study_area.gpkg"),
        "INPUT": sample("till_geochemistry.gpkg"),
        "DEPOSITS": sample("deposits.gpkg"),
        "POINTS_LEVEL": 0,
    }
    settings = {
        "dialog defaults (percentiles 85/95/98, index of all bands)": {},
        "demo (C-A fractal, Th-La index, smallest 4 cells)": {"METHOD": 1, "ASSOCIATION": "Th,La", "MIN_CELLS": 4},
    }
    n = len(gpd.read_file(sample("till_geochemistry.gpkg")))
    deposits = gpd.read_file(sample("deposits.gpkg"))
    for title, extra in settings.items():
        print(f"# {title}")
        for level, name in enumerate(("weak", "moderate", "strong")):
            result = run("prospector:anomalies", {**common, **extra, **paths, "AREA_LEVEL": level})
            if level == 0:
                points = gpd.read_file(result["OUTPUT_POINTS"])
                for k, named in enumerate(("weak", "moderate", "strong")):
                    flagged = int((points["max_level"] >= k + 1).sum())
                    print(f"samples at or above the {named} level of any element: {flagged} of {n} ({flagged / n:.0%})")
            areas = gpd.read_file(result["OUTPUT_ANOMALIES"])
            if len(areas) == 0:
                print(f"outline {name}: no areas")
                continue
            first = areas.sort_values("rank").iloc[0]
            union = areas.geometry.unary_union
            inside = int(deposits.to_crs(areas.crs).geometry.within(union).sum())
            top5 = areas.sort_values("rank").head(5)
            print(
                f"outline {name}: {len(areas)} areas, total {areas.area_km2.sum():.0f} km2, largest "
                f"{areas.area_km2.max():.0f} km2, rank 1 {first.area_km2:.0f} km2 (nearest deposit "
                f"{first.deposit_km:.1f} km), top 5 {top5.area_km2.sum():.0f} km2 holding "
                f"{int((top5.deposit_km == 0).sum())} areas with a deposit; deposits inside any area: "
                f"{inside} of {len(deposits)}"
            )
    print()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="defaults_")
    os.makedirs(out, exist_ok=True)
    _app, _plugin = start()
    np.set_printoptions(precision=4)
    sections = sys.argv[2].split(",") if len(sys.argv) > 2 else ["log", "labels", "anomalies"]
    if "log" in sections:
        log_or_not(out)
    elements = os.path.join(out, "demo_elements.tif")
    run(
        "prospector:interpolate",
        {
            "INPUT": sample("till_geochemistry.gpkg"),
            "FIELDS": DEMO_ELEMENTS,
            "PIXEL_SIZE": 250,
            "MASK": sample("study_area.gpkg"),
            "LOG_TRANSFORM": True,
            "NEIGHBORS": 12,
            "OUTPUT": elements,
        },
    )
    if "labels" in sections:
        pseudolabel_shares(out, elements)
    if "anomalies" in sections:
        anomaly_levels(out, elements)


if __name__ == "__main__":
    main()

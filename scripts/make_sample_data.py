"""Rebuild resources/sample_data/ from the GTK Central Lapland data set (developers only).

Usage: /usr/bin/python3 scripts/make_sample_data.py ../shared/data/gtk_eis_iocg_lapland
Keeps the files small: plain element-named columns, only the attributes a geologist needs,
magnetics warped to square 200 m cells.
"""

import os
import subprocess
import sys

import geopandas as gpd
import pandas as pd

MAGNETICS_DESCRIPTION = "aeromagnetic total-field anomaly (DGRF65), nT"
ELEMENTS = "Al Ba Ca Co Cr Cu Fe K La Li Mg Mn Ni P Sc Sr Th Ti V Y Zn Zr".split()
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "sample_data")


def main(src: str) -> None:
    os.makedirs(OUT, exist_ok=True)
    till = pd.read_csv(os.path.join(src, "till_geochem_511p.csv"))
    # Element values in ppm as delivered; GTK quality flags ('<' below detection, '!' remark) only where used.
    flags = [f"{e}_flag" for e in ELEMENTS if till[f"{e}_flag"].notna().any()]
    keep = ["Observatio", "Year"] + ELEMENTS + flags
    points = gpd.GeoDataFrame(till[keep], geometry=gpd.points_from_xy(till.x, till.y), crs="EPSG:3067")
    write(points, "till_geochemistry")

    deposits = gpd.read_file(os.path.join(src, "deposits_iocg.gpkg"))
    cols = ["Name", "Commodity", "All_main_c", "Size_by_co", "Ocurrence_", "Deposit_ty", "in_study_area"]
    deposits = deposits[cols + ["geometry"]].rename(
        columns={
            "All_main_c": "commodities",
            "Size_by_co": "size",
            "Ocurrence_": "occurrence",
            "Deposit_ty": "deposit_type",
        }
    )
    write(deposits, "deposits")
    for name, out in (("lithology_1M", "lithology"), ("structures_1M", "faults"), ("study_area", "study_area")):
        layer = gpd.read_file(os.path.join(src, f"{name}.gpkg"))
        if name == "lithology_1M":
            layer = layer[[c for c in layer.columns if c in ("ROCK_ASS_1", "GENERALI_1", "geometry")]]
        if name == "structures_1M":
            layer = layer[[c for c in layer.columns if c in ("STRUCTUR_1", "geometry")]]
        write(layer, out)
    target = os.path.join(OUT, "magnetics_tmi_nT.tif")
    if os.path.exists(target):
        os.remove(target)
    subprocess.run(
        [
            "gdalwarp",
            "-q",
            "-tr",
            "200",
            "200",
            "-tap",
            "-r",
            "average",
            "-co",
            "COMPRESS=DEFLATE",
            "-co",
            "PREDICTOR=3",
            "-ot",
            "Float32",
            os.path.join(src, "geophysics", "mag_tmi_anomaly_dgrf65_nT.tif"),
            target,
        ],
        check=True,
    )
    # the unit as the source states it (shared/data SOURCE.md: "aeromagnetic total-field anomaly (DGRF65), nT"), so
    # evidence bands, legends and reports show it; the band keeps no description (its name stays 'band 1')
    subprocess.run(
        ["gdal_edit.py", "-units", "nT", "-mo", f"DESCRIPTION={MAGNETICS_DESCRIPTION}", target],
        check=True,
    )


def write(frame: gpd.GeoDataFrame, name: str) -> None:
    path = os.path.join(OUT, f"{name}.gpkg")
    if os.path.exists(path):
        os.remove(path)
    frame.to_file(path, layer=name, driver="GPKG")


if __name__ == "__main__":
    main(sys.argv[1])

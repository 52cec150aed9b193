"""Weights-of-evidence thresholds in their band's unit (sweep 15b): the demo's report read "Cu < 33.39", "faults:
distance_m < 849" with no unit. References: GDAL's own GetUnitType of the bands written, and the pattern by hand."""

import numpy as np

from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.rasters import stack_units, write_geotiff
from geochem_prospector.core.reports.classic import classic_report_html

GRID = GridSpec(400_000.0, 7_500_000.0, 100.0, 4, 3, "")


def test_stack_units_are_gdals_unit_types_in_stack_order(tmp_path):
    from osgeo import gdal

    bands = np.ones((2, 3, 4), np.float32)
    a = write_geotiff(str(tmp_path / "a.tif"), bands, GRID, ["Cu", "Ni"], band_units=["ppm", ""])
    b = write_geotiff(str(tmp_path / "b.tif"), bands[:1], GRID, ["tmi"], band_units=["nT"])
    expected = []
    for path in (a, b):
        ds = gdal.Open(path)
        expected += [ds.GetRasterBand(i).GetUnitType() for i in range(1, ds.RasterCount + 1)]
        ds = None
    assert stack_units([a, b]) == expected == ["ppm", "", "nT"]
    assert stack_units([a, str(tmp_path / "missing.tif")]) == []


def _row(feature, pattern, kind):
    return {
        "feature": feature,
        "pattern": pattern,
        "kind": kind,
        "deposit_cells": 10.0,
        "other_cells": 90.0,
        "w_plus": 1.0,
        "s_w_plus": 0.1,
        "w_minus": -0.5,
        "s_w_minus": 0.1,
        "contrast": 1.5,
        "s_contrast": 0.2,
        "studentised_contrast": 7.5,
    }


def test_a_binary_threshold_reads_in_its_bands_unit_and_a_class_code_in_none():
    rows = [
        _row("elements:Cu", "< 33.39", "binary"),
        _row("elements:Cu mean 3x3", ">= 40", "binary"),
        _row("faults:distance_m", "< 849.449", "binary"),
        _row("lithology:granite", "= 1", "categorical"),
        _row("gravity:band 1", ">= 2.5", "binary"),  # no unit recorded: the number alone
    ]
    units = {"elements:Cu": "ppm", "faults:distance_m": "m", "lithology:granite": "1"}
    page = classic_report_html({"method": "woe", "summary": {"weights": rows}, "band_units": units})
    assert "&lt;&nbsp;33.39&nbsp;ppm<small>" in page
    assert "≥&nbsp;40&nbsp;ppm<small>" in page
    assert "&lt;&nbsp;849.4&nbsp;m<small>" in page
    assert "=&nbsp;1<small>" in page
    assert "≥&nbsp;2.5<small>" in page

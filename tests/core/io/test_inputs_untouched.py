"""No output may touch a file behind an input (a VRT's sources, sidecars), and reading an input writes nothing
beside it."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.destinations import check_output_paths
from geochem_prospector.core.io.inputs import (
    files_behind,
    memory_vrt,
    no_gdal_sidecars,
    release_memory_vrt,
    vrt_sources,
)
from geochem_prospector.core.io.rasters import read_raster, write_geotiff

GRID = GridSpec(400_000.0, 7_510_000.0, 250.0, 40, 40, None)


def folder_digest(folder) -> dict:
    result = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as handle:
            result[name] = hashlib.sha256(handle.read()).hexdigest()
    return result


@pytest.fixture
def vrt_folder(tmp_path):
    """elements.tif; stack.vrt naming it relative to itself; outer.vrt naming stack.vrt by an absolute path."""
    rng = np.random.default_rng(3)
    write_geotiff(str(tmp_path / "elements.tif"), rng.lognormal(size=(2, 40, 40)), GRID, ["Cu", "Pb"])
    from osgeo import gdal

    gdal.Translate(str(tmp_path / "stack.vrt"), str(tmp_path / "elements.tif"), format="VRT")
    text = (tmp_path / "stack.vrt").read_text()
    assert 'relativeToVRT="1">elements.tif<' in text
    outer = text.replace('relativeToVRT="1">elements.tif<', f'relativeToVRT="0">{tmp_path / "stack.vrt"}<')
    (tmp_path / "outer.vrt").write_text(outer)
    return tmp_path


def test_a_vrt_names_its_sources_relative_or_not(vrt_folder):
    assert vrt_sources(str(vrt_folder / "stack.vrt")) == [str(vrt_folder / "elements.tif")]
    assert vrt_sources(str(vrt_folder / "outer.vrt")) == [str(vrt_folder / "stack.vrt")]
    behind = dict(files_behind(str(vrt_folder / "outer.vrt")))
    assert behind[str(vrt_folder / "elements.tif")] == "a source file"  # a VRT within a VRT
    assert behind[str(vrt_folder / "elements.tif.aux.xml")] == "a sidecar of a source file"
    assert behind[str(vrt_folder / "outer.vrt.ovr")] == "a sidecar"


def test_outputs_over_files_behind_an_input_are_refused(vrt_folder, tmp_path):
    inputs = {"INPUT_RASTER": str(vrt_folder / "outer.vrt")}
    with pytest.raises(InputError, match=r"^OUTPUT: the output would overwrite '.*elements\.tif', a source file of"):
        check_output_paths({"OUTPUT": str(vrt_folder / "elements.tif")}, inputs)
    shapefile = {"DEPOSITS": str(tmp_path / "deposits.shp")}
    for part in ("deposits.dbf", "deposits.shx", "deposits.prj", "deposits.cpg", "deposits.qml"):
        with pytest.raises(InputError, match=rf"^OUTPUT_TABLE: the output would overwrite '.*{part}', a sidecar"):
            check_output_paths({"OUTPUT_TABLE": str(tmp_path / part)}, shapefile)
    tiff = {"INPUT_RASTER": str(vrt_folder / "elements.tif")}
    for name in ("elements.tif.aux.xml", "elements.tif.ovr", "elements.tfw"):
        with pytest.raises(InputError, match=r"^OUTPUT_REPORT: the output would overwrite .*a sidecar of the input"):
            check_output_paths({"OUTPUT_REPORT": str(vrt_folder / name)}, tiff)
    # an output whose own sidecar, moved aside on commit, is an input: an overview file given as the raster
    with pytest.raises(InputError, match=r"^OUTPUT: writing '.*prior\.tif' would move aside its sidecar"):
        check_output_paths({"OUTPUT": str(tmp_path / "prior.tif")}, {"INPUT_RASTER": str(tmp_path / "prior.tif.ovr")})
    check_output_paths({"OUTPUT": str(vrt_folder / "elsewhere.tif")}, inputs)


def test_an_output_path_that_is_a_folder_is_refused_before_any_work(tmp_path):
    (tmp_path / "table.csv").mkdir()
    with pytest.raises(InputError, match=r"^OUTPUT_TABLE: '.*table\.csv' is a folder; give the output a file name"):
        check_output_paths({"OUTPUT_TABLE": str(tmp_path / "table.csv")}, {})


def test_reading_and_computing_statistics_writes_nothing_beside_the_input(vrt_folder):
    from osgeo import gdal

    before = folder_digest(vrt_folder)
    read_raster(str(vrt_folder / "elements.tif"))
    with no_gdal_sidecars():
        dataset = gdal.Open(str(vrt_folder / "elements.tif"))
        dataset.GetRasterBand(1).ComputeStatistics(False)
        dataset.GetRasterBand(1).GetHistogram()
        dataset = None
    assert folder_digest(vrt_folder) == before
    # without the guard GDAL writes the statistics beside the file: the guard is what prevents it
    dataset = gdal.Open(str(vrt_folder / "elements.tif"))
    dataset.GetRasterBand(1).ComputeStatistics(False)
    dataset = None
    assert "elements.tif.aux.xml" in os.listdir(vrt_folder)


def test_statistics_on_a_memory_copy_of_a_vrt_never_reach_the_vrt_files(vrt_folder):
    from osgeo import gdal

    before = folder_digest(vrt_folder)
    copy = memory_vrt(str(vrt_folder / "outer.vrt"))
    with no_gdal_sidecars():
        dataset = gdal.Open(copy)
        assert dataset.GetRasterBand(2).ComputeStatistics(False)[1] > 0  # the sources were found
        dataset = None
    release_memory_vrt(copy)
    assert folder_digest(vrt_folder) == before
    with no_gdal_sidecars():  # the VRT itself rewrites itself with its statistics: PAM off is not enough
        dataset = gdal.Open(str(vrt_folder / "stack.vrt"))
        dataset.GetRasterBand(1).ComputeStatistics(False)
        dataset = None
    assert folder_digest(vrt_folder)["stack.vrt"] != before["stack.vrt"]

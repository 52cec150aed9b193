"""Shared refusals before any work: outputs over inputs or each other, unwritable folders, too little memory."""

import os
import re

import numpy as np
import pytest

from geochem_prospector.core.errors import GridTooLargeError, InputError
from geochem_prospector.core.grid import GridSpec, available_memory, check_memory
from geochem_prospector.core.io.destinations import (
    check_geopackage_output,
    check_output_folder,
    check_output_paths,
    geopackage_tables,
)
from geochem_prospector.core.io.outputs import atomic_output
from geochem_prospector.core.io.rasters import read_raster, write_geotiff


def test_output_over_an_input_is_refused_whatever_the_spelling(tmp_path):
    src = tmp_path / "samples.gpkg"
    src.write_bytes(b"x")
    link = tmp_path / "link.gpkg"
    os.symlink(src, link)
    spellings = [str(src), str(tmp_path / "." / "samples.gpkg"), str(link), f"{src}|layername=samples"]
    for spelling in spellings:
        with pytest.raises(InputError, match=r"^OUTPUT: the output would overwrite an input \(INPUT: "):
            check_output_paths({"OUTPUT": spelling}, {"INPUT": str(src)})
    assert src.read_bytes() == b"x"


def test_two_outputs_on_one_file_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"^OUTPUT_B: the same file as OUTPUT_A"):
        check_output_paths({"OUTPUT_A": str(tmp_path / "a.tif"), "OUTPUT_B": str(tmp_path / "a.tif")}, {})
    check_output_paths({"OUTPUT_A": str(tmp_path / "a.tif"), "OUTPUT_B": "", "OUTPUT_C": str(tmp_path / "c")}, {})
    assert os.listdir(tmp_path) == []  # the write probe leaves nothing behind


def test_an_output_on_another_outputs_sidecar_is_refused(tmp_path):
    """A table named as a raster output's .aux.xml is a file GDAL reads with that raster: GDAL's own file list of
    the written raster (GetFileList, once its statistics are saved) names it, and the check refuses it first."""
    from osgeo import gdal

    raster = str(tmp_path / "classes.tif")
    dataset = gdal.GetDriverByName("GTiff").Create(raster, 4, 4, 1, gdal.GDT_Float32)
    dataset.GetRasterBand(1).Fill(1.0)
    dataset = None
    dataset = gdal.Open(raster)  # read-only: the statistics go to the .aux.xml GDAL writes on close
    dataset.GetRasterBand(1).ComputeStatistics(False)
    dataset = None
    sidecars = [f for f in gdal.Open(raster).GetFileList() if os.path.normpath(f) != os.path.normpath(raster)]
    assert sidecars, "GDAL wrote no side file to compare with"
    for sidecar in sidecars:
        with pytest.raises(InputError, match=r"^OUTPUT_TABLE: '.*' is a side file of OUTPUT \('classes\.tif'\)"):
            check_output_paths({"OUTPUT": raster, "OUTPUT_TABLE": sidecar}, {})
        with pytest.raises(InputError, match=r"^OUTPUT_TABLE: '.*' is a side file of OUTPUT"):  # either order
            check_output_paths({"OUTPUT_TABLE": sidecar, "OUTPUT": raster}, {})
    check_output_paths({"OUTPUT": raster, "OUTPUT_TABLE": str(tmp_path / "classes.csv")}, {})


def test_unwritable_folders_are_found_by_writing_not_by_permission_bits(tmp_path):
    # root ignores permission bits, so these cases fail for everyone: a regular file used as a folder, a missing
    # folder, and /proc (a kernel file system where no file can be created)
    regular = tmp_path / "file"
    regular.write_text("")
    with pytest.raises(InputError, match=r"^OUTPUT_X: '.*file' is a file, not a folder"):
        check_output_folder(str(regular / "out.tif"), "OUTPUT_X")
    with pytest.raises(InputError, match=r"^OUTPUT: the folder '.*missing' does not exist"):
        check_output_folder(str(tmp_path / "missing" / "out.tif"))
    with pytest.raises(InputError, match=r"^OUTPUT: cannot write in the folder '/proc'"):
        check_output_folder("/proc/out.tif")
    with pytest.raises(InputError, match=r"^OUTPUT: cannot write in the folder '/proc'"):
        with atomic_output("/proc/out.tif"):
            pass


def test_memory_is_estimated_and_refused_with_the_numbers():
    assert check_memory(1000, 8, "PIXEL_SIZE", "a grid", "use larger cells.", available=10**6) == 8000
    with pytest.raises(GridTooLargeError, match=r"^PIXEL_SIZE: a grid needs about 7\.5 GiB .* only 1\.0 GiB"):
        check_memory(10**9, 8, "PIXEL_SIZE", "a grid", "use larger cells.", available=2**30)
    assert available_memory() is None or available_memory() > 0


def test_reading_a_huge_raster_is_refused_before_allocating(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    path = str(tmp_path / "huge.tif")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=300_000,
        height=300_000,
        count=1,
        dtype="float32",
        tiled=True,
        sparse_ok=True,
        BIGTIFF="YES",
        transform=from_origin(0, 300_000, 1, 1),
    ):
        pass
    with pytest.raises(GridTooLargeError, match=r"^EVIDENCE: reading 1 band\(s\) of 300000 x 300000 cells needs"):
        read_raster(path, parameter="EVIDENCE")


def test_a_failed_write_leaves_the_old_file(tmp_path):
    grid = GridSpec(0.0, 2.0, 1.0, 2, 2)
    path = str(tmp_path / "out.tif")
    write_geotiff(path, np.ones((1, 2, 2)), grid, ["a"])
    before = open(path, "rb").read()
    with pytest.raises(RuntimeError):
        with atomic_output(path) as tmp:  # a write that fails half way (or is cancelled)
            with open(tmp, "wb") as handle:
                handle.write(b"half")
            raise RuntimeError("disk full")
    assert open(path, "rb").read() == before
    assert [f for f in os.listdir(tmp_path) if f.startswith(".partial-")] == []


def test_output_group_writes_all_outputs_or_none(tmp_path):
    from geochem_prospector.core.io.outputs import output_group

    a, b = str(tmp_path / "a.txt"), str(tmp_path / "b.txt")
    with open(a, "w") as handle:
        handle.write("old a")
    with pytest.raises(RuntimeError):
        with output_group():
            with atomic_output(a) as tmp:
                with open(tmp, "w") as handle:
                    handle.write("new a")
            assert open(a).read() == "old a"  # nothing moves before the group ends
            raise RuntimeError("the second output failed")
    assert open(a).read() == "old a" and not os.path.exists(b)
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]
    with output_group():
        for path, text in ((a, "new a"), (b, "new b")):
            with atomic_output(path) as tmp:
                with open(tmp, "w") as handle:
                    handle.write(text)
    assert (open(a).read(), open(b).read()) == ("new a", "new b")
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.txt"]


def test_geojson_keeps_an_epsg_crs_and_refuses_one_without_a_code(tmp_path):
    """GDAL's GeoJSON writer records a CRS only by its EPSG code: a State Plane grid in feet reads back as itself
    (GDAL's own reader the reference), the same projection without a code is refused before anything is written
    (read back, it would be longitude and latitude)."""
    import geopandas as gpd
    from osgeo import ogr, osr
    from shapely.geometry import Point

    from geochem_prospector.core.errors import InputError
    from geochem_prospector.core.io.vectors import write_vector

    frame = gpd.GeoDataFrame({"rank": [1, 2]}, geometry=[Point(2.3e6, 1.0e7), Point(2.31e6, 1.001e7)], crs="EPSG:2277")
    path = str(tmp_path / "areas.geojson")
    write_vector(path, frame, "areas", parameter="OUTPUT_ANOMALIES")
    source = ogr.Open(path)  # kept: a layer outlives its data source only in C, not in the bindings
    layer = source.GetLayer()
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(2277)
    assert layer.GetFeatureCount() == 2 and layer.GetSpatialRef().IsSame(reference)
    esri = frame.set_crs(frame.crs.to_wkt("WKT1_ESRI"), allow_override=True)  # as ArcGIS writes it: no EPSG node
    write_vector(str(tmp_path / "esri.geojson"), esri, "areas", parameter="OUTPUT_ANOMALIES")
    source = ogr.Open(str(tmp_path / "esri.geojson"))
    assert source.GetLayer().GetSpatialRef().IsSame(reference)  # GDAL alone would have written no CRS (4326)
    custom = frame.set_crs(frame.crs.to_proj4(), allow_override=True)  # a PROJ string matches no code exactly
    with pytest.raises(InputError, match=r"^OUTPUT_ANOMALIES: a GeoJSON file names its CRS by an EPSG code only"):
        write_vector(str(tmp_path / "custom.geojson"), custom, "areas", parameter="OUTPUT_ANOMALIES")
    assert not (tmp_path / "custom.geojson").exists()


def test_a_geopackage_of_several_layers_is_not_replaced_by_an_output(tmp_path):
    """Its tables are those fiona lists; reading them leaves the file and its folder as they were (no lock, journal
    or -shm file); one layer, a non-GeoPackage file or no file at all may be replaced as any output is."""
    import hashlib

    import fiona
    import geopandas as gpd
    from shapely.geometry import Point, box

    project = tmp_path / "my project.gpkg"  # a space: the SQLite URI must quote the path
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(1, 2)], crs="EPSG:3067").to_file(project, layer="deposits")
    gpd.GeoDataFrame({"r": ["granite"]}, geometry=[box(0, 0, 5, 5)], crs="EPSG:3067").to_file(project, layer="geology")
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    assert geopackage_tables(str(project)) == sorted(fiona.listlayers(str(project))) == ["deposits", "geology"]
    with pytest.raises(InputError, match=r"^OUTPUT_ANOMALIES: 'my project\.gpkg' is a GeoPackage holding 2 layers "):
        check_geopackage_output(f"{project}|layername=anomalies", "OUTPUT_ANOMALIES")
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before
    assert sorted(os.listdir(tmp_path)) == ["my project.gpkg"]

    single = tmp_path / "anomalies.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(1, 2)], crs="EPSG:3067").to_file(single, layer="anomalies")
    not_sqlite = tmp_path / "random.gpkg"
    not_sqlite.write_bytes(os.urandom(4096))
    for path in (single, not_sqlite, tmp_path / "new.gpkg"):
        check_geopackage_output(str(path), "OUTPUT")
    assert geopackage_tables(str(not_sqlite)) == []


def test_vector_provenance_reads_back_what_ogr_stores(tmp_path):
    """The provenance a GeoPackage layer holds is read back as GDAL's own metadata reader (ogr) sees it, for the
    named layer or the file's only one; nothing for a GeoJSON, another layer, a file of two layers without a name,
    a missing file or a layer written without one."""
    import json

    import geopandas as gpd
    from osgeo import ogr
    from shapely.geometry import Point

    from geochem_prospector.core.io.rasters import PROVENANCE_TAG
    from geochem_prospector.core.io.vectors import read_vector_provenance, write_vector

    frame = gpd.GeoDataFrame({"Cu": [1.0, 2.0]}, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:3067")
    record = {"algorithm": "prospector:anomalies", "parameters": {"POINTS_LEVEL": "strong"}}
    path = str(tmp_path / "points.gpkg")
    write_vector(path, frame, "high_value_samples", record)
    source = ogr.Open(path)
    stored = json.loads(source.GetLayerByName("high_value_samples").GetMetadataItem(PROVENANCE_TAG))
    assert read_vector_provenance(path, "high_value_samples") == stored == record
    assert read_vector_provenance(path) == record
    assert read_vector_provenance(path, "other") == {}
    frame.to_file(path, layer="second", driver="GPKG")  # now two layers: which one is meant is unknown
    assert read_vector_provenance(path) == {} and read_vector_provenance(path, "second") == {}
    assert read_vector_provenance(path, "high_value_samples") == record
    geojson = str(tmp_path / "points.geojson")
    write_vector(geojson, frame, "high_value_samples", record)
    assert read_vector_provenance(geojson) == {}
    assert read_vector_provenance(str(tmp_path / "missing.gpkg")) == {}


def test_a_read_only_output_file_is_refused_as_a_shell_write_would_be():
    """A file made read-only (chmod 444) is not replaced, as the shell refuses to write it for the same user; the
    commit's rename would replace it regardless. Root may write it, in a shell as here. Run as 'nobody', since root
    ignores the permission bits."""
    import pwd
    import shutil
    import subprocess
    import sys
    import tempfile

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root (to become 'nobody') and setpriv")
    nobody = pwd.getpwnam("nobody")
    as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    folder = tempfile.mkdtemp(dir="/tmp")  # pytest's tmp_path is closed to other users
    try:
        os.chmod(folder, 0o755)
        path = os.path.join(folder, "report.html")
        with open(path, "w") as handle:
            handle.write("old")
        for item in (folder, path):
            os.chown(item, nobody.pw_uid, nobody.pw_gid)
        package = os.path.dirname(os.path.dirname(os.path.abspath(check_output_paths.__code__.co_filename)))
        code = (
            "import sys\nfrom geochem_prospector.core.io.destinations import check_output_paths\n"
            "check_output_paths({'OUTPUT_REPORT': sys.argv[1]}, {})"
        )
        env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(package)), "HOME": folder}

        def shell_writes() -> bool:
            return subprocess.run([*as_nobody, "sh", "-c", f"echo new >> '{path}'"], env=env).returncode == 0

        def checked() -> subprocess.CompletedProcess:
            return subprocess.run(
                [*as_nobody, sys.executable, "-c", code, path], env=env, capture_output=True, text=True
            )

        os.chmod(path, 0o444)
        assert not shell_writes()
        refused = checked()
        assert refused.returncode != 0
        assert re.search(
            r"OUTPUT_REPORT: '.*report\.html' is read-only \(its permissions .*chmod u\+w", refused.stderr
        ), refused.stderr
        check_output_paths({"OUTPUT_REPORT": path}, {})  # as root: writable, as in root's shell
        with open(path) as handle:
            assert handle.read() == "old"
        os.chmod(path, 0o644)
        assert shell_writes()
        assert checked().returncode == 0
    finally:
        shutil.rmtree(folder)

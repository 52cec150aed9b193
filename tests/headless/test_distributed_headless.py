"""SCHEDULER through qgis_process.bin: interpolate (IDW, kriging), evidence and predict on a local Dask cluster of
2 workers give files whose pixels are bit-identical to the in-process run's, and traincnn the same networks;
malformed and unreachable schedulers are refused with a message naming SCHEDULER, and nothing is written."""

import os
import shutil

import numpy as np
import pytest
import rasterio

pytest.importorskip("distributed", reason="Dask's distributed scheduler (python3-distributed) is not installed")

from tests.conftest import SAMPLE_DATA as SAMPLES  # noqa: E402
from tests.headless.scenes import traincnn_parameters  # noqa: E402
from tests.helpers import assert_same_networks, free_port  # noqa: E402


def pixels(path):
    """Every band's raw bytes, the band names and the grid (not the provenance, which records SCHEDULER)."""
    with rasterio.open(path) as src:
        return src.read().tobytes(), src.descriptions, src.transform, src.nodata, src.dtypes


@pytest.mark.parametrize(
    "settings",
    [
        {"METHOD": 0, "PIXEL_SIZE": 100, "NEIGHBORS": 12, "LOG_TRANSFORM": "true"},  # 3 blocks of rows
        {"METHOD": 1, "PIXEL_SIZE": 150, "NEIGHBORS": 12, "OUTPUT_VARIANCE": "variance.tif"},  # 3 blocks per field
    ],
    ids=["idw", "kriging"],
)
def test_interpolate_on_two_workers_is_bit_identical(qgis_process, tmp_path, settings):
    outputs = {}
    for scheduler in ("", "local:2"):
        folder = tmp_path / (scheduler.replace(":", "_") or "here")
        folder.mkdir()
        parameters = {
            "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
            "FIELDS": ["Cu", "Ni"],
            "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
            "SCHEDULER": scheduler,
            "OUTPUT": str(folder / "till.tif"),
            **settings,
        }
        if "OUTPUT_VARIANCE" in settings:
            parameters["OUTPUT_VARIANCE"] = str(folder / "variance.tif")
        code, result, log = qgis_process("prospector:interpolate", parameters)
        assert code == 0, log
        assert ("local Dask cluster of 2 worker" in log) == bool(scheduler)
        outputs[scheduler] = [
            pixels(folder / name) for name in ("till.tif", "variance.tif") if (folder / name).exists()
        ]
    assert len(outputs[""]) == (2 if "OUTPUT_VARIANCE" in settings else 1)
    assert outputs["local:2"] == outputs[""]
    values = np.frombuffer(outputs[""][0][0], np.float32)
    assert 0.05 < (values == -9999).mean() < 0.6  # the mask made nodata, the rest has values


def test_predict_on_two_workers_is_bit_identical(qgis_process, tmp_path):
    pytest.importorskip("torch", reason="PyTorch is not installed")
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff
    from geochem_prospector.core.learning.estimator import PatchCNN
    from tests.core.learning.test_cnn import SMALL, synthetic

    bands, labels = synthetic(height=50, width=61)
    grid = GridSpec(400_000.0, 7_500_000.0, 200.0, 61, 50, rasterio.crs.CRS.from_epsg(3067).to_wkt())
    write_geotiff(str(tmp_path / "ev.tif"), bands, grid, ["a", "b", "c"])
    model = PatchCNN(**{**SMALL, "ensemble": 2}).fit(bands, labels, band_names=["ev:a", "ev:b", "ev:c"])
    model.save(str(tmp_path / "model.pt"))
    outputs = {}
    for scheduler in ("", "local:2"):
        name = scheduler.replace(":", "_") or "here"
        code, result, log = qgis_process(
            "prospector:predict",
            {
                "INPUT_RASTERS": str(tmp_path / "ev.tif"),
                "MODEL": str(tmp_path / "model.pt"),
                "DEVICE": "cpu",
                "TILE_SIZE": 16,  # 16 tiles
                "MC_SAMPLES": 5,
                "SCHEDULER": scheduler,
                "OUTPUT": str(tmp_path / f"prob_{name}.tif"),
                "OUTPUT_UNCERTAINTY": str(tmp_path / f"unc_{name}.tif"),
                "OUTPUT_CLASSES": str(tmp_path / f"cls_{name}.tif"),
                "OUTPUT_RANK": str(tmp_path / f"rank_{name}.tif"),  # from the scores the workers return
            },
        )
        assert code == 0, log
        outputs[scheduler] = [pixels(tmp_path / f"{what}_{name}.tif") for what in ("prob", "unc", "cls", "rank")]
    assert outputs["local:2"] == outputs[""]
    prob = np.frombuffer(outputs[""][0][0], np.float32)
    assert ((prob >= 0) & (prob <= 1)).mean() > 0.9 and (prob == -9999).sum() > 0  # the nodata corner
    # the rank is scipy's percentile of the area (kind "mean": average ranks) of the model's in-memory scores
    from scipy.stats import rankdata

    score = model.predict_score(bands, "cpu", tile=16)  # predict's tiles
    ok = np.isfinite(score)
    expected = np.full(score.shape, -9999.0, np.float32)
    expected[ok] = (rankdata(score[ok]) - 0.5) / ok.sum() * 100
    rank = np.frombuffer(outputs[""][3][0], np.float32).reshape(score.shape)
    assert np.array_equal(rank == -9999, ~ok)
    close = np.abs(rank - expected) <= 1e-3
    assert close[ok].mean() > 0.99
    # qgis_process may compute a score's last bit otherwise, so cells within that of each other may tie there or
    # swap: such a cell may rank anywhere among its near-equals, and nowhere else
    area = np.sort(score[ok].astype(np.float64))
    eps = 1e-6 * np.maximum(np.abs(score[ok]), 1.0)
    below = np.searchsorted(area, score[ok] - eps, side="left")
    within = np.searchsorted(area, score[ok] + eps, side="right") - below
    lowest, highest = (below + 0.5) / ok.sum() * 100, (below + within - 0.5) / ok.sum() * 100
    assert ((rank[ok] >= lowest - 1e-3) & (rank[ok] <= highest + 1e-3)).all()


def assert_refused(qgis_process, tmp_path, algorithm, parameters, cases):
    """Each (SCHEDULER, message) of ``cases`` fails ``algorithm`` with that message and no traceback, and leaves
    ``tmp_path`` (where ``parameters`` put the outputs) empty."""
    for scheduler, message in cases:
        code, _, log = qgis_process(algorithm, {**parameters, "SCHEDULER": scheduler})
        assert code != 0 and message in log and "Traceback" not in log, log
        assert not os.listdir(tmp_path)


def test_bad_schedulers_are_refused_naming_the_parameter(qgis_process, tmp_path):
    port = free_port()
    parameters = {
        "INPUT": os.path.join(SAMPLES, "till_geochemistry.gpkg"),
        "FIELDS": ["Cu"],
        "PIXEL_SIZE": 1000,
        "OUTPUT": str(tmp_path / "till.tif"),
    }
    cases = (
        ("local", "SCHEDULER: 'local' is not a scheduler; use ''"),
        ("local:0", "SCHEDULER: 'local:0': the number of local workers must be between 1"),
        (f"tcp://127.0.0.1:{port}", f"SCHEDULER: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"),
    )
    assert_refused(qgis_process, tmp_path, "prospector:interpolate", parameters, cases)


def test_evidence_on_two_workers_is_bit_identical(qgis_process, tmp_path):
    """Lines (distance, density, intersections), lithology (classes, contacts) and magnetics through a VRT (the
    workers read the VRT file itself, not this process's memory copy) on 4 tiles of 512 cells; the VRT is not
    rewritten and nothing is written beside it."""
    import subprocess

    import geopandas as gpd
    from shapely.geometry import Point
    from shapely.ops import unary_union

    magnetics = shutil.copy(os.path.join(SAMPLES, "magnetics_tmi_nT.tif"), tmp_path)
    vrt = str(tmp_path / "magnetics.vrt")
    subprocess.run(["gdalbuildvrt", "-q", vrt, magnetics], check=True)
    before = sorted(os.listdir(tmp_path)), open(vrt, "rb").read()
    outputs, shapes = {}, {}
    for scheduler in ("", "local:2"):
        out = tmp_path / f"evidence_{scheduler.replace(':', '_') or 'here'}.tif"
        code, result, log = qgis_process(
            "prospector:evidence",
            {
                "LINES": os.path.join(SAMPLES, "faults.gpkg"),
                "DENSITY_RADIUS": 2000,
                "INTERSECTIONS": "true",
                "POLYGONS": os.path.join(SAMPLES, "lithology.gpkg"),
                "CLASS_FIELD": "GENERALI_1",
                "CLASSES": "Granit",
                "CONTINUOUS_RASTERS": vrt,
                "MASK": os.path.join(SAMPLES, "study_area.gpkg"),
                "PIXEL_SIZE": 120,  # 567 x 684 cells: 4 tiles
                "SCHEDULER": scheduler,
                "OUTPUT": str(out),
            },
        )
        assert code == 0, log
        assert ("local Dask cluster of 2 worker" in log) == bool(scheduler)
        outputs[scheduler] = pixels(out)
        with rasterio.open(out) as src:
            shapes[scheduler] = (src.count, src.height, src.width)
        out.unlink()
    assert (sorted(os.listdir(tmp_path)), open(vrt, "rb").read()) == before
    assert outputs["local:2"] == outputs[""]
    data, names, transform = outputs[""][0], outputs[""][1], outputs[""][2]
    assert names[:3] == ("faults:distance_m", "faults:density_km_per_km2", "faults:intersection_distance_m")
    assert names[-1] == "magnetics:band 1"
    count, height, width = shapes[""]
    assert height > 512 and width > 512  # more than one tile each way
    bands = np.frombuffer(data, np.float32).reshape(count, height * width)
    magnetic = bands[-1]
    assert 0.3 < (magnetic != -9999).mean() < 0.95  # the mask made nodata, the rest has values from the workers
    # the distance band is shapely's distance to the faults (an independent reference) at a few cells
    faults = unary_union(list(gpd.read_file(os.path.join(SAMPLES, "faults.gpkg")).geometry))
    distance = bands[0].reshape(-1, width)
    rows, cols = np.nonzero(distance != -9999)
    for r, c in list(zip(rows, cols))[:: max(1, len(rows) // 30)]:
        x, y = transform * (c + 0.5, r + 0.5)
        assert abs(float(distance[r, c]) - faults.distance(Point(x, y))) <= 0.01


def test_traincnn_cutting_patches_on_two_workers_trains_the_same_networks(qgis_process, tmp_path):
    """SCHEDULER on traincnn: the workers read the windows and cut the patches, qgis_process trains; the model
    file's networks are those of the in-process run (which reads this small stack whole) bit for bit."""
    pytest.importorskip("torch", reason="PyTorch is not installed")
    from geochem_prospector.core.grid import GridSpec
    from geochem_prospector.core.io.rasters import write_geotiff
    from geochem_prospector.core.learning.estimator import PatchCNN
    from tests.core.learning.test_cnn import synthetic

    bands, labels = synthetic(height=50, width=61)
    grid = GridSpec(400_000.0, 7_500_000.0, 200.0, 61, 50, rasterio.crs.CRS.from_epsg(3067).to_wkt())
    write_geotiff(str(tmp_path / "ev.tif"), bands, grid, ["a", "b", "c"])
    write_geotiff(str(tmp_path / "labels.tif"), labels[None], grid, ["label"], nodata=-1)
    models, logs = {}, {}
    for scheduler in ("", "local:2"):
        name = scheduler.replace(":", "_") or "here"
        params = traincnn_parameters(tmp_path, f"_{name}", ENSEMBLE=2, SEED=4, SCHEDULER=scheduler)
        code, result, log = qgis_process("prospector:traincnn", params)
        assert code == 0, log
        models[scheduler], logs[scheduler] = PatchCNN.load(params["OUTPUT_MODEL"]), log
    assert "Running on a local Dask cluster of 2 worker process(es)." in logs["local:2"]
    assert "patches read window by window on a local Dask cluster of 2 worker process(es)" in logs["local:2"]
    assert "window by window" not in logs[""]
    assert_same_networks(models[""], models["local:2"])


def test_bad_schedulers_are_refused_on_evidence(qgis_process, tmp_path):
    port = free_port()
    parameters = {
        "LINES": os.path.join(SAMPLES, "faults.gpkg"),
        "PIXEL_SIZE": 2000,
        "OUTPUT": str(tmp_path / "evidence.tif"),
    }
    cases = (
        ("tcp:/host:8786", "SCHEDULER: 'tcp:/host:8786' is not a scheduler; use ''"),
        (f"tcp://127.0.0.1:{port}", f"SCHEDULER: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"),
    )
    assert_refused(qgis_process, tmp_path, "prospector:evidence", parameters, cases)


def test_the_default_scheduler_setting_reaches_qgis_process(qgis_process_env, tmp_path):
    """The "Default Dask scheduler" saved in the profile (as the options dialog saves it) is used by qgis_process
    when SCHEDULER is empty: the run says so and its stack equals the one computed in this process."""
    from PyQt5.QtCore import QSettings

    from tests.headless.cli import run_qgis_process

    home = tmp_path / "home"
    ini = home / ".local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"
    ini.parent.mkdir(parents=True)
    shutil.copy(os.path.join(qgis_process_env["HOME"], ".local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"),
                ini)  # fmt: skip
    settings = QSettings(str(ini), QSettings.IniFormat)
    settings.setValue("Processing/Configuration/PROSPECTOR_DEFAULT_SCHEDULER", "local:2")
    settings.sync()
    env = {**qgis_process_env, "HOME": str(home), "XDG_RUNTIME_DIR": str(home)}
    outputs = {}
    for name, environment in (("here", qgis_process_env), ("default", env)):
        out = tmp_path / f"{name}.tif"
        parameters = {"LINES": os.path.join(SAMPLES, "faults.gpkg"), "PIXEL_SIZE": 400, "OUTPUT": str(out)}
        code, _, log = run_qgis_process(environment, "prospector:evidence", parameters, 600)
        assert code == 0, log
        assert ("local Dask cluster of 2 worker process(es) (SCHEDULER is empty" in log) == (name == "default"), log
        outputs[name] = pixels(out)
    assert outputs["default"] == outputs["here"]
    assert np.frombuffer(outputs["here"][0], np.float32).max() > 1000  # distances in metres, not an empty stack

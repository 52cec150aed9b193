"""A raster of whole-number measurements given as LABELS (Int16 magnetics, -118 to 309 nT) is refused.

Sweep 32a: QGIS's dialogs of traincnn and trainmodel offer the project's first raster as LABELS (the user's
magnetics, with no label raster yet); traincnn then trained on it, the cells valued 1 nT as deposits and 2 to 309
nT as "other mineralised classes", with warnings only. Fractions were already refused. Reference: the values as
GDAL reads them from the file (numpy's unique count of those of 0 or more)."""

import numpy as np
import pytest
from osgeo import gdal

from tests.qgis.synthetic import GRID, training_parameters


def write_magnetics(path):
    """Int16 magnetics on the scene's grid, whole numbers from -118 to 309, nodata -32768 in one corner."""
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(5)
    values = rng.integers(-118, 310, size=(GRID.height, GRID.width)).astype(np.int16)
    values[0, :3] = (-118, 309, -32768)
    profile = {"driver": "GTiff", "width": GRID.width, "height": GRID.height, "count": 1, "dtype": "int16"}
    transform = from_origin(GRID.xmin, GRID.ymax, GRID.pixel_size, GRID.pixel_size)
    with rasterio.open(path, "w", **profile, crs=GRID.crs_wkt, transform=transform, nodata=-32768) as out:
        out.write(values, 1)


@pytest.mark.parametrize(
    "algorithm, streamed",
    [("prospector:trainmodel", False), ("prospector:traincnn", False), ("prospector:traincnn", True)],
    ids=["trainmodel", "traincnn", "traincnn window by window"],
)
def test_whole_number_magnetics_as_labels_is_refused(run_algorithm, data, tmp_path, monkeypatch, algorithm, streamed):
    """Window by window (a large stack, or SCHEDULER set) the label checks did not run (review 34): traincnn went on
    to an unrelated refusal, and a grid with more cells at 1 nT would have trained."""
    from qgis.core import QgsProcessingException

    from geochem_prospector.algorithms import traincnn

    if streamed:
        monkeypatch.setattr(traincnn, "STREAM_ABOVE_BYTES", 0)

    magnetics = tmp_path / "mag_tmi.tif"
    write_magnetics(magnetics)
    dataset = gdal.Open(str(magnetics))  # kept: a band outlives its dataset only as a dangling pointer
    band = dataset.GetRasterBand(1)
    read = band.ReadAsArray().astype(np.float64)
    read = read[read != band.GetNoDataValue()]
    with pytest.raises(QgsProcessingException) as refused:
        run_algorithm(algorithm, training_parameters(data, tmp_path, LABELS=str(magnetics)))
    message = str(refused.value)
    assert message.startswith(
        f"LABELS: 'mag_tmi' holds whole numbers from {read.min():g} to {read.max():g} "
        f"({np.unique(read[read >= 0]).size} different values of 0 or more) that are not classes"
    ), message
    assert "magnetics" in message
    assert not (tmp_path / "model.pt").exists()


def test_a_label_raster_with_a_few_classes_still_trains(run_algorithm, data, tmp_path):
    """The scene's labels (0 and 1) train as before: the new check reads only values above the highest class id."""
    results = run_algorithm("prospector:trainmodel", training_parameters(data, tmp_path))
    assert (tmp_path / "model.pt").exists() and results["OUTPUT_MODEL"] == str(tmp_path / "model.pt")


def test_a_label_raster_with_an_undeclared_fill_of_255_is_told_to_declare_it(run_algorithm, data, tmp_path):
    """A byte label raster made by hand (gdal_rasterize -init 255) with 0, 1 and 255 where nothing was known, and
    no nodata declared: 255 would be class 255, mineralised. The refusal names the fill and how to declare it;
    a copy made with gdal_translate -a_nodata 255 (GDAL's own tool) trains."""
    import subprocess

    import rasterio
    from qgis.core import QgsProcessingException
    from rasterio.transform import from_origin

    with rasterio.open(data / "labels.tif") as src:
        labels = src.read(1, masked=True)
    filled = np.where(np.ma.getmaskarray(labels), 255, labels.filled(0)).astype(np.uint8)
    filled[0, :4] = 255
    path = tmp_path / "rasterised.tif"
    profile = {"driver": "GTiff", "width": GRID.width, "height": GRID.height, "count": 1, "dtype": "uint8"}
    transform = from_origin(GRID.xmin, GRID.ymax, GRID.pixel_size, GRID.pixel_size)
    with rasterio.open(path, "w", **profile, crs=GRID.crs_wkt, transform=transform) as out:
        out.write(filled, 1)
    with pytest.raises(QgsProcessingException) as refused:
        run_algorithm("prospector:trainmodel", training_parameters(data, tmp_path, LABELS=str(path)))
    message = str(refused.value)
    assert message.startswith(
        f"LABELS: 'rasterised' holds the classes 0, 1 and 255 in {int(np.sum(filled == 255)):,} cells: 255 is a fill "
        "value its file does not declare as nodata"
    ), message
    declared = tmp_path / "declared.tif"
    subprocess.run(["gdal_translate", "-q", "-a_nodata", "255", str(path), str(declared)], check=True)
    run_algorithm("prospector:trainmodel", training_parameters(data, tmp_path, LABELS=str(declared)))
    assert (tmp_path / "model.pt").exists()


@pytest.mark.parametrize(
    "classes, cells_each, refused",
    [
        ([1], 40, False),  # pseudolabel's output: one mineralised class
        ([1, 2, 3], 1, False),  # three deposit types on a cell each: too few values to call them ids
        ([1, 2, 3, 4, 5], 1, True),  # five deposits rasterised by id, a cell each
        ([1, 2, 3, 4, 5], 2, False),  # five deposit types, two cells each
        (list(range(1, 21)), 40, False),  # twenty classes, forty cells each: the most taken as classes
        (list(range(1, 22)), 40, True),  # twenty-one: map codes burnt in (a lithology raster given as labels)
    ],
)
def test_ids_or_codes_in_a_label_raster_are_told_apart_from_classes(classes, cells_each, refused):
    """Deposits rasterised by their id field (gdal_rasterize -a id) gave every deposit its own class, and the map
    learnt the deposit with id 1 against the others. Refused, as a point field of more values than half its
    points is, at five values or more; and past twenty mineralised classes whatever their cells."""
    from qgis.core import QgsProcessingException

    from geochem_prospector.algorithms.labels import require_class_values

    distinct = np.array([0.0, *classes])
    counts = np.array([1000, *([cells_each] * len(classes))])
    if not refused:
        require_class_values(distinct, counts, "labels")
        return
    with pytest.raises(QgsProcessingException) as told:
        require_class_values(distinct, counts, "labels")
    assert str(told.value).startswith(
        f"LABELS: 'labels' holds {len(classes)} different values of 1 and above (1, 2, 3, 4, 5"
    ) and f"on {len(classes) * cells_each:,} cells: ids or codes" in str(told.value)

"""Inputs given as a URI are named for their file in provenance and reports (sweep 21a: the Kola C-horizon CSV
loaded as `delimitedtext://file:///…/chorizon.csv?…` left the element rasters' provenance with "input": "" and
evaluate's report with an empty "deposits" row, as a layer made from a URI has no name)."""

import json

import numpy as np
import rasterio


def test_csv_uri_inputs_are_named_for_their_files(run_algorithm, tmp_path):
    rng = np.random.default_rng(1)
    x, y = 400_000 + rng.uniform(0, 10_000, 30), 7_500_000 + rng.uniform(0, 10_000, 30)
    rows = ["X,Y,Cu"] + [f"{a:.1f},{b:.1f},{c:.2f}" for a, b, c in zip(x, y, rng.lognormal(3, 0.5, 30))]
    (tmp_path / "soil_2025.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "known_pits.csv").write_text(f"X,Y\n{x[0]:.1f},{y[0]:.1f}\n{x[9]:.1f},{y[9]:.1f}\n", encoding="utf-8")
    uri = "delimitedtext://file://{}?delimiter=,&xField=X&yField=Y&crs=EPSG:3067"
    raster = str(tmp_path / "cu.tif")
    run_algorithm(
        "prospector:interpolate",
        {"INPUT": uri.format(tmp_path / "soil_2025.csv"), "FIELDS": ["Cu"], "PIXEL_SIZE": 500, "OUTPUT": raster},
    )
    with rasterio.open(raster) as src:
        assert json.loads(src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"])["input"] == "soil_2025"
    report = tmp_path / "evaluation.html"
    run_algorithm(
        "prospector:evaluate",
        {
            "INPUT_RASTER": raster,
            "DEPOSITS": uri.format(tmp_path / "known_pits.csv"),
            "ITERATIONS": 20,
            "OUTPUT_REPORT": str(report),
            "OUTPUT_TABLE": str(tmp_path / "evaluation.csv"),
        },
    )
    assert "<td>deposits</td><td>known_pits</td>" in report.read_text(encoding="utf-8").replace("\n", "")


def test_labels_given_as_uri_are_named_for_their_file(run_algorithm, tmp_path):
    """Sweep 22a (Meuse): labelled samples given as a CSV URI left the label raster's record of its mineralised
    points with layer '', so evaluate warned of deposits 'trained on as mineralised (the points of '')', and the
    summary read 'labels meuse_lab.csv?delimiter=,&xField=x&…'. The reference is the file's own name."""
    rng = np.random.default_rng(2)
    x, y = 400_000 + rng.uniform(0, 10_000, 30), 7_500_000 + rng.uniform(0, 10_000, 30)
    rows = ["X,Y,Cu"] + [f"{a:.1f},{b:.1f},{c:.2f}" for a, b, c in zip(x, y, rng.lognormal(3, 0.5, 30))]
    (tmp_path / "soil.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    labelled = ["X,Y,mineral"] + [f"{a:.1f},{b:.1f},{int(i < 4)}" for i, (a, b) in enumerate(zip(x, y))]
    (tmp_path / "labelled_samples.csv").write_text("\n".join(labelled) + "\n", encoding="utf-8")
    uri = "delimitedtext://file://{}?delimiter=,&xField=X&yField=Y&crs=EPSG:3067"
    raster, labels, summary = (str(tmp_path / name) for name in ("cu.tif", "labels.tif", "summary.html"))
    run_algorithm(
        "prospector:interpolate",
        {"INPUT": uri.format(tmp_path / "soil.csv"), "FIELDS": ["Cu"], "PIXEL_SIZE": 500, "OUTPUT": raster},
    )
    run_algorithm(
        "prospector:pseudolabel",
        {
            "INPUT_RASTERS": [raster],
            "LABELS": uri.format(tmp_path / "labelled_samples.csv"),
            "LABEL_FIELD": "mineral",
            "OUTPUT": labels,
            "OUTPUT_CONFIDENCE": str(tmp_path / "confidence.tif"),
            "OUTPUT_SUMMARY": summary,
        },
    )
    with rasterio.open(labels) as src:
        provenance = json.loads(src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"])
    assert provenance["mineralised_points"]["layer"] == "labelled_samples"
    assert provenance["mineralised_points"]["count"] == 4
    page = open(summary, encoding="utf-8").read()
    assert "labels labelled_samples.csv." in page and "labelled_samples.csv?" not in page


def test_temporary_outputs_are_named_by_their_layers_in_the_project(prospector_provider, run_algorithm, tmp_path):
    """Sweep 24c: a chain run from the desktop with temporary outputs left the CNN training report reading
    'Computed on evidence OUTPUT.tif, OUTPUT.tif; labels OUTPUT.tif': every step writes OUTPUT.tif in a folder named
    by a hash. An input that is a layer of the project is now named as the project shows it, its file beside it
    (the summary of pseudolabel, which says what it was computed on the same way)."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject, QgsRasterLayer

    rng = np.random.default_rng(3)
    x, y = 400_000 + rng.uniform(0, 10_000, 30), 7_500_000 + rng.uniform(0, 10_000, 30)
    rows = ["X,Y,Cu,gold"] + [f"{a:.1f},{b:.1f},{c:.2f},{int(i < 4)}" for i, (a, b, c) in enumerate(zip(x, y, x))]
    (tmp_path / "soil.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    uri = f"delimitedtext://file://{tmp_path / 'soil.csv'}?delimiter=,&xField=X&yField=Y&crs=EPSG:3067"
    step = tmp_path / "processing_x" / "3f2a9c0b5d7e4f61a8b2c3d4e5f60718"
    step.mkdir(parents=True)
    raster = str(step / "OUTPUT.tif")
    run_algorithm("prospector:interpolate", {"INPUT": uri, "FIELDS": ["Cu"], "PIXEL_SIZE": 500, "OUTPUT": raster})
    project = QgsProject.instance()
    layer = QgsRasterLayer(raster, "Element rasters (IDW)")
    project.addMapLayer(layer)
    try:
        context = QgsProcessingContext()
        context.setProject(project)
        summary = tmp_path / "summary.html"
        processing.run(
            "prospector:pseudolabel",
            {
                "INPUT_RASTERS": [raster],
                "LABELS": uri,
                "LABEL_FIELD": "gold",
                "OUTPUT": str(tmp_path / "labels.tif"),
                "OUTPUT_CONFIDENCE": str(tmp_path / "confidence.tif"),
                "OUTPUT_SUMMARY": str(summary),
            },
            context=context,
            feedback=QgsProcessingFeedback(),
        )
        with rasterio.open(tmp_path / "labels.tif") as src:
            provenance = json.loads(src.tags()["GEOCHEM_PROSPECTOR_PROVENANCE"])
        assert provenance["input_names"] == {"INPUT_RASTERS": ["Element rasters (IDW)"]}  # the CSV: by its file
        page = summary.read_text(encoding="utf-8")
        assert "evidence Element rasters (IDW) (OUTPUT.tif); labels soil.csv" in page
    finally:
        project.removeMapLayer(layer.id())


def test_a_table_given_by_its_path_is_told_its_coordinate_fields_not_the_yttrium_column(run_algorithm, tmp_path):
    """The Kola atlas tables hold their coordinates in XCOO and YCOO and yttrium in 'Y': given by its path (read as
    a table without geometry), the refusal named X field 'XCOO' and Y field 'Y', and a URI built from it read
    yttrium as northings. Reference: the URI the message gives, with the file's path put in, loads with QGIS's
    delimited-text provider to points at the written coordinates, and interpolate runs on it."""
    import re

    import pytest
    from qgis.core import QgsProcessingException, QgsVectorLayer

    rng = np.random.default_rng(3)
    x, y = 547_960 + rng.uniform(0, 20_000, 25), 7_690_000 + rng.uniform(0, 20_000, 25)
    rows = ["ID,XCOO,YCOO,ELEV,Cu,Y"] + [
        f"{i},{a:.0f},{b:.0f},135,{c:.1f},{d:.1f}"
        for i, (a, b, c, d) in enumerate(zip(x, y, rng.lognormal(3, 0.5, 25), rng.lognormal(2, 0.3, 25)))
    ]
    table = tmp_path / "chorizon.csv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException) as refusal:
        run_algorithm(
            "prospector:interpolate", {"INPUT": str(table), "FIELDS": ["Cu"], "OUTPUT": str(tmp_path / "a.tif")}
        )
    message = str(refusal.value)
    assert "X field 'XCOO', Y field 'YCOO'" in message, message
    suggested = re.search(r"'delimitedtext://file:///…/file\.csv(\?[^']*)'", message).group(1)
    uri = f"file://{table}{suggested.replace('EPSG:…', 'EPSG:32635')}"
    layer = QgsVectorLayer(uri, "kola", "delimitedtext")
    assert layer.isValid() and layer.featureCount() == 25
    points = sorted((f.geometry().asPoint().x(), f.geometry().asPoint().y()) for f in layer.getFeatures())
    assert np.allclose(points, sorted(zip(np.round(x), np.round(y))))
    raster = str(tmp_path / "cu.tif")
    run_algorithm("prospector:interpolate", {"INPUT": f"delimitedtext://{uri}", "FIELDS": ["Cu"], "OUTPUT": raster})
    with rasterio.open(raster) as src:
        assert src.crs.to_epsg() == 32635 and src.bounds.bottom < y.min() < y.max() < src.bounds.top


def test_a_spreadsheet_given_by_its_path_is_told_how_to_make_points_and_that_works(run_algorithm, tmp_path):
    """A sample table kept in Excel (xlsx, written by GDAL's XLSX driver): QGIS opens it as a table, and the
    refusal gave only the Delimited Text advice, which cannot read a spreadsheet. Reference: QGIS's own
    native:createpointslayerfromtable run as the message says, then interpolate on its points."""
    import re

    import pytest
    from osgeo import ogr
    from qgis.core import QgsProcessingException, QgsVectorLayer

    rng = np.random.default_rng(5)
    path = str(tmp_path / "assays_2026.xlsx")
    dataset = ogr.GetDriverByName("XLSX").CreateDataSource(path)
    sheet = dataset.CreateLayer("assays", geom_type=ogr.wkbNone)
    for name, kind in (("SampleID", ogr.OFTString), ("Easting", ogr.OFTReal), ("Northing", ogr.OFTReal),
                       ("Cu_ppm", ogr.OFTReal)):  # fmt: skip
        sheet.CreateField(ogr.FieldDefn(name, kind))
    for i in range(40):
        row = ogr.Feature(sheet.GetLayerDefn())
        row.SetField("SampleID", f"S{i}")
        row.SetField("Easting", 400_000 + rng.uniform(0, 10_000))
        row.SetField("Northing", 7_500_000 + rng.uniform(0, 10_000))
        row.SetField("Cu_ppm", float(rng.lognormal(3, 0.5)))
        sheet.CreateFeature(row)
    dataset = None
    with pytest.raises(QgsProcessingException) as refusal:
        run_algorithm(
            "prospector:interpolate", {"INPUT": path, "FIELDS": ["Cu_ppm"], "OUTPUT": str(tmp_path / "a.tif")}
        )
    message = str(refusal.value)
    assert "Create points layer from table" in message and "native:createpointslayerfromtable" in message
    x_field, y_field = re.search(r"X field '([^']+)', Y field '([^']+)'", message).groups()
    points = str(tmp_path / "assays.gpkg")
    run_algorithm(
        "native:createpointslayerfromtable",
        {"INPUT": path, "XFIELD": x_field, "YFIELD": y_field, "TARGET_CRS": "EPSG:3067", "OUTPUT": points},
    )
    assert QgsVectorLayer(points, "assays", "ogr").featureCount() == 40
    raster = str(tmp_path / "cu.tif")
    run_algorithm("prospector:interpolate", {"INPUT": points, "FIELDS": ["Cu_ppm"], "OUTPUT": raster})
    with rasterio.open(raster) as src:
        assert src.crs.to_epsg() == 3067 and np.isfinite(src.read(1, masked=True).filled(np.nan)).any()


def test_without_twin_columns_the_northing_is_told_not_an_yttrium_column(run_algorithm, tmp_path):
    """Review 28: with no twin of the X field (UTM_E beside NORTHING), a 'Y_ppm' column (yttrium) was suggested as
    the Y field. Reference: the coordinates as written, which the suggested fields must hold."""
    import pytest
    from qgis.core import QgsProcessingException

    table = tmp_path / "soil_2019.csv"
    table.write_text("UTM_E,Y_ppm,NORTHING,Cu\n405000,21.5,7502000,33\n406000,19.0,7503000,12\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException) as refusal:
        run_algorithm(
            "prospector:interpolate", {"INPUT": str(table), "FIELDS": ["Cu"], "OUTPUT": str(tmp_path / "a.tif")}
        )
    assert "X field 'UTM_E', Y field 'NORTHING'" in str(refusal.value), str(refusal.value)

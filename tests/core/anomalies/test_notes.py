"""The words anomalies gives about its outlines and the samples it lists, and the thresholds table's rows
(:mod:`core.anomalies.notes`, moved out of the anomalies adapter), against maxima, counts and extents worked out
here with numpy and by brute force."""

import math

import numpy as np
import pytest

from geochem_prospector.core.anomalies import notes
from geochem_prospector.core.anomalies.screening import MIN_LOG_SCALE
from geochem_prospector.core.anomalies.thresholds import Thresholds
from geochem_prospector.core.grid import GridSpec

GRID = GridSpec(1000.0, 5000.0, 100.0, 20, 10)  # x 1000-3000, y 4000-5000


def _index_thresholds(levels, detail="robust z"):
    return Thresholds("index", "mean_sd", np.array(levels, dtype=float), 0.0, 100, detail)


def test_floored_scales_one_note_each():
    found = notes.floored_scale_notes({"Cu": 0.0123, "Ni": 0.001})
    assert len(found) == 2
    assert found[0].startswith("Cu: its robust scale in the integrated index (1.4826 MAD of log10 values, 0.012)")
    assert f"below {MIN_LOG_SCALE:g} and was raised to it" in found[1]
    assert notes.floored_scale_notes({}) == []


def test_min_cells_note_names_the_level_and_the_largest_area():
    assert notes.min_cells_note(10, 1, 0) == ""
    assert notes.min_cells_note(10, 1, 4) == (
        "MIN_CELLS: no anomaly area has 10 cells or more at the moderate level of the index, so OUTPUT_ANOMALIES is "
        "empty; the largest has 4. Lower MIN_CELLS (or AREA_LEVEL) to outline the anomalies."
    )


def test_unreached_level_note_gives_the_highest_cell():
    rng = np.random.default_rng(3)
    index = rng.normal(size=(10, 20))
    index[0, 0] = np.nan
    highest = max(v for v in index.ravel() if v == v)  # brute force, NaN left out
    t = _index_thresholds([highest + 1, highest + 2, highest + 3])
    note = notes.unreached_level_note("mean_sd", 0, t, index, 0)
    assert note.startswith(f"MULTIPLIERS: no cell of the index reaches its weak level ({highest + 1:.4g}; the highest")
    assert f"the highest cell is {highest:.4g}), so OUTPUT_ANOMALIES is empty; lower MULTIPLIERS to outline" in note
    tukey = notes.unreached_level_note("tukey", 2, t, index, 0)
    assert tukey.startswith("METHOD: no cell of the index reaches its strong level")
    assert "choose another METHOD (percentiles or C-A set their levels among the cells) (or AREA_LEVEL)" in tukey
    assert notes.unreached_level_note("mean_sd", 0, t, index, 3) == ""  # there are areas
    reached = _index_thresholds([highest, highest + 1, highest + 2])  # the highest cell is at the level
    assert notes.unreached_level_note("mean_sd", 0, reached, index, 0) == ""
    undefined = _index_thresholds([np.nan, highest + 1, highest + 2])
    assert notes.unreached_level_note("mean_sd", 0, undefined, index, 0) == ""  # said by undefined_level_note


def test_undefined_level_note_offers_the_levels_defined():
    t = _index_thresholds([np.nan, 2.0, np.nan], "weak and strong tied")
    assert notes.undefined_level_note(1, t) == ""
    assert notes.undefined_level_note(0, t) == (
        "AREA_LEVEL: the index has no weak level (weak and strong tied), so OUTPUT_ANOMALIES is empty; outline at "
        "the moderate level (AREA_LEVEL)."
    )
    none = _index_thresholds([np.nan] * 3, "flat")
    assert notes.undefined_level_note(2, none).endswith("is empty; choose another METHOD (AREA_LEVEL).")


def test_censored_mask_marks_the_rows_of_each_column():
    mask = notes.censored_mask((5, 3), [[0, 4], [], [2]])
    expected = np.zeros((5, 3), dtype=bool)
    for j, rows in enumerate([[0, 4], [], [2]]):
        for i in rows:
            expected[i, j] = True
    np.testing.assert_array_equal(mask, expected)


def test_samples_elsewhere_against_a_brute_force_extent_check():
    on_raster = np.array([[1500.0, 4500.0], [9000.0, 9000.0]])
    off_raster = np.array([[0.0, 0.0], [3000.1, 4500.0], [2000.0, 5000.1]])
    for xy in (on_raster, off_raster):
        any_on = any(GRID.xmin <= x <= GRID.xmax and GRID.ymin <= y <= GRID.ymax for x, y in xy)
        warning, info = notes.samples_elsewhere_notes(xy, GRID, ["Cu", "Ni"], ["Cu", "Ni"])
        assert (warning == "") == any_on and info == ""
    warning, _ = notes.samples_elsewhere_notes(off_raster, GRID, ["Cu", "Ni"], ["Cu"])
    assert warning.startswith("INPUT: none of the 3 samples lies on the raster (its extent: 1000, 4000 – 3000, 5000)")
    assert warning.endswith("(and the layer's CRS). The samples have no field for Ni: they are judged on Cu only.")
    assert notes.samples_elsewhere_notes(on_raster, GRID, ["Cu", "Ni"], ["Cu"]) == (
        "",
        "INPUT: The samples have no field for Ni: they are judged on Cu only.",
    )


def test_thresholds_rows_add_units_and_the_index_method():
    cu = Thresholds("Cu", "percentile", np.array([10.0, 20.0, 30.0]), 5.0, 50, "p85")
    index = _index_thresholds([1.0, 2.0, math.nan], "z")
    rows = notes.thresholds_rows([cu, index], {"Cu": 0.70711, "Ni": -0.5}, "pca", {"Cu": "ppm"})
    assert rows[0] == {**cu.as_row(), "unit": "ppm"}
    assert rows[1]["detail"] == "z; index pca of Cu 0.707; Ni -0.500"
    assert rows[1]["unit"] == "" and rows[1]["weak"] == 1.0 and math.isnan(rows[1]["strong"])
    assert notes.thresholds_rows([cu, index], {}, "zscore", {})[0]["unit"] == ""


@pytest.mark.parametrize(
    "method, box", [("percentile", "PERCENTILES"), ("ca", "CA_BREAKS"), ("median_mad", "MULTIPLIERS")]
)
def test_threshold_boxes_name_the_box_each_method_reads(method, box):
    assert [name for name, methods in notes.THRESHOLD_BOXES.items() if method in methods] == [box]


def _thresholds(name, method, levels, background=10.0, detail="d", **extra):
    return Thresholds(name, method, np.array(levels, dtype=float), background, 100, detail, **extra)


def test_threshold_lines_written_out():
    lines = notes.threshold_lines([_thresholds("Cu", "percentile", [12.345678, 20, float("nan")], detail="P85")])
    assert lines == ["Cu: weak 12.35, moderate 20, strong nan (P85)"]


def test_broad_level_warnings_only_for_the_bands_that_give_one():
    # mean + k SD assumes one population: 3 of 4 valid cells at weak or above is broad; percentiles never warn
    classes = np.array([[0, 1, 2, 3, 255]], dtype=np.uint8)
    broad = _thresholds("Cu", "mean_sd", [1, 2, 3])
    found = notes.broad_level_warnings([broad, _thresholds("Pb", "percentile", [1, 2, 3])], [classes, classes])
    assert len(found) == 1
    assert found[0].startswith("METHOD: the weak level of 'Cu' (1; d) classes 75 % of its cells anomalous")


def test_threshold_shape_warnings_in_the_logs_order():
    flat = _thresholds("Cu", "percentile", [10.001, 10.002, 10.003])
    tied = _thresholds("Pb", "mean_sd", [20, 30, 40], lowest_share=0.5, lowest=2.0)
    plateau = _thresholds("index", "ca", [1, 2, 3], background=0.0, plateaus=((2.5, 0.3),))
    found = notes.threshold_shape_warnings([flat, tied, plateau])
    assert [w[:22] for w in found] == ["Cu: its levels (weak 1", "METHOD: 50 % of the ce", "METHOD: 30 % of the ce"]
    assert "'Pb' hold its lowest value, 2 " in found[1]
    assert "cells are classed moderate." in found[2]
    # the index (last) is not checked for flatness: its levels are z-scores around 0
    assert notes.threshold_shape_warnings([_thresholds("Cu", "percentile", [15, 20, 30]), flat]) == []


def test_index_loadings_line_written_out():
    assert notes.index_loadings_line({"Cu": 0.5, "Pb": -0.25}) == "Index loadings: Cu +0.50, Pb -0.25"


def test_outline_notes_say_why_no_area_is_outlined():
    from geochem_prospector.core.anomalies.screening import AnomalyResult

    index = np.array([[0.1, 0.4]])

    def result(levels, largest, n_areas=0):
        import pandas as pd

        return AnomalyResult(
            np.zeros((1, 1, 2), np.uint8), ["index"], [_index_thresholds(levels)], index, {}, pd.DataFrame(),
            pd.DataFrame({"a": range(n_areas)}), np.zeros((1, 2), np.int32), largest_area_cells=largest,
        )  # fmt: skip

    assert notes.outline_notes("mean_sd", 0, 3, result([0.2, 0.5, 0.9], 1, n_areas=1)) == [
        "MIN_CELLS: no anomaly area has 3 cells or more at the weak level of the index, so OUTPUT_ANOMALIES is "
        "empty; the largest has 1. Lower MIN_CELLS (or AREA_LEVEL) to outline the anomalies."
    ]
    unreached = notes.outline_notes("mean_sd", 1, 3, result([0.2, 0.5, 0.9], 0))
    assert len(unreached) == 1 and unreached[0].startswith(
        "MULTIPLIERS: no cell of the index reaches its moderate level (0.5; the highest cell is 0.4)"
    )
    undefined = notes.outline_notes("percentile", 2, 3, result([0.2, 0.3, math.nan], 0))
    assert len(undefined) == 1 and undefined[0].startswith("AREA_LEVEL: the index has no strong level")
    assert notes.outline_notes("mean_sd", 0, 3, result([0.2, 0.5, 0.9], 0, n_areas=2)) == []


def test_contours_with_units_after_the_value_and_none_for_the_index():
    import pandas as pd

    contours = pd.DataFrame(
        {"element": ["Cu", "index", "Au"], "level": ["weak"] * 3, "value": [1.0, 2.0, 3.0], "n": [1, 2, 3]}
    )
    lines = notes.contours_with_units(contours, {"Cu": "ppm", "Pb": "ppb"})
    assert list(lines.columns) == ["element", "level", "value", "unit", "n"]
    assert list(lines["unit"]) == ["ppm", "", ""]
    assert "unit" not in contours.columns  # a copy: the result's table is not changed


def test_an_element_varying_against_the_association_is_named_when_the_pca_index_loads_it_negatively():
    """Cu and Ni rise together, Zr falls as they rise: the first principal component loads Zr against them (checked
    with scikit-learn's PCA of the same winsorised robust z-scores), so high Zr lowers the index: the note says so."""
    from scipy.stats import median_abs_deviation
    from sklearn.decomposition import PCA

    from geochem_prospector.core.anomalies.screening import integrated_index

    rng = np.random.default_rng(4)
    common = rng.normal(size=(30, 30))
    logs = np.stack([1 + 0.3 * common + 0.05 * rng.normal(size=common.shape) for _ in range(2)])
    logs = np.concatenate([logs, (2 - 0.2 * common + 0.05 * rng.normal(size=common.shape))[None]])
    _, weights = integrated_index(10**logs, ["Cu", "Ni", "Zr"], ["Cu", "Ni", "Zr"], "pca")
    z = np.stack([(y - np.median(y)) / median_abs_deviation(y, axis=None, scale="normal") for y in logs])
    reference = PCA(1).fit(np.clip(z.reshape(3, -1).T, -3, 3)).components_[0]
    reference = reference if reference.sum() > 0 else -reference
    assert np.sign(list(weights.values())).tolist() == np.sign(reference).tolist() == [1.0, 1.0, -1.0]
    note = notes.negative_loadings_note(weights)
    assert note.startswith(f"INDEX_METHOD: on the first principal component Zr {weights['Zr']:+.2f} load(s) against")
    assert "Cu" not in note and "Ni" not in note
    assert notes.negative_loadings_note({"Cu": 0.7, "Ni": 0.71, "Zr": -0.05}) == ""  # a loading near 0 is noise

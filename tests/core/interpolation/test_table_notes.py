"""The notes interpolate gives on a sample table's text fields (:func:`core.qaqc.table_notes`), the ranked counts
they quote (:func:`core.reports.cells.ranked_counts`) and the advice for a layer without CRS
(:func:`core.placement.local_grid_advice`), against counts and factors worked out here by hand."""

from collections import Counter

import numpy as np

from geochem_prospector.core.placement import local_grid_advice
from geochem_prospector.core.qaqc import mixed_units_note, table_notes
from geochem_prospector.core.reports.cells import ranked_counts


def test_ranked_counts_most_frequent_first_ties_by_value():
    counts = {"till": 3, "soil": 5, "B horizon": 3, "moss": 1, "humus": 1, "o'brien": 9}
    ranked = sorted(counts, key=lambda v: (-counts[v], v))  # by hand
    shown, first = ranked_counts(counts, "'{}' {}")
    assert shown == ", ".join(f"'{v}' {counts[v]}" for v in ranked[:4]) + ", …"
    assert first == "o''brien"  # quoted for a filter expression
    assert ranked_counts({"a": 2, "b": 2}, "{}={}") == ("a=2, b=2", "a")


def test_the_table_notes_in_order_and_the_qc_rows_flagged():
    rng = np.random.default_rng(6)
    n = 72
    xy = rng.uniform(0, 10_000, (n, 2))
    ids = [f"T-{i:04d}" for i in range(n)]
    for row in (10, 30, 50):
        ids[row] = "GTK-1"  # a laboratory's standard given three samples' places
    ids[60], ids[61] = "OREAS-45d", "BLK"
    units = ["ppm"] * 48 + ["%"] * 24
    media = ["till"] * 36 + ["B horizon"] * 36
    columns = {"sample_id": ids, "unit": units, "medium": media}
    flagged, notes = table_notes(columns, xy, "Cu")
    assert np.flatnonzero(flagged).tolist() == [i for i, v in enumerate(ids) if v in ("OREAS-45d", "BLK")]
    assert len(notes) == 4
    assert notes[0] == mixed_units_note("unit", Counter(units), "Cu")
    assert notes[1].startswith("INPUT: the samples are of 2 media by the field 'medium' ('B horizon' 36, 'till' 36)")
    assert notes[2].startswith("INPUT: the field 'sample_id' gives one sample's identifier to samples at several sites")
    assert "('GTK-1' at 3 sites)" in notes[2]
    assert notes[3].startswith("INPUT: 2 of the 72 samples are quality-control samples")
    # the medium named in SURVEY_FIELD is levelled there: no word of it here
    _, notes = table_notes(columns, xy, "Cu", survey_field="medium")
    assert not any("media" in note for note in notes) and len(notes) == 3
    flagged, notes = table_notes({"sample_id": [f"T-{i}" for i in range(n)]}, xy, "Cu")
    assert not flagged.any() and notes == []


def test_mixed_units_note_gives_the_factor_between_the_units():
    note = mixed_units_note("unit", Counter({"ppm": 24, "%": 12}), "Cu")
    factor = 10_000 / 1  # one % is 10,000 ppm
    assert note.startswith("INPUT: the field 'unit' gives the samples' values in 2 units ('ppm' 24, '%' 12)")
    assert f"a value in '%' is read as if in 'ppm', {factor:,.6g} times too small" in note
    assert f'CASE WHEN "unit" = \'%\' THEN "Cu" * {factor:g} ELSE "Cu" END' in note
    note = mixed_units_note("unit", Counter({"ppm": 24, "ppb": 12}), "Au")
    assert "a value in 'ppb' is read as if in 'ppm', 1,000 times too large" in note


def test_local_grid_advice_for_a_small_span_only():
    advice = local_grid_advice(0.6, 0.5, 5.7, 5.6)
    assert advice.startswith(" Its coordinates span only 5.1 x 5.1 units (x 0.6 to 5.7, y 0.5 to 5.6): degrees")
    assert local_grid_advice(400_000.0, 7_500_000.0, 420_000.0, 7_520_000.0) == ""

"""core.io.rasters.band_labels: one name per band, each once, from GDAL band descriptions."""

from geochem_prospector.core.io.rasters import band_labels


def test_a_repeated_description_gets_its_band_number():
    assert band_labels(["tmi", "tmi", None, "k", "tmi"]) == ["tmi", "tmi (band 2)", "band 3", "k", "tmi (band 5)"]


def test_distinct_descriptions_are_kept_as_they_are():
    assert band_labels(["Cu", "Pb", ""]) == ["Cu", "Pb", "band 3"]


def test_a_name_made_for_a_band_that_another_band_already_has_is_counted_on():
    names = band_labels(["x (band 3)", "x", "x", None, "band 4"])
    assert names == ["x (band 3)", "x", "x (band 3) (2)", "band 4", "band 4 (band 5)"]
    assert len(set(names)) == len(names)

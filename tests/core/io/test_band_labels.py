"""core.io.rasters.band_labels: one name per band, each once, from GDAL band descriptions."""

from geochem_prospector.core.io.rasters import band_labels


def test_a_repeated_description_gets_its_band_number():
    assert band_labels(["tmi", "tmi", None, "k", "tmi"]) == ["tmi", "tmi (band 2)", "band 3", "k", "tmi (band 5)"]


def test_distinct_descriptions_are_kept_as_they_are():
    assert band_labels(["Cu", "Pb", ""]) == ["Cu", "Pb", "band 3"]

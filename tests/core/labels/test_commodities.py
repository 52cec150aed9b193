"""core.labels.commodities: commodity values read as elements, and whether they belong to one mineral system,
on the Geological Survey of Finland's IOCG occurrences (the bundled sample) and on hand-made mixtures."""

import os

import pytest

from geochem_prospector.core.labels.commodities import one_system, symbols

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "resources", "sample_data", "deposits.gpkg")


def test_values_are_read_as_commodities():
    assert symbols("gold") == {"Au"} and symbols("Au, Cu, Fe") == {"Au", "Cu", "Fe"}
    assert symbols("Cu-Au") == {"Cu", "Au"} and symbols("kulta") == {"Au"} and symbols("Ni; Cu") == {"Ni", "Cu"}
    assert symbols("gold, misc") is None and symbols("") is None


def test_the_lapland_iocg_occurrences_are_one_system():
    """GTK's iron, gold and copper occurrences of the IOCG belt (both of its commodity fields) are one system."""
    gpd = pytest.importorskip("geopandas")
    layer = gpd.read_file(SAMPLE)
    assert set(layer["Commodity"]) == {"gold", "iron", "copper"}
    assert one_system(layer["Commodity"]) == "iron-oxide-copper-gold"
    assert one_system(layer["commodities"]) == "iron-oxide-copper-gold"


def test_a_database_of_unrelated_commodities_is_not():
    assert one_system(["gold", "graphite", "iron"]) is None  # graphite belongs to no metal system here
    assert one_system(["Li", "Au", "Ni"]) is None
    assert one_system(["Zn", "Pb", "Ag"]) == "porphyry and epithermal"  # the first system holding all three
    assert one_system(["gold", "unknown"]) is None  # an unread value: nothing is claimed
    assert one_system(["Sn", "W"]) == "granite-related tin-tungsten"

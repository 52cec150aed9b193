"""The bundled sample data carries what its sources say about it: here the magnetics' unit, which reports, legends
and evidence bands show (it had none, so the demo's reports read 'band value')."""

import os
import re

import pytest
import rasterio

from tests.conftest import SAMPLE_DATA, SHARED_DATA


def _stated_unit(readme: str, name: str) -> str:
    """The unit a data README's table row for ``name`` states as one of its comma-separated parts ('aeromagnetic
    total-field anomaly (DGRF65), nT, averaged to 200 m cells'): the one that is a unit of the magnetic field."""
    row = next(line for line in readme.splitlines() if name in line and line.startswith("|"))
    parts = [p.strip("* ") for p in re.split(r",\s*", row.split("|")[2].strip())]
    units = [p for p in parts if p in ("nT", "gamma", "T", "µT")]
    assert len(units) == 1, f"the row for {name} states no single unit: {row}"
    return units[0]


def test_magnetics_unit_is_the_one_its_readme_states():
    with open(os.path.join(SAMPLE_DATA, "README.md"), encoding="utf-8") as handle:
        stated = _stated_unit(handle.read(), "magnetics_tmi_nT.tif")
    assert stated == "nT"
    with rasterio.open(os.path.join(SAMPLE_DATA, "magnetics_tmi_nT.tif")) as src:
        assert src.units == (stated,)
        assert "total-field anomaly" in src.tags()["DESCRIPTION"]
        assert src.descriptions == (None,)  # the band keeps its name, 'band 1', in every evidence stack


def test_magnetics_unit_matches_the_original_source():
    source = os.path.join(SHARED_DATA, "gtk_eis_iocg_lapland", "SOURCE.md")
    if not os.path.exists(source):
        pytest.skip("the original GTK data (../shared/data) is not on this machine")
    with open(source, encoding="utf-8") as handle:
        assert _stated_unit(handle.read(), "mag_tmi_anomaly_dgrf65_nT.tif") == "nT"

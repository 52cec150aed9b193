"""A cancel while the samples' values are read as numbers (sweep 16b).

Reading 50 element fields of 100,000 samples takes about ten seconds (each value parsed as a laboratory writes it),
with the progress still at 0: a cancel then waited for every field. ``parsed_columns`` now asks before each field.
The fields read after the cancel are counted through the asks.
"""

import numpy as np
import pytest


def test_parsed_columns_stops_at_the_field_after_a_cancel(qgis_app):
    from geochem_prospector.algorithms.point_reading import parsed_columns
    from geochem_prospector.core.errors import Cancelled

    raw = [[1.0, 2.0, "<5", None]] * 50
    asked = []

    def cancel_on_second_ask() -> bool:
        asked.append(1)
        return len(asked) >= 2

    with pytest.raises(Cancelled):
        parsed_columns(raw, 4, censored_factor=0.5, is_cancelled=cancel_on_second_ask)
    assert len(asked) == 2  # the first field read, then stopped: not 50
    values, reports = parsed_columns(raw, 4, censored_factor=0.5, is_cancelled=lambda: False)
    np.testing.assert_array_equal(values[:, 0], [1.0, 2.0, 2.5, np.nan])
    assert len(reports) == 50

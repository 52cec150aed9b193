"""High-value samples and values below a detection limit (sweep 25b): a sample reported '<60', held as its
substitute 30, was listed at a weak level of 27 though its value is anything below 60. The reference: the samples
whose measured (not censored) value reaches a level, counted by hand with numpy."""

import numpy as np

from geochem_prospector.core.anomalies.screening import high_value_points
from geochem_prospector.core.anomalies.thresholds import Thresholds, compute_thresholds
from geochem_prospector.core.io.values import to_float_array


def test_censored_values_reach_no_level_and_measured_ones_do():
    rng = np.random.default_rng(6)
    measured = np.round(np.exp(rng.normal(np.log(10), 0.7, 200)), 1)
    raw = [f"{v:g}" for v in measured]
    for i in range(0, 200, 10):  # 20 samples of an older laboratory, '<60'
        raw[i] = "<60"
    values, rep = to_float_array(raw, censored_factor=0.5)
    assert sorted(rep.censored_at) == list(range(0, 200, 10)) and set(values[rep.censored_at]) == {30.0}
    censored = np.zeros((200, 1), dtype=bool)
    censored[rep.censored_at, 0] = True
    t = compute_thresholds(values, "Cu", "percentile", percentiles=[80, 90, 95])
    assert t.levels[0] < 30.0  # the substitute reaches the weak level: the case of the sweep
    xy = rng.uniform(0, 1000, (200, 2))
    points = high_value_points(xy, values[:, None], ["Cu"], [t], 1, censored=censored)
    expected = {i for i in range(200) if i % 10 and values[i] >= t.levels[0]}
    listed = {
        int(np.flatnonzero((xy[:, 0] == x) & (xy[:, 1] == y))[0]) for x, y in zip(points.geometry.x, points.geometry.y)
    }
    assert listed == expected and len(expected) > 10
    # without the mask the substitutes are listed, as before
    assert len(high_value_points(xy, values[:, None], ["Cu"], [t], 1)) == len(expected) + 20


def test_a_listed_value_written_otherwise_keeps_what_the_laboratory_wrote_beside_it():
    """Review 36: '<5' was listed as Cu 2.5 and '>10000' as 10000 with nothing saying either was not measured. Each
    element column is followed by '<element>_reported' where a listed value was written otherwise (text, or a
    below-detection code -5), and only then."""
    cu_written = ["<5", ">10000", "88.7", "-5", "12", "30", "31", "32", "33", "34", "35", "36"]
    ni_written = [float(v) for v in range(10, 130, 10)]
    xy = np.column_stack([np.arange(12.0), np.zeros(12)])
    cu, _ = to_float_array(cu_written, censored_factor=0.5)
    values = np.column_stack([cu, ni_written])
    t_cu = Thresholds("Cu", "by hand", np.array([1.0, 1e6, 1e7]), 1.0, 12)  # every sample listed, weak
    t_ni = Thresholds("Ni", "by hand", np.array([1.0, 1e6, 1e7]), 1.0, 12)
    reported = {"Cu": cu_written, "Ni": ni_written}
    points = high_value_points(xy, values, ["Cu", "Ni"], [t_cu, t_ni], 1, reported=reported)
    assert list(points.columns[:3]) == ["Cu", "Cu_reported", "Ni"] and "Ni_reported" not in points.columns
    assert len(points) == 12
    order = np.argsort(points.geometry.x.to_numpy())
    assert points["Cu_reported"].to_numpy()[order].tolist() == cu_written
    assert points["Cu"].to_numpy()[order][:5].tolist() == [2.5, 10000.0, 88.7, 2.5, 12.0]
    assert "Cu_reported" not in high_value_points(xy, values, ["Cu", "Ni"], [t_cu, t_ni], 1).columns


def test_the_reported_column_steps_aside_from_a_field_of_that_name_in_any_case():
    """A sample field 'cu_reported' (names come back lower-case from PostGIS): GeoPackage names ignore case, so
    the column is 'Cu_reported_2' (review 36: 'duplicate column name' on writing)."""
    xy = np.array([[0.0, 0.0], [1.0, 0.0]])
    values = np.array([[2.5], [40.0]])
    t_cu = Thresholds("Cu", "by hand", np.array([1.0, 1e6, 1e7]), 1.0, 2)
    points = high_value_points(
        xy, values, ["Cu"], [t_cu], 1, attributes={"cu_reported": ["x", "y"]}, reported={"Cu": ["<5", "40"]}
    )
    assert list(points.columns[:3]) == ["cu_reported", "Cu", "Cu_reported_2"]

"""Standards and blanks among field samples, by the values that name them, against a hand-labelled list of
identifiers as laboratories and databases write them."""

import numpy as np

from geochem_prospector.core.qaqc import quality_control_samples

#: (value, whether it names a standard or a blank), as read from laboratory certificates and exploration databases
LABELLED = [
    ("OREAS-45d", True), ("oreas 504c", True), ("CRM-7", True), ("SRM 2711a", True), ("STD", True),
    ("Std-2", True), ("STANDARD", True), ("CDN-GS-1P5", True), ("GBM310-13", True), ("AMIS0137", True),
    ("SARM-1", True), ("TILL-4", True), ("LKSD-2", True), ("STSD-3", True), ("BLK", True), ("Blank", True),
    ("BLK-2", True), ("blank_3", True), (" BLK ", True),
    ("KT26-0001", False), ("STREAM-4", False), ("BLACK SHALE", False), ("Standing water", False), ("till", False),
    ("C", False), ("sieved, <0.06 mm (fine)", False), ("ROUTINE", False), ("DUP", False), ("T12-DUP", False),
    ("Blankenberg", False), ("stdev", False), ("", False), ("TILL-2019-001", False), ("TILL-12", False),
]  # fmt: skip


def test_values_naming_standards_and_blanks():
    values = [v for v, _ in LABELLED]
    flagged, found = quality_control_samples({"sample_id": values})
    np.testing.assert_array_equal(flagged, [qc for _, qc in LABELLED])
    assert sum(found["sample_id"].values()) == sum(qc for _, qc in LABELLED)


def test_any_text_field_flags_its_row_and_numbers_are_not_read():
    flagged, found = quality_control_samples(
        {"id": ["S1", "S2", "S3", "S4"], "qc": ["ROUTINE", "STD", None, "BLK"], "Cu": [12.0, 709.0, 3.0, 1.0]}
    )
    np.testing.assert_array_equal(flagged, [False, True, False, True])
    assert dict(found["qc"]) == {"STD": 1, "BLK": 1} and "Cu" not in found and "id" not in found
    # free text is not read: a remark or a rock name may say 'standard' or 'blank' of a field sample
    flagged, found = quality_control_samples(
        {"sample_id": ["S1", "S2"], "remarks": ["Standard sieving", "blank area"], "lithology": ["BLK", "granite"]}
    )
    assert not flagged.any() and found == {}
    for name in ("SampleNo", "Lab_ID", "QC Type", "sampletype", "Name"):
        assert quality_control_samples({name: ["OREAS-45d", "T1"]})[0].tolist() == [True, False], name
    empty_flags, empty_found = quality_control_samples({})
    assert empty_flags.size == 0 and empty_found == {}


def test_unit_fields_of_two_mass_fractions():
    """A unit column of % and ppm (10,000 apart) is mixed; ppm and mg/kg (one unit written two ways) is not; a
    column of another name, or holding words that are no unit, is not read."""
    from geochem_prospector.core.qaqc import UNIT_PPM, mixed_units

    assert UNIT_PPM["%"] / UNIT_PPM["ppm"] == 10_000 and UNIT_PPM["ppm"] / UNIT_PPM["ppb"] == 1_000
    found = mixed_units({"id": ["a", "b", "c"], "unit": ["ppm", "%", "ppm"]})
    assert found is not None and found[0] == "unit" and dict(found[1]) == {"ppm": 2, "%": 1}
    assert mixed_units({"Cu_unit": ["ppb", "PPM"]}) is not None
    assert mixed_units({"unit": ["ppm", "mg/kg", "g/t"]}) is None
    assert mixed_units({"comment": ["ppm", "%"]}) is None
    assert mixed_units({"unit": ["ppm", "see note"]}) is None


def test_media_fields_of_two_media():
    """Kola's B and C horizons in one column are two media; one medium, or QC words beside one, is not; a field of
    another name is not read."""
    from geochem_prospector.core.qaqc import sample_media

    found = sample_media({"id": ["1", "2", "3"], "medium": ["C horizon", "B horizon", "C horizon"]})
    assert found is not None and found[0] == "medium" and dict(found[1]) == {"C horizon": 2, "B horizon": 1}
    assert sample_media({"Material": ["till", "till"], "Soil_horiz": ["C", "C"]}) is None  # the Lapland till
    assert sample_media({"sample_type": ["till", "STD", "BLK", None]}) is None
    assert sample_media({"sample_type": ["Routine", "Field Dup", "DUP", "routine"]}) is None  # roles, not media
    assert sample_media({"note": ["till", "soil"]}) is None


def _repeated_by_brute_force(ids, xy):
    """Identifiers held by rows at three or more distinct sites, counted with sets of tuples."""
    sites = {}
    for value, (x, y) in zip(ids, xy):
        sites.setdefault(value, set()).add((float(x), float(y)))
    return {v: len(s) for v, s in sites.items() if len(s) >= 3}


def test_a_laboratorys_own_standard_repeated_at_several_sites():
    """'GTK-1' and 'LAB-BLANK' follow field samples and take their coordinates; 'T-0042' is a field duplicate,
    analysed twice at its own site. Only the first two are a standard's pattern."""
    from geochem_prospector.core.qaqc import repeated_identifiers

    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 10_000, (120, 2))
    ids = [f"T-{i:04d}" for i in range(120)]
    for row in (10, 30, 50, 70, 90):
        ids[row] = "GTK-1"
    for row in (15, 45, 75):
        ids[row] = "LAB-BLANK"
    ids[43] = "T-0042"
    xy[43] = xy[42]
    found = repeated_identifiers({"sample_id": ids}, xy)
    assert found == {"sample_id": _repeated_by_brute_force(ids, xy)} == {"sample_id": {"GTK-1": 5, "LAB-BLANK": 3}}
    # rows already left out as named standards are not named again
    skip = np.array([v == "LAB-BLANK" for v in ids])
    assert repeated_identifiers({"sample_id": ids}, xy, skip) == {"sample_id": {"GTK-1": 5}}


def test_categories_and_site_names_are_not_identifiers():
    """A 'type' field repeats by nature, and a 'site_name' field naming a few sites is not unique per sample."""
    from geochem_prospector.core.qaqc import repeated_identifiers

    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 10_000, (60, 2))
    kinds = ["till"] * 57 + ["GTK-1"] * 3
    sites = [f"site {i % 12}" for i in range(60)]
    assert repeated_identifiers({"sample_type": kinds, "site_name": sites}, xy) == {}
    assert repeated_identifiers({"sample_id": ["A-1", "A-1", "A-1"]}, xy[:3]) == {}  # too few rows to judge


def test_a_value_standing_alone_far_above_its_field_is_found():
    """Sweep 25b: one Kola C-horizon Cu sample set to 10^4 x the median made a bull's eye up to 59,534 ppm and a
    cross-validation RMSE of 6,545 ppm without a word. The reference: the definition applied by hand to the
    sorted values."""
    from geochem_prospector.core.qaqc import isolated_highs

    rng = np.random.default_rng(2)
    cu = np.exp(rng.normal(np.log(16), 0.8, 600))
    spiked = cu.copy()
    spiked[100] = 16 * 1e4
    top = np.sort(spiked)[::-1]
    assert isolated_highs(spiked) == (top[0], float(np.median(spiked)), top[1])
    assert isolated_highs(cu) is None  # a log-normal field: its highs rise by steps
    # an ore population (40 samples from 1,000 to 50,000 ppm) is no spike, nor is a spike among NaN a problem
    ore = np.concatenate([cu, np.geomspace(1e3, 5e4, 40), [np.nan]])
    assert isolated_highs(ore) is None
    # two spikes together: both, the lower one reported with the value below it
    two = np.concatenate([cu, [3e5, 2e5]])
    assert isolated_highs(two) == (2e5, float(np.median(two)), float(np.sort(cu)[-1]))

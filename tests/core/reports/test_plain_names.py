"""Names from the user's files in plain-text messages (sweep 17a): :func:`plain` shows invisible format and control
characters as ``\\uXXXX``, checked against Python's own ``unicodedata`` categories over every code point of the
Basic Multilingual Plane (a brute force, not our list), and leaves visible text, line breaks, tabs and joiners as
they are."""

import unicodedata

from geochem_prospector.core.reports.cells import plain


def test_every_format_and_control_character_is_shown_escaped_and_nothing_else():
    kept = {"\n", "\t", "\u200c", "\u200d"}
    for code in range(0x10000):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF:  # surrogates: no character on their own
            continue
        escaped = unicodedata.category(c) in ("Cf", "Cc") and c not in kept
        assert plain(f"a{c}b") == (f"a\\u{code:04x}b" if escaped else f"a{c}b"), hex(code)


def test_an_override_no_longer_reaches_the_rest_of_the_line():
    text = plain("FIELDS: field 'Cu\u202e(mpp)' has no numeric values")
    assert text == "FIELDS: field 'Cu\\u202e(mpp)' has no numeric values"
    assert all(unicodedata.bidirectional(c) not in ("RLO", "LRO", "RLE", "LRE", "RLI", "LRI", "FSI") for c in text)
    # right-to-left letters (a Hebrew or Arabic name) are text, shown as they are
    assert plain("נחושת Cu, نحاس") == "נחושת Cu, نحاس"
    assert plain("line one\nline two\twith a tab") == "line one\nline two\twith a tab"

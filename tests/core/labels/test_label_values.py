"""Label fields with unexpected values: fractions, numbers beside words.

Before the fix, a field of 0.0 / 1.0 / 0.5 values was read as words in sorted order, so '0.0' became class 1
(mineralised) and every barren point a mineralised one; in a field mixing '0' and '1' with words, '0' likewise
became a mineralised class.
"""

import re

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.labels.classes import class_ids, labelled_class_names


def test_fractions_are_refused_naming_the_field_parameter():
    with pytest.raises(InputError, match=r"^LABEL_FIELD: class values must be whole numbers .* holds 0\.5, 0\.7"):
        class_ids([0.5, 1.0, 0.0, 1.0, 0.0, 0.7, 1.0, 0.0])
    with pytest.raises(InputError, match=r"0\.25"):
        class_ids(["1", "0", "0.25", "deposit", "1", "0", "deposit", "1"])


def test_numbers_beside_words_keep_their_meaning():
    ids, names, usable = class_ids(["1", "0", "deposit", "barren", None, "2", "occurrence", "-1"])
    # by hand: numbers as they are (0 barren), 'barren' 0, the other words after the largest number (2): 3, 4
    assert usable.tolist() == [True, True, True, True, False, True, True, False]
    assert ids[usable].tolist() == [1, 0, 3, 0, 2, 4]
    assert names == {0: "barren", 1: "class 1", 2: "class 2", 3: "deposit", 4: "occurrence"}


def test_whole_numbers_as_reals_and_words_alone_are_unchanged():
    ids, names, usable = class_ids([1.0, 0.0, 1.0])
    # 0 and 1 read as the help and the label legend say: barren, mineralised (sweep 22a: the log said 'class 1')
    assert ids.tolist() == [1, 0, 1] and names == {0: "barren", 1: "mineralised"}
    ids, names, usable = class_ids(["no", "yes", "yes"])
    assert ids.tolist() == [0, 1, 1] and names == {0: "barren", 1: "yes"}


def test_a_measurement_field_is_left_to_the_callers_as_before():
    """Many distinct values (a concentration field chosen by mistake): read as words, as before, so that
    pseudolabel refuses it as 'a measurement or an id' naming the field."""
    values = ["<5", "n.d.", "3.94", "5.2", "7.15", "8.24", "12.5", "0"]
    ids, names, usable = class_ids(values)
    assert usable.all() and len(set(ids.tolist())) == 8  # one class per value
    assert names[0] == "barren" and sorted(names.values())[:3] == ["0", "12.5", "3.94"]


@pytest.mark.parametrize("no", ["ei", "Nej", "nei", "NEIN", "non", "não", "N"])
def test_no_in_other_languages_and_flags_is_barren(no):
    """A flag field in the survey's language ('kyllä' / 'ei'): its 'no' is the barren class, not a second
    mineralised one beside 'yes'."""
    ids, names, usable = class_ids(["kyllä", no, no, "kyllä"])
    assert ids.tolist() == [1, 0, 0, 1] and names == {0: "barren", 1: "kyllä"}


@pytest.mark.parametrize("yes", ["T", "true", "Y"])
def test_f_of_a_true_false_flag_is_barren(yes):
    ids, names, usable = class_ids([yes, "F", "f", yes])
    assert ids.tolist() == [1, 0, 0, 1] and names == {0: "barren", 1: yes}


def test_f_beside_commodities_is_a_commodity():
    """'F' (fluorite) beside 'Cu' and 'Au' is the element of a commodity, not 'false': read as barren, its
    deposits were trained as barren ground."""
    ids, names, usable = class_ids(["Cu", "F", "Au", "F"])
    assert ids.tolist() == [2, 3, 1, 3] and names == {0: "barren", 1: "Au", 2: "Cu", 3: "F"}


def test_a_barren_word_in_decomposed_unicode_is_barren():
    decomposed = "na\u0303o"  # 'não' as some keyboards and macOS file systems write it
    ids, names, _ = class_ids(["sim", decomposed, "sim"])
    assert ids.tolist() == [1, 0, 1] and names == {0: "barren", 1: "sim"}


def test_yes_however_typed_is_one_class_with_the_ones():
    """A flag field kept by hand ('1', 'yes', 'Y', 'barren', '0', NULL, blanks): every 'yes' is the class of the
    1s, not one mineralised class per spelling (before: 1, 'yes' 2, 'Y' 3, so pseudolabel refused the field as 'a
    measurement or an id', and traincnn would have learnt three deposit types)."""
    raw = ["1", 1, "yes", "Y", "barren", "0", None, "", " ", 0, "TRUE"]
    ids, names, usable = class_ids(raw)
    assert usable.tolist() == [True, True, True, True, True, True, False, False, False, True, True]
    assert ids[usable].tolist() == [1, 1, 1, 1, 0, 0, 0, 1]
    assert names == {0: "barren", 1: "1 / TRUE / Y / yes"}
    # without a 1 in the field the spellings share the first word's id, after the other words' order as before
    ids, names, _ = class_ids(["deposit", "yes", "Y", "no"])
    assert ids.tolist() == [2, 1, 1, 0] and names == {0: "barren", 1: "Y / yes", 2: "deposit"}


def test_a_word_however_capitalised_or_spaced_is_one_class():
    """Class words typed by hand by several people: 'Mineralised', 'mineralised ', 'MINERALISED' and 'mineralised'
    with a no-break space (as a spreadsheet export leaves it) are one class, named for its spellings (before: three
    mineralised classes, so label spreading and the CNN would have learnt them as three deposit types)."""
    raw = ["mineralised\u00a0", "Mineralised", "mineralised ", "barren", "Barren ", "MINERALISED", "barren\u00a0", "Au"]
    ids, names, usable = class_ids(raw)
    assert usable.all()
    assert ids.tolist() == [2, 2, 2, 0, 0, 2, 0, 1]
    assert names == {0: "barren", 1: "Au", 2: "MINERALISED / Mineralised / mineralised"}


@pytest.mark.parametrize(
    "yes, no",
    [
        (["да", "Да", "да"], ["нет", "НЕТ", "нет"]),  # Russian
        (["так", "так"], ["ні", "НІ"]),  # Ukrainian
        (["evet", "EVET"], ["hayır", "HAYIR", "Hayır", "yok"]),  # Turkish: capitals of ı are I
        (["是", "是"], ["否", "无"]),  # Chinese (simplified)
    ],
)
def test_no_in_other_languages_is_barren(yes, no):
    """A flag field kept in Russian, Ukrainian, Turkish or Chinese: its 'no' is barren (0), not a second kind of
    deposit beside 'yes', however capitalised."""
    ids, names, usable = class_ids(yes + no)
    assert usable.all()
    assert ids.tolist() == [1] * len(yes) + [0] * len(no), names


def test_whole_numbers_written_with_a_decimal_comma():
    """'1,0' and '0,0' (a 0 / 1 field exported as text where the comma is the decimal mark) are 1 and 0, as
    float() reads '1.0' and '0.0'; before, both were words and '0,0' a mineralised class."""
    ids, names, usable = class_ids(["1,0", "0,0", "1,00", "0,0"])
    assert ids.tolist() == [int(float(v)) for v in ("1.0", "0.0", "1.00", "0.0")] and names == {
        0: "barren",
        1: "mineralised",
    }
    with pytest.raises(InputError, match=r"holds 0\.5"):
        class_ids(["0,5", "1,0", "0,0", "1,0", "0,0", "1,0", "0,0"])


def test_levels_keep_their_numbers_and_a_lone_one_is_mineralised():
    """1 is 'mineralised' only where the field's numbers are 0 and 1; levels 1, 2, 3 keep 'class N'."""
    assert class_ids([0, 1, 2, 3])[1] == {0: "barren", 1: "class 1", 2: "class 2", 3: "class 3"}
    assert class_ids([1, 1, 1])[1] == {1: "mineralised"}


def test_a_commodity_list_is_one_class_whatever_its_order_spacing_and_case():
    """'Au, Cu' and 'Cu,Au' list the same commodities: one class, named as first written; a list of other members
    ('Au, Zn') and a single commodity ('Au') stay classes of their own."""
    raw = ["Cu, Au", "Au, Cu", "Cu,Au", "au / cu", "AU;CU", "Cu-Au", "Au and Cu", "Au, Zn", "Au", "barren"]
    ids, names, usable = class_ids(raw)
    # the reference: the set of members of each value, split by hand
    members = [frozenset(p.strip().lower() for p in re.split(r",|/|;|-| and ", v)) for v in raw]
    for i in range(len(raw) - 1):
        for j in range(len(raw) - 1):
            assert (ids[i] == ids[j]) == (members[i] == members[j]), (raw[i], raw[j])
    assert ids[-1] == 0 and names[int(ids[0])] == "Cu, Au"
    assert len(set(ids.tolist())) == 4


def test_pu_bagging_names_its_one_mineralised_class_for_every_class_it_merged():
    # written out by hand: PU bagging labels every mineralised point as class 1
    names = {0: "barren", 1: "Au", 2: "Cu", 3: "Zn"}
    classes = np.array([0, 2, 1, 2, 3, 0])
    assert labelled_class_names("pu_bagging", classes, names) == {0: "barren", 1: "Au + Cu + Zn"}
    assert labelled_class_names("pu_bagging", np.array([2, 3]), {2: "Cu", 3: "Zn"}) == {0: "barren", 1: "Cu + Zn"}


def test_class_names_kept_where_nothing_is_merged():
    names = {0: "barren", 1: "Au", 2: "Cu"}
    classes = np.array([0, 1, 2])
    assert labelled_class_names("label_spreading", classes, names) == names  # every class keeps its own id
    assert labelled_class_names("self_training", classes, names) == names
    assert labelled_class_names("pu_bagging", np.array([0, 2, 2]), names) == names  # one mineralised class
    assert labelled_class_names("pu_bagging", None, None) is None  # no LABEL_FIELD: every point mineralised
    assert labelled_class_names("pu_bagging", classes, {}) == {}

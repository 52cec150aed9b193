"""Commodities of mineral occurrences: whether the values of a layer's commodity field belong to one mineral system.

A national occurrence database mixes targets (gold beside graphite, nickel, lithium …); a map made from all of its
points as one kind of target is a map of no system. The metals of one system do come together: iron, copper and gold
in iron-oxide-copper-gold deposits, copper, molybdenum and gold in porphyries. Values are read as element symbols or
English / Finnish / Swedish names, alone or in lists ('Au, Cu', 'Cu-Au').
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Set

#: commodity words (lower case) and their element or mineral symbol
SYMBOLS = {
    "au": "Au", "gold": "Au", "kulta": "Au", "guld": "Au",
    "ag": "Ag", "silver": "Ag", "hopea": "Ag",
    "cu": "Cu", "copper": "Cu", "kupari": "Cu", "koppar": "Cu",
    "fe": "Fe", "iron": "Fe", "rauta": "Fe", "järn": "Fe", "magnetite": "Fe", "hematite": "Fe",
    "co": "Co", "cobalt": "Co", "koboltti": "Co", "kobolt": "Co",
    "ni": "Ni", "nickel": "Ni", "nikkeli": "Ni",
    "zn": "Zn", "zinc": "Zn", "sinkki": "Zn", "zink": "Zn",
    "pb": "Pb", "lead": "Pb", "lyijy": "Pb", "bly": "Pb",
    "mo": "Mo", "molybdenum": "Mo", "molybdeeni": "Mo", "molybden": "Mo",
    "w": "W", "tungsten": "W", "wolfram": "W", "volframi": "W",
    "sn": "Sn", "tin": "Sn", "tina": "Sn", "tenn": "Sn",
    "bi": "Bi", "bismuth": "Bi",
    "as": "As", "arsenic": "As", "sb": "Sb", "antimony": "Sb", "te": "Te", "tellurium": "Te",
    "u": "U", "uranium": "U", "uraani": "U", "uran": "U",
    "ree": "REE", "rare earths": "REE", "rare earth elements": "REE",
    "v": "V", "vanadium": "V", "ti": "Ti", "titanium": "Ti", "titaani": "Ti", "ilmenite": "Ti",
    "cr": "Cr", "chromium": "Cr", "chromite": "Cr", "kromi": "Cr",
    "pge": "PGE", "pgm": "PGE", "pt": "PGE", "platinum": "PGE", "pd": "PGE", "palladium": "PGE",
    "ba": "Ba", "barite": "Ba", "baryte": "Ba",
    "graphite": "graphite", "grafiitti": "graphite", "grafit": "graphite",
    "li": "Li", "lithium": "Li", "litium": "Li", "spodumene": "Li",
    "p": "P", "phosphate": "P", "apatite": "P", "fosfori": "P",
    "talc": "talc", "talkki": "talc", "diamond": "diamond", "diamonds": "diamond",
}  # fmt: skip

#: mineral systems and the commodities that come together in them (after common deposit models)
SYSTEMS = {
    "iron-oxide-copper-gold": {"Fe", "Cu", "Au", "Ag", "Co", "U", "REE", "Mo", "Bi", "Te"},
    "porphyry and epithermal": {"Cu", "Mo", "Au", "Ag", "Zn", "Pb", "As", "Sb", "Te", "Bi"},
    "orogenic gold": {"Au", "Ag", "As", "Sb", "W", "Te", "Bi", "Cu"},
    "magmatic nickel-copper-PGE": {"Ni", "Cu", "Co", "PGE", "Au", "Cr"},
    "layered-intrusion iron-titanium-vanadium and chromium": {"Fe", "Ti", "V", "Cr", "PGE", "P"},
    "volcanogenic and sediment-hosted base metals": {"Zn", "Pb", "Cu", "Ag", "Au", "Ba", "Co", "Ni"},
    "granite-related tin-tungsten": {"Sn", "W", "Mo", "Bi", "Li", "As", "Cu", "Zn"},
}

_SPLIT = re.compile(r"\s*(?:,|;|/|\+|&|\band\b|-(?=[A-Za-z]))\s*")


def symbols(value: str) -> Optional[Set[str]]:
    """The commodities one value names ('Au, Cu' -> {'Au', 'Cu'}; 'gold' -> {'Au'}), or None when a word in it is
    not known."""
    words = [w.strip().lower() for w in _SPLIT.split(value) if w.strip()]
    if not words:
        return None
    found = set()
    for word in words:
        symbol = SYMBOLS.get(word)
        if symbol is None:
            return None
        found.add(symbol)
    return found


def one_system(values: Iterable[str]) -> Optional[str]:
    """The mineral system (:data:`SYSTEMS`) whose commodities include every commodity of ``values``, or None when
    none does or a value is not read as commodities (:func:`symbols`)."""
    wanted: Set[str] = set()
    for value in values:
        found = symbols(value)
        if found is None:
            return None
        wanted |= found
    return next((name for name, members in SYSTEMS.items() if wanted <= members), None)

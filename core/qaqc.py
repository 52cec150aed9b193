"""Quality-control rows left in a table of field samples: certified reference materials (standards) and blanks,
which laboratories analyse beside the samples and databases often export with them. Their values are the reference
material's, not the ground's; they carry the coordinates of the sample they were inserted after, or none."""

import re
from collections import Counter
from typing import Dict, Sequence, Tuple

import numpy as np

#: a value that names a standard or a blank: OREAS-45d, CRM-7, SRM 2711, STD, Standard, CDN-GS-1, GBM310-13,
#: AMIS0137, SARM-1, TILL-4, LKSD-2, STSD-3, BLK, Blank, BLK-2 (whole words, any case; a sample id such as
#: 'STD123A' is read as a standard, 'STREAM-4' or 'BLACK' is not)
QC_VALUE = re.compile(
    r"^\s*(oreas|crm|srm|std|standard|cdn|gbm|amis|sarm|till-\d|lksd|stsd|blk|blank)(?=$|[\s\-_#:./]|\d)",
    re.IGNORECASE,
)


def quality_control_samples(columns: Dict[str, Sequence[object]]) -> Tuple[np.ndarray, Dict[str, Counter]]:
    """Which rows are standards or blanks (True), by any text value of ``columns`` (field name -> one value per
    row) that names one (:data:`QC_VALUE`), and per field the values that did (value -> rows)."""
    n = len(next(iter(columns.values()))) if columns else 0
    flagged = np.zeros(n, dtype=bool)
    found: Dict[str, Counter] = {}
    for name, column in columns.items():
        for i, value in enumerate(column):
            if isinstance(value, str) and QC_VALUE.match(value):
                flagged[i] = True
                found.setdefault(name, Counter())[value.strip()] += 1
    return flagged, found

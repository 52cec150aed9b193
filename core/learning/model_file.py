"""The model file format: tensors and JSON only, nothing executable."""

from __future__ import annotations

import hashlib
from typing import Optional

import numpy as np

FORMAT = "geochem_prospector.patchcnn"


#: 2: weights of every ensemble member, keyed "member<i>.<layer>"; 1 (read only): one network, keys unprefixed
FORMAT_VERSION = 2


def array_hash(*arrays: Optional[np.ndarray]) -> str:
    """sha256 of the arrays' shapes and bytes (recorded in the model so its training data can be identified)."""
    digest = hashlib.sha256()
    for a in arrays:
        if a is None:
            digest.update(b"none")
            continue
        a = np.ascontiguousarray(a)
        digest.update(str((a.shape, a.dtype.str)).encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _json_default(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)

"""Model files of the classic learners (:mod:`..classic`), in the CNN's safe container, and the one place that
opens any model file.

The container is the CNN's (:mod:`.model_file`): ``torch.save`` of a plain dict, here with format
``geochem_prospector.classic``; every array (tree node tables, coefficients, weights tables) is one float64 tensor
named as the array (one set of arrays, as in the CNN's format 1), the metadata JSON is checked against :mod:`..classic.schema`, which fixes every array's
length before anything is unpacked, and the tree tables are checked so that no walk can loop or leave its tree.
"""

from __future__ import annotations

import io
import json
from typing import Any, Dict, Mapping, Tuple

import numpy as np
import torch

from ..classic.arrays import Arrays
from ..classic.schema import check_classic_metadata
from ..errors import ModelFileError
from ..io.outputs import write_bytes
from ..io.verify import verify_zip
from .model_file import FORMAT, ExpectedWeights, json_default, model_format, read_model

FORMAT_CLASSIC = "geochem_prospector.classic"
FORMAT_CLASSIC_VERSION = 1


def write_classic(path: str, arrays: Arrays, metadata: Mapping[str, Any], parameter: str) -> str:
    """Write the arrays (as float64 tensors) and the metadata (as JSON), atomically."""
    payload = {
        "format": FORMAT_CLASSIC,
        "format_version": FORMAT_CLASSIC_VERSION,
        "metadata": json.dumps(dict(metadata), sort_keys=True, default=json_default),
        "weights": {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64).copy()) for k, v in arrays.items()},
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return write_bytes(path, buffer.getvalue(), parameter, verify=verify_zip)


def _expected(metadata: Dict[str, Any]) -> ExpectedWeights:
    lengths = check_classic_metadata(metadata)
    return ExpectedWeights(1, {name: (n,) for name, n in lengths.items()})


def read_classic(path: str) -> Tuple[Dict[str, Any], Arrays]:
    """The metadata and arrays of a classic model file; refuse anything that is not a safe, valid one."""
    metadata, members = read_model(path, _expected, FORMAT_CLASSIC, FORMAT_CLASSIC_VERSION)
    arrays = {name: tensor.numpy().astype(np.float64) for name, tensor in members[0].items()}
    return metadata, arrays


def load_model(path: str) -> Any:
    """Any model file of the plugin: a :class:`~..learning.estimator.PatchCNN` or a
    :class:`~..classic.learner.ClassicLearner`, by the format the file declares (the one dispatch on the kind)."""
    fmt = model_format(path)
    if fmt == FORMAT_CLASSIC:
        from ..classic.learner import ClassicLearner

        return ClassicLearner.load(path)
    if fmt == FORMAT or fmt is None or isinstance(fmt, str):
        from .estimator import PatchCNN

        return PatchCNN.load(path)  # refuses an unknown format with the usual message
    raise ModelFileError(f"'{path}' is not a GeoChem Prospector model file.", "MODEL")

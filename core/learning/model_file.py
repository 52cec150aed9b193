"""The model file format: tensors and JSON only, nothing executable.

A model file is ``torch.save`` of a plain dict of strings and tensors, read back with ``weights_only=True`` (no
pickle code can run); the metadata is a JSON string inside that dict.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..errors import ModelFileError
from ..io.outputs import verify_zip, write_bytes

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


def json_default(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def write_model(path: str, networks: Sequence[nn.Module], metadata: Mapping[str, Any], parameter: str) -> str:
    """Write the networks' weights (keyed ``member<i>.<layer>``) and the metadata as JSON, atomically."""
    weights = {
        f"member{i}.{k}": v.detach().cpu().contiguous().clone()
        for i, net in enumerate(networks)
        for k, v in net.state_dict().items()
    }
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": json.dumps(dict(metadata), sort_keys=True, default=json_default),
        "weights": weights,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)  # in memory first: the file on disk is then checked against these bytes
    return write_bytes(path, buffer.getvalue(), parameter, verify=verify_zip)


def read_model(path: str) -> Tuple[Dict[str, Any], List[Dict[str, torch.Tensor]]]:
    """The metadata and each network's weights of a model file; refuse anything that is not a safe, valid one.

    ``torch.load(weights_only=True)`` cannot run pickled code; what it returns is then checked piece by piece.
    """
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"the model file '{path}' does not exist.", "MODEL")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt zip, foreign pickle, code-carrying pickle refused by weights_only
        raise ModelFileError(
            f"'{name}' is not a GeoChem Prospector model file, is damaged, or holds objects that are unsafe to "
            f"load ({type(exc).__name__}); train a model with prospector:traincnn.",
            "MODEL",
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"'{name}' is not a GeoChem Prospector CNN model (unknown format).", "MODEL")
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"model format version {version!r} is newer than this plugin; update it.", "MODEL")
    try:
        metadata = json.loads(payload["metadata"])
        weights = payload["weights"]
        names = metadata["band_names"]
        norm = metadata["normalisation"]
        if not (isinstance(weights, dict) and all(isinstance(v, torch.Tensor) for v in weights.values())):
            raise TypeError("weights are not tensors")
        if len(norm["median"]) != len(names) or len(norm["scale"]) != len(names):
            raise ValueError("normalisation does not match the bands")
        if version == 1:  # one network, unprefixed keys
            weights = {f"member0.{k}": v for k, v in weights.items()}
        members: Dict[int, Dict[str, torch.Tensor]] = {}
        for key, value in weights.items():
            member, _, layer = key.partition(".")
            if not (member.startswith("member") and member[6:].isdigit() and layer):
                raise KeyError(f"unexpected weight '{key}'")
            members.setdefault(int(member[6:]), {})[layer] = value
        if sorted(members) != list(range(len(members))):
            raise ValueError("the stored networks are not numbered 0, 1, ...")
    except Exception as exc:
        raise ModelFileError(f"'{name}' is damaged or inconsistent ({type(exc).__name__}: {exc}).", "MODEL") from None
    return metadata, [members[i] for i in range(len(members))]

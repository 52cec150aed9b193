"""Model files of the classic learners (:mod:`..classic`), in the CNN's safe container, and the one place that
opens any model file.

The container is the CNN's (:mod:`.model_file`): the zip archive ``torch.save`` writes of a plain dict, here with
format ``geochem_prospector.classic``; every array (tree node tables, coefficients, weights tables) is one float64
tensor named as the array (one set of arrays, as in the CNN's format 1), the metadata JSON is checked against
:mod:`..classic.schema`, which fixes every array's length before anything is unpacked, and the tree tables are
checked so that no walk can loop or leave its tree.

Neither writing nor reading needs PyTorch: :func:`torch_archive` writes the archive byte for byte as ``torch.save``
lays it out (``torch.load(weights_only=True)`` reads it), and :func:`read_classic` reads the checked storages with
numpy (:func:`.model_file.read_model` with ``numpy_arrays``), so random forests, boosting, logistic regression and
weights of evidence train and predict in a QGIS without PyTorch.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from typing import Any, Dict, List, Mapping, Tuple

import numpy as np

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
    scalars = {
        "format": FORMAT_CLASSIC,
        "format_version": FORMAT_CLASSIC_VERSION,
        "metadata": json.dumps(dict(metadata), sort_keys=True, default=json_default),
    }
    data = torch_archive(scalars, {k: np.asarray(v, dtype=np.float64).ravel() for k, v in arrays.items()})
    return write_bytes(path, data, parameter, verify=verify_zip)


#: the alignment torch.save gives every storage's data in the archive
ALIGNMENT = 64


def _pickle_int(value: int) -> bytes:
    if 0 <= value < 2**31:
        return b"J" + struct.pack("<i", value)  # BININT
    body = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(body)]) + body  # LONG1


def _pickle_str(value: str) -> bytes:
    raw = value.encode("utf-8")
    return b"X" + struct.pack("<I", len(raw)) + raw  # BINUNICODE


def _pickle_tuple(values: List[int]) -> bytes:
    return b"(" + b"".join(_pickle_int(v) for v in values) + b"t"  # MARK ... TUPLE


def _pickle_tensor(key: str, n: int) -> bytes:
    """torch._utils._rebuild_tensor_v2(storage ``key`` of ``n`` float64 on the CPU, offset 0, (n,), (1,), no grad,
    no hooks), as torch pickles a contiguous 1-d tensor."""
    storage = b"(" + _pickle_str("storage") + b"ctorch\nDoubleStorage\n" + _pickle_str(key) + _pickle_str("cpu")
    storage += _pickle_int(n) + b"tQ"  # TUPLE, BINPERSID
    hooks = b"ccollections\nOrderedDict\n)R"  # OrderedDict()
    args = b"(" + storage + _pickle_int(0) + _pickle_tuple([n]) + _pickle_tuple([1]) + b"\x89" + hooks + b"t"
    return b"ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R"


def torch_archive(scalars: Mapping[str, Any], arrays: Mapping[str, np.ndarray], folder: str = "archive") -> bytes:
    """The bytes ``torch.save`` writes for ``{**scalars, "weights": {name: float64 tensor}}``, without torch: a
    protocol-2 data.pkl (strings, whole numbers, and each 1-d array as a tensor of its own storage), the storages
    uncompressed and aligned to 64 bytes, torch's records (byte order, versions)."""
    body = b""
    for key, value in scalars.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TypeError(f"'{key}': only text and whole numbers are written beside the arrays")
        body += _pickle_str(key) + (_pickle_str(value) if isinstance(value, str) else _pickle_int(value))
    weights = b"".join(_pickle_str(name) + _pickle_tensor(str(i), a.size) for i, (name, a) in enumerate(arrays.items()))
    body += _pickle_str("weights") + b"}" + (b"(" + weights + b"u" if arrays else b"")
    pickled = b"\x80\x02}(" + body + b"u."  # PROTO 2, EMPTY_DICT, MARK ... SETITEMS, STOP
    records = [
        ("data.pkl", pickled),
        (".format_version", b"1"),
        (".storage_alignment", b"64"),
        ("byteorder", b"little"),
    ]
    records += [(f"data/{i}", np.ascontiguousarray(a, dtype="<f8").tobytes()) for i, a in enumerate(arrays.values())]
    records.append(("version", b"3\n"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in records:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            if name.startswith("data/"):  # pad the local header so that the data starts on a 64-byte boundary
                start = out.tell() + 30 + len(info.filename.encode()) + 4
                pad = -start % ALIGNMENT
                info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
            archive.writestr(info, data)
    return out.getvalue()


def _expected(metadata: Dict[str, Any]) -> ExpectedWeights:
    lengths = check_classic_metadata(metadata)
    return ExpectedWeights(1, {name: (n,) for name, n in lengths.items()})


def read_classic(path: str) -> Tuple[Dict[str, Any], Arrays]:
    """The metadata and arrays of a classic model file; refuse anything that is not a safe, valid one."""
    metadata, members = read_model(path, _expected, FORMAT_CLASSIC, FORMAT_CLASSIC_VERSION, numpy_arrays=True)
    arrays = {name: np.asarray(array, dtype=np.float64) for name, array in members[0].items()}
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

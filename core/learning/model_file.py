"""The model file format: tensors and JSON only, nothing executable, checked before anything uses it.

A model file is ``torch.save`` of a plain dict of strings and tensors, read back with ``weights_only=True`` (no
pickle code can run); the metadata is a JSON string inside that dict, validated against :mod:`.model_schema`.
Sizes are checked before anything is decompressed or allocated (:func:`read_model`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

if TYPE_CHECKING:  # torch is imported where tensors are made: classic model files are read without it
    import torch
    from torch import nn

from ..errors import ModelFileError
from ..grid import size_text
from ..io.outputs import write_bytes
from ..io.verify import verify_zip
from ..parameter_text import mistyped_path, shown_path
from .model_archive import (
    MAX_WEIGHT_BYTES,
    TRAIN_NEW,
    TensorRef,
    _archive,
    _inspect_pickle,
    _invalid,
    _not_a_model,
    _Refused,
    _unpacks_too_large,
)
from .model_schema import MetadataError

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
    import torch

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


@dataclass(frozen=True)
class ExpectedWeights:
    """What a model file's metadata says its weights must be: the number of networks and every tensor's shape."""

    networks: int
    shapes: Dict[str, Tuple[int, ...]]


def _format_version(payload: Any, fmt: str = FORMAT, newest: int = FORMAT_VERSION) -> int:
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise _Refused("format", "unknown format")
    version = payload.get("format_version")
    if type(version) is not int or version < 1:
        raise _invalid(
            "format_version",
            f"is {version!r}, but it must be " + (f"a whole number from 1 to {newest}" if newest > 1 else "1"),
        )
    if version > newest:  # the reader's own newest version: the CNN's and the classic learners' differ
        raise _Refused("newer", f"has model format version {version}, newer than this plugin reads ({newest})")
    return version


def _metadata(payload: Dict[str, Any]) -> Dict[str, Any]:
    text = payload.get("metadata")
    if not isinstance(text, str):
        raise _invalid("metadata", "is missing or not text; it must be the JSON text of the model's description")
    try:
        metadata = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _invalid("metadata", f"is not valid JSON ({str(exc)[:100]})") from None
    if not isinstance(metadata, dict):
        raise _invalid("metadata", "is not a JSON object")
    return metadata


def _members(payload: Dict[str, Any], version: int) -> List[Dict[str, TensorRef]]:
    """The stored networks' tensors, by network then layer name."""
    weights = payload.get("weights")
    if not isinstance(weights, dict) or not all(isinstance(k, str) for k in weights):
        raise _invalid("weights", "is not a dictionary of named tensors")
    if version == 1:  # one network, unprefixed keys
        weights = {f"member0.{k}": v for k, v in weights.items()}
    members: Dict[int, Dict[str, TensorRef]] = {}
    for key, value in weights.items():
        member, _, layer = key.partition(".")
        if not (member.startswith("member") and member[6:].isdigit() and layer):
            raise _invalid(f"weights '{key}'", "is not named member<i>.<layer>")
        if not isinstance(value, TensorRef):
            raise _invalid(f"weights '{key}'", "is not a tensor")
        members.setdefault(int(member[6:]), {})[layer] = value
    if sorted(members) != list(range(len(members))):
        raise _invalid("weights", f"number their networks {sorted(members)}, not 0, 1, ...")
    return [members[i] for i in range(len(members))]


def _check_tensors(members: List[Dict[str, TensorRef]], expected: ExpectedWeights, version: int) -> None:
    """Every network has exactly the expected tensors, floating point, of the expected shapes; their storages are
    exactly as large as the tensors need; the whole is within MAX_WEIGHT_BYTES."""
    per_network = sum(math.prod(shape) for shape in expected.shapes.values())
    need = per_network * expected.networks * 4  # float32, as the plugin writes them
    if need > MAX_WEIGHT_BYTES:
        raise _invalid(
            "settings",
            f"describe {expected.networks} network(s) of {per_network:,} weights each (settings.ensemble, "
            f"width, hidden, patch_size, band_names, classes), up to {size_text(need)}: more than the "
            f"{size_text(MAX_WEIGHT_BYTES)} a model file may hold",
        )
    if len(members) != expected.networks:
        raise _invalid("settings.ensemble", f"is {expected.networks}, but the file holds {len(members)} network(s)")
    used: Dict[str, int] = {}
    for i, tensors in enumerate(members):
        for layer in expected.shapes:
            if layer not in tensors:
                raise _invalid("weights", f"of network {i + 1} lack '{layer}'")
        for layer, ref in tensors.items():
            name = f"weights '{layer if version == 1 else f'member{i}.{layer}'}'"
            if layer not in expected.shapes:
                raise _invalid(name, "is not a tensor of the network")
            if not ref.storage.floating:
                raise _invalid(name, f"hold {ref.storage.dtype} numbers, but weights must be floating point")
            want = expected.shapes[layer]
            if ref.shape != want:
                raise _invalid(
                    name,
                    f"have shape {list(ref.shape)}, but the network its metadata describes (band_names, classes, "
                    f"patch_size, settings.width and hidden) needs {list(want)}",
                )
            span = 1 + sum((n - 1) * s for n, s in zip(ref.shape, ref.stride)) if ref.numel else 0
            if ref.offset + span > ref.storage.numel:
                raise _invalid(name, "lie beyond the end of their storage")
            used[ref.storage.key] = max(used.get(ref.storage.key, 0), ref.numel * ref.storage.itemsize)
    storages = {ref.storage.key: ref.storage for tensors in members for ref in tensors.values()}
    if len({(s.key, s.dtype, s.numel) for s in storages.values()}) != len(storages):
        raise _invalid("weights", "refer to one storage with two sizes")
    total = sum(s.nbytes for s in storages.values())
    if total > sum(used.values()):
        raise _invalid(
            "weights", f"are stored with {size_text(total - sum(used.values()))} more data than the tensors hold"
        )
    if total > MAX_WEIGHT_BYTES:
        raise _invalid(
            "weights", f"take {size_text(total)}, more than the {size_text(MAX_WEIGHT_BYTES)} a model file may hold"
        )


def _check_storage_entries(archive: zipfile.ZipFile, folder: str, members: List[Dict[str, TensorRef]]) -> None:
    """Each storage's zip entry unpacks to exactly the bytes its tensors need (torch allocates the entry's size)."""
    infos = {info.filename: info for info in archive.infolist()}
    for storage in {ref.storage.key: ref.storage for tensors in members for ref in tensors.values()}.values():
        entry = f"{folder}/data/{storage.key}"
        info = infos.get(entry)
        if info is None:
            raise _not_a_model(f"no zip entry '{entry}' for a tensor's data (truncated?)")
        if info.file_size != storage.nbytes:
            raise _unpacks_too_large(
                f"entry '{entry}' unpacks to {size_text(info.file_size)}, but its tensors need "
                f"{size_text(storage.nbytes)}"
            )


def _loaded_weights(
    payload: Any, metadata_text: str, members: List[Dict[str, TensorRef]], version: int
) -> List[Dict[str, torch.Tensor]]:
    """The tensors torch.load read: as inspected (the file did not change meanwhile), with finite values."""
    import torch

    if not isinstance(payload, dict) or payload.get("metadata") != metadata_text:
        raise _not_a_model("the file changed while it was being read")
    weights = payload.get("weights")
    if not isinstance(weights, dict):
        raise _not_a_model("the file changed while it was being read")
    loaded: List[Dict[str, torch.Tensor]] = []
    for i, tensors in enumerate(members):
        network: Dict[str, torch.Tensor] = {}
        for layer, ref in tensors.items():
            key = layer if version == 1 else f"member{i}.{layer}"
            tensor = weights.get(key)
            if not isinstance(tensor, torch.Tensor) or tuple(tensor.shape) != ref.shape:
                raise _not_a_model("the file changed while it was being read")
            if not tensor.is_floating_point() or not bool(torch.isfinite(tensor).all()):
                raise _invalid(f"weights '{key}'", "hold NaN or infinite values")
            network[layer] = tensor
        loaded.append(network)
    return loaded


def _numpy_weights(archive: zipfile.ZipFile, folder: str, members: List[Dict[str, TensorRef]]) -> List[Dict[str, Any]]:
    """The checked tensors read as numpy arrays straight from their storage entries (no torch): little-endian
    storages of a dtype numpy has, each tensor within its storage (checked before), finite values."""
    order = f"{folder}/byteorder"
    if order in archive.namelist() and archive.read(order) != b"little":
        raise _invalid("byteorder", "is not little-endian")
    storages: Dict[str, np.ndarray] = {}
    loaded: List[Dict[str, Any]] = []
    for tensors in members:
        network: Dict[str, Any] = {}
        for layer, ref in tensors.items():
            if ref.storage.dtype not in ("float16", "float32", "float64"):
                raise _invalid(
                    f"weights '{layer}'", f"hold {ref.storage.dtype} numbers, which this reader does not read"
                )
            if ref.storage.key not in storages:
                raw = archive.read(f"{folder}/data/{ref.storage.key}")
                storages[ref.storage.key] = np.frombuffer(raw, dtype=np.dtype(ref.storage.dtype).newbyteorder("<"))
            data = storages[ref.storage.key]
            itemsize = data.itemsize
            array = np.lib.stride_tricks.as_strided(
                data[ref.offset :], shape=ref.shape, strides=tuple(s * itemsize for s in ref.stride), writeable=False
            ).copy()
            if not np.isfinite(array).all():
                raise _invalid(f"weights '{layer}'", "hold NaN or infinite values")
            network[layer] = array
        loaded.append(network)
    return loaded


def read_model(
    path: str,
    expected_weights: Callable[[Dict[str, Any]], ExpectedWeights],
    fmt: str = FORMAT,
    newest: int = FORMAT_VERSION,
    numpy_arrays: bool = False,
) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The metadata and each network's weights of a model file; refuse anything that is not a safe, valid one.

    In order, each step bounded by the ones before: the zip archive's directory and every entry's unpacked size;
    data.pkl through a restricted unpickler that reads no tensor; the metadata through ``expected_weights`` (the
    schema check of :mod:`.model_schema`, raising :class:`MetadataError`, and the shapes of the network it
    describes); each tensor's dtype, shape and storage size against those. Only then does
    ``torch.load(weights_only=True)``, which cannot run pickled code, read the tensors, from the same open file.
    Every refusal is a :class:`ModelFileError` of ``MODEL`` naming what is wrong. ``fmt`` and ``newest``: the
    format name and newest version read (the CNN's by default; the classic learners' have their own).
    ``numpy_arrays``: read the checked storages as numpy arrays instead, without torch (the classic learners).
    """
    with _model_errors(path), open(path, "rb") as handle:
        archive, folder, payload = _payload(handle)
        version = _format_version(payload, fmt, newest)
        metadata = _metadata(payload)
        members = _members(payload, version)
        try:
            expected = expected_weights(metadata)
        except MetadataError as exc:
            raise _invalid(exc.field, exc.problem) from None
        _check_tensors(members, expected, version)
        _check_storage_entries(archive, folder, members)
        if numpy_arrays:
            try:
                return metadata, _numpy_weights(archive, folder, members)
            except _Refused:
                raise
            except Exception as exc:  # a damaged entry (CRC), a storage numpy cannot lay out
                raise _not_a_model(f"{type(exc).__name__}: {str(exc)[:200]}") from None
        import torch

        handle.seek(0)
        try:
            loaded = torch.load(handle, map_location="cpu", weights_only=True)
        except Exception as exc:  # a damaged entry (CRC), or anything torch's own safe unpickler refuses
            raise _not_a_model(f"{type(exc).__name__}: {str(exc)[:200]}") from None
        weights = _loaded_weights(loaded, payload["metadata"], members, version)
    return metadata, weights


def model_format(path: str) -> Any:
    """The ``format`` a model file declares (read through the same size checks and restricted unpickler as
    :func:`read_model`, no tensor read), so that a caller can choose the reader; None when it declares none."""
    with _model_errors(path), open(path, "rb") as handle:
        payload = _payload(handle)[2]
    return payload.get("format") if isinstance(payload, dict) else None


@contextlib.contextmanager
def _model_errors(path: str) -> Iterator[None]:
    """A missing file, an unreadable one and every refusal inside as one :class:`ModelFileError` naming MODEL."""
    if os.path.isdir(path):  # 'does not exist' misled: it does, as a folder (named model.pt, or the model's folder)
        raise ModelFileError(
            f"'{path}' is a folder, not a model file; give the .pt file traincnn or trainmodel wrote (OUTPUT_MODEL), "
            f"or {TRAIN_NEW}.",
            "MODEL",
        )
    if not os.path.isfile(path):
        why, meant = mistyped_path(path)
        if why and os.path.isfile(meant):
            raise ModelFileError(
                f"'{shown_path(path)}' names no file: {why}. Give '{meant}' (that file exists).", "MODEL"
            )
        raise ModelFileError(f"the model file '{path}' does not exist; check the path, or {TRAIN_NEW}.", "MODEL")
    try:
        yield
    except _Refused as refused:
        raise ModelFileError(_message(os.path.basename(path), refused), "MODEL") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file '{path}' ({exc.strerror or exc}).", "MODEL") from None


def _payload(handle: Any) -> Tuple[zipfile.ZipFile, str, Any]:
    """The archive, its folder and its data.pkl read through the restricted unpickler (no tensor read yet)."""
    archive, folder = _archive(handle)
    try:
        data = archive.read(f"{folder}/data.pkl")
    except Exception as exc:  # BadZipFile (CRC), zlib.error, RuntimeError (encrypted), ...
        raise _not_a_model(f"a damaged data.pkl: {exc}") from None
    return archive, folder, _inspect_pickle(data)


def _message(name: str, refused: _Refused) -> str:
    reason = str(refused)
    if refused.kind == "foreign":
        return (
            f"'{name}' is not a GeoChem Prospector model file, is damaged, or holds objects that are unsafe to load "
            f"({reason}); {TRAIN_NEW}."
        )
    if refused.kind == "size":
        return (
            f"'{name}' is refused unread: {reason}. A model file written by prospector:traincnn is stored "
            f"uncompressed and holds only what its networks need, so this one is damaged or crafted (a zip bomb); "
            f"{TRAIN_NEW}."
        )
    if refused.kind == "format":
        return (
            f"'{name}' is not a GeoChem Prospector model (unknown format: neither traincnn's nor trainmodel's); "
            f"{TRAIN_NEW}."
        )
    if refused.kind == "newer":
        return f"'{name}' {reason}; update the plugin, or {TRAIN_NEW}."
    return f"'{name}' is not a usable model file: {reason}; {TRAIN_NEW}."

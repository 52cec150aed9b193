"""The model file format: tensors and JSON only, nothing executable, checked before anything uses it.

A model file is ``torch.save`` of a plain dict of strings and tensors, read back with ``weights_only=True`` (no
pickle code can run); the metadata is a JSON string inside that dict, validated against :mod:`.model_schema`.
Sizes are checked before anything is decompressed or allocated (:func:`read_model`).
"""

from __future__ import annotations

import collections
import hashlib
import io
import json
import math
import os
import pickle
import struct
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..errors import ModelFileError
from ..io.outputs import verify_zip, write_bytes
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


# -- reading: sizes first, then the metadata, then the tensors' shapes, and only then torch.load -------------------
#
# torch.save writes a zip archive: ``<folder>/data.pkl`` (the pickled dict, tensors as references to storages),
# ``<folder>/data/<key>`` (each storage's raw bytes, uncompressed) and a few small records. torch.load reads a
# storage by allocating what its zip entry says it unpacks to, then decompressing into it, so the archive is
# inspected with zipfile first; data.pkl (bounded) is then unpickled by a restricted unpickler that records what
# each tensor claims (dtype, shape, storage) without reading any tensor data. Only once the metadata has passed
# the schema and every tensor matches the network those settings build, with every storage exactly the size its
# tensors need, does torch.load(weights_only=True) read the file.

#: the networks a file may describe need at most this much (patch 65, 100 networks of the default width: 3 GB)
MAX_WEIGHT_BYTES = 4 * 1024**3
#: the pickled dict with the metadata JSON (training histories of 100 networks included)
MAX_PICKLE_BYTES = 64 * 1024**2
#: torch's other records (byteorder, version, ...) are a few bytes each
MAX_RECORD_BYTES = 64 * 1024
#: 100 networks of 8 tensors, plus torch's records
MAX_ENTRIES = 2048
MAX_DIRECTORY_BYTES = 1024**2
MAX_TOTAL_BYTES = MAX_WEIGHT_BYTES + MAX_PICKLE_BYTES + MAX_DIRECTORY_BYTES
#: torch.save stores entries uncompressed; a deflated entry may unpack to at most this many times its size
MAX_RATIO = 20
RATIO_SLACK = 64 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")

TRAIN_NEW = "train a new model with prospector:traincnn"


@dataclass(frozen=True)
class ExpectedWeights:
    """What a model file's metadata says its weights must be: the number of networks and every tensor's shape."""

    networks: int
    shapes: Dict[str, Tuple[int, ...]]


def _gib(n: float) -> str:
    """A size in bytes, KiB, MiB or GiB."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:,.0f} bytes"


class _Refused(Exception):
    """Internal: the reason a file is refused; read_model words the message."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        super().__init__(reason)


def _not_a_model(reason: str) -> _Refused:
    return _Refused("foreign", reason)


def _unpacks_too_large(reason: str) -> _Refused:
    return _Refused("size", reason)


def _invalid(field_name: str, problem: str) -> _Refused:
    return _Refused("field", f"{field_name} {problem}")


def _directory(handle: BinaryIO, size: int) -> Tuple[int, int, int]:
    """(entries, directory size, directory offset) from the zip's end record, before zipfile reads the directory."""
    tail_length = min(size, _EOCD.size + 0xFFFF)
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or tail_length - at < _EOCD.size:
        raise _not_a_model("no zip directory at its end: not written by torch.save, or cut short")
    _, _, _, _, entries, dir_size, dir_offset, _ = _EOCD.unpack_from(tail, at)
    if entries == 0xFFFF or dir_size == 0xFFFFFFFF or dir_offset == 0xFFFFFFFF:  # zip64
        locator_at = size - tail_length + at - _ZIP64_LOCATOR.size
        if locator_at < 0:
            raise _not_a_model("a damaged zip64 end record")
        handle.seek(locator_at)
        signature, _, record_at, _ = _ZIP64_LOCATOR.unpack(handle.read(_ZIP64_LOCATOR.size))
        if signature != b"PK\x06\x07" or record_at + _ZIP64_EOCD.size > size:
            raise _not_a_model("a damaged zip64 end record")
        handle.seek(record_at)
        record = _ZIP64_EOCD.unpack(handle.read(_ZIP64_EOCD.size))
        if record[0] != b"PK\x06\x06":
            raise _not_a_model("a damaged zip64 end record")
        entries, dir_size, dir_offset = record[7], record[8], record[9]
    return entries, dir_size, dir_offset


def _archive(handle: BinaryIO) -> Tuple[zipfile.ZipFile, str]:
    """Open the zip archive after checking what it says it holds; returns it and torch's folder name in it."""
    size = os.fstat(handle.fileno()).st_size
    entries, dir_size, dir_offset = _directory(handle, size)
    if entries > MAX_ENTRIES or dir_size > MAX_DIRECTORY_BYTES:
        raise _unpacks_too_large(
            f"its zip directory lists {entries:,} entries in {_gib(dir_size)} (at most {MAX_ENTRIES:,})"
        )
    if dir_offset + dir_size > size:
        raise _not_a_model("a zip directory that lies beyond the end of the file (truncated)")
    try:
        archive = zipfile.ZipFile(handle)
        infos = archive.infolist()
    except Exception as exc:  # BadZipFile, struct.error, UnicodeDecodeError of a name, ...
        raise _not_a_model(f"a damaged zip archive: {type(exc).__name__}: {str(exc)[:200]}") from None
    names = [info.filename for info in infos]
    folder = names[0].split("/", 1)[0] if names else ""
    if len(infos) > MAX_ENTRIES:
        raise _unpacks_too_large(f"it holds {len(infos):,} zip entries (at most {MAX_ENTRIES:,})")
    if len(set(names)) != len(names) or not all(n.startswith(folder + "/") for n in names):
        raise _not_a_model("a zip archive laid out unlike torch.save's (entries outside one folder, or twice)")
    if f"{folder}/data.pkl" not in names:
        raise _not_a_model("a zip archive without torch's data.pkl")
    stored = unpacked = 0
    for info in infos:
        entry = info.filename
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _not_a_model(f"entry '{entry}' compressed by a method torch cannot read")
        if info.header_offset + info.compress_size > size:
            raise _unpacks_too_large(
                f"entry '{entry}' claims {_gib(info.compress_size)} of data in a file of {_gib(size)}"
            )
        if info.file_size > MAX_RATIO * info.compress_size + RATIO_SLACK:
            raise _unpacks_too_large(
                f"entry '{entry}' unpacks to {_gib(info.file_size)} from {_gib(info.compress_size)} "
                f"({info.file_size / max(info.compress_size, 1):,.0f}:1)"
            )
        limit = (
            MAX_PICKLE_BYTES
            if entry == f"{folder}/data.pkl"
            else MAX_WEIGHT_BYTES
            if entry.startswith(f"{folder}/data/")
            else MAX_RECORD_BYTES
        )
        if info.file_size > limit:
            raise _unpacks_too_large(f"entry '{entry}' unpacks to {_gib(info.file_size)} (at most {_gib(limit)})")
        stored += info.compress_size
        unpacked += info.file_size
    if stored > size:
        raise _unpacks_too_large(f"its entries claim {_gib(stored)} of data in a file of {_gib(size)} (they overlap)")
    if unpacked > MAX_TOTAL_BYTES:
        raise _unpacks_too_large(f"its entries unpack to {_gib(unpacked)} in all (at most {_gib(MAX_TOTAL_BYTES)})")
    return archive, folder


# -- data.pkl, unpickled without reading any tensor --------------------------------------------------------------

#: the storage classes a tensor of a state dict is pickled with: torch dtype name, bytes per element, floating point
STORAGES: Dict[str, Tuple[str, int, bool]] = {
    "FloatStorage": ("float32", 4, True),
    "DoubleStorage": ("float64", 8, True),
    "HalfStorage": ("float16", 2, True),
    "BFloat16Storage": ("bfloat16", 2, True),
    "LongStorage": ("int64", 8, False),
    "IntStorage": ("int32", 4, False),
    "ShortStorage": ("int16", 2, False),
    "CharStorage": ("int8", 1, False),
    "ByteStorage": ("uint8", 1, False),
    "BoolStorage": ("bool", 1, False),
}


class _Sealed:
    """Refuses pickle's BUILD opcode, which would otherwise overwrite the checked fields of these records."""

    def __setstate__(self, state: Any) -> None:
        raise pickle.UnpicklingError("an object state where none belongs")


@dataclass(frozen=True)
class _StorageType(_Sealed):
    name: str


@dataclass(frozen=True)
class StorageRef(_Sealed):
    """What data.pkl says of one storage: its zip entry ``data/<key>``, dtype and number of elements."""

    key: str
    dtype: str
    itemsize: int
    floating: bool
    numel: int

    @property
    def nbytes(self) -> int:
        return self.numel * self.itemsize


@dataclass(frozen=True)
class TensorRef(_Sealed):
    """What data.pkl says of one tensor: its storage, offset, shape and strides (no data)."""

    storage: StorageRef
    offset: int
    shape: Tuple[int, ...]
    stride: Tuple[int, ...]

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


def _whole_numbers(value: Any, what: str) -> Tuple[int, ...]:
    if not isinstance(value, tuple) or not all(type(v) is int and v >= 0 for v in value) or len(value) > 8:
        raise pickle.UnpicklingError(f"a tensor {what} that is not a tuple of whole numbers")
    return value


def _rebuild_tensor(
    storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any = False, hooks: Any = None, *extra: Any
) -> TensorRef:
    """Stands for torch._utils._rebuild_tensor_v2: records the tensor instead of building it."""
    if not isinstance(storage, StorageRef) or type(offset) is not int or offset < 0 or len(extra) > 1:
        raise pickle.UnpicklingError("a tensor that does not refer to a storage")
    shape, strides = _whole_numbers(size, "shape"), _whole_numbers(stride, "stride")
    if len(shape) != len(strides):
        raise pickle.UnpicklingError("a tensor whose shape and strides differ in length")
    return TensorRef(storage, offset, shape, strides)


class _Inspector(pickle.Unpickler):
    """Unpickles data.pkl allowing only what a state dict needs; tensors become :class:`TensorRef` records."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a model file")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 5):
            raise pickle.UnpicklingError("an unknown persistent reference")
        kind, storage_type, key, location, numel = pid
        kind = kind.decode("ascii", "replace") if isinstance(kind, bytes) else kind
        if kind != "storage" or not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError("an unknown persistent reference")
        if not (isinstance(key, str) and key.isdigit() and isinstance(location, (str, bytes))):
            raise pickle.UnpicklingError("a storage without a key and a device")
        if type(numel) is not int or numel < 0:
            raise pickle.UnpicklingError("a storage of a negative or non-integer size")
        dtype, itemsize, floating = STORAGES[storage_type.name]
        return StorageRef(key, dtype, itemsize, floating, numel)


def _inspect_pickle(data: bytes) -> Any:
    try:
        return _Inspector(io.BytesIO(data)).load()
    except Exception as exc:  # UnpicklingError from the checks above; anything a damaged pickle raises
        raise _not_a_model(f"{type(exc).__name__}: {exc}"[:300]) from None


# -- the checks, in order ---------------------------------------------------------------------------------------


def _format_version(payload: Any) -> int:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise _Refused("format", "unknown format")
    version = payload.get("format_version")
    if type(version) is not int or version < 1:
        raise _invalid("format_version", f"is {version!r}, but it must be a whole number from 1 to {FORMAT_VERSION}")
    if version > FORMAT_VERSION:
        raise _Refused("newer", str(version))
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
            f"width, hidden, patch_size, band_names, classes), up to {_gib(need)}: more than the "
            f"{_gib(MAX_WEIGHT_BYTES)} a model file may hold",
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
        raise _invalid("weights", f"are stored with {_gib(total - sum(used.values()))} more data than the tensors hold")
    if total > MAX_WEIGHT_BYTES:
        raise _invalid("weights", f"take {_gib(total)}, more than the {_gib(MAX_WEIGHT_BYTES)} a model file may hold")


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
                f"entry '{entry}' unpacks to {_gib(info.file_size)}, but its tensors need {_gib(storage.nbytes)}"
            )


def _loaded_weights(
    payload: Any, metadata_text: str, members: List[Dict[str, TensorRef]], version: int
) -> List[Dict[str, torch.Tensor]]:
    """The tensors torch.load read: as inspected (the file did not change meanwhile), with finite values."""
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


def read_model(
    path: str, expected_weights: Callable[[Dict[str, Any]], ExpectedWeights]
) -> Tuple[Dict[str, Any], List[Dict[str, torch.Tensor]]]:
    """The metadata and each network's weights of a model file; refuse anything that is not a safe, valid one.

    In order, each step bounded by the ones before: the zip archive's directory and every entry's unpacked size;
    data.pkl through a restricted unpickler that reads no tensor; the metadata through ``expected_weights`` (the
    schema check of :mod:`.model_schema`, raising :class:`MetadataError`, and the shapes of the network it
    describes); each tensor's dtype, shape and storage size against those. Only then does
    ``torch.load(weights_only=True)``, which cannot run pickled code, read the tensors, from the same open file.
    Every refusal is a :class:`ModelFileError` of ``MODEL`` naming what is wrong.
    """
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"the model file '{path}' does not exist; check the path, or {TRAIN_NEW}.", "MODEL")
    try:
        with open(path, "rb") as handle:
            archive, folder = _archive(handle)
            try:
                data = archive.read(f"{folder}/data.pkl")
            except Exception as exc:  # BadZipFile (CRC), zlib.error, RuntimeError (encrypted), ...
                raise _not_a_model(f"a damaged data.pkl: {exc}") from None
            payload = _inspect_pickle(data)
            del data
            version = _format_version(payload)
            metadata = _metadata(payload)
            members = _members(payload, version)
            try:
                expected = expected_weights(metadata)
            except MetadataError as exc:
                raise _invalid(exc.field, exc.problem) from None
            _check_tensors(members, expected, version)
            _check_storage_entries(archive, folder, members)
            handle.seek(0)
            try:
                loaded = torch.load(handle, map_location="cpu", weights_only=True)
            except Exception as exc:  # a damaged entry (CRC), or anything torch's own safe unpickler refuses
                raise _not_a_model(f"{type(exc).__name__}: {str(exc)[:200]}") from None
            weights = _loaded_weights(loaded, payload["metadata"], members, version)
    except _Refused as refused:
        raise ModelFileError(_message(name, refused), "MODEL") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file '{path}' ({exc.strerror or exc}).", "MODEL") from None
    return metadata, weights


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
        return f"'{name}' is not a GeoChem Prospector CNN model (unknown format); {TRAIN_NEW}."
    if refused.kind == "newer":
        return (
            f"'{name}' has model format version {reason}, newer than this plugin reads ({FORMAT_VERSION}); update "
            f"the plugin, or {TRAIN_NEW}."
        )
    return f"'{name}' is not a usable model file: {reason}; {TRAIN_NEW}."

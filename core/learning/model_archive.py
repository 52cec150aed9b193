"""A model file's zip archive inspected before torch reads it: the directory, every entry's size and ratio, and the
pickled header unpickled without reading any tensor."""

from __future__ import annotations

import collections
import io
import math
import os
import pickle
import struct
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Dict, Tuple

from ..grid import size_text

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


TRAIN_NEW = "train a new model with prospector:traincnn or prospector:trainmodel"


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
            f"its zip directory lists {entries:,} entries in {size_text(dir_size)} (at most {MAX_ENTRIES:,})"
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
    for name in names:  # 'archive/../../x' starts with the folder but lies outside it wherever it is unpacked
        parts = name.split("/")
        if folder in ("", ".", "..") or "\\" in name or "\0" in name or any(p in (".", "..") for p in parts[1:]):
            raise _not_a_model(
                f"entry '{name[:200]}' is named to lie outside the archive's folder ('..', '.' or a backslash), "
                "which torch.save never writes"
            )
    if f"{folder}/data.pkl" not in names:
        raise _not_a_model("a zip archive without torch's data.pkl")
    stored = unpacked = 0
    for info in infos:
        entry = info.filename
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _not_a_model(f"entry '{entry}' compressed by a method torch cannot read")
        if info.header_offset + info.compress_size > size:
            raise _unpacks_too_large(
                f"entry '{entry}' claims {size_text(info.compress_size)} of data in a file of {size_text(size)}"
            )
        if info.file_size > MAX_RATIO * info.compress_size + RATIO_SLACK:
            raise _unpacks_too_large(
                f"entry '{entry}' unpacks to {size_text(info.file_size)} from {size_text(info.compress_size)} "
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
            raise _unpacks_too_large(
                f"entry '{entry}' unpacks to {size_text(info.file_size)} (at most {size_text(limit)})"
            )
        stored += info.compress_size
        unpacked += info.file_size
    if stored > size:
        raise _unpacks_too_large(
            f"its entries claim {size_text(stored)} of data in a file of {size_text(size)} (they overlap)"
        )
    if unpacked > MAX_TOTAL_BYTES:
        raise _unpacks_too_large(
            f"its entries unpack to {size_text(unpacked)} in all (at most {size_text(MAX_TOTAL_BYTES)})"
        )
    return archive, folder


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

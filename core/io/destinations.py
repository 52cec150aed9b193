"""Checks before any work: every output folder writable, no output over an input, a file behind it, or another output."""

from __future__ import annotations

import os
import tempfile
from typing import Dict, Mapping, Tuple

from ..errors import InputError
from .inputs import files_behind, output_sidecars


def check_output_folder(path: str, parameter: str = "OUTPUT") -> str:
    """The folder of ``path``, after proving a file can be created there; else :class:`InputError`.

    The proof is a real temporary file, not ``os.access``: permission bits say nothing for root, and a
    read-only mount, a full disk or a path under a regular file only show up when writing.
    """
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InputError(f"'{directory}' is a file, not a folder; choose an existing folder.", parameter)
    if not os.path.isdir(directory):
        raise InputError(f"the folder '{directory}' does not exist; choose an existing folder.", parameter)
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=directory)
    except OSError as exc:
        raise InputError(_unwritable(directory, exc), parameter) from None
    os.close(fd)
    os.remove(probe)
    return directory


def _unwritable(directory: str, exc: OSError) -> str:
    return f"cannot write in the folder '{directory}' ({exc.strerror or exc}); choose a folder you can write to."


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path.split("|")[0]))


def check_output_paths(outputs: Mapping[str, str], inputs: Mapping[str, str]) -> None:
    """Refuse, before any work, outputs that would touch a file behind an input, overwrite each other, stand
    where a folder is, or cannot be written.

    ``outputs`` and ``inputs`` map parameter names to file paths (empty values are skipped). Behind an input
    lie the file itself, its sidecars (``.aux.xml``, ``.ovr``, ``.prj``, ``.qml``, a shapefile's ``.dbf``...)
    and, for a VRT, every source file (see :func:`~.inputs.files_behind`). An output is also refused when one
    of its own sidecars, which the commit moves aside, is such a file.
    """
    behind: Dict[str, Tuple[str, str, str]] = {}  # key -> (input parameter, input path, how it relates)
    for name, path in inputs.items():
        if not path:
            continue
        for file, relation in files_behind(path):
            behind.setdefault(_key(file), (name, path, relation))
    seen_outputs: Dict[str, str] = {}
    for name, path in outputs.items():
        if not path:
            continue
        k = _key(path)
        if k in behind:
            raise InputError(_overwrite_message(path, *behind[k]), name)
        for sidecar in output_sidecars(path):
            if _key(sidecar) in behind:
                input_name, input_path, _ = behind[_key(sidecar)]
                raise InputError(
                    f"writing '{path}' would move aside its sidecar '{sidecar}', which is the input {input_name} "
                    f"('{input_path}') or a file behind it; choose another file name.",
                    name,
                )
        if k in seen_outputs:
            raise InputError(f"the same file as {seen_outputs[k]} ('{path}'); give each output its own file.", name)
        seen_outputs[k] = name
        plain = path.split("|")[0]
        if os.path.isdir(plain):
            raise InputError(f"'{plain}' is a folder; give the output a file name.", name)
        check_output_folder(plain, name)


def _overwrite_message(path: str, input_name: str, input_path: str, relation: str) -> str:
    if relation == "input":
        return f"the output would overwrite an input ({input_name}: '{input_path}'); choose another file name."
    return (
        f"the output would overwrite '{path.split('|')[0]}', {relation} of the input {input_name} ('{input_path}'); "
        "choose another file name."
    )

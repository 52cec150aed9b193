"""Run one algorithm through ``qgis_process.bin``, as a user types it on the command line."""

from __future__ import annotations

import json
import subprocess
from typing import Any, Dict, Mapping, Optional, Tuple


def run_qgis_process(
    env: Mapping[str, str], algorithm_id: str, parameters: Mapping[str, Any], timeout: float = 600
) -> Tuple[int, Optional[Dict[str, Any]], str]:
    """``qgis_process.bin run ALG --json -- K=V ...`` (a list value repeats its key); returns (exit code, parsed
    JSON or None, stderr + stdout)."""
    args = ["qgis_process.bin", "run", algorithm_id, "--json", "--"]
    for key, value in parameters.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            args.append(f"{key}={item}")
    proc = subprocess.run(args, env=dict(env), capture_output=True, text=True, timeout=timeout)
    try:
        parsed = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        parsed = None
    return proc.returncode, parsed, proc.stderr + proc.stdout

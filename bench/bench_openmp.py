"""Training a small network with PyTorch's OpenMP threads spinning or waiting passively, in the same run.

Each configuration trains the same network (``bench_cnn``'s synthetic 21-band 256 x 256 stack, patch 9, one
network, 6 epochs, mean teacher, seed 0) in a fresh child process, after one warm-up fit there, because libgomp reads
``OMP_WAIT_POLICY`` once, when it is loaded: libgomp's default (spin a while; PyTorch imported before the plugin
package, which then leaves the variable alone), ``PASSIVE`` (what the plugin package sets on import when the user
has not chosen, ``core/learning/openmp.py``), ``ACTIVE`` (spin), each at PyTorch's default thread count, and
``PASSIVE`` on one thread. Configurations run interleaved, ``BENCH_OPENMP_REPS`` times (default 2); wall and CPU time of the
timed fit, with the load average, and each wall time over the one-thread run of the same round. The point is the
machine's other work: run it quiet and while something else keeps the cores busy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, os, resource, sys, time
if os.environ.get("BENCH_OPENMP_TORCH_FIRST"):
    import torch  # loads libgomp before the plugin package could set its policy: libgomp's default
sys.path.insert(0, {here!r})
from bench_cnn import _import_cnn, _synthetic
cnn = _import_cnn()
import torch
threads = int(os.environ["BENCH_OPENMP_THREADS"])
if threads:
    torch.set_num_threads(threads)
bands, labels = _synthetic(21, 256)
def fit():
    model = cnn.PatchCNN(patch_size=9, epochs=6, batch_size=256, seed=0, device="cpu", semi_supervised=True)
    model.fit(bands, labels)
    return model
fit()
before = resource.getrusage(resource.RUSAGE_SELF)
started = time.perf_counter()
model = fit()
wall = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
print(json.dumps({{"wall": wall, "cpu": cpu, "threads": torch.get_num_threads(),
                  "policy": os.environ.get("OMP_WAIT_POLICY"),
                  "epochs": model.metadata_["metrics"]["epochs_run"]}}))
"""

#: (name, OMP_WAIT_POLICY given, threads (0: PyTorch's default), PyTorch loaded before the plugin package)
CONFIGS = [
    ("libgomp's default", None, 0, True),
    ("the plugin's (PASSIVE)", None, 0, False),
    ("ACTIVE", "ACTIVE", 0, False),
    ("one thread", None, 1, False),
]


def run_child(policy, threads: int, torch_first: bool) -> dict:
    env = dict(os.environ, BENCH_OPENMP_THREADS=str(threads))
    env.pop("OMP_WAIT_POLICY", None)
    env.pop("BENCH_OPENMP_TORCH_FIRST", None)
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    if torch_first:
        env["BENCH_OPENMP_TORCH_FIRST"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(here=HERE)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    reps = int(os.environ.get("BENCH_OPENMP_REPS", "2"))
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs", flush=True)
    for rep in range(reps):
        results = {}
        for name, policy, threads, torch_first in CONFIGS:
            load = os.getloadavg()[0]
            results[name] = run_child(policy, threads, torch_first)
            r = results[name]
            print(
                f"round {rep + 1}, {name} (OMP_WAIT_POLICY {r['policy']}), {r['threads']} thread(s): "
                f"fit {r['wall']:.1f} s wall, "
                f"{r['cpu']:.1f} CPU-s ({r['epochs']} epochs); load {load:.1f}",
                flush=True,
            )
        one = results["one thread"]["wall"]
        print(
            "  wall over one thread: "
            + ", ".join(
                f"{name} {results[name]['wall'] / one:.2f}x" for name, _, threads, _ in CONFIGS if threads != 1
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()

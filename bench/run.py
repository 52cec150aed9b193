"""`make bench`: run every bench/bench_*.py (each has a main()) and print its ratios.

Benchmarks compare against a reference measured in the same run; timings on shared
machines are noisy, so they live here and never in unit tests.
Usage: python bench/run.py [name ...]   (name = the part after bench_, e.g. idw)
"""

import importlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "plugins"))


def main() -> None:
    wanted = set(sys.argv[1:])
    names = sorted(f[6:-3] for f in os.listdir(HERE) if f.startswith("bench_") and f.endswith(".py"))
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"\n=== bench {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench_{name}").main()
        print(f"=== {name} took {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()

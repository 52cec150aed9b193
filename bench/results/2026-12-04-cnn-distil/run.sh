#!/bin/sh
# Issue #18's controlled experiments: one comparemodels run per evidence set, side by side (one CPU each), niced.
# Usage (from the repository root): sh bench/results/2026-12-04-cnn-distil/run.sh NAME MODE...
set -e
out=bench/results/2026-12-04-cnn-distil
name=$1; shift
export PROJ_DATA=/usr/share/proj PYTHONDONTWRITEBYTECODE=1
for features in geochemistry geochemistry+magnetics; do
  nice -n 10 .venv/bin/python scripts/validate_lapland.py --features "$features" --threads 1 --modes "$@" \
    --json "$out/${name}_${features}.json" --markdown "$out/${name}_${features}.md" > "$out/${name}_${features}.log" 2>&1 &
done
wait

"""Distributed execution on Dask: scheduler strings, and a runner for per-window tasks (see ``runner``)."""

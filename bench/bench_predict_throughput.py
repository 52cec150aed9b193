"""Dense CNN prediction against the machine's own convolution throughput, measured in the same run.

Three figures, each a ratio to a reference timed in this run (so a loaded, shared machine slows both sides):

1. **Convolution throughput** of this machine on the SAME layer shapes as the prediction network (every Conv2d of
   the default :class:`PatchNet` for ``BANDS`` bands, run alone as one large convolution of ``REF`` x ``REF``
   output cells, in the faster of the NCHW / channels-last layouts, float32, PyTorch at its current thread
   count). Multiply-adds per cell are counted from the network's layers, not hard-coded; the arithmetic limit of
   a W x H x B raster is cells x multiply-adds x 2 / that throughput (x the networks of the ensemble).
2. **Dense prediction**: ``core.learning.inference.predict_window_scores`` on tiles of ``TILE`` cells plus their
   halo (random bands, a few NaN cells), as the algorithm calls it: cells/s and its share of (1); also with 20
   MC-dropout samples and on tiles of 256 and 1024 cells.
3. **Tile size** (#22): the size ``core.learning.tiling`` chooses on this machine (and why) against fixed sizes of
   256, 512 and 1024, each as a share of (1).
4. **End to end**: ``qgis_process.bin run prospector:predict`` on a SIZE x SIZE x BANDS tiled GeoTIFF (written
   first, never held in memory) under ``/usr/bin/time``: wall time, peak RSS, and the wall time over the
   arithmetic limit of (1) (the issue's target: within 2x), its CPU time and minor page faults, with the chosen
   tile size (TILE_SIZE 0) unless ``BENCH_THROUGHPUT_TILE`` is set; ``BENCH_THROUGHPUT_OTHER_TILE`` runs it again
   on the same file with that size, for a comparison in the same run. Each run's own log line says how long
   prediction waited for reads, computed and wrote (#22: the next tile is read while one is computed).
5. **Same-run A/B** (``BENCH_THROUGHPUT_BASELINE=<a plugins folder>``, e.g. ``/tmp/main/build/plugins`` of a
   worktree of main after ``make build/plugins/geochem_prospector`` there): (4) once more on the same file and
   model with ``QGIS_PLUGINPATH`` pointing at that other build, a line each and their ratio, so a change is
   compared with its baseline on the same machine minutes apart; ``BENCH_THROUGHPUT_AB_ROUNDS=N`` repeats the
   pair N times in the order this, baseline, baseline, this, ... (drift cancels in the sums).

Usage (environment variables, as ``make bench`` passes nothing else):
    BENCH_THROUGHPUT_SIZE=2000 BENCH=predict_throughput make bench
    BENCH_THROUGHPUT_QGIS=0 (skip 4), BENCH_THROUGHPUT_TILE=0 (0: chosen), BENCH_THROUGHPUT_MC=0,
    BENCH_THROUGHPUT_BASELINE=/path/to/other/build/plugins, BENCH_THROUGHPUT_AB_ROUNDS=1, BENCH_TMP=/big/disk
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

REF = 1024  # output cells across each reference convolution


def _best(func: Callable[[], object], repeats: int = 3) -> float:
    """The fastest of ``repeats`` timed calls after one warm-up (the least disturbed by other processes)."""
    func()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def conv_layers(net) -> List[Tuple[int, int, int, int, int]]:
    """(in, out, kernel_h, kernel_w, dilation) of every convolution of ``net``, in order."""
    from torch import nn

    return [
        (m.in_channels, m.out_channels, m.kernel_size[0], m.kernel_size[1], m.dilation[0])
        for m in net.modules()
        if isinstance(m, nn.Conv2d)
    ]


def multiply_adds_per_cell(net) -> int:
    """Multiply-adds of one network per output cell when the window is convolved densely (every convolution is
    evaluated once per cell; pooling and ReLU are not multiply-adds)."""
    return sum(cin * cout * kh * kw for cin, cout, kh, kw, _ in conv_layers(net))


def conv_throughput(net) -> Tuple[float, List[str]]:
    """FLOP/s (2 per multiply-add) of this machine on ``net``'s convolution shapes: each layer as one large
    convolution (``REF`` x ``REF`` outputs), the faster layout; total FLOPs / total time, and a line per layer."""
    import torch
    import torch.nn.functional as F  # noqa: N812 (the usual PyTorch alias)

    total_flops = total_time = 0.0
    lines = []
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for cin, cout, kh, kw, dil in conv_layers(net):
            span = (kh - 1) * dil
            x = torch.randn(1, cin, REF + span, REF + span, generator=gen)
            w = torch.randn(cout, cin, kh, kw, generator=gen) * 0.05
            b = torch.zeros(cout)
            seconds = {}
            for name, fmt in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
                xf, wf = x.contiguous(memory_format=fmt), w.contiguous(memory_format=fmt)
                seconds[name] = _best(lambda xf=xf, wf=wf, b=b, dil=dil: F.conv2d(xf, wf, b, dilation=dil))
            layout = min(seconds, key=seconds.__getitem__)
            flops = 2.0 * cin * cout * kh * kw * REF * REF
            total_flops += flops
            total_time += seconds[layout]
            lines.append(
                f"  conv {cin:>3} -> {cout:>3}, {kh} x {kw}: {flops / seconds[layout] / 1e9:6.1f} GFLOP/s ({layout}; "
                f"nchw {seconds['nchw'] * 1e3:.0f} ms, channels_last {seconds['channels_last'] * 1e3:.0f} ms)"
            )
    return total_flops / total_time, lines


def dense_throughput(model, tile: int, mc: int, n_tiles: int = 3) -> Tuple[float, float]:
    """Cells/s of ``predict_window_scores`` on ``n_tiles`` random tiles of ``tile`` cells plus the halo (the
    median tile), and the fastest tile's cells/s."""
    from geochem_prospector.core.learning.inference import predict_window_scores

    halo = model.config_.field // 2
    median, scale = model._norm()
    rng = np.random.default_rng(1)
    windows = []
    for _ in range(n_tiles):
        w = rng.standard_normal((len(model.band_names_), tile + 2 * halo, tile + 2 * halo), dtype=np.float32)
        w[:, rng.integers(0, w.shape[1], 50), rng.integers(0, w.shape[2], 50)] = np.nan
        windows.append(w)
    positive = model._positive_index()
    calibration = model.calibration_

    def run(w):
        return predict_window_scores(model.nets_, w, median, scale, halo, positive, "cpu", mc, 0, calibration)

    run(windows[0])  # warm-up (one-off allocations, primitive creation)
    times = []
    for w in windows:
        started = time.perf_counter()
        run(w)
        times.append(time.perf_counter() - started)
    cells = tile * tile
    return cells / float(np.median(times)), cells / min(times)


def end_to_end(
    evidence: str, size: int, model_path: str, tmp: str, tile: int, mc: int, plugins: Optional[str] = None
) -> Tuple[float, float, str]:
    """(wall seconds, peak RSS GB, a line of CPU time, page faults and the run's own tile and timing lines) of
    qgis_process prospector:predict on the size x size evidence raster; ``plugins``: the plugins folder to load
    the plugin from (None: this checkout's build/plugins)."""
    from bench_predict_large import timed_predict
    from demo import QgisProcess

    prob, unc = (os.path.join(tmp, n) for n in ("prob.tif", "unc.tif"))
    for path in (prob, unc):
        if os.path.exists(path):
            os.remove(path)
    parameters = [f"INPUT_RASTERS={evidence}", f"MODEL={model_path}", "DEVICE=cpu", f"MC_SAMPLES={mc}"]
    parameters += [f"TILE_SIZE={tile}", f"OUTPUT={prob}"] + ([f"OUTPUT_UNCERTAINTY={unc}"] if mc else [])
    qp = QgisProcess()
    if plugins:
        qp.env["QGIS_PLUGINPATH"] = plugins
    from geochem_prospector.core.learning import openmp

    if openmp.set_here:  # set by this checkout's package in the bench itself: each build decides in its own process
        qp.env.pop(openmp.WAIT_POLICY, None)
    log: List[str] = []
    seconds, peak_gb, cpu, faults = timed_predict(qp, tmp, parameters, log)
    said = [line.strip() for line in log if line.strip().startswith(("Tile size:", "Prediction:"))]
    return seconds, peak_gb, "; ".join([f"{cpu:.1f} CPU-s, {faults:,} minor page faults ({faults / size**2:.3f} a cell)"]
                                       + said)  # fmt: skip


def main() -> None:
    import torch
    from bench_cnn import _import_cnn
    from bench_predict_large import BANDS, train_model

    size = int(os.environ.get("BENCH_THROUGHPUT_SIZE", "2000"))
    tile = int(os.environ.get("BENCH_THROUGHPUT_TILE", "0"))
    mc = int(os.environ.get("BENCH_THROUGHPUT_MC", "0"))
    with_qgis = os.environ.get("BENCH_THROUGHPUT_QGIS", "1") != "0"
    _import_cnn()  # puts geochem_prospector on the path
    from geochem_prospector.core.learning.estimator import PatchCNN

    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs; torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads")  # fmt: skip
    tmp = tempfile.mkdtemp(prefix="bench-throughput-", dir=os.environ.get("BENCH_TMP"))
    try:
        model_path = os.path.join(tmp, "model.pt")
        train_model(model_path)
        model = PatchCNN.load(model_path)
        net = model.nets_[0]
        macs = multiply_adds_per_cell(net)
        n_nets = len(model.nets_)
        print(f"network: {BANDS} bands, patch {model.config_.patch_size}, {n_nets} network(s), {macs:,} "
              "multiply-adds per cell per network (counted from its convolutions)")  # fmt: skip
        ref, lines = conv_throughput(net)
        print(f"convolution throughput on the network's layer shapes ({REF} x {REF} outputs each): "
              f"{ref / 1e9:.1f} GFLOP/s")  # fmt: skip
        print("\n".join(lines))
        from geochem_prospector.core.learning.tiling import bytes_per_cell, tile_size_here

        cfg = model.config_
        choice = tile_size_here(cfg.field // 2, bytes_per_cell(BANDS, cfg.width, cfg.hidden, bool(cfg.coarse), mc),
                                cfg.hidden, size, size)  # fmt: skip
        print(f"tile size chosen here for {size} x {size}, MC {mc}: {choice.size} ({choice.reason})")
        tile = tile or choice.size
        cells_s, best_s = dense_throughput(model, tile, mc)
        flops = 2.0 * macs * n_nets
        print(f"dense prediction (predict_window_scores, tiles of {tile} + halo, MC {mc}): {cells_s:,.0f} cells/s "
              f"median, {best_s:,.0f} best = {cells_s * flops / 1e9:.1f} GFLOP/s = "
              f"{100 * cells_s * flops / ref:.0f} % of the convolution throughput (target >= 50 %)")  # fmt: skip
        mc_cells, _ = dense_throughput(model, tile, 20)
        print(f"  with 20 MC-dropout samples (predict's default): {mc_cells:,.0f} cells/s = "
              f"{100 * mc_cells * flops / ref:.0f} %")  # fmt: skip
        for size_t in (256, 512, 1024, tile, 256, 512, 1024, tile):  # twice, interleaved: the machine drifts
            t_cells, _ = dense_throughput(model, size_t, mc, n_tiles=2)
            print(f"  tiles of {size_t} + halo{' (chosen)' if size_t == tile else ''}: {t_cells:,.0f} cells/s = "
                  f"{100 * t_cells * flops / ref:.0f} %")  # fmt: skip
        limit = size * size * flops / ref
        print(f"arithmetic limit for {size} x {size} x {BANDS}: {limit:.1f} s")
        if with_qgis:
            from bench_predict_large import write_evidence

            evidence = os.path.join(tmp, "evidence.tif")
            started = time.perf_counter()
            write_evidence(evidence, size)
            gb = os.path.getsize(evidence) / 1e9
            print(f"evidence {size} x {size} x {BANDS}: {gb:.2f} GB written in {time.perf_counter() - started:.0f} s")
            e2e_tile = int(os.environ.get("BENCH_THROUGHPUT_TILE", "0"))  # 0: predict chooses, as by default
            other = int(os.environ.get("BENCH_THROUGHPUT_OTHER_TILE", "0"))  # a second size, run after, same file

            def measure(run_tile: int, plugins: Optional[str] = None) -> float:
                wall, peak, cost = end_to_end(evidence, size, model_path, tmp, run_tile, mc, plugins)
                which = f" [baseline {plugins}]" if plugins else ""
                print(f"qgis_process prospector:predict{which} {size} x {size} x {BANDS}, TILE_SIZE {run_tile}: "
                      f"{wall:.1f} s ({size * size / wall:,.0f} cells/s) = {wall / limit:.2f} x the arithmetic limit "
                      f"(target <= 2); peak RSS {peak:.2f} GB ({peak / gb:.2f} x the input); {cost}; load "
                      f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
                return wall

            baseline = os.environ.get("BENCH_THROUGHPUT_BASELINE", "")
            if baseline:  # same-run A/B: this build against another plugins folder, same file, model, tile
                if not os.path.isdir(os.path.join(baseline, "geochem_prospector")):
                    raise SystemExit(f"BENCH_THROUGHPUT_BASELINE={baseline}: no geochem_prospector plugin folder there")
                rounds = max(1, int(os.environ.get("BENCH_THROUGHPUT_AB_ROUNDS", "1")))
                walls: Dict[str, float] = {"this": 0.0, "baseline": 0.0}
                for k in range(rounds):
                    for side in ("this", "baseline") if k % 2 == 0 else ("baseline", "this"):
                        walls[side] += measure(e2e_tile, baseline if side == "baseline" else None)
                print(
                    f"A/B over {rounds} round(s): this build {walls['this'] / rounds:.1f} s, baseline "
                    f"{walls['baseline'] / rounds:.1f} s on average: this / baseline = "
                    f"{walls['this'] / walls['baseline']:.3f} (one pair is noisy on a shared machine)",
                    flush=True,
                )
            else:
                measure(e2e_tile)
            if other:
                measure(other)
        ref2, _ = conv_throughput(net)
        load = os.getloadavg()
        print(f"convolution throughput again at the end: {ref2 / 1e9:.1f} GFLOP/s (the spread is the machine's "
              f"noise); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
